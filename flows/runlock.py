"""One run writes a warehouse from this machine at a time: a lock file in its staging area
(`warehouse.location`), held from a run's start to its end.

`provnews ingest|backfill` takes the lock in its own, light process before anything starts, so a
second run is refused at once, and hands the locked file to the run it starts (an inherited file
descriptor, named in PROVNEWS_RUN_LOCK_FD). A run started some other way (a Prefect deployment)
takes the lock itself, and waits for it instead of being refused: a deployment's run is a queued
job that nobody is watching, so it waits its turn (see `flows.ingest` for the Prefect side).

The lock is an flock: it goes with the process, however the process ends. Its holder writes who
it is into the file, so that a run that is refused, or waits, can say for whom.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from pathlib import Path
from typing import IO, Callable

from warehouse.location import Location, locate

RUN_LOCK_FD = "PROVNEWS_RUN_LOCK_FD"
# A waiting run tries again this often. Polled rather than a blocking flock: the wait may be in a
# thread that no signal interrupts, and a run cancelled meanwhile must stop waiting.
WAIT_POLL_SECONDS = 2.0


class RunInProgress(RuntimeError):
    pass


def lock_path(loc: Location | str | os.PathLike) -> Path:
    return locate(loc).staging / "run.lock"


def _this_command() -> str:
    return " ".join(["provnews", *sys.argv[1:]]) + f" (pid {os.getpid()})"


def hold(loc: Location, holder: str | None = None) -> IO:
    """Take the lock and return its open file (the lock lasts while the file is open), or raise
    RunInProgress at once. `holder` says who holds it (default: this command line)."""
    lock_path(loc).parent.mkdir(parents=True, exist_ok=True)
    f = open(lock_path(loc), "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise RunInProgress(f"another ingest or backfill is running on {loc}; "
                            "this run did nothing (try again when it has finished)") from None
    f.truncate(0)
    f.write(holder or _this_command())
    f.flush()
    return f


def held_by(loc: Location) -> str:
    """Who holds the lock, as its holder wrote it (read without taking the lock)."""
    try:
        return lock_path(loc).read_text().strip() or "another run"
    except OSError:
        return "another run"


def wait_and_hold(loc: Location, holder: str, on_wait: Callable[[str], None]) -> IO:
    """Take the lock, waiting for it if need be; `on_wait(current holder)` is called once, when
    the lock is found held."""
    told = False
    while True:
        try:
            return hold(loc, holder)
        except RunInProgress:
            if not told:
                on_wait(held_by(loc))
                told = True
            time.sleep(WAIT_POLL_SECONDS)


def _inherited(loc: Location) -> bool:
    """Whether this process was handed the lock of this warehouse by the command that started it."""
    fd = os.environ.get(RUN_LOCK_FD)
    if not fd:
        return False
    try:
        held, ours = os.fstat(int(fd)), lock_path(loc).stat()
    except (OSError, ValueError):
        return False
    if (held.st_dev, held.st_ino) != (ours.st_dev, ours.st_ino):
        return False  # a lock of another warehouse
    fcntl.flock(int(fd), fcntl.LOCK_EX | fcntl.LOCK_NB)  # already ours: succeeds at once
    return True


@contextlib.contextmanager
def run_lock(loc: Location, holder: str | None = None, on_wait: Callable[[str], None] | None = None):
    """Held for the whole run: one writer of the warehouse and its staging area at a time.
    Without `on_wait` a held lock raises RunInProgress at once; with it, the run waits."""
    if _inherited(loc):
        yield
        return
    with hold(loc, holder) if on_wait is None else wait_and_hold(loc, holder or _this_command(), on_wait):
        yield
