-- Schema version 5: per-run health figures, so that drift is judged against the portal's own
-- history, and the alerts each run raised.

ALTER TABLE crawl_runs ADD COLUMN listing_entries INTEGER;      -- article links the listing pages showed
ALTER TABLE crawl_runs ADD COLUMN title_coverage DOUBLE;        -- share of new articles with a title
ALTER TABLE crawl_runs ADD COLUMN date_coverage DOUBLE;         -- ... with a publication date
ALTER TABLE crawl_runs ADD COLUMN author_coverage DOUBLE;       -- ... with an author
ALTER TABLE crawl_runs ADD COLUMN median_body_chars INTEGER;    -- of the new articles
ALTER TABLE crawl_runs ADD COLUMN duration_s DOUBLE;            -- crawl and load
ALTER TABLE crawl_runs ADD COLUMN alerts VARCHAR[];             -- drift alerts raised by this run
