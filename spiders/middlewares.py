"""Downloader middleware: keep every request inside its portal's scope.

Scrapy's own offsite filter works on host names; a portal's scope here is a set of roots that
may be path prefixes on one host (the mirror), so the check is by `spiders.urls.Scope`. It runs
for redirects too: a redirected request passes through the downloader middlewares again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest


class OffsiteRequest(IgnoreRequest):
    pass


class PortalScopeMiddleware:
    def process_request(self, request, spider):
        scope = getattr(spider, "scope", None)
        if scope is None or urlsplit(request.url).path == "/robots.txt" or scope.allows(request.url):
            return None
        raise OffsiteRequest(f"offsite: {request.url}")
