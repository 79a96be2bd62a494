"""Infer a listing definition (entries, link, date, pagination) from one listing page of an
unknown portal. What a listing looks like is what PORTALS.md shows: a repeated group of entries,
each linking one article, with a `dd/mm/yyyy` date, and page links by query, path, "next" link
or ASP.NET postback. The selectors returned are checked with parsel, the spider's own dialect."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from parsel import Selector

from spiders.onboard.errors import InferenceError


@dataclass
class ListingGuess:
    item: str
    link: str
    date: str | None
    entries: list[tuple[str, str | None]]
    pagination: str | None = None
    page_url: str | None = None
    next_page: str | None = None
    form: str | None = None
    next_url: str | None = None
    evidence: list[str] = field(default_factory=list)


# An article URL: a numeric id in the path or an id query parameter (PORTALS.md section 5), or
# a multi-word slug under an article-ish segment (hatinh `/vi/bai-viet/<slug>`, Liferay `/-/`).
_ID_PATH = re.compile(r"(?:[-_/]|-post)\d{3,}(?:\.[a-z]+)?/?$|/\d{3,}-", re.I)
_ID_QUERY = re.compile(r"(?:^|&)(?:item|n|news|article|post)?id=\d+", re.I)
_SLUG = re.compile(r"/(?:bai-viet|chi-tiet[^/]*|tin-bai|article|post|news|content|-)/[^/]*-[^/]*-", re.I)
# Chrome that holds links but never the listing: menus, sidebars, related boxes.
_CHROME_TAGS = {"header", "nav", "footer", "aside"}
# (A word's start, not any substring: DotNetNuke's `ArticleInMenu` module is the listing itself.)
_CHROME = re.compile(r"(?<![a-z])(?:menu|nav|footer|sidebar|relate|other|breadcrumb|most-read)"
                     r"|(?:main|top|sub)menu|portlet-title", re.I)
# Classes that mark a state or a grid cell, not what an element is: they split groups.
_STATE = re.compile(r"^(first|last|odd|even|active|current|selected|clearfix|row|col(-.*)?|alt)$")
_IDENT = re.compile(r"-?[A-Za-z_][\w-]*")
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")
_PAGE_PARAM = re.compile(r"^(page(index|no|num)?|p|pg|trang|paged|\w*_cur)$", re.I)
_PAGE_PATH = re.compile(r"(?<=/|-)(?:(?:trang|page|p)[-/]?)?(\d{1,4})(?=/|\.html?$|$)", re.I)
_NEXT_TEXT = re.compile(r"(?:trang sau|tiếp(?: theo)?|sau|next)\s*[»›>]?|[»›>]", re.I)
_OTHER_TEXT = re.compile(r"(?:trang )?(?:trước|đầu|cuối)|prev(?:ious)?|first|last|[«‹<]", re.I)
_POSTBACK = re.compile(r"__doPostBack\('([^']*)'")


def infer_listing(html: str, url: str, root: str | None = None) -> ListingGuess:
    """The listing of the page at `url`. `root` is the site root the templates are relative to
    (default scheme and host; a mirror serves a site under a path prefix)."""
    root = (root or "{0.scheme}://{0.netloc}".format(urlsplit(url))).rstrip("/")
    soup = BeautifulSoup(html, "lxml")
    group = _largest_group(soup, url)
    if group is None:
        raise InferenceError(f"no repeated list of article links found on {url}")
    members, container = group
    item = _item_css(members, container, html)
    link = _link_css(members, url)
    date = _date_css(members)
    sel = Selector(text=html)
    entries = [(urljoin(url, e.css(link).get("").strip()), e.css(date).get() if date else None)
               for e in sel.css(item)]
    guess = ListingGuess(item, link, date, entries, evidence=[
        f"{len(entries)} entries `{item}`, each linking one article by `{link}`",
        f"listed date `{date}`" if date else "entries show no date"])
    _pagination(guess, soup, members, url, root)
    return guess


# ------------------------------------------------------------------ entries

def _article_href(a: Tag, page_url: str) -> str | None:
    """The absolute article URL an anchor links, or None for anything else."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    absolute = urljoin(page_url, href).split("#")[0]
    parts, here = urlsplit(absolute), urlsplit(page_url)
    if parts.netloc != here.netloc or absolute == page_url.split("#")[0]:
        return None
    if _ID_PATH.search(parts.path) or _ID_QUERY.search(parts.query) or _SLUG.search(parts.path):
        return absolute
    return None


