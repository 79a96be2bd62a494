"""Staged batches on disk: one directory per (run, portal) crawl under `data/batches/`.

    pages.jsonl.gz   every fetched page (raw bytes, base64, with URL, fetch time, status and the
                     headers that matter) and every fetch reject
    url_keys.txt     the canonical keys of the fetched pages
    manifest.json    written last by the crawl: the batch is complete
    LOADED           written after the warehouse transaction committed

Batches are never deleted: loaded ones are the raw archive that `provnews reprocess` reads.

A backfill's crawl is a resumable `Job` under `data/jobs/`: Scrapy's JOBDIR plus the name of the
batch it fills. Stopped by Ctrl-C, the same backfill run again carries on where it stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from spiders.crawl import MANIFEST
from spiders.pipelines import PAGES_FILE, URL_KEYS_FILE
from spiders.progress import PROGRESS_FILE

LOADED = "LOADED"


class RunInProgress(RuntimeError):
    pass


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
        with gzip.open(self.path / PAGES_FILE, "rt", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def url_keys(self) -> list[str]:
        path = self.path / URL_KEYS_FILE
        if path.exists():
            return path.read_text().split()
        return [r["url_key"] for r in self.records() if r["kind"] == "page"]

    def mark_loaded(self) -> None:
        tmp = self.path / (LOADED + ".part")
        tmp.write_text("")
        os.replace(tmp, self.path / LOADED)


def batches_root(db_file: Path) -> Path:
    return db_file.parent / "batches"


@dataclass(frozen=True)
class Job:
    """One portal's backfill over one date range, resumable until its crawl completes."""
    path: Path

    @classmethod
    def for_backfill(cls, db_file: Path, portal: str, since: date, until: date | None) -> "Job":
        return cls(db_file.parent / "jobs" / f"backfill-{portal}-{since}-{until or 'open'}")

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


def complete(root: Path) -> list[Batch]:
    """Every complete batch, oldest first (run ids sort by time)."""
    if not root.exists():
        return []
    return [b for b in (Batch(p) for p in sorted(root.iterdir()) if p.is_dir()) if b.complete]


def pending(root: Path) -> list[Batch]:
    """Complete batches not yet marked loaded, oldest first."""
    return [b for b in complete(root) if not b.loaded]


@contextlib.contextmanager
def run_lock(db_file: Path):
    """Held for the whole run: one writer of the warehouse and its staging area at a time."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with open(db_file.parent / f".{db_file.name}.run.lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(f"another ingest or backfill is running on {db_file}; "
                                "this run did nothing (try again when it has finished)") from None
        yield  # the lock goes with the file when the process ends, however it ends


def check_run_lock(db_file: Path) -> None:
    """Raise RunInProgress now if a run holds the lock (the run takes it for itself later)."""
    with run_lock(db_file):
        pass
