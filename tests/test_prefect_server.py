"""Against a real `prefect server start` on a free local port: `provnews serve` registers both
deployments, the API reads them back (schedule, parameter schema), a backfill triggered through
the API runs against the mirror and publishes its report; re-serving leaves a schedule changed
in the UI as it is."""

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
from datetime import timedelta

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from spiders.portals import PORTALS
from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_url():
    home = tempfile.mkdtemp(prefix="provnews-prefect-server-")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": home, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    prefect = shutil.which("prefect", path=os.path.dirname(sys.executable))
    server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
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
        shutil.rmtree(home, ignore_errors=True)


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
