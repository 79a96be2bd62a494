"""New articles per portal over the last weeks, to be seen rather than read: the markdown artifact
`articles-per-week` that every run publishes beside its report. One row per portal with runs in
the window: its key, a sparkline, the count of each week (Monday to Sunday in the portals' time zone, by
the day the run started; ingest and backfill runs alike), and a flag when the portal's latest
run failed or raised a drift alert, the alerts themselves listed below the table.

From `crawl_runs` alone: each row is one portal's part of one run, `articles_new` its new articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from spiders.portals import PORTALS
from warehouse import runs

WEEKS = 6  # with the portal, the sparkline and the flag, as wide as the UI's artifact column
BARS = "▁▂▃▄▅▆▇█"
NO_RUN, ONLY_FAILED = "·", "✗"  # a week without a loaded run: none at all, or only failed ones


@dataclass
class PortalWeeks:
    portal: str
    new: list[int | None]         # per week, oldest first; None: no loaded run that week
    failed: list[bool]            # per week: some run failed
    latest_status: str = ""
    latest_alerts: list[str] = field(default_factory=list)


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def read_weeks(con, time_zone: str, today: date | None = None,
               weeks: int = WEEKS) -> tuple[list[date], list[PortalWeeks]]:
    """The Mondays of the last `weeks` weeks up to `today`'s, and each portal's weeks."""
    tz = ZoneInfo(time_zone)
    today = today or datetime.now(tz).date()
    starts = week_starts(today, weeks)
    since = datetime.combine(starts[0], datetime.min.time(), tz)
    rows = runs.since(con, since)
    found: dict[str, PortalWeeks] = {}
    for portal, started_at, status, new, alerts in rows:
        p = found.setdefault(portal, PortalWeeks(portal, [None] * weeks, [False] * weeks))
        week = (started_at.astimezone(tz).date() - starts[0]).days // 7
        if not 0 <= week < weeks:
            continue  # started after today (clocks): not in this table
        if status == "loaded":
            p.new[week] = (p.new[week] or 0) + (new or 0)
        elif status == "crawl_failed":
            p.failed[week] = True
        p.latest_status, p.latest_alerts = status, list(alerts or [])  # rows come oldest first
    return starts, [found[k] for k in sorted(found)]


def sparkline(p: PortalWeeks) -> str:
    top = max((n for n in p.new if n), default=0)
    out = []
    for n, failed in zip(p.new, p.failed):
        if n is None:
            out.append(ONLY_FAILED if failed else NO_RUN)
        else:
            out.append(BARS[round(n / top * (len(BARS) - 1))] if top else BARS[0])
    return "".join(out)


def _cell(n: int | None, failed: bool) -> str:
    if n is None:
        return ONLY_FAILED if failed else NO_RUN
    return f"{n:,}"


def _flag(p: PortalWeeks) -> str:
    if p.latest_status == "crawl_failed":
        return "✗\u00a0failed"  # no-break spaces: a flag on one line
    return "⚠\u00a0drift" if p.latest_alerts else ""


def label(key: str) -> str:
    """`yenbai — Yên Bái`: the key and the province it publishes for (a newspaper says so)."""
    portal = PORTALS.get(key)
    if portal is None:
        return key
    return f"{key} — {portal.province}" + (" (newspaper)" if portal.kind == "newspaper" else "")


def markdown(starts: list[date], portals: list[PortalWeeks]) -> str:
    if not portals:
        return f"No runs in the last {len(starts)} weeks."
    head = ["portal", "trend", *(f"{d:%d/%m}" for d in starts), ""]
    lines = [
        f"**New articles per week**, the last {len(starts)} weeks (Monday to Sunday, columns by the "
        f"week's Monday). `{NO_RUN}` no run that week, `{ONLY_FAILED}` only failed runs.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join([":--", ":--", *["--:"] * len(starts), ":--"]) + "|",
    ]
    for p in portals:
        cells = [p.portal, f"`{sparkline(p)}`", *map(_cell, p.new, p.failed), _flag(p)]
        lines.append("| " + " | ".join(cells) + " |")
    flagged = [p for p in portals if p.latest_alerts]
    if flagged:
        lines += ["", "**Latest run's alerts**", ""]
        lines += [f"- **{p.portal}**: {alert}" for p in flagged for alert in p.latest_alerts]
    return "\n".join(lines)
