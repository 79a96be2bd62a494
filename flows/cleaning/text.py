"""The text-cleaning core: lines in, a clean article out, and a record of every removal.

Both paths end here: a `.txt` file goes straight in, an HTML page after its article region has
been taken out with the portal's selectors. The rules are data (`rules.py`, and the portal's
`noise_lines`); this module applies them in order and records each removal as (rule, text).
Paragraphs are never reordered, and a paragraph is only ever removed whole.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from flows.cleaning import noise, rules
from flows.cleaning.decode import Unusable
from spiders.dates import VN_TZ


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
    points_to_attachment: bool = False  # an attachment list or pointer was removed

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def is_article(self) -> bool:
        return len(self.lead or "") + sum(map(len, self.paragraphs)) >= rules.MIN_ARTICLE_CHARS

    def remove(self, rule: str, text: str) -> None:
        self.removals.append(Removal(rule, text))


def require_article(c: Cleaned, reason: str, detail: str) -> Cleaned:
    """Too little text is no article (rules.MIN_ARTICLE_CHARS). A page whose only text, past a
    summary, pointed at an attached file (`Chi tiết xem tại đây ./.`) says so: it is a stub,
    not an empty page."""
    if c.points_to_attachment and not c.paragraphs:  # a summary at most: the text is the file
        raise Unusable("attachment_only", "the page only points to an attached file")
    if not c.is_article:
        raise Unusable(reason, detail)
    return c


_NON_WORD = re.compile(r"\W+")


def normalize_line(line: str) -> str:
    """NFC, no-break and zero-width spaces folded, single spaces, no edge spaces."""
    # str.split() splits at what the regular expression \s matches (Py_UNICODE_ISSPACE, the
    # no-break spaces included), at twice the speed of re.sub on a line.
    return " ".join(unicodedata.normalize("NFC", line).replace("\u200b", "").replace("\ufeff", "").split())


def fold(text: str) -> str:
    """A comparison key for repeated text: case, punctuation and spacing folded."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


def is_byline(line: str) -> bool:
    """`Tài Tùng`, `Hương Dịu (TTXVN)`, `Ban Biên tập`: a few capitalised words, nothing else."""
    if line in rules.EDITORIAL_BYLINES:
        return True
    words = rules.BYLINE_UNIT.sub("", line).split()
    low, high = rules.BYLINE_WORDS
    return (low <= len(words) <= high and len(line) <= rules.BYLINE_MAX_CHARS
            and all(w[0].isupper() and w.isalpha() for w in words))


def is_title_like(line: str) -> bool:
    return len(line.split()) >= 3 and len(line) <= rules.MAX_TITLE_CHARS and not line.endswith((".", "…", ":", ";"))


def is_caption(line: str, title: str | None) -> bool:
    """A photo caption in text without markup (see rules.CAPTION_*)."""
    if len(line) > rules.CAPTION_MAX_CHARS or ";" in line or ":" in line:
        return False
    if re.search(r"[.!?]\s+[A-ZĐÂĂÊÔƠƯ]", line.lstrip(".… ")):
        return False  # more than one sentence
    if rules.CAPTION_OPENERS.match(line) or rules.CAPTION_SCENES.search(line):
        return True
    if title and line.endswith("."):  # an echo of the title is a sentence; a heading is not
        title_words = set(fold(title).split())
        return bool(title_words) and len(title_words & set(fold(line).split())) >= rules.CAPTION_TITLE_ECHO * len(title_words)
    return False


def _strip_prefixes(line: str, out: Cleaned | None) -> str:
    for name, pattern in rules.PREFIXES:
        m = pattern.match(line)
        if m:
            if out is not None:
                out.remove(name, m.group().strip())
            line = line[m.end():]
    return line


def _strip_word_styles(lines: list[str], out: Cleaned) -> list[str]:
    """Drop MS-Word settings and style sheets pasted before the text; keep what follows them."""
    kept, i = [], 0
    while i < len(lines):
        block = noise.word_style_block(lines, i)
        if block is None:
            kept.append(lines[i])
            i += 1
            continue
        used, styles, rest = block
        out.remove("word_styles", styles)
        kept.extend(x for x in rest.split("\n") if x.strip())
        i += used
    return kept


