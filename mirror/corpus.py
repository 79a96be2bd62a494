"""What the mirror publishes: sites, articles generated from the seeds' sentences, and ground truth.

Everything is a pure function of (portal, index, size) with a fixed seed: nothing is stored, so
a mirror of 50,000 articles per portal costs no more memory than one of 200.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from mirror.families import LAYOUTS, SITES
from mirror.site import VN_TZ

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
NEWEST = datetime(2026, 6, 28, 9, 0, tzinfo=VN_TZ)
OLDEST = datetime(2021, 1, 4, 9, 0, tzinfo=VN_TZ)
DEFAULT_ARTICLES_PER_PORTAL = 200
# Faults never touch the first 20 articles of a portal, so the first listing page of every
# category is clean and a scheduled run's request count stays predictable.
FAULT_FREE_HEAD = 20


PORTAL_ORDER = tuple(SITES)

# Faults are spread by index modulo a prime, each portal shifted, so that they rarely coincide.
# expected: what a correct pipeline must end with for such a page.
FAULTS = {
    # name: (modulus, residue, expected outcome)
    "transient_error": (17, 9, "article"),   # 503 on the first request, 200 on the retry
    "slow": (53, 21, "article"),             # first byte after 1.5 s
    "truncated": (61, 33, "reject"),         # HTML cut off mid-body
    "wrong_charset": (29, 4, "article"),     # UTF-8 bytes declared as ISO-8859-1
    "legacy_charset": (31, 14, "article"),   # Windows-1258, declared correctly
    "empty_body": (67, 44, "reject"),        # the article container is empty
    "pdf": (71, 50, "reject"),               # the listing links an attachment, not a page
    "template_v2": (23, 11, "article"),      # a redesigned page the portal's selectors miss
    "attachment_stub": (47, 30, "reject"),   # only `Chi tiết xem tại đây ./.` and the attached file
}
# The noise real portals put in an article (PORTALS.md section 4); the article must come out
# whole, without it. Spread like the faults, on articles with no fault.
NOISE = {
    "word_styles": (19, 5),      # MS-Word settings and style sheet pasted before the text
    "title_repeated": (37, 8),   # the body's first line repeats the title
    "photo_credit": (11, 3),     # `(Ảnh minh họa)` after a caption
    "credit_line": (41, 17),     # a closing `Theo Báo Nhân Dân`
    "byline_share": (43, 12),    # the byline in the text, followed by share buttons
}
CREDITS = ("Theo Báo Nhân Dân", "Theo TTXVN", "Nguồn: baochinhphu.vn", "(Theo Báo Tin tức)")
# Faults of a served page or its link; a site whose API gives the articles as records (no page
# is fetched) has only the faults of their content.
PAGE_FAULTS = {"transient_error", "slow", "truncated", "wrong_charset", "legacy_charset", "pdf", "template_v2"}
MERGER_REDIRECT = (10, 3)  # portals with a merged_domain 301 these to the merged portal
REPUBLISH = (13, 6)        # copies of another portal's article, and same-event rewrites
# How outlets republish (PORTALS.md section 6): whole copies (another URL; other tone marks and
# Unicode form), and edited ones that keep most of the shorter text: "partial" keeps the first
# paragraphs, "edited" rewrites the lead and touches sentences, "credited" drops the closing
# paragraph and adds one of its own, each with an outlet credit. A "rewrite" is another outlet's
# own report of the same event: its own text, sharing a paragraph or a quote, not a copy.
REPUBLISH_VARIANTS = ("exact", "partial", "edited", "rewrite", "tone_marks", "credited", "partial_short",
                      "rewrite_quoted")
LEAD_CREDITS = ("(Chinhphu.vn) – ", "VOV.VN - ", "(TTXVN) - ", "(Baotintuc.vn) – ")
REPOST = (9, 2)            # listed under a second category too, with another URL (PORTALS.md section 5)

NAMES = ("Minh Anh", "Thu Hà", "Quang Huy", "Ngọc Lan", "Văn Tuấn", "Hồng Nhung", "Đức Thịnh",
         "Phương Thảo", "Thanh Bình", "Mạnh Hùng", "Bích Ngọc", "Hải Đăng")
CAPTIONS = ("Quang cảnh hội nghị", "Đồng chí {name} phát biểu tại hội nghị",
            "Các đại biểu tham dự hội nghị tại điểm cầu {province}",
            "Lãnh đạo tỉnh trao tặng bằng khen cho các tập thể có thành tích xuất sắc",
            "Đoàn công tác kiểm tra thực tế tại cơ sở")
_NOISE = re.compile(r"lượt xem|PublishingPortal|cỡ chữ|Tin cùng chuyên mục|Ban Biên tập|^\s*date ")


@dataclass
class Article:
    portal: str
    index: int
    item_id: int
    category: str
    slug: str
    title: str
    published: datetime
    author: str | None
    lead: str | None
    paragraphs: list[str]
    captions: list[tuple[int, str]]  # (paragraph position, caption) — rendered after that paragraph
    views: int | None
    story: str                # ground-truth story id: copies share their original's
    duplicate_kind: str | None  # None, "exact" or "near" for republished copies
    fault: str | None
    seed_lines: list[str] | None = None  # the seed's raw lines, noise included
    noise: tuple[str, ...] = ()          # NOISE kinds the page carries
    credit: str | None = None            # the credit line, for "credit_line"
    event: str | None = None             # a same-event rewrite: the story it reports, in its own words
    variant: str | None = None           # how it was republished (REPUBLISH_VARIANTS)

    @property
    def expected(self) -> str:
        return FAULTS[self.fault][2] if self.fault in FAULTS else "article"


# ---------------------------------------------------------------- sentences from the seeds

@lru_cache(maxsize=1)
def sentence_pool() -> tuple[str, ...]:
    out = []
    captions = {c for site in SITES.values() for c in site.seed_meta.get("captions", ())}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if _NOISE.search(line) or line in captions:  # captions are not body sentences
                continue
            for s in re.split(r"(?<=[.;…])\s+(?=[^\W\d_])", line.strip()):
                s = s.strip()
                if 50 <= len(s) <= 280 and s[0].isupper():
                    out.append(s if s[-1] in ".…;" else s + ".")
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def clause_pool() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pool's sentences cut at their commas: (opening clauses, following clauses). An
    article's sentences join an opening clause to others, so that two unrelated articles
    rarely share a whole sentence: with 160 seed sentences they would share several, and a short
    one would read as a partial copy of a long one."""
    heads, tails = [], []
    for s in sentence_pool():
        parts = [p.strip() for p in s.rstrip(".…;").split(", ")]
        heads.append(parts[0])
        tails.extend(p for p in parts[1:] if len(p.split()) >= 3)
    return tuple(dict.fromkeys(heads)), tuple(dict.fromkeys(tails))


