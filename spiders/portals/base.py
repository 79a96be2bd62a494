"""What a portal definition holds. A definition is data: adding a portal adds no spider code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Listing:
    """How a category's listing pages are found and walked."""

    url: str                 # path template below the home domain, with {category} and {page}
    item: str                # CSS: one entry on a listing page
    link: str                # CSS within an entry: the article link (its href)
    date: str | None         # CSS within an entry: the listed date text, if the portal shows one
    next_page: str           # CSS: the "next page" link (or, for postbacks, the control's anchor)
    pagination: str = "link"  # "link": follow href; "postback": submit the ASP.NET form
    form: str = "form"       # CSS of the form a postback submits


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
class Portal:
    key: str
    name: str
    province: str               # the province the portal published under
    province_current: str       # the province since the 1 July 2025 merger
    domains: tuple[str, ...]    # home domain first, then portals it may redirect to
    categories: tuple[str, ...]  # category ids as they appear in listing URLs
    listing: Listing
    article: ArticleSelectors
    date_formats: tuple[str, ...]  # strptime formats of the article date, tried in order
    cms: str = ""
    id_param: str | None = None  # query parameter that alone identifies an article
    # Whole lines of this portal's chrome the cleaner drops: (rule name, regex). Kept here, not
    # in the general rules, so that one portal's phrases never strip another portal's text.
    noise_lines: tuple[tuple[str, str], ...] = ()
    notes: str = field(default="", compare=False)

    @property
    def home(self) -> str:
        return self.domains[0]
