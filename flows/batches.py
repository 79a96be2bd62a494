"""Turn one staged batch into warehouse rows: clean every page, drop what the warehouse already
has, and load it all in one transaction. Plain functions: the flow wraps them in tasks, tests
and `provnews reprocess` call them directly."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple

import numpy as np

from flows.cleaning import Article, Unusable, ahead
from flows.dedupe import DEFAULTS, Features, NearDuplicateIndex, article_id
from flows.folding import article_sentences
from flows.staging import Batch
from spiders.portals import get as get_portal
from warehouse import db, index as lookups, loader, search
from warehouse.dedupe_store import DedupeStore, Entry

# Tried again by a later run. `target_moved`: a request sent where the portal is no longer served
# from (a resumed crawl's queue): our configuration, never the page's fault.
TRANSIENT = {"timeout", "connection_lost", "connection_refused", "dns_error", "http_408", "http_429",
             "target_moved"}


def is_transient(reason: str) -> bool:
    return reason in TRANSIENT or reason.startswith("http_5")


class CleanedArticle(NamedTuple):
    """A chunk's article after cleaning, as `dedupe_chunk` judges it."""
    key: str                # its URL key
    article: Article
    content_hash: str       # `flows.folding.folded`, with `sentences`: one folding of its text
    sentences: list[str]


@dataclass
class BatchResult:
    batch_id: str
    portal: str
    loaded: bool = False               # False: it had been loaded before
    pages: int = 0
    new: int = 0                       # rows added to `articles` (near-duplicates included)
    duplicates: int = 0                # exact copies of stored articles
    near_duplicates: int = 0           # new rows that point at an original
    already_known: int = 0             # URLs the warehouse had (an overlapping crawl)
    fallback: int = 0
    rejects: Counter = field(default_factory=Counter)
    coverage: dict = field(default_factory=dict)  # title/date/author shares, median body length
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(self.rejects.values())


# Pages cleaned, de-duplicated and inserted at a time: a load holds one chunk of articles and
# the stored articles that chunk can meet, whatever the size of the batch or of the warehouse.
CHUNK_PAGES = 1000


def catch_up(con, store: DedupeStore) -> int:
    """Inside a load's transaction, before it writes: bring this machine's index up to what the
    transaction sees (the articles other loads added or re-pointed since the index's mark, all
    of them for an index of another generation or scheme). Returns the warehouse's load count."""
    index = NearDuplicateIndex()
    loads, generation = lookups.state(con)
    if not store.follows(generation, index.scheme, loads):
        store.reset(generation, index.scheme)
    for rows in lookups.changed_since(con, store.mark):
        held = store.known([r[0] for r in rows])
        store.write(describe(index, [r for r in rows if r[0] not in held]),
                    roots={r[0]: r[3] or r[0] for r in rows if r[0] in held},
                    cap=index.settings.passage_max_articles)
    store.write([], mark=loads)
    return loads


def describe(index: NearDuplicateIndex, rows: list[tuple]) -> list[Entry]:
    """Stored articles as the de-duplication index keeps them, from (article_id, content_hash,
    published_at, duplicate_of, lead, body)."""
    features = index.features_of([article_sentences(lead, body) for *_, lead, body in rows])
    return [entry(aid, digest, published, duplicate_of or aid, f)
            for (aid, digest, published, duplicate_of, _, _), f in zip(rows, features)]


def entry(aid: str, digest: str, published, root: str, text: Features) -> Entry:
    return Entry(aid, digest, published, root, text.signature, text.bands, text.fingerprints, text.shingles)


def _empty_rows() -> dict[str, list[dict]]:
    return {t: [] for t in loader.TABLES}


