"""Keeping a DuckLake's files in check. Every load commits a few small Parquet files per table,
every rebuild of the search index replaces its tables, and updates and deletes (re-rooted
near-duplicate groups, `provnews reprocess`) write delete files. After each load that added
articles (with the index rebuild, `python -m warehouse.search`), `compact`:

- merges adjacent small files of each table into larger ones, and rewrites files whose rows are
  more than a tenth deleted;
- expires snapshots older than KEEP_SNAPSHOTS (time travel reaches that far back), then removes
  the files no snapshot left needs.

A reader reads the latest snapshot at each query (or its transaction's), so it never needs a
removed file unless it keeps one transaction open for longer than KEEP_SNAPSHOTS.
"""

from __future__ import annotations

from warehouse.db import CATALOG, is_lake

KEEP_SNAPSHOTS = "7 days"


def compact(con) -> None:
    """Compact the lake `con` is attached to (nothing for a DuckDB file)."""
    if not is_lake(con):
        return
    con.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')")
    con.execute(f"CALL ducklake_rewrite_data_files('{CATALOG}', delete_threshold => 0.1)")
    con.execute(f"CALL ducklake_expire_snapshots('{CATALOG}', older_than => now() - INTERVAL '{KEEP_SNAPSHOTS}')")
    con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', cleanup_all => true)")

