"""End to end against the default-size mirror: crawl over 127.0.0.1 in child processes, clean,
load into a DuckDB file, through the real Prefect flow. Then the same again, incrementally."""

import contextlib

import duckdb
import pytest

from flows import staging
from flows.ingest import backfill, ingest
from mirror import corpus
from mirror.families import listed_url
from mirror.server import Mirror
from spiders.portals import PORTALS
from tests.conftest import run_cli
from warehouse import db
from warehouse.analyst import open_readonly

SIZE = corpus.DEFAULT_ARTICLES_PER_PORTAL


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    db_file = tmp_path_factory.mktemp("wh") / "warehouse"
    with Mirror(size=SIZE, slow_seconds=0.5) as m:
        first = ingest(mirror_url=m.base_url, db_path=str(db_file))
        hits_after_first = sum(m.hits.values())
        counts_after_first = table_counts(db_file)
        loads_after_first = query(db_file, "SELECT loads FROM load_serial")[0][0]
        second = ingest(mirror_url=m.base_url, db_path=str(db_file))
        yield dict(db=db_file, first=first, second=second, mirror=m,
                   counts_after_first=counts_after_first, loads_after_first=loads_after_first,
                   second_hits=sum(m.hits.values()) - hits_after_first)


DATA_TABLES = ("articles", "article_urls", "rejects", "article_removals",
               "article_overlaps")  # crawl_runs, loaded_batches: run records


def table_counts(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}


def query(db_file, sql, params=()):
    with contextlib.closing(open_readonly(db_file)) as con:
        return con.execute(sql, params).fetchall()


def test_every_portal_yields_articles_and_every_seed_is_stored(runs):
    assert runs["first"].ok
    per_portal = dict(query(runs["db"], "SELECT portal, count(*) FROM articles GROUP BY 1"))
    assert set(per_portal) == set(PORTALS) and all(n > 150 for n in per_portal.values())
    for site in (s for s in corpus.SITES.values() if s.seed_file):
        title = site.seed_meta["title"]
        assert query(runs["db"], "SELECT count(*) FROM articles WHERE title = ?", [title]) == [(1,)], title


def test_every_published_article_is_loaded_or_rejected_with_its_reason(runs):
    stored = {k for (k,) in query(runs["db"], "SELECT url_key FROM article_urls")}
    rejected = dict(query(runs["db"], "SELECT url_key, reason FROM rejects"))
    for t in corpus.truth(SIZE):
        a = corpus.article(t.portal, t.index, SIZE)
        key = PORTALS[t.portal].url_key(listed_url(a))
        if t.expected == "article":
            assert key in stored, (t.portal, t.index, t.fault, rejected.get(key))
        else:
            assert rejected.get(key) == {"truncated": "truncated_html", "empty_body": "empty_body",
                                         "pdf": "not_html",
                                         "attachment_stub": "attachment_only"}[t.fault], (t.portal, t.index)


def test_transient_errors_were_retried_and_redirects_to_merged_portals_followed(runs):
    from mirror.families import layout_for
    m = runs["mirror"]
    # (The JSON API family fetches no article page: its records are the articles.)
    flaky = [t for t in corpus.truth(SIZE) if t.fault == "transient_error"
             and PORTALS[t.portal].listing.pagination != "json"]
    assert flaky
    for t in flaky:  # 503 on the first request, 200 on the retry, never asked a third time
        a = corpus.article(t.portal, t.index, SIZE)
        path = f"/{corpus.SITES[t.portal].domain}{layout_for(t.portal, SIZE).article_path(a)}"
        assert m.hits[path] == 2, (path, m.hits[path])
    moved = query(runs["db"], "SELECT count(*) FROM articles WHERE url LIKE 'https://laocai.gov.vn/%'")[0][0]
    assert moved > 0


def test_robots_txt_is_obeyed(runs):
    assert runs["mirror"].requests_to("/yenbai.gov.vn/noi-bo/") == 0
    assert query(runs["db"], "SELECT count(*) FROM rejects WHERE reason = 'robots_disallowed'")[0][0] >= 1


def test_a_pagination_that_loops_back_ends(runs):
    """Cần Thơ answers a page past the last with page 1 again: the walk reads it once, finds
    nothing it had not listed, and stops."""
    m, rep = runs["mirror"], runs["first"].portals["cantho"]
    pages = {cat: corpus.listing("cantho", cat, 1, SIZE)[1] for cat, _ in corpus.SITES["cantho"].categories}
    for cat, n in pages.items():
        assert m.hits[f"/cantho.gov.vn/{cat}?page={n + 1}"] == 1
        assert m.hits[f"/cantho.gov.vn/{cat}?page={n + 2}"] == 0
    assert rep.listing_pages == sum(n + 1 for n in pages.values())


