"""What the mirror publishes: sites, articles generated from the seeds' sentences, and ground truth.

Everything is a pure function of (portal, index, size) with a fixed seed: nothing is stored, so
a mirror of 50,000 articles per portal costs no more memory than one of 200.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
VN_TZ = timezone(timedelta(hours=7))
NEWEST = datetime(2026, 6, 28, 9, 0, tzinfo=VN_TZ)
OLDEST = datetime(2021, 1, 4, 9, 0, tzinfo=VN_TZ)
DEFAULT_ARTICLES_PER_PORTAL = 200
# Faults never touch the first 20 articles of a portal, so the first listing page of every
# category is clean and a scheduled run's request count stays predictable.
FAULT_FREE_HEAD = 20


@dataclass(frozen=True)
class Site:
    key: str
    domain: str
    merged_domain: str | None  # where the post-2025 merged province's portal redirects to
    province: str
    categories: tuple[tuple[str, str], ...]  # (id used in URLs, display name)
    per_page: int
    seed_file: str
    seed_meta: dict = field(default_factory=dict, hash=False, compare=False)


SITES: dict[str, Site] = {
    s.key: s
    for s in (
        Site(
            "yenbai", "yenbai.gov.vn", "laocai.gov.vn", "Yên Bái",
            (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("chi-dao-dieu-hanh", "Chỉ đạo - Điều hành")),
            10, "000_60ad6a68dc0745fc.txt",
            dict(title="Hội nghị trực tuyến giao ban công tác năm 2024 với các đồng chí bí thư tỉnh ủy, thành ủy",
                 published=datetime(2024, 1, 17, 16, 30, tzinfo=VN_TZ), author="Ban Biên tập",
                 captions=("Các đại biểu tham dự Hội nghị tại điểm cầu Yên Bái",)),
        ),
        Site(
            "backan", "backan.gov.vn", "thainguyen.gov.vn", "Bắc Kạn",
            (("1", "Tin tức - Sự kiện"), ("2", "Tin chỉ đạo điều hành")),
            10, "001_65fc4686f071d328.txt",
            dict(title="Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15 (khóa XII)",
                 published=datetime(2024, 4, 8, 14, 0, tzinfo=VN_TZ), author="Hương Dịu",
                 captions=("Toàn cảnh Hội nghị", "Bí thư Tỉnh ủy Hoàng Duy Chinh phát biểu tại Hội nghị")),
        ),
        Site(
            "caobang", "caobang.gov.vn", None, "Cao Bằng",
            (("tin-tong-hop", "Tin tổng hợp"), ("thoi-su-chinh-tri", "Thời sự - Chính trị")),
            12, "002_88a1ef7b7db73fe7.txt",
            dict(title="Hội nghị giao ban trực tuyến công tác năm 2023 của Thường trực Ban Bí thư",
                 published=datetime(2024, 1, 17, 17, 15, tzinfo=VN_TZ), author="Trường Hà", captions=()),
        ),
        Site(
            "hatinh", "hatinh.gov.vn", None, "Hà Tĩnh",
            (("tin-noi-bat", "Tin nổi bật"), ("thoi-su", "Thời sự")),
            10, "003_844639c4afc40b91.txt",
            dict(title="Quyết tâm, linh hoạt, thực chất, hiệu quả trong triển khai nhiệm vụ năm 2024",
                 published=datetime(2024, 1, 11, 11, 5, tzinfo=VN_TZ), author=None,
                 captions=(
                     "Bí thư Tỉnh ủy Hoàng Trung Dũng kết luận hội nghị.",
                     "Thường trực Tỉnh ủy trao tặng cờ thi đua của Chính phủ cho UBKT Tỉnh ủy vì thành tích"
                     " hoàn thành xuất sắc nhiệm vụ toàn diện, dẫn đầu phong trào thi đua yêu nước năm 2022.",
                     "... tặng bằng khen của Ban Thường vụ Tỉnh ủy cho 7 đảng bộ trực thuộc Tỉnh ủy có thành"
                     " tích tiêu biểu trong năm 2023.",
                     "Phó Bí thư Thường trực Tỉnh ủy Trần Thế Dũng tặng bằng khen cho 3 đảng bộ cơ sở.",
                     "...và 20 chi bộ trực thuộc đảng ủy cơ sở tiêu biểu hoàn thành xuất sắc nhiệm vụ 5 năm"
                     " liền 2019 - 2023.",
                 )),
        ),
        Site(
            "tuyenquang", "tuyenquang.gov.vn", None, "Tuyên Quang",
            (("10", "Tin hoạt động"), ("11", "Tin Đảng - Đoàn thể")),
            10, "004_a04736589d3fb9fa.txt",
            dict(title="Hội nghị đánh giá 1 năm thực hiện nghị quyết đại hội Đảng",
                 published=datetime(2022, 2, 18, 15, 30, tzinfo=VN_TZ), author="Tài Tùng",
                 captions=("Đại biểu dự Hội nghị\u00a0 trực tuyến tại điểm cầu huyện Chiêm Hóa.",
                           "Hội nghị trực tuyến đánh giá 1 năm học tập, quán triệt, triển khai thực hiện Nghị"
                           " quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng, Nghị quyết Đại hội đại"
                           " biểu Đảng bộ tỉnh lần thứ XVII.")),
        ),
    )
}
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
}
MERGER_REDIRECT = (10, 3)  # portals with a merged_domain 301 these to the merged portal
REPUBLISH = (13, 6)        # copies of another portal's article
REPUBLISH_VARIANTS = ("exact", "new_lead", "trimmed", "tone_marks")
REPOST = (9, 2)            # tuyenquang lists these under a second category URL as well

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

    @property
    def expected(self) -> str:
        return FAULTS[self.fault][2] if self.fault in FAULTS else "article"


# ---------------------------------------------------------------- sentences from the seeds

@lru_cache(maxsize=1)
def sentence_pool() -> tuple[str, ...]:
    out = []
    captions = {c for site in SITES.values() for c in site.seed_meta["captions"]}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if _NOISE.search(line) or line in captions:  # captions are not body sentences
                continue
            for s in re.split(r"(?<=[.;…])\s+(?=[^\W\d_])", line.strip()):
                s = s.strip()
                if 50 <= len(s) <= 280 and s[0].isupper():
                    out.append(s if s[-1] in ".…;" else s + ".")
    return tuple(dict.fromkeys(out))


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
    for name, (mod, residue, _) in FAULTS.items():
        if _hits((mod, residue), portal, index):
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
    return 10_000 + (size - index) * 3 + PORTAL_ORDER.index(portal)


# ---------------------------------------------------------------- articles

def _own_article(portal: str, index: int, size: int) -> Article:
    site = SITES[portal]
    rng = _rng(portal, index)
    pool = sentence_pool()
    words = _mutate_numbers(rng.choice(pool), rng).rstrip(".…;").split()
    title = " ".join(words[: rng.randint(8, 14)]).rstrip(",;:-")
    title = title[0].upper() + title[1:]
    lead = _mutate_numbers(rng.choice(pool), rng)
    paragraphs = [
        " ".join(_mutate_numbers(rng.choice(pool), rng) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.randint(4, 9))
    ]
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
        duplicate_kind=None, fault=fault_of(portal, index, size),
    )


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


def _source_of(portal: str, index: int, size: int) -> tuple[str, int]:
    src = PORTAL_ORDER[(PORTAL_ORDER.index(portal) + 1) % len(PORTAL_ORDER)]
    j = index + 1
    while j < size - 1 and (fault_of(src, j, size) or is_republished(src, j, size)
                            or j == seed_index(src, size) or redirects_to_merged(src, j, size)):
        j += 1
    return src, min(j, size - 1)


def article(portal: str, index: int, size: int = DEFAULT_ARTICLES_PER_PORTAL) -> Article:
    if index == seed_index(portal, size):
        return _seed_article(portal, index, size)
    own = _own_article(portal, index, size)
    if not is_republished(portal, index, size):
        return own
    src_portal, j = _source_of(portal, index, size)
    src = _own_article(src_portal, j, size)
    variant = REPUBLISH_VARIANTS[(index // REPUBLISH[0]) % len(REPUBLISH_VARIANTS)]
    copy = Article(**{**own.__dict__, "title": src.title, "lead": src.lead,
                      "paragraphs": list(src.paragraphs), "captions": list(src.captions),
                      "author": src.author, "story": src.story, "duplicate_kind": "exact"})
    copy.slug = _slug(copy.title)
    if variant == "new_lead":
        copy.lead, copy.author, copy.duplicate_kind = own.lead, own.author, "near"
    elif variant == "trimmed":
        copy.paragraphs, copy.duplicate_kind = copy.paragraphs[:-1], "near"
        copy.captions = [c for c in copy.captions if c[0] < len(copy.paragraphs)]
    elif variant == "tone_marks":
        copy.title = _tone_variant(copy.title)
        copy.lead = _tone_variant(copy.lead)
        copy.paragraphs = [_tone_variant(p) for p in copy.paragraphs]
    return copy


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
    return portal == "tuyenquang" and index >= FAULT_FREE_HEAD and _hits(REPOST, portal, index)


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


def truth(size: int = DEFAULT_ARTICLES_PER_PORTAL, portals=PORTAL_ORDER):
    """Every article the mirror publishes, with what a correct pipeline must make of it."""
    for p in portals:
        for i in range(size):
            a = article(p, i, size)
            yield Truth(p, i, a.item_id, unicodedata.normalize("NFC", a.title), a.published,
                        a.author, a.story, a.duplicate_kind, a.fault, a.expected,
                        a.seed_lines is not None)
