"""The backfill's progress bar in the terminal, drawn from the progress file each resumable crawl
writes (`spiders.progress`): the share of the date range covered, listing pages, articles, and
rich's estimate of the time remaining."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

POLL_SECONDS = 0.5


@contextlib.contextmanager
def backfill_progress(files: dict[str, Path]):
    """While the block runs, one bar per portal, from `files` (portal -> progress file). Yields
    a function to call with the run's report at the end."""
    columns = (TextColumn("{task.description:11}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[listing_pages]:>5} listing pages {task.fields[pages]:>7} articles"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        bars = {key: progress.add_task(key, total=100, listing_pages=0, pages=0) for key in files}
        seen: set[str] = set()

        def update():
            for key, path in files.items():
                try:
                    data = json.loads(path.read_text())
                except FileNotFoundError:
                    if key in seen:  # the crawl completed and its job was cleared
                        progress.update(bars[key], completed=100)
                    continue
                except (OSError, ValueError):
                    continue
                seen.add(key)
                progress.update(bars[key], completed=100 * (data["coverage"] or 0),
                                listing_pages=data["listing_pages"], pages=data["pages"])

        stop = threading.Event()

        def poll():
            while not stop.wait(POLL_SECONDS):
                update()

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()

        def final(report):
            """The run's own figures, which the last progress file may trail by a second."""
            for key, bar in bars.items():
                rep = report.portals.get(key)
                if rep is not None and rep.status == "loaded":
                    progress.update(bar, completed=100, listing_pages=rep.listing_pages, pages=rep.pages)

        try:
            yield final
        finally:
            stop.set()
            poller.join()
            update()
