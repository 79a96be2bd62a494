"""HTML path: take the article region with the portal's selectors, keep captions apart, and
hand the region's lines to the text core. When the selectors find nothing (a redesign, an
unknown site), fall back to trafilatura's generic extraction and say so."""

from __future__ import annotations

import re

import trafilatura
from bs4 import BeautifulSoup

from flows.cleaning.decode import Unusable
from flows.cleaning.text import Cleaned, clean_lines
from spiders.dates import parse_vn_datetime
from spiders.portals.base import ArticleSelectors

BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "pre",
          "figcaption", "div", "section", "article", "tr"]
_ATTR = re.compile(r"::attr\(([\w-]+)\)$")


def select_text(soup, selector: str | None) -> str | None:
    """First match of a parsel-style selector (`css::text`, `css::attr(name)`) as text."""
    if not selector:
        return None
    css, attr = selector, None
    m = _ATTR.search(css)
    if m:
        css, attr = css[: m.start()], m.group(1)
    css = css.removesuffix("::text")
    el = soup.select_one(css)
    if el is None:
        return None
    value = el.get(attr) if attr else el.get_text(" ", strip=True)
    return value.strip() if isinstance(value, str) and value.strip() else None


def region_lines(region) -> list[str]:
    """The text of each leaf block, in page order; <br> breaks lines."""
    for br in region.find_all("br"):
        br.replace_with("\n")
    lines: list[str] = []
    for el in region.find_all(BLOCKS):
        if el.find(BLOCKS) is None:
            lines.extend(el.get_text("").split("\n"))
    return lines or region.get_text("\n").split("\n")


def parse(html: str) -> BeautifulSoup:
    if not re.search(r"</html\s*>", html[-2048:], re.I):
        raise Unusable("truncated_html", "the page ends before </html>")
    return BeautifulSoup(html, "lxml")


def extract(html: str, selectors: ArticleSelectors | None, *, date_formats: tuple[str, ...] = (),
            noise_lines: tuple = (), page_date=None) -> tuple[Cleaned, str]:
    """Returns the cleaned article and how it was extracted: 'selectors' or 'fallback'."""
    soup = parse(html)
    region = soup.select_one(selectors.region) if selectors else None
    if region is None:
        return _fallback(html, soup, noise_lines, page_date), "fallback"
    captions = []
    for el in region.select(selectors.captions):
        text = el.get_text(" ", strip=True)
        if text:
            captions.append(text)
        el.decompose()
    for css in selectors.drop:
        for el in region.select(css):
            el.decompose()
    cleaned = clean_lines(
        region_lines(region),
        title=select_text(soup, selectors.title),
        published_at=parse_vn_datetime(select_text(soup, selectors.date), date_formats),
        author=select_text(soup, selectors.author),
        lead=select_text(soup, selectors.lead),
        views=_int(select_text(soup, selectors.views)),
        captions=captions,
        noise_lines=noise_lines,
        date_formats=date_formats,
        page_date=page_date,
    )
    if not cleaned.is_article:
        raise Unusable("empty_body", "the article region holds no article text")
    return cleaned, "selectors"


def _fallback(html: str, soup, noise_lines: tuple, page_date) -> Cleaned:
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    if doc is None or not (doc.text or "").strip():
        raise Unusable("no_article", "neither the portal's selectors nor generic extraction found an article")
    captions = [c.get_text(" ", strip=True) for c in soup.select("figcaption")]
    cleaned = clean_lines(doc.text.split("\n"), title=doc.title, published_at=parse_vn_datetime(doc.date),
                       captions=[c for c in captions if c], noise_lines=noise_lines, page_date=page_date)
    if not cleaned.is_article:
        raise Unusable("no_article", "neither the portal's selectors nor generic extraction found an article")
    return cleaned


def _int(text: str | None) -> int | None:
    digits = re.sub(r"\D", "", text or "")
    return int(digits) if digits else None
