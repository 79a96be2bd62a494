"""Turn one staged batch into warehouse rows: clean every page, drop what the warehouse already
has, and load it all in one transaction. Plain functions: the flow wraps them in tasks, tests
and `provnews reprocess` call them directly."""

from __future__ import annotations

import base64
import functools
import time
from collections import Counter
from typing import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from flows.cleaning import Unusable, clean_page
from flows.dedupe import DEFAULTS, DedupeSettings, NearDuplicateIndex, article_id, content_hash, sentences
from flows.staging import Batch
from spiders.portals import get as get_portal
from warehouse import loader

TRANSIENT = {"timeout", "connection_lost", "connection_refused", "dns_error", "http_408", "http_429"}


def is_transient(reason: str) -> bool:
    return reason in TRANSIENT or reason.startswith("http_5")


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


def _in_warehouse(con, column: str, table: str, values: list[str]) -> dict[str, str]:
    """{value: article_id} for the values the warehouse has. The values go in as an Arrow table:
    DuckDB converts a Python list parameter element by element, over ten times slower."""
    if not values:
        return {}
    wanted = pa.table({"value": pa.array(values, pa.string())})
    con.register("wanted_values", wanted)
    try:
        rows = con.execute(f"SELECT {column}, article_id FROM {table} "
                           f"WHERE {column} IN (SELECT value FROM wanted_values)").fetchall()
    finally:
        con.unregister("wanted_values")
    return dict(rows)


def load_index(con, settings: DedupeSettings = DEFAULTS) -> NearDuplicateIndex:
    """The near-duplicate index over everything stored: read once per load, then kept current."""
    signatures = con.execute(
        "SELECT s.article_id, s.minhash, a.published_at, a.duplicate_of, s.passages "
        "FROM article_signatures s JOIN articles a USING (article_id)").fetchall()
    fingerprints = con.execute("SELECT fingerprint, article_id FROM passage_fingerprints").fetchall()
    return NearDuplicateIndex.from_rows(signatures, fingerprints, settings)


def index_loader(con) -> Callable[[], NearDuplicateIndex]:
    """Reads the index from the warehouse on first call, then returns the same one."""
    return functools.cache(lambda: load_index(con))


def prepare(con, batch: Batch, run_id: str, get_index: Callable[[], NearDuplicateIndex],
            seen_at: datetime | None = None) -> tuple[dict[str, list[dict]], BatchResult, list]:
    """The batch's rows for every table, its figures, and the near-duplicate groups it re-roots.
    `seen_at`: when the pages were first seen (now, unless the batch is being reprocessed)."""
    manifest = batch.manifest
    portal = get_portal(manifest["portal"])
    result = BatchResult(batch.batch_id, portal.key)
    now = seen_at or datetime.now(timezone.utc)
    rows: dict[str, list[dict]] = {t: [] for t in ("articles", "article_urls", "rejects", "article_removals",
                                                   "article_signatures", "passage_fingerprints",
                                                   "article_overlaps")}
    reroots: list[tuple[str, str, float]] = []

    def reject(url, key, stage, reason, status=None, detail=""):
        result.rejects[reason] += 1
        rows["rejects"].append(dict(run_id=run_id, batch_id=batch.batch_id, portal=portal.key, url=url,
                                    url_key=key, stage=stage, reason=reason, http_status=status,
                                    detail=detail, transient=is_transient(reason), seen_at=now))

    if manifest.get("timed_out"):
        reject(f"https://{portal.home}/", None, "crawl", "crawl_timeout", None,
               f"the crawl stopped at PROVNEWS_CRAWL_TIMEOUT after {manifest['requests']} requests; "
               "the next crawl walks on past what it knows to fetch the rest")
    # The raw pages are streamed, never held all at once: a backfill's batch can be 10^5 pages.
    known = _in_warehouse(con, "url_key", "article_urls", batch.url_keys())
    cleaned = []
    for rec in batch.records():
        if rec["kind"] == "reject":
            reject(rec["url"], rec.get("url_key"), rec["stage"], rec["reason"], rec.get("http_status"),
                   rec.get("detail", ""))
            continue
        result.pages += 1
        if rec["url_key"] in known:
            result.already_known += 1
            continue
        try:
            art = clean_page(base64.b64decode(rec["body_b64"]), portal=portal, url=rec["url"],
                             content_type=rec["headers"].get("Content-Type"), listed_date=rec.get("listed_date"))
        except Unusable as e:
            reject(rec["url"], rec["url_key"], "clean", e.reason, rec["status"], e.detail)
            continue
        cleaned.append(({"url_key": rec["url_key"], "url": rec["url"]}, art, content_hash(art.lead, art.body)))

    originals = _in_warehouse(con, "content_hash", "articles", [h for _, _, h in cleaned])
    # Earliest first, so that within a batch the original of a group is the first one seen.
    cleaned.sort(key=lambda c: c[1].published_at or "9999")
    index = get_index() if cleaned else None  # a run with nothing new never reads the index
    by_id: dict[str, dict] = {}
    for rec, art, digest in cleaned:
        key = rec["url_key"]
        if digest in originals:
            result.duplicates += 1
            aid = originals[digest]
        else:
            aid = article_id(key)
            originals[digest] = aid
            result.new += 1
            result.fallback += art.extraction == "fallback"
            published = datetime.fromisoformat(art.published_at) if art.published_at else None
            folded = sentences(f"{art.lead or ''}\n{art.body}")
            mh = index.signature(folded)
            fingerprints = index.fingerprints(folded)
            verdict = index.judge(mh, fingerprints, published)
            if verdict.reroot:
                reroots.append((verdict.reroot, aid, verdict.similarity))
                for row in by_id.values():  # rows of this batch not yet in the warehouse
                    if verdict.reroot in (row["article_id"], row["duplicate_of"]):
                        row["duplicate_of"], row["similarity"] = aid, row["similarity"] or verdict.similarity
            result.near_duplicates += verdict.duplicate_of is not None
            index.add(aid, mh, fingerprints, published, verdict)
            row = dict(
                article_id=aid, portal=portal.key, province=art.province, province_current=art.province_current,
                url=art.url, title=art.title, published_at=published,
                author=art.author, lead=art.lead, body=art.body, captions=art.captions, views=art.views,
                extraction=art.extraction, content_hash=digest, duplicate_of=verdict.duplicate_of,
                similarity=verdict.similarity, first_seen_at=now, run_id=run_id, batch_id=batch.batch_id)
            by_id[aid] = row
            rows["articles"].append(row)
            rows["article_removals"].extend(
                dict(article_id=aid, position=i, rule=r["rule"], removed_text=r["text"])
                for i, r in enumerate(art.removals))
            rows["article_signatures"].append(dict(article_id=aid, minhash=mh.hashvalues.astype("uint32").tobytes(),
                                                   passages=len(fingerprints)))
            rows["passage_fingerprints"].extend(dict(fingerprint=fp, article_id=aid) for fp in fingerprints)
            # A pair is stored once, in id order, whichever of the two was loaded first.
            rows["article_overlaps"].extend(dict(article_id=min(aid, other), other_article_id=max(aid, other),
                                                 shared_passages=n, overlap=share)
                                            for other, n, share in verdict.overlaps)
        rows["article_urls"].append(dict(url_key=key, url=rec["url"], article_id=aid, portal=portal.key,
                                         first_seen_at=now, run_id=run_id))
    result.coverage = coverage(rows["articles"])
    return rows, result, reroots


