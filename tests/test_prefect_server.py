"""Against a real `prefect server start` on a free local port: `provnews serve` registers both
deployments under their names, with the internals left out of the Run form's schema; a backfill
triggered through the API runs against the mirror and publishes its report and the weekly trend;
a portal that cannot be crawled fails its run with the cause in one line of the run's log and no
traceback; an ingest triggered during a backfill waits for it and then completes; the server's
scheduler turns the served schedule into runs on round local hours; a deployment of the old name
is replaced; re-serving leaves what the UI changed (schedule, pause, parameter defaults, tags) as
it is."""

from __future__ import annotations

import contextlib
import inspect
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, LogFilter,
                                            LogFilterFlowRunId)
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

from flows import runlock, serve
from flows.ingest import WAREHOUSE_LIMIT, ingest
from spiders.portals import PORTALS
from tests.conftest import REPO
from tests.prefect_server import free_port, prefect_server
from warehouse.analyst import open_readonly

INGEST = f"ingest/{serve.INGEST_DEPLOYMENT}"
BACKFILL = f"backfill/{serve.BACKFILL_DEPLOYMENT}"
INTERNALS = {"db_path", "mirror_size", "base_url"}


SCHEDULER_LOOP_SECONDS = 2  # Prefect's default is 60


def noon_time_zone() -> str:
    """A zone in which it is now between 12:00 and 13:00: the next run of a schedule on round
    6-hour marks (18:00) is 5 hours away or more, so a served test never executes a scheduled run."""
    offset = (12 - datetime.now(timezone.utc).hour) % 24
    offset -= 24 if offset > 14 else 0
    return f"Etc/GMT{-offset:+d}"  # POSIX signs: Etc/GMT-7 is UTC+7


@pytest.fixture(scope="module")
def server_home():
    """The server's PREFECT_HOME; its output goes to server.log there."""
    home = Path(tempfile.mkdtemp(prefix="provnews-prefect-server-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def api_url(server_home):
    with prefect_server(server_home, {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": str(SCHEDULER_LOOP_SECONDS)}) as url:
        yield url


@contextlib.contextmanager
def serving(api_url, db_file, time_zone=None):
    """`provnews serve` in a child process, from registration until the block ends. It looks for
    runs to execute every second (Prefect's default: 10), and its runs log at Prefect's default
    level (the test session's is WARNING)."""
    env = {**os.environ, "PREFECT_API_URL": api_url, "PROVNEWS_CRAWL_RETRY_DELAYS": "1",
           "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "--db", str(db_file), "serve",
                             "--timezone", time_zone or noon_time_zone()], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        lines = []
        for line in proc.stdout:  # prefect.serve prints its banner once both are registered
            lines.append(line)
            if "being served" in line:
                break
        assert proc.poll() is None, "".join(lines)
        yield lines
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


def run_logs(run_id) -> list:
    with get_client(sync_client=True) as client:
        return client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))


def wait_for(condition, seconds=120, what="the condition"):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.5)
    return value


def final_state(run_id):
    with get_client(sync_client=True) as client:
        return wait_for(lambda: (s := client.read_flow_run(run_id).state).is_final() and s, what="end of the run")


def test_the_default_schedule_runs_every_6_hours_on_the_hour_in_asia_ho_chi_minh():
    s = serve.schedule()
    assert s.interval == timedelta(hours=6) and s.timezone == "Asia/Ho_Chi_Minh"
    assert s.anchor_date.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).time().isoformat() == "00:00:00"
    with pytest.raises(ValueError, match="unknown time zone"):
        serve.schedule(6, "Asia/Hanoi_City")


