"""HTML path: take the article region with the portal's selectors, keep captions apart, and
hand the region's lines to the text core. When the selectors find nothing (a redesign, an
unknown site), fall back to trafilatura's generic extraction and say so.

Pages are parsed once, with lxml through parsel: the same selector dialect (`css::text`,
`css::attr(name)`) the spider uses on listing pages, so a portal definition reads one way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from flows.cleaning import rules
from flows.cleaning.decode import Unusable
from flows.cleaning.text import Cleaned, clean_lines, require_article
from spiders.dates import parse_vn_datetime
from spiders.definitions import ArticleSelectors

BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "pre",
          "figcaption", "div", "section", "article", "tr", "table")
_IS_BLOCK = " or ".join(f"self::{t}" for t in BLOCKS)
# Leaf blocks: blocks with no block inside. Their text, in document order, is the article's lines.
LEAF_BLOCKS = etree.XPath(f".//*[{_IS_BLOCK}][not(.//*[{_IS_BLOCK}])]")
_ATTR = re.compile(r"::attr\(([\w-]+)\)$")


@lru_cache(maxsize=1024)
def _compiled(css: str) -> etree.XPath:
    # parsel translates a CSS selector once but compiles its XPath anew at every call: a fifth
    # of the cleaning's time, for the same few dozen selectors on every page.
    return etree.XPath(HTMLTranslator().css_to_xpath(css))


def select(node, css: str) -> list:
    """The elements under (and including) an lxml element that match a CSS selector."""
    return _compiled(css)(node)


def text_of(el) -> str:
    return " ".join("".join(el.itertext()).split())


@lru_cache(maxsize=256)
def _split(selector: str) -> tuple[str, str | None]:
    m = _ATTR.search(selector)
    if m:
        return selector[: m.start()], m.group(1)
    return selector.removesuffix("::text"), None


def select_text(page: Selector, selector: str | None) -> str | None:
    """First match of a selector as text: an element's whole text (`::text` or nothing), or
    an attribute (`::attr(name)`)."""
    if not selector:
        return None
    css, attr = _split(selector)
    found = select(page.root, css)
    if not found:
        return None
    value = found[0].get(attr) if attr else text_of(found[0])
    return value.strip() if value and value.strip() else None


def _detach(el) -> None:
    """Remove an element but keep the text that follows it (lxml keeps that in `.tail`)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def region_lines(region) -> list[str]:
    """The text of each leaf block, in page order; <br> breaks lines."""
    for br in region.iter("br"):
        br.tail = "\n" + (br.tail or "")
    leaves = LEAF_BLOCKS(region)
    if not leaves:
        return "".join(region.itertext()).split("\n")
    lines: list[str] = []
    for el in leaves:
        lines.extend("".join(el.itertext()).split("\n"))
    return lines


def parse(html: str) -> Selector:
    if not re.search(r"</html\s*>", html[-2048:], re.I):
        raise Unusable("truncated_html", "the page ends before </html>")
    return Selector(text=html, type="html")  # not tried as JSON first, as an untyped Selector is


def extract(html: str, selectors: ArticleSelectors | None, *, date_formats: tuple[str, ...] = (),
            noise_lines: tuple = (), page_date=None) -> tuple[Cleaned, str]:
    """Returns the cleaned article and how it was extracted: 'selectors' or 'fallback'."""
    page = parse(html)
    found = select(page.root, selectors.region) if selectors else None
    if not found:
        return _fallback(html, page, noise_lines, page_date), "fallback"
    region = found[0]
    captions = []
    for el in select(region, selectors.captions):
        text = text_of(el)
        if text:
            captions.append(text)
        _detach(el)
    # One query for them all (a selector group), in document order: 35 to 42 us a page on the
    # mirror where a query for each selector took 44 to 50.
    for el in select(region, ", ".join(selectors.drop + rules.DROP_ELEMENTS)):
        _detach(el)
    cleaned = clean_lines(
        region_lines(region),
        title=select_text(page, selectors.title),
        published_at=parse_vn_datetime(select_text(page, selectors.date), date_formats),
        author=select_text(page, selectors.author),
        lead=select_text(page, selectors.lead),
        views=_int(select_text(page, selectors.views)),
        captions=captions,
        noise_lines=noise_lines,
        date_formats=date_formats,
        page_date=page_date,
    )
    return require_article(cleaned, "empty_body", "the article region holds no article text"), "selectors"


def _fallback(html: str, page: Selector, noise_lines: tuple, page_date) -> Cleaned:
    # Imported here: a third of a second, wanted only by the pages the selectors cannot read
    # (`provnews clean` of a seed or of a known portal's page never needs it).
    import trafilatura

    doc = trafilatura.bare_extraction(page.root, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    if doc is None or not (doc.text or "").strip():
        raise Unusable("no_article", "neither the portal's selectors nor generic extraction found an article")
    captions = [text_of(el) for el in select(page.root, "figcaption")]
    cleaned = clean_lines(doc.text.split("\n"), title=doc.title, published_at=parse_vn_datetime(doc.date),
                          captions=[c for c in captions if c], noise_lines=noise_lines, page_date=page_date)
    return require_article(cleaned, "no_article",
                           "neither the portal's selectors nor generic extraction found an article")


def _int(text: str | None) -> int | None:
    digits = re.sub(r"\D", "", text or "")
    return int(digits) if digits else None