def _in_chrome(el: Tag) -> bool:
    """Inside a page's header, menu, footer or a side box (a `header` inside an article is not)."""
    for node in [el, *el.parents]:
        if not isinstance(node, Tag):
            continue
        if node.name in _CHROME_TAGS and not node.find_parent("article"):
            return True
        if _CHROME.search(" ".join(node.get("class", [])) + " " + (node.get("id") or "")):
            return True
    return False


def _classes(el: Tag) -> tuple[str, ...]:
    return tuple(c for c in el.get("class", []) if not _STATE.match(c) and _IDENT.fullmatch(c))


def _largest_group(soup, page_url: str):
    """The siblings of one shape (tag and classes) each linking one article: the largest group
    of at least 3 with distinct articles wins (ties: the first in the page, the main column)."""
    best = None
    for parent in soup.find_all(True):
        shapes: dict = {}
        for child in parent.find_all(True, recursive=False):
            shapes.setdefault((child.name, _classes(child)), []).append(child)
        groups = [m for m in shapes.values() if len(m) >= 3]
        if not groups or _in_chrome(parent):
            continue
        for members in groups:
            hrefs = [_entry_href(m, page_url) for m in members]
            linked = [m for m, h in zip(members, hrefs) if h]
            if len(linked) >= 3 and len({h for h in hrefs if h}) == len(linked):
                # Dated entries count double: a listing shows dates, a "most read" or related
                # box rarely does, and may well be longer. Ties go to the first in the page.
                score = len(linked) + sum(bool(m.find(string=_DATE)) for m in linked)
                if best is None or score > best[0]:
                    best = (score, linked, parent)
    return best and best[1:]


def _entry_href(member: Tag, page_url: str) -> str | None:
    """The one article an entry links (None when it links none, or several)."""
    hrefs = {h for a in member.find_all("a") if (h := _article_href(a, page_url))}
    return hrefs.pop() if len(hrefs) == 1 else None


# ------------------------------------------------------------------ selectors

def _simple(el: Tag) -> list[str]:
    """Selectors for one element alone, most telling first: tag.class, tag#id, tag."""
    out = [f"{el.name}.{c}" for c in _classes(el)]
    if el.get("id") and _IDENT.fullmatch(el["id"]) and not re.search(r"\d", el["id"]):
        out.append(f"{el.name}#{el['id']}")
    return out + [el.name]


def _item_css(members: list[Tag], container: Tag, html: str) -> str:
    """The entries' selector, qualified by the nearest ancestors until parsel picks exactly them."""
    want = [m.decode() for m in members]
    first = members[0]
    for own in _simple(first):
        prefix = ""
        for anc in [container, *container.parents][:4]:
            css = f"{prefix}{own}".strip()
            got = Selector(text=html).css(css)
            if len(got) == len(members) and all(_same(g, w) for g, w in zip(got, want)):
                return css
            if not isinstance(anc, Tag) or anc.name in ("html", "[document]"):
                break
            prefix = f"{_simple(anc)[0]} {prefix}"
    raise InferenceError(f"no CSS selector picks the {len(members)} entries ({first.name}) alone")


