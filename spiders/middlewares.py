"""Downloader middleware: keep every request inside its portal's scope.

Scrapy's own offsite filter works on host names; a portal's scope here is a set of roots that
may be path prefixes on one host (the mirror), so the check is by `spiders.urls.Scope`. It runs
for redirects too: a redirected request passes through the downloader middlewares again.
Requests a resumed crawl finds in its queue are moved to where the portal is served now.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.request import RequestFingerprinter


class OffsiteRequest(IgnoreRequest):
    pass


class PortalScopeMiddleware:
    def process_request(self, request, spider):
        scope = getattr(spider, "scope", None)
        if scope is None or urlsplit(request.url).path == "/robots.txt" or scope.allows(request.url):
            return None
        for earlier in getattr(spider, "earlier_scopes", ()):
            if earlier.allows(request.url):
                # Queued by an earlier part of a resumed crawl, when the portal was served from
                # elsewhere (the mirror on another port, another --base-url): send it where the
                # portal is now. The new URL goes back through the scheduler.
                # Already counted by the duplicate filter (by its portal URL, see below).
                return request.replace(url=scope.to_physical(earlier.to_logical(request.url)), dont_filter=True)
        raise OffsiteRequest(f"offsite: {request.url}")


class PortalFingerprinter:
    """Request fingerprints by the portal URL a request stands for, not where it is fetched from,
    so that the duplicate filter of a resumed crawl (its JOBDIR's `requests.seen`) still knows
    the pages of the earlier part when the portal is now served from elsewhere."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def fingerprint(self, request) -> bytes:
        scope = getattr(self.crawler.spider, "scope", None)
        if scope is not None and scope.allows(request.url):
            request = request.replace(url=scope.to_logical(request.url))
        return self.default.fingerprint(request)
