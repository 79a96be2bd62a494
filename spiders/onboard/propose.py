"""`provnews add-portal`: from one listing URL, a portal definition a person can read and edit.

Known families first (`recognise`): the definition is then the family plus the portal's
domain and categories. Otherwise (or with `infer=True`) every selector is inferred from the
pages' structure (`listing.infer_listing`, `article.infer_article`) onto the `generic` family;
a listing with no entries in its markup, filled by its script from a JSON API, is inferred as
the `json` kind (`json_listing.infer_json_listing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from spiders.definitions import Family
from spiders.families import FAMILIES
from spiders.onboard.article import infer_article
from spiders.onboard.errors import InferenceError
from spiders.onboard.fetch import Fetcher
from spiders.onboard.json_listing import infer_json_listing
from spiders.onboard.listing import infer_listing
from spiders.onboard.recognise import listing_matches, match
from spiders.onboard.script import script_request
from spiders.onboard.toml import dumps
from spiders.provinces import CURRENT, province_in
from spiders.urls import is_loopback

ARTICLE_SAMPLES = 6  # article pages fetched to infer (or check) the article selectors: a few lack images
MAX_MENU_CATEGORIES = 12


@dataclass
class Site:
    """Where a portal is served from and what it is called: `https://hatinh.gov.vn`, or a
    mirror's `http://127.0.0.1:PORT/hatinh.gov.vn` standing for it."""

    root: str
    domain: str

    @classmethod
    def of(cls, url: str) -> "Site":
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InferenceError(f"not a web address: {url}")
        first = parts.path.lstrip("/").split("/")[0]
        if is_loopback(url) and "." in first:  # the mirror serves each domain under its name
            return cls(f"{parts.scheme}://{parts.netloc}/{first}", first)
        host = parts.hostname.lower()
        return cls(f"{parts.scheme}://{parts.netloc}", host[4:] if host.startswith("www.") else host)

    def absolute(self, href: str, base: str) -> str:
        """The URL an href on one of the site's pages stands for: a root-relative path in a
        script (`'/APIVP/api/...'`) is below the site root, the mirror's prefix too."""
        url = urljoin(base, href.strip())
        if url.startswith(self.root) or urlsplit(url).netloc != urlsplit(self.root).netloc:
            return url
        return self.root + self.path(url)

    def path(self, url: str) -> str:
        """`url` below the site root: path and query."""
        rest = url[len(self.root):] if url.startswith(self.root) else urlsplit(url)._replace(
            scheme="", netloc="").geturl()
        return rest.split("#")[0] or "/"


@dataclass
class Proposal:
    key: str
    text: str                   # the definition file
    family: str
    how: str                    # "recognised" or "inferred"
    entries: int                # entries on the listing page
    next_url: str | None
    sample: dict                # title, date, first sentence of one article
    evidence: list[str] = field(default_factory=list)


def propose(url: str, key: str, *, name: str | None = None, province: str | None = None,
            province_current: str | None = None, categories: list[str] | None = None,
            infer: bool = False, fetcher: Fetcher | None = None) -> Proposal:
    fetcher = fetcher or Fetcher()
    site = Site.of(url)
    listing_html = fetcher.get(url)
    pages = {}

    def article(href: str) -> str:
        if href not in pages:
            pages[href] = fetcher.get(href)
        return pages[href]

    name = name or _site_name(listing_html, site.domain)
    province = province or province_in(name)
    if not province:
        raise InferenceError(f"the site's name ({name!r}) names no province: give --province")
    head = {"key": key, "name": name, "province": province,
            "province_current": province_current or CURRENT.get(province, province), "domains": [site.domain]}
    if not infer:
        known = _recognise(listing_html, url, article)
        if known is not None:
            return _from_family(known, head, site, url, listing_html, categories, pages)
    return _inferred(head, site, url, listing_html, article, fetcher)


# ---------------------------------------------------------------------- a known family