def _same(sel: Selector, markup: str) -> bool:
    """The parsel element is the bs4 one: the same text and the same links."""
    other = Selector(text=markup)
    return (sel.css("a::attr(href)").getall() == other.css("a::attr(href)").getall()
            and "".join(sel.css("::text").getall()).split() == "".join(other.css("::text").getall()).split())


def _link_css(members: list[Tag], page_url: str) -> str:
    """The title anchor (the one with text, not the thumbnail) by class, its parent, or `a`."""
    a = next((x for x in members[0].find_all("a") if _article_href(x, page_url) and x.get_text(strip=True)),
             None) or next(x for x in members[0].find_all("a") if _article_href(x, page_url))
    candidates = [c for c in _simple(a) if c != "a"]
    if a.parent is not members[0]:
        candidates += [f"{c} a" for c in _simple(a.parent) if c != a.parent.name] + [f"{a.parent.name} a"]
    for css in candidates + ["a"]:
        if all(_first_href(m, css, page_url) == _entry_href(m, page_url) for m in members):
            return css + "::attr(href)"
    return "a::attr(href)"


def _first_href(member: Tag, css: str, page_url: str) -> str | None:
    got = Selector(text=member.decode()).css(css + "::attr(href)").get()
    return urljoin(page_url, got.strip()) if got else None


def _date_css(members: list[Tag]) -> str | None:
    """The element whose own text is a date, in (nearly) every entry."""
    el = next((s.parent for s in members[0].find_all(string=_DATE) if s.parent.name != "a"), None)
    if el is None:
        return None
    # A class naming a date beats a generic one (Liferay's `metadata-entry` is every metadata line).
    for css in sorted(_simple(el), key=lambda c: not re.search(r"date|time|ngay|publish", c, re.I)):
        texts = [Selector(text=m.decode()).css(css + "::text").get() or "" for m in members]
        if sum(bool(_DATE.search(t)) for t in texts) >= 0.8 * len(members):
            return css + "::text"
    return None


def _anchor_css(a: Tag, html: str) -> str:
    """A selector whose first match in the page is this anchor (javascript: links excluded,
    so a disabled "next" on the last page ends the walk instead of being followed)."""
    real = ":not([href^=javascript])" if not a["href"].startswith("javascript:") else ""
    if a.get("id") and "_" in a["id"]:
        candidates = [f"a[id$={a['id'].rsplit('_', 1)[1]}]"]
    else:
        candidates = [f"a{c[1:]}" for c in _simple(a) if c.startswith("a.")]
        candidates += [f"{c} a" for c in _simple(a.parent) if c != a.parent.name]
        candidates += [f"{_simple(a.parent.parent)[0]} {c}" for c in candidates]
    for css in candidates:
        if Selector(text=html).css(f"{css}{real}::attr(href)").get() == a["href"]:
            return f"{css}{real}::attr(href)"
    return f"a[href=\"{a['href']}\"]::attr(href)"


# ------------------------------------------------------------------ pagination

def _is_next(a: Tag) -> bool:
    text = a.get_text(" ", strip=True)
    marks = " ".join([*a.get("class", []), a.get("id") or "", *(a.get("rel") or [])])
    return bool(_NEXT_TEXT.fullmatch(text) or re.search(r"next|trangsau", marks, re.I))


def _page_template(href: str, root: str, number: str | None) -> tuple[str, str, str] | None:
    """(kind, template below the root, page parameter) when the URL is page `number` of a
    listing (any number for a "next" link): a page-like query parameter, else a path number."""
    parts = urlsplit(href)
    path = href[len(root):] if href.startswith(root) else href[len(f"{parts.scheme}://{parts.netloc}"):]
    path, _, query = path.partition("?")
    is_number = (lambda v: v == number) if number else (lambda v: v.isdigit())
    pairs = query.split("&") if query else []
    for i, pair in enumerate(pairs):
        k, _, v = pair.partition("=")
        if is_number(v) and _PAGE_PARAM.match(k):
            pairs[i] = f"{k}={{page}}"
            return "query", f"{path}?{'&'.join(pairs)}", k
    slots = [m for m in _PAGE_PATH.finditer(path) if is_number(m.group(1))]
    if slots:
        s, e = slots[-1].span(1)
        return "path", path[:s] + "{page}" + path[e:] + (f"?{query}" if query else ""), ""
    return None


