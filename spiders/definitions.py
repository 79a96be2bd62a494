"""What a portal definition holds. Definitions are data: adding a portal adds no spider code.

A **family** is one CMS as PORTALS.md shows it: listing and article selectors, the pagination
kind, date formats, what identifies an article, the CMS's own chrome. A **portal** is a family
plus its domains, categories, provinces and whatever it does differently (`overrides`): a few
lines of TOML in `spiders/portals/` (or `PROVNEWS_PORTALS_DIR`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

from spiders.urls import url_key

# How a category's listing pages are walked (PORTALS.md section 2).
PAGINATION_KINDS = {
    "link": "follow the next-page link (`next_page`)",
    "query": "page N is `page_url` with a query parameter (`?page=N`, `?PageIndex=N`, `_cur=N`)",
    "path": "page N is `page_url` with the number in the path (`/trang-N.html`, `/page/N`)",
    "postback": "ASP.NET WebForms: submit the form with the next-page control's __EVENTTARGET",
    "fragment": "pages >= 2 from the HTML fragment the page's script requests (`endpoint`, `params`)",
    "json": "every page from the JSON endpoint the page's script calls; records hold the articles",
}
# Whether a definition was checked against the live site (`provnews check-portals`).
STATUSES = {
    "verified": "check-portals passed against the live site",
    "modelled": "modelled on public evidence (PORTALS.md), not verified live",
    "unknown": "markup not known from any evidence; the definition is a guess",
}


@dataclass(frozen=True)
class Listing:
    """How a category's listing pages are found and walked. Paths are below the home domain;
    templates take {category} and {page} (and, for endpoints, {page_size}, {start} and the
    values `script_params` capture from the first page)."""

    url: str                       # the category's first listing page
    item: str                      # CSS: one entry on a listing page (or fragment)
    link: str                      # CSS within an entry: the article link (its href)
    date: str | None = None        # CSS within an entry: the listed date text
    pagination: str = "link"       # one of PAGINATION_KINDS
    next_page: str | None = None   # link, postback: CSS of the next-page link
    page_url: str | None = None    # query, path: page N >= 2
    form: str = "form"             # postback: CSS of the form
    endpoint: str | None = None    # fragment, json: path of the request behind the script
    method: str = "POST"
    params: dict = field(default_factory=dict, hash=False)         # the request's form fields
    script_params: dict = field(default_factory=dict, hash=False)  # name -> regex (group 1) on page 1
    page_size: int = 10
    records: str = "data"          # json: the key of the list of records
    record_fields: dict = field(default_factory=dict, hash=False)  # json: id, title, date, lead, body -> key
    article_url: str | None = None  # json: the article's path from its record ({id}, {category})


@dataclass(frozen=True)
class ArticleSelectors:
    """CSS selectors on an article page. `region` holds the body; the rest are optional."""

    region: str
    title: str
    date: str                      # text of the element, or `::attr(x)` of it
    lead: str | None = None
    author: str | None = None
    views: str | None = None
    captions: str = "figcaption"   # caption elements inside the region, kept apart from the body
    drop: tuple[str, ...] = ()     # elements inside the region that are never article text


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    listing: Listing
    article: ArticleSelectors
    date_formats: tuple[str, ...] = ()  # strptime formats of the article date, tried in order
    id_params: tuple[str, ...] = ()     # query parameters that together identify an article
    id_path: str | None = None          # or: a regex whose group 1 in the URL path is the id
    # Whole lines of this CMS's chrome the cleaner drops: (rule name, regex). Kept with the
    # family, not in the general rules, so one CMS's phrases never strip another's text.
    noise_lines: tuple[tuple[str, str], ...] = ()
    evidence: str = ""                  # where PORTALS.md saw it


@dataclass(frozen=True)
class Portal:
    key: str
    name: str
    province: str               # the province the portal published under
    province_current: str       # the province since the 1 July 2025 merger
    domains: tuple[str, ...]    # home domain first, then portals it may redirect to
    categories: tuple[str, ...]  # category ids as they appear in listing URLs
    family: Family
    listing: Listing
    article: ArticleSelectors
    date_formats: tuple[str, ...]
    id_params: tuple[str, ...] = ()
    id_path: str | None = None
    noise_lines: tuple[tuple[str, str], ...] = ()
    kind: str = "portal"        # "portal" (a provincial web portal) or "newspaper"
    status: str = "modelled"    # one of STATUSES
    # A redesign adds a version (`<key>.v2.toml`) instead of editing the old one: a batch is
    # cleaned with the version it was crawled with, so older raw pages reprocess as before.
    version: int = 1
    valid_from: str | None = None  # the day the version replaced the one before (YYYY-MM-DD)
    notes: str = field(default="", compare=False)
    source: str = field(default="", compare=False)  # the file it was read from

    @property
    def home(self) -> str:
        return self.domains[0]

    @property
    def cms(self) -> str:
        return self.family.name

    def url_key(self, url: str) -> str:
        """The article's identity: its canonical URL key, by the family's id where it has one
        (the same article listed under several categories has several URLs, one id)."""
        return url_key(url, self.id_params, self.id_path)


class DefinitionError(ValueError):
    """A portal file that cannot be read: the message names the file and the field."""


def _merge(base, overrides: dict, where: str):
    known = {f.name for f in fields(base)}
    unknown = set(overrides) - known
    if unknown:
        raise DefinitionError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return replace(base, **values)


def portal_from_data(data: dict, families: dict[str, Family], source: str = "") -> Portal:
    """A portal from its TOML table: the family's selectors with the portal's overrides."""
    where = source or data.get("key", "portal")
    data = dict(data)
    try:
        family = families[data.pop("family")]
    except KeyError as e:
        raise DefinitionError(f"{where}: family {e.args[0]!r} unknown (known: {', '.join(families)})") from None
    listing = _merge(family.listing, data.pop("listing", {}), f"{where} [listing]")
    article = _merge(family.article, data.pop("article", {}), f"{where} [article]")
    if listing.pagination not in PAGINATION_KINDS:
        raise DefinitionError(f"{where}: pagination {listing.pagination!r} unknown")
    noise = tuple(tuple(x) for x in data.pop("noise_lines", ())) + family.noise_lines
    required = ("key", "name", "province", "province_current", "domains", "categories")
    missing = [k for k in required if not data.get(k)]
    if missing:
        raise DefinitionError(f"{where}: missing {', '.join(missing)}")
    if data.get("status", "modelled") not in STATUSES:
        raise DefinitionError(f"{where}: status must be one of {', '.join(STATUSES)}")
    for rx in [data.get("id_path") or family.id_path or ""] + [rx for _, rx in noise]:
        try:
            re.compile(rx)
        except re.error as e:
            raise DefinitionError(f"{where}: bad regular expression {rx!r}: {e}") from None
    try:
        return Portal(
            family=family, listing=listing, article=article, noise_lines=noise,
            date_formats=tuple(data.pop("date_formats", family.date_formats)),
            id_params=tuple(data.pop("id_params", family.id_params)),
            id_path=data.pop("id_path", family.id_path),
            domains=tuple(data.pop("domains")), categories=tuple(str(c) for c in data.pop("categories")),
            source=source, **data)
    except TypeError as e:
        raise DefinitionError(f"{where}: {e}") from None
