"""Opening the warehouse, bringing its schema up to date, and committing against other writers.

A DuckLake warehouse (the default; `warehouse.location`) is a catalog database plus Parquet
files. A connection is an in-memory DuckDB session with the lake attached as `warehouse`:
readers never block a writer, and a writer never blocks readers, who see each commit on their
next query. Two writers may commit at once (two workers): a load's transaction updates the one
row of `load_serial`, so the store refuses the second commit of two concurrent loads ("conflict",
or "database is locked" on a SQLite catalog), and `committed` runs it again from the start,
against the first one's rows.

A single DuckDB file (`*.duckdb`) allows one process to hold it read-write, or any number of
processes to hold it read-only, never both: opening it retries for `PROVNEWS_LOCK_WAIT` seconds
(default 30) before `WarehouseBusy`.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import time
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np

from warehouse import extensions
from warehouse.location import DEFAULT, OLD_DEFAULT, Location, locate

CATALOG = "warehouse"  # what a DuckLake is attached as
DEFAULT_LOCK_WAIT_SECONDS = 30.0
# A commit refused because another writer committed first is run again this many times.
COMMIT_ATTEMPTS = 30
CONFLICTS = ("database is locked", "conflict", "could not serialize")


class WarehouseBusy(RuntimeError):
    pass


class UpgradeNeeded(RuntimeError):
    """The default warehouse is a DuckDB file of before DuckLake."""


def migrations() -> list[tuple[int, str, str]]:
    out = []
    for f in sorted(resources.files("warehouse").joinpath("migrations").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".sql"):
            out.append((int(f.name.split("_", 1)[0]), f.name, f.read_text(encoding="utf-8")))
    return out


def without_keys(sql: str) -> str:
    """A migration as DuckLake takes it: DuckLake has no PRIMARY KEY or UNIQUE constraint (NOT
    NULL it keeps). Nothing relies on them: loads look up what is stored before inserting, in
    a transaction that the store serializes (`committed`)."""
    sql = re.sub(r",([ \t]*--[^\n]*)?\s*PRIMARY KEY\s*\([^)]*\)", "", sql)
    return re.sub(r"\s+PRIMARY KEY(?=\s*[,\n)])", "", sql)


def execute_staged(con, name: str, columns: dict[str, list], types: dict[str, str], sql: str, params=None):
    """`con.execute(sql, params)` with Python values as the table `name` in it (a WITH clause
    put before `sql`, which may begin with WITH clauses of its own): `columns` (name -> its
    values), each cast to its SQL type in `types`. Values go into SQL this way rather than as
    list parameters, which DuckDB converts element by element, ten times slower.

    Each column goes to DuckDB as a NumPy array of text, which it scans as it is (neither pandas
    nor pyarrow loaded: pyarrow's libraries held about 70 MB of a loading process), and is cast
    back in the WITH clause. Text, not the values themselves: DuckDB guesses an object column's
    type from its first 1,000 values, and makes text of every value when those are all NULL (a
    list became its Python repr). The arrays are scanned from this frame's variable (DuckDB's
    replacement scan), not registered: a registered object stays referenced until the
    transaction commits, and a load held every chunk's article texts to its end."""
    staged_text = {c: np.fromiter(map(_as_text, values), dtype=object, count=len(values))  # noqa: F841
                   for c, values in columns.items()}
    casts = ", ".join(f"CAST({_cast_from(t, c)} AS {t}) AS {c}" for c, t in types.items())
    ours = f"WITH {name} AS (SELECT {casts} FROM staged_text)"
    own = re.match(r"\s*WITH\s+(.*)", sql, re.S | re.I)  # the statement's own WITH clauses follow ours
    return con.execute(f"{ours}, {own[1]}" if own else f"{ours} {sql}", params)


def insert_arrays(con, table: str, columns: dict[str, np.ndarray]) -> None:
    """INSERT INTO `table` (with its column list, if any) the rows of typed NumPy columns, in
    that order: as `execute_staged`, scanned from this frame's variable, not registered, and
    without its text round trip (the full-text index's hundreds of thousands of numbers)."""
    _numpy_rows = columns  # noqa: F841  (read by the query below)
    con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM _numpy_rows")


