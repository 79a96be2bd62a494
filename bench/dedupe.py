"""De-duplication: quality against the mirror's ground truth, cost as the warehouse grows, and
LSH against brute-force pairwise comparison.

1. precision / recall: the ingest flow on the default mirror (18 portals x 200 articles: whole,
   partial, edited and credited copies, and same-event rewrites that must stay apart), scored
   pairwise (`mirror.scoring.duplicate_pairs`); and the containment threshold against the
   containments the mirror's copies and rewrites really have.
2. cost per new article with 10k and with 100k articles in a warehouse file; the 10k figure is
   the baseline. The new articles go through the load's own de-duplication of a chunk
   (`flows.batches.dedupe_chunk`: exact key, signature, passages, the candidate queries against
   the warehouse, judging) and its insert, in a transaction that is then rolled back.
3. a 5k-article sample (copies included): every pair compared by exact containment of word
   5-grams (the baseline) against the index's path (LSH and shared passages, then exact
   containment of the candidates); both the rate and the pairs found.

    python bench/dedupe.py [--large 100000] [--sample 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench.common import HEADER, machine, row  # noqa: E402
from flows.batches import BatchResult, dedupe_chunk  # noqa: E402
from flows.cleaning import Article  # noqa: E402
from flows.dedupe import DEFAULTS, NearDuplicateIndex, Verdict, containment, content_hash, sentences  # noqa: E402
from mirror import corpus  # noqa: E402
from warehouse import db, loader  # noqa: E402


def texts(n: int, per_portal_size: int):
    """n article texts (lead + body) from the mirror's corpus, round-robin over portals."""
    out = []
    for i in itertools.count():
        for p in corpus.PORTAL_ORDER:
            a = corpus.article(p, i, per_portal_size)
            if a.seed_lines is None and a.expected == "article" and a.lead:  # no stub, no empty page
                out.append((f"{p}:{i}", a.published, f"{a.lead}\n" + "\n".join(a.paragraphs)))
            if len(out) == n:
                return out


def _article(aid: str, published, text: str) -> Article:
    lead, body = text.split("\n", 1)
    return Article(title=aid, published_at=published.isoformat(), author=None, lead=lead, body=body, captions=[],
                   views=None, portal="bench", province=None, province_current=None,
                   url=f"https://bench.example/{aid}", extraction="selectors")


def store(con, items) -> None:
    """Put articles into the warehouse with their signatures, band keys and passages, as a load
    stores them (the set-up: not timed, not judged against each other)."""
    index, now = NearDuplicateIndex(), datetime.now(timezone.utc)
    for start in range(0, len(items), 5000):
        rows = {t: [] for t in ("articles", "article_signatures", "article_bands", "passage_fingerprints")}
        chunk = items[start:start + 5000]
        signatures = []
        for aid, published, text in chunk:
            art, folded = _article(aid, published, text), sentences(text)
            mh, fps = index.signature(folded), index.fingerprints(folded)
            signatures.append(mh.hashvalues.astype("uint32"))
            rows["articles"].append(dict(article_id=aid, portal="bench", url=art.url, title=art.title,
                                         published_at=published, lead=art.lead, body=art.body,
                                         extraction="selectors", content_hash=content_hash(art.lead, art.body),
                                         first_seen_at=now, run_id="bench", batch_id="bench"))
            rows["article_signatures"].append(dict(article_id=aid, minhash=signatures[-1].tobytes(),
                                                   passages=len(fps)))
            rows["passage_fingerprints"].extend(dict(fingerprint=fp, article_id=aid) for fp in fps)
        for (aid, _, _), keys in zip(chunk, index.band_keys(np.stack(signatures)).tolist()):
            rows["article_bands"].extend(dict(band_key=k, article_id=aid) for k in keys)
        con.execute("BEGIN")
        loader.insert_rows(con, rows)
        con.execute("COMMIT")


def cleaned(new_items) -> list:
    """New articles as a load's chunk has them after cleaning: (key, Article, content hash)."""
    arts = [(aid, _article(aid, published, text)) for aid, published, text in new_items]
    return [(key, art, content_hash(art.lead, art.body)) for key, art in arts]


def per_article_cost(con, new_items) -> float:
    """Microseconds per new article: de-duplication of one chunk and its insert, rolled back."""
    chunk = cleaned(new_items)
    rows, result = {t: [] for t in loader.TABLES}, BatchResult("bench", "bench")
    con.execute("BEGIN")
    t0 = time.perf_counter()
    reroots = dedupe_chunk(con, chunk, rows, result, "bench", "bench", datetime.now(timezone.utc))
    loader.insert_rows(con, rows, reroots)
    seconds = time.perf_counter() - t0
    con.execute("ROLLBACK")
    return seconds / len(new_items) * 1e6


