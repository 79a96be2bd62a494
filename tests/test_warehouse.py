"""Loading staged batches: one transaction, idempotent, nothing half-done."""

import base64
import contextlib
import gzip
import json
import random
import sys

import duckdb
import pytest

from flows import batches, staging
from mirror import corpus
from mirror.families import layout_for, listed_url
from spiders.portals import PORTALS
from warehouse import db, forget, search
from warehouse.analyst import open_readonly
from warehouse.dedupe_store import DedupeStore
from warehouse.location import locate


def make_batch(root, name, portal="caobang", indices=range(3, 9), manifest=True):
    """A staged batch as a crawl would leave it, built from the mirror's own pages."""
    path = root / name
    path.mkdir(parents=True)
    layout = layout_for(portal, 60)
    with gzip.open(path / "pages.jsonl.gz", "wt", encoding="utf-8") as f:
        for i in indices:
            a = corpus.article(portal, i, 60)
            url = listed_url(a)
            f.write(json.dumps({
                "kind": "page", "portal": portal, "url": url, "url_key": PORTALS[portal].url_key(url),
                "fetched_url": url, "status": 200, "fetched_at": "2026-01-01T00:00:00+00:00",
                "headers": {"Content-Type": "text/html; charset=utf-8"},
                "body_b64": base64.b64encode(layout.render_article(a).encode()).decode(),
                "category": a.category, "listed_date": a.published.isoformat()}) + "\n")
        f.write(json.dumps({"kind": "reject", "portal": portal, "url": "https://caobang.gov.vn/x.pdf",
                            "url_key": "caobang.gov.vn/x.pdf", "stage": "fetch", "reason": "not_html",
                            "http_status": 200, "detail": "application/pdf"}) + "\n")
    if manifest:
        (path / "manifest.json").write_text(json.dumps({
            "portal": portal, "started_at": "2026-01-01T00:00:00+00:00", "requests": 10,
            "listing_pages": 1, "pages": len(indices)}))
    return staging.Batch(path)


@contextlib.contextmanager
def loading(path):
    """A writer's connection to the warehouse at `path`, and this machine's de-duplication index
    of it, as a load has them."""
    loc = locate(path)
    with contextlib.closing(db.connect(loc)) as con, DedupeStore.opened(loc.staging) as store:
        yield con, store


def counts(con):
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "article_urls", "rejects", "loaded_batches")}


def run_row(batch):
    return dict(run_id="r1", portal="caobang", flow="ingest", started_at=None, finished_at=None,
                since=None, until=None, message=None)


def test_migrations_are_recorded_and_idempotent(tmp_path):
    with contextlib.closing(db.connect(tmp_path / "w")) as con:
        versions = con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert versions == [(v,) for v, _, _ in db.migrations()]
        assert db.migrate(con) == []


def test_a_batch_loaded_twice_adds_nothing(tmp_path):
    batch = make_batch(tmp_path / "batches", "r1-caobang")
    with loading(tmp_path / "w") as (con, store):
        first = batches.load(con, store, batch, "r1", run_row(batch))
        after_first = counts(con)
        (batch.path / staging.LOADED).unlink()  # as if the process died between commit and marker
        second = batches.load(con, store, batch, "r2", run_row(batch))
        assert counts(con) == after_first
    assert first.new == 6 and first.rejected == 1 and not second.loaded
    assert after_first == {"articles": 6, "article_urls": 6, "rejects": 1, "loaded_batches": 1}


def test_the_same_pages_fetched_again_add_nothing(tmp_path):
    import shutil
    root = tmp_path / "batches"
    first = make_batch(root, "r1-caobang")
    shutil.copytree(first.path, root / "r2-caobang")  # a later crawl that saw the same pages
    again = staging.Batch(root / "r2-caobang")
    with loading(tmp_path / "w") as (con, store):
        batches.load(con, store, first, "r1", run_row(first))
        before = counts(con)
        result = batches.load(con, store, again, "r2", run_row(again))
        after = counts(con)
    assert result.new == 0 and result.already_known == 6
    assert {k: v for k, v in after.items() if k != "loaded_batches"} == \
        {k: v for k, v in before.items() if k != "loaded_batches"} | {"rejects": before["rejects"] + 1}


