"""The warehouse as analysts open it: read-only, full-text search loaded, days as in Viet Nam.

Portals publish in Asia/Ho_Chi_Minh (UTC+7). DuckDB shows TIMESTAMPTZ values, and casts them
to DATE, in the session's time zone, which defaults to the machine's: on a UTC server an
article published at 00:30 on 8 April in Ha Noi would be dated 7 April. So every session the
project opens for analysts (`open_readonly` from Python, `provnews sql`, `provnews shell`) first
runs `session_statements()`: the fts extension from its installed file (DuckDB would otherwise
try to download it) and the portals' time zone.

    from warehouse.analyst import open_readonly
    con = open_readonly()          # or open_readonly("path/to/warehouse.duckdb")
    con.sql("SELECT published_at::DATE AS day, count(*) FROM stories GROUP BY 1").show()
    con.close()                    # a run cannot load while the file is open, even read-only
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from warehouse import db, search

TIME_ZONE = "Asia/Ho_Chi_Minh"


def session_statements() -> list[str]:
    return [search.load_statement(), f"SET TimeZone = '{TIME_ZONE}'"]


def open_readonly(path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """The warehouse (`path`, else $PROVNEWS_DB, else data/warehouse.duckdb), read-only."""
    con = db.connect(path, read_only=True)
    try:
        for statement in session_statements():
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def shell_argv(path: str | os.PathLike | None = None, extra: list[str] = ()) -> list[str]:
    """The `duckdb` shell (installed beside this interpreter by `duckdb-cli`) on the warehouse,
    read-only, with the same session; `extra` goes to the shell as given (e.g. `-c SQL`)."""
    shell = Path(sys.executable).parent / "duckdb"
    if not shell.exists():
        raise search.NotInstalled(f"no duckdb shell at {shell}; reinstall the project's pinned dependencies")
    argv = [str(shell), "-readonly"]
    for statement in session_statements():
        argv += ["-cmd", statement]
    return [*argv, str(db.db_path(path)), *extra]
