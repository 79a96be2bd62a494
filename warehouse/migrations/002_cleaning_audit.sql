-- Schema version 2: what the cleaner removed from each article, and by which rule, so that a
-- wrongly stripped sentence can be traced to its rule in one query.

CREATE TABLE article_removals (
    article_id   VARCHAR NOT NULL,
    position     INTEGER NOT NULL,   -- order of the removal within the article
    rule         VARCHAR NOT NULL,   -- e.g. 'byline', 'caption', 'repeated_body', 'view_counter'
    removed_text VARCHAR NOT NULL,
    PRIMARY KEY (article_id, position)
);
