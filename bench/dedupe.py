"""De-duplication: quality against the mirror's ground truth, cost as the warehouse grows, and
LSH against brute-force pairwise comparison.

1. precision / recall: the ingest flow on the default mirror (5 x 200 articles), scored pairwise
   (`mirror.scoring.duplicate_pairs`).
2. cost per new article (signature, passages, LSH query, insert) with 10k and with 100k articles
   already indexed; the 10k figure is the baseline. Index load time is printed apart: it is
   paid once per load, not per article.
3. a 5k-article sample (copies included): every pair compared by exact Jaccard of word
   5-grams (the baseline) against the LSH path; both the rate and the pairs found.

    python bench/dedupe.py [--large 100000] [--sample 5000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench.common import HEADER, machine, row  # noqa: E402
from flows.dedupe import DEFAULTS, NearDuplicateIndex, Verdict, sentences, shingles  # noqa: E402
from mirror import corpus  # noqa: E402


def texts(n: int, per_portal_size: int):
    """n article texts (lead + body) from the mirror's corpus, round-robin over portals."""
    out = []
    for i in itertools.count():
        for p in corpus.PORTAL_ORDER:
            a = corpus.article(p, i, per_portal_size)
            if a.seed_lines is None:
                out.append((f"{p}:{i}", a.published, f"{a.lead}\n" + "\n".join(a.paragraphs)))
            if len(out) == n:
                return out


def signature_rows(index: NearDuplicateIndex, items):
    rows, fps = [], []
    for aid, published, text in items:
        folded = sentences(text)
        mh, f = index.signature(folded), index.fingerprints(folded)
        rows.append((aid, mh.hashvalues.astype("uint32").tobytes(), published, None, len(f)))
        fps.extend((fp, aid) for fp in f)
    return rows, fps


def per_article_cost(index: NearDuplicateIndex, new_items) -> float:
    t0 = time.perf_counter()
    for aid, published, text in new_items:
        folded = sentences(text)
        mh, f = index.signature(folded), index.fingerprints(folded)
        index.add(aid, mh, f, published, index.judge(mh, f, published))
    return (time.perf_counter() - t0) / len(new_items) * 1e6


def quality() -> dict:
    from flows.ingest import ingest
    from mirror.scoring import duplicate_pairs
    with tempfile.TemporaryDirectory() as tmp:
        ingest(mirror=True, db_path=f"{tmp}/w.duckdb")
        return duplicate_pairs(f"{tmp}/w.duckdb")


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

    size = args.large // len(corpus.PORTAL_ORDER) + args.new
    pool = texts(args.large + args.new, size)
    stored, new = pool[: args.large], pool[args.large:]
    scratch = NearDuplicateIndex()
    rows, fps = signature_rows(scratch, stored)
    costs, loads = {}, {}
    for n in (small, args.large):
        t0 = time.perf_counter()
        ids = {r[0] for r in rows[:n]}
        index = NearDuplicateIndex.from_rows(rows[:n], [f for f in fps if f[1] in ids])
        loads[n] = time.perf_counter() - t0
        costs[n] = per_article_cost(index, new)
    out.append(row(f"dedupe_cost_at_{args.large // 1000}k", costs[args.large], "us/article", costs[small],
                   "<= 1.5x the 10k cost", costs[args.large] <= 1.5 * costs[small]))
    out.append(row(f"index_load_at_{args.large // 1000}k", loads[args.large], "s/load", loads[small],
                   "- (once per load)", True))

    sample = texts(args.sample, args.sample // len(corpus.PORTAL_ORDER))
    t0 = time.perf_counter()
    sets = [shingles(sentences(text), DEFAULTS.shingle_words) for _, _, text in sample]
    brute = set()
    for (i, a), (j, b) in itertools.combinations(enumerate(sets), 2):
        inter = len(a & b)
        if inter and inter / (len(a) + len(b) - inter) >= DEFAULTS.near_duplicate_jaccard:
            brute.add((i, j))
    t_brute = time.perf_counter() - t0

    t0 = time.perf_counter()
    index, found = NearDuplicateIndex(), set()
    position = {}
    for k, (aid, published, text) in enumerate(sample):
        mh = index.signature(sentences(text))
        for other in index.candidates(mh):
            j = (index.entries[other].signature == mh.hashvalues).mean()
            if j >= DEFAULTS.near_duplicate_jaccard:
                found.add((position[other], k))
        index.add(aid, mh, set(), published, Verdict())
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
          f"{q['predicted_pairs']} predicted, {q['found']} right")
    print(f"cost: {args.new} new articles against {small:,} and {args.large:,} indexed (baseline: {small:,})")
    print(f"brute force: all {n * (n - 1) // 2:,} pairs of a {n:,}-article sample by exact Jaccard; "
          f"LSH found {len(found)} pairs ({len(found - brute)} not in brute force)")
    print(HEADER)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
