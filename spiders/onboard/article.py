"""Article selectors of an unknown portal, inferred from 2-3 of its article pages.

Each page is explored with BeautifulSoup (lxml): the body region is the smallest element holding
most of the long text, the title the heading that repeats the page's <title>, the date the short
element nearest the title that parses as a Vietnamese date. Every element found yields candidate
selectors built from its tag, id and classes; a candidate is kept only if parsel, the cleaner's
own dialect, finds the same text with it on EVERY sample page, so one page's accident (an id with
the article number, a class one article lacks) never becomes the definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from bs4 import BeautifulSoup, Tag
from parsel import Selector

from flows.cleaning.html import select_text
from spiders.dates import parse_vn_datetime
from spiders.definitions import ArticleSelectors
from spiders.onboard.errors import InferenceError

# Boxes around the article that are never its text (menus, sidebars, related news, share bars).
CHROME = re.compile(r"nav|menu|footer|sidebar|side-bar|right-col|col-right|cotphai|breadcrumb|duongdan"
                    r"|related|relate|other|tin-?khac|lien-?quan|cung-?chuyen-?muc|most-read|doc-?nhieu"
                    r"|comment|share|social|(?:^|[-_])tags?(?:$|[-_])", re.I)
CHROME_TAGS = {"nav", "footer", "aside", "script", "style", "noscript"}
# Inside the region: toolbars and boxes the cleaner must drop as elements.
DROP = re.compile(r"share|social|print|toolbar|(?:^|[-_])tools?(?:$|[-_])|related|relate|other|tin-?khac"
                  r"|lien-?quan|cung-?chuyen-?muc|rating|(?:^|[-_])tags?(?:$|[-_])|comment", re.I)
LEAD = re.compile(r"sapo|summary|description|(?:^|[-_])lead|tomtat|tom-tat|mota|mo-ta|(?:^|[-_])desc", re.I)
AUTHOR = re.compile(r"author|tacgia|tac-gia|tac_gia|byline|butdanh", re.I)
CAPTION = re.compile(r"caption|chuthich|chu-thich", re.I)
VIEWS = re.compile(r"(?:lượt xem|view count)\s*:?\s*[\d.,]+|[\d.,]+\s*lượt xem", re.I)
DMY = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
# What a date line holds besides the date: its labels, the time, the view counter.
DATE_LINE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{1,2}:\d{2}(:\d{2})?|[AP]M|ngày đăng|đăng ngày|đăng tải|cập nhật"
                       r"|ngày|lượt xem|view count|thứ \w+|chủ nhật|[\d|,:\-–]", re.I)
# Layout classes that say nothing about the content (grid columns, clearfix, CMS field wrappers).
GENERIC = re.compile(r"^(row|container|clearfix|col(-\w+)*|span\d+|ms-rtestate-field|cms-\w+|zce-[\w-]+)$")
OG_DESCRIPTION = "meta[property='og:description']::attr(content)"
LONG_TEXT = 40  # a text run at least this long is article text, not a menu entry


@dataclass
class ArticleGuess:
    selectors: ArticleSelectors
    title: str | None
    date_text: str | None
    first_sentence: str | None
    evidence: list[str] = field(default_factory=list)


def text(el: Tag) -> str:
    return " ".join(el.get_text().split())


def names(el: Tag) -> list[str]:
    return [*el.get("class", []), el.get("id") or ""]


def in_chrome(el: Tag) -> bool:
    return any(a.name in CHROME_TAGS or any(CHROME.search(n) for n in names(a) if n)
               for a in [el, *el.parents] if isinstance(a, Tag))


def fold(s: str) -> str:
    return " ".join(s.casefold().split())


class Page:
    """One sample page: its bs4 tree for exploring, its parsel tree for checking selectors."""

    def __init__(self, html: str, url: str):
        self.url, self.sel = url, Selector(text=html)
        self.soup = BeautifulSoup(html, "lxml")
        self.order = {id(el): i for i, el in enumerate(self.soup.find_all(True))}
        meta = self.soup.find("meta", property="og:title")
        self.head_title = fold((meta.get("content") if meta else None)
                               or (self.soup.title.get_text() if self.soup.title else ""))
        self.region = self._region()

    def pos(self, el: Tag) -> int:
        return self.order.get(id(el), -1)

    def _region(self) -> Tag | None:
        """The deepest element holding 75% of the long text runs outside chrome and leads (a
        sapo outside the body must not pull the region up to their common parent)."""
        weight: dict[int, int] = {}
        nodes: dict[int, Tag] = {}
        total = 0
        for s in self.soup.find_all(string=True):
            run = " ".join(s.split())
            el = s.parent
            if len(run) < LONG_TEXT or el.name in ("a", "title") or in_chrome(el) \
                    or any(LEAD.search(n) for a in [el, *el.parents] for n in names(a) if n):
                continue
            total += len(run)
            for a in [el, *el.parents]:
                weight[id(a)] = weight.get(id(a), 0) + len(run)
                nodes[id(a)] = a
        if total < 200:
            return None
        chain = [nodes[k] for k, w in weight.items() if w >= 0.75 * total and nodes[k].name not in
                 ("[document]", "html", "body", "main", "form")]
        return max(chain, key=lambda el: len(list(el.parents)), default=None)


def candidates(el: Tag) -> list[str]:
    """Selectors for an element: its id, each class, all classes; then the same under the
    nearest named ancestors. An element known only by its tag or a layout class (`h1`,
    `div.ms-rtestate-field`) is qualified by an ancestor first: alone it may match a sidebar's."""
    def own(e: Tag) -> tuple[list[str], bool]:
        out = []
        if e.get("id") and not re.search(r"\d{3,}", e["id"]):
            out.append(f"{e.name}#{e['id']}")
        classes = [c for c in e.get("class", []) if not re.search(r"\d{3,}", c)]
        named = [c for c in classes if not GENERIC.match(c)]
        out += [f"{e.name}.{c}" for c in named or classes]
        if len(classes) > 1:
            out.append(e.name + "".join(f".{c}" for c in classes))
        return out, bool(named or out and "#" in out[0])
    mine, specific = own(el)
    mine = mine or [el.name]
    anc = [s for a in list(el.parents)[:4] if isinstance(a, Tag) and a.name not in ("html", "body")
           for s in own(a)[0][:1]]
    qualified = [f"{a} {m}" for a in anc for m in mine]
    return [*mine, *qualified] if specific else [*qualified, *mine]


