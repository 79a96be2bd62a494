"""Several portals' crawls in one Scrapy process: a run starts its crawls in at most
PROVNEWS_CRAWL_PROCESSES processes (seen for real: the crawl processes alive, and the `pid` each
crawl writes into its progress file); a portal failing in a shared process leaves the others of
that process loaded and is retried alone, in a process of its own; each portal's task log relays
its own crawl's warnings and no other portal's. Against the mirror a process crawls a few
portals at a time, in load order, and Ctrl-C ends those not begun."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogHandler

from flows import staging
from flows.ingest import ingest, run_flow
from mirror.server import Mirror
from spiders import progress
from spiders.crawl import LOG_FILE, Crawl, _lowest_level, log_at
from tests.conftest import REPO
from warehouse.location import locate


def crawl_processes_alive() -> set[int]:
    """The `python -m spiders.crawl` processes among this process's descendants."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(stat.parent.name)
            parents[pid] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            commands[pid] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    mine = set()
    for pid, command in commands.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != os.getpid():
            ancestor = parents.get(ancestor)
        if ancestor and "-m spiders.crawl" in command:
            mine.add(pid)
    # A crawl process forks once at start (Scrapy logs the platform: `uname -p`); until that child
    # execs it shows its parent's command line, and it is not a crawl process of its own.
    return {pid for pid in mine if parents[pid] not in mine}


class Watch:
    """While a run goes on, every 0.05 s: the crawl processes alive (the most at once, all seen)
    and, per portal, the crawl processes its progress file named; `on_progress` sees each write."""

    def __init__(self, root: Path, portals: list[str], on_progress=None):
        self.root, self.portals, self.on_progress = root, portals, on_progress
        self.most_at_once, self.seen = 0, set()
        self.pids: dict[str, list[int]] = {p: [] for p in portals}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _watch(self):
        while not self._stop.wait(0.05):
            alive = crawl_processes_alive()
            self.most_at_once = max(self.most_at_once, len(alive))
            self.seen |= alive
            for batch in self.root.glob("*-*") if self.root.exists() else ():
                portal = batch.name.split("-", 1)[1]
                data = progress.read(batch)
                if portal in self.pids and data:
                    if data["pid"] not in self.pids[portal]:
                        self.pids[portal].append(data["pid"])
                    if self.on_progress:
                        self.on_progress(portal, data)


def test_a_runs_crawls_use_at_most_PROVNEWS_CRAWL_PROCESSES_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVNEWS_CRAWL_PROCESSES", "2")
    portals = ["baolaocai", "caobang", "danang", "hatinh", "khanhhoa"]
    db_file = tmp_path / "w"
    with Mirror(size=30, slow_seconds=0.1) as m, \
            Watch(staging.batches_root(locate(db_file)), portals) as watch:
        report = run_flow(ingest, portals=portals, mirror_url=m.base_url, db_path=str(db_file))
    assert {p: r.status for p, r in report.portals.items()} == dict.fromkeys(portals, "loaded")
    assert all(len(pids) == 1 for pids in watch.pids.values()), watch.pids  # one attempt each
    shared = {p: pids[0] for p, pids in watch.pids.items()}
    assert len(set(shared.values())) == 2 and set(shared.values()) <= watch.seen, (shared, watch.seen)
    assert watch.most_at_once <= 2 and len(watch.seen) == 2, (watch.most_at_once, watch.seen)
    # Portals spread over both: the portals in order, one to each process in turn.
    assert shared["baolaocai"] == shared["danang"] == shared["khanhhoa"] != shared["caobang"] == shared["hatinh"]


