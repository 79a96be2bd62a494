"""Staged batches on disk: one directory per (run, portal) crawl, in this machine's staging area
of the warehouse (`data/warehouse.staging/batches/` for `data/warehouse`; `warehouse.location`):

    pages.jsonl.gz   every fetched page (raw bytes, base64, with URL, fetch time, status and the
                     headers that matter) and every fetch reject
    url_keys.txt     the canonical keys of the fetched pages
    cleaned-<fingerprint>.jsonl.gz
                     each page as the crawl cleaned it, until the batch is loaded
                     (`flows.cleaning.ahead`)
    manifest.json    written last by the crawl: the batch is complete
    LOADED           written after the warehouse transaction committed

Batches are never deleted: loaded ones are the raw archive that `provnews reprocess` reads. A
batch belongs to the one warehouse whose staging area holds it: two warehouses in one directory
never load, or take the URL keys of, each other's batches.

A backfill's crawl is a resumable `Job` under `<staging area>/jobs/`: Scrapy's JOBDIR plus the
name of the batch it fills. Stopped by Ctrl-C, the same backfill run again carries on where it
stopped.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

import orjson

from spiders.crawl import MANIFEST
from spiders.pipelines import PAGES_FILE, URL_KEYS_FILE
from spiders.progress import PROGRESS_FILE
from warehouse.location import Location, locate

LOADED = "LOADED"


@dataclass(frozen=True)
class Batch:
    path: Path

    @property
    def batch_id(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> dict:
        return json.loads((self.path / MANIFEST).read_text())

    @property
    def complete(self) -> bool:
        return (self.path / MANIFEST).exists()

    @property
    def loaded(self) -> bool:
        return (self.path / LOADED).exists()

    def records(self) -> Iterator[dict]:
        with gzip.open(self.path / PAGES_FILE, "rb") as f:
            for line in f:
                yield orjson.loads(line)

    def url_keys(self) -> list[str]:
        path = self.path / URL_KEYS_FILE
        if path.exists():
            return path.read_text().split()
        return [r["url_key"] for r in self.records() if r["kind"] == "page"]

    def mark_loaded(self) -> None:
        tmp = self.path / (LOADED + ".part")
        tmp.write_text("")
        os.replace(tmp, self.path / LOADED)


def batches_root(loc: Location | str | os.PathLike) -> Path:
    return locate(loc).staging / "batches"


def legacy_archive(loc: Location) -> Path | None:
    """`batches/` beside a DuckDB file: where every warehouse of a directory kept its batches
    before each had its own staging area. Not read any more (whose batches they are is not known)."""
    loc = locate(loc)
    old = loc.path.parent / "batches" if loc.kind == "file" else None
    return old if old and old.is_dir() and any(old.iterdir()) else None


@dataclass(frozen=True)
class Job:
    """One portal's backfill over one date range, resumable until its crawl completes."""
    path: Path

    @classmethod
    def for_backfill(cls, loc: Location, portal: str, since: date, until: date | None) -> "Job":
        return cls(locate(loc).staging / "jobs" / f"backfill-{portal}-{since}-{until or 'open'}")

    @property
    def scrapy_dir(self) -> Path:
        return self.path / "scrapy"

    @property
    def progress_file(self) -> Path:
        return self.scrapy_dir / PROGRESS_FILE

    def batch_dir(self, root: Path, run_id: str, portal: str) -> Path:
        """The batch this run's crawl fills: the interrupted one, renamed into this run, or a new
        one. A batch killed mid-write (no clean `pages.jsonl.gz`) cannot be resumed: its job and
        partial pages are dropped and the crawl starts afresh, which loses nothing."""
        new = root / f"{run_id}-{portal}"
        name_file = self.path / "batch"
        old = root / name_file.read_text().strip() if name_file.exists() else None
        resumable = (old is not None and (old / PAGES_FILE).exists() and not (old / MANIFEST).exists()
                     and not (old / (PAGES_FILE + ".part")).exists())
        if resumable:
            os.replace(old, new)
        else:
            if old is not None and old.exists() and not (old / MANIFEST).exists():
                shutil.rmtree(old)
            shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        name_file.write_text(new.name)
        return new

    def finish(self) -> None:
        """The crawl completed: its batch is staged, nothing is left to resume."""
        shutil.rmtree(self.path, ignore_errors=True)

    def start_over(self, batch_dir: Path) -> None:
        """The crawl failed (not stopped by a signal): forget its queue and the requests it made,
        or a retry would skip the listing pages that failed, and drop the pages it staged, which
        the retry fetches again. The batch directory stays this run's (its crawl.log, rewritten
        by the retry); the next run starts a batch of its own."""
        shutil.rmtree(self.scrapy_dir, ignore_errors=True)
        for name in (PAGES_FILE, PAGES_FILE + ".part", URL_KEYS_FILE):
            (batch_dir / name).unlink(missing_ok=True)


def complete(root: Path) -> list[Batch]:
    """Every complete batch, oldest first (run ids sort by time)."""
    if not root.exists():
        return []
    return [b for b in (Batch(p) for p in sorted(root.iterdir()) if p.is_dir()) if b.complete]


def pending(root: Path) -> list[Batch]:
    """Complete batches not yet marked loaded, oldest first."""
    return [b for b in complete(root) if not b.loaded]
