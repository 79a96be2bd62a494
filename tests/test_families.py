"""CMS families: every portal is its family plus a few lines; the mirror serves each in its
family's layout; a crawl of every portal loads what the mirror published, field for field."""

import os
import subprocess
import sys
import textwrap

import pytest

from flows.ingest import ingest
from mirror import corpus
from mirror.families import LAYOUTS, SITES, layout_for, listed_url
from mirror.scoring import field_accuracy
from mirror.server import Mirror
from spiders.definitions import PAGINATION_KINDS, DefinitionError, portal_from_data
from spiders.families import FAMILIES
from spiders.portals import PORTALS
from tests.conftest import REPO

SIZE = 60


def test_every_portal_is_served_by_the_mirror_in_its_familys_layout():
    assert set(PORTALS) == set(SITES)
    for key, portal in PORTALS.items():
        site = SITES[key]
        assert site.family == portal.family.key, key
        assert site.domain == portal.home, key
        assert (site.merged_domain or None) == (portal.domains[1] if len(portal.domains) > 1 else None), key
        assert [c for c, _ in site.categories] == list(portal.categories), key
        assert site.province == portal.province, key


def test_each_family_has_a_mirror_layout_and_the_pagination_kinds_are_all_served():
    assert set(FAMILIES) - {"generic"} == set(LAYOUTS)  # generic: an inferred portal's own selectors
    kinds = {p.listing.pagination for p in PORTALS.values()}
    assert kinds == set(PAGINATION_KINDS)


def test_every_portal_says_whether_it_was_verified_and_on_what_evidence():
    for portal in PORTALS.values():
        assert portal.status in ("verified", "modelled", "unknown")
        assert portal.status != "verified"  # no build machine reaches a live portal
        assert portal.family.evidence, portal.family.key
    assert PORTALS["backan"].status == "unknown"


def test_one_article_listed_under_two_categories_has_one_identity():
    """PORTALS.md section 5: the id in the URL is the identity, not the URL."""
    checked = 0
    for key, site in SITES.items():
        if len(site.categories) < 2 or PORTALS[key].listing.pagination == "json":
            continue
        layout = layout_for(key, SIZE)
        i = next(i for i in range(corpus.FAULT_FREE_HEAD, SIZE) if corpus.reposted(key, i))
        a = corpus.article(key, i, SIZE)
        other = next(c for c, _ in site.categories if c != a.category)
        first = f"https://{site.domain}{layout.article_path(a)}"
        second = f"https://{site.domain}{layout.article_path(a, category=other)}"
        if first == second:  # the site's article URLs carry no category (Hà Tĩnh, the newspapers)
            continue
        assert PORTALS[key].url_key(first) == PORTALS[key].url_key(second), key
        assert PORTALS[key].url_key(first) != PORTALS[key].url_key(
            f"https://{site.domain}{layout.article_path(corpus.article(key, i + 1, SIZE))}"), key
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("change, message", [
    ({"family": "wordpress"}, "family 'wordpress' unknown"),
    ({"listing": {"pagination": "infinite"}}, "pagination 'infinite' unknown"),
    ({"listing": {"itme": "li"}}, r"\[listing\]: unknown field\(s\) itme"),
    ({"province": ""}, "missing province"),
    ({"status": "done"}, "status must be one of"),
    ({"id_path": "-(\\d+"}, "bad regular expression"),
])
def test_a_bad_definition_names_its_file_and_the_field(change, message):
    data = {"key": "x", "name": "X", "family": "articleheader", "province": "Sơn La",
            "province_current": "Sơn La", "domains": ["x.gov.vn"], "categories": ["a"], **change}
    with pytest.raises(DefinitionError, match=message) as e:
        portal_from_data(data, FAMILIES, source="portals/x.toml")
    assert "portals/x.toml" in str(e.value)


def test_a_users_portal_file_is_a_portal_like_any_other(tmp_path):
    """A portal is a few lines naming a family; `scrapy list` and `provnews portals` see it."""
    (tmp_path / "laichau.toml").write_text(textwrap.dedent("""\
        key = "laichau"
        name = "Cổng thông tin điện tử tỉnh Lai Châu"
        family = "articleheader"
        province = "Lai Châu"
        province_current = "Lai Châu"
        domains = ["laichau.gov.vn"]
        categories = ["tin-tuc"]
        """), encoding="utf-8")
    env = {**os.environ, "PROVNEWS_PORTALS_DIR": str(tmp_path)}
    spiders = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, env=env, capture_output=True,
                             text=True, check=True).stdout.split()
    assert "laichau" in spiders and set(PORTALS) <= set(spiders)
    listed = subprocess.run([sys.executable, "-m", "flows.cli", "portals"], cwd=REPO, env=env, capture_output=True,
                            text=True, check=True).stdout
    assert "laichau" in listed and "articleheader" in listed


def test_every_family_loads_what_the_mirror_published(tmp_path):
    """One ingest of every portal on the mirror: each article the mirror published (faults
    aside) is loaded with its true title, day and body. The README's table is this test's."""
    with Mirror(size=SIZE, slow_seconds=0.2) as m:
        report = ingest(mirror_url=m.base_url, db_path=str(tmp_path / "w"))
    assert report.ok, {k: p.status for k, p in report.portals.items()}
    scores = field_accuracy(tmp_path / "w", SIZE)
    assert set(scores) == set(PORTALS)
    for key, s in scores.items():
        assert s["found"] == s["owed"], (key, s)
        assert s["compared"] + s["shared"] == s["found"], (key, s)
        assert s["title"] == s["compared"], (key, s)
        assert s["date"] == s["compared"], (key, s)
        assert s["body"] == s["compared"], (key, s)


def test_listed_urls_are_where_the_mirror_serves_the_articles(mirror):
    import urllib.request
    for key, site in SITES.items():
        if PORTALS[key].listing.pagination == "json":
            continue
        t = next(t for t in corpus.truth(60, [key]) if t.expected == "article" and not t.is_seed
                 and not corpus.redirects_to_merged(key, t.index, 60) and t.fault is None)
        url = listed_url(corpus.article(key, t.index, 60)).replace("https://", mirror.base_url + "/")
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200, key
