"""The warehouse under real operating conditions: another process holding the file, a loader
killed mid-transaction, the analyst's read-only surface (SQL, full-text search, the duckdb shell)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from flows import batches, staging
from flows.ingest import ingest, run_flow
from spiders import crawl
from spiders.portals import get as get_portal
from tests.conftest import REPO, run_cli
from tests.prefect_server import wait_for
from tests.test_warehouse import loading
from warehouse import db
from warehouse.analyst import open_readonly, shell_argv

PORTALS = ["caobang", "hatinh"]


def article_ids(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        return sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())


@contextlib.contextmanager
def holder(db_file, read_only):
    """Another process (an analyst's shell) with the warehouse open until the block ends."""
    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == '1'); "
            "print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db_file), "1" if read_only else "0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "open"
        yield
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


@pytest.mark.parametrize("read_only", [False, True], ids=["read-write holder", "read-only holder"])
def test_a_load_blocked_by_another_process_stays_staged_and_the_next_run_loads_it(
        mirror, tmp_path, monkeypatch, read_only):
    monkeypatch.setenv("PROVNEWS_LOCK_WAIT", "2")
    reference = tmp_path / "reference" / "w.duckdb"
    ingest(portals=PORTALS, mirror_url=mirror.base_url, db_path=str(reference))

    db_file = tmp_path / "busy" / "w.duckdb"
    db.connect(db_file).close()
    with holder(db_file, read_only):
        blocked = run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(db_file))
    assert {p.status for p in blocked.portals.values()} == {"staged"}
    assert all("held open by another process" in p.message for p in blocked.portals.values())
    assert article_ids(db_file) == []
    assert len(staging.pending(staging.batches_root(db_file))) == len(PORTALS)

    hits = sum(mirror.hits.values())
    after = ingest(portals=PORTALS, mirror_url=mirror.base_url, db_path=str(db_file))
    assert after.leftovers_loaded == len(PORTALS)
    # Staged pages were not fetched again: robots.txt and each category's first listing page.
    assert sum(mirror.hits.values()) - hits == sum(1 + len(get_portal(p).categories) for p in PORTALS)
    assert staging.pending(staging.batches_root(db_file)) == []
    assert article_ids(db_file) == article_ids(reference)


LOADER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from flows import batches, staging
    from warehouse import db, loader

    record_run = loader.record_run
    def record_run_then_stall(con, row, **how):  # the last write inside the batch's transaction
        record_run(con, row, **how)
        print("in transaction", flush=True)
        time.sleep(600)
    loader.record_run = record_run_then_stall

    from tests.test_warehouse import loading
    with loading(sys.argv[1]) as (con, store):
        batch = staging.pending(Path(sys.argv[2]))[0]
        batches.load(con, store, batch, "r1", dict(run_id="r1", portal=batch.manifest["portal"], flow="ingest"))
""")


def stage_a_crawl(mirror, root, portal="hatinh"):
    batch_dir = root / f"20260101T000000000000Z-{portal}"
    subprocess.run(crawl.command(portal, batch_dir, mirror_url=mirror.base_url), check=True, cwd=REPO, timeout=300)
    return staging.Batch(batch_dir)


def test_a_loader_killed_mid_transaction_leaves_no_partial_batch_and_the_rerun_loses_nothing(mirror, tmp_path):
    db_file = tmp_path / "w"
    batch = stage_a_crawl(mirror, staging.batches_root(db_file))
    proc = subprocess.Popen([sys.executable, "-c", LOADER, str(db_file), str(batch.path.parent)],
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout.readline().strip() == "in transaction"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    with loading(db_file) as (con, store):
        for table in ("articles", "article_urls", "rejects", "crawl_runs", "loaded_batches"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert staging.pending(batch.path.parent) == [batch]
        result = batches.load(con, store, batch, "r2", dict(run_id="r2", portal="hatinh", flow="ingest"))
        stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert result.loaded and stored == result.new > 0
    assert not staging.pending(batch.path.parent)

    fresh = tmp_path / "fresh" / "w"
    shutil.copytree(batch.path, staging.batches_root(fresh) / batch.batch_id, ignore=shutil.ignore_patterns("LOADED"))
    with loading(fresh) as (con, store):
        batches.load(con, store, staging.Batch(staging.batches_root(fresh) / batch.batch_id), "r2",
                     dict(run_id="r2", portal="hatinh", flow="ingest"))
    assert article_ids(fresh) == article_ids(db_file)


def test_sql_is_read_only_searches_vietnamese_text_and_fails_in_one_line(mirror, tmp_path):
    db_file = tmp_path / "w"
    ingest(portals=["caobang"], mirror_url=mirror.base_url, db_path=str(db_file))

    out = run_cli("--db", str(db_file), "sql", "SELECT portal, count(*) AS n FROM articles GROUP BY 1",
                  "--format", "json")
    assert out.returncode == 0, out.stderr
    assert '"portal": "caobang"' in out.stdout

    # Seed 002 (Cao Bằng) reports the Party Central Committee conference.
    search = ("SELECT url FROM (SELECT url, fts_main_articles.match_bm25(article_id, 'Ban Chấp hành Trung ương', "
              "conjunctive := 1) AS score FROM articles) WHERE score IS NOT NULL ORDER BY score DESC")
    out = run_cli("--db", str(db_file), "sql", search, "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert any("caobang.gov.vn" in line for line in out.stdout.splitlines()[1:])

    # Nor can it load code: its connection skips DuckDB's extension signature check
    # (`warehouse.extensions.CONNECTION`), so a LOAD of any file must be refused.
    from warehouse import extensions
    for statement in ("INSERT INTO crawl_runs (run_id, portal) VALUES ('x', 'y')", "DROP VIEW stories",
                      "COPY articles TO 'articles.csv'", "SET enable_external_access = true",
                      extensions.load_statement("postgres_scanner")):
        out = run_cli("--db", str(db_file), "sql", statement)
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and len(lines) == 1 and "Traceback" not in out.stderr, out.stderr


def test_the_duckdb_shell_from_the_dependencies_opens_the_warehouse_read_only(tmp_path):
    db_file = tmp_path / "w"
    db.connect(db_file).close()
    shell = shutil.which("duckdb", path=os.path.dirname(sys.executable))
    assert shell, "duckdb-cli is a dependency: its shell sits beside the interpreter"
    argv = shell_argv(db_file)
    assert argv[0] == shell
    out = subprocess.run([*argv, "-csv", "-noheader", "-c", "SELECT max(version) FROM schema_migrations"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(db.migrations()[-1][0])


RUN_THEN_STALL = textwrap.dedent("""
    import sys, time
    from flows.cleaning import ahead

    stage, db_file, mirror_url = sys.argv[1:4]
    if stage == "cleaning":  # stall after the load took a few cleaned pages, before any commit
        cleaned, taken = ahead.cleaned, []
        def take_then_stall(*args, **kwargs):
            taken.append(1)
            if len(taken) == 20:  # (not print: the flow's log_prints would take it)
                sys.stdout.write("cleaning" + chr(10))
                sys.stdout.flush()
                time.sleep(600)
            return cleaned(*args, **kwargs)
        ahead.cleaned = take_then_stall

    from flows.ingest import ingest
    ingest(portals=["caobang", "hatinh"], mirror_url=mirror_url, db_path=db_file)