def by_column(rows: list[dict], types: dict[str, str]) -> dict[str, list]:
    """Rows (dicts; a missing key is NULL) as `execute_staged` takes them."""
    return {c: [r.get(c) for r in rows] for c in types}


def _as_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):  # a naive time is UTC, as everywhere in the warehouse
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, (list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)  # a number (a float's shortest text reads back exactly), a bool ('True')


def _cast_from(sql_type: str, column: str) -> str:
    return f"CAST({column} AS JSON)" if sql_type.endswith("[]") else column  # a list: its JSON text


@contextlib.contextmanager
def transaction(con):
    """One transaction for the block: committed at its end, rolled back if it raises (Ctrl-C
    included) or if the commit fails."""
    con.execute("BEGIN")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed COMMIT has ended the transaction already
            con.execute("ROLLBACK")
        raise


def is_conflict(error: BaseException) -> bool:
    return isinstance(error, CompactedMeanwhile) or (
        isinstance(error, duckdb.TransactionException) and any(c in str(error) for c in CONFLICTS))


class CompactedMeanwhile(duckdb.TransactionException):
    """Another writer compacted the lake during this transaction: what it read may be wrong."""


def committed(con, work):
    """`work()` in one transaction, committed; run again from the start while its commit loses
    to another writer's (each time against what that one committed), or while another writer
    compacted the lake during it. Returns what work returns."""
    lake = is_lake(con)
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            with transaction(con):
                began = _snapshot(con) if lake else None
                result = work()
                if lake and _compacted_since(con, began):
                    raise CompactedMeanwhile(f"the lake was compacted after snapshot {began}")
                return result
        except duckdb.TransactionException as e:
            if not is_conflict(e) or attempt == COMMIT_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.02, 0.1) * min(attempt + 1, 10))


def _snapshot(con) -> int:
    """The snapshot the open transaction reads."""
    return con.execute(f"SELECT id FROM ducklake_current_snapshot('{CATALOG}')").fetchone()[0]


# DuckLake 0.3 (DuckDB 1.4) reads a table as empty, in a transaction that began before another
# writer merged or rewrote that table's files and reads it after (the merged file is not in the
# transaction's snapshot, the merged-away ones no longer listed). Such a load would see none of
# the articles stored before it: it is run again instead. Its compactions are the snapshots
# whose changes name compacted tables.
COMPACTION_CHANGE = "compacted_table:%"


def _compacted_since(con, snapshot: int) -> bool:
    """Whether a compaction has committed after `snapshot`, asked outside the open transaction
    (a cursor is a session of its own, on the latest snapshot)."""
    with contextlib.closing(con.cursor()) as fresh:
        return fresh.execute(f"SELECT count(*) FROM __ducklake_metadata_{CATALOG}.ducklake_snapshot_changes "
                             "WHERE snapshot_id > ? AND changes_made LIKE ?", [snapshot, COMPACTION_CHANGE]
                             ).fetchone()[0] > 0


def take_turn(con) -> None:
    """Inside a load's transaction: the row every load updates, so that two loads committing at
    once conflict (see the module's note)."""
    con.execute("UPDATE load_serial SET loads = loads + 1")