def test_exact_copies_under_another_url_make_no_second_row(tmp_path):
    root = tmp_path / "batches"
    a, b = make_batch(root, "r1-caobang", indices=range(3, 6)), make_batch(root, "r2-caobang", indices=range(3, 6))
    # The second batch saw the same pages under other URLs (e.g. a re-post).
    lines = [json.loads(x) for x in gzip.open(b.path / "pages.jsonl.gz", "rt")]
    for rec in lines:
        rec["url_key"] = (rec.get("url_key") or "") + "-repost"
    with gzip.open(b.path / "pages.jsonl.gz", "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in lines)
    with loading(tmp_path / "w") as (con, store):
        batches.load(con, store, a, "r1", run_row(a))
        r = batches.load(con, store, b, "r2", run_row(b))
        assert r.new == 0 and r.duplicates == 3
        assert counts(con)["articles"] == 3 and counts(con)["article_urls"] == 6


def test_reprocess_loads_the_batches_in_the_order_they_were_loaded_not_by_name(tmp_path):
    """Batches are not always loaded in the order of their names (the runs of a work pool on
    several machines commit as their crawls end): the copy loaded first stays the original when
    the archive is loaded again."""
    from flows.reprocess import reprocess
    root = tmp_path / "batches"
    named_first, loaded_first = make_batch(root, "r1-caobang", indices=range(3, 6)), \
        make_batch(root, "r1-caobang-repost", indices=range(3, 6))
    lines = [json.loads(x) for x in gzip.open(loaded_first.path / "pages.jsonl.gz", "rt")]
    for rec in lines:
        rec["url_key"] = (rec.get("url_key") or "") + "-repost"
        rec["url"] = rec["fetched_url"] = rec["url"] + "?repost"
    with gzip.open(loaded_first.path / "pages.jsonl.gz", "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in lines)

    def originals(con):
        return con.execute("SELECT article_id, url FROM articles ORDER BY 1").fetchall()

    with loading(tmp_path / "w") as (con, store):
        batches.load(con, store, loaded_first, "r1", run_row(loaded_first))
        batches.load(con, store, named_first, "r1", run_row(named_first))
        before = originals(con)
        assert len(before) == 3 and all(url.endswith("?repost") for _, url in before)
        reprocess(con, store, root)
        assert originals(con) == before


def test_only_complete_batches_are_pending(tmp_path):
    root = tmp_path / "batches"
    make_batch(root, "r1-caobang", manifest=False)  # an interrupted crawl
    done = make_batch(root, "r2-caobang")
    assert [b.batch_id for b in staging.pending(root)] == [done.batch_id]


def test_a_failed_transaction_leaves_nothing(tmp_path):
    batch = make_batch(tmp_path / "batches", "r1-caobang")
    with loading(tmp_path / "w") as (con, store):
        bad = run_row(batch) | {"no_such_column": 1}
        try:
            batches.load(con, store, batch, "r1", bad)
        except duckdb.Error:
            pass
        assert counts(con) == {"articles": 0, "article_urls": 0, "rejects": 0, "loaded_batches": 0}
    assert not batch.loaded


def test_a_version_1_warehouse_upgrades_in_place(tmp_path):
    path = tmp_path / "old.duckdb"
    version, name, sql = db.migrations()[0]
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL)")
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO articles (article_id, portal, url, body, extraction, content_hash, first_seen_at,"
                " run_id, batch_id) VALUES ('a1', 'caobang', 'https://caobang.gov.vn/x', 'Nội dung.', 'selectors',"
                " 'h', now(), 'r0', 'b0')")
    con.close()
    with contextlib.closing(db.connect(path)) as con:
        assert [v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()] \
            == [v for v, _, _ in db.migrations()]
        assert con.execute("SELECT body FROM articles").fetchall() == [("Nội dung.",)]
        assert con.execute("SELECT count(*) FROM article_removals").fetchone() == (0,)
        # Every view still answers: one of `SELECT *` binds its columns when it is created.
        views = [v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                           "AND schema_name = 'main'").fetchall()]
        assert {"stories", "republished", "daily_counts", "last_run_rejects"} <= set(views)
        for view in views:
            con.execute(f"SELECT * FROM {view}").fetchall()
        assert con.execute("SELECT article_id, imported_from FROM stories").fetchall() == [("a1", None)]


