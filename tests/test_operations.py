"""Running provnews day to day: a portal that is down, a portal whose pages changed (drift),
two runs at once, the live smoke test."""

from __future__ import annotations

import contextlib

import duckdb
import pytest

from flows import drift, staging
from flows.ingest import ingest, run_flow
from tests.conftest import run_cli


def crawl_runs(db_file):
    with contextlib.closing(duckdb.connect(str(db_file), read_only=True)) as con:
        cur = con.execute("SELECT * FROM crawl_runs ORDER BY started_at")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_a_portal_that_is_down_fails_alone_and_the_run_says_which(mirror, tmp_path):
    mirror.down.add("hatinh")
    db_file = tmp_path / "w.duckdb"
    state = ingest(portals=["caobang", "hatinh"], mirror_url=mirror.base_url, db_path=str(db_file),
                   return_state=True)
    assert state.is_failed() and "hatinh (crawl_failed)" in state.message
    report = run_flow(ingest, portals=["caobang"], mirror_url=mirror.base_url, db_path=str(db_file))
    assert report.ok  # the other portal loaded in the failed run; nothing new now
    rows = {(r["portal"], r["status"]) for r in crawl_runs(db_file)}
    assert ("hatinh", "crawl_failed") in rows and ("caobang", "loaded") in rows
    failed = next(r for r in crawl_runs(db_file) if r["status"] == "crawl_failed")
    assert failed["alerts"] and failed["alerts"][0].startswith("crawl failed")


def test_a_redesigned_portal_is_flagged_in_the_report_and_in_crawl_runs(mirror, tmp_path):
    mirror.redesigned.add("caobang")
    report = run_flow(ingest, portals=["caobang"], mirror_url=mirror.base_url, db_path=str(tmp_path / "w.duckdb"))
    rep = report.portals["caobang"]
    assert rep.status == "loaded" and rep.fallback == rep.new > 0
    assert any("needed generic extraction" in a for a in rep.alerts)
    assert crawl_runs(tmp_path / "w.duckdb")[-1]["alerts"] == rep.alerts


def history(n=5, **figures):
    base = dict(status="loaded", listing_entries=40, articles_new=30, fallback_extractions=0,
                title_coverage=1.0, date_coverage=1.0, author_coverage=0.9, median_body_chars=1800)
    return [{**base, **figures} for _ in range(n)]


@pytest.mark.parametrize("change,expected", [
    ({}, []),
    ({"author_coverage": 0.2}, ["author found in 20% of new articles (recent runs: 90%)"]),
    ({"median_body_chars": 600}, ["median body 600 characters (recent runs: 1800)"]),
    ({"listing_entries": 0, "articles_new": 0}, ["listing pages showed no article link"]),
    ({"fallback_extractions": 12}, ["12 of 30 new articles needed generic extraction (selectors missed; limit 20%)"]),
])
def test_drift_is_judged_against_the_portals_own_history(change, expected):
    run = history(1, **change)[0]
    assert drift.alerts(run, history()) == expected


def test_drift_needs_enough_history_and_enough_new_articles():
    assert drift.alerts(history(1, author_coverage=0.0)[0], history(2)) == []
    assert drift.alerts(history(1, author_coverage=0.0, articles_new=3)[0], history()) == []
    # a portal that never prints an author is not flagged for printing none
    assert drift.alerts(history(1, author_coverage=0.0)[0], history(author_coverage=0.0)) == []


def test_only_one_run_writes_at_a_time(tmp_path):
    db_file = tmp_path / "w.duckdb"
    with staging.run_lock(db_file):
        out = run_cli("--db", str(db_file), "ingest", "--portal", "hatinh")
    assert out.returncode == 4
    assert out.stderr.strip().splitlines() == [
        f"provnews: another ingest or backfill is running on {db_file}; this run did nothing "
        "(try again when it has finished)"]


def test_check_portals_reports_the_fields_found_per_portal(mirror):
    mirror.redesigned.add("hatinh")
    out = run_cli("check-portals", "--portal", "caobang", "--portal", "hatinh", "--portal", "backan",
                  "--base-url", mirror.portal_url("caobang"))
    assert out.returncode == 2  # --base-url is for one portal
    from flows.check import check_portals
    results = {r["portal"]: r for r in check_portals(["caobang", "hatinh", "backan"], mirror_url=mirror.base_url)}
    assert results["caobang"]["ok"] and results["backan"]["ok"]
    assert results["caobang"]["listing_entries"] > 0 and results["caobang"]["body_chars"] > 200
    assert not results["hatinh"]["ok"] and "generic extraction" in results["hatinh"]["problem"]


def test_a_backfill_stopped_by_ctrl_c_resumes_where_it_stopped(tmp_path):
    """SIGINT to the terminal's process group midway, then the same command again: the warehouse
    equals an uninterrupted backfill's, and no page is fetched twice (robots.txt aside)."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter

    from mirror.server import Mirror
    from tests.conftest import REPO

    command = ["backfill", "--portal", "hatinh", "--since", "2020-01-01"]
    # Latency makes the crawl last long enough (≈ 10 s) to be stopped midway.
    with Mirror(size=300, slow_seconds=0.2, latency_seconds=0.05) as m:
        reference = tmp_path / "reference" / "w.duckdb"
        assert run_cli("--db", str(reference), *command, "--mirror-url", m.base_url).returncode == 0
        # Counted by difference, never cleared: the mirror's "503 once" pages count on its hits.
        uninterrupted = Counter(m.hits)

        db_file = tmp_path / "resumed" / "w.duckdb"
        argv = ["--db", str(db_file), *command, "--mirror-url", m.base_url]
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", *argv], cwd=REPO, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        progress = staging.Job.for_backfill(db_file, "hatinh", "2020-01-01", None).progress_file
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                if json.loads(progress.read_text())["pages"] >= 40:
                    break
            time.sleep(0.1)
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = run.communicate(timeout=120)
        assert run.returncode == 130, err
        assert "interrupted" in out and "run the same command again to resume" in err
        stopped = json.loads(progress.read_text())
        assert 40 <= stopped["pages"] < 250 and stopped["finished"] == "shutdown"
        assert not staging.complete(db_file.parent / "batches")  # nothing loaded as if complete
        first_part = Counter(m.hits) - uninterrupted

        resumed = run_cli(*argv)
        assert resumed.returncode == 0, resumed.stderr
        second_part = Counter(m.hits) - first_part - uninterrupted

    assert article_ids(db_file) == article_ids(reference)
    assert not progress.parent.parent.exists()  # the job is cleared once its batch is staged
    # Requests beyond the uninterrupted run's, path by path.
    extra = {path: n - uninterrupted[path] for path, n in (first_part + second_part).items()
             if n > uninterrupted[path] and path != "/robots.txt"}
    assert sum(extra.values()) <= 1, extra  # at most the page in flight when the signal came


def article_ids(db_file):
    with contextlib.closing(duckdb.connect(str(db_file), read_only=True)) as con:
        return sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())
