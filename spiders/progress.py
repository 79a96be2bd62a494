"""Extension: a resumable crawl writes its progress to `<JOBDIR>/progress.json` every second.

`provnews backfill` draws its progress bar from this file; the crawl runs in a child process, so
a file is the simplest channel, and it survives the crawl for a last look after Ctrl-C.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir
from twisted.internet import task

PROGRESS_FILE = "progress.json"
EARLIER_COUNTS_FILE = "earlier_counts.json"  # what the interrupted parts of a resumed crawl counted
INTERVAL_SECONDS = 1.0

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


def write_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)  # a reader never sees half a file


class ProgressFile:
    def __init__(self, crawler, jobdir: str):
        self.crawler = crawler
        self.jobdir = jobdir
        self.path = Path(jobdir) / PROGRESS_FILE
        self.loop = task.LoopingCall(self.write)

    @classmethod
    def from_crawler(cls, crawler):
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured
        ext = cls(crawler, jobdir)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.spider = spider
        self.loop.start(INTERVAL_SECONDS)

    def spider_closed(self, spider, reason):
        if self.loop.running:
            self.loop.stop()
        self.write(finished=reason)

    def write(self, finished: str | None = None):
        progress = counts(self.crawler.stats, self.jobdir)
        progress.update(coverage=self.spider.coverage(), finished=finished)
        write_atomic(self.path, progress)
