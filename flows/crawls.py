"""A run's crawl processes. Scrapy's reactor cannot be restarted inside a process, so crawls run
in child processes (`python -m spiders.crawl --crawls -`), but one process runs many crawls at
once: each is one Scrapy crawler with its own settings, log and batch.

The first attempts of a run's portals go to at most PROVNEWS_CRAWL_PROCESSES processes (default:
the machine's cores), the portals spread over them in the order the run loads their batches. A
live portal's crawl mostly waits on its politeness delay, so one process crawls all of its
portals at once, each at its one request per second; against the mirror the crawls are bound by
CPU, which a process per core uses, a few crawls at a time (`spiders.crawl.at_once`). A process
reports each crawl's outcome as that crawl ends (a JSON line on its stdout), so a portal's batch
is loaded while the other crawls of its process go on, and one portal failing fails only its
own outcome. A retry runs its portal alone, in a new process, as a crawl of a
failed portal did before: at most as many such processes at once as the run's first ones.

Ctrl-C (`stop_crawls`) reaches every crawl process; each stops as Scrapy does on a first SIGINT
(every crawl in it ends `shutdown`, resumable). A process still running CRAWL_KILL_SECONDS after
it started is hung past every crawl's time bound, and is killed.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import asdict
from pathlib import Path

from spiders.crawl import LOG_FILE, Crawl, Outcome, shared_command
from spiders.settings import CLOSESPIDER_TIMEOUT

# A crawl stops itself at PROVNEWS_CRAWL_TIMEOUT (Scrapy's CLOSESPIDER_TIMEOUT) and keeps what
# it fetched; a crawl still running this long after that is hung, and is killed.
CRAWL_KILL_SECONDS = CLOSESPIDER_TIMEOUT + 600
KILLED = f"the crawl was still running {CRAWL_KILL_SECONDS} s after its time bound (PROVNEWS_CRAWL_TIMEOUT): killed"

_running: set["CrawlProcess"] = set()
_stop_requested = threading.Event()
# Crawl processes started before a run knew its crawls (`started_early`), waiting for them.
_early: list[subprocess.Popen] = []


def crawl_processes() -> int:
    """PROVNEWS_CRAWL_PROCESSES, read for each run: crawl processes a run starts at once
    (default: the cores this process may run on)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(int(os.environ.get("PROVNEWS_CRAWL_PROCESSES") or cores or 1), 1)


def _spawn() -> subprocess.Popen:
    return subprocess.Popen(shared_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@contextlib.contextmanager
def started_early(processes: int):
    """Start the run's crawl processes at once, before it knows its crawls (the warehouse's URL
    keys, say): each imports Scrapy and the spiders, about 0.7 s, meanwhile, then waits for its
    crawls on stdin. `CrawlProcess` takes them first. Those still waiting at the block's end are
    told there is nothing to crawl, and end. Inside another such block (the command line's,
    started before Prefect), only those missing are started."""
    _early.extend(_spawn() for _ in range(processes - len(_early)))
    try:
        yield
    finally:
        while _early:
            proc = _early.pop()
            with contextlib.suppress(OSError):
                proc.stdin.close()
            proc.wait()


def stop_crawls(*_signal_args) -> None:
    """Ask every running crawl to stop cleanly, as Ctrl-C does, and start no new one. The CLI
    installs this as its SIGINT handler; the run then loads what was staged and reports."""
    _stop_requested.set()
    for proc in list(_running):
        proc.interrupt()


def stop_requested() -> bool:
    return _stop_requested.is_set()


class CrawlProcess:
    """One child process crawling `crawls` at once; `outcome(portal)` waits for one of them."""

    def __init__(self, crawls: list[Crawl], slot: threading.Semaphore | None = None):
        self.slot = slot  # released when the process has ended
        self.outcomes: dict[str, Outcome] = {}
        self.ended = False
        self.killed = False
        self._changed = threading.Condition()
        self._stderr: collections.deque[str] = collections.deque(maxlen=5)
        for crawl in crawls:  # an earlier attempt's log, relayed then: the new one starts empty
            (Path(crawl.batch_dir) / LOG_FILE).unlink(missing_ok=True)
        self.deadline = time.monotonic() + CRAWL_KILL_SECONDS
        try:
            self.proc = _early.pop()
        except IndexError:
            self.proc = _spawn()
        _running.add(self)
        if _stop_requested.is_set():  # asked while this process was being started
            self.interrupt()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        threading.Thread(target=self._read_outcomes, daemon=True).start()
        with contextlib.suppress(BrokenPipeError):  # it died at once: its stderr says why
            self.proc.stdin.write(json.dumps([asdict(c) for c in crawls]))
            self.proc.stdin.close()

    def interrupt(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGINT)

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:  # read to the end, or a full pipe would block the crawls
            if line.strip():
                self._stderr.append(line.strip())

    def _read_outcomes(self) -> None:
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError, TypeError):
                outcome = Outcome(**json.loads(line))
                with self._changed:
                    self.outcomes[outcome.portal] = outcome
                    self._changed.notify_all()
        self.proc.wait()
        _running.discard(self)
        if self.slot:
            self.slot.release()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    def outcome(self, portal: str) -> Outcome:
        """The portal's outcome, once its crawl has ended (or its process, or the kill)."""
        with self._changed:
            if not self._changed.wait_for(lambda: portal in self.outcomes or self.ended,
                                          timeout=max(self.deadline - time.monotonic(), 0)):
                self.killed = True
                self.proc.kill()
                self._changed.wait_for(lambda: self.ended)
            if portal in self.outcomes:
                return self.outcomes[portal]
        if self.killed:
            return Outcome(portal, -signal.SIGKILL, KILLED)
        if _stop_requested.is_set():  # stopped before its handlers were in place
            return Outcome(portal, 130, f"crawl of {portal} stopped before it began")
        last = self._stderr[-1] if self._stderr else "no message"
        return Outcome(portal, 1, f"the crawl process ended (exit status {self.proc.returncode}) "
                                  f"before the crawl of {portal} did: {last}")


class RunCrawls:
    """The crawl processes of one run: the first attempts of its portals, started at once in
    at most `processes` processes, and the retries, each alone in a process of its own, at most
    `processes` of them at once."""

    def __init__(self, crawls: list[Crawl], processes: int):
        self.first: dict[str, CrawlProcess] = {}
        self.retries = threading.BoundedSemaphore(processes)
        if _stop_requested.is_set():
            return
        # In the order of their batches' names, the run's load order: those loaded first start first.
        crawls = sorted(crawls, key=lambda c: Path(c.batch_dir).name)
        n = min(processes, len(crawls))
        for group in (crawls[i::n] for i in range(n)):
            proc = CrawlProcess(group)
            self.first.update((c.portal, proc) for c in group)

    def first_attempt(self, portal: str) -> CrawlProcess | None:
        """The process of the portal's first attempt, once; None after (or if none was started)."""
        return self.first.pop(portal, None)

    def alone(self, crawl: Crawl) -> CrawlProcess:
        """A process for this crawl alone (a retry), once fewer than `processes` run."""
        self.retries.acquire()
        try:
            return CrawlProcess([crawl], slot=self.retries)
        except BaseException:
            self.retries.release()
            raise