def _rng(*parts) -> random.Random:
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


def _mutate_numbers(s: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** len(m.group()) - 1)), s)


def _slug(text: str) -> str:
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:70]


# ---------------------------------------------------------------- positions and faults

def published_at(index: int, size: int) -> datetime:
    step = (NEWEST - OLDEST) / max(size, 1)
    jitter = timedelta(minutes=_rng("t", index).randint(0, 300))
    return (NEWEST - step * index - jitter).replace(second=0, microsecond=0)


@lru_cache(maxsize=64)
def seed_index(portal: str, size: int) -> int:
    """Where a portal's seed article stands in its listing (-1: the portal has no seed)."""
    if not SITES[portal].seed_file:
        return -1
    target = SITES[portal].seed_meta["published"]
    for i in range(size):
        if published_at(i, size) <= target:
            return i
    return size - 1


def _hits(rule: tuple[int, int], portal: str, index: int) -> bool:
    mod, residue = rule
    return index % mod == (residue + PORTAL_ORDER.index(portal)) % mod


def is_republished(portal: str, index: int, size: int) -> bool:
    return (index >= FAULT_FREE_HEAD and index != seed_index(portal, size)
            and _hits(REPUBLISH, portal, index))


def fault_of(portal: str, index: int, size: int) -> str | None:
    if index < FAULT_FREE_HEAD or index == seed_index(portal, size) or is_republished(portal, index, size):
        return None
    records = LAYOUTS[SITES[portal].family].serves_records
    for name, (mod, residue, _) in FAULTS.items():
        if _hits((mod, residue), portal, index) and not (records and name in PAGE_FAULTS):
            return name
    return None


