"""The mirror's HTTP server: real sockets on 127.0.0.1, one path prefix per portal domain.

`http://127.0.0.1:PORT/yenbai.gov.vn/...` stands for `https://yenbai.gov.vn/...`, so one
server holds every portal and the merged provinces' portals they redirect to, and a spider's
domain scope is tested for real. The faults listed in DESIGN §6 are served on the articles
`mirror.corpus.fault_of` picks.
"""

from __future__ import annotations

import contextlib
import threading
import time
import unicodedata
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from mirror import corpus
from mirror.families import LAYOUTS
from mirror.site import Entry


def parse_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Every site forbids its internal section; the first listing page 2 of these sites links into it.
ROBOTS_DISALLOW = tuple(f"/{site.domain}/noi-bo/" for site in corpus.SITES.values()) + (
    "/backan.gov.vn/_layouts/", "/hatinh.gov.vn/wp-admin/")
ROBOTS_TRAP_SITES = ("yenbai",)


def encode_windows_1258(text: str) -> bytes:
    """Windows-1258 has vowels with their shape marks (ê, ơ, ư, ă) precomposed but tone marks
    only as combining characters: split each letter into shape + tone before encoding."""
    out: list[str] = []
    base, tones = "", ""
    for ch in unicodedata.normalize("NFD", text):
        if not unicodedata.combining(ch):
            out.append(unicodedata.normalize("NFC", base) + tones)
            base, tones = ch, ""
        elif ch in TONE_MARKS:
            tones += ch
        else:
            base += ch
    out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out).encode("cp1258", errors="xmlcharrefreplace")


class Mirror:
    """The portal mirror. `start()` serves in a background thread; `serve_forever()` in front."""

    def __init__(self, size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL, port: int = 0,
                 slow_seconds: float = 1.5, latency_seconds: float = 0.0):
        self.size = size
        self.slow_seconds = slow_seconds
        self.latency_seconds = latency_seconds  # added to every answer: a distant server, for tests
        # Operating faults a test can switch on and off between runs, by portal key:
        self.down: set[str] = set()        # every page answers 503, as a portal that is down
        self.redesigned: set[str] = set()  # every article page in the redesigned template
        # Listing faults by "portal/category": "thousands_of_links" (page 1 also lists 2,000
        # pages that do not exist), "endless_pagination" (a next page, with new links, forever).
        self.listing_faults: dict[str, str] = {}
        self.layouts = {key: LAYOUTS[site.family](site, size) for key, site in corpus.SITES.items()}
        # domain -> the sites it serves: its own first, then those merged into it (Bắc Kạn's
        # old pages on Thái Nguyên's portal, beside Thái Nguyên's own).
        self.domains: dict[str, list[tuple[str, bool]]] = {}
        for key, site in corpus.SITES.items():
            self.domains.setdefault(site.domain, []).insert(0, (key, False))
            if site.merged_domain:
                self.domains.setdefault(site.merged_domain, []).append((key, True))
        self.hits: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"mirror": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def portal_url(self, portal: str) -> str:
        return f"{self.base_url}/{corpus.SITES[portal].domain}"

    def start(self) -> "Mirror":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="mirror", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests_to(self, prefix: str) -> int:
        with self._lock:
            return sum(n for path, n in self.hits.items() if path.startswith(prefix))

    def _record(self, target: str) -> int:
        with self._lock:
            self.hits[target] += 1
            return self.hits[target]