def _recognise(listing_html: str, url: str, article):
    """Each family whose listing selectors find entries on the page is tried on the first
    article its own link selector finds; the best match wins."""
    matches = []
    for family in FAMILIES.values():
        if family.key == "generic" or not listing_matches(family, listing_html)[0]:
            continue
        first = None
        if family.listing.pagination != "json":
            css = f"{family.listing.item} {family.listing.link.split('::')[0]}::attr(href)"
            hrefs = Selector(text=listing_html).css(css).getall()
            first = urljoin(url, hrefs[0].strip()) if hrefs else None
        try:
            found = match(family, listing_html, article(first) if first else None)
        except InferenceError:  # its article could not be fetched: not this family's evidence
            found = None
        if found is not None:
            matches.append(found)
    return max(matches, key=lambda m: m.score) if matches else None


def _from_family(match, head: dict, site: Site, url: str, html: str, categories, pages) -> Proposal:
    family: Family = match.family
    path = site.path(url)
    template = family.listing.url
    category = _category(template, path)
    overrides, evidence = {}, []
    if category is None:  # this portal's listings sit elsewhere: a query value or the last segment
        base, _, query = path.partition("?")
        params = [(k, v) for k, v in parse_qsl(query) if not re.fullmatch(r"\d+", v)]
        if len(params) == 1:
            category, template = params[0][1], f"{base}?{params[0][0]}={{category}}"
        else:
            head_path, _, category = base.rstrip("/").rpartition("/")
            template = f"{head_path}/{{category}}"
        overrides["url"] = template
        evidence.append(f"listing path {template} (the family's is {family.listing.url})")
    if family.listing.pagination in ("link", "query", "path"):
        # The family's usual paging, checked against the page's own page links.
        try:
            guess = infer_listing(html, url, root=site.root)
        except InferenceError:
            guess = None
        if guess and guess.pagination in ("link", "query", "path"):
            page_url = (guess.page_url or "").replace(path.split("?")[0], template.split("?")[0], 1) or None
            if category not in (page_url or category):
                page_url = None
            family_page = family.listing.page_url or ""
            if guess.pagination != family.listing.pagination or (page_url and page_url.replace(
                    "{category}", category) != family_page.replace("{category}", category)):
                overrides.update(pagination=guess.pagination,
                                 **({"page_url": page_url} if page_url else {}),
                                 **({"next_page": guess.next_page} if guess.pagination == "link" else {}))
                evidence.append(f"pages by {guess.pagination}: {page_url or guess.next_page}")
    found = categories or _menu_categories(html, url, site, template, category, family)
    definition = {**head, "family": family.key, "categories": found, "status": "modelled",
                  "notes": f"added by provnews add-portal from {url} on {date.today()}: "
                           f"recognised {family.key} ({'; '.join(match.evidence)})"}
    if overrides:
        definition["listing"] = overrides
    sample = _sample(family.article, family.date_formats, next(iter(pages.values()), None))
    return Proposal(head["key"], dumps(definition), family.key, "recognised", match.entries, None, sample,
                    [f"recognised family {family.key}: {family.name}", *match.evidence, *evidence,
                     f"categories: {', '.join(found)}"])


def _category(template: str, path: str) -> str | None:
    """The {category} of a family's listing path template in a URL path, or None."""
    rx = re.escape(template).replace(re.escape("{category}"), "(?P<category>[^?&#]+?)")
    rx = rx.replace(re.escape("{page}"), r"\d+")
    m = re.fullmatch(rx + r"/?(?:[?&].*)?", path)
    return m.group("category") if m else None


def _menu_categories(html: str, url: str, site: Site, template: str, category: str, family: Family) -> list[str]:
    """The site's other categories: menu links of the same shape as the given listing's (not
    article links, which carry the family's article id)."""
    from spiders.urls import url_key

    out = [category]
    for href in Selector(text=html).css("a::attr(href)").getall():
        absolute = urljoin(url, href.strip())
        if not absolute.startswith(site.root) or "#" in url_key(absolute, family.id_params, family.id_path):
            continue
        if any(k.lower() in {p.lower() for p in family.id_params} for k, _ in parse_qsl(urlsplit(absolute).query)):
            continue
        other = _category(template, site.path(absolute))
        if other and other not in out and "/" not in other.strip("/"):
            out.append(other)
        if len(out) >= MAX_MENU_CATEGORIES:
            break
    return out


# ---------------------------------------------------------------------- inferred