def test_serve_registers_both_deployments_and_a_triggered_backfill_completes_with_its_report(
        api_url, mirror, tmp_path):
    db_file = tmp_path / "w"
    with serving(api_url, db_file):
        deployed, ingest_schedules = read(INGEST)
        backfill, backfill_schedules = read(BACKFILL)

        (schedule,) = ingest_schedules
        assert schedule.active and schedule.schedule.interval == timedelta(hours=6)
        assert deployed.global_concurrency_limit.limit == 1 and not deployed.paused
        assert backfill_schedules == []
        for deployment in (deployed, backfill):
            schema = deployment.parameter_openapi_schema
            props = schema["properties"]
            assert not INTERNALS & set(props), props.keys()  # the Python API takes them, the form does not
            assert "null" not in str(schema) and "anyOf" not in str(schema)  # no "None" choice to pick
            assert props["portals"]["items"]["enum"] == list(PORTALS)  # a drop-down of keys ...
            assert "yenbai — Yên Bái" in props["portals"]["description"]  # ... named in the field's text
            assert deployment.parameters == {} and deployment.tags == ["provnews"]
            # The Run form sends each field's default back; a null one would fail the server's check.
            assert not [k for k, v in props.items() if "default" in v and v["default"] is None]
        assert INTERNALS <= set(inspect.signature(ingest.fn).parameters)
        props = backfill.parameter_openapi_schema["properties"]
        assert props["since"]["format"] == "date" and "First day" in props["since"]["description"]
        assert backfill.parameter_openapi_schema["required"] == ["since"]
        assert set(props) == {"since", "until", "portals", "mirror", "mirror_url"}
        with get_client(sync_client=True) as client:
            assert client.read_global_concurrency_limit_by_name(WAREHOUSE_LIMIT).limit == 1

        run = run_deployment(BACKFILL, timeout=300, parameters={
            "portals": ["hatinh"], "since": "2021-01-01", "mirror_url": mirror.base_url})
        assert run.state.is_completed(), run.state
        assert run.name == f"backfill hatinh 2021-01-01..today @127.0.0.1:{mirror.httpd.server_address[1]}"
        with get_client(sync_client=True) as client:
            artifacts = {a.key: a for a in client.read_artifacts() if a.flow_run_id == run.id}
            tasks = client.read_task_runs()
        report = artifacts["backfill-report"].data
        assert "| portal | status | new | near dups | exact dups | rejected | pages | crawl + load |" in report
        assert "| hatinh | loaded |" in report
        assert "| hatinh | `" in artifacts["articles-per-week"].data
        assert {"crawl-hatinh", "load-batches"} <= {t.name for t in tasks if t.flow_run_id == run.id}
    assert open_readonly(db_file).execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    # A run with every optional field null, as a form or a script may send it, is accepted.
    for _ in range(10):
        created = httpx.post(f"{api_url}/deployments/{deployed.id}/create_flow_run", json={
            "parameters": {"portals": None, "since": None, "mirror": False, "mirror_url": None},
            "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": "2999-01-01T00:00:00Z"}}})
        # 503: the server's SQLite database was locked by its other writers (seen on a busy
        # machine); Prefect's own client sends such a request again, and so does this one.
        if created.status_code != 503:
            break
        time.sleep(1)
    assert created.status_code == 201, created.text
    with get_client(sync_client=True) as client:
        client.delete_flow_run(created.json()["id"])


def test_a_portal_that_cannot_be_crawled_fails_the_run_with_its_cause_in_one_line(api_url, tmp_path):
    port = free_port()  # nothing listens there
    with serving(api_url, tmp_path / "w"):
        # base_url is not in the Run form, but the API passes it to the flow
        run = run_deployment(BACKFILL, timeout=300, parameters={
            "portals": ["hatinh"], "since": "2021-01-01", "base_url": f"http://127.0.0.1:{port}"})
    assert run.state.is_failed() and "not loaded: hatinh (crawl_failed)" in run.state.message
    cause = f"no listing page of hatinh could be fetched: connection refused by 127.0.0.1:{port}"
    logs = run_logs(run.id)
    messages = [log.message for log in logs]
    flow_lines = [log.message for log in logs if log.task_run_id is None and cause in log.message]
    assert flow_lines == [f"hatinh not loaded, its crawl failed: {cause}"]
    assert not [m for m in messages if "Traceback" in m or "crawl.log" in m], messages
    assert not [m for m in messages if m.startswith("drift on")]  # the failure, not said again
    relayed = [log for log in logs if log.task_run_id and log.message.startswith("hatinh crawl log: [scrapy")]
    assert relayed and all("Connection was refused" in log.message for log in relayed)  # Scrapy's own lines
    with get_client(sync_client=True) as client:
        [report] = [a for a in client.read_artifacts() if a.flow_run_id == run.id and a.key == "backfill-report"]
    assert f"- **hatinh** (crawl_failed): {cause}" in report.data


