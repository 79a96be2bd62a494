"""The DuckLake warehouse with analysts in it: their sessions stay open across loads, see each
load's rows on their next query, and search them; and a warehouse of the one-file layout
upgrades into it with every row kept."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import sys
import threading

from flows.ingest import ingest
from tests.conftest import REPO, run_cli
from warehouse import db
from warehouse.analyst import open_readonly, shell_argv

COUNT = "SELECT 'n=' || count(*) FROM articles"
SEARCH = ("SELECT 'n=' || count(*) FROM stories WHERE portal = 'hatinh' AND "
          "fts_main_articles.match_bm25(article_id, 'tỉnh', conjunctive := 1) IS NOT NULL")


class Shell:
    """An analyst's `duckdb` shell (`provnews shell`'s argv), fed one query at a time on stdin."""

    def __init__(self, warehouse):
        self.proc = subprocess.Popen([*shell_argv(warehouse), "-csv", "-noheader"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                     cwd=REPO)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(ln) for ln in self.proc.stdout], daemon=True).start()

    def ask(self, sql: str) -> int:
        self.proc.stdin.write(sql + ";\n")
        self.proc.stdin.flush()
        while True:
            line = self.lines.get(timeout=60).strip()
            assert "Error" not in line, line
            if line.startswith("n="):
                return int(line[2:])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def test_analysts_sessions_stay_open_across_a_load_and_see_its_rows(mirror, tmp_path):
    warehouse = tmp_path / "w"
    ingest(portals=["caobang"], mirror_url=mirror.base_url, db_path=str(warehouse))
    shell = Shell(warehouse)
    python = open_readonly(warehouse)
    try:
        before = shell.ask(COUNT)
        assert before > 0 and python.execute(COUNT).fetchone()[0] == f"n={before}"
        assert shell.ask(SEARCH) == 0
        # Both stay open while a load commits, from another process, as a schedule's run would.
        out = run_cli("--db", str(warehouse), "ingest", "--portal", "hatinh", "--mirror-url", mirror.base_url)
        assert out.returncode == 0, out.stderr
        assert "loaded" in out.stdout
        after = shell.ask(COUNT)
        assert after > before
        assert python.execute(COUNT).fetchone()[0] == f"n={after}"
        found = shell.ask(SEARCH)
        assert found > 0
        assert python.execute(SEARCH).fetchone()[0] == f"n={found}"
    finally:
        shell.close()
        python.close()


def test_a_commit_that_loses_to_another_writer_is_run_again_against_its_rows(tmp_path):
    """Two writers commit at once: one is refused by the store, runs again, and sees the other's row."""
    warehouse = tmp_path / "w"
    first, second = db.connect(warehouse), db.connect(warehouse)
    seen = []

    def add(con, article_id):
        def work():
            seen.append((article_id, con.execute("SELECT count(*) FROM loaded_batches").fetchone()[0]))
            con.execute("INSERT INTO loaded_batches VALUES (?, 'r', 'p', now(), 1)", [article_id])
            db.take_turn(con)
            if article_id == "b" and len(seen) == 1:  # the first attempt of b: a commits meanwhile
                db.committed(first, lambda: add_a())
        return db.committed(con, work)

    def add_a():
        first.execute("INSERT INTO loaded_batches VALUES ('a', 'r', 'p', now(), 1)")
        db.take_turn(first)

    add(second, "b")
    with contextlib.closing(first), contextlib.closing(second):
        assert seen == [("b", 0), ("b", 1)]  # run again, and then it saw a's row
        assert sorted(r for (r,) in second.execute("SELECT batch_id FROM loaded_batches").fetchall()) == ["a", "b"]
        assert second.execute("SELECT loads FROM load_serial").fetchone()[0] == 2


# Another writer's commit in progress, from a process of its own (SQLite's locks are the
# process's: DuckDB's SQLite inside this one would not see one taken here): the catalog's write
# lock, held for a second.
HOLD_CATALOG = """import sqlite3, sys, time
catalog = sqlite3.connect(sys.argv[1], isolation_level=None)
catalog.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(1)
catalog.execute("COMMIT")
"""