def reposted(root, name, like):
    """A batch with the pages of `like` under other URLs (exact copies of its articles)."""
    import shutil
    shutil.copytree(like.path, root / name)
    lines = [json.loads(x) for x in gzip.open(root / name / "pages.jsonl.gz", "rt")]
    with gzip.open(root / name / "pages.jsonl.gz", "wt") as f:
        f.writelines(json.dumps(r | {"url_key": (r.get("url_key") or "") + "-repost"}) + "\n" for r in lines)
    (root / name / staging.LOADED).unlink(missing_ok=True)
    return staging.Batch(root / name)


def test_each_machines_index_catches_up_with_what_the_others_loaded(tmp_path):
    """Two machines load one lake, each with its own index: the second finds the first's
    articles (here, exact copies of them) though its index never saw them being loaded."""
    root = tmp_path / "batches"
    first = make_batch(root, "r1-caobang")
    copies = reposted(root, "r2-caobang", first)
    with contextlib.closing(db.connect(tmp_path / "w")) as con:
        with DedupeStore.opened(tmp_path / "machine-a") as a:
            batches.load(con, a, first, "r1", run_row(first))
        with DedupeStore.opened(tmp_path / "machine-b") as b:
            result = batches.load(con, b, copies, "r2", run_row(copies))
            ids = [aid for (aid,) in con.execute("SELECT article_id FROM articles").fetchall()]
            assert b.known(ids) == set(ids) and b.mark == 2
    assert result.new == 0 and result.duplicates == 6


def test_an_index_write_cut_off_after_the_commit_is_made_good_by_the_next_load(tmp_path, monkeypatch):
    """The process dies between the warehouse's commit and the index's: the next load reads the
    committed articles back into the index (by their load number) and judges against them."""
    root = tmp_path / "batches"
    first = make_batch(root, "r1-caobang")
    copies = reposted(root, "r2-caobang", first)

    def cut_off(self, mark, cap):
        raise KeyboardInterrupt

    with loading(tmp_path / "w") as (con, store):
        with monkeypatch.context() as m:
            m.setattr(DedupeStore, "commit", cut_off)
            try:
                batches.load(con, store, first, "r1", run_row(first))
            except KeyboardInterrupt:
                pass
        assert counts(con)["articles"] == 6 and store.mark == 0  # committed; the index is behind
        result = batches.load(con, store, copies, "r2", run_row(copies))
        assert store.mark == 2
    assert result.duplicates == 6 and result.new == 0


