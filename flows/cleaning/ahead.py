"""Cleaning ahead of the load: the crawl cleans each article page as it stages it, on the crawl
processes' cores while the other portals are still being fetched, and writes the outcome beside
the raw pages; the load takes it from there instead of cleaning the page again
(`flows.batches`). On the mirror, cleaning was half of a load's time, all of it after the crawls.

The raw pages stay the archive: the file is deleted once its batch is loaded, and a reprocess
cleans from the raw pages. Its name carries a fingerprint of the cleaning code and of the
portal's definition, so a batch left staged across an upgrade is cleaned again by its load,
never loaded with a stale result. One line per staged page, in the order of `pages.jsonl.gz`:
the load matches them by URL key, and cleans any page that has no line itself (a crawl killed
between the two writes, the earlier part of a resumed crawl, a page whose cleaning raised).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import asdict
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterator

import orjson

from flows.cleaning import Article, Unusable, clean_page
from flows.folding import folded
from spiders.definitions import Portal
from spiders.items import page_bytes

PREFIX = "cleaned-"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """What a page's cleaning depends on besides the portal's definition: this package, the
    date parser, the content hash (`flows.folding`), and trafilatura (the fallback extractor)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(metadata.version("trafilatura").encode())
    for path in [*sorted(here.glob("*.py")), here.parent / "folding.py", here.parent.parent / "spiders" / "dates.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_name(portal: Portal) -> str:
    fingerprint = hashlib.sha256(f"{_code_digest()}\n{portal!r}".encode()).hexdigest()[:16]
    return f"{PREFIX}{fingerprint}.jsonl.gz"


def clean_staged(page: dict, portal: Portal) -> tuple[Article, str, list[str]]:
    """A staged page's article, content hash and folded sentences (`flows.folding.folded`);
    raises Unusable."""
    art = clean_page(page_bytes(page), portal=portal, url=page["url"],
                     content_type=page["headers"].get("Content-Type"), listed_date=page.get("listed_date"))
    text, digest = folded(art.lead, art.body)
    return art, digest, text


def clean_record(page: dict, portal: Portal) -> dict:
    """A staged page's line: its article, content hash and folded sentences (which the load's
    de-duplication reads: folded here, they are not folded again there), or why it is not one."""
    line: dict = {"url_key": page["url_key"]}
    try:
        art, line["content_hash"], line["sentences"] = clean_staged(page, portal)
    except Unusable as e:
        line["unusable"] = [e.reason, e.detail]
    else:
        line["article"] = asdict(art)
    return line


def cleaned(line: dict) -> tuple[Article, str, list[str]]:
    """The article, content hash and folded sentences of a line; raises Unusable for a page
    that is not one."""
    if "unusable" in line:
        raise Unusable(*line["unusable"])
    return Article(**line["article"]), line["content_hash"], line["sentences"]


class Writer:
    """The crawl's side: one line per staged page. `append`: a resumed crawl carries on the file
    of its earlier part (a further gzip member, as `pages.jsonl.gz` does)."""

    def __init__(self, batch_dir: Path, portal: Portal, append: bool):
        self.portal = portal
        # Level 1: the file lives only until the load, and the crawl's CPU is what it costs.
        self._gz = gzip.open(batch_dir / file_name(portal), "ab" if append else "wb", compresslevel=1)

    def write(self, page: dict) -> None:
        self._gz.write(orjson.dumps(clean_record(page, self.portal)) + b"\n")

    def close(self) -> None:
        self._gz.close()


class Lines:
    """The load's side: `take(url_key)` for each staged page in order gives its line, or None
    where the crawl wrote none (the load cleans that page itself)."""

    def __init__(self, batch_dir: Path, portal: Portal):
        path = batch_dir / file_name(portal)
        self._lines = self._read(path) if path.exists() else iter(())
        self._next = next(self._lines, None)

    @staticmethod
    def _read(path: Path) -> Iterator[dict]:
        try:
            with gzip.open(path, "rb") as f:
                for text in f:
                    yield orjson.loads(text)
        except (EOFError, OSError, orjson.JSONDecodeError):
            return  # cut short by a killed crawl: the pages after it are cleaned by the load

    def take(self, url_key: str) -> dict | None:
        line = self._next
        if line is None or line["url_key"] != url_key:
            return None
        self._next = next(self._lines, None)
        return line


def remove(batch_dir: Path) -> None:
    """Once the batch is loaded: the raw pages are the archive."""
    for path in batch_dir.glob(f"{PREFIX}*.jsonl.gz"):
        path.unlink(missing_ok=True)