def test_an_ingest_started_during_a_backfill_waits_for_it_and_then_completes(api_url, mirror, tmp_path):
    db_file = tmp_path / "w"

    def waiting(run):
        return [log.message for log in run_logs(run.id) if log.message.startswith("waiting for the warehouse")]

    with serving(api_url, db_file):
        # A run from a terminal holds the warehouse: the backfill waits for it (it is not
        # refused), holding the deployments' turn; an ingest triggered meanwhile waits for that.
        terminal = runlock.hold(db_file, holder="provnews backfill --portal yenbai (pid 1)")
        try:
            first = run_deployment(BACKFILL, timeout=0, parameters={
                "portals": ["hatinh"], "since": "2000-01-01", "mirror_url": mirror.base_url})
            said = wait_for(lambda: waiting(first), what="backfill waiting")
            assert said == ["waiting for the warehouse: provnews backfill --portal yenbai (pid 1) holds it; "
                            "this run starts when it is free"]
            second = run_deployment(INGEST, timeout=0,
                                    parameters={"portals": ["caobang"], "mirror_url": mirror.base_url})
            said = wait_for(lambda: waiting(second), what="ingest waiting")
            assert f"concurrency limit {WAREHOUSE_LIMIT}" in said[0]
        finally:
            terminal.close()
        assert final_state(first.id).is_completed()
        assert final_state(second.id).is_completed()  # not Failed with RunInProgress
    with contextlib.closing(open_readonly(db_file)) as con:
        started = dict(con.execute("SELECT portal, started_at FROM crawl_runs").fetchall())
        loaded = dict(con.execute("SELECT portal, loaded_at FROM loaded_batches").fetchall())
    assert started["caobang"] > loaded["hatinh"]  # the ingest's crawl began once the backfill was loaded


def test_a_deployment_of_the_old_name_is_replaced_and_the_schedule_runs_on_round_local_hours(
        api_url, server_home, tmp_path):
    zone = noon_time_zone()
    with get_client(sync_client=True) as client:  # start from a deployment an earlier version served
        with contextlib.suppress(ObjectNotFound):
            client.delete_deployment(client.read_deployment_by_name(INGEST).id)
    ingest.to_deployment("scheduled", parameters={"mirror": True, "db_path": "/old/w"}).apply()
    with serving(api_url, tmp_path / "w", zone) as printed:
        deployment, (schedule,) = read(INGEST)
        assert schedule.active and not deployment.paused
        assert deployment.parameters == {"mirror": True}  # carried over, less the old internal
        with pytest.raises(ObjectNotFound):
            read("ingest/scheduled")
        assert any(line.startswith(f"replaced ingest/scheduled by {INGEST}") for line in printed)
        only_this = DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        deadline = time.monotonic() + 60  # the scheduler looks every 2 s, recently changed deployments every 5 s
        with get_client(sync_client=True) as client:
            while not (runs := client.read_flow_runs(deployment_filter=only_this)):
                if time.monotonic() > deadline:
                    log = (server_home / "server.log").read_text(errors="replace").splitlines()
                    errors = dict.fromkeys(line.strip() for line in log if "Error" in line)
                    pytest.fail(f"the server's scheduler made no run of {INGEST}; server errors:\n"
                                + "\n".join(list(errors)[-5:]))
                time.sleep(1)
    # Every run is Scheduled, on a round 6-hour mark of the schedule's zone, hours ahead: none is
    # due during the tests, so the serve process executes none of them.
    assert runs and all(run.state.is_scheduled() for run in runs), [run.state for run in runs]
    local = [run.expected_start_time.astimezone(ZoneInfo(zone)) for run in runs]
    assert all(t.minute == 0 and t.second == 0 and t.hour % 6 == 0 for t in local), local
    soon = datetime.now(timezone.utc) + timedelta(hours=4)  # the zone's 18:00, and it is 12:xx there
    assert all(run.expected_start_time > soon for run in runs), sorted(r.expected_start_time for r in runs)
    assert all(run.created_by and run.created_by.type == "SCHEDULE" for run in runs)