def test_the_index_keeps_each_keys_articles_once_and_a_passage_to_its_cap(tmp_path):
    """The postings a load's commit writes: a key new to the index, one shared within a load,
    one stored before (merged with what its lookup read), a passage past the cap (kept at cap + 1
    articles: boilerplate), an article written again (its postings not twice), and a write whose
    articles have no passage at all."""
    import numpy as np
    from warehouse.dedupe_store import _KEY, Entry

    def entry(aid, bands, passages):
        return Entry(aid, "hash-" + aid, None, aid, np.zeros(128, np.uint32), np.array(bands, np.int64),
                     set(passages), np.zeros(0, np.uint32))

    cap = 2
    with DedupeStore.opened(tmp_path) as store:
        a, b = entry("a", [1, 2], [10, 11, 20]), entry("b", [2, 3], [10, 20])
        store.write([a, b, entry("e", [5], [20]), entry("f", [6], [20])], mark=1, cap=cap)
        for later, mark in ((entry("c", [3], [10]), 2), (entry("d", [4], [10]), 3)):
            store.candidates(later.band_keys, later.fingerprints, cap)  # as a load looks up, then commits
            store.add(later)
            store.commit(mark, cap)
        store.write([a], mark=4, cap=cap)
        store.write([entry("g", [7], [])], mark=5, cap=cap)  # a text too short for a passage
        _, bands, postings, boilerplate = store.candidates(np.array([1, 2, 3, 4, 7], np.int64), {10, 11, 20}, cap)
        kept = {fp: store.db[b"p" + _KEY.pack(fp)] for fp in (10, 20)}  # the key layout: the module's note
    assert sorted(bands) == [(1, "a"), (2, "a"), (2, "b"), (3, "b"), (3, "c"), (4, "d"), (7, "g")]
    assert postings == [(11, "a")] and boilerplate == [10, 20]
    assert kept == {10: b"a\nb\nc", 20: b"a\nb\ne"}  # cap + 1 articles, whether over loads or in one


def test_a_failed_load_leaves_nothing_in_the_index_and_a_retry_stores_it(tmp_path):
    from flows.dedupe import article_id
    batch = make_batch(tmp_path / "batches", "r1-caobang")
    ids = [article_id(r["url_key"]) for r in batch.records() if r["kind"] == "page"]
    with loading(tmp_path / "w") as (con, store):
        try:
            batches.load(con, store, batch, "r1", run_row(batch) | {"no_such_column": 1})
        except duckdb.Error:
            pass
        assert store.known(ids) == set() and store.mark == 0
        result = batches.load(con, store, batch, "r1", run_row(batch))
        assert result.new == 6 and store.known(ids) == set(ids) and store.mark == 1


# Searches compared between the index kept up at each load and a rebuild: disjunctive and
# conjunctive, several syllables, one field, and a syllable no article has.
QUERIES = [("tỉnh", 0, None), ("Ban Chấp hành Trung ương", 1, None), ("Ban Chấp hành Trung ương", 0, None),
           ("kiểm soát quyền lực", 1, None), ("hệ thống chính trị Đảng", 0, None), ("hội nghị", 0, "title"),
           ("Bí thư", 1, "lead,body"), ("xyzzy", 0, None)]


def index_of(con) -> dict:
    """The index as a search reads it, whatever its ids: term -> df, the stats, article -> length."""
    ix = ".".join(search._tables(con))
    return {"dict": dict(con.execute(f"SELECT term, df FROM {ix}.dict").fetchall()),
            "stats": con.execute(f"SELECT num_docs, avgdl FROM {ix}.stats").fetchall(),
            "docs": dict(con.execute(f"SELECT name, len FROM {ix}.docs").fetchall()),
            "terms": con.execute(f"SELECT count(*) FROM {ix}.terms").fetchone()[0]}


def scores(warehouse) -> list[dict]:
    """Each of QUERIES as an analyst runs it: article -> score of the articles it finds."""
    with contextlib.closing(open_readonly(warehouse)) as con:
        return [dict(con.execute("SELECT article_id, score FROM (SELECT article_id, fts_main_articles.match_bm25("
                                 "article_id, ?, fields := ?, conjunctive := ?) AS score FROM articles) "
                                 "WHERE score IS NOT NULL", [q, fields, conjunctive]).fetchall())
                for q, conjunctive, fields in QUERIES]


