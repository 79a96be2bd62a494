"""A site the mirror serves: a portal (or newspaper) in its CMS family's layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

VN_TZ = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class Site:
    key: str
    domain: str
    merged_domain: str | None   # the post-2025 merged province's portal it redirects some pages to
    province: str
    family: str                 # the layout it is served in (mirror/families/<family>.py)
    categories: tuple[tuple[str, str], ...]  # (id as in its URLs, display name)
    per_page: int = 10
    seed_file: str | None = None  # its seed article (seeds/), placed among the generated ones
    seed_meta: dict = field(default_factory=dict, hash=False, compare=False)
    options: dict = field(default_factory=dict, hash=False, compare=False)  # the layout's knobs
    kind: str = "portal"        # "portal" or "newspaper"


class Entry(NamedTuple):
    """One entry of a listing page: the link as the page writes it, and what it links."""

    href: str
    title: str
    published: datetime
    article: object = None      # mirror.corpus.Article; None for a fault's fake entries

    @property
    def lead(self) -> str | None:
        return getattr(self.article, "lead", None)
