"""Polite fetching for `add-portal`: a handful of pages, robots.txt obeyed, our user agent, one
request a second (none for loopback: the mirror is our own server). Plain urllib: a few
sequential requests need no crawler, and nothing here runs per article."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from flows.cleaning.decode import Unusable, decode_html
from spiders import settings
from spiders.onboard.errors import InferenceError
from spiders.urls import is_loopback

TIMEOUT = 30


@dataclass
class Fetcher:
    delay: float = 1.0
    requests: int = 0
    _robots: dict = field(default_factory=dict)
    _last: float = 0.0

    def get(self, url: str, form: dict | None = None, method: str = "GET") -> str:
        """The page's text, or InferenceError with the cause in one line. `form`: the fields a
        page's script sends (a POSTed form, or the query of a GET), as the spider will send them."""
        if form and method == "GET":
            url = url.split("?")[0] + "?" + urlencode(form)  # as Scrapy's FormRequest: the form is the query
        if not self._allowed(url):
            raise InferenceError(f"robots.txt forbids {url}")
        wait = self._last + self.delay - time.monotonic()
        if wait > 0 and not is_loopback(url):
            time.sleep(wait)
        self.requests += 1
        data = urlencode(form or {}).encode() if method == "POST" else None
        request = urllib.request.Request(url, data=data, method=method, headers={"User-Agent": settings.USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
                body, ctype = r.read(settings.DOWNLOAD_MAXSIZE), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            raise InferenceError(f"{url}: HTTP {e.code}") from None
        except (urllib.error.URLError, OSError) as e:
            raise InferenceError(f"{url}: {getattr(e, 'reason', e)}") from None
        finally:
            self._last = time.monotonic()
        try:
            return decode_html(body, ctype)
        except Unusable as e:
            raise InferenceError(f"{url}: not a page ({e.reason})") from None

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            parser = urllib.robotparser.RobotFileParser(root + "/robots.txt")
            try:
                parser.read()
            except (urllib.error.URLError, OSError):
                parser.allow_all = True  # no robots.txt to be had: as Scrapy, allowed
            self._robots[root] = parser
        return self._robots[root].can_fetch(settings.USER_AGENT, url)