def common(found: list[Tag | None], pages: list[Page], same=None) -> str | None:
    """The first candidate selector (from any page's element) whose first match on every page has
    that page's element's text; a page where nothing was found must match nothing."""
    same = same or (lambda page, sel, want: select_text(page.sel, sel) == want)
    seen = []
    for el in found:
        for sel in candidates(el) if el is not None else []:
            if sel in seen:
                continue
            seen.append(sel)
            if all(same(p, sel, text(e) if e is not None else None) for p, e in zip(pages, found)):
                return sel
    return None


def _title(p: Page) -> Tag | None:
    """The heading whose text best matches <title>/og:title, before the body's first text (a
    sidebar box heading, even an h1, matches nothing)."""
    runs = [s.parent for s in p.region.find_all(string=True) if len(" ".join(s.split())) >= LONG_TEXT]
    limit = p.pos(runs[0]) if runs else p.pos(p.region) + 1
    best, score = None, 0.6
    for el in p.soup.find_all(["h1", "h2", "h3", "h4", "p", "div", "span"]):
        t = fold(text(el))
        if not t or len(t) > 300 or p.pos(el) >= limit or el.find(["p", "div", "h1", "h2"]) or in_chrome(el):
            continue
        s = 1.0 if len(t) >= 10 and t in p.head_title else SequenceMatcher(None, t, p.head_title).ratio()
        s += 0.05 if el.name[0] == "h" else 0  # a heading wins a tie with a div around it
        if s > score:
            best, score = el, s
    return best


