"""A crawl's own log in the Prefect logs of its task. The crawl (in a child process, maybe one
crawling other portals too) writes its Scrapy log to `crawl.log` in its batch directory
(`spiders.crawl.CrawlLog`); that file is on the serving machine, where the UI
cannot open it, and a retry of the task rewrites it. So its warnings and errors are relayed into
the task's log as they are written, each attempt's under its own attempt.

A Scrapy record is one line, `2024-05-01 10:00:00 [scrapy.core.scraper] ERROR: message`, maybe
followed by a traceback. Each record is relayed as one line: a traceback is mostly the network
library's frames (Twisted's, for a refused connection), so only its last line, the exception,
goes with the message, when the message does not already say it.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<source>[^\]]+)\] "
                    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL): (?P<message>.*)")
RELAYED = {"WARNING": logging.WARNING, "ERROR": logging.ERROR, "CRITICAL": logging.ERROR}
# A portal that answers 404 to every article gives a line per page: past this many records an
# attempt's log says how many more there were instead of burying the run's own lines.
MAX_RECORDS = 100
POLL_SECONDS = 0.5


class CrawlLogRelay:
    """While the block runs (and once more at its end), the new warnings and errors of `path`
    go to `logger`, each line saying the portal (the flow run's log shows every task's lines
    together) and the Scrapy logger's name."""

    def __init__(self, path: Path, portal: str, logger):
        self.path, self.portal, self.logger = path, portal, logger
        self.relayed = self.left_out = 0
        self._offset = 0
        self._partial = ""          # a line not yet ended
        self._record: list = []     # [level, source, lines] of the record being read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name=f"relay {path.parent.name}", daemon=True)

    def __enter__(self) -> "CrawlLogRelay":
        # (A crawl process removes the last attempt's log before it starts: not read again.)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read()
        self._emit()
        if self.left_out:
            self.logger.warning("%s crawl log: %d more warnings and errors not shown", self.portal, self.left_out)

    def _follow(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._read()

    def _read(self) -> None:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                f.seek(self._offset)
                text = f.read()
                self._offset = f.tell()
        except FileNotFoundError:  # the crawl has not opened its log yet
            return
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            if match := RECORD.fullmatch(line):
                self._emit()
                self._record = [match["level"], match["source"], [match["message"]]]
            elif self._record:
                self._record[2].append(line)

    def _emit(self) -> None:
        """The record read so far is complete (the next one began, or the log ended)."""
        if not self._record:
            return
        level, source, lines = self._record
        self._record = []
        if level not in RELAYED:
            return
        if self.relayed >= MAX_RECORDS:
            self.left_out += 1
            return
        self.relayed += 1
        message, *rest = [line.strip() for line in lines if line.strip()] or [""]
        if rest and rest[-1].split(": ", 1)[-1] not in message:
            message = f"{message} ({rest[-1]})"
        self.logger.log(RELAYED[level], "%s crawl log: [%s] %s", self.portal, source, message)