def test_sharepoint_postback_pagination_reaches_every_page(runs):
    rep = runs["first"].portals["backan"]
    assert rep.listing_pages == sum(corpus.listing("backan", c, 1, SIZE)[1] for c, _ in corpus.SITES["backan"].categories)


def test_second_run_is_incremental_and_adds_nothing(runs):
    assert table_counts(runs["db"]) == runs["counts_after_first"]
    for key, rep in runs["second"].portals.items():
        # robots.txt plus the first listing page of each category, nothing else
        assert rep.requests == 1 + len(PORTALS[key].categories), key
        assert rep.new == 0 and rep.pages == 0
    assert runs["second_hits"] == sum(1 + len(p.categories) for p in PORTALS.values())
    assert query(runs["db"], "SELECT count(DISTINCT run_id) FROM crawl_runs")[0][0] == 2
    # Every portal's batch of the second run recorded, all of them in one load (one commit)
    assert query(runs["db"], "SELECT count(*) FROM crawl_runs WHERE run_id = ? AND status = 'loaded'",
                 [runs["second"].run_id])[0][0] == len(PORTALS)
    assert query(runs["db"], "SELECT loads FROM load_serial")[0][0] == runs["loads_after_first"] + 1


def test_since_bounds_the_crawl(tmp_path):
    since = corpus.published_at(10, 60).date()
    with Mirror(size=60, slow_seconds=0.2) as m:
        report = backfill(portals=["hatinh"], since=since, mirror_url=m.base_url, db_path=str(tmp_path / "w"))
    dates = [d for (d,) in query(tmp_path / "w", "SELECT published_at FROM articles")]
    assert dates and all(d.date() >= since for d in dates)
    full_walk = sum(corpus.listing("hatinh", c, 1, 60)[1] for c, _ in corpus.SITES["hatinh"].categories)
    assert report.portals["hatinh"].listing_pages < full_walk


@pytest.mark.parametrize("args,message", [
    (["ingest", "--portal", "hagiang"], "unknown portal 'hagiang'"),
    (["backfill", "--portal", "yenbai", "--since", "2021-02-30"], "not a date"),
    (["ingest", "--portal", "yenbai", "--base-url", "http://127.0.0.1:9"], "cannot reach --base-url"),
    (["sql", "DELETE FROM articles"], "read-only"),
])
def test_bad_arguments_get_one_clear_line(args, message, tmp_path):
    db_file = tmp_path / "w"
    db.connect(db_file).close()  # an empty, migrated warehouse
    out = run_cli("--db", str(db_file), *args)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in out.stderr, out.stderr


def test_ingest_stores_what_clean_prints_with_its_audit(runs):
    import json

    from tests.goldens import SEED_PORTALS, golden_path, seed_files
    for path in seed_files():
        golden = json.loads(golden_path(path).read_text(encoding="utf-8"))
        portal = SEED_PORTALS[path.name[:3]]
        title = corpus.SITES[portal].seed_meta["title"]
        (aid, body, lead, captions, author), = query(
            runs["db"], "SELECT article_id, body, lead, captions, author FROM articles WHERE title = ?", [title])
        assert (body, lead, captions, author) == (golden["body"], golden["lead"], golden["captions"], golden["author"])
        audit = query(runs["db"], "SELECT rule FROM article_removals WHERE article_id = ?", [aid])
        assert audit or portal == "caobang"
    traced = query(runs["db"], "SELECT a.portal, r.rule FROM article_removals r JOIN articles a USING (article_id)"
                               " WHERE r.removed_text = '2117 lượt xem'")
    assert traced == [("yenbai", "view_counter")]


def test_duplicates_found_against_the_mirrors_ground_truth(runs):
    from mirror.scoring import duplicate_pairs
    score = duplicate_pairs(runs["db"], SIZE)
    assert score["true_pairs"] >= 60
    assert score["precision"] >= 0.98 and score["recall"] >= 0.95, score


def test_related_reports_stay_distinct_and_their_shared_passages_are_recorded(runs):
    t000, t002 = corpus.SITES["yenbai"].seed_meta["title"], corpus.SITES["caobang"].seed_meta["title"]
    rows = query(runs["db"], "SELECT title, article_id, duplicate_of FROM articles WHERE title IN (?, ?)", [t000, t002])
    ids = {title: aid for title, aid, _ in rows}
    assert all(dup is None for _, _, dup in rows)
    overlap = query(runs["db"], "SELECT overlap FROM article_overlaps WHERE "
                                "(article_id = ? AND other_article_id = ?) OR (article_id = ? AND other_article_id = ?)",
                    [ids[t000], ids[t002], ids[t002], ids[t000]])
    assert overlap and 0.05 <= overlap[0][0] < 0.5


