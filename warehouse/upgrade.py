"""`provnews upgrade`: move a warehouse kept in one DuckDB file (the layout before DuckLake, any
schema version) into a DuckLake, every row kept, the file itself left as it was.

A copy of the file is brought to the current schema by its own migrations (so a schema-6
warehouse upgrades as it would have in place), then every table of it is inserted into the new
lake by column name, in one transaction, and the row counts of both are compared before the
search index is built. The file's staging area (its raw batches, which `provnews reprocess`
rebuilds from, and any not yet loaded) is moved to the lake's. The LSH band keys of a schema-6
file are of the old layout: migration 7 drops them, and the first load computes them again.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from warehouse import db, maintenance, search
from warehouse.location import Location, locate

KEPT_BY_THE_LAKE = {"schema_migrations", "load_serial"}  # the lake's own, written by its migrations


class CannotUpgrade(RuntimeError):
    pass


def tables(con, catalog: str) -> list[str]:
    return [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
                                      "AND schema_name = 'main' ORDER BY 1", [catalog]).fetchall()]


def upgrade(source: Path, target: Location) -> dict[str, int]:
    """Copy the DuckDB file `source` into the lake `target` (new or empty). Returns the rows of
    each table copied."""
    target = locate(target)
    if not target.is_lake:
        raise CannotUpgrade(f"{target} is not a DuckLake warehouse (a directory or postgres:CONNINFO)")
    if not source.is_file():
        raise CannotUpgrade(f"no DuckDB warehouse file at {source}")
    target.staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.staging, prefix="upgrade-") as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copy2(source, copy)
        if source.with_name(source.name + ".wal").exists():  # not checkpointed when it was last closed
            shutil.copy2(source.with_name(source.name + ".wal"), copy.with_name(copy.name + ".wal"))
        db.connect(copy).close()  # the copy, migrated to the current schema
        with contextlib.closing(db.connect(target, upgrading=True)) as con:
            if con.execute("SELECT count(*) FROM loaded_batches").fetchone()[0] or \
                    con.execute("SELECT count(*) FROM articles").fetchone()[0]:
                raise CannotUpgrade(f"{target} holds a warehouse already; upgrade into a new one")
            con.execute(f"ATTACH '{str(copy).replace(chr(39), chr(39) * 2)}' AS old (READ_ONLY)")
            moved = [t for t in tables(con, "old") if t not in KEPT_BY_THE_LAKE]
            missing = sorted(set(moved) - set(tables(con, db.CATALOG)))
            if missing:
                raise CannotUpgrade(f"{source} has tables the warehouse does not: {', '.join(missing)}")

            def copy_all():
                for t in moved:
                    con.execute(f'INSERT INTO {db.CATALOG}.main."{t}" BY NAME SELECT * FROM old.main."{t}"')
                db.take_turn(con)

            db.committed(con, copy_all)
            counts = {}
            for t in moved:
                old, new = (con.execute(f'SELECT count(*) FROM {c}.main."{t}"').fetchone()[0] for c in ("old", db.CATALOG))
                if old != new:
                    raise CannotUpgrade(f"{t}: {old} rows in {source}, {new} in {target}")
                counts[t] = new
            con.execute("DETACH old")
            search.refresh(con)
            maintenance.compact(con)
    _move_staging(Path(str(source) + ".staging"), target.staging)
    return counts


def _move_staging(old: Path, new: Path) -> None:
    """The raw archive goes with the warehouse (batch by batch: the lake's area exists)."""
    for area in ("batches", "jobs"):
        if not (old / area).is_dir():
            continue
        (new / area).mkdir(parents=True, exist_ok=True)
        for item in sorted((old / area).iterdir()):
            if not (new / area / item.name).exists():
                item.rename(new / area / item.name)
