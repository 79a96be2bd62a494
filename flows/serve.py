"""`provnews serve`: register the two deployments with the Prefect API at `PREFECT_API_URL`, then
run their flow runs in this process until stopped.

    ingest/provnews-scheduled-ingest  the ingest flow on a schedule: every 6 hours on the hour
                                      from midnight, Asia/Ho_Chi_Minh (00:00, 06:00, 12:00, 18:00)
    backfill/provnews-backfill        the backfill flow, no schedule, run from the UI's "Run" form

Who owns what. `serve` owns what the code defines and sends it every time: the flow and its
entrypoint, the parameter schema (the Run form's fields), the version. What the UI can change on
a deployment (its Edit page, its schedule and pause controls) is the UI's: `serve` sends it when
it creates the deployment and never again (`UI_OWNED`), so a parameter default set on the Edit
page (`mirror: true` on a test server), a schedule changed or switched off, a pause, tags, the
description or a concurrency setting stay as the user left them. Prefect's own `serve()` would
send them all again and reset them (Prefect issues #11723, #14973, #23097). To go back to the
command line's settings, delete the deployment (`prefect deployment delete
ingest/provnews-scheduled-ingest`) and serve again.

One writer at a time. Every run of these deployments takes the global concurrency limit
`provnews-warehouse` (`flows.ingest`), which `serve` creates with one slot if it is missing: an
ingest due during a long backfill waits for it and then runs. The limit is the UI's too
(Concurrency page): `serve` never changes one that exists.

The deployments were named `ingest/scheduled` and `backfill/on-demand` before. `serve` replaces
one it finds under its old name: the new deployment is created with the old one's parameter
defaults (less `db_path`, which now comes from `serve --db`) and its paused state, with the
command line's schedule (switched off if the old one's was), and the old one is deleted: its
past runs stay in the UI, its scheduled runs go with it.

The flow runs take the warehouse from this process's environment (PROVNEWS_DB, set from
`serve --db`): the path of one machine is not a parameter that the UI should show or keep.

`serve --pool NAME` (`register_pool`) registers two other deployments on the work pool NAME for
its workers, on any machine, and returns: `fan-out/provnews-pool-ingest` on the same schedule,
which queues one run of `ingest-portal/provnews-pool-portal` per portal (`flows.pool`). There the
warehouse is in the deployments' job variables (PROVNEWS_DB, and PROVNEWS_DATA_PATH for a Postgres
catalog, in the runs' environment), sent on every registration with the work pool; the rest is
owned as above.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Interval, Schedule

from flows.ingest import LOCAL_TIME_ZONE, WAREHOUSE_LIMIT, backfill, ingest

INGEST_DEPLOYMENT = "provnews-scheduled-ingest"
BACKFILL_DEPLOYMENT = "provnews-backfill"
OLD_NAMES = {INGEST_DEPLOYMENT: "scheduled", BACKFILL_DEPLOYMENT: "on-demand"}
DEFAULT_INTERVAL_HOURS = 6.0
DEFAULT_TIMEZONE = LOCAL_TIME_ZONE
# Never sent for a deployment that already exists: what the UI edits.
UI_OWNED = {"schedules", "paused", "parameters", "description", "tags", "concurrency_limit",
            "concurrency_options", "enforce_parameter_schema"}
# Runs fall on round hours: the interval counts from a midnight in the schedule's time zone.
SCHEDULE_ANCHOR = datetime(2025, 1, 1)


def schedule(interval_hours: float = DEFAULT_INTERVAL_HOURS, timezone: str = DEFAULT_TIMEZONE) -> Schedule:
    try:
        anchor = SCHEDULE_ANCHOR.replace(tzinfo=ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r} (an IANA name, e.g. Asia/Ho_Chi_Minh)") from None
    return Interval(timedelta(hours=interval_hours), anchor_date=anchor, timezone=timezone)


def deployments(interval_hours: float = DEFAULT_INTERVAL_HOURS,
                timezone: str = DEFAULT_TIMEZONE) -> list[RunnerDeployment]:
    """The two deployments, ready for `prefect.serve` (which registers them)."""
    common = dict(concurrency_limit=1, tags=["provnews"], entrypoint_type=EntrypointType.MODULE_PATH)
    scheduled = ingest.to_deployment(
        INGEST_DEPLOYMENT, schedule=schedule(interval_hours, timezone), **common,
        description="Fetch what is new on every portal and append it to the warehouse.")
    on_demand = backfill.to_deployment(
        BACKFILL_DEPLOYMENT, **common,
        description="Load portals' history between two dates (since, until).")
    for deployment in (scheduled, on_demand):
        _without_null_defaults(deployment)
    with get_client(sync_client=True) as client:
        for flow, deployment in ((ingest, scheduled), (backfill, on_demand)):
            if _read(client, deployment.full_name):
                # The UI owns these now (RunnerDeployment sends schedules when it has any, the
                # other fields when they were set).
                deployment.schedules = None
                deployment.__pydantic_fields_set__.difference_update(UI_OWNED)
            elif old := _read(client, _old_name(deployment.full_name)):
                _carry_over(old, deployment, form_fields=set(flow.parameters.properties))
                print(f"{deployment.full_name}: created with the parameter defaults and pause of "
                      f"{_old_name(deployment.full_name)}", flush=True)
    return [scheduled, on_demand]


def _without_null_defaults(deployment: RunnerDeployment) -> None:
    """The Run form fills each field with its schema default and sends them all with the run; a
    `null` default then fails the server's check of the run's parameters (HTTP 409, `None is not
    of type 'string'`: a field with a default is not nullable to it). Without the default the
    field starts empty, and the server lets an optional field be null. The flow's own default
    (None) is the same. (The schema is the deployment's own, built by `to_deployment`.)"""
    for prop in deployment._parameter_openapi_schema.properties.values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


def _old_name(full_name: str) -> str:
    flow_name, name = full_name.split("/")
    return f"{flow_name}/{OLD_NAMES[name]}"


def _read(client, full_name: str):
    try:
        return client.read_deployment_by_name(full_name)
    except ObjectNotFound:
        return None


def _carry_over(old, new: RunnerDeployment, form_fields: set[str]) -> None:
    """What a user may have set on the deployment of the old name that matters most on a test
    server: its parameter defaults (so that it keeps crawling the mirror; those of the Run form,
    not the internals serve used to set) and its pause."""
    new.parameters = {k: v for k, v in (old.parameters or {}).items() if k in form_fields}
    new.paused = old.paused
    if new.schedules and old.schedules and not any(s.active for s in old.schedules):
        for s in new.schedules:
            s.active = False


def _delete_old_names(names: list[str]) -> None:
    """Nothing serves the deployments of the old names any more: their scheduled runs would wait
    as Late for ever. Deleted, with those runs; their past runs stay."""
    with get_client(sync_client=True) as client:
        for full_name in names:
            if old := _read(client, _old_name(full_name)):
                client.delete_deployment(old.id)
                print(f"replaced {_old_name(full_name)} by {full_name}: deleted it (its past runs stay)", flush=True)


def ensure_warehouse_limit() -> None:
    """The global concurrency limit every deployment run takes (one slot), if it is missing."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WAREHOUSE_LIMIT)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WAREHOUSE_LIMIT, limit=1))


def serve(interval_hours: float = DEFAULT_INTERVAL_HOURS, timezone: str = DEFAULT_TIMEZONE) -> None:
    """Register both deployments, then execute their runs until interrupted. Stopping does not
    pause the schedule (it is the UI's): runs due meanwhile wait as Late until serving resumes."""
    import prefect

    ensure_warehouse_limit()
    served = deployments(interval_hours, timezone)
    _delete_old_names([d.full_name for d in served])
    prefect.serve(*served, pause_on_shutdown=False)


# --- A work pool (`provnews serve --pool NAME`, flows.pool) ------------------------------------
# The deployments' runs go to the pool's workers, on any machine, instead of this process. What
# `serve` owns and sends every time: the flows, their parameters, the work pool, and the job
# variables (the warehouse: PROVNEWS_DB and PROVNEWS_DATA_PATH in the runs' environment). The UI's:
# as above.
POOL_TYPE = "process"


def ensure_pool(name: str) -> bool:
    """The work pool, created as a process pool if missing. Returns whether it was created."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            existing = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type=POOL_TYPE,
                                                   base_job_template=ProcessWorker.get_default_base_job_template()))
            return True
    if existing.type != POOL_TYPE:
        raise ValueError(f"work pool {name!r} is of type {existing.type!r}: the pool's workers run the "
                         f"installed provnews, in a {POOL_TYPE!r} pool (`prefect work-pool create NAME --type process`)")
    return False


def ensure_portal_limits() -> list[str]:
    """One global concurrency limit per portal, one slot, for those missing (`flows.pool`);
    an existing one is the UI's. Returns the names created."""
    from flows.pool import portal_limit
    from spiders.portals import PORTALS

    created = []
    with get_client(sync_client=True) as client:
        for name in map(portal_limit, PORTALS):
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
                created.append(name)
    return created


def pool_deployments(pool: str, env: dict[str, str], interval_hours: float = DEFAULT_INTERVAL_HOURS,
                     timezone: str = DEFAULT_TIMEZONE) -> list[RunnerDeployment]:
    """The fan-out on the schedule, and the per-portal flow it queues runs of, on the pool."""
    from flows.pool import FAN_OUT_DEPLOYMENT, PORTAL_DEPLOYMENT, fan_out, ingest_portal

    # The module path, not a file: each worker imports the provnews installed on its machine.
    common = dict(tags=["provnews"], entrypoint_type=EntrypointType.MODULE_PATH, work_pool_name=pool,
                  job_variables={"env": env})
    scheduled = fan_out.to_deployment(
        FAN_OUT_DEPLOYMENT, schedule=schedule(interval_hours, timezone), concurrency_limit=1, **common,
        description="Queue one ingest-portal run per portal for the pool's workers.")
    per_portal = ingest_portal.to_deployment(
        PORTAL_DEPLOYMENT, **common,
        description="One portal's crawl and load, one run of a portal at a time across the pool.")
    with get_client(sync_client=True) as client:
        for deployment in (scheduled, per_portal):
            _without_null_defaults(deployment)
            if _read(client, deployment.full_name):
                deployment.schedules = None
                deployment.__pydantic_fields_set__.difference_update(UI_OWNED)
    return [scheduled, per_portal]


def register_pool(pool: str, env: dict[str, str], interval_hours: float = DEFAULT_INTERVAL_HOURS,
                  timezone: str = DEFAULT_TIMEZONE) -> list[str]:
    """Create the pool and the portals' limits if missing, register both deployments on the pool,
    and return their full names. Nothing runs here: the pool's workers run them."""
    if ensure_pool(pool):
        print(f"created work pool {pool} (type {POOL_TYPE})", flush=True)
    if created := ensure_portal_limits():
        print(f"created {len(created)} global concurrency limits ({created[0]} ... {created[-1]}), one slot each",
              flush=True)
    names = []
    for deployment in pool_deployments(pool, env, interval_hours, timezone):
        deployment.apply(work_pool_name=pool)
        names.append(deployment.full_name)
    with get_client(sync_client=True) as client:
        served = _read(client, f"ingest/{INGEST_DEPLOYMENT}")
    if served and not served.paused:
        print(f"note: ingest/{INGEST_DEPLOYMENT} (`provnews serve`, in one process) is not paused: "
              "if it is served, both schedules ingest", flush=True)
    return names