def test_a_portal_failing_in_a_shared_process_is_retried_alone_and_the_others_load(tmp_path, monkeypatch):
    """All three portals in one process; hatinh is down for its first attempt only. Its retry runs
    alone in a new process and loads; the other two, crawled beside its failure, load too. Each
    portal's task log holds its own crawl's warnings and errors, no other portal's."""
    monkeypatch.setenv("PROVNEWS_CRAWL_PROCESSES", "1")
    monkeypatch.setenv("PROVNEWS_RETRY_TIMES", "0")
    portals = ["caobang", "hatinh", "sonla"]
    db_file = tmp_path / "w"
    with Mirror(size=30, slow_seconds=0.1) as m:
        m.down.add("hatinh")

        def back_up_once_failed(portal, data):  # before the retry, 1 s later (PROVNEWS_CRAWL_RETRY_DELAYS)
            if portal == "hatinh" and data.get("problem"):
                m.down.discard("hatinh")

        with Watch(staging.batches_root(locate(db_file)), portals, back_up_once_failed) as watch:
            state = ingest(portals=portals, mirror_url=m.base_url, db_path=str(db_file), return_state=True)
    report = state.result()
    assert {p: r.status for p, r in report.portals.items()} == dict.fromkeys(portals, "loaded")
    assert all(r.new > 0 for r in report.portals.values())
    shared = watch.pids["caobang"]
    assert len(shared) == 1 and watch.pids["sonla"] == shared  # the three in one process ...
    first, retry = watch.pids["hatinh"]
    assert first == shared[0] and retry not in shared  # ... and hatinh's retry in one of its own
    assert watch.most_at_once <= 2 and watch.seen == {first, retry}

    relayed = task_logs(state.state_details.flow_run_id)
    hatinh = relayed["crawl-hatinh"]
    assert any("Gave up retrying" in line and "/hatinh.gov.vn/" in line for line in hatinh), hatinh
    for task, lines in relayed.items():
        portal = task.removeprefix("crawl-")
        assert all(line.startswith(f"{portal} crawl log: ") for line in lines), (task, lines)
        others = [p for p in portals if p != portal]
        assert not [line for line in lines if any(f"/{p}.gov.vn/" in line for p in others)], (task, lines)


def task_logs(flow_run_id) -> dict[str, list[str]]:
    """The relayed crawl-log lines of each crawl task of the run, by task name."""
    APILogHandler().flush()  # the run's logs, sent to the API in the background
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        names = {run.id: run.name for run in runs if run.name.startswith("crawl-")}
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    out: dict[str, list[str]] = {name: [] for name in names.values()}
    for log in logs:
        if log.task_run_id in names and " crawl log: " in log.message:
            out[names[log.task_run_id]].append(log.message)
    return out


def test_ctrl_c_stops_every_crawl_of_every_crawl_process(tmp_path):
    """A backfill of four portals in two processes, stopped by SIGINT midway: every crawl stops
    cleanly (resumable), the command exits 130 and no crawl process is left behind."""
    import json
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    portals = ["caobang", "danang", "hatinh", "sonla"]
    db_file = tmp_path / "w"
    jobs = {p: staging.Job.for_backfill(db_file, p, "2020-01-01", None) for p in portals}
    with Mirror(size=600, slow_seconds=0.2, latency_seconds=0.05) as m:
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(db_file), "backfill", "--since",
                                "2020-01-01", *[a for p in portals for a in ("--portal", p)], "--mirror-url",
                                m.base_url], cwd=REPO, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "PROVNEWS_CRAWL_PROCESSES": "2"})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(
                (progress.read(job.scrapy_dir) or {}).get("pages", 0) >= 10 for job in jobs.values()):
            time.sleep(0.1)
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    stopped = {p: json.loads(job.progress_file.read_text()) for p, job in jobs.items()}
    assert all(s["finished"] == "shutdown" for s in stopped.values()), stopped
    assert len({s["pid"] for s in stopped.values()}) == 2
    assert not crawl_processes_alive() and not any(Path(f"/proc/{s['pid']}").exists() for s in stopped.values())
    assert not staging.complete(staging.batches_root(db_file))  # nothing loaded as if complete


