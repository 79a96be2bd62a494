"""Crawl portals into staged batches, one batch per portal. Run in a child process: Scrapy's
reactor cannot be restarted inside a process, so the flow starts this module per process.

One portal (users, check-portals):

    python -m spiders.crawl yenbai --batch-dir data/batches/X [--known-urls F] [--since D]
        [--until D] [--mirror-url URL | --base-url URL] [--jobdir DIR] [-s NAME=VALUE]...

Exit status: 0 done, 1 did not finish, 3 no listing page could be fetched, 130 stopped by
SIGINT/SIGTERM; the cause of a failure is stderr's last line.

Several portals in one Scrapy process (the flow's runs):

    python -m spiders.crawl --crawls FILE      (`-`: read it from stdin)

FILE is a JSON list of crawls, each the fields of `Crawl`, run in that order: live portals all at
once, loopback ones (the mirror) a few at a time (`at_once`). Each crawler has its own settings
(batch directory, JOBDIR, `-s` overrides) and its own `crawl.log`; as each crawl ends, one JSON
line on stdout gives its outcome (`Outcome`: the portal, the exit status it would have had alone,
the cause in one line), while the other crawls go on. One crawl failing does not stop the others.

On success the batch directory holds `pages.jsonl.gz` and, written last, `manifest.json`. With a
JOBDIR, a stopped crawl resumes where it stopped when run again with the same job and batch
directories (Scrapy's JOBDIR keeps the queue and the requests already seen).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import sys
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

MANIFEST = "manifest.json"
LOG_FILE = "crawl.log"
INTERRUPTED = 130  # exit status of a crawl stopped by a signal: resumable, not a failure to retry
SPIDER_ARGS = ("known_urls", "since", "until", "mirror_url", "base_url")


@dataclass
class Crawl:
    """One portal's crawl into one batch directory (strings, as on a command line)."""
    portal: str
    batch_dir: str
    known_urls: str | None = None
    since: str | None = None        # YYYY-MM-DD
    until: str | None = None
    mirror_url: str | None = None
    base_url: str | None = None
    jobdir: str | None = None       # Scrapy's JOBDIR: a resumable crawl (a backfill)
    settings: dict = field(default_factory=dict)  # `-s NAME=VALUE` overrides

    def spider_args(self) -> dict:
        return {name: getattr(self, name) for name in SPIDER_ARGS if getattr(self, name)}


@dataclass
class Outcome:
    portal: str
    status: int      # as the one-portal command's exit status
    message: str = ""  # the cause of a failure, one line


