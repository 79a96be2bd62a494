"""Recognisers for the noise real portals print around an article (PORTALS.md section 4) that a
single whole-line pattern cannot say: meta lines of several parts, MS-Word style sheets that run
over lines, chrome glued after a byline, outlet credits. The patterns are data in `rules.py`;
these functions only say what matched. `text.clean_lines` decides and records the removal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flows.cleaning import rules
from spiders.dates import parse_vn_datetime


@dataclass
class Meta:
    """What a date/counter line said: `Ngày đăng 13/05/2016 | 4:53 PM | Lượt xem: 1648`."""

    rule: str
    published_at: datetime | None = None
    views: int | None = None
    author: str | None = None


def views_of(m: re.Match) -> int:
    return int(re.sub(r"\D", "", next(g for g in m.groups() if g)))


def meta_line(line: str, date_formats: tuple[str, ...] = ()) -> Meta | None:
    """A line made only of a (labelled) date, a time, a view counter and an author label,
    separated by `|`. Anything else in it (a sentence that mentions a date) and it is no meta line."""
    if len(line) > rules.META_MAX_CHARS:
        return None
    date = time = None
    views = author = None
    for part in rules.META_SEPARATOR.split(line):
        label = rules.DATE_LABEL.match(part)
        dated = part[label.end():] if label else part
        if date is None and rules.DATE_LINE.fullmatch(dated):
            date = dated
        elif date is not None and time is None and rules.TIME_PART.fullmatch(part):
            time = part
        elif views is None and (m := rules.VIEW_COUNTER.fullmatch(part)):
            views = views_of(m)
        elif author is None and date is not None and (m := rules.AUTHOR_LABEL.fullmatch(part)):
            author = m.group("name")
        else:
            return None
    if date is None and views is None:
        return None
    published = parse_vn_datetime(f"{date} {time}" if time else date, date_formats) if date else None
    return Meta("date_line" if date else "view_counter", published, views, author)


def word_style_block(lines: list[str], i: int) -> tuple[int, str, str] | None:
    """MS-Word settings and style sheet opening line `i` (possibly running over the next lines
    while its braces are open). Returns (lines used, the block, the text after it) or None."""
    if not rules.WORD_STYLE_START.match(lines[i]):
        return None
    j, text = i + 1, lines[i]
    while j < len(lines) and (text.count("{") > text.count("}") or rules.WORD_STYLE_START.match(lines[j])):
        text += "\n" + lines[j]
        j += 1
    m = rules.WORD_STYLE.match(text)
    if not m or not m.group().strip():
        return None
    return j - i, m.group().strip(), text[m.end():].strip()


def byline_with_chrome(line: str, is_byline) -> tuple[str, str] | None:
    """`Tài Tùng Facebook Zalo In bài` -> ('Tài Tùng', 'Facebook Zalo In bài')."""
    if len(line) > rules.BYLINE_MAX_CHARS + rules.SUFFIX_WINDOW:
        return None
    m = rules.SHARE_SUFFIX.search(line)
    if m and is_byline(line[: m.start()]):
        return line[: m.start()], m.group().strip()
    return None


def source_credit(line: str) -> str | None:
    """The outlet a closing `Theo ...` line credits, or None if the line is a sentence."""
    m = rules.SOURCE_CREDIT.fullmatch(line)
    if not m:
        return None
    name = m.group("name").strip()
    if not (name[0].isupper() or rules.SOURCE_DOMAIN.match(name)):
        return None
    if len(name.split()) > rules.SOURCE_CREDIT_MAX_WORDS or re.search(r"[.!?…]\s", name):
        return None
    return name


def author_name(text: str) -> str:
    """A page's author element without its label: `Theo Báo Yên Bái` -> `Báo Yên Bái`."""
    return rules.AUTHOR_ELEMENT_LABEL.sub("", text).strip() or text
