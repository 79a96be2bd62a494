-- provnews warehouse, schema version 1.
-- Timestamps are TIMESTAMPTZ; published dates are the portal's local time (UTC+7).

CREATE TABLE crawl_runs (
    run_id        VARCHAR NOT NULL,
    portal        VARCHAR NOT NULL,
    flow          VARCHAR NOT NULL,          -- 'ingest' or 'backfill'
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- 'loaded', 'crawl_failed', 'load_deferred'
    requests      INTEGER,                   -- HTTP requests the crawl made (robots.txt included)
    listing_pages INTEGER,
    pages_fetched INTEGER,                   -- article pages downloaded
    articles_new  INTEGER,
    duplicates    INTEGER,                   -- exact duplicates of stored articles (URL recorded, no row)
    rejected      INTEGER,
    fallback_extractions INTEGER,            -- articles the portal's selectors missed
    since         DATE,
    until         DATE,
    message       VARCHAR,
    PRIMARY KEY (run_id, portal)
);

-- One row per staged batch loaded: a batch is loaded once, in one transaction.
CREATE TABLE loaded_batches (
    batch_id   VARCHAR PRIMARY KEY,
    run_id     VARCHAR NOT NULL,
    portal     VARCHAR NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL,
    pages      INTEGER NOT NULL
);

CREATE TABLE articles (
    article_id       VARCHAR PRIMARY KEY,    -- stable: derived from the first URL's canonical key
    portal           VARCHAR NOT NULL,
    province         VARCHAR,                -- as published
    province_current VARCHAR,                -- since the 1 July 2025 merger
    url              VARCHAR NOT NULL,
    title            VARCHAR,
    published_at     TIMESTAMPTZ,
    author           VARCHAR,
    lead             VARCHAR,
    body             VARCHAR NOT NULL,       -- paragraphs separated by one blank line
    captions         VARCHAR[],
    views            INTEGER,
    extraction       VARCHAR NOT NULL,       -- 'selectors' or 'fallback'
    content_hash     VARCHAR NOT NULL,       -- of the normalised lead + body: the exact-duplicate key
    duplicate_of     VARCHAR,                -- near-duplicates point at their original
    similarity       DOUBLE,
    first_seen_at    TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL,
    batch_id         VARCHAR NOT NULL
);

-- Every URL an article was seen under, including exact duplicates elsewhere.
CREATE TABLE article_urls (
    url_key       VARCHAR PRIMARY KEY,
    url           VARCHAR NOT NULL,
    article_id    VARCHAR NOT NULL,
    portal        VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR NOT NULL
);

-- Every page that could not become an article, and why.
CREATE TABLE rejects (
    run_id      VARCHAR NOT NULL,
    batch_id    VARCHAR,
    portal      VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    url_key     VARCHAR,
    stage       VARCHAR NOT NULL,            -- 'listing', 'fetch', 'clean'
    reason      VARCHAR NOT NULL,
    http_status INTEGER,
    detail      VARCHAR,
    transient   BOOLEAN NOT NULL,            -- a later run tries the URL again
    seen_at     TIMESTAMPTZ NOT NULL
);

CREATE VIEW stories AS
SELECT * FROM articles WHERE duplicate_of IS NULL;

CREATE VIEW daily_counts AS
SELECT CAST(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE) AS day,
       portal, province, province_current, count(*) AS articles
FROM articles
GROUP BY ALL;

CREATE VIEW last_run_rejects AS
SELECT portal, stage, reason, count(*) AS pages
FROM rejects
WHERE run_id = (SELECT run_id FROM crawl_runs ORDER BY started_at DESC LIMIT 1)
GROUP BY ALL;
