"""De-duplication: quality against the mirror's ground truth, cost as the warehouse grows, and
LSH against brute-force pairwise comparison.

1. precision / recall: the ingest flow on the default mirror (18 portals x 200 articles: whole,
   partial, edited and credited copies, and same-event rewrites that must stay apart), scored
   pairwise (`mirror.scoring.duplicate_pairs`); and the containment threshold against the
   containments the mirror's copies and rewrites really have.
2. cost per new article with 10k, 100k and 1M articles stored in a lake, compacted after they
   are stored as a run compacts after its loads; the 10k figure is the baseline. The new
   articles go through the load's own de-duplication of a chunk (`flows.batches.dedupe_chunk`:
   exact key, signature, passages, the candidate queries against the warehouse, judging) and
   its insert, in a transaction that is then rolled back.
3. a 5k-article sample (copies included): every pair compared by exact containment of word
   5-grams (the baseline) against the index's path (LSH and shared passages, then exact
   containment of the candidates); both the rate and the pairs found.

    python bench/dedupe.py [--large 100000] [--sample 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from bench.common import HEADER, machine, row, sized  # noqa: E402
from flows.batches import BatchResult, CleanedArticle, catch_up, dedupe_chunk, describe  # noqa: E402
from flows.cleaning import Article  # noqa: E402
from flows.dedupe import DEFAULTS, NearDuplicateIndex, Verdict, containment  # noqa: E402
from flows.folding import content_hash, folded, sentences  # noqa: E402
from mirror import corpus  # noqa: E402
from warehouse import db, index as lookups, loader, maintenance, search  # noqa: E402
from warehouse.dedupe_store import DedupeStore  # noqa: E402
from warehouse.location import locate  # noqa: E402


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


def store(con, index_store: DedupeStore, items: Iterable) -> None:
    """Put articles into the warehouse and into this machine's index of it, as runs leave them:
    loaded, then the lake compacted (the set-up: not timed, not judged against each other).
    Their index entries are described by a pool of processes, one per core."""
    index, now = NearDuplicateIndex(), datetime.now(timezone.utc)
    loads, generation = lookups.state(con)
    if not index_store.follows(generation, index.scheme, loads):
        index_store.reset(generation, index.scheme)
    items = iter(items)
    with multiprocessing.Pool() as pool:
        while chunk := list(itertools.islice(items, 5000)):
            rows = {"articles": []}
            for aid, published, text in chunk:
                art = _article(aid, published, text)
                rows["articles"].append(dict(article_id=aid, portal="bench", url=art.url, title=art.title,
                                             published_at=published, lead=art.lead, body=art.body,
                                             extraction="selectors", content_hash=content_hash(art.lead, art.body),
                                             first_seen_at=now, run_id="bench", batch_id="bench"))
            con.execute("BEGIN")
            loader.insert_rows(con, rows, 0)
            search.settle(con)
            con.execute("COMMIT")
            parts = [chunk[k:k + 250] for k in range(0, len(chunk), 250)]
            index_store.write([e for part in pool.map(_entries, parts) for e in part],
                              cap=DEFAULTS.passage_max_articles)
    index_store.write([], mark=loads)  # as if a load had brought them: nothing to catch up
    maintenance.compact(con)  # as a run does after its loads


def _entries(items):
    rows = []
    for aid, published, text in items:
        art = _article(aid, published, text)
        rows.append((aid, content_hash(art.lead, art.body), published, None, art.lead, art.body))
    return describe(NearDuplicateIndex(), rows)


def cleaned(new_items) -> list:
    """New articles as a load's chunk has them after cleaning, folded as the crawl folds them
    (`flows.folding.folded`)."""
    out = []
    for aid, published, text in new_items:
        art = _article(aid, published, text)
        sentences_of, digest = folded(art.lead, art.body)
        out.append(CleanedArticle(aid, art, digest, sentences_of))
    return out


def per_article_cost(con, index_store: DedupeStore, new_items) -> float:
    """Microseconds per new article: one load of them as a chunk, rolled back — the index
    catching up (nothing to read), de-duplication against the warehouse through the index, the
    insert into the warehouse, and the index's write of the new entries."""
    chunk = cleaned(new_items)
    rows, result = {t: [] for t in loader.TABLES}, BatchResult("bench", "bench")
    con.execute("BEGIN")
    t0 = time.perf_counter()
    load_no = catch_up(con, index_store) + 1
    reroots = dedupe_chunk(index_store, chunk, rows, result, "bench", "bench", datetime.now(timezone.utc))
    loader.insert_rows(con, rows, load_no)
    search.settle(con)
    loader.reroot(con, reroots, load_no)
    index_store.commit(index_store.mark, cap=DEFAULTS.passage_max_articles)  # its mark as it was
    seconds = time.perf_counter() - t0
    con.execute("ROLLBACK")
    return seconds / len(new_items) * 1e6