class _Handler(BaseHTTPRequestHandler):
    mirror: Mirror
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/8.5"  # what several of the real portals answer with

    def log_message(self, *args):  # quiet: the hit counter is the log
        pass

    def do_GET(self):
        self._serve("GET", {})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._serve("POST", parse_form(self.rfile.read(length)))

    # ------------------------------------------------------------------ routing

    def _serve(self, method: str, form: dict) -> None:
        m = self.mirror
        attempt = m._record(self.path)
        if m.latency_seconds:
            time.sleep(m.latency_seconds)
        url = urlsplit(self.path)
        if url.path == "/robots.txt":
            rules = "".join(f"Disallow: {p}\n" for p in ROBOTS_DISALLOW)
            return self._send(200, f"User-agent: *\n{rules}".encode(), "text/plain")
        domain, _, rest = url.path.lstrip("/").partition("/")
        if domain not in m.domains:
            return self._send(404, b"not found", "text/plain")
        for portal, merged in m.domains[domain]:
            layout = m.layouts[portal]
            target = layout.resolve(method, "/" + rest, parse_qs(url.query), form)
            if target is not None:
                break
        if portal in m.down:
            return self._send(503, b"<html><body>Service Unavailable</body></html>")
        if target is None:
            return self._send(404, b"<html><body>Trang kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i</body></html>")
        if target[0] == "listing":
            return self._listing(portal, domain, layout, *target[1:])
        index = target[1]
        if index is None:
            return self._send(404, b"<html><body>not found</body></html>")
        if target[0] == "pdf":
            return self._send(200, b"%PDF-1.4\n% van ban\n" + b"0" * 2048 + b"\n%%EOF\n", "application/pdf")
        return self._article(portal, domain, merged, layout, index, attempt)

    def _href(self, domain: str, path: str) -> str:
        return f"/{domain}{path}"

    def _listing(self, portal, domain, layout, cat, page, fmt="page"):
        m = self.mirror
        if cat not in [c for c, _ in layout.site.categories]:
            return self._send(404, b"<html><body>not found</body></html>")
        indices, pages = corpus.listing(portal, cat, page, m.size)
        fault = m.listing_faults.get(f"{portal}/{cat}")
        fake: list[Entry] = []
        if fault == "thousands_of_links" and page == 1:
            fake = [Entry(f"/{domain}/{cat}/khong-ton-tai-{n}.htm", f"Tin {n}", corpus.published_at(0, m.size))
                    for n in range(2000)]
        elif fault == "endless_pagination":
            if page > pages:
                fake = [Entry(f"/{domain}/{cat}/trang-{page}-{n}.htm", f"Tin {n}", corpus.published_at(0, m.size))
                        for n in range(2)]
            pages = 10**9
        # Past the last page: an empty list, as most CMSs answer `?page=N` past the end.
        entries = []
        for i in indices:
            a = corpus.article(portal, i, m.size)
            path = layout.pdf_path(a) if a.fault == "pdf" else layout.article_path(a)
            entries.append(Entry(self._href(domain, path), unicodedata.normalize("NFC", a.title), a.published, a))
            if corpus.reposted(portal, i):
                other = next(c for c, _ in layout.site.categories if c != a.category)
                entries.append(Entry(self._href(domain, layout.article_path(a, category=other)), a.title,
                                     a.published, a))
        entries += fake
        if portal in ROBOTS_TRAP_SITES and page == 2:
            # A link into a section robots.txt forbids: a polite spider never requests it.
            entries.append(Entry(f"/{domain}/noi-bo/bao-cao-{cat}.html", "Báo cáo nội bộ",
                                 corpus.published_at(0, m.size).replace(year=2021, month=1, day=1)))
        text = layout.render_listing(cat, page, entries, pages, fmt, prefix=f"/{domain}")
        self._send(200, text.encode(), "application/json; charset=utf-8" if fmt == "json" else "text/html; charset=utf-8")

    def _article(self, portal, domain, merged, layout, index, attempt):
        m = self.mirror
        a = corpus.article(portal, index, m.size)
        moved = corpus.redirects_to_merged(portal, index, m.size)
        if moved and not merged:
            site = corpus.SITES[portal]
            location = self._href(site.merged_domain, layout.article_path(a, merged=True))
            return self._send(301, b"", "text/html", [("Location", location)])
        if merged and not moved:
            return self._send(404, b"<html><body>not found</body></html>")
        if a.fault == "transient_error" and attempt == 1:
            return self._send(503, b"<html><body>Service Unavailable</body></html>")
        if a.fault == "slow":
            time.sleep(m.slow_seconds)
        if a.fault == "empty_body":
            a.paragraphs, a.captions, a.lead = [], [], None
        if a.fault in ("template_v2",) or portal in m.redesigned:
            html = layout.render_redesigned(a)
        elif a.fault == "legacy_charset":
            html = layout.render_article(a, charset="windows-1258")
            return self._send(200, encode_windows_1258(html), "text/html; charset=windows-1258")
        else:
            html = layout.render_article(a)
        body = html.encode("utf-8")
        if a.fault == "wrong_charset":
            return self._send(200, body.replace(b'charset="utf-8"', b'charset="iso-8859-1"'),
                              "text/html; charset=iso-8859-1")
        if a.fault == "truncated":
            body = body[: int(len(body) * 0.6)]
        self._send(200, body)

    def _send(self, status, body: bytes, ctype="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def mirror_started(enabled: bool, size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL):
    """The bundled mirror for the length of a block, when `enabled` (its base URL, else None)."""
    if not enabled:
        yield None
        return
    with Mirror(size=size) as m:
        yield m.base_url