def test_crawl_processes_started_early_take_the_crawls_or_end(mirror, tmp_path):
    """A run starts its crawl processes before it knows its crawls (they import Scrapy
    meanwhile): the crawls go to them, and one left without crawls ends, having crawled nothing."""
    from flows import crawls
    from spiders.crawl import MANIFEST, Crawl

    with crawls.started_early(2):
        early = list(crawls._early)
        run = crawls.RunCrawls([Crawl("caobang", str(tmp_path / "caobang"), mirror_url=mirror.base_url)], 1)
        proc = run.first_attempt("caobang")
        assert proc.proc in early and len(crawls._early) == 1
        assert proc.outcome("caobang").status == 0
    assert (tmp_path / "caobang" / MANIFEST).exists()
    (unused,) = [p for p in early if p is not proc.proc]
    assert unused.returncode == 0 and unused.stdout.read() == ""
    assert crawls._early == []


def test_crawl_processes_started_before_prefect_are_the_runs():
    """The command line starts the crawl processes before Prefect, and the run's own block then
    starts only those missing: no process more than the run uses, and none left behind."""
    from flows import crawls

    with crawls.started_early(2):
        before = list(crawls._early)
        with crawls.started_early(2):
            assert crawls._early == before
        assert crawls._early == [] and all(p.returncode == 0 for p in before)  # the run's block ends them
    with crawls.started_early(1):
        before = list(crawls._early)
        with crawls.started_early(2):
            assert crawls._early[:1] == before and len(crawls._early) == 2
    assert crawls._early == []


def _started_at(pid: int) -> float:
    """When a process started, in seconds since the epoch (/proc: clock ticks since boot; the
    boot's time from the uptime, to the hundredth of a second, not /proc/stat's whole seconds)."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    boot = time.time() - float(Path("/proc/uptime").read_text().split()[0])
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def test_a_commands_crawls_run_in_the_processes_it_started_before_its_flow_run(mirror, tmp_path):
    """`provnews ingest` starts its crawl processes before Prefect's flow run begins (they import
    Scrapy meanwhile, on the other core), and the run crawls in them: every crawl process of the
    command began before its flow run did, and there are no more of them than the run uses."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows import crawls
    from tests.conftest import cli_api_url, finish_cli, start_cli

    proc = start_cli("--db", str(tmp_path / "w"), "ingest", "--portal", "caobang", "--portal", "hatinh",
                     "--mirror-url", mirror.base_url)
    started: dict[int, float] = {}
    while proc.poll() is None:
        for pid in crawl_processes_alive():
            with contextlib.suppress(OSError):
                started.setdefault(pid, _started_at(pid))
        time.sleep(0.02)
    out = finish_cli(proc)
    assert out.returncode == 0, out.stderr
    with temporary_settings({PREFECT_API_URL: cli_api_url()}), get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(limit=1, sort="START_TIME_DESC")  # the command's: this test process's server
    assert run.state.is_completed() and len(started) == min(crawls.crawl_processes(), 2), started
    assert all(at < run.start_time.timestamp() for at in started.values()), (started, run.start_time)


