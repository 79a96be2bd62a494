-- Schema version 7: near-duplicates by containment, and articles imported from other crawlers.

-- The LSH bands are laid out for a lower Jaccard (32 bands of 4 rows, was 25 of 5), so that
-- partial copies become candidates: the old keys go, and the first load that follows computes
-- the new ones from `article_signatures` (`flows.batches.fill_missing_bands`).
DELETE FROM article_bands;

-- NULL for a crawled article; for one loaded by `provnews import`, the archive it came from.
ALTER TABLE articles ADD COLUMN imported_from VARCHAR;

-- The line of the imported file a rejected record was on (NULL for crawled pages).
ALTER TABLE rejects ADD COLUMN line INTEGER;

-- A view binds the columns of `SELECT *` when it is created: `stories` is made again with the
-- new column, or it would refuse every query ("Contents of view were altered").
CREATE OR REPLACE VIEW stories AS
SELECT * FROM articles WHERE duplicate_of IS NULL;