def coverage(articles: list[dict]) -> dict:
    """Field coverage of new articles: what drift is judged on (flows.drift)."""
    if not articles:
        return {}
    n = len(articles)
    bodies = sorted(len(a["body"]) for a in articles)
    return {"title_coverage": sum(bool(a["title"]) for a in articles) / n,
            "date_coverage": sum(a["published_at"] is not None for a in articles) / n,
            "author_coverage": sum(bool(a["author"]) for a in articles) / n,
            "median_body_chars": bodies[n // 2]}


def load(con, batch: Batch, run_id: str, crawl_run: dict,
         get_index: Callable[[], NearDuplicateIndex] | None = None) -> BatchResult:
    """Clean, dedupe and append one batch; mark it loaded on disk after the commit. Loading
    several batches, pass one `get_index` (see `index_loader`) so the index is read once."""
    if loader.is_loaded(con, batch.batch_id):  # committed before, marker not yet written
        batch.mark_loaded()
        return BatchResult(batch.batch_id, batch.manifest["portal"])
    started = time.monotonic()
    rows, result, reroots = prepare(con, batch, run_id, get_index or index_loader(con))
    manifest = batch.manifest
    crawl_run = {"status": "loaded", **crawl_run, "requests": manifest["requests"],
                 "listing_pages": manifest["listing_pages"], "listing_entries": manifest.get("listing_entries"),
                 "pages_fetched": result.pages, "articles_new": result.new, "duplicates": result.duplicates,
                 "near_duplicates": result.near_duplicates,
                 "rejected": result.rejected, "fallback_extractions": result.fallback, **result.coverage}
    result.seconds = (crawl_run.get("duration_s") or 0) + time.monotonic() - started
    crawl_run["duration_s"] = round(result.seconds, 1)  # crawl (if given) and load
    result.loaded = loader.append_batch(con, batch_id=batch.batch_id, run_id=crawl_run["run_id"],
                                        portal=result.portal, pages=result.pages, rows=rows,
                                        crawl_run=crawl_run, reroots=reroots)
    batch.mark_loaded()
    return result


def known_url_keys(con) -> list[str]:
    """What a scheduled crawl need not fetch again: every stored URL, and pages rejected for a
    reason that will not change (a transient failure is tried again)."""
    rows = con.execute("SELECT url_key FROM article_urls UNION "
                       "SELECT url_key FROM rejects WHERE url_key IS NOT NULL AND NOT transient").fetchall()
    return [k for (k,) in rows]


def cut_short(con) -> set[str]:
    """Portals whose latest loaded crawl stopped at its time bound. Their next crawl walks on
    past listing pages it already knows: the articles listed after the stopping point are older
    than those, and an incremental walk would never reach them."""
    rows = con.execute("""
        SELECT c.portal FROM crawl_runs c
        WHERE c.status = 'loaded'
          AND c.run_id = (SELECT max(run_id) FROM crawl_runs WHERE portal = c.portal AND status = 'loaded')
          AND EXISTS (SELECT 1 FROM rejects r WHERE r.portal = c.portal AND r.reason = 'crawl_timeout'
                      AND r.run_id >= c.run_id)""").fetchall()
    return {portal for (portal,) in rows}