def test_loopback_crawls_run_a_few_at_a_time_and_ctrl_c_ends_those_not_begun(tmp_path):
    """Against the mirror, crawls are bound by CPU: a process runs LOOPBACK_AT_ONCE of its
    portals at a time, in the order the run loads them. Stopped by SIGINT, the crawls that had
    begun stop resumable and the one that had not ends interrupted too, never started: the
    command exits 130, and no batch is loaded as if complete (resuming is test_operations'). The
    run's last log lines reach Prefect's temporary API before it stops."""
    import signal
    import subprocess
    import sys

    from spiders.crawl import LOOPBACK_AT_ONCE
    from tests.conftest import REPO
    from tests.prefect_server import wait_for

    portals = ["caobang", "danang", "hatinh", "sonla"]
    assert LOOPBACK_AT_ONCE == len(portals) - 1
    db_file = tmp_path / "w"
    jobs = {p: staging.Job.for_backfill(db_file, p, "2020-01-01", None) for p in portals}
    with Mirror(size=600, slow_seconds=0.2, latency_seconds=0.05) as m:
        run = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(db_file), "backfill", "--since",
                                "2020-01-01", *[a for p in reversed(portals) for a in ("--portal", p)],
                                "--mirror-url", m.base_url], cwd=REPO, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PROVNEWS_CRAWL_PROCESSES": "1"})
        first = portals[:LOOPBACK_AT_ONCE]  # the load order, whatever the order given
        wait_for(lambda: all((progress.read(jobs[p].scrapy_dir) or {}).get("pages", 0) >= 10 for p in first),
                 what="10 pages of each of the first three crawls", every=0.1)
        waited = progress.read(jobs["sonla"].scrapy_dir)
        os.killpg(run.pid, signal.SIGINT)
        out, err = run.communicate(timeout=120)
    assert waited is None  # not begun while three others crawled
    assert run.returncode == 130, err
    stopped = {p: progress.read(jobs[p].scrapy_dir) for p in first}
    assert all(s["finished"] == "shutdown" for s in stopped.values()), stopped
    assert progress.read(jobs["sonla"].scrapy_dir) is None
    assert "sonla: crawl of sonla stopped by a signal; the same backfill resumes it" in out, out
    assert "Error logging to API" not in err, err
    assert not crawl_processes_alive()
    assert not staging.complete(staging.batches_root(db_file))


def test_each_crawl_of_a_shared_process_logs_at_its_own_level(mirror, tmp_path):
    """The process's root logger stands at the lowest level of its crawls, so that with every
    crawl at INFO Scrapy's per-response DEBUG records are not even built: a crawl at DEBUG
    beside one at INFO still logs each response, and the other still does not."""
    crawls = [Crawl("caobang", str(tmp_path / "caobang"), mirror_url=mirror.base_url, settings={"LOG_LEVEL": "DEBUG"}),
              Crawl("sonla", str(tmp_path / "sonla"), mirror_url=mirror.base_url)]
    (tmp_path / "crawls.json").write_text(json.dumps([asdict(c) for c in crawls]))
    done = subprocess.run([sys.executable, "-m", "spiders.crawl", "--crawls", str(tmp_path / "crawls.json")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.count('"status": 0') == 2, done.stdout + done.stderr
    at_debug = (tmp_path / "caobang" / LOG_FILE).read_text()
    at_info = (tmp_path / "sonla" / LOG_FILE).read_text()
    assert "DEBUG: Crawled (200)" in at_debug and "/caobang.gov.vn/" in at_debug
    assert "INFO: Spider closed (finished)" in at_info and "DEBUG" not in at_info


def test_below_the_crawls_lowest_level_no_log_record_is_built():
    from scrapy.utils.log import configure_logging

    engine, saved = logging.getLogger("scrapy.core.engine"), (logging.root.level, logging.getLogger("scrapy").level)
    try:
        configure_logging(install_root_handler=False)  # as the crawl process's CrawlerProcess does
        assert engine.isEnabledFor(logging.DEBUG)  # Scrapy's own setting: its handlers filter
        log_at(_lowest_level(["INFO", "WARNING"]))
        assert not engine.isEnabledFor(logging.DEBUG) and engine.isEnabledFor(logging.INFO)
        log_at(_lowest_level(["INFO", "DEBUG"]))
        assert engine.isEnabledFor(logging.DEBUG)
    finally:
        logging.root.setLevel(saved[0])
        logging.getLogger("scrapy").setLevel(saved[1])


def test_the_root_log_level_is_the_lowest_of_the_crawls():
    assert _lowest_level(["INFO", "WARNING"]) == logging.INFO
    assert _lowest_level(["INFO", "debug"]) == logging.DEBUG
    assert _lowest_level(["INFO", "15"]) == 15
    assert _lowest_level(["INFO", "LOUD"]) == logging.NOTSET  # that crawl fails to start, and says why
