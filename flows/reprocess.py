"""`provnews reprocess`: rebuild the articles of some portals (or all) from the raw archive with
the current cleaner and de-duplication, without network.

Every loaded batch is still on disk (`data/batches/`), raw bytes and fetch metadata included.
Reprocessing deletes what the warehouse derived from the chosen portals' pages and loads their
batches again, in the order they were first loaded, with the run ids and times they were first
seen under, all in one transaction: if anything fails, the warehouse is as it was. Run
history (`crawl_runs`, `loaded_batches`) is left as recorded, and so is what `provnews import`
brought in (it has no raw pages to rebuild from).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows import batches, staging
from warehouse import search


class ArchiveIncomplete(RuntimeError):
    pass


@dataclass
class ReprocessReport:
    portals: list[str]
    batches: int = 0
    pages: int = 0
    before: int = 0          # articles of these portals before
    after: int = 0           # and after
    rejected: int = 0
    dangling_urls: int = 0   # other portals' copies whose original changed identity


def _forget(con, portals: list[str]) -> None:
    """Delete every row derived from the portals' pages (inside the caller's transaction)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _gone AS SELECT article_id FROM articles "
                "WHERE portal IN (SELECT unnest(?)) AND imported_from IS NULL", [portals])
    # Other portals' near-duplicates of a departing original: the earliest remaining member of
    # each group becomes its original until the reload re-roots the group.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _reroot AS
        SELECT duplicate_of AS old_root,
               arg_min(article_id, (coalesce(published_at, TIMESTAMPTZ '9999-01-01'), article_id)) AS new_root
        FROM articles
        WHERE duplicate_of IN (SELECT article_id FROM _gone) AND article_id NOT IN (SELECT article_id FROM _gone)
        GROUP BY duplicate_of""")
    con.execute("""
        UPDATE articles AS a SET
            duplicate_of = CASE WHEN a.article_id = r.new_root THEN NULL ELSE r.new_root END,
            similarity = CASE WHEN a.article_id = r.new_root THEN NULL ELSE a.similarity END
        FROM _reroot r WHERE a.duplicate_of = r.old_root""")
    for table in ("article_removals", "article_signatures", "article_bands", "passage_fingerprints"):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _gone)")
    con.execute("DELETE FROM article_overlaps WHERE article_id IN (SELECT article_id FROM _gone) "
                "OR other_article_id IN (SELECT article_id FROM _gone)")
    imported = "SELECT run_id FROM crawl_runs WHERE flow = 'import'"
    con.execute(f"DELETE FROM article_urls WHERE portal IN (SELECT unnest(?)) AND run_id NOT IN ({imported})", [portals])
    con.execute(f"DELETE FROM rejects WHERE portal IN (SELECT unnest(?)) AND run_id NOT IN ({imported})", [portals])
    con.execute("DELETE FROM articles WHERE article_id IN (SELECT article_id FROM _gone)")


def reprocess(con, root: Path, portals: list[str] | None = None) -> ReprocessReport:
    loaded = con.execute("SELECT batch_id, run_id, portal, loaded_at FROM loaded_batches "
                         "WHERE ? IS NULL OR portal IN (SELECT unnest(?)) ORDER BY batch_id",
                         [portals, portals]).fetchall()
    chosen = portals or sorted({p for _, _, p, _ in loaded})
    missing = [b for b, _, _, _ in loaded if not staging.Batch(root / b).complete]
    if missing:
        raise ArchiveIncomplete(f"{len(missing)} loaded batch(es) are not in the archive at {root} "
                                f"(first: {missing[0]}); nothing was changed")
    report = ReprocessReport(chosen, batches=len(loaded))
    count = "SELECT count(*) FROM articles WHERE portal IN (SELECT unnest(?)) AND imported_from IS NULL"
    report.before = con.execute(count, [chosen]).fetchone()[0]
    con.execute("BEGIN")
    try:
        _forget(con, chosen)
        for batch_id, run_id, _, loaded_at in loaded:
            result = batches.insert_batch(con, staging.Batch(root / batch_id), run_id, seen_at=loaded_at)
            report.pages += result.pages
            report.rejected += result.rejected
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    report.after = con.execute(count, [chosen]).fetchone()[0]
    report.dangling_urls = con.execute(
        "SELECT count(*) FROM article_urls WHERE article_id NOT IN (SELECT article_id FROM articles)").fetchone()[0]
    search.refresh(con)
    return report
