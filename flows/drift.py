"""Drift alerts: is a portal still giving what it gave before? Each run's figures are compared
with the portal's own recent runs in `crawl_runs`, not with fixed expectations, because portals
differ (one never prints an author, another always does).

Alerts, each one line:
- the crawl failed, or the listing pages showed no article link at all (a redesign, a block);
- more than `max_fallback_share` of the new articles needed generic extraction (the portal's
  selectors missed them);
- title, date or author coverage fell more than `coverage_drop` below the median of the recent
  runs, or the median body length fell below `body_length_ratio` times theirs.
Coverage and length are judged only on runs with at least `min_articles` new articles, against at
least `min_history_runs` such runs.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from warehouse import runs


@dataclass(frozen=True)
class DriftSettings:
    max_fallback_share: float = 0.2
    coverage_drop: float = 0.3
    body_length_ratio: float = 0.5
    min_articles: int = 5
    min_history_runs: int = 3
    history_runs: int = 10


DEFAULTS = DriftSettings()
COVERAGE = ("title", "date", "author")


def alerts(run: dict, history: list[dict], settings: DriftSettings = DEFAULTS) -> list[str]:
    """`run`: this run's `crawl_runs` row for one portal; `history`: earlier rows, newest first."""
    if run.get("status") == "crawl_failed":
        return [f"crawl failed: {run.get('message') or 'no detail'}"]
    if run.get("status") != "loaded":
        return []
    out = []
    if not run.get("listing_entries"):
        out.append("listing pages showed no article link")
    new = run.get("articles_new") or 0
    if new and (run.get("fallback_extractions") or 0) / new > settings.max_fallback_share:
        out.append(f"{run['fallback_extractions']} of {new} new articles needed generic extraction "
                   f"(selectors missed; limit {settings.max_fallback_share:.0%})")
    judged = [h for h in history if (h.get("articles_new") or 0) >= settings.min_articles
              and h.get("title_coverage") is not None][:settings.history_runs]
    if new < settings.min_articles or len(judged) < settings.min_history_runs:
        return out
    for field in COVERAGE:
        now = run.get(f"{field}_coverage")
        usual = statistics.median(h[f"{field}_coverage"] for h in judged)
        if now is not None and now < usual - settings.coverage_drop:
            out.append(f"{field} found in {now:.0%} of new articles (recent runs: {usual:.0%})")
    usual_len = statistics.median(h["median_body_chars"] for h in judged)
    if run.get("median_body_chars") is not None and run["median_body_chars"] < settings.body_length_ratio * usual_len:
        out.append(f"median body {run['median_body_chars']} characters (recent runs: {usual_len:.0f})")
    return out


def with_proposal(found: list[str], portal: str) -> list[str]:
    """Selector drift names the command that proposes the portal's next definition version."""
    from spiders.portals import PORTALS

    p = PORTALS.get(portal)
    if not found or p is None or found[0].startswith("crawl failed"):
        return found
    listing = f"https://{p.home}{p.listing.url.format(category=p.categories[0], page=1)}"
    return found + [f"to propose a new definition: provnews add-portal {listing} --key {portal}"]


def check(con, run_id: str, portals: list[str], settings: DriftSettings = DEFAULTS) -> dict[str, list[str]]:
    """Judge each portal's row of a run against its history, and store the alerts on the rows.
    Returns {portal: alerts} of the portals with a row in the run."""
    found = {}
    for portal, rows in runs.histories(con, portals).items():
        run = next((r for r in rows if r["run_id"] == run_id), None)
        if run is not None:
            history = [r for r in rows if r["run_id"] != run_id and r["status"] == "loaded"]
            found[portal] = with_proposal(alerts(run, history, settings), portal)
    runs.set_alerts(con, run_id, found)
    return found
