"""What the warehouse remembers of runs: the URLs a crawl need not fetch again, the portals
whose last crawl was cut short, and each portal's run history (what drift is judged on)."""

from __future__ import annotations

from datetime import datetime, timezone

from warehouse import db


def new_run_id() -> str:
    """A run's id: its start in UTC, to the microsecond, so that ids sort as runs began."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def known_url_keys(con) -> list[str]:
    """What a scheduled crawl need not fetch again: every stored URL, and pages rejected for a
    reason that will not change (a transient failure is tried again)."""
    rows = con.execute("SELECT url_key FROM article_urls UNION "
                       "SELECT url_key FROM rejects WHERE url_key IS NOT NULL AND NOT transient").fetchall()
    return [k for (k,) in rows]


def cut_short(con) -> set[str]:
    """Portals whose latest loaded crawl stopped at its time bound. Their next crawl walks on
    past listing pages it already knows: the articles listed after the stopping point are older
    than those, and an incremental walk would never reach them."""
    rows = con.execute("""
        SELECT c.portal FROM crawl_runs c
        WHERE c.status = 'loaded'
          AND c.run_id = (SELECT max(run_id) FROM crawl_runs WHERE portal = c.portal AND status = 'loaded')
          AND EXISTS (SELECT 1 FROM rejects r WHERE r.portal = c.portal AND r.reason = 'crawl_timeout'
                      AND r.run_id >= c.run_id)""").fetchall()
    return {portal for (portal,) in rows}


# An import's row names its source, not a portal: it is no crawl of one.
CRAWLS = "flow <> 'import'"


def history(con, portal: str) -> list[dict]:
    """The portal's crawl_runs rows, newest first."""
    return histories(con, [portal]).get(portal, [])


def histories(con, portals: list[str]) -> dict[str, list[dict]]:
    """{portal: its crawl_runs rows, newest first} of these portals, in one query."""
    cur = con.execute(f"SELECT * FROM crawl_runs WHERE list_contains(?, portal) AND {CRAWLS} "
                      "ORDER BY started_at DESC NULLS LAST", [portals])
    columns = [d[0] for d in cur.description]
    out: dict[str, list[dict]] = {}
    for r in cur.fetchall():
        row = dict(zip(columns, r))
        out.setdefault(row["portal"], []).append(row)
    return out


def set_alerts(con, run_id: str, alerts: dict[str, list[str]]) -> None:
    """Store each portal's alerts on its row of the run, in one statement (on the lake each
    UPDATE costs a commit and a read of the table's files), committed against other writers:
    another machine's load or compaction may commit meanwhile (`db.committed`)."""
    if alerts:
        db.committed(con, lambda: con.execute(
            "UPDATE crawl_runs SET alerts = a.alerts "
            "FROM (SELECT unnest(?::VARCHAR[]) AS portal, unnest(?::VARCHAR[][]) AS alerts) a "
            "WHERE crawl_runs.run_id = ? AND crawl_runs.portal = a.portal",
            [list(alerts), list(alerts.values()), run_id]))


def since(con, started: object) -> list[tuple]:
    """(portal, started_at, status, articles_new, alerts) of the crawls started since, oldest first."""
    return con.execute(f"SELECT portal, started_at, status, articles_new, alerts FROM crawl_runs "
                       f"WHERE started_at >= ? AND {CRAWLS} ORDER BY started_at", [started]).fetchall()
