"""Opening the warehouse and bringing its schema up to date.

DuckDB lets one process hold a file read-write, or any number of processes hold it read-only,
never both: a writer is refused at connect() while anyone has the file open, and everyone is
refused while a writer has it. So connections here are short, and every open retries for a
bounded time (`PROVNEWS_LOCK_WAIT` seconds, default 30) before giving up with `WarehouseBusy`;
the ingest flow then leaves its batches staged on disk for the next run.
"""

from __future__ import annotations

import contextlib
import os
import time
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB = "data/warehouse.duckdb"
DEFAULT_LOCK_WAIT_SECONDS = 30.0


class WarehouseBusy(RuntimeError):
    pass


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("PROVNEWS_DB") or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    out = []
    for f in sorted(resources.files("warehouse").joinpath("migrations").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".sql"):
            out.append((int(f.name.split("_", 1)[0]), f.name, f.read_text(encoding="utf-8")))
    return out


@contextlib.contextmanager
def registered(con, name: str, table):
    """An Arrow table visible to SQL as `name` for the block. Values go into SQL this way
    rather than as list parameters, which DuckDB converts element by element, ten times slower."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


@contextlib.contextmanager
def transaction(con):
    """One transaction for the block: committed at its end, rolled back if it raises (Ctrl-C
    included)."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction. Returns their names."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        applied.append(name)
    return applied


def lock_wait_seconds() -> float:
    return float(os.environ.get("PROVNEWS_LOCK_WAIT") or DEFAULT_LOCK_WAIT_SECONDS)


def _config(read_only: bool) -> dict:
    # DuckDB's default memory limit is 80 % of the machine, and it keeps what it used: the
    # full-text index rebuild alone would hold a gigabyte at 50,000 articles. A writer spills to
    # disk past this limit instead. Readers (analysts' queries) keep DuckDB's default.
    return {} if read_only else {"memory_limit": os.environ.get("PROVNEWS_DUCKDB_MEMORY", "256MB")}


def connect(path=None, *, read_only: bool = False, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (created and migrated if need be when writing)."""
    p = db_path(path)
    wait_seconds = lock_wait_seconds() if wait_seconds is None else wait_seconds
    if read_only and not p.exists():
        raise FileNotFoundError(f"no warehouse at {p} (run `provnews ingest` first)")
    if not read_only:
        p.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(p), read_only=read_only, config=_config(read_only))
            break
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{p} is held open by another process (DuckDB allows one writer, and no "
                    f"reader beside it); gave up after {wait_seconds:.0f}s") from None
            time.sleep(0.5)
    if not read_only:
        migrate(con)
    return con