def test_serving_again_keeps_what_the_user_changed_in_the_ui(api_url, tmp_path):
    db_file = tmp_path / "w"
    with serving(api_url, db_file):
        deployment, (schedule,) = read(INGEST)
    with get_client(sync_client=True) as client:  # what a user does in the UI
        client.update_deployment_schedule(deployment.id, schedule.id, active=False,
                                          schedule=IntervalSchedule(interval=timedelta(hours=2),
                                                                    timezone="Asia/Ho_Chi_Minh"))
        client.pause_deployment(deployment.id)
    edited = {"mirror": True, "portals": ["hatinh", "caobang"]}
    # The Edit page's Save: a PATCH of the form's fields.
    httpx.patch(f"{api_url}/deployments/{deployment.id}", json={
        "description": "test server: the mirror only", "tags": ["provnews", "test-server"], "parameters": edited,
        "enforce_parameter_schema": True, "job_variables": {}, "work_pool_name": None, "work_queue_name": None,
    }).raise_for_status()

    with serving(api_url, db_file):
        deployment, schedules = read(INGEST)
    assert len(schedules) == 1
    assert schedules[0].schedule.interval == timedelta(hours=2) and not schedules[0].active
    assert deployment.paused
    assert deployment.parameters == edited
    assert deployment.tags == ["provnews", "test-server"] and deployment.description == "test server: the mirror only"


def test_the_weekly_trend_counts_new_articles_per_week_and_flags_the_latest_failure(tmp_path):
    from flows import trend
    from warehouse import db
    from warehouse.loader import record_run

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    today = datetime(2025, 3, 20, tzinfo=tz).date()  # a Thursday
    con = db.connect(tmp_path / "w")
    runs = [((3, 3), "hatinh", "loaded", 10), ((3, 4), "hatinh", "loaded", 5), ((3, 10), "hatinh", "loaded", 40),
            ((3, 17), "hatinh", "loaded", 0), ((3, 20), "hatinh", "crawl_failed", None),
            ((3, 19), "caobang", "loaded", 7), ((2, 1), "caobang", "loaded", 99)]  # 1 February: too old
    for (month, day), portal, status, new in runs:
        record_run(con, dict(run_id=f"{month}-{day}-{portal}", portal=portal, flow="ingest", status=status,
                             started_at=datetime(2025, month, day, 8, tzinfo=tz), articles_new=new,
                             alerts=["crawl failed: HTTP 503 from hatinh.gov.vn"] if new is None else []))
    starts, portals = trend.read_weeks(con, "Asia/Ho_Chi_Minh", today=today)
    con.close()
    assert [d.isoformat() for d in starts] == ["2025-02-10", "2025-02-17", "2025-02-24", "2025-03-03",
                                               "2025-03-10", "2025-03-17"]  # six Mondays, this week last
    caobang, hatinh = portals
    assert hatinh.new == [None, None, None, 15, 40, 0] and caobang.new == [None] * 5 + [7]
    assert trend.sparkline(hatinh) == "···▄█▁" and trend.sparkline(caobang) == "·····█"
    table = trend.markdown(starts, portals)
    assert "| hatinh | `···▄█▁` | · | · | · | 15 | 40 | 0 | ✗\u00a0failed |" in table
    assert "- **hatinh**: crawl failed: HTTP 503 from hatinh.gov.vn" in table
