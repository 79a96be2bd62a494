"""Where the warehouse is: what `--db` and PROVNEWS_DB name, in one of three forms.

    data/warehouse                  a directory (the default): a DuckLake whose catalog is the
                                    SQLite file `catalog.sqlite` in it, its tables Parquet files
                                    under `data/`. Analysts read it while loads write.
    postgres:dbname=lake host=db    a DuckLake whose catalog is that Postgres database (libpq's
                                    key=value connection string), for several machines; its data
                                    path is PROVNEWS_DATA_PATH when it is created (a directory
                                    every machine mounts), then read from the catalog.
    path/to/warehouse.duckdb        one DuckDB file, as before DuckLake: one writer and no
                                    reader beside it. Kept as the source of `provnews upgrade`
                                    and the baseline of the benchmarks.

Each machine keeps its own staging area for a warehouse (raw batches, backfill jobs, the run
lock): beside a local warehouse (`data/warehouse.staging/`), PROVNEWS_STAGING for any.

Imports nothing heavy: the command line's supervising process reads it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT = "data/warehouse"
POSTGRES = "postgres:"
CATALOG_FILE = "catalog.sqlite"
DATA_DIR = "data"
# The DuckDB file that was the default before DuckLake: `provnews upgrade` reads it.
OLD_DEFAULT = "data/warehouse.duckdb"


@dataclass(frozen=True)
class Location:
    spec: str
    kind: str  # "lake" (SQLite catalog), "postgres" (Postgres catalog) or "file" (one DuckDB file)

    def __str__(self) -> str:
        return self.spec

    @property
    def is_lake(self) -> bool:
        return self.kind != "file"

    @property
    def path(self) -> Path | None:
        """The warehouse's directory or file on this machine (None for a Postgres catalog)."""
        return None if self.kind == "postgres" else Path(self.spec)

    @property
    def catalog(self) -> str:
        """What follows `ducklake:` in its ATTACH."""
        if self.kind == "postgres":
            return self.spec  # postgres:CONNINFO, as DuckLake spells it
        return f"sqlite:{Path(self.spec) / CATALOG_FILE}"

    @property
    def data_path(self) -> str | None:
        """Where a new lake puts its Parquet files (an existing one knows its own)."""
        if self.kind == "lake":
            return str(Path(self.spec) / DATA_DIR) + os.sep
        given = os.environ.get("PROVNEWS_DATA_PATH")
        return given.rstrip(os.sep) + os.sep if given else None

    def exists(self) -> bool:
        """Whether there is a warehouse here already (a Postgres catalog is asked when opened)."""
        if self.kind == "postgres":
            return True
        return (Path(self.spec) / CATALOG_FILE).exists() if self.kind == "lake" else Path(self.spec).exists()

    @property
    def staging(self) -> Path:
        """This machine's staging area for the warehouse."""
        if given := os.environ.get("PROVNEWS_STAGING"):
            return Path(given)
        if self.kind == "postgres":
            name = re.search(r"dbname=(\S+)", self.spec)
            return Path("data") / f"postgres-{name.group(1) if name else 'warehouse'}.staging"
        path = Path(self.spec)
        return path.parent / f"{path.name}.staging"


def locate(spec: str | os.PathLike | Location | None = None) -> Location:
    """The warehouse `spec` names (else $PROVNEWS_DB, else data/warehouse)."""
    if isinstance(spec, Location):
        return spec
    spec = str(spec or os.environ.get("PROVNEWS_DB") or DEFAULT)
    if spec.startswith("ducklake:"):
        spec = spec.removeprefix("ducklake:").removeprefix("sqlite:")
    if spec.startswith(POSTGRES):
        return Location(spec.strip(), "postgres")
    if spec.endswith(".duckdb") or spec.endswith(".db"):
        return Location(spec, "file")
    if spec.endswith(CATALOG_FILE):
        spec = str(Path(spec).parent)
    return Location(spec, "lake")