def _inferred(head: dict, site: Site, url: str, html: str, article, fetcher: Fetcher) -> Proposal:
    try:
        guess = infer_listing(html, url, root=site.root)
        if not guess.entries:
            raise InferenceError(f"no article links found on {url}")
    except InferenceError as no_links:
        # No entries in the markup: a listing its script fills from an API, or nothing to infer.
        return _inferred_json(head, site, url, html, fetcher, no_links)
    samples = []
    for href, _ in guess.entries[:ARTICLE_SAMPLES]:
        try:
            samples.append((article(href), href))
        except InferenceError:
            continue
    if not samples:
        raise InferenceError(f"none of the first {ARTICLE_SAMPLES} articles listed on {url} could be fetched")
    art = infer_article(samples)
    path = site.path(url)
    listing = {"url": "{category}", "item": guess.item, "link": guess.link, "date": guess.date,
               "pagination": guess.pagination or "link"}
    if guess.pagination in ("query", "path"):
        # Page N of this listing, written on its first page's path (the category) when it extends it.
        listing["page_url"] = ("{category}" + guess.page_url[len(path):]) if guess.page_url.startswith(path) \
            else guess.page_url
    elif guess.pagination in ("link", "postback"):
        listing["next_page"] = guess.next_page
        if guess.form:
            listing["form"] = guess.form
    elif (request := script_request(html)) is not None:  # page links that only run a script
        listing.update(pagination="fragment", endpoint=site.path(urljoin(url, request.endpoint)),
                       method=request.method, params=request.params, script_params=request.script_params,
                       page_size=request.page_size or len(guess.entries))
        guess.evidence.append(f"pages >= 2 by the request the page's script makes: {request.method} "
                              f"{listing['endpoint']} with {', '.join(request.params)}")
    else:
        listing["next_page"] = ".provnews-no-next-page"  # one page: nothing pages on
    selectors = {k: v for k, v in vars(art.selectors).items() if v not in (None, (), "")}
    identity = _identity([site.path(u) for u, _ in guess.entries])
    definition = {**head, "family": "generic", "categories": [path], "status": "modelled",
                  "notes": f"inferred by provnews add-portal from {url} on {date.today()}; no known family matched",
                  **identity, "listing": {k: v for k, v in listing.items() if v is not None},
                  "article": selectors}
    return Proposal(head["key"], dumps(definition), "generic", "inferred", len(guess.entries), guess.next_url,
                    {"title": art.title, "date": art.date_text, "first sentence": art.first_sentence},
                    [*guess.evidence, *art.evidence])


def _inferred_json(head: dict, site: Site, url: str, html: str, fetcher: Fetcher,
                   no_links: InferenceError) -> Proposal:
    found = infer_json_listing(html, url, site, fetcher)
    if found is None:
        raise no_links
    definition = {**head, "family": "generic", "categories": [found.category], "status": "modelled",
                  "notes": f"inferred by provnews add-portal from {url} on {date.today()}; no known family matched; "
                           "the listing is the JSON API its script calls, its records are the articles",
                  **_identity(found.sample_paths), "listing": found.listing, "article": found.article}
    return Proposal(head["key"], dumps(definition), "generic", "inferred", found.entries, None, found.sample,
                    found.evidence)


def _identity(paths: list[str]) -> dict:
    """What names an article, from the listed URLs: a query parameter holding a number on every
    URL, or a number at the end of every path."""
    # Mostly distinct: one article listed twice on a page (under two categories) is the very
    # case an id is for.
    queries = [dict(parse_qsl(urlsplit(p).query)) for p in paths]
    for name in (queries[0] if queries else {}):
        if all(re.fullmatch(r"\d+", q.get(name, "")) for q in queries) and len({q[name] for q in queries}) >= 0.8 * len(queries):
            return {"id_params": [name]}
    for rx in (r"-post(\d+)\.html?$", r"-(\d+)(?:\.\w+)?$", r"/(\d+)-[^/]+$"):
        ids = [re.search(rx, urlsplit(p).path) for p in paths]
        if paths and all(ids) and len({m.group(1) for m in ids}) >= 0.8 * len(ids):
            return {"id_path": rx}
    return {}


