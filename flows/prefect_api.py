"""The Prefect API a terminal run reports to.

A configured PREFECT_API_URL (a standing server, `provnews serve`'s, a work pool's) is used as it
is. Without one, Prefect's client starts a temporary API server of its own at the first call
(`SubprocessASGIServer`), and to do so it imports the whole server application into the run's
process: FastAPI, SQLAlchemy, the server's models, about 1,100 modules and 80 MB held for the
whole run, and 1.4 to 2.8 s of imports before the server even starts booting. `temporary_api` starts the
same server with the command line Prefect uses, without importing the server, and points
Prefect's settings at it for the run; it stops with the run. Tested in tests/test_prefect_api.py,
and used by every run of the test suite that has no PREFECT_API_URL (the interrupted runs, a
pool's own runs).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# What Prefect's SubprocessASGIServer runs (prefect/server/api/server.py, Prefect 3.8): its
# application factory, no UI, in ephemeral mode (no background services).
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
PORT_IN_USE = 3  # uvicorn's exit status when it cannot bind


class ServerFailed(RuntimeError):
    """Prefect's temporary API server did not come up."""


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int) -> subprocess.Popen:
    import prefect

    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, **SERVER_ENV}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=tempfile.TemporaryFile())  # a file, not a pipe: a pipe nobody reads would block it


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_until_up(server: subprocess.Popen, port: int, timeout: float) -> tuple[subprocess.Popen, int]:
    """The server once its health check answers (started again on another port if its own was
    taken meanwhile)."""
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            status = server.poll()
            if status == PORT_IN_USE:
                port = _free_port()
                server = _start(port)
            elif status is not None:
                raise ServerFailed(f"Prefect's temporary API server ended (exit status {status}): {_last_line(server)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                    return server, port
            time.sleep(0.1)
    raise ServerFailed(f"Prefect's temporary API server did not answer within {timeout:.0f} s "
                       "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


def _last_line(server: subprocess.Popen) -> str:
    server.stderr.seek(0)
    lines = server.stderr.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


@contextlib.contextmanager
def temporary_api() -> Iterator[str | None]:
    """The API URL this process's flows report to while the block runs: the configured one, or
    a temporary server's, started here and stopped at the block's end. None: no API is
    configured and Prefect's ephemeral mode is off (Prefect then says so itself)."""
    import prefect.context
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        yield settings.api.url
        return
    port = _free_port()
    server = _start(port)
    try:
        server, port = _wait_until_up(server, port, settings.server.ephemeral.startup_timeout_seconds)
        url = f"http://127.0.0.1:{port}/api"
        os.environ["PREFECT_API_URL"] = url
        prefect.context.refresh_global_settings_context()  # Prefect's settings read the environment again
        try:
            yield url
        finally:
            del os.environ["PREFECT_API_URL"]
            prefect.context.refresh_global_settings_context()
    finally:
        _stop(server)
