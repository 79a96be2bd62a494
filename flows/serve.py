"""`provnews serve`: register the two deployments with the Prefect API at `PREFECT_API_URL`, then
run their flow runs in this process until stopped.

    ingest/scheduled     the ingest flow on a schedule (default every 6 hours, Asia/Ho_Chi_Minh)
    backfill/on-demand   the backfill flow, no schedule, run from the UI's "Run" form

Who owns the schedule: `provnews serve` creates it when it creates the deployment; from then on
it belongs to the Prefect UI (and API). Re-running `serve` updates the flow code, description
and parameter defaults but sends neither the schedule nor the paused flag, so a schedule a user
changed, deactivated or paused stays as they left it. Prefect's own `serve()` would send both and
re-activate it (Prefect issues #11723, #14973, #23097). To go back to the command line's
schedule, delete the deployment (`prefect deployment delete ingest/scheduled`) and serve again.
"""

from __future__ import annotations

from datetime import timedelta

from prefect import get_client
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Interval

from flows.ingest import backfill, ingest

INGEST_DEPLOYMENT = "scheduled"
BACKFILL_DEPLOYMENT = "on-demand"
DEFAULT_INTERVAL_HOURS = 6.0
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
UI_OWNED = {"schedules", "paused"}  # never sent for a deployment that already exists


def _exists(full_name: str) -> bool:
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(full_name)
            return True
        except ObjectNotFound:
            return False


def deployments(interval_hours: float = DEFAULT_INTERVAL_HOURS, timezone: str = DEFAULT_TIMEZONE,
                parameters: dict | None = None) -> list[RunnerDeployment]:
    """The two deployments, ready for `prefect.serve` (which registers them)."""
    parameters = parameters or {}
    scheduled = ingest.to_deployment(
        INGEST_DEPLOYMENT, schedule=Interval(timedelta(hours=interval_hours), timezone=timezone),
        parameters=parameters, concurrency_limit=1, tags=["provnews"], entrypoint_type=EntrypointType.MODULE_PATH,
        description="Fetch what is new on every portal and append it to the warehouse.")
    if _exists(f"{ingest.name}/{INGEST_DEPLOYMENT}"):
        # The UI owns it now: leave the schedule and the paused flag out of the update
        # (RunnerDeployment sends schedules when it has any, other fields when they were set).
        scheduled.schedules = None
        scheduled.__pydantic_fields_set__.difference_update(UI_OWNED)
    on_demand = backfill.to_deployment(
        BACKFILL_DEPLOYMENT, parameters=parameters, concurrency_limit=1, tags=["provnews"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Load one portal's history between two dates (since, until).")
    return [scheduled, on_demand]


def serve(interval_hours: float = DEFAULT_INTERVAL_HOURS, timezone: str = DEFAULT_TIMEZONE,
          parameters: dict | None = None) -> None:
    """Register both deployments, then execute their runs until interrupted. Stopping does not
    pause the schedule (it is the UI's): runs due meanwhile wait as Late until serving resumes."""
    import prefect

    prefect.serve(*deployments(interval_hours, timezone, parameters), pause_on_shutdown=False)
