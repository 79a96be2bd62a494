"""Running provnews day to day: a portal that is down, a portal whose pages changed (drift),
two runs at once, the live smoke test."""

from __future__ import annotations

import contextlib

import duckdb
import pytest

from flows import drift, runlock, staging
from flows.ingest import ingest, run_flow
from tests.conftest import run_cli
from warehouse.analyst import open_readonly


def crawl_runs(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        cur = con.execute("SELECT * FROM crawl_runs ORDER BY started_at")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_a_portal_that_is_down_fails_alone_and_the_run_says_which(mirror, tmp_path):
    mirror.down.add("hatinh")
    db_file = tmp_path / "w"
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
    report = run_flow(ingest, portals=["caobang"], mirror_url=mirror.base_url, db_path=str(tmp_path / "w"))
    rep = report.portals["caobang"]
    assert rep.status == "loaded" and rep.fallback == rep.new > 0
    assert any("needed generic extraction" in a for a in rep.alerts)
    assert rep.alerts[-1] == "to propose a new definition: provnews add-portal https://caobang.gov.vn/chinh-tri --key caobang"
    assert crawl_runs(tmp_path / "w")[-1]["alerts"] == rep.alerts


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
    db_file = tmp_path / "w"
    with runlock.run_lock(db_file):
        out = run_cli("--db", str(db_file), "ingest", "--portal", "hatinh")
    assert out.returncode == 4
    assert out.stderr.strip().splitlines() == [
        f"provnews: another ingest or backfill is running on {db_file}; this run did nothing "
        "(try again when it has finished)"]


def test_a_second_run_is_refused_at_once_while_the_first_runs(mirror, tmp_path):
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    db_file = tmp_path / "w"
    first = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(db_file), "ingest", "--portal",
                              "hatinh", "--mirror-url", mirror.base_url], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lock = runlock.lock_path(db_file)
        while not lock.exists():  # the command takes the lock before anything else
            assert first.poll() is None
            time.sleep(0.05)
        second = run_cli("--db", str(db_file), "ingest", "--portal", "caobang", "--mirror-url", mirror.base_url)
        assert first.poll() is None  # refused while the first still runs, not after it
        assert second.returncode == 4 and "another ingest or backfill is running" in second.stderr
    finally:
        assert first.wait(timeout=300) == 0


def test_a_warehouse_held_by_another_process_exits_4_and_says_why(mirror, tmp_path):
    from tests.test_warehouse_ops import holder
    from warehouse import db

    db_file = tmp_path / "w.duckdb"  # a DuckDB file: one process at a time (a DuckLake has no such limit)
    db.connect(db_file).close()
    with holder(db_file, read_only=True):
        out = run_cli("--db", str(db_file), "ingest", "--portal", "hatinh", "--mirror-url", mirror.base_url,
                      env={"PROVNEWS_LOCK_WAIT": "1"})
    assert out.returncode == 4, out.stderr
    assert "staged" in out.stdout


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