def assert_as_rebuilt(con, warehouse) -> None:
    """The index that the loads through `con` kept is the one a whole rebuild makes of the same
    articles. Taken before another writer opens the warehouse, which would rebuild an index
    missing articles (`search.ensure`)."""
    kept = index_of(con)
    con.close()  # a file: for the analyst's session
    kept_scores = scores(warehouse)
    with contextlib.closing(db.connect(warehouse)) as con:
        search.refresh(con)
        rebuilt = index_of(con)
    assert kept == rebuilt
    rebuilt_scores = scores(warehouse)
    assert [sorted(s) for s in kept_scores] == [sorted(s) for s in rebuilt_scores]
    for kept_query, rebuilt_query in zip(kept_scores, rebuilt_scores):
        assert kept_query == pytest.approx(rebuilt_query, rel=1e-12)  # sums in another order
    assert all(kept_scores[:-1]) and not kept_scores[-1]


def load_portals(con, store, root, loads) -> None:
    """Batch loads as runs make them: (run, portal, mirror indices) each."""
    for run, portal, indices in loads:
        batch = make_batch(root, f"{run}-{portal}", portal=portal, indices=indices)
        batches.load(con, store, batch, run, run_row(batch) | {"run_id": run, "portal": portal})


def test_a_loads_terms_are_those_the_extensions_tokenize_cuts():
    """A load cuts its articles' terms itself (`search.TERMS`), in one pass, where the index's
    own `tokenize` macro (which analysts' queries go through) replaces and splits: the same
    terms, whatever separates them (Unicode spaces, underscores, marks, symbols, digits)."""
    from warehouse import extensions

    texts = ["Chấp hành  Ban Thường vụ Tỉnh ủy, năm 2024.", "a_b-c/d.e", "ĐỒNG\u00a0CHÍ\u2028Nguyễn\tVăn\u3000A",
             "x\u0301y", "İstanbul STRASSE Straße ﬁn", "½ ² ٣ 10,5% 3.14", "", "  ...  ", "中文 テスト 😀 emoji",
             "Lê Thị\u200bHồng", "Hà Tĩnh—Quảng Bình", "ʼn ǅ ﬀ"]
    with duckdb.connect(config=extensions.CONNECTION) as con:
        extensions.load(con, "fts")
        for text in texts:
            (by_macro, by_load), = con.execute(
                f"SELECT list_filter({search._macro('tokenize')}, t -> len(t) > 0), {search.TERMS} "
                "FROM (SELECT ?::VARCHAR AS s)", [text]).fetchall()
            assert by_load == by_macro, text


@pytest.mark.parametrize("name", ["w", "w.duckdb"], ids=["lake", "file"])
def test_the_index_kept_up_at_each_load_is_the_one_a_rebuild_makes(tmp_path, monkeypatch, name):
    monkeypatch.setattr(batches, "CHUNK_PAGES", 4)  # batches of several chunks, each indexed in the same transaction
    with loading(tmp_path / name) as (con, store):
        load_portals(con, store, tmp_path / "batches", [("r1", "caobang", range(3, 12)), ("r2", "hatinh", range(3, 12)),
                                                  ("r3", "caobang", range(12, 20)), ("r4", "hatinh", range(12, 14))])
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == index_of(con)["stats"][0][0] > 25
        assert_as_rebuilt(con, tmp_path / name)


@pytest.mark.parametrize("name", ["w", "w.duckdb"], ids=["lake", "file"])
def test_articles_deleted_and_loaded_again_in_one_transaction_are_indexed_once(tmp_path, name):
    """What `provnews reprocess` does: its commit leaves the index as a rebuild makes it (an
    article twice in the index would fail every search)."""
    root = tmp_path / "batches"
    with loading(tmp_path / name) as (con, store):
        load_portals(con, store, root, [("r1", "caobang", range(3, 12)), ("r2", "hatinh", range(3, 12))])
        batches.committed_load(con, store,
                               lambda load_no: batches.insert_batch(con, store, staging.Batch(root / "r1-caobang"),
                                                                    "r1", load_no),
                               before=lambda: forget.articles_of(con, ["caobang"]))
        assert_as_rebuilt(con, tmp_path / name)


