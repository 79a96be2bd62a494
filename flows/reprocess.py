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
from warehouse import forget, maintenance, search
from warehouse.dedupe_store import DedupeStore


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


def reprocess(con, store: DedupeStore, root: Path, portals: list[str] | None = None) -> ReprocessReport:
    loaded = forget.loaded_batches(con, portals)
    chosen = portals or sorted({p for _, _, p, _ in loaded})
    missing = [b for b, _, _, _ in loaded if not staging.Batch(root / b).complete]
    if missing:
        raise ArchiveIncomplete(f"{len(missing)} loaded batch(es) are not in the archive at {root} "
                                f"(first: {missing[0]}); nothing was changed")
    report = ReprocessReport(chosen, batches=len(loaded))
    report.before = forget.crawled_articles(con, chosen)

    def work(load_no: int):
        report.pages = report.rejected = 0
        for batch_id, run_id, _, loaded_at in loaded:
            result = batches.insert_batch(con, store, staging.Batch(root / batch_id), run_id, load_no,
                                          seen_at=loaded_at)
            report.pages += result.pages
            report.rejected += result.rejected

    # The index is built again from the articles that stay (forget changes the generation).
    batches.committed_load(con, store, work, before=lambda: forget.articles_of(con, chosen))
    report.after = forget.crawled_articles(con, chosen)
    report.dangling_urls = forget.dangling_urls(con)
    # The commit left the index right (forget took the articles out of it, the loads put them
    # back); the rebuild renumbers it, and compaction rewrites the files the deletes riddled.
    search.refresh(con)
    maintenance.compact(con)
    return report