def _pagination(guess: ListingGuess, soup, members: list[Tag], url: str, root: str) -> None:
    """Fill in how to reach the next pages: a URL template, else a next link, else a postback."""
    inside = {id(a) for m in members for a in m.find_all("a")}
    anchors = [a for a in soup.find_all("a", href=True) if id(a) not in inside]
    nexts = [a for a in anchors if _is_next(a)]
    real_next = next((a for a in nexts if not a["href"].startswith(("javascript:", "#"))), None)
    if _templated(guess, anchors, nexts, real_next, url, root):
        return
    if real_next is not None:
        guess.pagination, guess.next_page = "link", _anchor_css(real_next, str(soup))
        guess.next_url = urljoin(url, real_next["href"].strip())
        guess.evidence.append(f"next link \"{real_next.get_text(strip=True)}\" → {guess.next_url}")
        return
    postback = next((a for a in nexts if _POSTBACK.search(a["href"]) and a.find_parent("form")), None)
    if postback is not None:
        form = postback.find_parent("form")
        guess.pagination, guess.next_page = "postback", _anchor_css(postback, str(soup))
        guess.form = f"form#{form['id']}" if form.get("id") else "form"
        guess.evidence.append(f"next is an ASP.NET postback ({_POSTBACK.search(postback['href']).group(1)}) "
                              f"of {guess.form}")
        return
    guess.evidence.append(_why_none(anchors))


def _templated(guess, anchors, nexts, real_next, url: str, root: str) -> bool:
    """A page-N URL among the page links gives a `query` or `path` template."""
    here = {k for k, _ in parse_qsl(urlsplit(url).query)}
    # Numbered page links first (their number is known), then "next" links, then previous /
    # first / last (the last page of a listing has no next), those by a query parameter only.
    numbered = [a for a in anchors if a.get_text(strip=True).isdigit()]
    others = [a for a in anchors if _OTHER_TEXT.fullmatch(a.get_text(strip=True))]
    for a in numbered + nexts + others:
        # (An article's own number is no page number: "Bài sau" links on some listings.)
        if a["href"].startswith(("javascript:", "#")) or _article_href(a, url):
            continue
        absolute = urljoin(url, a["href"].strip())
        number = a.get_text(strip=True) if a in numbered else None
        found = _page_template(absolute, root, number)
        if not found or (found[0] == "path" and a in others):
            continue
        kind, template, param = found
        extra = {k for k, _ in parse_qsl(urlsplit(absolute).query)} - here - {param}
        if extra and real_next is not None:
            # The page URL carries state this page's URL has not (Liferay's p_p_id, the
            # portlet's instance): follow the portal's own "next" link instead of a template.
            guess.evidence.append(f"{absolute} carries {', '.join(sorted(extra))}: following the next link")
            return False
        guess.pagination, guess.page_url, guess.next_url = kind, template, absolute
        guess.evidence.append(f"page link {absolute}: {kind} pagination `{template}`")
        return True
    return False


def _why_none(anchors: list[Tag]) -> str:
    if any(_POSTBACK.search(a["href"]) for a in anchors if a.get_text(strip=True).isdigit()):
        return "page links are ASP.NET postbacks but no enabled next control (the last page?): try page 1"
    scripted = [a for a in anchors if a.get("onclick") and (a.get_text(strip=True).isdigit() or _is_next(a))]
    if scripted:
        return (f"page links are script-driven (onclick=\"{scripted[0]['onclick']}\"): pages >= 2 come from "
                "a request the page's script makes; no pagination inferred")
    return "no link to another page found: a single page (or its last)"
