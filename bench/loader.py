"""Loader throughput: the warehouse loader (columnar inserts, one transaction) against row-by-row
INSERT of the same rows (DB-API `executemany`, also in one transaction), on fresh warehouse
files; both keep the full-text index up to date as a load does (`search.add`). Rows are the
mirror's articles as the cleaner stores them (title, lead, body of a few KB, captions). The
whole rebuild of the index is timed apart.

Then the index kept up at a small load: --new articles added to the index of a warehouse (a
DuckDB file and a DuckLake) holding --stored articles (each size in turn), --loads times, each
its own transaction as a load commits (`search.add` and the COMMIT, the articles' own rows
included), against the whole rebuild of the same warehouse after them (`search.refresh`, what
followed every load before), in the same run.

    python bench/loader.py [--rows 20000] [--baseline-rows 2000] [--stored 20000,100000] [--new 500] [--loads 3]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HEADER, machine, row  # noqa: E402
from mirror import corpus  # noqa: E402
from warehouse import db, loader, search  # noqa: E402

STORES = {"file": "w.duckdb", "lake": "lake"}  # a name ending in .duckdb is a file, else a lake


def article_rows(n: int) -> list[dict]:
    now = datetime.now(timezone.utc)
    out = []
    for i in itertools.count():
        for p in corpus.PORTAL_ORDER:
            a = corpus.article(p, i, max(n // 5, 1))
            out.append(dict(
                article_id=f"{p}-{i:08d}", portal=p, province=p, province_current=p,
                url=f"https://{p}.gov.vn/tin/{i}", title=a.title, published_at=a.published, author=a.author,
                lead=a.lead, body="\n\n".join(a.paragraphs), captions=[c for _, c in a.captions], views=a.views,
                extraction="selectors", content_hash=f"{p}{i:028d}", duplicate_of=None, similarity=None,
                first_seen_at=now, run_id="bench", batch_id="bench"))
            if len(out) == n:
                return out


def arrow_load(db_file: Path, rows: list[dict]) -> float:
    with contextlib.closing(db.connect(db_file)) as con:
        t0 = time.perf_counter()
        con.execute("BEGIN")
        loader.insert_rows(con, {"articles": rows}, 0)
        search.settle(con)
        con.execute("COMMIT")
        return time.perf_counter() - t0


def timed_refresh(db_file: Path) -> float:
    """Seconds of the full-text index rebuild (`search.refresh`) of the warehouse at `db_file`."""
    with contextlib.closing(db.connect(db_file)) as con:
        t0 = time.perf_counter()
        search.refresh(con)
        return time.perf_counter() - t0


def row_by_row(db_file: Path, rows: list[dict]) -> float:
    columns = list(rows[0])
    sql = f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    with contextlib.closing(db.connect(db_file)) as con:
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.executemany(sql, [[r[c] for c in columns] for r in rows])
        search.add(con, rows)
        search.settle(con)
        con.execute("COMMIT")
        return time.perf_counter() - t0


def kept_up(warehouse: Path, stored: list[dict], loads: list[list[dict]]) -> dict:
    """Seconds of keeping the index up at each of `loads` (`search.add` and the load's COMMIT),
    into a warehouse holding `stored` (loaded 5,000 at a time, indexed as they go), then of the
    whole rebuild."""
    with contextlib.closing(db.connect(warehouse)) as con:
        for start in range(0, len(stored), 5000):
            con.execute("BEGIN")
            loader.insert_rows(con, {"articles": stored[start:start + 5000]}, 0)
            search.settle(con)
            con.execute("COMMIT")
        seconds = []
        for rows in loads:
            con.execute("BEGIN")
            db.execute_staged(con, "_staged", db.by_column(rows, loader.ARTICLES), loader.ARTICLES,
                              "INSERT INTO articles BY NAME SELECT * FROM _staged")
            t0 = time.perf_counter()
            search.add(con, rows)
            search.settle(con)
            con.execute("COMMIT")
            seconds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        search.refresh(con)
        return {"add_s": statistics.median(seconds), "rebuild_s": time.perf_counter() - t0}


def sized(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 else str(n)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--baseline-rows", type=int, default=2_000)
    ap.add_argument("--stored", default="20000,100000")
    ap.add_argument("--new", type=int, default=500)
    ap.add_argument("--loads", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(n) for n in args.stored.split(",")]

    rows = article_rows(args.rows)
    kb = sum(len(r["body"].encode()) for r in rows) / len(rows) / 1024
    with tempfile.TemporaryDirectory(prefix="provnews-bench-") as tmp:
        fast = args.rows / arrow_load(Path(tmp) / "arrow.duckdb", rows)
        slow = args.baseline_rows / row_by_row(Path(tmp) / "rows.duckdb", rows[:args.baseline_rows])
        fts = timed_refresh(Path(tmp) / "arrow.duckdb")
    del rows

    pool = article_rows(max(sizes) + args.new * args.loads)
    loads = [pool[-args.new * (k + 1):len(pool) - args.new * k] for k in range(args.loads)]
    kept = {}
    for size in sizes:
        for store, name in STORES.items():
            with tempfile.TemporaryDirectory(prefix="provnews-bench-") as tmp:
                kept[store, size] = kept_up(Path(tmp) / name, pool[:size], loads)
    del pool

    print(f"Loader: {args.rows:,} article rows (body {kb:.1f} KB on average) into a fresh warehouse; {machine()}")
    print(f"baseline: row-by-row INSERT (executemany, one transaction) of {args.baseline_rows:,} of the same rows; "
          "both index them (search.add)")
    print(f"index kept up: {args.new} new articles into a warehouse of N, each of {args.loads} loads in its own "
          "transaction (median; search.add and the COMMIT); baseline: the whole rebuild after them, same run")
    print(HEADER)
    print(row("loader_rows_per_s", fast, "rows/s", slow, ">= 20x row-by-row", fast >= 20 * slow))
    print(row(f"fts_index_rebuild_{sized(args.rows)}", fts, "s", None, "- (reprocess, upgrade)", True))
    for (store, size), k in kept.items():
        print(row(f"fts_add_{args.new}_{store}_at_{sized(size)}", k["add_s"], "s/load", k["rebuild_s"],
                  "<= 0.1x the rebuild", k["add_s"] <= 0.1 * k["rebuild_s"]))
    for store in STORES:
        small, large = kept[store, min(sizes)]["add_s"], kept[store, max(sizes)]["add_s"]
        print(row(f"fts_add_{store}_{sized(max(sizes))}_vs_{sized(min(sizes))}", large, "s/load", small,
                  f"<= 1.5x the {sized(min(sizes))} cost", large <= 1.5 * small))
    return 0


if __name__ == "__main__":
    sys.exit(main())
