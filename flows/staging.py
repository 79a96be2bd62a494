"""Staged batches on disk: one directory per (run, portal) crawl under `data/batches/`.

    pages.jsonl.gz   every fetched page (raw bytes, base64, with URL, fetch time, status and the
                     headers that matter) and every fetch reject
    url_keys.txt     the canonical keys of the fetched pages
    manifest.json    written last by the crawl: the batch is complete
    LOADED           written after the warehouse transaction committed

Batches are never deleted: loaded ones are the raw archive that `provnews reprocess` reads.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from spiders.crawl import MANIFEST
from spiders.pipelines import PAGES_FILE, URL_KEYS_FILE

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
