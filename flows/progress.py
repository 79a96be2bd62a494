"""What a run shows while it runs, drawn from the progress file every crawl writes into its
batch directory (`spiders.progress`): per portal, listing pages and articles fetched and the
crawl's state: starting, crawling, failed (the cause) and retrying in N s, interrupted, staged,
loading, loaded. A backfill adds a bar: the share of its date range the listing walks have
covered, and rich's estimate of the time remaining.

On a terminal it redraws in place. Elsewhere (a pipe, a log file) each change of state is a line
as it happens, and the display is printed once at the end."""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from flows.staging import LOADED
from spiders import progress as crawl_progress

POLL_SECONDS = 0.25
STILL_RUNNING = (None, "starting", "crawling", "retrying")  # the load starts when no crawl is in these


@dataclass
class _Crawl:
    batch_dir: Path | None = None  # found once the run has made it
    data: dict | None = None       # its last progress write
    failures: list[float] = field(default_factory=list)  # `started` of each failed attempt
    failed_at: float = 0.0         # when the last failure was seen
    kind: str | None = None        # as last shown (None: not yet, so that a log shows `starting`)


def _state(crawl: _Crawl, opened: float, delays: list[int], waiting: bool) -> tuple[str, str]:
    """(kind, text) of one portal: kind for changes, text to show. `waiting`: some other crawl
    still runs, so a staged batch waits for the load."""
    d = crawl.data
    if d is None or d.get("started", 0) < opened:  # none yet, or a resumed backfill's earlier part
        return "starting", "starting"
    if d["finished"] is None:
        return "crawling", "crawling"
    if d["finished"] == "shutdown":
        return "interrupted", "interrupted"
    if d.get("problem"):
        # The flow retries a failed crawl after each of `delays` (PROVNEWS_CRAWL_RETRY_DELAYS).
        if len(crawl.failures) > len(delays):
            return "failed", f"failed: {d['problem']}"
        left = delays[len(crawl.failures) - 1] - (time.time() - crawl.failed_at)
        return "retrying", f"failed: {d['problem']}; retrying" + (f" in {math.ceil(left)} s" if left > 0 else "")
    if (crawl.batch_dir / LOADED).exists():
        return "loaded", "loaded"
    return ("staged", "staged") if waiting else ("loading", "loading")


def _find_batch_dirs(root: Path, first_run_id: str, crawls: dict[str, _Crawl]) -> None:
    """This run's batch directories: `<run id>-<portal>` with a run id from `first_run_id` on
    (run ids sort by time, and only one run at a time uses a warehouse's staging area)."""
    missing = {key for key, c in crawls.items() if c.batch_dir is None}
    if not missing or not root.is_dir():
        return
    for entry in os.scandir(root):
        run_id, _, key = entry.name.partition("-")
        if key in missing and run_id >= first_run_id:
            crawls[key].batch_dir = Path(entry.path)


@contextlib.contextmanager
def run_progress(portals: list[str], root: Path, first_run_id: str, retry_delays: list[int], bar: bool):
    """While the block runs, one line per portal of the run whose batches go to `root` and whose
    run id is `first_run_id` or later. Yields a function to call with the run's report at the
    end: the display then shows the report's own figures and statuses, as the summary does."""
    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=max(console.width, 160))
    counts = TextColumn("{task.fields[listing_pages]:>5} listing pages {task.fields[pages]:>7} articles")
    state = TextColumn("{task.fields[state]}", markup=False)
    columns = ((TextColumn("{task.description:11}"), BarColumn(), TaskProgressColumn(), counts, state,
                TimeRemainingColumn()) if bar else (TextColumn("{task.description:11}"), counts, state))
    opened = time.time()
    crawls = {key: _Crawl() for key in portals}
    # Redrawn as often as the figures change, and only on a terminal: elsewhere the lines above
    # tell what changed, and rich's redraws (ten a second by default, each building the whole
    # table) took 5 % of the run's process for nothing.
    with Progress(*columns, console=console, auto_refresh=console.is_terminal,
                  refresh_per_second=1 / POLL_SECONDS) as display:
        rows = {key: display.add_task(key, total=100, listing_pages=0, pages=0, state="starting")
                for key in portals}

        def update():  # by the poller, or once it has stopped
            _find_batch_dirs(root, first_run_id, crawls)
            for c in crawls.values():
                c.data = crawl_progress.read(c.batch_dir) if c.batch_dir else None
                failed = c.data and c.data.get("problem") and c.data.get("started", 0) >= opened
                if failed and c.data["started"] not in c.failures:
                    c.failures.append(c.data["started"])
                    c.failed_at = time.time()
            waiting = any(c.kind in STILL_RUNNING for c in crawls.values())
            for key, c in crawls.items():
                kind, text = _state(c, opened, retry_delays, waiting)
                if kind != c.kind and not console.is_terminal:
                    console.print(f"{key}: {text}", markup=False, highlight=False, soft_wrap=True)
                c.kind = kind
                figures = {"listing_pages": c.data["listing_pages"], "pages": c.data["pages"]} if c.data else {}
                if c.data and c.data.get("coverage") is not None:
                    figures["completed"] = 100 * c.data["coverage"]
                display.update(rows[key], state=text, **figures)

        stop = threading.Event()

        def poll():
            while not stop.wait(POLL_SECONDS):
                update()

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()

        def final(report):
            """The run's own figures and statuses: the same as the summary's."""
            stop.set()
            poller.join()
            update()
            for key, row in rows.items():
                rep = report.portals.get(key)
                if rep is None:
                    continue
                text = rep.status
                problem = (crawls[key].data or {}).get("problem")
                if rep.status == "crawl_failed" and problem:
                    text = f"failed: {problem}"
                display.update(row, listing_pages=rep.listing_pages, pages=rep.pages, state=text,
                               **({"completed": 100} if rep.status == "loaded" else {}))

        try:
            yield final
        finally:
            if not stop.is_set():  # the run raised: show where the crawls stood
                stop.set()
                poller.join()
                update()
