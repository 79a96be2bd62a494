"""Against a real `prefect server start` on a free local port: `provnews serve` registers both
deployments, the API reads them back (schedule, parameter schema), a backfill triggered through
the API runs against the mirror and publishes its report; the server's scheduler turns the
served schedule into scheduled runs; re-serving leaves a schedule changed in the UI as it is."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings

from spiders.portals import PORTALS
from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SCHEDULER_LOOP_SECONDS = 2  # Prefect's default is 60


@pytest.fixture(scope="module")
def server_home():
    """The server's PREFECT_HOME; its output goes to server.log there."""
    home = Path(tempfile.mkdtemp(prefix="provnews-prefect-server-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def api_url(server_home):
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(server_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": str(SCHEDULER_LOOP_SECONDS)}
    env.pop("PREFECT_API_URL", None)
    prefect = shutil.which("prefect", path=os.path.dirname(sys.executable))
    with open(server_home / "server.log", "wb") as log:
        server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "prefect server did not start"
                time.sleep(0.5)
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


@contextlib.contextmanager
def serving(api_url, db_file):
    """`provnews serve` in a child process, from registration until the block ends."""
    env = {**os.environ, "PREFECT_API_URL": api_url, "PROVNEWS_CRAWL_RETRY_DELAYS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(db_file), "serve"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        lines = []
        for line in proc.stdout:  # prefect.serve prints its banner once both are registered
            lines.append(line)
            if "being served" in line:
                break
        assert proc.poll() is None, "".join(lines)
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def read(name):
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(name)
        return deployment, client.read_deployment_schedules(deployment.id)


def test_serve_registers_both_deployments_and_a_triggered_backfill_completes_with_its_report(
        api_url, mirror, tmp_path):
    db_file = tmp_path / "w.duckdb"
    with serving(api_url, db_file):
        ingest, ingest_schedules = read("ingest/scheduled")
        backfill, backfill_schedules = read("backfill/on-demand")

        (schedule,) = ingest_schedules
        assert schedule.active and schedule.schedule.interval == timedelta(hours=6)
        assert schedule.schedule.timezone == "Asia/Ho_Chi_Minh"
        assert ingest.global_concurrency_limit.limit == 1 and not ingest.paused
        assert backfill_schedules == []
        props = backfill.parameter_openapi_schema["properties"]
        assert all(f"'{key}'" in str(backfill.parameter_openapi_schema) for key in PORTALS)  # a drop-down
        assert props["since"]["format"] == "date" and "First day" in props["since"]["description"]
        assert backfill.parameter_openapi_schema["required"] == ["since"]
        assert "until" in props and backfill.parameters["db_path"] == str(db_file.resolve())

        run = run_deployment("backfill/on-demand", timeout=300, parameters={
            "portals": ["hatinh"], "since": "2021-01-01", "mirror_url": mirror.base_url})
        assert run.state.is_completed(), run.state
        assert run.name.startswith("backfill hatinh 2021-01-01")
        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts()
        report = [a for a in artifacts if a.key == "backfill-report" and a.flow_run_id == run.id]
        assert report and "hatinh" in str(report[0].data)


def test_the_served_schedule_produces_scheduled_runs_none_of_them_due(api_url, server_home, tmp_path):
    with get_client(sync_client=True) as client:  # start from the command line's schedule
        with contextlib.suppress(ObjectNotFound):
            client.delete_deployment(client.read_deployment_by_name("ingest/scheduled").id)
    with serving(api_url, tmp_path / "w.duckdb"):
        deployment, (schedule,) = read("ingest/scheduled")
        assert schedule.active and not deployment.paused
        only_this = DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        deadline = time.monotonic() + 60  # the scheduler looks every 2 s, recently changed deployments every 5 s
        with get_client(sync_client=True) as client:
            while not (runs := client.read_flow_runs(deployment_filter=only_this)):
                if time.monotonic() > deadline:
                    log = (server_home / "server.log").read_text(errors="replace").splitlines()
                    errors = dict.fromkeys(line.strip() for line in log if "Error" in line)
                    pytest.fail("the server's scheduler made no run of ingest/scheduled; server errors:\n"
                                + "\n".join(list(errors)[-5:]))
                time.sleep(1)
    # Every run is Scheduled, a whole interval ahead (the schedule is anchored when serve starts):
    # none is due during the tests, so the serve process executes none of them.
    assert runs and all(run.state.is_scheduled() for run in runs), [run.state for run in runs]
    soon = datetime.now(timezone.utc) + timedelta(hours=5)
    assert all(run.expected_start_time > soon for run in runs), sorted(r.expected_start_time for r in runs)
    assert all(run.created_by and run.created_by.type == "SCHEDULE" for run in runs)


def test_serving_again_keeps_a_schedule_the_user_changed_in_the_ui(api_url, tmp_path):
    db_file = tmp_path / "w.duckdb"
    with serving(api_url, db_file):
        deployment, (schedule,) = read("ingest/scheduled")
    with get_client(sync_client=True) as client:  # what a user does in the UI
        client.update_deployment_schedule(deployment.id, schedule.id, active=False,
                                          schedule=IntervalSchedule(interval=timedelta(hours=2),
                                                                    timezone="Asia/Ho_Chi_Minh"))
        client.pause_deployment(deployment.id)

    with serving(api_url, db_file):
        deployment, schedules = read("ingest/scheduled")
    assert len(schedules) == 1
    assert schedules[0].schedule.interval == timedelta(hours=2) and not schedules[0].active
    assert deployment.paused
