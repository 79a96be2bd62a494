"""Writing to the warehouse: columnar inserts of prepared rows, and the records that mark a
batch loaded. The caller (flows.batches) cleans and de-duplicates, and holds the transaction:
a batch's rows, its `crawl_runs` row and its `loaded_batches` row commit together, and a batch
id already in `loaded_batches` is not loaded again.
"""

from __future__ import annotations

from warehouse import search
from warehouse.db import by_column, execute_staged

# Each table's columns a load writes, with their SQL types (as in warehouse/migrations).
ARTICLES = {
    "article_id": "VARCHAR", "portal": "VARCHAR", "province": "VARCHAR", "province_current": "VARCHAR",
    "url": "VARCHAR", "title": "VARCHAR", "published_at": "TIMESTAMPTZ", "author": "VARCHAR", "lead": "VARCHAR",
    "body": "VARCHAR", "captions": "VARCHAR[]", "views": "INTEGER", "extraction": "VARCHAR",
    "content_hash": "VARCHAR", "duplicate_of": "VARCHAR", "similarity": "DOUBLE", "first_seen_at": "TIMESTAMPTZ",
    "run_id": "VARCHAR", "batch_id": "VARCHAR", "imported_from": "VARCHAR", "changed_in": "BIGINT",
}
ARTICLE_URLS = {"url_key": "VARCHAR", "url": "VARCHAR", "article_id": "VARCHAR", "portal": "VARCHAR",
                "first_seen_at": "TIMESTAMPTZ", "run_id": "VARCHAR"}
REJECTS = {"run_id": "VARCHAR", "batch_id": "VARCHAR", "portal": "VARCHAR", "url": "VARCHAR", "url_key": "VARCHAR",
           "stage": "VARCHAR", "reason": "VARCHAR", "http_status": "INTEGER", "detail": "VARCHAR",
           "transient": "BOOLEAN", "seen_at": "TIMESTAMPTZ", "line": "INTEGER"}
ARTICLE_REMOVALS = {"article_id": "VARCHAR", "position": "INTEGER", "rule": "VARCHAR", "removed_text": "VARCHAR"}
ARTICLE_OVERLAPS = {"article_id": "VARCHAR", "other_article_id": "VARCHAR", "shared_passages": "INTEGER",
                    "overlap": "DOUBLE"}
TABLES = {"articles": ARTICLES, "article_urls": ARTICLE_URLS, "rejects": REJECTS,
          "article_removals": ARTICLE_REMOVALS, "article_overlaps": ARTICLE_OVERLAPS}


def loaded_among(con, batch_ids: list[str]) -> set[str]:
    """Those of the batches loaded already."""
    return {b for (b,) in con.execute("SELECT batch_id FROM loaded_batches WHERE batch_id IN (SELECT unnest(?))",
                                      [batch_ids]).fetchall()}


def forget_runs(con, runs: list[tuple[str, str]]) -> None:
    """Delete the `crawl_runs` rows of these (run_id, portal), which a load is about to record
    again (`finish_batch`), in one statement: a load of many batches deleting each one's row
    after inserting the one before took 15 to 30 ms a batch on a lake, most of a scheduled run's
    load with nothing new."""
    if runs:
        con.execute("DELETE FROM crawl_runs WHERE (run_id, portal) IN (SELECT unnest(?), unnest(?))",
                    [[r for r, _ in runs], [p for _, p in runs]])


def finish_batch(con, *, batch_id: str, run_id: str, portal: str, pages: int, crawl_run: dict) -> None:
    """Record the batch's run and mark it loaded, inside the caller's transaction (a load's, which
    has taken its turn: `flows.batches.committed_load`), which has cleared the run's row before
    (`forget_runs`)."""
    record_run(con, crawl_run, replace=False)
    con.execute("INSERT INTO loaded_batches VALUES (?, ?, ?, now(), ?)", [batch_id, run_id, portal, pages])


def insert_rows(con, rows: dict[str, list[dict]], load_no: int) -> None:
    """Append prepared rows, inside the caller's transaction, that of load
    `load_no`, whose number marks the articles it adds (`changed_in`: each machine's
    de-duplication index reads them back by it)."""
    for row in rows.get("articles", ()):
        row["changed_in"] = load_no
    for table, types in TABLES.items():
        if rows.get(table):
            execute_staged(con, "_staged", by_column(rows[table], types), types,
                           f"INSERT INTO {table} BY NAME SELECT * FROM _staged")
    search.add(con, rows.get("articles"))  # searchable with the caller's commit


def reroot(con, reroots: list[tuple[str, str, float]], load_no: int) -> None:
    """Inside load `load_no`'s transaction, after its rows are in: (old original, new original,
    similarity) where a newly loaded article is older than the original of its near-duplicate
    group. Points every stored member of those groups at its new original, in one UPDATE (on a
    DuckLake each UPDATE scans the table, and a backfill's batch re-roots hundreds of groups):
    the members first, one query for all groups, then the final original of each, in the order
    of `reroots` (a group re-rooted twice ends at the second)."""
    if not reroots:
        return
    olds = {"article_id": list(dict.fromkeys(old for old, _, _ in reroots))}
    # An update by id, its ids found first: with the OR in its own WHERE, an UPDATE on a
    # DuckLake reads every column of every row (0.6 s at 100,000 articles, not 0.05).
    root = dict(execute_staged(con, "_olds", olds, {"article_id": "VARCHAR"},
                               "SELECT article_id, coalesce(duplicate_of, article_id) FROM articles "
                               "WHERE article_id IN (SELECT article_id FROM _olds) "
                               "OR duplicate_of IN (SELECT article_id FROM _olds)").fetchall())
    similarity: dict[str, float] = {}
    for old, new, sim in reroots:
        for aid, r in root.items():
            if r == old:
                root[aid] = new
                similarity.setdefault(aid, sim)  # kept where the member had one (coalesce below)
    moved = {"article_id": list(root), "duplicate_of": list(root.values()),
             "similarity": [similarity.get(a) for a in root]}
    execute_staged(con, "_moved", moved, {"article_id": "VARCHAR", "duplicate_of": "VARCHAR", "similarity": "DOUBLE"},
                   "UPDATE articles SET duplicate_of = m.duplicate_of, "
                   "similarity = coalesce(articles.similarity, m.similarity), changed_in = ? "
                   "FROM _moved m WHERE articles.article_id = m.article_id", [load_no])


def record_run(con, crawl_run: dict, replace: bool = True) -> None:
    """The crawl_runs row of (run_id, portal), replacing one recorded before (a portal whose
    crawl or load did not happen, then loaded by a later attempt); `replace=False`: the caller
    has deleted it (`forget_runs`)."""
    cols = ", ".join(crawl_run)
    marks = ", ".join("?" for _ in crawl_run)
    if replace:
        forget_runs(con, [(crawl_run["run_id"], crawl_run["portal"])])
    con.execute(f"INSERT INTO crawl_runs ({cols}) VALUES ({marks})", list(crawl_run.values()))