def is_lake(con) -> bool:
    """Whether `con` (from `connect`) writes a DuckLake rather than a DuckDB file."""
    return con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
                       ).fetchone()[0] == "ducklake"


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction. Returns their names."""
    lake = is_lake(con)
    key = "" if lake else " PRIMARY KEY"
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                f"version INTEGER NOT NULL{key}, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(without_keys(sql) if lake else sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        applied.append(name)
    return applied


def schema_version(con) -> int:
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def lock_wait_seconds() -> float:
    return float(os.environ.get("PROVNEWS_LOCK_WAIT") or DEFAULT_LOCK_WAIT_SECONDS)


def _config(read_only: bool) -> dict:
    """A connection's settings: those for loading the installed extensions, and a writer's memory."""
    # DuckDB's default memory limit is 80 % of the machine, and it keeps what it used: the
    # full-text index rebuild alone would hold a gigabyte at 50,000 articles. A writer spills to
    # disk past this limit instead. Readers (analysts' queries) keep DuckDB's default.
    if read_only:
        return dict(extensions.CONNECTION)
    return {**extensions.CONNECTION, "memory_limit": os.environ.get("PROVNEWS_DUCKDB_MEMORY", "256MB")}


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def attach_statements(loc: Location, *, read_only: bool = False) -> list[str]:
    """What attaches the DuckLake at `loc` as `warehouse`, with the extensions it needs."""
    scanner = "postgres_scanner" if loc.kind == "postgres" else "sqlite_scanner"
    options = []
    if loc.data_path:
        options.append(f"DATA_PATH {_quoted(loc.data_path)}")
    if loc.kind == "lake":
        # WAL: readers of the catalog never wait for its writer.
        # OVERRIDE_DATA_PATH: the directory is the warehouse, wherever it is moved or copied.
        options += ["OVERRIDE_DATA_PATH true", "META_JOURNAL_MODE 'WAL'", "META_BUSY_TIMEOUT 5000"]
    if read_only:
        options += ["READ_ONLY", "CREATE_IF_NOT_EXISTS false"]
    else:
        # Every row in Parquet files, none inlined in the catalog (newer DuckLakes inline small
        # changes by default): a transaction that began before inlined rows were flushed into
        # files cannot read them after ("no such table: ducklake_inlined_data_...").
        options.append("DATA_INLINING_ROW_LIMIT 0")
    return [extensions.load_statement("ducklake"), extensions.load_statement(scanner),
            f"ATTACH {_quoted('ducklake:' + loc.catalog)} AS {CATALOG}" + (f" ({', '.join(options)})" if options else "")]


def attach(con: duckdb.DuckDBPyConnection, loc: Location, *, read_only: bool = False) -> None:
    for statement in attach_statements(loc, read_only=read_only):
        con.execute(statement)


def _searchable(con) -> None:
    """A writer finds the search index ready for its loads to add to: a new warehouse gets the
    index of its (empty) articles, so that every reader's session can define search over it from
    the start; one of another layout is rebuilt (`warehouse.search.ensure`)."""
    from warehouse import search

    search.ensure(con)


def check_exists(loc: Location) -> None:
    """FileNotFoundError, in words, when there is no warehouse to read at `loc`."""
    _refuse_beside_old_default(loc)
    if not loc.exists():
        raise FileNotFoundError(f"no warehouse at {loc} (run `provnews ingest` first)")


def _refuse_beside_old_default(loc: Location) -> None:
    """No lake at the default place but the DuckDB file that was the default before: the user's
    articles are in the file, and a load into a new, empty lake would start a second warehouse."""
    if loc.kind == "lake" and not loc.exists() and Path(loc.spec) == Path(DEFAULT) \
            and Path(OLD_DEFAULT).exists():
        raise UpgradeNeeded(f"{OLD_DEFAULT} holds the warehouse, in the layout of before DuckLake: "
                            f"`provnews upgrade` moves it into {loc}")


def connect(spec: str | os.PathLike | Location | None = None, *, read_only: bool = False,
            wait_seconds: float | None = None, upgrading: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (created and migrated if need be when writing). Unqualified table
    names are the warehouse's. `upgrading`: created by `provnews upgrade`, beside the old file."""
    loc = locate(spec)
    if loc.kind == "file":
        return _connect_file(Path(loc.spec), read_only, wait_seconds)
    if not upgrading:
        _refuse_beside_old_default(loc)
    if read_only:
        check_exists(loc)
    if not read_only and loc.path is not None:
        loc.path.mkdir(parents=True, exist_ok=True)
    config = _config(read_only)
    if not read_only:
        config["temp_directory"] = str(loc.staging / "spill")  # past memory_limit
    con = duckdb.connect(":memory:", config=config)
    try:
        attach(con, loc, read_only=read_only)
        con.execute(f"USE {CATALOG}")
        if not read_only:
            # Made once the warehouse is reached: a catalog that cannot be reached leaves nothing.
            loc.staging.mkdir(parents=True, exist_ok=True)
            migrate(con)
            _searchable(con)
    except BaseException:
        con.close()
        raise
    return con


def _connect_file(p: Path, read_only: bool, wait_seconds: float | None) -> duckdb.DuckDBPyConnection:
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
                    f"{p} is held open by another process (a DuckDB file allows one writer, and no "
                    f"reader beside it); gave up after {wait_seconds:.0f}s") from None
            time.sleep(0.5)
    if not read_only:
        migrate(con)
        _searchable(con)
    return con
