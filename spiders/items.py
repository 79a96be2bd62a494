"""What a crawl stages: fetched article pages, and the pages that could not be fetched."""

from __future__ import annotations

import base64
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
    # The bytes as fetched, one of the two (`body_fields`, `page_bytes`): decoding them is the
    # cleaner's job (charsets lie).
    body: str | None = None      # bytes that are UTF-8 (most pages), as their text
    body_b64: str | None = None  # any other bytes, in base64
    category: str | None = None
    listed_date: str | None = None  # the date the listing showed, ISO
    redirected_from: str | None = None
    kind: str = "page"


def body_fields(raw: bytes) -> dict[str, str]:
    """A page's bytes as `PageItem` keeps them. UTF-8 is kept as text: base64 made the staged file
    a third larger before compression and twice as large after it, and slower to compress."""
    try:
        return {"body": raw.decode("utf-8")}  # strict: encoding the text again gives these bytes
    except UnicodeDecodeError:
        return {"body_b64": base64.b64encode(raw).decode("ascii")}


def page_bytes(record: dict) -> bytes:
    """A staged page's bytes exactly as fetched, from either field (batches staged before the
    text field have only `body_b64`)."""
    text = record.get("body")
    return text.encode("utf-8") if text is not None else base64.b64decode(record["body_b64"])


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
