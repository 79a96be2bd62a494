"""The DuckLake warehouse (SQLite catalog, Parquet files: `db.connect("dir")`) against the
single DuckDB file it replaced (`db.connect("x.duckdb")`), the baseline, measured in the same
run with the same loader code.

1. load and index rebuild: N article rows (bench/loader.py's) inserted by `loader.insert_rows`
   in one transaction into a fresh warehouse (which indexes them, as a load does), then the
   whole rebuild, `search.refresh`; each store in a child
   process of its own, whose peak resident memory (the kernel's high-water mark, the rows'
   generation included) is the memory figure.
2. de-duplication cost per new article with a tenth of --large and with --large articles
   stored, as bench/dedupe.py section 2 measures it for the file (`growth_costs`: one chunk
   through `flows.batches.dedupe_chunk` and its insert, rolled back; best of --repeat).
3. small files: K batch loads of a few articles each into a fresh lake, each as a load commits
   one (de-duplication, insert, `loader.finish_batch`, in `db.committed`), timed against the
   same loads into a file; then the lake's Parquet files before and after
   `maintenance.compact`, and its seconds.

    python bench/store.py [--rows 20000] [--large 100000] [--new 500] [--batches 50] [--batch-rows 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench.common import HEADER, machine, row, sized  # noqa: E402
from bench.dedupe import cleaned, cost_items, growth_costs, texts  # noqa: E402
from bench.loader import article_rows, arrow_load, timed_refresh  # noqa: E402
from flows.batches import BatchResult, committed_load, dedupe_chunk  # noqa: E402
from mirror import corpus  # noqa: E402
from warehouse import db, loader, maintenance  # noqa: E402
from warehouse.db import CATALOG  # noqa: E402
from warehouse.dedupe_store import DedupeStore  # noqa: E402
from warehouse.location import DATA_DIR, locate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STORES = {"file": "w.duckdb", "lake": "lake"}  # a name ending in .duckdb is a file, else a lake


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def load_and_rebuild(warehouse: Path, n: int) -> dict:
    """In this process (a child of the benchmark's): the load of n rows, then the rebuild."""
    rows = article_rows(n)
    rows_mb = peak_mb()
    load = arrow_load(warehouse, rows)
    del rows
    rebuild = timed_refresh(warehouse)
    return {"load_s": load, "rebuild_s": rebuild, "rows_mb": rows_mb, "peak_mb": peak_mb()}


def in_child(warehouse: Path, n: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(warehouse), "--rows", str(n)],
                          cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def small_loads(warehouse: Path, items: list, size: int) -> float:
    """Seconds per batch load of `size` articles, len(items) // size of them, each committed as
    a batch load commits (flows.batches.load, its cleaning aside)."""
    batches = len(items) // size
    loc = locate(warehouse)
    with contextlib.closing(db.connect(loc)) as con, DedupeStore.opened(loc.staging) as index_store:
        t0 = time.perf_counter()
        for k in range(batches):
            chunk, batch_id, portal = items[k * size:(k + 1) * size], f"bench-{k:04d}", f"bench{k}"

            def work(load_no):
                rows, result = {t: [] for t in loader.TABLES}, BatchResult(batch_id, portal)
                reroots = dedupe_chunk(index_store, cleaned(chunk), rows, result, "bench", batch_id,
                                       datetime.now(timezone.utc))
                loader.insert_rows(con, rows, load_no)
                loader.reroot(con, reroots, load_no)
                loader.finish_batch(con, batch_id=batch_id, run_id="bench", portal=portal, pages=size,
                                    crawl_run=dict(run_id="bench", portal=portal, flow="ingest", status="loaded",
                                                   pages_fetched=size, articles_new=result.new))
            committed_load(con, index_store, work)
        return (time.perf_counter() - t0) / batches


def parquet_files(lake: Path) -> int:
    """Parquet files (data and delete files) in the lake's data directory."""
    return sum(1 for _ in (lake / DATA_DIR).rglob("*.parquet"))


def live_files(con) -> tuple[int, int]:
    """(Parquet files the lake's latest snapshot reads, tables)."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?",
                         [CATALOG]).fetchall()
    n = sum(con.execute(f"SELECT count(data_file) + count(delete_file) FROM "
                        f"ducklake_list_files('{CATALOG}', '{t}', schema => '{s}')").fetchone()[0]
            for s, t in tables)
    return n, len(tables)


def compacted(lake: Path) -> dict:
    with contextlib.closing(db.connect(lake)) as con:
        before, live_before = parquet_files(lake), live_files(con)[0]
        t0 = time.perf_counter()
        maintenance.compact(con)
        seconds = time.perf_counter() - t0
        live_after, tables = live_files(con)
        # The replaced files stay on disk for maintenance.REMOVE_AFTER: counted as gone.
        after = parquet_files(lake) - maintenance.awaiting_removal(con)
    return {"before": before, "after": after, "live_before": live_before, "live_after": live_after,
            "tables": tables, "seconds": seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--batch-rows", type=int, default=20)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(load_and_rebuild(Path(args.child), args.rows)))
        return 0
    small = args.large // 10

    with tempfile.TemporaryDirectory(prefix="provnews-bench-") as tmp:
        tmp = Path(tmp)
        runs = {}
        for store, name in STORES.items():
            (tmp / "load" / store).mkdir(parents=True)
            runs[store] = in_child(tmp / "load" / store / name, args.rows)

        stored, new = cost_items(args.large, args.new, 1 + 2 * args.repeat)
        costs = {}
        for store, name in STORES.items():
            (tmp / "dedupe" / store).mkdir(parents=True)
            costs[store] = growth_costs(tmp / "dedupe" / store / name,
                                        [(small, stored[:small]), (args.large, stored[small:])], new, args.repeat)
        del stored, new

        n = args.batches * args.batch_rows
        items = texts(n, n // len(corpus.PORTAL_ORDER) + 1)
        per_load = {}
        for store, name in STORES.items():
            (tmp / "small" / store).mkdir(parents=True)
            per_load[store] = small_loads(tmp / "small" / store / name, items, args.batch_rows)
        files = compacted(tmp / "small" / "lake" / STORES["lake"])

    f, lk = runs["file"], runs["lake"]
    out = [row(f"load_rate_{sized(args.rows)}", args.rows / lk["load_s"], "articles/s", args.rows / f["load_s"],
               ">= 0.5x file", lk["load_s"] <= 2 * f["load_s"])]
    for size in (small, args.large):
        out.append(row(f"dedupe_cost_at_{sized(size)}", costs["lake"][size], "us/article", costs["file"][size],
                       "<= 1.5x file", costs["lake"][size] <= 1.5 * costs["file"][size]))
    for store in STORES:
        c = costs[store]
        out.append(row(f"{store}_dedupe_{sized(args.large)}_vs_{sized(small)}", c[args.large], "us/article",
                       c[small], f"<= 1.5x the {sized(small)} cost", c[args.large] <= 1.5 * c[small]))
    out.append(row(f"fts_rebuild_{sized(args.rows)}", lk["rebuild_s"], "s", f["rebuild_s"], "<= 1.5x file",
                   lk["rebuild_s"] <= 1.5 * f["rebuild_s"]))
    out.append(row("peak_rss_load_rebuild", lk["peak_mb"], "MB", f["peak_mb"], "<= 1.2x file",
                   lk["peak_mb"] <= 1.2 * f["peak_mb"]))
    out.append(row(f"small_load_{args.batch_rows}_articles", 1000 * per_load["lake"], "ms/load",
                   1000 * per_load["file"], "<= 2x file", per_load["lake"] <= 2 * per_load["file"]))
    out.append(row(f"parquet_files_after_{args.batches}", files["before"], "files", None, "-", True))
    out.append(row("parquet_files_compacted", files["after"], "files", files["before"], "<= 0.5x before",
                   files["after"] <= 0.5 * files["before"]))
    out.append(row("live_files_compacted", files["live_after"], "files", files["live_before"],
                   f"<= 1 a table ({files['tables']})", files["live_after"] <= files["tables"]))
    out.append(row("compact_seconds", files["seconds"], "s", None, "< 10 s", files["seconds"] < 10))

    print(f"Warehouse store: DuckLake (SQLite catalog, Parquet files) against one DuckDB file; {machine()}")
    print(f"baseline: the DuckDB file, same run, same code. load: {args.rows:,} article rows in one transaction "
          f"into a fresh warehouse, then the index rebuild, each store in its own child process (peak RSS "
          f"includes the rows generated in Python: {f['rows_mb']:,.0f} MB before the load)")
    print(f"de-duplication: {args.new} new articles, one chunk, against {small:,} and {args.large:,} stored "
          f"(best of {args.repeat}); small files: {args.batches} loads of {args.batch_rows} articles each, "
          "then maintenance.compact")
    print(HEADER)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