def command(portal: str, batch_dir, *, known_urls=None, since=None, until=None, mirror_url=None,
            base_url=None, jobdir=None, settings: dict | None = None) -> list[str]:
    """The argument list that runs this module for one portal (never a shell string)."""
    cmd = [sys.executable, "-m", "spiders.crawl", portal, "--batch-dir", str(batch_dir)]
    for flag, value in (("--known-urls", known_urls), ("--since", since), ("--until", until),
                        ("--mirror-url", mirror_url), ("--base-url", base_url), ("--jobdir", jobdir)):
        if value:
            cmd += [flag, str(value)]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def shared_command() -> list[str]:
    """The argument list of a process that crawls the portals given on its stdin."""
    return [sys.executable, "-m", "spiders.crawl", "--crawls", "-"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m spiders.crawl")
    ap.add_argument("portal", nargs="?")
    ap.add_argument("--batch-dir")
    ap.add_argument("--known-urls")
    ap.add_argument("--since")
    ap.add_argument("--until")
    ap.add_argument("--mirror-url")
    ap.add_argument("--base-url")
    ap.add_argument("--jobdir")
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--crawls", metavar="FILE", help="a JSON list of crawls to run at once (- for stdin)")
    args = ap.parse_args(argv)

    if args.crawls:
        if args.crawls == "-":
            # Started ahead of its crawls (`flows.crawls.started_early`): Scrapy and the spiders
            # are imported while the run gets the crawls ready; no crawls at all ends it.
            import scrapy.crawler  # noqa: F401
            import spiders.portal_spider  # noqa: F401
        text = sys.stdin.read() if args.crawls == "-" else Path(args.crawls).read_text()
        if not text.strip():
            return 0
        run([Crawl(**c) for c in json.loads(text)],
            lambda outcome: print(json.dumps(asdict(outcome)), flush=True))
        return 0
    if not (args.portal and args.batch_dir):
        ap.error("give a portal and --batch-dir, or --crawls")
    outcomes: list[Outcome] = []
    run([Crawl(args.portal, args.batch_dir, args.known_urls, args.since, args.until, args.mirror_url,
               args.base_url, args.jobdir, dict(pair.partition("=")[::2] for pair in args.set))],
        outcomes.append)
    [outcome] = outcomes
    if outcome.message:
        print(outcome.message, file=sys.stderr)
    return outcome.status


# Measured on the mirror (a 10,000-article backfill, 2 crawl processes of 9 portals each, wall
# time): 3 at a time against all 9 at once, three alternating pairs, 66.4, 65.4 and 62.3 s
# against 74.5, 73.5 and 67.4 s; single runs an hour before: 1 at a time 72 s, 2: 61, 3: 53 and
# 59, 4: 53 (one at a time was slower than all at once).
LOOPBACK_AT_ONCE = 3


def at_once(crawls: list[Crawl]) -> int:
    """How many of a process's crawls run at the same time. A live portal's crawl mostly waits
    on its politeness delay: all of them at once. A loopback one (the mirror) has no delay and
    is bound by CPU: LOOPBACK_AT_ONCE keep the process's core busy, and the crawls started in
    turn end one after another, so that the run loads each batch while the later ones crawl,
    where crawls started together all end together and the loads come after them all."""
    from spiders.urls import is_loopback

    if crawls and all(is_loopback(c.mirror_url or c.base_url) for c in crawls):
        return LOOPBACK_AT_ONCE
    return max(len(crawls), 1)


def run(crawls: list[Crawl], report: Callable[[Outcome], None]) -> None:
    """Run the crawls in this process, `at_once(crawls)` at a time, in their order; `report`
    gets each one's outcome as it ends. Once stopped by a signal, the crawls not started yet
    end at once, interrupted (resumable, as the stopped ones are)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor

    settings = get_project_settings()
    # No root log handler: Scrapy's LOG_FILE is one per process. Each crawl has a CrawlLog.
    process = CrawlerProcess(settings, install_root_handler=False)
    log_at(_lowest_level([c.settings.get("LOG_LEVEL", settings["LOG_LEVEL"]) for c in crawls]))
    if settings["TWISTED_REACTOR"]:  # else Twisted's default, installed by the first import of it
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    waiting = list(crawls)
    stopped = _watch_stop_signals()

    def start_next() -> None:
        # Called as each crawl ends: the next one starts before Scrapy's wait for the process's
        # active crawls looks again, so the process ends only after the last.
        while waiting and stopped.is_set():
            crawl = waiting.pop(0)
            report(Outcome(crawl.portal, INTERRUPTED, f"crawl of {crawl.portal} stopped before it began"))
        if waiting:
            crawl = waiting.pop(0)
            try:
                _start(process, settings, crawl, report, then=start_next)
            except Exception as e:  # its settings, say: the process's other crawls go on
                report(Outcome(crawl.portal, 1, f"crawl of {crawl.portal} could not start: {e!r}"))
                start_next()

    for _ in range(at_once(crawls)):
        start_next()
    freeze_start_up_heap()  # Scrapy, Twisted and the spiders are imported and set up by now
    process.start()


def freeze_start_up_heap() -> None:
    """Called once a process has imported and set up what it works with (a crawl process, and a
    terminal run's process before its flow): all of that lives as long as the process, and
    frozen it is no longer walked by each full pass of the cyclic garbage collector, which the
    requests' objects and the loads' small lists and sets set off dozens of times a run. In a
    10,000-article backfill those passes took 1.0 s of the run's process's 20 s instead of 2.0,
    and 0.15 s of a crawl process's 17 s instead of 0.5 (README, "The latest steps")."""
    gc.collect()  # what is garbage already is freed, not frozen
    gc.freeze()


def log_at(level: int) -> None:
    """Records below `level` are not even built. Scrapy sets its own logger to DEBUG and the root
    logger to NOTSET and lets the handlers filter: each response's and each item's DEBUG record
    (8 us each) was built for nothing at the usual INFO. Called after Scrapy set up logging."""
    logging.root.setLevel(level)
    logging.getLogger("scrapy").setLevel(level)


def _lowest_level(levels: list) -> int:
    """The lowest of LOG_LEVEL values (names or numbers); NOTSET for one logging does not know
    (the crawl that has it fails to start, and says why)."""
    known = logging.getLevelNamesMapping()
    numbers = [int(level) if str(level).isdigit() else known.get(str(level).upper()) for level in levels]
    return logging.NOTSET if not numbers or None in numbers else min(numbers)


def _watch_stop_signals() -> threading.Event:
    """An event set when SIGINT or SIGTERM arrives (Scrapy's handlers, installed as the
    reactor starts, still do the stopping)."""
    import signal

    from twisted.internet import reactor

    stopped = threading.Event()

    def wrap() -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            scrapy_handler = signal.getsignal(signum)
            if callable(scrapy_handler):
                def handler(num, frame, scrapy_handler=scrapy_handler):
                    stopped.set()
                    scrapy_handler(num, frame)
                signal.signal(signum, handler)

    # After the reactor's start-up triggers, among them the one installing Scrapy's handlers.
    reactor.callWhenRunning(reactor.callLater, 0, wrap)
    return stopped


def _start(process, project_settings, crawl: Crawl, report: Callable[[Outcome], None],
           then: Callable[[], None]) -> None:
    """Start one crawl; `then` is called once its outcome is reported."""
    from scrapy.crawler import Crawler

    from spiders.portal_spider import SPIDERS

    if crawl.portal not in SPIDERS:
        report(Outcome(crawl.portal, 1, f"unknown portal {crawl.portal!r}"))
        then()
        return
    started = datetime.now(timezone.utc)
    batch = Path(crawl.batch_dir)
    batch.mkdir(parents=True, exist_ok=True)
    settings = project_settings.copy()  # this crawler's own: its batch, its job, its overrides
    settings.set("PROVNEWS_BATCH_DIR", str(batch))
    if crawl.jobdir:
        settings.set("JOBDIR", crawl.jobdir)
    for name, value in crawl.settings.items():
        settings.set(name, value, priority="cmdline")
    crawler = Crawler(SPIDERS[crawl.portal], settings)  # copies the settings once more
    log = CrawlLog(crawler, batch / LOG_FILE)
    with log.starting():
        done = process.crawl(crawler, **crawl.spider_args())
    log.count_only_own()

    def finished(result):
        try:
            outcome = _finish(crawl, crawler, started, result)
        except Exception as e:  # the manifest could not be written, say
            logging.getLogger(__name__).exception("crawl of %s could not finish", crawl.portal,
                                                  extra={"crawler": crawler})
            outcome = Outcome(crawl.portal, 1, f"crawl of {crawl.portal} did not finish: {e!r}")
        log.detach()
        report(outcome)
        then()

    done.addBoth(finished)


def _finish(crawl: Crawl, crawler, started: datetime, result) -> Outcome:
    """Write the manifest of a complete batch, last; the crawl's outcome."""
    from twisted.python.failure import Failure

    from scrapy.utils.log import failure_to_exc_info

    from spiders.portal_spider import SPIDERS
    from spiders.progress import PROBLEM_STAT, counts, save_counts

    portal, batch = crawl.portal, Path(crawl.batch_dir)
    if isinstance(result, Failure):  # the crawler could not start (the spider's arguments, say)
        logging.getLogger(__name__).error("crawl of %s failed", portal, exc_info=failure_to_exc_info(result),
                                          extra={"crawler": crawler})
        return Outcome(portal, 1, f"crawl of {portal} failed: {result.getErrorMessage()}")
    finish = crawler.stats.get_value("finish_reason", "unknown")
    manifest = {
        "portal": portal,
        "definition_version": SPIDERS[portal].portal.version,  # the load cleans with this one
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "finish_reason": finish,
        **counts(crawler.stats, crawl.jobdir),
        "since": crawl.since, "until": crawl.until,
    }
    if finish == "closespider_timeout":
        # The portal's crawl reached PROVNEWS_CRAWL_TIMEOUT: what was fetched is complete pages,
        # so the batch loads; the load records the timeout as a reject, which makes the portal's
        # next crawl walk on past known listing pages (warehouse.runs.cut_short).
        finish = "finished"
        manifest["timed_out"] = True
    if finish == "finished" and not manifest["listing_pages"]:
        # Not one listing page: the portal is down or refuses us. Fail, so that the run says so.
        # The cause in one line (DNS, refused, timeout, HTTP status), read by the run and check-portals.
        return Outcome(portal, 3, f"no listing page of {portal} could be fetched: "
                                  f"{crawler.stats.get_value(PROBLEM_STAT) or 'cause unknown'}")
    # Stopped or broken off: leave no manifest, so the batch is never loaded as if complete.
    if finish == "shutdown":
        if crawl.jobdir:
            save_counts(crawler.stats, crawl.jobdir)
        return Outcome(portal, INTERRUPTED, f"crawl of {portal} stopped; resumable: {bool(crawl.jobdir)}")
    if finish != "finished" or not (batch / "pages.jsonl.gz").exists():
        return Outcome(portal, 1, f"crawl of {portal} did not finish ({finish})")
    tmp = batch / (MANIFEST + ".part")
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, batch / MANIFEST)
    return Outcome(portal, 0)


class CrawlLog(logging.FileHandler):
    """One crawl's `crawl.log` in a process of several crawls (Scrapy's LOG_FILE would be one
    file for all). It takes a record that names its crawler (`extra={"crawler": ...}`) or its
    spider (`extra={"spider": ...}`, as Scrapy's records about a crawl mostly do, and the
    spider's own logger), and one logged while this crawl starts (Scrapy's overridden settings,
    the enabled middlewares). A record that names no crawl is the process's (a signal received,
    an error of Twisted's): it goes to the log of every crawl still running, which it may
    concern. A crawl alone in its process therefore logs what Scrapy's LOG_FILE would hold."""

    _starting = None  # the crawler being started, if any

    def __init__(self, crawler, path: Path):
        settings = crawler.settings
        super().__init__(path, mode="w", encoding=settings.get("LOG_ENCODING"))
        self.crawler = crawler
        self.setFormatter(logging.Formatter(fmt=settings.get("LOG_FORMAT"), datefmt=settings.get("LOG_DATEFORMAT")))
        self.setLevel(settings.get("LOG_LEVEL"))
        self.addFilter(self.owns)
        logging.root.addHandler(self)

    def owns(self, record: logging.LogRecord) -> bool:
        owner = (getattr(record, "crawler", None) or getattr(getattr(record, "spider", None), "crawler", None)
                 or CrawlLog._starting)
        return owner is None or owner is self.crawler

    @contextlib.contextmanager
    def starting(self):
        CrawlLog._starting = self.crawler
        try:
            yield
        finally:
            CrawlLog._starting = None

    def count_only_own(self) -> None:
        """Scrapy counts every record of the process into each crawler's stats (`log_count/...`,
        once the crawl has started): count this crawl's and the process's only, as its log does."""
        from scrapy.utils.log import LogCounterHandler
        for handler in logging.root.handlers:
            if isinstance(handler, LogCounterHandler) and handler.crawler is self.crawler:
                handler.addFilter(self.owns)

    def detach(self) -> None:
        """The crawl has ended: its log is complete."""
        logging.root.removeHandler(self)
        self.close()


if __name__ == "__main__":
    sys.exit(main())