def _date(p: Page, anchor: Tag | None) -> tuple[Tag | None, bool]:
    """The short element nearest the title whose own text parses as a date; a time[datetime] first."""
    near = p.pos(anchor) if anchor is not None else p.pos(p.region)
    times = [t for t in p.soup.find_all("time", datetime=True)
             if not in_chrome(t) and parse_vn_datetime(t["datetime"])]
    if times:
        return min(times, key=lambda t: abs(p.pos(t) - near)), True
    found = [el for el in p.soup.body.find_all(True) if len(text(el)) <= 120 and DMY.search(text(el))
             and _plausible(parse_vn_datetime(text(el))) and not in_chrome(el)
             and not any(DMY.search(text(c)) for c in el.find_all(True))]  # the deepest one
    # A date line is the date and its labels; a sentence that quotes a date (a sapo citing a
    # resolution `ngày 4/5/2023`) is not, however near the title.
    dated = [el for el in found if len(DATE_LINE.sub("", text(el))) <= 30] or found
    return (min(dated, key=lambda el: abs(p.pos(el) - near)) if dated else None), False


def _plausible(dt) -> bool:
    return dt is not None and 1995 <= dt.year <= 2100


def _named(p: Page, rx: re.Pattern, limit: int) -> Tag | None:
    """The deepest element outside chrome whose class/id matches `rx`, with short text."""
    hits = [el for el in p.soup.body.find_all(True) if any(rx.search(n) for n in names(el) if n)
            and 0 < len(text(el)) <= limit and not in_chrome(el) and el is not p.region
            and p.region not in el.descendants]
    return max(hits, key=lambda el: len(list(el.parents)), default=None)


def _views(p: Page) -> Tag | None:
    """The deepest short element saying `Lượt xem: N` / `N lượt xem` / `View count: N`."""
    hits = [el for el in p.soup.body.find_all(True) if len(text(el)) <= 60 and VIEWS.search(text(el))
            and not any(VIEWS.search(text(c)) for c in el.find_all(True))]
    return hits[0] if hits else None


def _captions(p: Page) -> list[str]:
    """Caption markup inside the region: figcaption, a caption-classed cell or paragraph, or an
    image paragraph followed by a wholly italic one (RadEditor)."""
    out = ["figcaption"] if p.region.find("figcaption") else []
    for el in p.region.find_all(["td", "p", "div", "span"], class_=CAPTION):
        out.append(f"{el.name}.{next(c for c in el['class'] if CAPTION.search(c))}")
    for img_p in p.region.find_all("p"):
        nxt = img_p.find_next_sibling()
        if img_p.find("img") and not text(img_p) and nxt is not None and nxt.name == "p" \
                and not nxt.get("class") and nxt.find(["em", "i"]) and text(nxt.find(["em", "i"])) == text(nxt):
            img = img_p.find("img")
            out.append(f"p:has(img{'.' + img['class'][0] if img.get('class') else ''}) + p")
    return list(dict.fromkeys(out))


def _og_repeats(ps: list[Page], els: list[Tag | None]) -> bool:
    """og:description holds the element's text on every page that has the element."""
    return all(e is None or fold(select_text(p.sel, OG_DESCRIPTION) or "") == fold(text(e)) for p, e in zip(ps, els))


def _region_same(page: Page, sel: str, want: str | None) -> bool:
    found = page.sel.css(sel)
    return bool(found) and " ".join("".join(found[0].root.itertext()).split()) == want


def _date_selector(ps: list[Page], titles: list[Tag | None]) -> str | None:
    dates = [_date(p, t) for p, t in zip(ps, titles)]
    if all(is_time for _, is_time in dates):  # ISO in the attribute: any element holding one will do
        sel = common([d for d, _ in dates], ps, lambda page, sel, want: _plausible(
            parse_vn_datetime(select_text(page.sel, sel + "::attr(datetime)"))))
        return sel and sel + "::attr(datetime)"
    sel = common([d for d, _ in dates], ps) if all(d for d, _ in dates) else None
    return sel and sel + "::text"


