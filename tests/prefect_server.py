"""A real `prefect server start` for a test module: its own PREFECT_HOME in a temp dir, a free
port on 127.0.0.1, its output in `server.log` there; stopped with its whole process group.

    with prefect_server(home, {"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1"}) as url:
        ...  # url = http://127.0.0.1:PORT/api, also this process's PREFECT_API_URL meanwhile

"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from prefect.settings import PREFECT_API_URL, temporary_settings

PREFECT = shutil.which("prefect", path=os.path.dirname(sys.executable))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds: float = 120, what: str = "the condition", every: float = 0.5):
    """Poll `condition` until it returns something true, and return that."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(every)
    return value


@contextlib.contextmanager
def prefect_server(home: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The server, healthy, for the block; `env` adds to its environment (its settings)."""
    server, url = start_server(home, env)
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        stop_group(server, signal.SIGTERM, timeout=60)


def start_server(home: Path, env: dict[str, str] | None = None, *args: str) -> tuple[subprocess.Popen, str]:
    """`prefect server start *args`, healthy; its process (stop it with `stop_group`) and API URL."""
    port = free_port()
    server_env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                  "PREFECT_UI_ENABLED": "false", **(env or {})}
    server_env.pop("PREFECT_API_URL", None)
    with open(home / "server.log", "wb") as log:
        server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), *args],
                                  env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2).read()
            return server, url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_group(server, signal.SIGTERM, timeout=60)
                raise AssertionError("prefect server did not start: "
                                     + (home / "server.log").read_text(errors="replace")[-2000:]) from None
            time.sleep(0.5)


def stop_group(proc: subprocess.Popen, sig: int, timeout: float) -> None:
    """`sig` to the process group of `proc` (started with `start_new_session`), and SIGKILL to it
    if `proc` has not ended within `timeout` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
