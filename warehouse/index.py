"""The de-duplication index as the warehouse stores it: what a load asks of it for one chunk of
new articles. The index's logic (signatures, band keys, judging) is `flows.dedupe`'s; here is
only how its stored parts are read, so that a load holds none of them between chunks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from warehouse.db import registered


def lookup(con, table: str, column: str, values: list[str], column_out: str = "article_id") -> dict[str, str]:
    """{value: its row's column_out} for the values of `table.column` the warehouse has."""
    if not values:
        return {}
    with registered(con, "wanted_values", pa.table({"value": pa.array(values, pa.string())})):
        return dict(con.execute(f"SELECT {column}, {column_out} FROM {table} "
                                f"WHERE {column} IN (SELECT value FROM wanted_values)").fetchall())


def candidates(con, band_keys: np.ndarray, fingerprints: set[int], passage_max_articles: int):
    """The stored articles new ones with these LSH band keys and passage fingerprints can meet.
    Returns (signatures, postings, boilerplate):
    - signatures: (article_id, minhash bytes or None, published_at, duplicate_of, passages) of
      those sharing a band key (with their signature) and the originals of their groups, and of
      those sharing a passage (signature None: met through the passage);
    - postings: (fingerprint, article_id) of the shared passages that are not boilerplate;
    - boilerplate: fingerprints in more than `passage_max_articles` articles."""
    keys = pa.table({"band_key": pa.array(band_keys.ravel(), pa.int64())})
    passages = pa.table({"fingerprint": pa.array(sorted(fingerprints), pa.int64())})
    with registered(con, "chunk_bands", keys), registered(con, "chunk_passages", passages):
        postings, boilerplate = [], []
        for fp, ids in con.execute(
                "SELECT fingerprint, CASE WHEN count(*) <= ? THEN list(article_id) END FROM passage_fingerprints "
                "WHERE fingerprint IN (SELECT fingerprint FROM chunk_passages) GROUP BY fingerprint",
                [passage_max_articles]).fetchall():
            if ids is None:
                boilerplate.append(fp)
            else:
                postings.extend((fp, aid) for aid in ids)
        shared = pa.table({"article_id": pa.array([aid for _, aid in postings], pa.string())})
        with registered(con, "chunk_sharers", shared):
            signatures = con.execute("""
                WITH banded AS (
                    SELECT article_id FROM article_bands WHERE band_key IN (SELECT band_key FROM chunk_bands)
                    UNION SELECT duplicate_of FROM articles
                    WHERE duplicate_of IS NOT NULL AND article_id IN (
                        SELECT article_id FROM article_bands WHERE band_key IN (SELECT band_key FROM chunk_bands)))
                SELECT s.article_id, CASE WHEN s.article_id IN (SELECT article_id FROM banded) THEN s.minhash END,
                       a.published_at, a.duplicate_of, s.passages
                FROM article_signatures s JOIN articles a USING (article_id)
                WHERE s.article_id IN (SELECT article_id FROM banded UNION SELECT article_id FROM chunk_sharers)
                """).fetchall()
    return signatures, postings, boilerplate


def texts(con, article_ids: set[str]) -> list[tuple[str, str | None, str]]:
    """(article_id, lead, body) of these stored articles."""
    if not article_ids:
        return []
    with registered(con, "compared", pa.table({"article_id": pa.array(sorted(article_ids), pa.string())})):
        return con.execute("SELECT article_id, lead, body FROM articles "
                           "WHERE article_id IN (SELECT article_id FROM compared)").fetchall()


def fill_missing_bands(con, band_keys_of: Callable[[np.ndarray], np.ndarray]) -> int:
    """Band keys for stored signatures when `article_bands` is empty (schema 6 had none; schema 7
    dropped those of the old layout), computed by `band_keys_of` a slice of rows at a time."""
    if con.execute("SELECT count(*) FROM article_bands").fetchone()[0]:
        return 0
    (last,) = con.execute("SELECT max(rowid) FROM article_signatures").fetchone()
    if last is None:  # no signatures either
        return 0
    filled, step = 0, 10_000
    for start in range(0, last + 1, step):
        rows = con.execute("SELECT article_id, minhash FROM article_signatures WHERE rowid >= ? AND rowid < ?",
                           [start, start + step]).fetchall()
        if not rows:
            continue
        keys = band_keys_of(np.stack([np.frombuffer(blob, dtype=np.uint32) for _, blob in rows]))
        table = pa.table({"band_key": pa.array(keys.ravel(), pa.int64()),
                          "article_id": pa.array([aid for aid, _ in rows for _ in range(keys.shape[1])])})
        with registered(con, "_bands", table):
            con.execute("INSERT INTO article_bands SELECT * FROM _bands")
        filled += len(rows)
    return filled
