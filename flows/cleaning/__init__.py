"""Cleaning: a raw page (or a text file like the seeds) in, one clean article out.

`clean_page` is what ingest runs on every staged page and what `provnews clean FILE.html`
prints; `clean_text` is the seeds' path; `clean_fields` an imported record's (`provnews
import`). All end in the same text core (`text.clean_lines`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from flows.cleaning.decode import Unusable, decode_html, looks_binary, record_html
from flows.cleaning.html import extract
from flows.cleaning.text import Cleaned, clean_lines, require_article
from spiders.dates import parse_vn_datetime
from spiders.portals import Portal

__all__ = ["Article", "Unusable", "clean_fields", "clean_page", "clean_text"]


@dataclass
class Article:
    title: str | None
    published_at: str | None  # ISO 8601 with +07:00
    author: str | None
    lead: str | None
    body: str                 # paragraphs separated by one blank line
    captions: list[str]
    views: int | None
    portal: str | None
    province: str | None
    province_current: str | None
    url: str | None
    extraction: str           # 'selectors', 'fallback' or 'text'
    removals: list[dict] = field(default_factory=list)  # [{rule, text}]: the audit of the cleaner

    def as_json(self, explain: bool = False) -> dict:
        d = asdict(self)
        if not explain:
            d.pop("removals")
        return d


@lru_cache(maxsize=None)
def _noise(portal: Portal | None) -> tuple:
    return tuple((name, re.compile(rx)) for name, rx in portal.noise_lines) if portal else ()


def _article(c: Cleaned, portal: Portal | None, url: str | None, extraction: str,
             listed_date: str | None = None) -> Article:
    published = c.published_at or parse_vn_datetime(listed_date)
    return Article(
        title=c.title, published_at=published.isoformat() if published else None,
        author=c.author, lead=c.lead, body=c.body, captions=c.captions, views=c.views,
        portal=portal.key if portal else None,
        province=portal.province if portal else None,
        province_current=portal.province_current if portal else None,
        url=url, extraction=extraction,
        removals=[{"rule": r.rule, "text": r.text} for r in c.removals],
    )


def clean_page(body: bytes, *, portal: Portal | None = None, url: str | None = None,
               content_type: str | None = None, listed_date: str | None = None) -> Article:
    """Raises Unusable(reason) for a page that cannot become an article."""
    if content_type and "json" in content_type.lower() and portal and portal.listing.record_fields:
        html = record_html(body, portal.listing.record_fields)
    else:
        html = decode_html(body, content_type)
    cleaned, how = extract(html, portal.article if portal else None,
                           date_formats=portal.date_formats if portal else (), noise_lines=_noise(portal),
                           page_date=parse_vn_datetime(listed_date))
    return _article(cleaned, portal, url, how, listed_date)


def clean_text(data: bytes | str, *, portal: Portal | None = None, url: str | None = None) -> Article:
    if isinstance(data, bytes):
        if looks_binary(data):
            raise Unusable("binary", "not a text file")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unusable("not_utf8", "text files must be UTF-8") from None
    cleaned = require_article(clean_lines(data.splitlines(), date_formats=portal.date_formats if portal else (),
                                          noise_lines=_noise(portal), find_captions=True),
                              "empty_body", "no article text")
    return _article(cleaned, portal, url, "text")


def clean_fields(paragraphs: list[str], *, title: str | None = None, published_at=None, author: str | None = None,
                 lead: str | None = None, portal: Portal | None = None, url: str | None = None) -> Article:
    """An article another crawler extracted: its paragraphs, and the fields it gave, which win
    over what the text suggests as a page's own elements do. Raises Unusable("empty_text")."""
    cleaned = require_article(clean_lines(paragraphs, title=title, published_at=published_at, author=author,
                                          lead=lead, noise_lines=_noise(portal),
                                          date_formats=portal.date_formats if portal else (), find_captions=True),
                              "empty_text", "no article text after cleaning")
    return _article(cleaned, portal, url, "text")
