"""What a crawl stages: fetched article pages, and the pages that could not be fetched."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PageItem:
    portal: str
    url: str            # the portal's own URL of the page (after redirects), as analysts see it
    url_key: str        # canonical identity (spiders.urls.url_key) of the URL the listing linked
    fetched_url: str    # where it was actually fetched from (the mirror, a --base-url host)
    status: int
    fetched_at: str     # ISO 8601, UTC
    headers: dict       # the headers that matter to decoding and freshness
    body_b64: str       # raw bytes, base64: decoding is the cleaner's job (charsets lie)
    category: str | None = None
    listed_date: str | None = None  # the date the listing showed, ISO
    redirected_from: str | None = None
    kind: str = "page"


@dataclass
class RejectItem:
    portal: str
    url: str
    url_key: str | None
    stage: str          # "listing" or "fetch"
    reason: str         # a short stable code: http_404, timeout, robots_disallowed, not_html, ...
    http_status: int | None = None
    detail: str = ""
    kind: str = "reject"