def redirects_to_merged(portal: str, index: int, size: int) -> bool:
    return bool(SITES[portal].merged_domain) and fault_of(portal, index, size) is None \
        and _hits(MERGER_REDIRECT, portal, index)


def category_of(portal: str, index: int) -> str:
    cats = SITES[portal].categories
    return cats[index % len(cats)][0]


def item_id(portal: str, index: int, size: int) -> int:
    # Newer articles carry higher ids, as in a real CMS.
    return 10_000 + (size - index) * 3 + PORTAL_ORDER.index(portal) % 3


def index_of_id(portal: str, iid: int, size: int) -> int | None:
    n, rem = divmod(iid - 10_000 - PORTAL_ORDER.index(portal) % 3, 3)
    index = size - n
    return index if rem == 0 and 0 <= index < size else None


def noise_of(portal: str, index: int, size: int) -> tuple[str, ...]:
    if index == seed_index(portal, size) or fault_of(portal, index, size) or is_republished(portal, index, size):
        return ()
    return tuple(name for name, rule in NOISE.items() if _hits(rule, portal, index))


# ---------------------------------------------------------------- articles

def _own_article(portal: str, index: int, size: int) -> Article:
    site = SITES[portal]
    rng = _rng(portal, index)
    heads, tails = clause_pool()
    used: set[str] = set()

    def sentence() -> str:
        # Each opening clause once per article: a repeated sentence reads as a repeated body (a
        # fault of its own, seed 000's), or as the lead or title printed again.
        s = rng.choice(heads)
        while s in used:
            s = rng.choice(heads)
        used.add(s)
        s = ", ".join([s] + rng.sample(tails, rng.randint(1, 2)))
        return _mutate_numbers(s, rng) + "."

    words = sentence().rstrip(".…;").split()
    title = " ".join(words[: rng.randint(8, 14)]).rstrip(",;:-")
    title = title[0].upper() + title[1:]
    lead = sentence()
    paragraphs = [" ".join(sentence() for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(4, 9))]
    captions = []
    for _ in range(rng.randint(0, 2)):
        cap = rng.choice(CAPTIONS).format(name=rng.choice(NAMES), province=site.province)
        captions.append((rng.randrange(len(paragraphs)), cap))
    author = rng.choice(NAMES) + (" (TTXVN)" if rng.random() < 0.1 else "")
    return Article(
        portal=portal, index=index, item_id=item_id(portal, index, size),
        category=category_of(portal, index), slug=_slug(title), title=title,
        published=published_at(index, size), author=author, lead=lead, paragraphs=paragraphs,
        captions=sorted(captions), views=rng.randint(50, 9000), story=f"{portal}:{index}",
        duplicate_kind=None, fault=fault_of(portal, index, size), noise=noise_of(portal, index, size),
        credit=CREDITS[index % len(CREDITS)],
    ) if fault_of(portal, index, size) != "attachment_stub" else Article(
        portal=portal, index=index, item_id=item_id(portal, index, size),
        category=category_of(portal, index), slug=_slug(title), title=title,
        published=published_at(index, size), author=None, lead=None, paragraphs=[], captions=[],
        views=rng.randint(50, 9000), story=f"{portal}:{index}", duplicate_kind=None,
        fault="attachment_stub", noise=("attachment_stub",))


