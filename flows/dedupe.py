"""Duplicate keys. URL identity comes from `spiders.urls.url_key`; content identity is a hash of
the lead and body after folding what varies between copies of one text: Unicode form, tone-mark
placement (`hoà`/`hòa`), case, punctuation and spacing. The stored text stays as published."""

from __future__ import annotations

import hashlib
import re
import unicodedata

TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def fold_vietnamese(text: str) -> str:
    """Tone marks moved to the end of their word, so old and new placements compare equal."""
    words = []
    for word in unicodedata.normalize("NFD", text.casefold()).split():
        tones = "".join(c for c in word if c in TONE_MARKS)
        words.append("".join(c for c in word if c not in TONE_MARKS) + tones)
    return " ".join(words)


def dedupe_text(text: str) -> str:
    # Punctuation goes while letters are composed (NFC): combining marks are not \w.
    words = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFC", text)).strip()
    return fold_vietnamese(words)


def content_hash(lead: str | None, body: str) -> str:
    return hashlib.sha256(dedupe_text(f"{lead or ''}\n{body}").encode("utf-8")).hexdigest()


def article_id(url_key: str) -> str:
    return hashlib.sha256(url_key.encode("utf-8")).hexdigest()[:16]
