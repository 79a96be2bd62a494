"""Bytes to text: trust the declared charset only as far as the bytes agree with it."""

from __future__ import annotations

import json
import unicodedata
from html import escape, unescape

from w3lib.encoding import html_to_unicode


class Unusable(ValueError):
    """A page or file that cannot become an article. `reason` is a short stable code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\xff\xd8\xff"))


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode by the declared charset (header, then <meta>), as browsers do — except when the
    bytes are valid UTF-8 with non-ASCII text and the declaration says otherwise: portals that
    declare ISO-8859-1 over UTF-8 pages are common, the reverse is not. Windows-1258 pages
    (tone marks as combining characters) come out NFC."""
    if looks_binary(body):
        raise Unusable("binary", "not a text page")
    encoding, text = html_to_unicode(content_type, body)
    if encoding.replace("-", "").lower() != "utf8":
        try:
            utf8 = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if any(ord(c) > 127 for c in utf8):
                text = utf8
    return unicodedata.normalize("NFC", text)


def record_html(body: bytes, fields: dict) -> str:
    """A JSON endpoint's article record (the `json` pagination kind: the portal's own API gives
    the article, not a page) as the small page the family's selectors read:
    `h1.title`, `div.date`, `div.lead`, `div.body`. The body field is HTML the API escaped once."""
    try:
        record = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Unusable("bad_record", "not a JSON record") from None
    if not isinstance(record, dict):
        raise Unusable("bad_record", "not a JSON object")

    def value(name: str) -> str:
        v = record.get(fields.get(name, ""))
        return "" if v is None else str(v)

    # The API marks titles up with `##` (PORTALS.md, SharePoint lists + JSON API).
    title = value("title").strip().strip("#").strip()
    return unicodedata.normalize("NFC", (
        f"<html><body><article><h1 class='title'>{escape(title)}</h1>"
        f"<div class='date'>{escape(value('date'))}</div><div class='lead'>{escape(value('lead'))}</div>"
        f"<div class='body'>{unescape(value('body'))}</div></article></body></html>"))