def _seed_article(portal: str, index: int, size: int) -> Article:
    site = SITES[portal]
    meta = site.seed_meta
    lines = (SEEDS_DIR / site.seed_file).read_text(encoding="utf-8").splitlines()
    return Article(
        portal=portal, index=index, item_id=item_id(portal, index, size),
        category=category_of(portal, index), slug=_slug(meta["title"]), title=meta["title"],
        published=meta["published"], author=meta["author"], lead=None, paragraphs=[],
        captions=[], views=None, story=f"seed:{site.seed_file[:3]}", duplicate_kind=None,
        fault=None, seed_lines=lines,
    )


def _tone_variant(text: str) -> str:
    # Old-style tone placement and decomposed Unicode: the same text for a reader, other bytes.
    for new, old in (("òa", "oà"), ("óa", "oá"), ("ủy", "uỷ"), ("ùy", "uỳ"), ("ụy", "uỵ"), ("úy", "uý")):
        text = text.replace(new, old)
    return unicodedata.normalize("NFD", text)


def _source_of(portal: str, index: int, size: int) -> tuple[str, int] | None:
    """What the copy at `index` republishes: the next portal's first article after it that has
    no fault, copy, seed or redirect of its own; None near the end of a small mirror."""
    src = PORTAL_ORDER[(PORTAL_ORDER.index(portal) + 1) % len(PORTAL_ORDER)]
    for j in range(index + 1, size):
        if not (fault_of(src, j, size) or is_republished(src, j, size)
                or j == seed_index(src, size) or redirects_to_merged(src, j, size)):
            return src, j
    return None