def insert_batch(con, store: DedupeStore, batch: Batch, run_id: str, load_no: int,
                 seen_at: datetime | None = None) -> BatchResult:
    """Clean, de-duplicate and insert one batch, a chunk of pages at a time, inside the caller's
    transaction, as load `load_no` (each chunk is judged against the warehouse, through this
    machine's index `store`, and the chunks before it). Returns the batch's figures. `seen_at`:
    when the pages were first seen (now, unless reprocessing)."""
    manifest = batch.manifest
    portal = get_portal(manifest["portal"], manifest.get("definition_version", 1))  # as crawled
    result = BatchResult(batch.batch_id, portal.key)
    now = seen_at or datetime.now(timezone.utc)
    rows = _empty_rows()

    def reject(url, key, stage, reason, status=None, detail=""):
        result.rejects[reason] += 1
        rows["rejects"].append(dict(run_id=run_id, batch_id=batch.batch_id, portal=portal.key, url=url,
                                    url_key=key, stage=stage, reason=reason, http_status=status,
                                    detail=detail, transient=is_transient(reason), seen_at=now))

    if manifest.get("timed_out"):
        reject(f"https://{portal.home}/", None, "crawl", "crawl_timeout", None,
               f"the crawl stopped at PROVNEWS_CRAWL_TIMEOUT after {manifest['requests']} requests; "
               "the next crawl walks on past what it knows to fetch the rest")
    known = lookups.lookup(con, "article_urls", "url_key", batch.url_keys())
    fields = []  # (title?, date?, author?, body length) of each new article, for `coverage`
    # The raw pages are streamed, one at a time, never held together: a backfill's batch can be
    # 10^5 pages, and a chunk of them is tens of megabytes that the cleaned articles do not need.
    records = batch.records()
    cleaned_ahead = ahead.Lines(batch.path, portal)  # what the crawl cleaned already
    reroots = []
    while True:
        cleaned, read = [], 0
        for rec in itertools.islice(records, CHUNK_PAGES):
            read += 1
            if rec["kind"] == "reject":
                reject(rec["url"], rec.get("url_key"), rec["stage"], rec["reason"], rec.get("http_status"),
                       rec.get("detail", ""))
                continue
            result.pages += 1
            line = cleaned_ahead.take(rec["url_key"])  # every page's, known or not: the lines stay in step
            if rec["url_key"] in known:
                result.already_known += 1
                continue
            try:
                art, digest, text = ahead.cleaned(line) if line else ahead.clean_staged(rec, portal)
            except Unusable as e:
                reject(rec["url"], rec["url_key"], "clean", e.reason, rec["status"], e.detail)
                continue
            cleaned.append(CleanedArticle(rec["url_key"], art, digest, text))
        if not read:
            break
        reroots += dedupe_chunk(store, cleaned, rows, result, run_id, batch.batch_id, now)
        fields.extend((bool(a["title"]), a["published_at"] is not None, bool(a["author"]), len(a["body"]))
                      for a in rows["articles"])
        loader.insert_rows(con, rows, load_no)
        rows = _empty_rows()
    loader.reroot(con, reroots, load_no)  # once: the chunks judge through the index, not these rows
    result.coverage = coverage(fields)
    return result


def dedupe_chunk(store: DedupeStore, cleaned: list[CleanedArticle], rows: dict[str, list[dict]], result: BatchResult,
                 run_id: str, batch_id: str, now: datetime, imported_from: dict[str, str] | None = None
                 ) -> list[tuple[str, str, float]]:
    """Judge a chunk's cleaned articles against the warehouse through this machine's index `store` (and
    against each other), fill `rows`, and hand the new articles to `store` (pending until the
    load commits). `imported_from`: url_key -> the archive an imported article came from.
    Returns the near-duplicate groups the chunk re-roots."""
    imported_from = imported_from or {}
    originals = store.originals(c.content_hash for c in cleaned)
    # Earliest first, so that within a chunk the original of a group is the first one seen.
    cleaned.sort(key=lambda c: c.article.published_at or "9999")
    index = NearDuplicateIndex()
    fresh = [(key, text) for key, _, digest, text in cleaned if digest not in originals]
    features = dict(zip((key for key, _ in fresh), index.features_of([text for _, text in fresh])))
    if features:
        # The stored articles this chunk can meet, then the 5-gram sets of the few it compares.
        index.insert_stored(*store.candidates(np.stack([f.bands for f in features.values()]),
                                              set().union(*(f.fingerprints for f in features.values())),
                                              index.settings.passage_max_articles))
        index.set_texts(store.shingle_sets(set().union(*map(index.to_compare, features.values()))))
    reroots: list[tuple[str, str, float]] = []
    by_id: dict[str, dict] = {}
    for key, art, digest, _ in cleaned:
        url = art.url
        if digest in originals:
            result.duplicates += 1
            aid = originals[digest]
        else:
            aid = article_id(key)
            originals[digest] = aid
            result.new += 1
            result.fallback += art.extraction == "fallback"
            published = datetime.fromisoformat(art.published_at) if art.published_at else None
            text = features[key]
            verdict = index.judge(text, published)
            if verdict.reroot:
                reroots.append((verdict.reroot, aid, verdict.similarity))
                store.reroot(verdict.reroot, aid)
                for row in by_id.values():  # rows of this chunk not yet in the warehouse
                    if verdict.reroot in (row["article_id"], row["duplicate_of"]):
                        row["duplicate_of"], row["similarity"] = aid, row["similarity"] or verdict.similarity
            result.near_duplicates += verdict.duplicate_of is not None
            index.add(aid, text, published, verdict)
            store.add(entry(aid, digest, published, verdict.duplicate_of or aid, text))
            row = dict(
                article_id=aid, portal=art.portal, province=art.province, province_current=art.province_current,
                url=url, title=art.title, published_at=published,
                author=art.author, lead=art.lead, body=art.body, captions=art.captions, views=art.views,
                extraction=art.extraction, content_hash=digest, duplicate_of=verdict.duplicate_of,
                # A new original (reroot) has no similarity: the old original takes it.
                similarity=None if verdict.reroot else verdict.similarity, first_seen_at=now, run_id=run_id,
                batch_id=batch_id, imported_from=imported_from.get(key))
            by_id[aid] = row
            rows["articles"].append(row)
            rows["article_removals"].extend(
                dict(article_id=aid, position=i, rule=r["rule"], removed_text=r["text"])
                for i, r in enumerate(art.removals))
            # A pair is stored once, in id order, whichever of the two was loaded first.
            rows["article_overlaps"].extend(dict(article_id=min(aid, other), other_article_id=max(aid, other),
                                                 shared_passages=n, overlap=share)
                                            for other, n, share in verdict.overlaps)
        rows["article_urls"].append(dict(url_key=key, url=url, article_id=aid, portal=art.portal,
                                         first_seen_at=now, run_id=run_id))
    return reroots


