"""One run writes a warehouse at a time: a lock file beside it, held from a run's start to its end.

`provnews ingest|backfill` takes the lock in its own, light process before anything starts, so a
second run is refused at once, and hands the locked file to the run it starts (an inherited file
descriptor, named in PROVNEWS_RUN_LOCK_FD). A run started some other way (a Prefect deployment)
takes the lock itself. The lock is an flock: it goes with the process, however the process ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

RUN_LOCK_FD = "PROVNEWS_RUN_LOCK_FD"


class RunInProgress(RuntimeError):
    pass


def lock_path(db_file: Path) -> Path:
    return db_file.parent / f".{db_file.name}.run.lock"


def hold(db_file: Path) -> IO:
    """Take the lock and return its open file (the lock lasts while the file is open), or raise
    RunInProgress at once."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    f = open(lock_path(db_file), "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise RunInProgress(f"another ingest or backfill is running on {db_file}; "
                            "this run did nothing (try again when it has finished)") from None
    return f


def _inherited(db_file: Path) -> bool:
    """Whether this process was handed the lock of this warehouse by the command that started it."""
    fd = os.environ.get(RUN_LOCK_FD)
    if not fd:
        return False
    try:
        held, ours = os.fstat(int(fd)), lock_path(db_file).stat()
    except (OSError, ValueError):
        return False
    if (held.st_dev, held.st_ino) != (ours.st_dev, ours.st_ino):
        return False  # a lock of another warehouse
    fcntl.flock(int(fd), fcntl.LOCK_EX | fcntl.LOCK_NB)  # already ours: succeeds at once
    return True


@contextlib.contextmanager
def run_lock(db_file: Path):
    """Held for the whole run: one writer of the warehouse and its staging area at a time."""
    if _inherited(db_file):
        yield
        return
    with hold(db_file):
        yield
