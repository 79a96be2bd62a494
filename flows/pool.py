"""The flows of a Prefect work pool (`provnews serve --pool NAME`): one portal per flow run, so
that each portal goes to whichever worker takes it, on any machine.

    ingest-portal  one portal's crawl and load (`flows.ingest.run_ingest`), holding the global
                   concurrency limit `portal-<key>` (one slot) from the crawl's start to the
                   load's end: one portal is never crawled by two workers at once, whichever
                   machines they run on. Its lease lapses LEASE_SECONDS after the run's process
                   dies (a killed worker, a machine gone): the portal's next run goes ahead.
    fan-out        the scheduled run: queues one `ingest-portal` run per portal and returns at
                   once. A scheduled ingest leaves out a portal whose limit is taken (its run
                   still crawls or loads: the next one gets what is new); a backfill queues
                   every portal, and one that is busy waits for its turn.

A pool's runs take neither the run lock beside a local warehouse nor `provnews-warehouse`: runs
of different portals crawl and load at once, and the store lets one load commit at a time
(`warehouse.db`), each against every article committed before it. The warehouse is the
deployments' (`PROVNEWS_DB`, and `PROVNEWS_DATA_PATH` for a Postgres catalog, in their job
variables, from `serve --pool`); the staging area is each machine's own (`PROVNEWS_STAGING` in
the worker's environment, an absolute path: a worker runs each flow run in a temporary directory).
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from prefect import flow, get_client, get_run_logger
from prefect.exceptions import ObjectNotFound
from pydantic.json_schema import SkipJsonSchema

from flows.ingest import LOCAL_TIME_ZONE, PortalKey, Portals, RunReport, _finish, run_ingest
from spiders.portals import PORTALS
from warehouse.location import locate

PORTAL_FLOW = "ingest-portal"
PORTAL_DEPLOYMENT = "provnews-pool-portal"
FAN_OUT_DEPLOYMENT = "provnews-pool-ingest"
# The server's shortest lease (it refuses less); renewed by Prefect while the run lives.
LEASE_SECONDS = 60


def portal_limit(key: str) -> str:
    return f"portal-{key}"


class NoPortalLimit(RuntimeError):
    """The portal's concurrency limit does not exist: `provnews serve --pool` creates them."""


class NoStagingArea(RuntimeError):
    """The worker's machine has no staging area of its own that outlives the run."""


def _staging_area() -> None:
    """A worker runs each flow run in a temporary directory: a staging area relative to it (the
    default for a Postgres catalog) would go with it, and with it the raw archive."""
    staging = locate().staging
    if not staging.is_absolute():
        raise NoStagingArea(f"the staging area {staging} is relative to the run's temporary directory: set "
                            "PROVNEWS_STAGING to a directory of this machine (an absolute path) for `prefect worker start`")


def _limit_taken(client, key: str) -> bool:
    try:
        limit = client.read_global_concurrency_limit_by_name(portal_limit(key))
    except ObjectNotFound:
        raise NoPortalLimit(f"no global concurrency limit {portal_limit(key)}: run `provnews serve --pool NAME` "
                            "again, which creates one for every portal") from None
    return limit.active and limit.active_slots >= limit.limit


def _portal_run_name() -> str:
    """`ingest hatinh @127.0.0.1:8000 2025-06-01 06:00`, `backfill hatinh 2021-01-01..today`."""
    from prefect.runtime import flow_run
    p = flow_run.parameters
    target = f" @{urlsplit(p['mirror_url']).netloc or p['mirror_url']}" if p.get("mirror_url") else ""
    if p.get("backfill"):
        return f"backfill {p['portal']} {p.get('since')}..{p.get('until') or 'today'}{target}"
    when = (flow_run.scheduled_start_time or datetime.now(timezone.utc)).astimezone(ZoneInfo(LOCAL_TIME_ZONE))
    return f"ingest {p['portal']}{target} {when:%Y-%m-%d %H:%M}"


