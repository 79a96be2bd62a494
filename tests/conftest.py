"""Shared fixtures. Everything is real: the mirror listens on 127.0.0.1, crawls run in child
processes, the warehouse is a DuckLake on disk, flows run in-process on Prefect's local ephemeral
API, and the `provnews` commands a test runs report to a real `prefect server` (`cli_api_url`)."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from pathlib import Path

import pytest

# Prefect state for the test session lives in a throwaway home, never in the user's ~/.prefect.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="provnews-prefect-")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
import flows  # noqa: E402,F401  (its Prefect defaults: no telemetry, a patient first start)
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PROVNEWS_CRAWL_RETRY_DELAYS", "1")  # one retry of a failed crawl, soon

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture
def mirror():
    """A small mirror (60 articles per portal) with fresh hit counters."""
    from mirror.server import Mirror
    with Mirror(size=60, slow_seconds=0.3) as m:
        yield m


def run_cli(*args, env=None, timeout=300):
    """Run `provnews` as a user would, in a child process. Its flows report to this test
    process's Prefect server (`cli_api_url`) unless `env` names another."""
    return finish_cli(start_cli(*args, env=env), timeout)


def start_cli(*args, env=None):
    """`run_cli` without waiting: the command runs while the test goes on (`finish_cli`)."""
    import subprocess
    return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PREFECT_API_URL": cli_api_url(), **(env or {})})


def finish_cli(proc, timeout=300):
    """Wait for a command `start_cli` started; what `run_cli` returns (killed past `timeout`)."""
    import subprocess
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@functools.cache
def cli_api_url() -> str:
    """A `prefect server start --no-services` for the `provnews` commands this test process runs,
    started by the first: each command would otherwise start and stop Prefect's temporary API
    server of its own, about 10 s of CPU each (dozens of commands). The flows run in-process and
    by `Popen` still use the temporary server, the way `make demo` does."""
    import atexit
    import signal

    from tests.prefect_server import start_server, stop_group
    server, url = start_server(Path(tempfile.mkdtemp(prefix="provnews-prefect-cli-")), None, "--no-services")
    atexit.register(stop_group, server, signal.SIGTERM, 30)
    return url
