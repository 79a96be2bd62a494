"""One spider for every portal: listing pages, then article pages, driven by the definitions in
`spiders.portals`. `scrapy list` shows one spider per portal; each is this class plus data."""

from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import FormRequest, Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from spiders.dates import parse_day, parse_vn_datetime
from spiders.items import PageItem, RejectItem, body_fields
from spiders.middlewares import OffsiteRequest
from spiders.portals import PORTALS, Portal
from spiders.urls import Scope, is_loopback, scope_for

# Loopback targets (the mirror) need no politeness: it is our own server on this machine.
LOOPBACK_SETTINGS = {"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "CONCURRENT_REQUESTS": 32}
KEPT_HEADERS = ("Content-Type", "Content-Length", "Last-Modified", "ETag", "Date", "Server")
_POSTBACK = re.compile(r"__doPostBack\('([^']*)','([^']*)'\)")


class ArticleRequest(scrapy.Request):
    """An article page's request. A resumable crawl (JOBDIR) serialises each request it queues,
    and Scrapy finds the names of its callback and errback by listing every member of the spider
    (`inspect.getmembers`), twice a request: 2 % of a backfill crawl's CPU, profiled. A method of
    the spider itself names itself; Scrapy takes a name as it is."""

    def to_dict(self, *, spider: scrapy.Spider | None = None) -> dict:
        functions = self.callback, self.errback
        self.callback, self.errback = (f.__name__ if spider is not None and getattr(f, "__self__", None) is spider
                                       else f for f in functions)
        try:
            return super().to_dict(spider=spider)
        finally:
            self.callback, self.errback = functions


class PortalSpider(scrapy.Spider):
    """Arguments (all optional, strings as Scrapy passes them):
    known_urls: a file of URL keys already in the warehouse — a category's walk stops at the
        first listing page with nothing new;
    since / until: YYYY-MM-DD bounds on the listed date (a walk stops at older pages);
    mirror_url: serve every domain of the portal from this mirror;
    base_url: serve the home domain from this URL (same paths).
    """

    portal: Portal

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # A loopback target (the mirror) is our own server on this machine: no politeness
        # delay. Here, not in the runner, so that `scrapy crawl` gets it too; `-s` still wins.
        if is_loopback(kwargs.get("mirror_url") or kwargs.get("base_url")):
            crawler.settings.setdict(LOOPBACK_SETTINGS, priority="spider")
        return spider

    def __init__(self, known_urls=None, since=None, until=None, mirror_url=None, base_url=None,
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope_for(self.portal.domains, mirror_url=mirror_url, base_url=base_url)
        self.known = known_keys(known_urls) if known_urls else frozenset()
        self.since: date | None = parse_day(since) if since else None
        self.until: date | None = parse_day(until) if until else None

    # ------------------------------------------------------------------ listing pages

    def listing_url(self, category: str, page: int) -> str:
        listing = self.portal.listing
        template = listing.url if page == 1 or not listing.page_url else listing.page_url
        return self.scope.root(self.portal.home) + template.format(category=category, page=page)

    def listing_request(self, category: str, page: int, captured: dict | None = None) -> Request:
        """The request for a category's page: the listing page itself, or (fragment pages >= 2,
        every json page) the request the page's script makes."""
        listing = self.portal.listing
        kwargs = {"category": category, "page": page, "captured": captured or {}}
        common = dict(callback=self.parse_listing, errback=self.on_error, cb_kwargs=kwargs,
                      meta={"stage": "listing"})
        if listing.pagination == "json" or (listing.pagination == "fragment" and page > 1):
            values = {"category": category, "page": page, "page_size": listing.page_size,
                      "start": (page - 1) * listing.page_size, **(captured or {})}
            url = self.scope.root(self.portal.home) + listing.endpoint.format(**values)
            form = {k: str(v).format(**values) for k, v in listing.params.items()}
            # Each page of an endpoint is one URL with another body: Scrapy's fingerprint
            # includes the body, so the duplicate filter still knows one page from another.
            return FormRequest(url, method=listing.method, formdata=form, **common)
        return Request(self.listing_url(category, page), **common)

    async def start(self):
        self.note_target()
        for category in self.portal.categories:
            yield self.listing_request(category, 1)

    def listing_entries(self, response, category: str):
        """(article URL, listed date text, JSON record or None) for each entry of a listing page."""
        listing = self.portal.listing
        if listing.pagination == "json":
            try:
                records = json.loads(response.text).get(listing.records) or []
            except (ValueError, AttributeError):
                records = []
            fields = listing.record_fields
            for record in records:
                if not isinstance(record, dict) or record.get(fields["id"]) in (None, ""):
                    continue
                path = listing.article_url.format(id=record[fields["id"]], category=category)
                yield self.scope.root(self.portal.home) + path, record.get(fields.get("date", "")), record
            return
        for entry in response.css(listing.item):
            href = entry.css(listing.link).get()
            if href:
                yield response.urljoin(href.strip()), entry.css(listing.date).get() if listing.date else None, None

    def parse_listing(self, response, category: str, page: int, captured: dict | None = None):
        self.crawler.stats.inc_value("provnews/listing_pages")
        unknown = listed_count = 0
        fresh = False  # an entry this walk has not listed before (a page that loops back has none)
        listed = None
        walk_keys = self._walk_keys.setdefault(category, set())
        for url, date_text, record in self.listing_entries(response, category):
            self.crawler.stats.inc_value("provnews/listing_entries")
            listed_count += 1
            listed = parse_vn_datetime(date_text)
            key = self.portal.url_key(self.scope.to_logical(url))
            if key not in walk_keys:
                walk_keys.add(key)
                fresh = True
            if key in self.known or key in self.seen:
                continue
            unknown += 1
            if listed and self.since and listed.date() < self.since:
                continue
            if listed and self.until and listed.date() > self.until:
                continue
            limit = self.settings.getint("PROVNEWS_MAX_ARTICLES")
            if limit and len(self.seen) >= limit:
                continue
            self.seen.add(key)
            meta = {"stage": "fetch", "url_key": key, "category": category,
                    "listed_date": listed.isoformat() if listed else None}
            if record is not None:  # the endpoint's record is the article: nothing more to fetch
                yield self.record_item(response, url, record, meta)
                continue
            yield ArticleRequest(url, callback=self.parse_article, errback=self.on_error, dont_filter=True,
                                 meta=meta)
        # Listings are newest first: a page with nothing unknown (a scheduled run reaching what
        # it already has), or whose last entry is older than --since, ends this category's walk.
        # PROVNEWS_FULL_WALK keeps going past known pages, after a crawl cut short by its bound.
        # (The last entry, not the first: portals pin old posts at the top.) A page with no
        # entries, or only entries this walk already listed (a pagination that loops back), is
        # the end whatever the walk.
        walk = self.walks.setdefault(category, {"oldest": None, "done": False})
        if listed:
            walk["oldest"] = listed.date().isoformat()
        caught_up = unknown == 0 and not self.settings.getbool("PROVNEWS_FULL_WALK")
        if not fresh or caught_up or (self.since and listed and listed.date() < self.since):
            self.crawler.stats.inc_value("provnews/walks_stopped_early" if fresh else "provnews/walks_ended")
            walk["done"] = True
            return
        if page >= self.settings.getint("PROVNEWS_MAX_LISTING_PAGES"):
            self.crawler.stats.inc_value("provnews/walks_capped")
            walk["done"] = True
            # A pagination that never ends, or a portal deeper than the bound: say so in rejects.
            yield RejectItem(self.portal.key, self.scope.to_logical(response.url), None, "listing",
                             "listing_walk_capped", response.status,
                             f"category {category}: stopped after {page} pages (PROVNEWS_MAX_LISTING_PAGES)")
            return
        yield from self.next_page(response, category, page, listed_count, captured)

    def record_item(self, response, url: str, record: dict, meta: dict) -> PageItem:
        """A JSON endpoint's record, staged as the article's raw page (the cleaner reads it)."""
        return PageItem(
            portal=self.portal.key, url=self.scope.to_logical(url), url_key=meta["url_key"],
            fetched_url=response.url, status=response.status,
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            body=json.dumps(record, ensure_ascii=False), category=meta["category"],
            listed_date=meta["listed_date"])

    @property
    def seen(self) -> set[str]:
        """URL keys of the articles requested. Article requests skip Scrapy's duplicate filter
        (so that a redirect loop ends at REDIRECT_MAX_TIMES with a reject, instead of being
        dropped unseen when it comes back to its first URL): this set is what keeps each article
        to one request, and it is kept in `self.state` so that a resumed crawl knows it too."""
        if not hasattr(self, "state"):
            self.state = {}
        return self.state.setdefault("seen", set())

    earlier_scopes: list[Scope] = []

    def note_target(self) -> None:
        """Record where the portal is served from in this part of the crawl. A resumed crawl
        whose portal is now served from elsewhere (the mirror on another port, another
        --base-url) learns the earlier places: the scope middleware moves the requests they
        queued here. Called once the crawl has opened, when Scrapy has loaded `self.state`."""
        if not hasattr(self, "state"):
            self.state = {}
        targets = self.state.setdefault("targets", [])
        if self.scope.roots not in targets:
            targets.append(self.scope.roots)
        self.earlier_scopes = [Scope(roots) for roots in targets if roots != self.scope.roots]

    @property
    def walks(self) -> dict:
        """Per category: the oldest listed day reached and whether the walk has ended. Kept in
        `self.state`, which Scrapy saves in the JOBDIR, so a resumed crawl knows its progress."""
        if not hasattr(self, "state"):
            self.state = {}
        return self.state.setdefault("walks", {})

    def coverage(self) -> float | None:
        """The share of the --since..--until range the category walks have covered: a backfill's
        progress, since nobody knows the page count in advance. None without --since."""
        if not self.since:
            return None
        until = self.until or date.today()
        span = max((until - self.since).days, 1)
        shares = []
        for category in self.portal.categories:
            walk = self.walks.get(category) or {"oldest": None, "done": False}
            if walk["done"]:
                shares.append(1.0)
            elif walk["oldest"]:
                shares.append(min(max((until - date.fromisoformat(walk["oldest"])).days / span, 0.0), 1.0))
            else:
                shares.append(0.0)
        return sum(shares) / len(shares)

    def next_page(self, response, category: str, page: int, listed_count: int, captured: dict | None):
        listing = self.portal.listing
        kind = listing.pagination
        if kind in ("query", "path", "json", "fragment"):
            if kind in ("json", "fragment") and page > 1 and listed_count < listing.page_size:
                self.walks[category]["done"] = True  # a short page of an endpoint is its last
                return
            if kind == "fragment" and page == 1:
                captured = self._script_params(response)
                if captured is None:
                    self.walks[category]["done"] = True
                    yield RejectItem(self.portal.key, self.scope.to_logical(response.url), None, "listing",
                                     "no_pagination_params", response.status,
                                     f"category {category}: the page's script does not give "
                                     f"{', '.join(listing.script_params)}")
                    return
            yield self.listing_request(category, page + 1, captured)
            return
        target = response.css(listing.next_page).get() if listing.next_page else None
        if not target:
            self.walks[category]["done"] = True
            return
        kwargs = {"category": category, "page": page + 1}
        if kind == "postback":
            m = _POSTBACK.search(target)
            if not m:
                self.walks[category]["done"] = True
                return
            yield FormRequest.from_response(
                response, formcss=listing.form, dont_click=True, callback=self.parse_listing,
                errback=self.on_error, cb_kwargs=kwargs, meta={"stage": "listing"},
                formdata={"__EVENTTARGET": m.group(1), "__EVENTARGUMENT": m.group(2)})
        else:
            # Scrapy's duplicate filter drops a link back to a page already seen: a pagination
            # that loops back to page 1 ends here.
            yield response.follow(target, callback=self.parse_listing, errback=self.on_error,
                                  cb_kwargs=kwargs, meta={"stage": "listing"})

    def _script_params(self, response) -> dict | None:
        """The values the page's script sends with its pagination requests (`script_params`)."""
        out = {}
        for name, pattern in self.portal.listing.script_params.items():
            m = re.search(pattern, response.text)
            if not m:
                return None
            out[name] = m.group(1)
        return out

    @property
    def _walk_keys(self) -> dict[str, set[str]]:
        """Per category, the article keys this walk has listed (in memory: a resumed walk that
        meets a loop again stops one page later)."""
        if not hasattr(self, "_listed_in_walk"):
            self._listed_in_walk = {}
        return self._listed_in_walk

    # ------------------------------------------------------------------ article pages

    def parse_article(self, response):
        meta = response.meta
        logical = self.scope.to_logical(response.url)
        ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        # Scrapy sniffs bodies, so a text-like PDF can arrive as a TextResponse: trust the header.
        if not isinstance(response, TextResponse) or (ctype and "html" not in ctype and "xml" not in ctype):
            yield RejectItem(self.portal.key, logical, meta["url_key"], "fetch", "not_html",
                             response.status, ctype)
            return
        redirects = meta.get("redirect_urls") or []
        yield PageItem(
            portal=self.portal.key,
            url=logical,
            url_key=meta["url_key"],
            fetched_url=response.url,
            status=response.status,
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            headers={h: response.headers.get(h).decode("latin-1") for h in KEPT_HEADERS
                     if response.headers.get(h) is not None},
            **body_fields(response.body),
            category=meta.get("category"),
            listed_date=meta.get("listed_date"),
            redirected_from=self.scope.to_logical(redirects[0]) if redirects else None,
        )

    def on_error(self, failure):
        request = failure.request
        reason, status = classify_failure(failure)
        if reason == "offsite" and self._meant_for_portal(request):
            reason = "target_moved"  # our configuration, not the page: a later run tries again
        self.crawler.stats.inc_value(f"provnews/rejects/{reason}")
        yield RejectItem(self.portal.key, self.scope.to_logical(request.url),
                         request.meta.get("url_key"), request.meta.get("stage", "fetch"),
                         reason, status, str(failure.value)[:300])


    def _meant_for_portal(self, request) -> bool:
        """An offsite request that the crawl itself made for one of the portal's own pages (not a
        redirect away from the portal, not a listing link to another site): it went to a host
        the portal is no longer served from."""
        if request.meta.get("redirect_urls"):
            return False
        if request.meta.get("stage") == "listing":
            return True
        key = request.meta.get("url_key") or ""
        return any(key == d or key.startswith(d + "/") for d in self.portal.domains)


def classify_failure(failure) -> tuple[str, int | None]:
    """A short stable reason code for a failed request, and its HTTP status if there was one."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http_{status}", status
    if failure.check(OffsiteRequest):
        return "offsite", None
    if failure.check(IgnoreRequest):
        msg = str(failure.value).lower()
        if "robots" in msg:
            return "robots_disallowed", None
        if "max redirections" in msg:
            return "too_many_redirects", None
        if "download_maxsize" in msg:  # a compressed body that inflates past the cap
            return "too_large", None
        return "ignored", None
    if failure.check(CancelledError):  # the download handler cancels a body past DOWNLOAD_MAXSIZE
        return "too_large", None
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout", None
    if failure.check(DNSLookupError):
        return "dns_error", None
    if failure.check(ConnectionRefusedError):
        return "connection_refused", None
    if failure.check(ResponseFailed, ResponseNeverReceived):  # reset, or closed mid-body
        return "connection_lost", None
    return failure.type.__name__.lower(), None


@functools.cache
def known_keys(path: str) -> frozenset[str]:
    """The URL keys of a known-URLs file. A run hands every crawl the same file, so the crawls
    that share a process share one set (the warehouse's keys: megabytes at 100,000 articles)."""
    return frozenset(Path(path).read_text().split())


def _spider_class(portal: Portal) -> type[PortalSpider]:
    return type(f"{portal.key.title()}Spider", (PortalSpider,),
                {"name": portal.key, "portal": portal, "__module__": __name__,
                 "__doc__": f"{portal.name} ({portal.cms or 'portal'})."})


SPIDERS = {key: _spider_class(p) for key, p in PORTALS.items()}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
