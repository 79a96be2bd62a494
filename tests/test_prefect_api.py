"""The Prefect API of a terminal run (flows/prefect_api.py): without PREFECT_API_URL the run
serves Prefect's API itself, from a thread rather than a second process, and stops it at the
end; with one, it uses it. Each case runs in a fresh interpreter, as a run does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

from tests.conftest import REPO

RUN = """
import json, sys
import flows
from prefect import flow, task
from flows.prefect_api import temporary_api

@task
def double(x):
    return 2 * x

@flow
def tiny():
    return double(21)

def children():  # of every thread of this process (a thread's children are listed under it)
    import glob
    return [pid for task in glob.glob("/proc/self/task/*/children") for pid in open(task).read().split()]

with temporary_api() as url:
    from prefect.client.orchestration import get_client
    answer = tiny()
    with get_client(sync_client=True) as client:
        runs = len(client.read_flow_runs())
    during = children()
print(json.dumps({"url": url, "answer": answer, "runs": runs, "children": during,
                  "server_imported": "prefect.server.api.server" in sys.modules}))
"""


def env_without_api(**update: str) -> dict:
    """This process's environment without its PREFECT_API_URL, and `update`."""
    return {**{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}, **update}


def run(**env_update: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, cwd=REPO,
                          env=env_without_api(**env_update), timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def port_open(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
        return True
    except OSError:
        return False


def test_a_run_without_an_api_serves_it_from_a_thread_and_stops_it(tmp_path):
    out = run(PREFECT_HOME=str(tmp_path / "prefect"))
    assert out["answer"] == 42
    assert out["runs"] == 1  # the flow run is recorded by the server the block started
    assert out["url"].startswith("http://127.0.0.1:")
    # Prefect's own way (SubprocessASGIServer) imports the server app here and runs it again in a
    # second interpreter: here it runs in this one, and no process is started.
    assert out["server_imported"] is True and out["children"] == []
    assert not port_open(out["url"])  # stopped with the block


def test_a_configured_api_is_used_as_it_is():
    from tests.conftest import cli_api_url

    out = run(PREFECT_API_URL=cli_api_url())
    assert out["url"] == cli_api_url()
    assert out["answer"] == 42 and out["runs"] >= 1
    assert out["server_imported"] is False
    assert port_open(cli_api_url())  # not ours to stop


def test_a_server_that_does_not_come_up_is_one_line(tmp_path, mirror):
    # A database Prefect cannot open: the server's start-up fails.
    env = env_without_api(PREFECT_HOME=str(tmp_path / "prefect"),
                          PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/prefect.db")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "--db", str(tmp_path / "w"), "ingest", "--portal",
                           "yenbai", "--mirror-url", mirror.base_url], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=240)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("provnews: Prefect's temporary API server did not start: ") and "database" in line, line
    assert not (tmp_path / "w").exists()  # nothing of the run happened


def test_a_server_that_does_not_answer_in_time_is_one_line(tmp_path, mirror):
    # A bound of 0 s: no server starts within it (its imports alone take a second).
    env = env_without_api(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="0")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "--db", str(tmp_path / "w"), "ingest", "--portal",
                           "yenbai", "--mirror-url", mirror.base_url], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=240)
    assert done.returncode == 1
    assert done.stderr.strip() == ("provnews: Prefect's temporary API server did not answer within 0 s "
                                   "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"), done.stderr[-3000:]
