-- Schema version 4: article_overlaps holds each pair once, in id order (article_id <
-- other_article_id). It used to put the later-loaded article first, so the same pair could read
-- differently after `provnews reprocess`; the relation is symmetric (the share is of the shorter
-- article), so the order carries no meaning.

CREATE TEMP TABLE _pairs AS
SELECT least(article_id, other_article_id) AS article_id,
       greatest(article_id, other_article_id) AS other_article_id,
       max(shared_passages) AS shared_passages, max(overlap) AS overlap
FROM article_overlaps
GROUP BY ALL;
DELETE FROM article_overlaps;
INSERT INTO article_overlaps SELECT * FROM _pairs;
DROP TABLE _pairs;