def coverage(fields: list[tuple[bool, bool, bool, int]]) -> dict:
    """Field coverage of new articles, from (title?, date?, author?, body length) of each: what
    drift is judged on (flows.drift)."""
    if not fields:
        return {}
    n = len(fields)
    bodies = sorted(f[3] for f in fields)
    return {"title_coverage": sum(f[0] for f in fields) / n,
            "date_coverage": sum(f[1] for f in fields) / n,
            "author_coverage": sum(f[2] for f in fields) / n,
            "median_body_chars": bodies[n // 2]}


def committed_load(con, store: DedupeStore, work, before=None):
    """`work(load_no)` as one load of the warehouse: in one transaction, run again from the start
    if another load commits first (`warehouse.db.committed`), so that it is judged against that
    one's articles too; inside it, this machine's index first catches up with what the
    transaction sees, and the load takes its turn (its number stamps the articles it writes);
    its last write is the search index's term counts (`search.settle`). This machine's index
    takes the load's own articles once the transaction has committed. `before()` runs first in
    the transaction (what reprocess deletes, which the index must not hold)."""
    numbers = []

    def attempt():
        store.discard()
        if before:
            before()
        numbers.append(catch_up(con, store) + 1)
        db.take_turn(con)
        result = work(numbers[-1])
        search.settle(con)  # the index's term counts, once a load
        return result

    try:
        result = db.committed(con, attempt)
    except BaseException:
        store.discard()
        raise
    store.commit(numbers[-1], cap=DEFAULTS.passage_max_articles)
    return result


def load(con, store: DedupeStore, batch: Batch, run_id: str, crawl_run: dict) -> BatchResult:
    """Clean, dedupe and append one batch as one load (`committed_load`); mark it loaded on disk
    after the commit. A batch loaded before adds nothing."""
    return load_together(con, store, [(batch, crawl_run)], run_id)[0]


def load_together(con, store: DedupeStore, pending: list[tuple[Batch, dict]], run_id: str) -> list[BatchResult]:
    """`load` of several batches, each with its `crawl_runs` row, in this order and in one load:
    for a run's batches with nothing new, whose commits would cost more than their work."""
    started = time.monotonic()

    def work(load_no: int) -> list[BatchResult]:
        # Loaded by an earlier run, or by another worker just now: nothing to add.
        done = loader.loaded_among(con, [batch.batch_id for batch, _ in pending])
        loader.forget_runs(con, [(c["run_id"], c["portal"]) for batch, c in pending
                                 if batch.batch_id not in done])
        return [BatchResult(batch.batch_id, batch.manifest["portal"]) if batch.batch_id in done
                else _load_one(con, store, batch, run_id, crawl_run, load_no, started) for batch, crawl_run in pending]

    results = committed_load(con, store, work)
    for batch, _ in pending:
        batch.mark_loaded()
        ahead.remove(batch.path)
    return results


def _load_one(con, store: DedupeStore, batch: Batch, run_id: str, crawl_run: dict, load_no: int,
              started: float) -> BatchResult:
    manifest = batch.manifest
    result = insert_batch(con, store, batch, run_id, load_no)
    result.seconds = (crawl_run.get("duration_s") or 0) + time.monotonic() - started
    row = {"status": "loaded", **crawl_run, "requests": manifest["requests"],
           "listing_pages": manifest["listing_pages"], "listing_entries": manifest.get("listing_entries"),
           "pages_fetched": result.pages, "articles_new": result.new, "duplicates": result.duplicates,
           "near_duplicates": result.near_duplicates, "rejected": result.rejected,
           "fallback_extractions": result.fallback, **result.coverage,
           "duration_s": round(result.seconds, 1)}  # crawl (if given) and load
    loader.finish_batch(con, batch_id=batch.batch_id, run_id=row["run_id"], portal=result.portal,
                        pages=result.pages, crawl_run=row)
    result.loaded = True
    return result