BACKFILL = ["backfill", "--portal", "hatinh", "--since", "2020-01-01"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A mirror of 300 articles a portal, and the uninterrupted backfill of it that a resumed one
    must equal: its warehouse and the mirror's hits, path by path. Latency makes a crawl last
    long enough (≈ 10 s) to be stopped midway."""
    from collections import Counter

    from mirror.server import Mirror
    with Mirror(size=300, slow_seconds=0.2, latency_seconds=0.05) as m:
        before = Counter(m.hits)
        reference = tmp_path_factory.mktemp("reference") / "w"
        assert run_cli("--db", str(reference), *BACKFILL, "--mirror-url", m.base_url).returncode == 0
        # Counted by difference, never cleared: the mirror's "503 once" pages count on its hits.
        yield dict(mirror=m, db=reference, hits=Counter(m.hits) - before)


@pytest.mark.parametrize("moved", [False, True], ids=["same mirror", "mirror moved to another port"])
def test_a_backfill_stopped_by_ctrl_c_resumes_where_it_stopped(uninterrupted, tmp_path, moved):
    """SIGINT to the terminal's process group midway, then the same command again: the warehouse
    equals an uninterrupted backfill's, and no page is fetched twice (robots.txt aside). Also
    when the portal is served from elsewhere on the resume (`--mirror` starts its mirror on a
    new port each time): the queued requests follow it, none ends as a reject."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    from collections import Counter

    from mirror.server import Mirror
    from tests.conftest import REPO

    m, reference = uninterrupted["mirror"], uninterrupted["db"]
    with Mirror(size=300, slow_seconds=0.2, latency_seconds=0.05) as elsewhere:
        db_file = tmp_path / "resumed" / "w"
        argv = ["--db", str(db_file), *BACKFILL]
        before = Counter(m.hits)
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", *argv, "--mirror-url", m.base_url], cwd=REPO,
                               start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
        assert not staging.complete(staging.batches_root(db_file))  # nothing loaded as if complete
        first_part = Counter(m.hits) - before

        target = elsewhere if moved else m
        before = Counter(target.hits)
        resumed = run_cli(*argv, "--mirror-url", target.base_url)
        assert resumed.returncode == 0, resumed.stderr
        second_part = Counter(target.hits) - before

    assert article_ids(db_file) == article_ids(reference)
    assert rejects(db_file) == rejects(reference)  # no `offsite` or `target_moved` among them
    assert not progress.parent.parent.exists()  # the job is cleared once its batch is staged
    # Requests beyond the uninterrupted run's, path by path.
    once = uninterrupted["hits"]
    extra = {path: n - once[path] for path, n in (first_part + second_part).items()
             if n > once[path] and path != "/robots.txt"}
    assert sum(extra.values()) <= 1, extra  # at most the page in flight when the signal came


def test_a_queued_article_request_names_its_callbacks_and_comes_back_bound_to_the_spider():
    """What a resumable crawl's queue holds of an article request (`ArticleRequest.to_dict`,
    which names the callbacks without listing the spider's members) reads back as the same
    request, bound to the resumed crawl's spider."""
    from scrapy.utils.request import request_from_dict

    from spiders.portal_spider import SPIDERS, ArticleRequest

    spider = SPIDERS["hatinh"](mirror_url="http://127.0.0.1:8000")
    request = ArticleRequest("http://127.0.0.1:8000/hatinh.gov.vn/tin/1", callback=spider.parse_article,
                             errback=spider.on_error, dont_filter=True, meta={"url_key": "hatinh.gov.vn/tin/1"})
    queued = request.to_dict(spider=spider)
    assert (queued["callback"], queued["errback"]) == ("parse_article", "on_error")
    assert request.callback == spider.parse_article  # the request itself is left as it was
    resumed = SPIDERS["hatinh"](mirror_url="http://127.0.0.1:9000")
    back = request_from_dict(queued, spider=resumed)
    assert type(back) is ArticleRequest and (back.callback, back.errback) == (resumed.parse_article, resumed.on_error)
    assert (back.url, back.meta, back.dont_filter) == (request.url, request.meta, True)


def rejects(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        return sorted(con.execute("SELECT url_key, reason FROM rejects").fetchall())


def article_ids(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        return sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())


STUCK_RUN = """
import subprocess, sys
import flows.cli as cli
cli.TERM_GRACE_SECONDS = 1
real_popen = subprocess.Popen
def stuck_run(cmd, **kwargs):  # a run that ignores SIGTERM, as one spinning in native code does
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
    return real_popen([sys.executable, "-c", code], **kwargs)
cli.subprocess.Popen = stuck_run
sys.exit(cli.main(["--db", sys.argv[1], "ingest", "--portal", "hatinh"]))
"""


def test_sigterm_ends_a_run_even_one_that_does_not_stop_by_itself(tmp_path):
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    command = subprocess.Popen([sys.executable, "-c", STUCK_RUN, str(tmp_path / "w")], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert command.stdout.readline().strip() == "up"
    command.send_signal(signal.SIGTERM)
    assert command.wait(timeout=60) == 128 + signal.SIGKILL  # the run was killed after its grace time
