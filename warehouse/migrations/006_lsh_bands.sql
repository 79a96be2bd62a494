-- Schema version 6: the near-duplicate index lives in the warehouse, not in the loading process.
-- Each stored article has one LSH band key per band of its MinHash signature; a new article's
-- candidates are the articles sharing any of its keys, found with one join per chunk of a load,
-- so a load's memory does not grow with the warehouse. Keys of articles stored before this
-- version are computed from `article_signatures` by the first load that follows
-- (`flows.batches.fill_missing_bands`).
CREATE TABLE article_bands (
    band_key   BIGINT NOT NULL,   -- flows.dedupe.band_keys: band number and the band's values
    article_id VARCHAR NOT NULL
);
