"""`provnews add-portal`: a portal from one listing URL, by its family or by inference, that then
loads like a hand-written one; a redesign gets a new version beside the old."""

import contextlib
import json
import tomllib
from pathlib import Path

import duckdb
import pytest

from mirror.families import SITES, layout_for
from mirror.server import Mirror
from spiders.onboard.errors import InferenceError
from spiders.onboard.propose import propose, write
from spiders.onboard.toml import dumps
from spiders.portals import PORTALS, read_data
from tests.conftest import run_cli

SIZE = 60
HTML_SITES = [k for k in SITES if PORTALS[k].listing.pagination != "json"]


def listing_url(mirror, key: str) -> str:
    cat = PORTALS[key].categories[0]
    return f"{mirror.portal_url(key)}{layout_for(key, SIZE).listing_path(cat, 1)}"


def rows(db_file, portal):
    with contextlib.closing(duckdb.connect(str(db_file), read_only=True)) as con:
        con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        return {url: (title, day, body) for url, title, day, body in con.execute(
            "SELECT url, title, published_at::DATE, body FROM articles WHERE portal = ?", [portal]).fetchall()}


@pytest.mark.parametrize("key", list(SITES))
def test_a_known_family_is_recognised_from_one_listing_url(mirror, key):
    p = propose(listing_url(mirror, key), f"new_{key}")
    assert (p.how, p.family) == ("recognised", PORTALS[key].family.key), p.evidence
    data = tomllib.loads(p.text)
    assert data["domains"] == [PORTALS[key].home]
    assert data["categories"][0] == PORTALS[key].categories[0]
    assert set(data["categories"]) <= set(PORTALS[key].categories)  # the others from the site's menu
    assert (data["province"], data["province_current"]) == (PORTALS[key].province, PORTALS[key].province_current)


@pytest.fixture(scope="module")
def inferred(tmp_path_factory):
    """Every HTML site onboarded with its family hidden (--infer), then ingested with the
    inferred definitions; and the same sites with the hand-written ones."""
    tmp = tmp_path_factory.mktemp("onboard")
    env = {"PROVNEWS_PORTALS_DIR": str(tmp / "portals")}
    with Mirror(size=SIZE, slow_seconds=0.2) as m:
        outcome = {}  # (in this process: the command's own run is tested below)
        for key in HTML_SITES:
            try:
                outcome[key] = write(propose(listing_url(m, key), f"x_{key}", infer=True), tmp / "portals")
            except InferenceError as e:
                outcome[key] = e
        added = [f"x_{k}" for k, out in outcome.items() if isinstance(out, Path)]
        portals = [a for k in added for a in ("--portal", k)]
        ours = run_cli("--db", str(tmp / "inferred.duckdb"), "ingest", *portals, "--mirror-url", m.base_url, env=env)
        # The reference: the hand-written definitions on the same one category each, so that both
        # warehouses hold the same pages (exact copies across portals resolve alike).
        written = tmp / "written"
        written.mkdir()
        for key in HTML_SITES:
            data = read_data(Path(PORTALS[key].source))
            (written / f"{key}.toml").write_text(dumps({**data, "categories": data["categories"][:1]}), encoding="utf-8")
        theirs = run_cli("--db", str(tmp / "written.duckdb"), "ingest", *[a for k in HTML_SITES for a in ("--portal", k)],
                         "--mirror-url", m.base_url, env={"PROVNEWS_PORTALS_DIR": str(written)})
    yield dict(tmp=tmp, outcome=outcome, ours=ours, theirs=theirs)


def test_inferred_definitions_load_the_same_articles_as_the_hand_written_ones(inferred):
    """With its family's definition hidden, each HTML family's portal is inferred from its pages
    and loads the articles of its category as the family's definition does: same URLs, titles,
    days, bodies; a listing paged by its script pages by the request the script spells out."""
    assert inferred["ours"].returncode in (0, 1), inferred["ours"].stderr
    assert inferred["theirs"].returncode == 0, inferred["theirs"].stderr
    table = {}
    for key in HTML_SITES:
        assert isinstance(inferred["outcome"][key], Path), (key, inferred["outcome"][key])
        mine = rows(inferred["tmp"] / "inferred.duckdb", f"x_{key}")
        written = {u: r for u, r in rows(inferred["tmp"] / "written.duckdb", key).items()}
        same = sum(written.get(u) == r for u, r in mine.items())
        table[key] = (len(mine), same)
        assert mine and same == len(mine), (key, table[key])
        # Every article of the category the hand-written definition loaded, but those it
        # followed to the merged province's portal (a domain the listing does not show).
        home = [u for u in written if u.startswith(f"https://{PORTALS[key].home}/")]
        assert len(mine) == len(home), (key, table[key], len(home))
    print("inferred vs hand-written (articles loaded, identical):", json.dumps(table))


def test_add_portal_says_what_it_found_and_the_new_portal_is_a_portal_like_any_other(mirror, tmp_path):
    env = {"PROVNEWS_PORTALS_DIR": str(tmp_path)}
    out = run_cli("add-portal", listing_url(mirror, "hatinh"), "--key", "hatinh2", env=env)
    assert out.returncode == 0, out.stderr
    assert "recognised hatinh_laravel" in out.stdout and "sample article title:" in out.stdout
    assert (tmp_path / "hatinh2.toml").is_file()
    listed = run_cli("portals", env=env).stdout
    assert "hatinh2" in listed
    again = run_cli("add-portal", listing_url(mirror, "hatinh"), "--key", "Bad Key", env=env)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    nothing = run_cli("add-portal", mirror.base_url + "/hatinh.gov.vn/khong-co", "--key", "nothing", env=env)
    assert nothing.returncode == 3 and "HTTP 404" in nothing.stderr and len(nothing.stderr.strip().splitlines()) == 1


def test_a_redesign_gets_a_new_version_and_old_batches_reprocess_with_the_old_one(tmp_path):
    env = {"PROVNEWS_PORTALS_DIR": str(tmp_path / "portals")}
    before, after = tmp_path / "before.duckdb", tmp_path / "after.duckdb"
    with Mirror(size=SIZE, slow_seconds=0.2) as m:
        assert run_cli("--db", str(before), "ingest", "--portal", "caobang", "--mirror-url", m.base_url,
                       env=env).returncode == 0
        m.redesigned.add("caobang")
        out = run_cli("add-portal", listing_url(m, "caobang"), "--key", "caobang", env=env)
        assert out.returncode == 0, out.stderr
        assert "no longer matches" in out.stdout and (tmp_path / "portals" / "caobang.v2.toml").is_file()
        redesigned = run_cli("--db", str(after), "ingest", "--portal", "caobang", "--mirror-url", m.base_url, env=env)
        assert redesigned.returncode == 0, redesigned.stderr
    with contextlib.closing(duckdb.connect(str(after), read_only=True)) as con:
        assert con.execute("SELECT count(*) FILTER (WHERE extraction = 'fallback'), count(*) FROM articles").fetchone()[0] == 0
    old, new = rows(before, "caobang"), rows(after, "caobang")
    assert {u: (t, d) for u, (t, d, _) in old.items()} == {u: (t, d) for u, (t, d, _) in new.items()}
    # The batch crawled before the redesign is cleaned with version 1 still: unchanged.
    out = run_cli("--db", str(before), "reprocess", "--portal", "caobang", env=env)
    assert out.returncode == 0, out.stderr
    assert rows(before, "caobang") == old