def _verify(s: ArticleSelectors, ps: list[Page]) -> None:
    """The final check in the cleaner's own dialect: the body and a date on every page (parsel
    also rejects a selector it cannot parse)."""
    for p in ps:
        if not p.sel.css(s.region) or not _plausible(parse_vn_datetime(select_text(p.sel, s.date))):
            raise InferenceError(f"the inferred selectors miss the body or the date on {p.url}")
        for css in (s.captions, *s.drop):
            p.sel.css(s.region)[0].css(css)


def infer_article(pages: list[tuple[str, str]]) -> ArticleGuess:
    ps = [Page(html, url) for html, url in pages]
    if not ps:
        raise InferenceError("no article pages to infer the article selectors from")
    for p in ps:
        if p.region is None:
            raise InferenceError(f"no article body found on {p.url}: no element holds most of the page's text")
    evidence = []
    region = common([p.region for p in ps], ps, _region_same)
    if region is None:
        raise InferenceError(f"the article body has no selector common to {len(ps)} sample pages "
                             f"({', '.join(candidates(ps[0].region)[:2])} on the first)")
    evidence.append(f"body: {region}, the smallest element holding most of the text on every page")

    titles = [_title(p) for p in ps]
    title = common(titles, ps) if all(titles) else None
    if title:
        title += "::text"
        evidence.append(f"title: {title}, the heading repeating the page's <title>")
    else:
        title = "meta[property='og:title']::attr(content)"
        evidence.append("title: no heading matches <title> on every page; og:title")

    date = _date_selector(ps, titles)
    evidence.append(f"date: {date}, the dated element nearest the title" if date
                    else "date: no dated element common to the pages (the cleaner reads the text)")

    drop: list[str] = []

    def optional(kind: str, els: list[Tag | None], why: str) -> str | None:
        sel = common(els, ps) if any(els) else None
        inside = sel and any(e is not None and p.region in e.parents for p, e in zip(ps, els))
        if inside and kind == "lead" and _og_repeats(ps, els):
            # The cleaner drops elements before it reads the others: a sapo inside the body can
            # be dropped only when og:description repeats it.
            drop.append(sel)
            sel = OG_DESCRIPTION
        if sel:
            evidence.append(f"{kind}: {sel}, {why}" + (" (inside the body: the cleaner drops its repeat)"
                                                         if inside and sel not in drop else ""))
        return sel

    lead = optional("lead", [_named(p, LEAD, 1000) for p in ps], "a sapo/summary element")
    author = optional("author", [_named(p, AUTHOR, 80) for p in ps], "an author element")
    views = optional("views", [_views(p) for p in ps], "the view counter")
    for p in ps:
        drop += [f"{el.name}.{c}" for el in p.region.find_all(True) for c in el.get("class", [])
                 if DROP.search(c)] + [t for t in ("script", "style") if p.region.find(t)]
    drop = list(dict.fromkeys(drop))
    if drop:
        evidence.append(f"drop: {', '.join(drop)} (toolbars, related boxes, elements taken apart)")
    caps = list(dict.fromkeys(c for p in ps for c in _captions(p))) or ["figcaption"]
    evidence.append(f"captions: {', '.join(caps)}")

    selectors = ArticleSelectors(region=region, title=title, date=date or "time::attr(datetime)", lead=lead,
                                 author=author, views=views, captions=", ".join(caps), drop=tuple(drop))
    _verify(selectors, ps)
    first = ps[0].sel.css(region)[0]
    body = next((t for t in (" ".join("".join(e.itertext()).split()) for e in first.root.iter("p"))
                 if len(t) >= LONG_TEXT), "")
    return ArticleGuess(selectors, select_text(ps[0].sel, title), select_text(ps[0].sel, date),
                        re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0][:200] or None, evidence)
