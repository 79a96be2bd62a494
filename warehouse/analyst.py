"""The warehouse as analysts open it: read-only, full-text search ready, days as in Viet Nam.

Portals publish in Asia/Ho_Chi_Minh (UTC+7). DuckDB shows TIMESTAMPTZ values, and casts them
to DATE, in the session's time zone, which defaults to the machine's: on a UTC server an
article published at 00:30 on 8 April in Ha Noi would be dated 7 April. So every session the
project opens for analysts (`open_readonly` from Python, `provnews sql`, `provnews shell`) first
runs `session_statements()`: the extensions from their installed files (DuckDB would otherwise
try to download them), the warehouse attached read-only, search (`warehouse.search`), and the
portals' time zone.

    from warehouse.analyst import open_readonly
    con = open_readonly()          # or open_readonly("path/to/warehouse"), or "postgres:dbname=..."
    con.sql("SELECT published_at::DATE AS day, count(*) FROM stories GROUP BY 1").show()

A session of a DuckLake warehouse may stay open for as long as the analyst likes: loads commit
beside it, and each query sees the last one. (A DuckDB file warehouse refuses loads while it is
open: close it.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from warehouse import db, extensions, search
from warehouse.location import Location, locate

TIME_ZONE = "Asia/Ho_Chi_Minh"


def session_statements(loc: Location) -> list[str]:
    """Everything a session runs first; a lake's attach included (a file is opened by name)."""
    zone = f"SET TimeZone = '{TIME_ZONE}'"
    if not loc.is_lake:
        return [search.load_statement(), zone]
    no_downloads = [f"SET {name} = false" for name in extensions.NO_AUTOLOAD]
    return [*no_downloads, *db.attach_statements(loc, read_only=True), *search.lake_session_statements(), zone]


def open_readonly(spec: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse (`spec`, else $PROVNEWS_DB, else data/warehouse), read-only."""
    loc = locate(spec)
    if loc.is_lake:
        db.check_exists(loc)
        con = duckdb.connect(config=extensions.CONNECTION)
    else:
        con = db.connect(loc, read_only=True)
    try:
        for statement in session_statements(loc):
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def confine(con: duckdb.DuckDBPyConnection, spec=None) -> None:
    """No file access beyond the warehouse's own for the rest of the session (`provnews sql`:
    no COPY TO, ATTACH or read_csv of other files); a lake still reads its data path."""
    loc = locate(spec)
    if loc.is_lake:
        data_path = loc.data_path if loc.kind == "lake" else con.execute(  # a Postgres catalog's is its own
            f"SELECT value FROM ducklake_options('{db.CATALOG}') WHERE option_name = 'data_path'").fetchone()[0]
        con.execute("SET allowed_directories = [?]", [data_path])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def shell_argv(spec: str | os.PathLike | None = None, extra: list[str] = ()) -> list[str]:
    """The `duckdb` shell (installed beside this interpreter by `duckdb-cli`) on the warehouse,
    read-only, with the same session; `extra` goes to the shell as given (e.g. `-c SQL`)."""
    shell = Path(sys.executable).parent / "duckdb"
    if not shell.exists():
        raise extensions.NotInstalled(f"no duckdb shell at {shell}; reinstall the project's pinned dependencies")
    loc = locate(spec)
    argv = [str(shell)]
    for statement in session_statements(loc):
        argv += ["-cmd", statement]
    # A lake is attached by those statements to the shell's in-memory database; a file is opened.
    return [*argv, *([] if loc.is_lake else ["-readonly", loc.spec]), *extra]