def test_a_runs_alerts_wait_for_another_writers_commit(tmp_path):
    """A run's last write, its drift alerts, is committed as its loads are: when another writer
    (another machine's load or compaction) commits at that moment, it is run again, rather than
    failing the run after its articles are stored."""
    from flows import drift
    from warehouse.location import CATALOG_FILE

    with contextlib.closing(db.connect(tmp_path / "w")) as con:
        con.execute("INSERT INTO crawl_runs (run_id, portal, flow, started_at, status, articles_new) "
                    "VALUES ('r1', 'yenbai', 'ingest', now(), 'loaded', 0)")
        holder = subprocess.Popen([sys.executable, "-c", HOLD_CATALOG, str(tmp_path / "w" / CATALOG_FILE)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline() == "held\n"
            found = drift.check(con, "r1", ["yenbai"])
        finally:
            holder.wait(timeout=30)
        assert found["yenbai"]
        assert con.execute("SELECT alerts FROM crawl_runs").fetchone()[0] == found["yenbai"]


def downgrade_to_schema_6(path) -> None:
    """What migrations 7 to 9 changed, undone: a warehouse as schema 6 left it (its
    de-duplication tables, which migration 9 drops, empty)."""
    import duckdb
    with contextlib.closing(duckdb.connect(str(path))) as con:
        con.execute("DROP VIEW stories")  # binds articles' columns; migration 7 makes it again
        con.execute("ALTER TABLE articles DROP COLUMN changed_in")
        con.execute("ALTER TABLE articles DROP COLUMN imported_from")
        con.execute("ALTER TABLE rejects DROP COLUMN line")
        con.execute("DROP TABLE load_serial")
        con.execute("CREATE TABLE article_signatures (article_id VARCHAR PRIMARY KEY, minhash BLOB NOT NULL, "
                    "passages INTEGER NOT NULL)")
        con.execute("CREATE TABLE passage_fingerprints (fingerprint BIGINT NOT NULL, article_id VARCHAR NOT NULL)")
        con.execute("CREATE TABLE article_bands (band_key BIGINT NOT NULL, article_id VARCHAR NOT NULL)")
        con.execute("CREATE VIEW stories AS SELECT * FROM articles WHERE duplicate_of IS NULL")
        con.execute("DELETE FROM schema_migrations WHERE version >= 7")


def rows_of(con, catalog: str, table: str) -> list[tuple]:
    return sorted(con.execute(f'SELECT * FROM {catalog}.main."{table}"').fetchall(), key=repr)


def test_a_schema_6_file_upgrades_into_a_lake_with_every_row_kept(mirror, tmp_path):
    old = tmp_path / "old" / "warehouse.duckdb"
    ingest(portals=["caobang", "hatinh"], mirror_url=mirror.base_url, db_path=str(old))
    downgrade_to_schema_6(old)
    before = old.read_bytes()
    lake = tmp_path / "lake"

    out = run_cli("--db", str(lake), "upgrade", "--from", str(old))
    assert out.returncode == 0, out.stderr
    assert old.read_bytes() == before  # the file is left as it was
    assert not (old.parent / "warehouse.duckdb.staging" / "batches").exists() or \
        not any((old.parent / "warehouse.duckdb.staging" / "batches").iterdir())

    con = open_readonly(lake)
    con.execute(f"ATTACH '{old}' AS old (READ_ONLY)")
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'old' "
                                            "AND schema_name = 'main'").fetchall()]
        assert {"articles", "article_urls", "rejects", "crawl_runs", "loaded_batches"} <= set(tables)
        for table in tables:
            if table in ("schema_migrations", "article_signatures", "article_bands", "passage_fingerprints"):
                continue  # the lake's own; the de-duplication tables migration 9 drops
            old_rows = rows_of(con, "old", table)
            new_rows = [r[:len(old_rows[0])] for r in rows_of(con, "warehouse", table)] if old_rows else []
            assert new_rows == old_rows, table
        assert con.execute("SELECT count(*) FROM articles WHERE imported_from IS NOT NULL").fetchone()[0] == 0
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == db.migrations()[-1][0]
        hits = con.execute("SELECT count(*) FROM articles WHERE "
                           "fts_main_articles.match_bm25(article_id, 'tỉnh') IS NOT NULL").fetchone()[0]
        assert hits > 0
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()

    # The raw archive came along: the next run knows every page, and loads nothing twice.
    again = run_cli("--db", str(lake), "ingest", "--portal", "caobang", "--portal", "hatinh",
                    "--mirror-url", mirror.base_url)
    assert again.returncode == 0, again.stderr
    with contextlib.closing(open_readonly(lake)) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
        assert con.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0


