"""Keeping a DuckLake's files in check. Every load commits a few small Parquet files per table,
every rebuild of the search index replaces its tables, and updates and deletes (re-rooted
near-duplicate groups, `provnews reprocess`) write delete files. After each load that added
articles (with the index rebuild, `python -m warehouse.search`), `compact`:

- merges adjacent small files of each table into larger ones, and rewrites files whose rows are
  more than a tenth deleted;
- expires snapshots older than KEEP_SNAPSHOTS (time travel reaches that far back);
- deletes the files that compaction or expiry left unneeded REMOVE_AFTER ago or earlier.

A file no longer needed by the latest snapshot may still be read by a transaction that began
before it was replaced: another machine's load, an analyst's query. DuckLake schedules such a
file for deletion rather than deleting it; deleting it at once (`cleanup_all`) failed a load on
another worker with "Cannot open file". A file is deleted once it has been scheduled for longer
than any transaction lasts here: a load's takes seconds to minutes, an analyst's query as long.
A load whose transaction began before a compaction is run again all the same (DuckLake 0.3
reads a compacted table as empty in it: `warehouse.db.committed`); an analyst's explicit
transaction (BEGIN ... COMMIT) across a compaction is not, and may see such a table empty.
"""

from __future__ import annotations

from warehouse.db import CATALOG, is_lake

KEEP_SNAPSHOTS = "7 days"
REMOVE_AFTER = "1 day"


def compact(con) -> None:
    """Compact the lake `con` is attached to (nothing for a DuckDB file)."""
    if not is_lake(con):
        return
    con.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')")
    con.execute(f"CALL ducklake_rewrite_data_files('{CATALOG}', delete_threshold => 0.1)")
    con.execute(f"CALL ducklake_expire_snapshots('{CATALOG}', older_than => now() - INTERVAL '{KEEP_SNAPSHOTS}')")
    con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', older_than => now() - INTERVAL '{REMOVE_AFTER}')")


def awaiting_removal(con) -> int:
    """Files compaction or expiry left unneeded that are still on disk, for REMOVE_AFTER."""
    if not is_lake(con):
        return 0
    return con.execute(f"SELECT count(*) FROM __ducklake_metadata_{CATALOG}.ducklake_files_scheduled_for_deletion"
                       ).fetchone()[0]
