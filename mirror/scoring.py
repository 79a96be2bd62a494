"""Score a warehouse against the mirror's ground truth (used by tests and benchmarks)."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict

import duckdb

from mirror import corpus
from mirror.layouts import listed_url


def duplicate_pairs(db_file, size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL) -> dict:
    """Pairwise precision and recall of duplicate detection: two loaded articles form a
    predicted pair when they resolve to the same original (exact copy: same row; near copy:
    `duplicate_of`), a true pair when the mirror made one a copy of the other."""
    from spiders.portals import PORTALS
    from spiders.urls import url_key

    with contextlib.closing(duckdb.connect(str(db_file), read_only=True)) as con:
        group_of = dict(con.execute(
            "SELECT u.url_key, coalesce(a.duplicate_of, a.article_id) "
            "FROM article_urls u JOIN articles a USING (article_id)").fetchall())
    predicted, true = defaultdict(set), defaultdict(set)
    for t in corpus.truth(size):
        key = url_key(listed_url(corpus.article(t.portal, t.index, size)), PORTALS[t.portal].id_param)
        if t.expected == "article" and key in group_of:
            predicted[group_of[key]].add(key)
            true[t.story].add(key)

    def pairs(groups):
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}

    p, t = pairs(predicted), pairs(true)
    hit = len(p & t)
    return {"precision": hit / len(p) if p else 1.0, "recall": hit / len(t) if t else 1.0,
            "predicted_pairs": len(p), "true_pairs": len(t), "found": hit}
