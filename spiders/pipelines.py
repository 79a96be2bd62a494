"""Item pipeline: append every item to the run's staged batch file, and clean each article page
ahead of the load (`flows.cleaning.ahead`: a file beside it, which the load reads instead of
cleaning the page again).

The file is written as `pages.jsonl.gz.part` and renamed only once the spider has closed and the
data is fsynced; the crawl runner then writes `manifest.json`, which is what marks a batch
complete. A batch without a manifest is an interrupted crawl and is never loaded.

A resumed crawl (Scrapy's JOBDIR, after Ctrl-C) finds the closed `pages.jsonl.gz` of its earlier
part and appends to it as a further gzip member; gzip readers read the members as one stream.
"""

from __future__ import annotations

import gzip
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import orjson

from flows.cleaning import ahead

PAGES_FILE = "pages.jsonl.gz"
URL_KEYS_FILE = "url_keys.txt"  # keys of the pages fetched: what the archive knows without a warehouse


class StagingPipeline:
    def __init__(self, batch_dir: str, resumable: bool = False):
        self.dir = Path(batch_dir)
        self.resumable = resumable  # a JOBDIR crawl: an earlier part's pages are its own
        self.part = self.dir / (PAGES_FILE + ".part")
        self.url_keys: list[str] = []

    @classmethod
    def from_crawler(cls, crawler):
        batch_dir = crawler.settings.get("PROVNEWS_BATCH_DIR")
        if not batch_dir:
            # A plain `scrapy crawl`: its pages are kept apart from every warehouse's archive,
            # and never loaded (`provnews ingest` is the way to load).
            batch_dir = f"data/adhoc/{crawler.spidercls.name}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
            logging.getLogger(__name__).warning(
                "no PROVNEWS_BATCH_DIR: staging pages in %s, which no warehouse loads", batch_dir)
        return cls(batch_dir, resumable=bool(crawler.settings.get("JOBDIR")))

    def open_spider(self, spider):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stats = spider.crawler.stats
        earlier = self.dir / PAGES_FILE
        carry_on = self.resumable and earlier.exists()
        if carry_on:  # the closed file of an interrupted part: carry on
            # (without JOBDIR the crawl starts over, e.g. a retried one, and so does the file)
            self.url_keys = (self.dir / URL_KEYS_FILE).read_text().split()
            os.replace(earlier, self.part)
            self._raw = open(self.part, "ab")
        else:
            self._raw = open(self.part, "wb")
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=5)
        self.cleaned = ahead.Writer(self.dir, spider.portal, append=carry_on)

    def process_item(self, item, spider):
        record = vars(item)  # its fields, as they are: nothing here changes them
        self._gz.write(orjson.dumps(record) + b"\n")  # UTF-8 JSON, 13 times as fast as json's
        if record["kind"] == "page":
            self.url_keys.append(record["url_key"])
            self.stats.inc_value("provnews/staged_pages")
            try:
                self.cleaned.write(record)
            except Exception:  # a bug in cleaning: the load cleans the page again, and fails on it
                spider.logger.exception("cleaning %s ahead of the load failed", record["url"])
        else:
            self.stats.inc_value("provnews/staged_rejects")
        return item

    def close_spider(self, spider):
        self.cleaned.close()
        self._gz.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        (self.dir / URL_KEYS_FILE).write_text("".join(k + "\n" for k in self.url_keys))
        os.replace(self.part, self.dir / PAGES_FILE)
