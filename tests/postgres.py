"""A throwaway PostgreSQL cluster for a test: initdb in a temp dir, started on a free port on
127.0.0.1, one database created, stopped and removed afterwards (about 1 s in all).

PostgreSQL comes from the Debian package (`make test` installs `postgresql` when it is missing);
its binaries are /usr/lib/postgresql/<version>/bin. initdb refuses to run as root, so the
cluster's commands run as the package's `postgres` user (`runuser -u postgres --`), in a temp
dir owned by that user. Authentication is `trust`, fsync is off: a cluster for tests only.

    from tests.postgres import postgres  # a pytest fixture, in the test module's namespace

    def test_x(postgres):
        postgres.conninfo  # 'dbname=provnews host=127.0.0.1 port=PORT user=postgres'
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

BIN_GLOB = "/usr/lib/postgresql/*/bin"
USER = "postgres"


def bin_dir() -> Path:
    """The newest installed PostgreSQL's bin directory; fails the test with one line if none is."""
    found = [Path(d) for d in glob.glob(BIN_GLOB) if (Path(d) / "initdb").is_file()]
    if not found:
        pytest.fail(f"PostgreSQL is not installed (no {BIN_GLOB}/initdb): apt-get install -y postgresql, "
                    "or `make test`, which installs it", pytrace=False)
    return max(found, key=lambda d: _version(d.parent.name))


def _version(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in name.split("."))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Postgres:
    dir: Path
    port: int
    dbname: str
    bin: Path

    @property
    def conninfo(self) -> str:
        """libpq's key=value form, as DuckDB's postgres extension and `psql` take it."""
        return f"dbname={self.dbname} host=127.0.0.1 port={self.port} user={USER}"

    def run(self, tool: str, *args: str) -> str:
        """One of the cluster's programs (`psql`, `createdb`, ...) as the postgres user; its output,
        or the test fails with its stderr."""
        done = subprocess.run(["runuser", "-u", USER, "--", str(self.bin / tool), *args],
                              capture_output=True, text=True, timeout=60, cwd=self.dir)
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
            pytest.fail(f"{tool} {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}"
                        + "".join(f"\n  server log: {line}" for line in tail), pytrace=False)
        return done.stdout

    def createdb(self, name: str) -> str:
        """Another database in the same cluster; its conninfo."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, name)
        return f"dbname={name} host=127.0.0.1 port={self.port} user={USER}"

    def psql(self, sql: str, dbname: str | None = None) -> str:
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", dbname or self.dbname,
                        "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)


@contextlib.contextmanager
def started(dbname: str = "provnews") -> Iterator[Postgres]:
    """A fresh cluster with one database, stopped (fast: open sessions are closed) and removed
    when the block ends."""
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="provnews-pg-"))
    shutil.chown(root, USER, USER)
    pg = Postgres(root, _free_port(), dbname, binaries)
    data = str(root / "data")
    try:
        pg.run("initdb", "-D", data, "-U", USER, "-A", "trust", "--no-sync", "-E", "UTF8")
        pg.run("pg_ctl", "-D", data, "-l", str(root / "log"), "-w", "-o",
               f"-p {pg.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        try:
            pg.createdb(dbname)
            yield pg
        finally:
            subprocess.run(["runuser", "-u", USER, "--", str(binaries / "pg_ctl"), "-D", data, "-m", "fast", "-w",
                            "stop"], capture_output=True, timeout=60, cwd=root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres():
    """A fresh cluster with one database, `provnews`, for the test; stopped after it."""
    with started() as pg:
        yield pg

