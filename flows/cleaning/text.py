"""The text-cleaning core: lines in, a clean article out, and a record of every removal.

Both paths end here: a `.txt` file goes straight in, an HTML page after its article region has
been taken out with the portal's selectors. Rules are whole-line patterns (or anchored prefixes),
so none can strip part of a real sentence; each removal is recorded as (rule, text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from spiders.dates import parse_vn_datetime

# Whole-line noise. (rule name, pattern); a matching line is dropped.
DROP_LINES = (
    ("webpart_title", re.compile(r"PublishingPortal\s*-\s*\S+")),
    ("font_size_controls", re.compile(r"(?:(?:Tăng|Giảm)\s+cỡ\s+chữ\s*|Cỡ\s+chữ\s*[:\-+A]*\s*)+", re.I)),
    ("share_print_controls", re.compile(r"(?:(?:In bài|Chia sẻ|Gửi bài|Bản in|Lưu bài|Email)\s*[|/]?\s*)+", re.I)),
)
VIEWS = re.compile(r"(?:Lượt xem\s*:?\s*([\d.,]+)|([\d.,]+)\s*lượt xem)", re.I)
# A line that opens the portal's related-news box: it and everything after it go.
TAIL_MARKERS = re.compile(
    r"(?:Tin cùng chuyên mục|Tin liên quan|Các tin khác|Tin khác|Xem thêm|Bài viết liên quan|Tin đã đưa)\s*:?",
    re.I)
# Anchored prefixes: crawler metadata and datelines glued to the first words of a line.
PREFIXES = (
    ("crawler_metadata", re.compile(r"^\s*date\s+\d{4}-\d{2}(?:-\d{2})?\s+")),
    ("dateline", re.compile(r"^(?:CTTĐT|Cổng TTĐT|Cổng thông tin điện tử tỉnh(?:\s+[A-ZĐÂ][^\s-]*){0,2})\s*-\s+")),
)
DATE_ONLY = re.compile(r"(?:(?:Thứ\s+\S+|Chủ\s+nhật)\s*,\s*)?\d{1,2}/\d{1,2}/\d{4}(?:\s*[-,]?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?", re.I)
BYLINE_UNIT = re.compile(r"\s*\([^()]{2,20}\)$")  # `Hương Dịu (TTXVN)`
MAX_TITLE = 220


@dataclass
class Removal:
    rule: str
    text: str


@dataclass
class Cleaned:
    title: str | None = None
    published_at: datetime | None = None
    author: str | None = None
    lead: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    views: int | None = None
    removals: list[Removal] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def normalize_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", line).strip()


def _fold(text: str) -> str:
    """A comparison key for repeated text: NFC, case and spacing folded."""
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _strip_prefixes(line: str, out: Cleaned, record: bool) -> str:
    for name, pattern in PREFIXES:
        m = pattern.match(line)
        if m:
            if record:
                out.removals.append(Removal(name, m.group().strip()))
            line = line[m.end():]
    return line


def _cut_repeated_body(lines: list[str], out: Cleaned) -> list[str]:
    """A body printed twice in one page (seed 000): from the line where the first paragraph
    starts again, the rest is a copy, even where the copy glues paragraphs together."""
    for first in lines:
        if len(first) >= 80:
            break
    else:
        return lines
    start = _fold(_strip_prefixes(first, out, record=False))[:80]
    seen_first = False
    for k, line in enumerate(lines):
        if line is first and not seen_first:
            seen_first = True
            continue
        if seen_first and _fold(_strip_prefixes(line, out, record=False)).startswith(start):
            out.removals.extend(Removal("repeated_body", text) for text in lines[k:])
            return lines[:k]
    return lines


def is_byline(line: str) -> bool:
    """`Tài Tùng`, `Hương Dịu (TTXVN)`, `Ban Biên tập`: 2–4 capitalised words, nothing else."""
    if line == "Ban Biên tập":
        return True
    words = BYLINE_UNIT.sub("", line).split()
    return (2 <= len(words) <= 4 and len(line) <= 40
            and all(w[0].isupper() and w.isalpha() for w in words))


def _is_title_like(line: str) -> bool:
    return 3 <= len(line.split()) and len(line) <= MAX_TITLE and not line.endswith((".", "…", ":", ";"))


def clean_lines(raw_lines: list[str], *, title: str | None = None, published_at: datetime | None = None,
                author: str | None = None, lead: str | None = None, views: int | None = None,
                captions: list[str] | None = None, date_formats: tuple[str, ...] = ()) -> Cleaned:
    """Clean an article's lines. Keyword hints are what an HTML page's own elements said; they
    win over what the text suggests."""
    out = Cleaned(title=title, published_at=published_at, author=author, lead=lead, views=views,
                  captions=list(captions or []))
    lines: list[str] = []
    for raw in raw_lines:
        line = normalize_line(raw)
        if not line:
            continue
        if TAIL_MARKERS.fullmatch(line):
            out.removals.append(Removal("related_news_and_after", line))
            break
        rule = next((name for name, p in DROP_LINES if p.fullmatch(line)), None)
        if rule:
            out.removals.append(Removal(rule, line))
            continue
        m = VIEWS.fullmatch(line)
        if m:
            out.views = out.views if out.views is not None else int(re.sub(r"\D", "", m.group(1) or m.group(2)))
            out.removals.append(Removal("view_counter", line))
            continue
        if DATE_ONLY.fullmatch(line):
            out.published_at = out.published_at or parse_vn_datetime(line, date_formats)
            out.removals.append(Removal("date_line", line))
            continue
        lines.append(line)

    lines = _cut_repeated_body(lines, out)
    if lines:
        lines[0] = _strip_prefixes(lines[0], out, record=True)

    # Title: given by the page, or the text's first short line without a closing full stop.
    if out.title:
        out.title = normalize_line(out.title)
        if lines and _fold(lines[0]) == _fold(out.title):
            out.removals.append(Removal("title_repeated", lines.pop(0)))
    elif lines and _is_title_like(lines[0]) and len(lines) > 1:
        out.title = lines.pop(0)
        lines[0:1] = [_strip_prefixes(lines[0], out, record=True)] if lines else []

    # Byline: the page's author element, or a short last line of capitalised words.
    if out.author:
        out.author = normalize_line(out.author)
        if lines and _fold(lines[-1]) == _fold(out.author):
            out.removals.append(Removal("byline", lines.pop()))
    elif lines and is_byline(lines[-1]):
        out.author = lines.pop()
        out.removals.append(Removal("byline", out.author))

    caption_keys = {_fold(c) for c in out.captions}
    kept = []
    for line in lines:
        if _fold(line) in caption_keys:
            out.removals.append(Removal("caption_in_body", line))
        else:
            kept.append(line)
    lines = kept

    # Lead: the page's sapo element, or the first paragraph.
    if out.lead:
        out.lead = normalize_line(out.lead)
        if lines and _fold(lines[0]) == _fold(out.lead):
            lines.pop(0)
    elif lines:
        out.lead = lines.pop(0)
    out.paragraphs = lines
    return out