def live_files(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM ducklake_list_files('{db.CATALOG}', '{table}')").fetchone()[0]


def test_compaction_keeps_each_table_to_a_few_files_and_every_row(tmp_path):
    from flows import batches
    from tests.test_warehouse import loading, make_batch, run_row
    from warehouse import maintenance

    with loading(tmp_path / "w") as (con, store):
        for n in range(8):  # eight small loads: eight files per table
            batch = make_batch(tmp_path / "batches", f"r{n}-caobang", indices=range(3 + 4 * n, 7 + 4 * n))
            batches.load(con, store, batch, f"r{n}", run_row(batch))
        rows = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()
        assert live_files(con, "articles") >= 8
        assert maintenance.compact_bounded(con) is None  # as a run compacts, through its connection
        assert live_files(con, "articles") == 1
        assert live_files(con, "article_urls") == 1
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == rows
    with contextlib.closing(open_readonly(tmp_path / "w")) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == rows[0] > 24


def test_compaction_of_articles_of_real_length_fits_a_writers_memory(tmp_path):
    """10,000 articles as long as a seed's (10 KB and more) in ten files: merged into one row
    group, their bodies alone are past a writer's 256 MB, and the merge failed; compaction cuts
    row groups short enough to hold (maintenance.LAYOUT)."""
    from warehouse import maintenance

    body = (REPO / "seeds" / "002_88a1ef7b7db73fe7.txt").read_text(encoding="utf-8")
    with contextlib.closing(db.connect(tmp_path / "w")) as con:
        for start in range(0, 10_000, 1000):  # a file per statement, as a load's chunks make
            con.execute("INSERT INTO articles (article_id, portal, url, body, extraction, content_hash, "
                        "first_seen_at, run_id, batch_id) SELECT 'a' || i, 'yenbai', 'https://x/' || i, ? || i, "
                        "'selectors', 'h' || i, now(), 'r', 'b' FROM range(?, ?) AS t(i)", [body, start, start + 1000])
        assert live_files(con, "articles") == 10
        assert maintenance.compact_bounded(con) is None
        assert live_files(con, "articles") == 1
        assert con.execute("SELECT count(DISTINCT article_id), min(length(body)) FROM articles").fetchone() \
            == (10_000, len(body) + 1)


def test_loads_of_many_chunks_between_compactions_commit_and_count_each_term_once(tmp_path):
    """Loads of 10,000 articles (ten chunks each) into the search index, the lake compacted
    after each: DuckLake 0.3 failed the third ("Could not remove file ...-delete.parquet") when
    every chunk updated the counts of terms in `dict`. A load updates them once
    (`search.settle`), and they count each article holding the term once."""
    from mirror import corpus
    from warehouse import maintenance, search

    per_portal = 30_000 // len(corpus.PORTAL_ORDER)
    articles = []
    for portal in corpus.PORTAL_ORDER:
        for i in range(per_portal):
            a = corpus.article(portal, i, per_portal)
            articles.append({"article_id": f"{portal}-{i}", "title": a.title, "lead": a.lead,
                             "body": "\n\n".join(a.paragraphs)})
    with contextlib.closing(db.connect(tmp_path / "w")) as con:
        ix = ".".join(search._tables(con))
        for start in range(0, len(articles), 10_000):
            with db.transaction(con):
                search.add(con, articles[start:start + 10_000])
                search.settle(con)
            assert maintenance.compact_bounded(con) is None
        assert con.execute(f"SELECT num_docs FROM {ix}.stats").fetchone()[0] == len(articles) > 29_900
        assert con.execute(f"SELECT sum(df) FROM {ix}.dict").fetchone() \
            == con.execute(f"SELECT count(*) FROM (SELECT DISTINCT docid, termid FROM {ix}.terms)").fetchone()


def test_a_compaction_past_its_bound_is_stopped_and_the_connection_goes_on(tmp_path, monkeypatch):
    """The run compacts through its own connection: one that does not end is interrupted at
    COMPACT_SECONDS, says why in one line, and leaves the connection usable."""
    from warehouse import maintenance

    def endless(con):
        con.execute("SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3").fetchall()

    monkeypatch.setattr(maintenance, "COMPACT_SECONDS", 0.5)
    monkeypatch.setattr(maintenance, "compact", endless)
    with contextlib.closing(db.connect(tmp_path / "w")) as con:
        assert maintenance.compact_bounded(con) == "no end after 0.5 s"
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_a_load_that_began_before_another_writers_compaction_runs_again_and_sees_every_row(tmp_path):
    """DuckLake 0.3 reads a table as empty in a transaction that began before another writer
    compacted it (another machine's load, during this machine's compaction): such a load is run
    again (`db.committed`). The files compaction replaced stay on disk (maintenance.REMOVE_AFTER)
    for the transactions still reading them."""
    from flows import batches
    from tests.test_warehouse import loading, make_batch, run_row
    from warehouse import maintenance

    with loading(tmp_path / "w") as (con, store), contextlib.closing(db.connect(tmp_path / "w")) as other:
        for n in range(4):
            batch = make_batch(tmp_path / "batches", f"r{n}-caobang", indices=range(3 + 4 * n, 7 + 4 * n))
            batches.load(con, store, batch, f"r{n}", run_row(batch))
        on_disk = parquet_files(tmp_path / "w")
        seen = []

        def load():  # what a load reads, in its transaction
            seen.append(other.execute("SELECT count(*) FROM (SELECT article_id, body FROM articles)").fetchone()[0])
            if len(seen) == 1:
                maintenance.compact(con)  # the other writer's, meanwhile
                seen.append(other.execute("SELECT count(*) FROM (SELECT article_id, body FROM articles)").fetchone()[0])
            return seen[-1]

        assert db.committed(other, load) == 16
        assert seen[0] == 16 and seen[-1] == 16 and len(seen) == 3  # the second attempt saw every row
        assert live_files(con, "articles") == 1
        assert parquet_files(tmp_path / "w") >= on_disk and maintenance.awaiting_removal(con) >= 4


def parquet_files(lake) -> int:
    return sum(1 for _ in (lake / "data").rglob("*.parquet"))