-- Schema version 3: near-duplicate and shared-passage detection, persisted with the articles.

-- MinHash signature of each stored article (128 x uint32), for the LSH index.
CREATE TABLE article_signatures (
    article_id VARCHAR PRIMARY KEY,
    minhash    BLOB NOT NULL,
    passages   INTEGER NOT NULL       -- how many passage fingerprints the article has
);

-- Fingerprints of each two consecutive sentences: shared ones reveal syndicated text.
CREATE TABLE passage_fingerprints (
    fingerprint BIGINT NOT NULL,
    article_id  VARCHAR NOT NULL
);

-- Pairs of distinct stories that share passages (article_id is the later-loaded one).
CREATE TABLE article_overlaps (
    article_id       VARCHAR NOT NULL,
    other_article_id VARCHAR NOT NULL,
    shared_passages  INTEGER NOT NULL,
    overlap          DOUBLE NOT NULL,  -- shared passages / passages of the shorter article
    PRIMARY KEY (article_id, other_article_id)
);

-- Every place a story was republished: exact copies (another URL, no row of their own) and
-- near-duplicates (their own row, pointing at the original).
CREATE VIEW republished AS
SELECT a.article_id AS story_id, o.portal AS original_portal, o.url AS original_url,
       u.portal, u.url, 'exact' AS kind, 1.0 AS similarity
FROM article_urls u JOIN articles a USING (article_id) JOIN articles o ON o.article_id = a.article_id
WHERE u.url <> a.url AND u.portal <> a.portal
UNION ALL
SELECT d.duplicate_of, o.portal, o.url, d.portal, d.url, 'near', d.similarity
FROM articles d JOIN articles o ON o.article_id = d.duplicate_of;
ALTER TABLE crawl_runs ADD COLUMN near_duplicates INTEGER;
