"""The Prefect API a terminal run reports to.

A configured PREFECT_API_URL (a standing server, `provnews serve`'s, a work pool's) is used as it
is. Without one, Prefect's client starts a temporary API server of its own at the first call
(`SubprocessASGIServer`): it imports the whole server application into the run's process
(FastAPI, SQLAlchemy, the server's models: about 1,100 modules, 80 MB), then starts a second
interpreter that imports it all again to serve it, about 190 MB more for the whole run.
`temporary_api` serves the same application, as Prefect's temporary server does (no UI, no
background services), from a thread of the run's process on a socket bound here, points Prefect's
settings at it for the run, and stops it with the run. On a 10,000-article backfill the process
tree's peak is 684 MB this way against 777 MB with a server process, in the same wall time: the
API answers a few requests per task, which the run's own work hardly notices. Tested in
tests/test_prefect_api.py, and used by every run of the test suite that has no PREFECT_API_URL
(the interrupted runs, a pool's own runs).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator

STOP_SECONDS = 5  # for the server's shutdown (its database closed); a daemon thread past it


class ServerFailed(RuntimeError):
    """Prefect's temporary API server did not come up."""


class _FirstError(logging.Handler):
    """The first error uvicorn logged (the cause of a failed start-up; "Application startup
    failed" follows it), kept rather than printed: the run says it in one line."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.message = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.message is None:
            error = record.exc_info[1] if record.exc_info else None
            lines = record.getMessage().strip().splitlines() or ["no message"]
            raised = [line for line in lines if re.match(r"[\w.]+: ", line)]  # a traceback's "Error: why"
            self.message = f"{type(error).__name__}: {error}" if error else (raised or lines)[-1]


class _Server:
    """Prefect's API application served by uvicorn in a daemon thread of this process."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))  # bound here: no port another process could take meanwhile
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/api"
        self.errors, self.log = _FirstError(), logging.getLogger("uvicorn")
        self.log_handlers: list[logging.Handler] | None = None  # uvicorn's own, while ours are on
        self.server = None
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, name="prefect-api", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            import uvicorn
            from prefect.server.api.server import create_app

            app = create_app(ephemeral=True, final=True)  # as SubprocessASGIServer's: no UI, no services
            # uvicorn's log, which Prefect's logging (set up again by create_app) sends to the
            # console, is kept here instead while it serves.
            self.log_handlers, self.log.handlers = self.log.handlers, [self.errors]
            # log_config=None: uvicorn leaves the process's logging as it is.
            self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on",
                                                        timeout_graceful_shutdown=STOP_SECONDS))
            self.server.run(sockets=[self.socket])
        except BaseException as e:  # noqa: BLE001  (said in one line by wait_until_up)
            self.failure = e

    def wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not (self.server and self.server.started):
            if not self.thread.is_alive():
                failed = self.failure and not isinstance(self.failure, SystemExit)  # uvicorn's exit: it logged why
                cause = f"{type(self.failure).__name__}: {self.failure}" if failed else self.errors.message or "no message"
                raise ServerFailed(f"Prefect's temporary API server did not start: {cause}")
            if time.monotonic() > deadline:
                raise ServerFailed(f"Prefect's temporary API server did not answer within {timeout:.0f} s "
                                   "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.server:
            self.server.should_exit = True
        self.thread.join(STOP_SECONDS + 1)
        self.socket.close()
        if self.log_handlers is not None:
            self.log.handlers = self.log_handlers


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
    server = _Server()
    try:
        server.wait_until_up(settings.server.ephemeral.startup_timeout_seconds)
        os.environ["PREFECT_API_URL"] = server.url
        prefect.context.refresh_global_settings_context()  # Prefect's settings read the environment again
        try:
            yield server.url
        finally:
            # The run's last log lines, still queued for the API (those of a run stopped by
            # Ctrl-C, say), are sent before it stops: else Prefect prints "Error logging to API".
            from prefect.logging.handlers import APILogHandler
            APILogHandler().flush()
            del os.environ["PREFECT_API_URL"]
            prefect.context.refresh_global_settings_context()
    finally:
        server.stop()
