-- Schema version 9: the de-duplication index leaves the warehouse for a store on each machine
-- (warehouse/dedupe_store.py), built from `articles` and kept in step with them.

-- The load (load_serial's count after its turn) that added the article or last re-pointed it
-- to another original: each machine's index reads back the rows stamped since it last looked.
ALTER TABLE articles ADD COLUMN changed_in BIGINT;
UPDATE articles SET changed_in = 0;

-- Changed when articles are deleted (`provnews reprocess`): every index is then built again.
ALTER TABLE load_serial ADD COLUMN generation VARCHAR;
UPDATE load_serial SET generation = CAST(uuid() AS VARCHAR);

-- Derived from the articles' texts by each machine's index; nothing reads them here any more.
DROP TABLE article_signatures;
DROP TABLE article_bands;
DROP TABLE passage_fingerprints;

-- A view binds the columns of `SELECT *` when it is created (see migration 7).
CREATE OR REPLACE VIEW stories AS
SELECT * FROM articles WHERE duplicate_of IS NULL;
