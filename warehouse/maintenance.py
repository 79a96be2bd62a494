"""Keeping a DuckLake's files in check. Every load commits a few small Parquet files per table
(the search index's included), every update writes delete files (the index's term counts, each
load; re-rooted near-duplicate groups; `provnews reprocess`), and a rebuild of the index
replaces its tables. After the loads of a run (or an import) that added articles, through the
writer's own connection (`compact_bounded`), `compact`:

- merges adjacent small files of each table into larger ones (of up to 64 MB, in row groups a
  writer's memory holds: LAYOUT), and rewrites files whose rows are more than a tenth deleted;
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

import threading

import duckdb

from warehouse.db import CATALOG, is_lake

# How compaction lays out the files it writes, set before each (DuckLake keeps options in its
# catalog; setting one again writes nothing). DuckLake's merge holds a whole row group in memory,
# 122,880 rows by default: 10,000 articles of real length (the seeds' bodies are 10 KB) made a
# body column of 100 MB, past a writer's 256 MB, and the merge of one load's files failed
# (the mirror's 2 KB articles failed at 40,000); cut at 2,048 rows, it holds 20 MB. Files end
# at 64 MB rather than DuckLake's 512 MB: a merge rewrites every file under that size, so a
# run's compaction rewrote the whole articles table until it reached 512 MB (350,000 articles).
LAYOUT = (("target_file_size", "'64MB'", None), ("parquet_row_group_size", "2048", "articles"))
KEEP_SNAPSHOTS = "7 days"
REMOVE_AFTER = "1 day"
COMPACT_SECONDS = 1800  # compaction takes seconds; past this it is stuck


def compact(con) -> None:
    """Compact the lake `con` is attached to (nothing for a DuckDB file)."""
    if not is_lake(con):
        return
    for option, value, table in LAYOUT:
        scope = f", table_name => '{table}'" if table else ""
        con.execute(f"CALL {CATALOG}.set_option('{option}', {value}{scope})")
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


def compact_bounded(con) -> str | None:
    """`compact` through the writer's connection, out of its transactions, stopped (rolled back:
    each step commits on its own) if it runs past COMPACT_SECONDS. Returns why it failed, or None;
    a failure loses nothing, the next run compacts. On the writer's connection rather than in a
    process of its own: that process would load DuckDB and its extensions a second time, and held
    about 300 MB beside the writer's at the end of a run, the run's peak of memory."""
    timer = threading.Timer(COMPACT_SECONDS, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        compact(con)
    except duckdb.InterruptException:
        return f"no end after {COMPACT_SECONDS} s"
    except duckdb.Error as e:
        return " ".join(str(e).split())[:300]
    finally:
        timer.cancel()
    return None


def main(argv: list[str] | None = None) -> int:
    """`python -m warehouse.maintenance WAREHOUSE`: compact that warehouse."""
    import contextlib
    import sys

    from warehouse import db

    (spec,) = sys.argv[1:] if argv is None else argv
    with contextlib.closing(db.connect(spec)) as con:
        compact(con)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
