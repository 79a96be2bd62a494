"""DuckDB extensions from their PyPI wheels (`duckdb-extension-*`, built for the pinned DuckDB),
loaded from the installed files: nothing is downloaded at run time. Autoloading is switched off
where they are loaded, so that a missing file fails at once, by name, instead of after a
download attempt that cannot succeed offline."""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

# Settings for every connection that loads extensions itself.
NO_AUTOLOAD = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


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
