"""A fault-injecting layer between a spider and the mirror: an HTTP server on 127.0.0.1 that
relays every request to the mirror, except those whose path has a fault assigned, which it
answers badly on purpose. Crawl through it with `mirror_url=proxy.base_url`.

The mirror serves content faults of its own (DESIGN §6, and `Mirror.listing_faults`); this layer
adds what goes wrong on the wire: errors, silence, cut connections, oversized and compressed
bodies, lying charsets, redirects that loop or leave the portal.
"""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from mirror.server import encode_windows_1258

FAULTS = {
    "transient_503": "503 to the first request, then the page",
    "permanent_500": "500 to every request",
    "not_found": "404",
    "timeout": "no answer for longer than the client waits",
    "slow_first_byte": "the page after a pause shorter than the client's timeout",
    "truncated": "a Content-Length longer than the body, then the connection closes",
    "reset": "the connection reset without an answer",
    "oversize": "a body far over the size cap",
    "gzip_bomb": "a small gzip body that inflates past the size cap",
    "random_bytes": "random bytes served as text/html",
    "windows_1258": "the page in Windows-1258, declared so",
    "wrong_charset": "a UTF-8 page declared ISO-8859-1",
    "redirect_loop": "301 to a second URL that 301s back",
    "offsite_redirect": "302 to a domain outside the portal",
}


class FaultProxy:
    def __init__(self, upstream: str, faults: dict[str, str], *, timeout_seconds: float = 3.0,
                 oversize_bytes: int = 4 * 1024 * 1024):
        """`faults`: request path (as the spider sends it, query included) -> a key of FAULTS.
        `timeout_seconds`: how long a "timeout" page stays silent."""
        unknown = set(faults.values()) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        self.upstream = urlsplit(upstream)
        self.faults = faults
        self.timeout_seconds = timeout_seconds
        self.oversize_bytes = oversize_bytes
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"proxy": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "FaultProxy":
        threading.Thread(target=self.httpd.serve_forever, name="fault-proxy", daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def relay(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._serve(None)

    def do_POST(self):
        self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _serve(self, body: bytes | None) -> None:
        p = self.proxy
        with p._lock:
            p.hits[self.path] += 1
            attempt = p.hits[self.path]
        loop_back = self.path.endswith("?loop")
        fault = p.faults.get(self.path.removesuffix("?loop"))
        if fault == "reset":
            # SO_LINGER with a zero timeout: close() sends RST, not FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault == "timeout":
            time.sleep(p.timeout_seconds)
            self.close_connection = True
            return
        if fault == "permanent_500" or (fault == "transient_503" and attempt == 1):
            return self._send(500 if fault == "permanent_500" else 503, b"<html><body>Server Error</body></html>")
        if fault == "not_found":
            return self._send(404, b"<html><body>Not Found</body></html>")
        if fault == "redirect_loop":
            target = self.path.removesuffix("?loop") if loop_back else self.path + "?loop"
            return self._send(301, b"", headers=[("Location", target)])
        if fault == "offsite_redirect":
            return self._send(302, b"", headers=[("Location", "/tin-tuc-ngoai.example.com/bai-viet.htm")])
        if fault == "oversize":
            return self._send(200, b"<html><body>" + b"x" * p.oversize_bytes + b"</body></html>")
        if fault == "gzip_bomb":
            bomb = gzip.compress(b"<html><body>" + b"0" * (8 * p.oversize_bytes) + b"</body></html>", 9)
            return self._send(200, bomb, headers=[("Content-Encoding", "gzip")])
        if fault == "random_bytes":
            return self._send(200, os.urandom(20_000))
        if fault == "slow_first_byte":
            time.sleep(p.timeout_seconds / 3)

        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "cookie", "user-agent")}
        status, upstream_headers, content = p.relay(self.command, self.path, body, headers)
        kept = [(k, v) for k, v in upstream_headers if k.lower() in ("location", "set-cookie")]
        ctype = dict((k.lower(), v) for k, v in upstream_headers).get("content-type", "text/html; charset=utf-8")
        if fault == "windows_1258":
            text = content.decode("utf-8").replace('charset="utf-8"', 'charset="windows-1258"')
            content, ctype = encode_windows_1258(text), "text/html; charset=windows-1258"
        elif fault == "wrong_charset":
            content = content.replace(b'charset="utf-8"', b'charset="iso-8859-1"')
            ctype = "text/html; charset=iso-8859-1"
        if fault == "truncated":
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(content) + 5000))
            self.end_headers()
            self.wfile.write(content)
            self.close_connection = True
            return
        self._send(status, content, ctype, kept)

    def _send(self, status: int, content: bytes, ctype: str = "text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(content)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(content)
