"""What `provnews reprocess` removes before it rebuilds portals from their raw pages, and the
batches it rebuilds them from."""

from __future__ import annotations

from warehouse import search


def loaded_batches(con, portals: list[str] | None) -> list[tuple]:
    """(batch_id, run_id, portal, loaded_at) of the portals' loaded batches (all, for None), in
    the order they were loaded: `loaded_at` is the time its load's transaction began, and a load
    that lost its commit to another began again after that one had committed (the batches of
    one load, which hold no article, by name)."""
    return con.execute("SELECT batch_id, run_id, portal, loaded_at FROM loaded_batches "
                       "WHERE ? IS NULL OR portal IN (SELECT unnest(?)) ORDER BY loaded_at, batch_id",
                       [portals, portals]).fetchall()


def articles_of(con, portals: list[str]) -> None:
    """Delete every row derived from the portals' crawled pages (inside the caller's
    transaction); imported articles stay, having no raw pages to be rebuilt from."""
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
    con.execute("DELETE FROM article_removals WHERE article_id IN (SELECT article_id FROM _gone)")
    con.execute("DELETE FROM article_overlaps WHERE article_id IN (SELECT article_id FROM _gone) "
                "OR other_article_id IN (SELECT article_id FROM _gone)")
    imported = "SELECT run_id FROM crawl_runs WHERE flow = 'import'"
    con.execute(f"DELETE FROM article_urls WHERE portal IN (SELECT unnest(?)) AND run_id NOT IN ({imported})", [portals])
    con.execute(f"DELETE FROM rejects WHERE portal IN (SELECT unnest(?)) AND run_id NOT IN ({imported})", [portals])
    search.remove(con, "SELECT article_id FROM _gone")
    con.execute("DELETE FROM articles WHERE article_id IN (SELECT article_id FROM _gone)")
    # Every machine's de-duplication index holds the articles gone: each builds its own again.
    con.execute("UPDATE load_serial SET generation = CAST(uuid() AS VARCHAR)")


def crawled_articles(con, portals: list[str]) -> int:
    """Articles of the portals that came from crawled pages (what a reprocess rebuilds)."""
    return con.execute("SELECT count(*) FROM articles WHERE portal IN (SELECT unnest(?)) AND imported_from IS NULL",
                       [portals]).fetchone()[0]


def dangling_urls(con) -> int:
    """URLs recorded for articles that no longer exist (other portals' copies of a rebuilt one)."""
    return con.execute("SELECT count(*) FROM article_urls "
                       "WHERE article_id NOT IN (SELECT article_id FROM articles)").fetchone()[0]
