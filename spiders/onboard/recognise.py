"""Known CMS families first: does a portal's listing page and one of its articles match a family
of PORTALS.md? Each family's own selectors are tried on the pages; the best match that finds
the listing (or the request behind its script) and the article's region, title and date wins."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsel import Selector

from flows.cleaning.html import select_text
from spiders.dates import parse_vn_datetime
from spiders.definitions import Family


@dataclass
class Match:
    family: Family
    entries: int                 # listing entries its selectors find on the page
    article_fields: list[str]    # which of region, title, date, lead, author it finds on the article
    evidence: list[str] = field(default_factory=list)

    @property
    def score(self) -> tuple[int, int]:
        return len(self.article_fields), self.entries


def listing_matches(family: Family, html: str) -> tuple[int, list[str]]:
    """Entries the family's listing selectors find (for script-driven listings: whether the
    page carries the family's request), with the evidence."""
    listing, page = family.listing, Selector(text=html)
    if listing.pagination == "json":
        found = bool(listing.endpoint) and listing.endpoint.split("{")[0] in html
        return (1 if found else 0), ([f"the page's script calls {listing.endpoint}"] if found else [])
    entries = [e for e in page.css(listing.item) if e.css(listing.link).get()] if listing.item else []
    evidence = [f"{len(entries)} entries match `{listing.item}`"] if entries else []
    if listing.pagination == "fragment" and entries:
        params = {k: re.search(rx, html) for k, rx in listing.script_params.items()}
        if not all(params.values()):
            return 0, []
        evidence.append("its script gives " + ", ".join(f"{k}={m.group(1)}" for k, m in params.items()))
    return len(entries), evidence


def article_fields(family: Family, html: str) -> list[str]:
    page = Selector(text=html)
    a = family.article
    found = []
    if page.css(a.region.split("::")[0]):
        found.append("region")
    if select_text(page, a.title):
        found.append("title")
    if parse_vn_datetime(select_text(page, a.date), family.date_formats):
        found.append("date")
    found += [name for name in ("lead", "author") if select_text(page, getattr(a, name))]
    return found


def match(family: Family, listing_html: str, article_html: str | None) -> Match | None:
    """Whether the pages are built on `family`: its selectors must find listing entries (or its
    script's request) and, on the article, at least the region, title and date."""
    entries, evidence = listing_matches(family, listing_html)
    if not entries:
        return None
    fields_found = article_fields(family, article_html) if article_html else []
    if family.listing.pagination != "json" and not {"region", "title", "date"} <= set(fields_found):
        return None
    return Match(family, entries, fields_found, evidence + (
        [f"the article's {', '.join(fields_found)} match its selectors"] if fields_found else []))
