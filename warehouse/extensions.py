"""DuckDB extensions from their PyPI wheels (`duckdb-extension-*`, built for the pinned DuckDB),
loaded from the installed files: nothing is downloaded at run time. Autoloading is switched off
where they are loaded, so that a missing file fails at once, by name, instead of after a
download attempt that cannot succeed offline."""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

# Settings for every connection that loads extensions itself (the `duckdb` shell's too).
NO_AUTOLOAD = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# The connections this package opens. The files are loaded by path from the installed wheels,
# and DuckDB's check of an extension's signature hashes the whole file at every connection:
# ducklake's 51 MB took 150 ms, and the three a lake session loads about 390 ms of its 500 ms
# opening (each `provnews sql`, each read-only session, each run's connections). The check adds
# nothing a writable site-packages would not defeat (DuckDB's own library is there too). A
# session confined for `provnews sql` can LOAD nothing (`analyst.confine`: external access off,
# the configuration locked); the `duckdb` shell keeps the check.
CONNECTION = {**NO_AUTOLOAD, "allow_unsigned_extensions": True}


class NotInstalled(RuntimeError):
    """A file the project's pinned dependencies install is missing."""


def extension_file(name: str) -> Path:
    try:
        package = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError:
        package = None
    root = Path(package.__file__).parent if package else Path("(not installed)")
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise NotInstalled(f"no {name} extension for DuckDB {duckdb.__version__} at {path}; "
                           "reinstall the project's pinned dependencies")
    return path


def load_statement(name: str) -> str:
    """`LOAD` of the installed file (what the `duckdb` shell is given too)."""
    return "LOAD '{}'".format(str(extension_file(name)).replace("'", "''"))


def load(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(load_statement(name))