def _site_name(html: str, domain: str) -> str:
    """The site's own name: og:site_name, the page title or the logo's text, whichever names a
    province (`Cổng thông tin điện tử tỉnh Cao Bằng`), else the title."""
    page = Selector(text=html)
    texts = [page.css("meta[property='og:site_name']::attr(content)").get(), page.css("title::text").get()]
    texts += [" ".join(e.css("::text, *::text").getall()) for e in
              page.css("[class*=logo], [id*=logo], [class*=banner], header h1, header a")[:5]]
    texts = [" ".join(t.split()) for t in texts if t and t.strip()]
    return next((t for t in texts if province_in(t)), texts[1] if len(texts) > 1 else domain) if texts else domain


def _sample(selectors, date_formats, html: str | None) -> dict:
    """What the selectors give on one article: the user's first check of the definition."""
    if not html:
        return {}
    from flows.cleaning.html import select_text
    page = Selector(text=html)
    body = page.css(selectors.region.split("::")[0])
    text = " ".join(" ".join(body[0].css("*::text").getall()).split()) if body else ""
    return {"title": select_text(page, selectors.title), "date": select_text(page, selectors.date),
            "first sentence": re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0][:200] if text else None}


# ---------------------------------------------------------------------- a redesign

def redesign(url: str, old, fetcher: Fetcher | None = None) -> Proposal:
    """A portal that has a definition: which of its selectors no longer match the pages, what
    would be used instead, as the next version of its definition (the old one stays, for the
    raw pages crawled with it)."""
    from flows.cleaning.html import select_text
    from spiders.portals import read_data

    fetcher = fetcher or Fetcher()
    site = Site.of(url)
    html = fetcher.get(url)
    page = Selector(text=html)
    entries = [e for e in page.css(old.listing.item) if e.css(old.listing.link).get()] if old.listing.item else []
    evidence = [f"listing: {len(entries)} entries match `{old.listing.item}` (version {old.version})"]
    data = {k: v for k, v in read_data(Path(old.source)).items() if k not in ("version", "valid_from")}
    if entries:
        hrefs = [urljoin(url, e.css(old.listing.link).get().strip()) for e in entries]
    else:  # the listing changed too: infer it
        guess = infer_listing(html, url, root=site.root)
        hrefs = [u for u, _ in guess.entries]
        evidence += [f"listing no longer matches; would use item `{guess.item}`, link `{guess.link}`"]
        data["listing"] = {**data.get("listing", {}), "item": guess.item, "link": guess.link, "date": guess.date}
    samples = []
    for href in hrefs[:ARTICLE_SAMPLES]:
        try:
            samples.append((fetcher.get(href), href))
        except InferenceError:
            continue
    if not samples:
        raise InferenceError(f"none of the articles listed on {url} could be fetched")
    changed = []
    for name in ("region", "title", "date", "lead", "author"):
        selector = getattr(old.article, name)
        if selector and not all(select_text(Selector(text=h), selector) for h, _ in samples):
            changed.append(name)
    if not changed and entries:
        raise InferenceError(f"{old.key}'s definition (version {old.version}) still matches {url}: nothing to change")
    guess = infer_article(samples)
    for name in changed:
        evidence.append(f"article.{name} `{getattr(old.article, name)}` no longer matches; "
                        f"would use `{getattr(guess.selectors, name)}`")
    data["article"] = {k: v for k, v in vars(guess.selectors).items() if v not in (None, (), "")}
    data.update(version=old.version + 1, valid_from=str(date.today()),
                notes=f"version {old.version + 1} proposed by provnews add-portal from {url} on {date.today()} "
                      f"after a redesign ({', '.join(changed) or 'listing'} changed); " + (data.get("notes") or ""))
    return Proposal(old.key, dumps(data), old.family.key, f"version {old.version + 1} of", len(hrefs), None,
                    {"title": guess.title, "date": guess.date_text, "first sentence": guess.first_sentence},
                    evidence + guess.evidence)


def write(proposal: Proposal, directory: Path, version: int = 1) -> Path:
    """The definition file in `directory`: `<key>.toml`, or `<key>.v<N>.toml` for a redesign's
    version N beside the old one, which is never overwritten."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (f"{proposal.key}.toml" if version == 1 else f"{proposal.key}.v{version}.toml")
    if path.exists():
        raise InferenceError(f"{path} exists: remove it, or give another --key")
    path.write_text(proposal.text, encoding="utf-8")
    return path