def article(portal: str, index: int, size: int = DEFAULT_ARTICLES_PER_PORTAL) -> Article:
    if index == seed_index(portal, size):
        return _seed_article(portal, index, size)
    own = _own_article(portal, index, size)
    if not is_republished(portal, index, size):
        return own
    source = _source_of(portal, index, size)
    if source is None:
        return own
    src_portal, j = source
    src = _own_article(src_portal, j, size)
    variant = REPUBLISH_VARIANTS[(index // REPUBLISH[0]) % len(REPUBLISH_VARIANTS)]
    if variant.startswith("rewrite"):
        return _rewrite(own, src, variant)
    copy = Article(**{**own.__dict__, "title": src.title, "lead": src.lead,
                      "paragraphs": list(src.paragraphs), "captions": list(src.captions),
                      "author": src.author, "story": src.story, "duplicate_kind": "exact", "variant": variant})
    rng = _rng("copy", portal, index)
    if variant == "tone_marks":
        copy.title = _tone_variant(copy.title)
        copy.lead = _tone_variant(copy.lead)
        copy.paragraphs = [_tone_variant(p) for p in copy.paragraphs]
    elif variant != "exact":
        copy.duplicate_kind, copy.author = "near", own.author
        rewritten = variant == "edited" and len(copy.paragraphs) > 5  # a short text keeps its lead
        lead = own.lead if rewritten else copy.lead
        copy.lead = rng.choice(LEAD_CREDITS) + lead if lead else lead
        if variant.startswith("partial"):  # the first paragraphs: about 60 %, or 35 % for a brief
            share = 0.35 if variant == "partial_short" else 0.6
            copy.paragraphs = copy.paragraphs[:max(2, round(len(copy.paragraphs) * share))]
        elif variant == "edited":
            copy.title = f"{SITES[src_portal].province}: {copy.title}"
            copy.paragraphs = copy.paragraphs[:max(3, round(len(copy.paragraphs) * 0.8))]
            if len(copy.paragraphs) > 4:
                del copy.paragraphs[rng.randrange(1, len(copy.paragraphs) - 1)]
            copy.paragraphs = [_edit_sentences(p, rng, SITES[src_portal].province) for p in copy.paragraphs]
        elif variant == "credited":
            kept = copy.paragraphs[:-1] if len(copy.paragraphs) > 5 else copy.paragraphs
            copy.paragraphs = kept + own.paragraphs[:1]
        copy.captions = [c for c in copy.captions if c[0] < len(copy.paragraphs)]
        copy.noise, copy.credit = ("credit_line",), rng.choice(("Theo TTXVN", "Theo Báo Chính phủ", "Theo VOV"))
    copy.slug = _slug(copy.title)
    return copy


def _edit_sentences(paragraph: str, rng: random.Random, province: str) -> str:
    """An editor's touch on about a third of the sentences: a place named, a figure changed."""
    out = []
    for s in re.split(r"(?<=[.;…])\s+", paragraph):
        if rng.random() < 0.3:
            s = re.sub(r"\btỉnh\b", f"tỉnh {province}", s, count=1) if " tỉnh " in s else _mutate_numbers(s, rng)
        out.append(s)
    return " ".join(out)


def _rewrite(own: Article, src: Article, variant: str) -> Article:
    """Another outlet's own report of the event `src` reports: its own lead and paragraphs, a
    title on the same subject, and a sentence of the source's (a quoted statement, or the
    closing one, as seeds 000 and 002 share their closing lines)."""
    found = [s for p in src.paragraphs for s in re.split(r"(?<=[.;…])\s+", p)]
    if variant == "rewrite_quoted":
        found = found[len(found) // 2:] + found[:len(found) // 2]
    else:
        found.reverse()
    # Short of a sixth of either text, as real reports of one event share little (under 0.3).
    words = min(len(" ".join(a.paragraphs).split()) for a in (own, src))
    shared = [s for s in found if len(s.split()) <= words / 6][:1]
    title = src.title.split()
    return Article(**{**own.__dict__, "title": " ".join(title[: max(4, len(title) // 2)] + own.title.split()[-3:]),
                      "paragraphs": own.paragraphs + shared, "event": src.story, "variant": variant})


def listing(portal: str, category: str, page: int, size: int) -> tuple[list[int], int]:
    """Indices shown on a category's listing page (1-based), newest first, and the page count."""
    site = SITES[portal]
    cats = [c for c, _ in site.categories]
    c = cats.index(category)
    members = range(c, size, len(cats))
    pages = max(1, -(-len(members) // site.per_page))
    start = (page - 1) * site.per_page
    return list(members[start:start + site.per_page]), pages


def reposted(portal: str, index: int) -> bool:
    return len(SITES[portal].categories) > 1 and index >= FAULT_FREE_HEAD and _hits(REPOST, portal, index)


# ---------------------------------------------------------------- ground truth

@dataclass(frozen=True)
class Truth:
    portal: str
    index: int
    item_id: int
    title: str
    published: datetime
    author: str | None
    story: str
    duplicate_kind: str | None
    fault: str | None
    expected: str  # "article" or "reject"
    is_seed: bool
    event: str | None  # a same-event rewrite: the story it reports (must not be linked to it)
    variant: str | None  # how it was republished, if it was
    body: str      # the clean body a correct pipeline stores (paragraphs, one blank line apart)


def truth(size: int = DEFAULT_ARTICLES_PER_PORTAL, portals=PORTAL_ORDER):
    """Every article the mirror publishes, with what a correct pipeline must make of it."""
    for p in portals:
        for i in range(size):
            a = article(p, i, size)
            yield Truth(p, i, a.item_id, _clean_text(a.title), a.published,
                        a.author, a.story, a.duplicate_kind, a.fault, a.expected,
                        a.seed_lines is not None, a.event, a.variant, expected_body(a))


def expected_body(a: Article) -> str:
    if a.seed_lines is not None:  # the seed's golden file, which was read against its text
        golden = SEEDS_DIR / SITES[a.portal].seed_file.replace(".txt", ".expected.json")
        return json.loads(golden.read_text(encoding="utf-8"))["body"]
    return "\n\n".join(_clean_text(p) for p in a.paragraphs)


def _clean_text(text: str) -> str:
    """As the pipeline stores text: NFC, single spaces, no edge spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())