def test_near_duplicates_point_at_the_earliest_article(runs):
    late = query(runs["db"], "SELECT count(*) FROM articles d JOIN articles o ON d.duplicate_of = o.article_id "
                             "WHERE d.published_at < o.published_at")
    assert late == [(0,)]
    assert query(runs["db"], "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL")[0][0] > 0
    chained = query(runs["db"], "SELECT count(*) FROM articles d JOIN articles o ON d.duplicate_of = o.article_id "
                                "WHERE o.duplicate_of IS NOT NULL")
    assert chained == [(0,)]


def snapshot(db_file):
    """Every data table's rows, without the columns that say when (or by which load) a row was written."""
    with contextlib.closing(open_readonly(db_file)) as con:
        out = {}
        for t in DATA_TABLES:
            cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = ? ORDER BY ordinal_position", [t]).fetchall()
                    if c not in ("first_seen_at", "seen_at", "changed_in")]
            out[t] = sorted(con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall(), key=repr)
        return out


def _copy_of(runs, tmp_path):
    import shutil
    copy = tmp_path / "warehouse"
    shutil.copytree(runs["db"], copy)
    shutil.copytree(staging.batches_root(runs["db"]), staging.batches_root(copy))
    return copy


def test_reprocess_rebuilds_the_same_portal_from_the_raw_archive(runs, tmp_path):
    """`provnews reprocess` with no mirror running (no network needed). The whole warehouse
    rebuilt from the archive is the test below (in-process, in small chunks)."""
    import shutil
    copy = _copy_of(runs, tmp_path)
    before = snapshot(copy)
    out = run_cli("--db", str(copy), "reprocess", "--portal", "caobang")
    assert out.returncode == 0, out.stderr
    assert "reprocessed" in out.stdout
    assert snapshot(copy) == before

    shutil.rmtree(next(staging.batches_root(copy).iterdir()))
    out = run_cli("--db", str(copy), "reprocess")
    assert out.returncode == 2 and "not in the archive" in out.stderr and "nothing was changed" in out.stderr


def test_reprocess_in_small_chunks_rebuilds_the_same_warehouse(runs, tmp_path, monkeypatch):
    """Every batch reprocessed from the raw archive, in chunks of 40 pages instead of 1,000,
    gives back the same warehouse. A chunk of a load meets the stored articles, and the chunks
    before it in the same transaction, only through the de-duplication index (band keys,
    passages; the chunks before it pending there): small chunks must find the same
    near-duplicates, groups, overlaps and everything else."""
    from flows import batches
    from flows.reprocess import reprocess
    from tests.test_warehouse import loading
    copy = _copy_of(runs, tmp_path)
    before = snapshot(copy)
    assert batches.CHUNK_PAGES >= 200  # one chunk per batch of the default mirror
    monkeypatch.setattr(batches, "CHUNK_PAGES", 40)
    with loading(copy) as (con, store):
        reprocess(con, store, staging.batches_root(copy))
    assert snapshot(copy) == before


def test_scrapy_crawl_on_the_mirror_is_unthrottled_and_says_where_its_pages_go(mirror, tmp_path):
    """The Scrapy path of the README: `scrapy crawl <portal> -a mirror_url=...` drops the
    politeness delay for a loopback target, as the flow's crawls do, and names its output."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "hatinh", "-a", f"mirror_url={mirror.base_url}",
                          "-s", "PROVNEWS_MAX_ARTICLES=3"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "'CONCURRENT_REQUESTS_PER_DOMAIN': 16" in out.stderr  # the loopback rule
    (staged,) = (tmp_path / "data" / "adhoc").iterdir()
    assert f"staging pages in data/adhoc/{staged.name}, which no warehouse loads" in out.stderr
    assert len((staged / "url_keys.txt").read_text().split()) == 3


def test_a_portal_is_loaded_while_a_slower_one_still_crawls(tmp_path, monkeypatch):
    """Each portal's batch is loaded once its crawl ends, not after every crawl: Cao Bằng's
    crawl is short, Hà Tĩnh's listing walks on (an endless pagination, bounded here)."""
    from flows.ingest import run_flow
    from spiders.crawl import MANIFEST
    from warehouse.location import locate

    monkeypatch.setenv("PROVNEWS_MAX_LISTING_PAGES", "80")
    db_file = tmp_path / "w"
    with Mirror(size=30, slow_seconds=0.1) as m:
        m.listing_faults = {f"hatinh/{corpus.SITES['hatinh'].categories[0][0]}": "endless_pagination"}
        report = run_flow(ingest, portals=["caobang", "hatinh"], mirror_url=m.base_url, db_path=str(db_file))
    assert {p: r.status for p, r in report.portals.items()} == {"caobang": "loaded", "hatinh": "loaded"}
    batch = {b.manifest["portal"]: b.path for b in staging.complete(staging.batches_root(locate(db_file)))}
    caobang_loaded = (batch["caobang"] / staging.LOADED).stat().st_mtime
    hatinh_crawled = (batch["hatinh"] / MANIFEST).stat().st_mtime
    assert caobang_loaded < hatinh_crawled - 1, (caobang_loaded, hatinh_crawled)