def test_a_loads_chunks_leave_nothing_held_to_its_commit(tmp_path):
    """A DuckDB transaction keeps until its commit a temporary table dropped inside it, and a
    Python object registered and unregistered inside it: had a load's chunks gone through either,
    its memory would grow with its batch, not its chunk. Four chunks of 300 articles indexed in
    one transaction: DuckDB's own memory hardly grows from the first to the last, and DuckDB
    holds no reference to a text a chunk passed in once the chunk is indexed."""
    syllables = "tỉnh ủy ban nhân dân huyện xã đồng chí hội nghị kinh tế phát triển nông thôn mới".split()
    rng = random.Random(0)

    def chunk(n):
        return [{"article_id": f"a{n}-{i}", "title": f"tin {n} {i}", "lead": None,
                 "body": " ".join(rng.choice(syllables) + str(rng.randrange(500)) for _ in range(400))}
                for i in range(300)]

    def duckdb_memory(con):
        return con.execute("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0]

    with loading(tmp_path / "w") as (con, _):
        con.execute("BEGIN")
        search.add(con, chunk(0))
        first = duckdb_memory(con)
        for n in range(1, 4):
            rows = chunk(n)
            before = [sys.getrefcount(r["body"]) for r in rows]
            search.add(con, rows)
            assert [sys.getrefcount(r["body"]) for r in rows] == before
        # 1 MB more: the term counts `settle` adds (`_pending_df`); the tokens in temporary tables: 42 MB
        assert duckdb_memory(con) - first < 4_000_000, con.execute("SELECT * FROM duckdb_memory()").fetchall()
        search.settle(con)
        con.execute("ROLLBACK")


def test_a_load_is_searchable_with_its_commit(tmp_path):
    """An analyst's session open across a load finds its articles on its next query; nothing
    rebuilds the index in between."""
    warehouse = tmp_path / "w"
    with loading(warehouse) as (con, store), contextlib.closing(open_readonly(warehouse)) as analyst:
        load_portals(con, store, tmp_path / "batches", [("r1", "caobang", range(3, 12))])
        article_id, title = con.execute("SELECT article_id, title FROM articles ORDER BY article_id").fetchone()
        found = ("SELECT article_id FROM articles WHERE "
                 "fts_main_articles.match_bm25(article_id, ?, fields := 'title', conjunctive := 1) IS NOT NULL")
        assert article_id in {a for (a,) in analyst.execute(found, [title]).fetchall()}
        load_portals(con, store, tmp_path / "batches", [("r2", "hatinh", range(3, 12))])
        article_id, title = con.execute("SELECT article_id, title FROM articles WHERE portal = 'hatinh' "
                                        "ORDER BY article_id").fetchone()
        assert article_id in {a for (a,) in analyst.execute(found, [title]).fetchall()}


@pytest.mark.parametrize("name", ["w", "w.duckdb"], ids=["lake", "file"])
def test_an_index_missing_or_of_another_layout_is_rebuilt_when_a_writer_opens_the_warehouse(tmp_path, name):
    with loading(tmp_path / name) as (con, store):
        load_portals(con, store, tmp_path / "batches", [("r1", "caobang", range(3, 12))])
        database, schema = search._tables(con)
        expected = index_of(con)
        con.execute(f"ALTER TABLE {database}.{schema}.docs DROP COLUMN len")  # another layout
    with contextlib.closing(db.connect(tmp_path / name)) as con:
        assert index_of(con) == expected
        con.execute(f"DROP SCHEMA {database}.{schema} CASCADE")  # none
    with contextlib.closing(db.connect(tmp_path / name)) as con:
        assert index_of(con) == expected
        con.execute(f"DELETE FROM {database}.{schema}.docs WHERE docid = (SELECT min(docid) FROM {database}.{schema}.docs)")
        con.execute(f"UPDATE {database}.{schema}.stats SET num_docs = num_docs - 1")  # an article missing
    with contextlib.closing(db.connect(tmp_path / name)) as con:
        assert index_of(con) == expected