@flow(name=PORTAL_FLOW, flow_run_name=_portal_run_name, log_prints=True)
def ingest_portal(portal: PortalKey, since: date | SkipJsonSchema[None] = None,
                  until: date | SkipJsonSchema[None] = None, backfill: bool = False,
                  mirror_url: str | SkipJsonSchema[None] = None) -> RunReport:
    """One portal: fetch what is new (or, with `backfill`, its history between two dates) and
    append it to the warehouse.

    Args:
        portal: The portal to crawl.
        since: Skip articles listed before this day (a backfill's first day).
        until: A backfill's last day (empty: up to today).
        backfill: Walk the listings down to `since`, filling gaps, instead of stopping at the first page with nothing new.
        mirror_url: Crawl a portal mirror already running at this URL (e.g. `provnews mirror`).
    """
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.concurrency.sync import concurrency
    from prefect.runtime import flow_run

    if backfill and since is None:
        raise ValueError("a backfill needs `since`")
    _staging_area()
    logger = get_run_logger()
    with get_client(sync_client=True) as client:
        busy = _limit_taken(client, portal)
    if busy:
        logger.info("waiting for %s: another run crawls %s now; this run starts when it is done",
                    portal_limit(portal), portal)
    waited = time.monotonic()
    # A renewal that fails (the API away for a while) leaves the crawl going, with a warning:
    # the cost is a portal crawled twice at once, not a crawl lost.
    with concurrency(portal_limit(portal), occupy=1, strict=True, lease_duration=LEASE_SECONDS,
                     holder=ConcurrencyLeaseHolder(type="flow_run", id=flow_run.id),
                     raise_on_lease_renewal_failure=False):
        if busy:
            logger.info("%s is free after %.0f s: this run starts", portal_limit(portal), time.monotonic() - waited)
        report = run_ingest([portal], since=since, until=until, mirror_url=mirror_url,
                            flow_name="backfill" if backfill else "ingest", pool=True)
    return _finish(report)


def _fan_out_name() -> str:
    from prefect.runtime import flow_run
    p = flow_run.parameters
    keys = p.get("portals") or []
    portals = "+".join(keys[:3]) + (f"+{len(keys) - 3} more" if len(keys) > 3 else "") or "all"
    if p.get("backfill"):
        return f"fan-out backfill {portals} {p.get('since')}..{p.get('until') or 'today'}"
    when = (flow_run.scheduled_start_time or datetime.now(timezone.utc)).astimezone(ZoneInfo(LOCAL_TIME_ZONE))
    return f"fan-out {portals} {when:%Y-%m-%d %H:%M}"


@flow(name="fan-out", flow_run_name=_fan_out_name, log_prints=True)
def fan_out(portals: Portals = None, since: date | SkipJsonSchema[None] = None,
            until: date | SkipJsonSchema[None] = None, backfill: bool = False,
            mirror_url: str | SkipJsonSchema[None] = None) -> dict[str, str]:
    """Queue one `ingest-portal` run per portal, for the pool's workers, and return at once.

    Args:
        portals: Portals to crawl (empty: all of them).
        since: Skip articles listed before this day (a backfill's first day, required for one).
        until: A backfill's last day (empty: up to today).
        backfill: Load the portals' history between `since` and `until`.
        mirror_url: Crawl a portal mirror already running at this URL (e.g. `provnews mirror`).
    """
    from prefect.deployments import run_deployment
    from prefect.runtime import flow_run

    if backfill and since is None:
        raise ValueError("a backfill needs `since`")
    logger = get_run_logger()
    queued = {}
    with get_client(sync_client=True) as client:
        for key in portals or list(PORTALS):
            if not backfill and _limit_taken(client, key):
                logger.info("%s: not queued, its last run still crawls or loads (the next one gets what is new)", key)
                continue
            run = run_deployment(f"{PORTAL_FLOW}/{PORTAL_DEPLOYMENT}", timeout=0,
                                 parameters={"portal": key, "since": since, "until": until, "backfill": backfill,
                                             "mirror_url": mirror_url},
                                 idempotency_key=f"{flow_run.id}-{key}")  # a retried fan-out queues none twice
            queued[key] = run.name
    logger.info("queued %d run(s) of %s: %s", len(queued), PORTAL_FLOW, ", ".join(queued) or "none")
    return queued
