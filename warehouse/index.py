"""What the warehouse gives the de-duplication index (`warehouse.dedupe_store`, on each machine)
and the load's other lookups: the articles stamped since a load number, the warehouse's
generation, and values of a column it already has."""

from __future__ import annotations

from collections.abc import Iterator

from warehouse.db import execute_staged

# Articles read back at a time when the index catches up (their texts are described anew).
CATCH_UP_ROWS = 2000


def lookup(con, table: str, column: str, values: list[str], column_out: str = "article_id") -> dict[str, str]:
    """{value: its row's column_out} for the values of `table.column` the warehouse has."""
    if not values:
        return {}
    return dict(execute_staged(con, "wanted_values", {"value": values}, {"value": "VARCHAR"},
                               f"SELECT {column}, {column_out} FROM {table} "
                               f"WHERE {column} IN (SELECT value FROM wanted_values)").fetchall())


def state(con) -> tuple[int, str]:
    """(loads committed, generation) as the open transaction sees them: the index of a machine
    follows the first, and starts again when the second changes (`forget` deletes articles)."""
    return con.execute("SELECT loads, generation FROM load_serial").fetchone()


def changed_since(con, mark: int) -> Iterator[list[tuple]]:
    """(article_id, content_hash, published_at, duplicate_of, lead, body) of the articles added or
    re-pointed by loads after `mark`, CATCH_UP_ROWS at a time. The number is written into the SQL:
    a constant filter is what lets the lake skip the files of older loads."""
    cur = con.execute("SELECT article_id, content_hash, published_at, duplicate_of, lead, body FROM articles "
                      f"WHERE changed_in > {int(mark)}")
    while rows := cur.fetchmany(CATCH_UP_ROWS):
        yield rows