def _strip_photo_credit(line: str, out: Cleaned) -> str:
    m = rules.PHOTO_CREDIT_SUFFIX.search(line, max(len(line) - rules.SUFFIX_WINDOW, 0))
    if m and m.start() > 0:
        out.remove("photo_credit", m.group().strip())
        return line[: m.start()].rstrip()
    return line


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    w = fold(text).split()
    return {tuple(w[i:i + n]) for i in range(max(len(w) - n + 1, 1))}


OPENING_FIRST = 12  # folded characters compared before more of a line is folded


def _folded_start(text: str, n: int) -> str:
    """At least the first `n` characters of `fold(text)` (all of it if shorter): folded from
    the text's opening only, as the check for a repeated body asks of every line. `fold` never
    joins characters across a cut, so the fold of an opening is an opening of the fold."""
    folded = fold(text[:2 * n])
    return folded if len(folded) >= n or 2 * n >= len(text) else fold(text)


def _folded_opening(line: str) -> str:
    """fold(line)[:OPENING_FIRST], folded from the line's opening only."""
    return _folded_start(line, OPENING_FIRST)[:OPENING_FIRST]


def _opens_with(line: str, opening: str) -> bool:
    """fold(line).startswith(opening), `opening` folded: the line's first few characters folded
    first, which settle most lines, and no more of it than `opening` needs."""
    return (_folded_opening(line).startswith(opening[:OPENING_FIRST])
            and _folded_start(line, len(opening)).startswith(opening))


def _same_folded(line: str, other: str) -> bool:
    """fold(line) == fold(other), with only as much of `line` folded as `other` has: a page's
    first paragraph compared with its title is folded for the title's length, not whole."""
    target = fold(other)
    return _folded_start(line, len(target) + 1) == target


def _cut_repeated_body(lines: list[str], out: Cleaned) -> list[str]:
    """A body printed twice in one page (seed 000): from the line where the first long
    paragraph starts again, the rest is a copy — even where the copy glues paragraphs or
    drops one. It is cut only if most of it (rules.REPEAT_SHARE of its word 5-grams) does
    repeat what came before: one paragraph that happens to recur is not a copied body."""
    first = next((i for i, line in enumerate(lines) if len(line) >= 80), None)
    if first is None:
        return lines
    start = fold(_strip_prefixes(lines[first], None))[:80]
    for k in range(first + 1, len(lines)):
        if not _opens_with(_strip_prefixes(lines[k], None), start):
            continue
        tail = _shingles(" ".join(_strip_prefixes(x, None) for x in lines[k:]))
        head = _shingles(" ".join(_strip_prefixes(x, None) for x in lines[:k]))
        if len(tail & head) >= rules.REPEAT_SHARE * len(tail):
            for text in lines[k:]:
                out.remove("repeated_body", text)
            return lines[:k]
    return lines


def _lead_date(lead: str, hint: tuple[int, int] | None, page_date: datetime | None) -> datetime | None:
    """`Sáng 11/1, ...` with the year from the page (or the crawler's `date 2024-01` prefix)."""
    m = rules.LEAD_DAY.match(lead)
    if not m:
        return None
    day, month = int(m.group(1)), int(m.group(2))
    if page_date:
        year = page_date.year
    elif hint and hint[1] == month:
        year = hint[0]
    else:
        return None
    try:
        return datetime(year, month, day, tzinfo=VN_TZ)
    except ValueError:
        return None


