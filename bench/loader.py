"""Loader throughput: the warehouse loader (Arrow tables, one transaction) against row-by-row
INSERT of the same rows (DB-API `executemany`, also in one transaction), on fresh warehouse
files. Rows are the mirror's articles as the cleaner stores them (title, lead, body of a few
KB, captions). The full-text index rebuild that follows a load is timed apart.

    python bench/loader.py [--rows 20000] [--baseline-rows 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HEADER, machine, row  # noqa: E402
from mirror import corpus  # noqa: E402
from warehouse import db, loader, search  # noqa: E402


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
        con.execute("COMMIT")
        return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--baseline-rows", type=int, default=2_000)
    args = ap.parse_args()

    rows = article_rows(args.rows)
    kb = sum(len(r["body"].encode()) for r in rows) / len(rows) / 1024
    with tempfile.TemporaryDirectory(prefix="provnews-bench-") as tmp:
        fast = args.rows / arrow_load(Path(tmp) / "arrow.duckdb", rows)
        slow = args.baseline_rows / row_by_row(Path(tmp) / "rows.duckdb", rows[:args.baseline_rows])
        fts = timed_refresh(Path(tmp) / "arrow.duckdb")

    print(f"Loader: {args.rows:,} article rows (body {kb:.1f} KB on average) into a fresh warehouse; {machine()}")
    print(f"baseline: row-by-row INSERT (executemany, one transaction) of {args.baseline_rows:,} of the same rows")
    print(HEADER)
    print(row("loader_rows_per_s", fast, "rows/s", slow, ">= 20x row-by-row", fast >= 20 * slow))
    print(row("fts_index_rebuild", fts, "s/load", None, "- (after each load)", True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
