"""What a run publishes in the Prefect UI, as markdown artifacts that fit the page:

    ingest-report | backfill-report   the run report: one line of summary, a table of short
                                      columns per portal, then as lists the cause of each portal
                                      not loaded, the rejects by reason and the drift alerts
    articles-per-week                 new articles per portal over the last weeks (flows.trend)

Each key is the same for every run, so the UI's Artifacts page keeps the history per key; every
figure is also in the warehouse's `crawl_runs`.
"""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact

from flows import trend

REPORT_COLUMNS = ("portal", "status", "new", "near dups", "exact dups", "rejected", "pages", "crawl + load")
LEGEND = ("new: articles added (near duplicates among them, linked to their original); exact dups: "
          "copies of stored articles, not added; rejected: pages dropped, by reason below; pages: "
          "article pages fetched; crawl + load: the portal's crawl time plus its load time.")


def duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def _row(p) -> list[str]:
    if p.status != "loaded":
        return [p.portal, f"**{p.status}**", "–", "–", "–", "–", f"{p.pages:,}", "–"]
    return [p.portal, p.status, f"{p.new:,}", f"{p.near_duplicates:,}", f"{p.duplicates:,}", f"{p.rejected:,}",
            f"{p.pages:,}", duration(p.seconds)]


def summary(report) -> str:
    portals = report.portals.values()
    not_loaded = [p.portal for p in portals if p.status != "loaded"]
    flagged = [p.portal for p in portals if p.alerts and p.status == "loaded"]
    return (f"{sum(p.new for p in portals):,} new articles from {len(report.portals)} portal(s); "
            f"not loaded: {', '.join(not_loaded) or 'none'}; drift: {', '.join(flagged) or 'none'}.")


def report_markdown(report) -> str:
    lines = [f"**{report.flow} run `{report.run_id}`**: {summary(report)}", "",
             "| " + " | ".join(REPORT_COLUMNS) + " |",
             "|:--|:--|" + "--:|" * (len(REPORT_COLUMNS) - 2)]
    lines += ["| " + " | ".join(_row(p)) + " |" for p in report.portals.values()]
    lines += ["", LEGEND]
    if report.leftovers_loaded:
        lines += ["", f"Also loaded {report.leftovers_loaded} batch(es) staged by an earlier run."]
    sections = {
        "Not loaded": [f"**{p.portal}** ({p.status}): {p.message or 'no detail'}"
                       for p in report.portals.values() if p.status != "loaded"],
        "Rejected pages": [f"**{p.portal}**: " + ", ".join(f"{reason} {n:,}" for reason, n in sorted(p.reasons.items()))
                           for p in report.portals.values() if p.reasons],
        # A failed crawl's alert repeats its cause, given above.
        "Drift": [f"**{p.portal}**: {alert}" for p in report.portals.values() if p.status == "loaded"
                  for alert in p.alerts],
    }
    for title, items in sections.items():
        if items:
            lines += ["", f"**{title}**", "", *(f"- {item}" for item in items)]
    return "\n".join(lines)


def publish_report(report) -> None:
    create_markdown_artifact(report_markdown(report), key=f"{report.flow}-report", description=summary(report))


def publish_trend(con, time_zone: str) -> None:
    starts, portals = trend.read_weeks(con, time_zone)
    flagged = [p.portal for p in portals if p.latest_alerts]
    create_markdown_artifact(trend.markdown(starts, portals), key="articles-per-week",
                             description=f"New articles per portal per week; flagged: {', '.join(flagged) or 'none'}.")
