"""URL identity: one canonical key per article, whatever the link looked like.

Also the scope of a portal: which URLs belong to it (its own domain and the merged province's
portal it may redirect to), wherever those domains are served from (live, or the mirror).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = {"fbclid", "gclid", "zarsrc", "zalo_source", "ref", "source"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host(netloc_host: str | None) -> str:
    host = (netloc_host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def url_key(url: str, id_params: tuple[str, ...] | str | None = (), id_path: str | None = None) -> str:
    """Canonical key: scheme-less, host lower-cased without `www.` or default port, no fragment,
    no trailing slash, tracking parameters dropped, parameters sorted. Where a portal names its
    article by query parameters (SharePoint's `ItemID`, with the list `l`), those alone; where
    by a number in the path (`/<slug>-12345`, `/12345-<slug>`: `id_path`'s group 1), the key is
    `<host>#<id>`, so the same article under several category paths has one key."""
    if isinstance(id_params, str):
        id_params = (id_params,)
    parts = urlsplit(url.strip())
    host = _host(parts.hostname)
    port = parts.port
    if port and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    path = parts.path or "/"
    while "//" in path:
        path = path.replace("//", "/")
    if len(path) > 1:
        path = path.rstrip("/")
    if id_path:
        m = re.search(id_path, path)
        if m:
            return f"{host}#{m.group(1)}"
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False)
              if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS]
    wanted = {p.lower(): p for p in id_params or ()}
    ids = [(wanted[k.lower()], v) for k, v in params if k.lower() in wanted]
    if ids and any(k.lower() == next(iter(wanted)) for k, _ in ids):
        params = list(dict(ids).items())  # the first id parameter must be there; others join it
    query = urlencode(sorted(params))
    return host + path + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Scope:
    """Where each of a portal's domains is served from: `https://yenbai.gov.vn` live, or
    `http://127.0.0.1:PORT/yenbai.gov.vn` on the mirror."""

    roots: tuple[tuple[str, str], ...]  # (domain, root URL without trailing slash)

    def root(self, domain: str) -> str:
        return dict(self.roots)[domain]

    def _match(self, url: str) -> tuple[str, str] | None:
        u = urlsplit(url)
        for domain, root in self.roots:
            r = urlsplit(root)
            if _host(u.hostname) != _host(r.hostname):
                continue
            # A live root (no port) accepts http and https; a mirror root its exact port.
            if (u.port not in (None, 80, 443)) if r.port is None else (u.port != r.port):
                continue
            prefix = r.path.rstrip("/")
            if u.path == prefix or u.path.startswith(prefix + "/"):
                return domain, prefix
        return None

    def allows(self, url: str) -> bool:
        return self._match(url) is not None

    def to_logical(self, url: str) -> str:
        """The portal's own URL for a fetched URL: `https://<domain>/<path>`."""
        m = self._match(url)
        if m is None:
            return url
        domain, prefix = m
        u = urlsplit(url)
        return urlunsplit(("https", domain, u.path[len(prefix):] or "/", u.query, ""))


    def to_physical(self, logical_url: str) -> str:
        """Where a portal URL (`https://<domain>/<path>`) is fetched from in this scope."""
        u = urlsplit(logical_url)
        host = _host(u.hostname)
        for domain, root in self.roots:
            if _host(domain) == host:
                r = urlsplit(root)
                if r.path.strip("/"):  # served under a path prefix (the mirror)
                    return urlunsplit((r.scheme, r.netloc, r.path.rstrip("/") + (u.path or "/"), u.query, ""))
                return urlunsplit((r.scheme, r.netloc, u.path or "/", u.query, ""))
        return logical_url


def scope_for(domains: tuple[str, ...], mirror_url: str | None = None,
              base_url: str | None = None) -> Scope:
    if mirror_url:
        return Scope(tuple((d, f"{mirror_url.rstrip('/')}/{d}") for d in domains))
    roots = [(d, f"https://{d}") for d in domains]
    if base_url:
        roots[0] = (domains[0], base_url.rstrip("/"))
    return Scope(tuple(roots))


def is_loopback(url: str | None) -> bool:
    """A URL on this machine (the mirror): no politeness owed to our own server."""
    host = (urlsplit(url).hostname or "") if url else ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