def cost_items(large: int, new: int, sets: int = 1) -> tuple[list, list[list]]:
    """The articles of the cost figures: `large` to store, then `sets` sets of `new` ones to load
    against them (a load leaves its entries in the index: each measurement loads a set of its own)."""
    pool = texts(large + new * sets, large // len(corpus.PORTAL_ORDER) + new * sets)
    return pool[:large], [pool[large + k * new:large + (k + 1) * new] for k in range(sets)]


def growth_costs(warehouse, increments, new_sets, repeat: int) -> dict[int, float]:
    """Cost per new article (`per_article_cost`, the best of `repeat` loads, each of the next set
    of `new_sets`) in a fresh warehouse at `warehouse`, after each of `increments`: (articles
    stored after it, the articles it stores). Returns {stored articles: us/article}."""
    costs, sets = {}, iter(new_sets)
    loc = locate(warehouse)
    with contextlib.closing(db.connect(loc)) as con, DedupeStore.opened(loc.staging) as index_store:
        per_article_cost(con, index_store, next(sets))  # warm-up: what a long-running loader has loaded
        for size, items in increments:
            store(con, index_store, items)
            costs[size] = min(per_article_cost(con, index_store, next(sets)) for _ in range(repeat))
    return costs


def unrelated(n: int, vocabulary: list[str], seed: int = 1) -> Iterator[tuple]:
    """n articles of words drawn at random from the corpus's vocabulary, lead and sentences of
    it: stored articles unrelated to each other and to the new ones, as most of a large warehouse
    is to any new article (the corpus itself repeats its small sentence pool, and takes about a
    millisecond an article to generate)."""
    rng = np.random.default_rng(seed)
    words = np.array(vocabulary, dtype=object)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        sentences_ = [" ".join(words[rng.integers(0, len(words), rng.integers(10, 30))]).capitalize() + "."
                      for _ in range(rng.integers(6, 20))]
        yield (f"filler:{i}", start + timedelta(minutes=i), "\n".join(sentences_))


def vocabulary(items) -> list[str]:
    return sorted({w for _, _, text in items for w in text.split() if w.isalpha()})


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
    ap.add_argument("--largest", type=int, default=1_000_000,
                    help="past --large, stored articles of random words (see `unrelated`)")
    ap.add_argument("--new", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    small = args.large // 10
    out = []

    q = quality()
    out.append(row("dedupe_precision", 100 * q["precision"], "%", None, ">= 98 %", q["precision"] >= 0.98))
    out.append(row("dedupe_recall", 100 * q["recall"], "%", None, ">= 95 %", q["recall"] >= 0.95))
    out.append(row("same_event_linked", q["same_event_linked"], "pairs", None, "0", q["same_event_linked"] == 0))

    stored, new = cost_items(args.large, args.new, 1 + 3 * args.repeat)
    increments = [(small, stored[:small]), (args.large, stored[small:])]
    if args.largest > args.large:
        increments.append((args.largest, unrelated(args.largest - args.large, vocabulary(stored))))
    with tempfile.TemporaryDirectory() as tmp:
        costs = growth_costs(f"{tmp}/w", increments, new, args.repeat)
    del stored
    targets = {args.large: 1.3} | ({args.largest: 1.5} if args.largest > args.large else {})
    for size, target in targets.items():
        if size in costs:
            out.append(row(f"dedupe_cost_at_{sized(size)}", costs[size], "us/article", costs[small],
                           f"<= {target}x the {sized(small)} cost", costs[size] <= target * costs[small]))

    sample = texts(args.sample, args.sample // len(corpus.PORTAL_ORDER))
    index = NearDuplicateIndex()
    sample_texts = [sentences(text) for _, _, text in sample]
    t0 = time.perf_counter()
    sets = [index.shingle_set(f) for f in sample_texts]
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
    for k, ((aid, published, _), f) in enumerate(zip(sample, sample_texts)):
        features = index.features(f)
        for other, _ in index.matches(features, index.shared_passages(features.fingerprints)):
            found.add((position[other], k))
        index.add(aid, features, published, Verdict())
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
    largest = (f" and {args.largest:,} articles (the {args.largest - args.large:,} more of random words from the "
               "corpus's vocabulary)") if args.largest > args.large else ""
    print(f"cost: {args.new} new articles, one chunk, in a warehouse (DuckLake) of {small:,} and {args.large:,} "
          f"(articles of the corpus){largest}, best of {args.repeat} sets; baseline: {small:,}")
    print(f"brute force: all {n * (n - 1) // 2:,} pairs of a {n:,}-article sample by exact containment; "
          f"the index found {len(found)} pairs ({len(found - brute)} not in brute force)")
    print(HEADER)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