def clean_lines(raw_lines: list[str], *, title: str | None = None, published_at: datetime | None = None,
                author: str | None = None, lead: str | None = None, views: int | None = None,
                captions: list[str] | None = None, noise_lines: tuple = (),
                date_formats: tuple[str, ...] = (), find_captions: bool = False,
                page_date: datetime | None = None) -> Cleaned:
    """Clean an article's lines. Keyword values are what an HTML page's own elements said;
    they win over what the text suggests. `find_captions` looks for captions in the text
    itself (text input has no markup to say which lines are captions)."""
    out = Cleaned(title=title, published_at=published_at, author=author, lead=lead, views=views,
                  captions=[normalize_line(c) for c in captions or []])
    out.captions = [_strip_photo_credit(c, out) for c in out.captions]  # `... (Ảnh minh họa)`
    drop_lines = tuple(noise_lines) + rules.DROP_LINES
    lines: list[str] = []
    month_hint = None
    credits: list[str] = []  # outlets named by `Nguồn:` / a closing `Theo`: the author of last resort
    for line in _strip_word_styles([x for x in map(normalize_line, raw_lines) if x], out):
        if rules.RELATED_NEWS.fullmatch(line):
            out.remove("related_news_and_after", line)
            break
        rule = next((name for name, p in drop_lines if p.fullmatch(line)), None)
        if rule:
            out.remove(rule, line)
            out.points_to_attachment |= rule == "attachment"
            continue
        if rules.ATTACHMENT_POINTER.fullmatch(line):
            out.remove("attachment_pointer", line)
            out.points_to_attachment = True
            continue
        meta = noise.meta_line(line, date_formats)
        if meta:  # the page's own date, counter and author elements win over the text's
            out.published_at = out.published_at or meta.published_at
            out.views = meta.views if out.views is None else out.views
            out.author = out.author or meta.author
            out.remove(meta.rule, line)
            continue
        m = rules.AUTHOR_LABEL.fullmatch(line)
        if m:
            out.author = out.author or m.group("name")
            out.remove("author_label", line)
            continue
        m = rules.SOURCE_LABEL.fullmatch(line)
        if m:
            credits.append(m.group("name"))
            out.remove("source_credit", line)
            continue
        split = noise.byline_with_chrome(line, is_byline)
        if split:  # the byline stays a line of its own, for the byline rule below
            line = split[0]
            out.remove("share_print_controls", split[1])
        line = _strip_photo_credit(line, out)
        m = rules.CRAWLER_METADATA.match(line) if not lines else None
        if m:
            month_hint = (int(m.group(1)), int(m.group(2)))
        lines.append(line)

    lines = _cut_repeated_body(lines, out)
    if lines:
        lines[0] = _strip_prefixes(lines[0], out)

    # Title: the page's own, or the text's first short line without a closing full stop.
    if out.title:
        out.title = normalize_line(out.title)
        if lines and _same_folded(lines[0], out.title):
            out.remove("title_repeated", lines.pop(0))
    elif (len(lines) > 1 or out.points_to_attachment) and is_title_like(lines[0]):
        out.title = lines.pop(0)
        if lines:
            lines[0] = _strip_prefixes(lines[0], out)  # a dateline after the title
    if out.title and lines and _same_folded(lines[0], out.title):
        out.remove("title_repeated", lines.pop(0))

    # Byline: the page's author element, or a short last line of capitalised words; outlet
    # credits (`Theo TTXVN`) may close the text after it or before it.
    if out.author:
        out.author = noise.author_name(normalize_line(out.author))
    byline_seen = False
    while lines:
        credit = noise.source_credit(lines[-1])
        if credit:
            credits.append(credit)
            out.remove("source_credit", lines.pop())
        elif byline_seen:
            break
        elif out.author:
            byline_seen = True
            if _same_folded(lines[-1], out.author):
                out.remove("byline", lines.pop())
        else:
            byline_seen = True
            if is_byline(lines[-1]):
                out.author = lines.pop()
                out.remove("byline", out.author)
    out.author = out.author or (credits[0] if credits else None)

    # Captions: the page's (already apart; a copy left in the text goes), or found in the text.
    known = {fold(c) for c in out.captions}
    # A line's folded opening first, and the whole line folded only if a caption opens so:
    # folding every paragraph whole, for a few short captions, was a twentieth of the cleaning.
    openings = {k[:OPENING_FIRST] for k in known}
    kept = []
    for i, line in enumerate(lines):
        if known and _folded_opening(line) in openings and fold(line) in known:
            out.remove("caption_in_body", line)
        elif find_captions and i > 0 and is_caption(line, out.title):
            out.captions.append(line)
            out.remove("caption", line)
        else:
            kept.append(line)
    lines = kept

    # Lead: the page's sapo element, or the first paragraph.
    if out.lead:
        out.lead = normalize_line(out.lead)
        if lines and _same_folded(lines[0], out.lead):
            out.remove("lead_repeated", lines.pop(0))
    elif lines:
        out.lead = lines.pop(0)
    if out.published_at is None:  # `Sáng 11/1, ...` opens the lead, or the paragraph after a sapo
        out.published_at = next(filter(None, (_lead_date(p, month_hint, page_date)
                                              for p in ([out.lead] if out.lead else []) + lines[:1])), None)
    out.paragraphs = lines
    return out
