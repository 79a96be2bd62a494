"""What a run shows while it runs and what it says at the end: every portal's figures whatever
its status (staged, interrupted, failed), the cause of a failed crawl in one line, and a live
display for `ingest` as for `backfill`."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import duckdb

from flows import staging
from flows.check import check_portals
from flows.ingest import ingest, run_flow
from mirror.server import Mirror
from spiders import progress
from tests.conftest import REPO, run_cli
from warehouse import db
from warehouse.analyst import open_readonly


def crawl_runs(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        cur = con.execute("SELECT * FROM crawl_runs")
        return [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def summary_row(stdout: str, portal: str) -> list[str]:
    """The cells of a portal's row in the printed summary table."""
    line = next(ln for ln in stdout.splitlines() if re.match(rf"│ {portal}\s", ln))
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_a_staged_portal_reports_what_its_crawl_fetched(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("PROVNEWS_LOCK_WAIT", "1")
    db_file = tmp_path / "w.duckdb"
    db.connect(db_file).close()
    code = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('open', flush=True); sys.stdin.read()"
    holder = subprocess.Popen([sys.executable, "-c", code, str(db_file)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"  # an analyst's shell holds the warehouse
        report = run_flow(ingest, portals=["caobang"], mirror_url=mirror.base_url, db_path=str(db_file))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    rep = report.portals["caobang"]
    manifest = staging.pending(staging.batches_root(db_file))[0].manifest
    assert rep.status == "staged"
    assert (rep.requests, rep.listing_pages, rep.pages) == (manifest["requests"], manifest["listing_pages"],
                                                           manifest["pages"])
    assert rep.pages > 50 and rep.listing_pages > 0


def test_a_crawl_that_fetched_no_listing_page_names_the_cause(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVNEWS_RETRY_TIMES", "0")
    port = closed_port()
    db_file = tmp_path / "w"
    report = run_flow(ingest, portals=["hatinh"], base_url=f"http://127.0.0.1:{port}", db_path=str(db_file))
    rep = report.portals["hatinh"]
    assert rep.status == "crawl_failed"
    assert rep.message.endswith(f"no listing page of hatinh could be fetched: connection refused by 127.0.0.1:{port}")
    assert rep.requests > 0 and rep.listing_pages == 0  # what it tried, though it fetched nothing
    row = next(r for r in crawl_runs(db_file) if r["portal"] == "hatinh")
    assert row["status"] == "crawl_failed" and row["requests"] == rep.requests and row["message"] == rep.message


def test_check_portals_names_the_cause_and_no_deleted_path(mirror, monkeypatch):
    mirror.down.add("hatinh")  # accepts connections, answers 503
    out = run_cli("check-portals", "--portal", "hatinh", "--base-url", mirror.portal_url("hatinh"))
    assert out.returncode == 1
    assert f"HTTP 503 from 127.0.0.1:{mirror.httpd.server_address[1]}" in out.stdout
    assert "crawl.log" not in out.stdout + out.stderr and "provnews-check-" not in out.stdout + out.stderr
    # A host whose name does not resolve (.invalid never does), as a portal seen without network.
    monkeypatch.setenv("PROVNEWS_RETRY_TIMES", "0")
    [result] = check_portals(["hatinh"], base_url="http://hatinh.invalid")
    assert not result["ok"] and result["problem"] == "DNS lookup failed for hatinh.invalid"


def test_ingest_shows_each_portals_progress_and_a_failures_cause(mirror, tmp_path):
    mirror.down.add("hatinh")
    db_file = tmp_path / "w"
    out = run_cli("--db", str(db_file), "ingest", "--portal", "hatinh", "--portal", "caobang",
                  "--mirror-url", mirror.base_url, env={"PROVNEWS_CRAWL_RETRY_DELAYS": "1"})
    assert out.returncode == 1, out.stderr
    cause = f"HTTP 503 from 127.0.0.1:{mirror.httpd.server_address[1]}"
    lines = [ln.rstrip() for ln in out.stderr.splitlines()]
    # As they happen (stderr is not a terminal here: one line per change of state) ...
    for expected in ("hatinh: starting", "hatinh: crawling", f"hatinh: failed: {cause}; retrying in 1 s",
                     f"hatinh: failed: {cause}", "caobang: crawling", "caobang: loaded"):
        assert expected in lines, (expected, out.stderr)
    # ... then the display once more, with the figures and statuses of the summary.
    caobang = summary_row(out.stdout, "caobang")
    assert caobang[1] == "loaded"
    assert re.search(rf"^caobang\s+{caobang[3]} listing pages\s+{caobang[4]} articles loaded\s*$", out.stderr, re.M)
    assert re.search(rf"^hatinh\s+0 listing pages\s+0 articles failed: {re.escape(cause)}\s*$", out.stderr, re.M)
    assert summary_row(out.stdout, "hatinh")[1] == "crawl_failed" and int(summary_row(out.stdout, "hatinh")[2]) > 0
    assert f"no listing page of hatinh could be fetched: {cause}" in out.stdout


def test_after_ctrl_c_the_summary_shows_what_the_display_showed(tmp_path):
    """A backfill stopped midway: the summary's requests, listing pages and pages fetched are the
    crawl's own final figures, those the display ends on, not zeros."""
    db_file = tmp_path / "w"
    # Latency makes the crawl last long enough (≈ 10 s) to be stopped midway.
    with Mirror(size=300, slow_seconds=0.2, latency_seconds=0.05) as m:
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(db_file), "backfill", "--portal",
                                "hatinh", "--since", "2020-01-01", "--mirror-url", m.base_url],
                               cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "COLUMNS": "200"})
        job = staging.Job.for_backfill(db_file, "hatinh", "2020-01-01", None)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                if json.loads(job.progress_file.read_text())["pages"] >= 40:
                    break
            time.sleep(0.1)
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    final = json.loads(job.progress_file.read_text())
    assert final["finished"] == "shutdown" and final["pages"] >= 40
    row = summary_row(out, "hatinh")
    assert row[1] == "interrupted"
    assert [int(c) for c in row[2:5]] == [final["requests"], final["listing_pages"], final["pages"]]
    assert re.search(rf"^hatinh .* {final['listing_pages']} listing pages\s+{final['pages']} articles interrupted",
                     err, re.M), err
    [batch_dir] = staging.batches_root(db_file).glob("*-hatinh")
    assert {k: v for k, v in progress.read(batch_dir).items() if k in final} == final  # the display's file