def cost_items(large: int, new: int) -> tuple[list, list]:
    """The articles of the cost figures: `large` to store, then `new` ones to load against them."""
    pool = texts(large + new, large // len(corpus.PORTAL_ORDER) + new)
    return pool[:large], pool[large:]


def growth_costs(warehouse, stored, new, repeat: int = 1) -> dict[int, float]:
    """Cost per new article (`per_article_cost`, the best of `repeat`) in a fresh warehouse at
    `warehouse` holding a tenth of `stored`, then all of it: {stored articles: us/article}."""
    costs, small = {}, len(stored) // 10
    with contextlib.closing(db.connect(warehouse)) as con:
        for part, size in ((stored[:small], small), (stored[small:], len(stored))):
            store(con, part)
            costs[size] = min(per_article_cost(con, new) for _ in range(repeat))
    return costs


def quality() -> dict:
    from flows.ingest import ingest
    from mirror.scoring import duplicate_pairs
    with tempfile.TemporaryDirectory() as tmp:
        ingest(mirror=True, db_path=f"{tmp}/w.duckdb")
        return duplicate_pairs(f"{tmp}/w.duckdb")


def containments(size: int = corpus.DEFAULT_ARTICLES_PER_PORTAL) -> dict[str, list[float]]:
    """Exact containment of word 5-grams of every copy and every same-event rewrite in the
    mirror against the article it copies or reports on, by kind; and of the seeds 000/002."""
    index = NearDuplicateIndex()
    arts = [corpus.article(p, i, size) for p in corpus.PORTAL_ORDER for i in range(size)]
    arts = [a for a in arts if a.expected == "article" and a.seed_lines is None]
    originals = {a.story: a for a in arts if a.variant is None}

    def shingle_set(a):
        return index.shingle_set(sentences(f"{a.lead or ''}\n" + "\n".join(a.paragraphs)))
    out: dict[str, list[float]] = {"copy": [], "same event": []}
    for a in arts:
        source = originals.get(a.event or a.story) if a.variant else None
        if source is not None and source is not a:
            out["same event" if a.event else "copy"].append(containment(shingle_set(a), shingle_set(source))[0])
    return out


def threshold_table(found: dict[str, list[float]]) -> list[str]:
    copies, rewrites = found["copy"], found["same event"]
    lines = [f"containment of the mirror's copies: {min(copies):.2f}-{max(copies):.2f} ({len(copies)}); "
             f"of its same-event rewrites: {min(rewrites):.2f}-{max(rewrites):.2f} ({len(rewrites)}); "
             f"real copies 0.79-0.89, real same-event reports under 0.3 (PORTALS.md section 6)",
             "| containment threshold | copies linked | same-event rewrites linked |", "|---:|---:|---:|"]
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        mark = " (the setting)" if t == DEFAULTS.near_duplicate_containment else ""
        lines.append(f"| {t:.1f}{mark} | {sum(c >= t for c in copies) / len(copies):.1%} "
                     f"| {sum(c >= t for c in rewrites)} of {len(rewrites)} |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=5_000)
    ap.add_argument("--new", type=int, default=500)
    args = ap.parse_args(argv)
    small = args.large // 10
    out = []

    q = quality()
    out.append(row("dedupe_precision", 100 * q["precision"], "%", None, ">= 98 %", q["precision"] >= 0.98))
    out.append(row("dedupe_recall", 100 * q["recall"], "%", None, ">= 95 %", q["recall"] >= 0.95))
    out.append(row("same_event_linked", q["same_event_linked"], "pairs", None, "0", q["same_event_linked"] == 0))

    stored, new = cost_items(args.large, args.new)
    with tempfile.TemporaryDirectory() as tmp:
        costs = growth_costs(f"{tmp}/w.duckdb", stored, new)
    out.append(row(f"dedupe_cost_at_{args.large // 1000}k", costs[args.large], "us/article", costs[small],
                   "<= 1.5x the 10k cost", costs[args.large] <= 1.5 * costs[small]))

    sample = texts(args.sample, args.sample // len(corpus.PORTAL_ORDER))
    index = NearDuplicateIndex()
    folded = [sentences(text) for _, _, text in sample]
    t0 = time.perf_counter()
    sets = [index.shingle_set(f) for f in folded]
    brute = set()
    for (i, a), (j, b) in itertools.combinations(enumerate(sets), 2):
        c, jaccard = containment(a, b)
        if min(len(a), len(b)) < DEFAULTS.containment_min_shingles:
            c = c if jaccard >= DEFAULTS.near_duplicate_jaccard else 0.0
        if c >= DEFAULTS.near_duplicate_containment:
            brute.add((i, j))
    t_brute = time.perf_counter() - t0

    t0 = time.perf_counter()
    found, position = set(), {}
    for k, ((aid, published, _), f) in enumerate(zip(sample, folded)):
        mh, fps, shingle_set = index.signature(f), index.fingerprints(f), index.shingle_set(f)
        for other, _ in index.matches(mh, index.shared_passages(fps), shingle_set):
            found.add((position[other], k))
        index.add(aid, mh, fps, published, Verdict(), shingle_set)
        position[aid] = k
    t_lsh = time.perf_counter() - t0
    n = len(sample)
    out.append(row("dedupe_rate_vs_bruteforce", n / t_lsh, "articles/s", n / t_brute, ">= 50x brute force",
                   t_brute >= 50 * t_lsh))
    same = len(found & brute)
    out.append(row("dedupe_pairs_found", same, "pairs", len(brute), "same pairs as brute",
                   found == brute))

    print(f"De-duplication; {machine()}")
    print(f"quality: ingest of the default mirror, {q['true_pairs']} true duplicate pairs, "
          f"{q['predicted_pairs']} predicted, {q['found']} right; same-event rewrites linked: "
          f"{q['same_event_linked']} of {q['same_event_pairs']}")
    print("  found by kind of copy: " + ", ".join(f"{v} {f}/{n}" for v, (n, f) in q["by_variant"].items()))
    print("\n".join(threshold_table(containments())))
    print(f"cost: {args.new} new articles, one chunk, against a warehouse of {small:,} and of {args.large:,} "
          f"(baseline: {small:,})")
    print(f"brute force: all {n * (n - 1) // 2:,} pairs of a {n:,}-article sample by exact containment; "
          f"the index found {len(found)} pairs ({len(found - brute)} not in brute force)")
    print(HEADER)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
