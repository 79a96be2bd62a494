"""Extension: every crawl writes its progress to `progress.json` in its batch directory, four
times a second and once more as it closes: its counters, the share of a backfill's date range
covered, when it started, the crawl process (`pid`: several portals' crawls may share one), how it
finished and, if it failed, why, in one line (`problem`).

The crawl runs in a child process, so a file is the simplest channel. The terminal draws the
run's display from it (`flows.progress`), the run report takes the figures of a portal that was
not loaded from it, and `check-portals` the cause of a failure; it outlives the crawl, for a last
look after Ctrl-C or a failure. A resumable crawl also writes it into its JOBDIR
(`staging.Job.progress_file`).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

PROGRESS_FILE = "progress.json"
EARLIER_COUNTS_FILE = "earlier_counts.json"  # what the interrupted parts of a resumed crawl counted
# Against the mirror a crawl fetches about a hundred pages a second: written once a second, the
# file trailed the crawl by that much, and the display jumped when the last write came.
INTERVAL_SECONDS = 0.25
PROBLEM_STAT = "provnews/problem"  # the crawl's `problem`, for the runner's exit message

# The crawl's counters: name in the manifest and the progress file -> Scrapy stat.
COUNTERS = {
    "requests": "downloader/request_count",
    "listing_pages": "provnews/listing_pages",
    "listing_entries": "provnews/listing_entries",
    "pages": "provnews/staged_pages",
    "fetch_rejects": "provnews/staged_rejects",
    "retries": "retry/count",
}


def counts(stats, jobdir: str | None) -> dict[str, int]:
    """The counters of the whole crawl: this process's stats plus those of earlier parts."""
    earlier = {}
    if jobdir and (Path(jobdir) / EARLIER_COUNTS_FILE).exists():
        earlier = json.loads((Path(jobdir) / EARLIER_COUNTS_FILE).read_text())
    return {name: stats.get_value(stat, 0) + earlier.get(name, 0) for name, stat in COUNTERS.items()}


def save_counts(stats, jobdir: str) -> None:
    """After an interruption: carry this part's counters over to the resumed crawl."""
    write_atomic(Path(jobdir) / EARLIER_COUNTS_FILE, counts(stats, jobdir))


def read(directory) -> dict | None:
    """The last progress a crawl wrote into `directory`, or None."""
    try:
        return json.loads((Path(directory) / PROGRESS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None


# Why a listing page was not fetched, by reject reason (`portal_spider.classify_failure`).
CAUSES = {
    "dns_error": "DNS lookup failed for {host}",
    "connection_refused": "connection refused by {host}",
    "timeout": "no answer from {host} within {timeout:g} s",
    "connection_lost": "connection to {host} lost",
    "robots_disallowed": "robots.txt of {host} disallows the listing pages",
    "too_many_redirects": "redirect loop at {host}",
    "offsite": "{host} redirects outside the portal",
}


def cause(reason: str, host: str, timeout: float = 0) -> str:
    if reason.startswith("http_"):
        return f"HTTP {reason.removeprefix('http_')} from {host}"
    return CAUSES.get(reason, reason + " at {host}").format(host=host, timeout=timeout)


def write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)  # a reader never sees half a file


class ProgressFile:
    """The extension. Scrapy and Twisted are imported where it runs, in the crawl processes: the
    flow process reads these files (`read`) and would otherwise hold both, about 40 MB, for it."""

    def __init__(self, crawler, paths: list[Path]):
        from scrapy.utils.job import job_dir
        from twisted.internet import task

        self.crawler = crawler
        self.jobdir = job_dir(crawler.settings)
        self.paths = paths
        self.started = time.time()  # tells this crawl's writes from an earlier attempt's
        self.listing_failures: Counter[tuple[str, str]] = Counter()  # (reason, host) per listing reject
        self.loop = task.LoopingCall(self.write)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured
        from scrapy.utils.job import job_dir

        dirs = [d for d in (crawler.settings.get("PROVNEWS_BATCH_DIR"), job_dir(crawler.settings)) if d]
        if not dirs:
            raise NotConfigured
        ext = cls(crawler, [Path(d) / PROGRESS_FILE for d in dirs])
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    def spider_opened(self, spider):
        self.spider = spider
        self.loop.start(INTERVAL_SECONDS)

    def item_scraped(self, item, response, spider):
        if getattr(item, "kind", None) == "reject" and item.stage == "listing":
            # The host actually asked (a mirror, a --base-url), not the portal's own: for an
            # errback's item `response` is the Failure, which carries the request.
            url = getattr(response, "url", None) or response.request.url
            self.listing_failures[(item.reason, urlsplit(url).netloc)] += 1

    def spider_closed(self, spider, reason):
        if self.loop.running:
            self.loop.stop()
        progress = self.write(finished=reason)
        self.crawler.stats.set_value(PROBLEM_STAT, progress["problem"])

    def problem(self, finished: str | None, listing_pages: int) -> str | None:
        """Why the crawl failed, in one line (the runner fails a crawl that fetched no listing
        page); None while it runs, when it did not fail, or when it was stopped (resumable)."""
        if finished in (None, "shutdown"):
            return None
        if finished not in ("finished", "closespider_timeout"):
            return f"the crawl did not finish ({finished})"
        if listing_pages:
            return None
        if not self.listing_failures:
            return "no listing page was requested"
        (reason, host), _ = self.listing_failures.most_common(1)[0]
        return cause(reason, host, self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT"))

    def write(self, finished: str | None = None) -> dict:
        progress = counts(self.crawler.stats, self.jobdir)
        progress.update(coverage=self.spider.coverage(), started=self.started, pid=os.getpid(), finished=finished,
                        problem=self.problem(finished, progress["listing_pages"]))
        for path in self.paths:
            write_atomic(path, progress)
        return progress
