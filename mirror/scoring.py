"""Score a warehouse against the mirror's ground truth (used by tests and benchmarks)."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict

from mirror import corpus
from mirror.families import listed_url
from warehouse import db


def duplicate_pairs(db_file, size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL) -> dict:
    """Pairwise precision and recall of duplicate detection: two loaded articles form a
    predicted pair when they resolve to the same original (exact copy: same row; near copy:
    `duplicate_of`), a true pair when the mirror made one a copy of the other."""
    from spiders.portals import PORTALS

    with contextlib.closing(db.connect(db_file, read_only=True)) as con:
        group_of = dict(con.execute(
            "SELECT u.url_key, coalesce(a.duplicate_of, a.article_id) "
            "FROM article_urls u JOIN articles a USING (article_id)").fetchall())
    predicted, true, kind, rewrites = defaultdict(set), defaultdict(set), {}, []
    key_of_story = {}
    for t in corpus.truth(size):
        key = PORTALS[t.portal].url_key(listed_url(corpus.article(t.portal, t.index, size)))
        if t.expected == "article" and key in group_of:
            predicted[group_of[key]].add(key)
            true[t.story].add(key)
            kind[key] = t.variant
            if t.duplicate_kind is None and t.event is None:
                key_of_story[t.story] = key
            if t.event:
                rewrites.append((key, t.event))

    def pairs(groups):
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}

    p, t = pairs(predicted), pairs(true)
    hit = len(p & t)
    by_variant = defaultdict(lambda: [0, 0])  # variant -> [true pairs, found]
    for pair in t:
        variant = next((kind[k] for k in pair if kind[k]), "copy")
        by_variant[variant][0] += 1
        by_variant[variant][1] += pair in p
    event_pairs = [frozenset((k, key_of_story[e])) for k, e in rewrites if e in key_of_story]
    return {"precision": hit / len(p) if p else 1.0, "recall": hit / len(t) if t else 1.0,
            "predicted_pairs": len(p), "true_pairs": len(t), "found": hit,
            "by_variant": {v: tuple(n) for v, n in sorted(by_variant.items())},
            "same_event_pairs": len(event_pairs), "same_event_linked": sum(e in p for e in event_pairs)}


def field_accuracy(db_file, size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL, portals=None) -> dict:
    """Per portal, what was loaded against what the mirror published: articles owed and found,
    and how many of those found have the true title, publication day (Asia/Ho_Chi_Minh) and
    body, character for character. Exact republished copies make no row of their own (their URL
    points at the original), so they count as found and are not compared."""
    from flows.folding import dedupe_text as fold
    from spiders.portals import PORTALS

    with contextlib.closing(db.connect(db_file, read_only=True)) as con:
        con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        rows = {key: (title, day, body, url) for key, title, day, body, url in con.execute(
            "SELECT u.url_key, a.title, a.published_at::DATE, a.body, a.url "
            "FROM article_urls u JOIN articles a USING (article_id)").fetchall()}
    truths = list(corpus.truth(size, portals or corpus.PORTAL_ORDER))
    # A story with an exact copy is one row, whose text may be the copy's (other tone marks):
    # the same for a reader and for the exact-copy hash, so compared folded.
    copied = {t.story for t in truths if t.duplicate_kind == "exact"}
    out: dict[str, dict] = {}
    for t in truths:
        if t.expected != "article":
            continue
        s = out.setdefault(t.portal, {"owed": 0, "found": 0, "shared": 0, "compared": 0, "title": 0, "date": 0,
                                        "body": 0})
        s["owed"] += 1
        a = corpus.article(t.portal, t.index, size)
        got = rows.get(PORTALS[t.portal].url_key(listed_url(a)))
        if got is None:
            continue
        s["found"] += 1
        if got[3] != listed_url(a):
            # An exact copy points at its original's row (and an original at its copy's, when
            # the copy loaded first): not this page's own row to compare.
            s["shared"] += fold(got[2]) == fold(t.body)
            continue
        same = (lambda x, y: fold(x) == fold(y)) if t.story in copied else (lambda x, y: x == y)
        s["compared"] += 1
        s["title"] += same(got[0], t.title)
        s["date"] += got[1] == t.published.date()
        s["body"] += same(got[2], t.body)
    return out


def accuracy_table(db_file, size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL) -> str:
    """`field_accuracy` as the README's markdown table: one row per portal, by family."""
    from spiders.portals import PORTALS

    scores = field_accuracy(db_file, size, [k for k in corpus.PORTAL_ORDER if k in PORTALS])
    lines = ["| family | portal | pagination | owed | loaded | own rows compared | title | day | body |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(scores, key=lambda k: (PORTALS[k].family.key, k)):
        s, p = scores[key], PORTALS[key]
        pct = (lambda n: f"{100 * n / s['compared']:.1f} %") if s["compared"] else (lambda n: "-")
        lines.append(f"| {p.family.key} | {key} | {p.listing.pagination} | {s['owed']} | {s['found']} | "
                     f"{s['compared']} | {pct(s['title'])} | {pct(s['date'])} | {pct(s['body'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="score a warehouse loaded from the mirror against its ground truth")
    ap.add_argument("db", help="the warehouse (e.g. data/warehouse after `make demo`)")
    ap.add_argument("--size", type=int, default=corpus.DEFAULT_ARTICLES_PER_PORTAL, help="the mirror's articles per portal")
    args = ap.parse_args()
    pairs = duplicate_pairs(args.db, args.size)
    print(accuracy_table(args.db, args.size))
    print(f"\nduplicates: precision {pairs['precision']:.3f}, recall {pairs['recall']:.3f} "
          f"({pairs['found']} of {pairs['true_pairs']} true pairs, {pairs['predicted_pairs']} predicted); "
          f"same-event rewrites linked: {pairs['same_event_linked']} of {pairs['same_event_pairs']}")
    for variant, (n, found) in pairs["by_variant"].items():
        print(f"  {variant:14s} {found} of {n} pairs found")
