"""What a run prints: the per-portal summary, and query results for `provnews sql`."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime

from rich.console import Console
from rich.table import Table


def print_summary(report, console: Console | None = None) -> None:
    console = console or Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 140))  # a log keeps whole rows
    t = Table(title=f"run {report.run_id}", title_justify="left")
    for col in ("portal", "status", "requests", "listings", "fetched", "new", "near dups", "exact dups",
                "rejected", "fallback", "seconds"):
        t.add_column(col, justify="left" if col in ("portal", "status") else "right", no_wrap=True)
    for p in report.portals.values():
        t.add_row(p.portal, p.status, str(p.requests), str(p.listing_pages), str(p.pages), str(p.new),
                  str(p.near_duplicates), str(p.duplicates), str(p.rejected), str(p.fallback), f"{p.seconds:.1f}")
    console.print(t)
    for p in report.portals.values():
        if p.reasons or p.message:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(p.reasons.items()))
            console.print(f"  {p.portal}: {reasons or p.message}", soft_wrap=True, markup=False)
    for p in report.portals.values():
        for alert in p.alerts if p.status == "loaded" else ():  # a failure is shown above
            console.print(f"  [bold yellow]drift[/] {p.portal}: {alert}", soft_wrap=True)
    if report.leftovers_loaded:
        console.print(f"also loaded {report.leftovers_loaded} batch(es) staged by an earlier, interrupted run")


def _plain(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def print_rows(columns: list[str], rows: list[tuple], fmt: str = "table") -> None:
    if fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(columns)
        w.writerows([[_plain(v) for v in r] for r in rows])
    elif fmt == "json":
        print(json.dumps([{c: _plain(v) for c, v in zip(columns, r)} for r in rows],
                         ensure_ascii=False, indent=1, default=str))
    else:
        console = Console()
        if not console.is_terminal:
            console = Console(width=max(console.width, 160))
        t = Table()
        for c in columns:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*("" if v is None else str(_plain(v)) for v in r))
        with console.capture() as table:
            console.print(t)
        # Line by line: a single large write into a pipe its reader closed (`| head`) loses the
        # rest without an error, so the command would not know it stopped early.
        sys.stdout.writelines(table.get().splitlines(keepends=True))