""")


@pytest.mark.parametrize("stage", ["crawl", "cleaning"])
def test_a_run_killed_during_the_crawl_or_the_cleaning_loses_and_duplicates_nothing(stage, tmp_path):
    """SIGKILL to the run's whole process group (the flow and its crawls), then the
    next run: the warehouse equals an uninterrupted run's."""
    import time

    from mirror.server import Mirror

    with Mirror(size=60, slow_seconds=0.3, latency_seconds=0.02) as m:
        reference = tmp_path / "reference" / "w"
        ingest(portals=PORTALS, mirror_url=m.base_url, db_path=str(reference))

        db_file = tmp_path / "w"
        run = subprocess.Popen([sys.executable, "-c", RUN_THEN_STALL, stage, str(db_file), m.base_url],
                               cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True)
        if stage == "cleaning":
            assert run.stdout.readline().strip() == "cleaning"
            # The load stalls in the first batch, which may have loaded while the other portal
            # still crawled: that crawl, in a process of its own, stages its batch meanwhile.
            wait_for(lambda: len(staging.pending(staging.batches_root(db_file))) == 2, seconds=60,
                     what="second batch staged", every=0.1)
        else:
            m.hits.clear()
            deadline = time.monotonic() + 120
            while sum(m.hits.values()) < 60 and time.monotonic() < deadline:
                time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        root = staging.batches_root(db_file)
        if stage == "cleaning":
            assert len(staging.pending(root)) == 2  # both crawls staged, neither loaded
        else:
            assert not staging.complete(root)  # the killed crawls left no batch that could load

        again = run_flow(ingest, portals=PORTALS, mirror_url=m.base_url, db_path=str(db_file))
        assert again.ok
        assert again.leftovers_loaded == (2 if stage == "cleaning" else 0)
        assert article_ids(db_file) == article_ids(reference)
        with contextlib.closing(open_readonly(db_file)) as con:
            assert con.execute("SELECT count(*) - count(DISTINCT url_key) FROM article_urls").fetchone() == (0,)
            assert con.execute("SELECT count(*) FROM loaded_batches").fetchone()[0] == (4 if stage == "cleaning" else 2)


def test_a_crawl_run_again_into_its_batch_starts_the_file_over(mirror, tmp_path):
    """A retried crawl (no JOBDIR) writes its batch afresh: only a resumed job appends."""
    first = stage_a_crawl(mirror, tmp_path / "batches")
    pages = sorted(r["url_key"] or r["url"] for r in first.records())
    again = stage_a_crawl(mirror, tmp_path / "batches")
    assert again.path == first.path
    assert sorted(r["url_key"] or r["url"] for r in again.records()) == pages


def test_two_warehouses_in_one_directory_keep_their_batches_apart(mirror, tmp_path, monkeypatch):
    """Each warehouse has its own staging area: a batch staged for one (its file held) is loaded
    only there, and a run that falls back to the raw archive's URL keys reads only its own."""
    monkeypatch.setenv("PROVNEWS_LOCK_WAIT", "2")
    reference = tmp_path / "reference" / "w"
    run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(reference))
    a, b, c = (tmp_path / "data" / f"{name}.duckdb" for name in "abc")

    db.connect(a).close()
    with holder(a, read_only=True):
        held = run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(a))
    assert {p.status for p in held.portals.values()} == {"staged"}

    other = run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(b))
    assert other.leftovers_loaded == 0 and article_ids(b) == article_ids(reference)
    assert len(staging.pending(staging.batches_root(a))) == len(PORTALS)  # still a's, still pending

    # A fresh warehouse held read-write from its first run: it crawls with its own archive's keys
    # (none), not with a's and b's, so it still fetches everything.
    db.connect(c).close()
    with holder(c, read_only=False):
        run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(c))
    assert run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(c)).leftovers_loaded == 2
    assert article_ids(c) == article_ids(reference)

    assert run_flow(ingest, portals=PORTALS, mirror_url=mirror.base_url, db_path=str(a)).leftovers_loaded == 2
    assert article_ids(a) == article_ids(reference)
