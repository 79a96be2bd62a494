"""`provnews import FILE`: articles from another crawler's archive, JSON lines or CSV, through
the same cleaning, identity, de-duplication and load as crawled pages.

One article per record: `url` (required); `title`, `published_at`, `author`, `lead`; the text as
`body` (paragraphs apart by a blank line, or one a line) or the page as `html`; `source`, the archive it came
from (else `--source`, else the file's name). The record's own title, date and author win over
what the text or page suggests, as a page's own elements win over its text.

The file is read as a stream and loaded a chunk of records at a time, each chunk in its own
transaction against the whole warehouse: memory stays flat in the file's size, an interrupted
import keeps what it committed, and importing a file again adds nothing (every URL is then
known, every bad record's `rejects` row already there). A bad record becomes a `rejects` row
with its line number (stage `import`), and the import goes on.
"""

from __future__ import annotations

import csv
import email.utils
import functools
import io
import itertools
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from flows.batches import BatchResult, CleanedArticle, committed_load, dedupe_chunk
from flows.cleaning import Article, Unusable, clean_fields, clean_page
from flows.folding import folded
from spiders.dates import VN_TZ, parse_vn_datetime
from spiders.portals import PORTALS
from spiders.urls import url_key
from warehouse import db, index as lookups, loader, runs
from warehouse.dedupe_store import DedupeStore

FORMATS = (".jsonl", ".csv")
CHUNK_RECORDS = 1000  # records cleaned, judged and committed at a time


class BadRecord(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class ImportResult:
    source: str
    run_id: str
    records: int = 0
    new: int = 0
    duplicates: int = 0        # exact copies of stored articles: the URL is recorded, no row
    near_duplicates: int = 0
    already_known: int = 0     # URLs the warehouse had (a re-import)
    rejects: Counter = field(default_factory=Counter)
    rejected_lines: list[tuple[int, str]] = field(default_factory=list)  # the first few, for the summary


# ---------------------------------------------------------------- reading

class _CountingReader(io.RawIOBase):
    """The file's bytes, counting how many were read: the progress of a stream."""

    def __init__(self, f):
        self.f, self.read_bytes = f, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.f.readinto(buffer)
        self.read_bytes += n or 0
        return n


def records(stream: io.TextIOBase, suffix: str) -> Iterator[tuple[int, dict | None, BadRecord | None]]:
    """(line, record, problem) of each record; the line is where the record starts."""
    if suffix == ".csv":
        csv.field_size_limit(sys.maxsize)  # a whole page in one field
        header = stream.readline()
        # Spreadsheets export with `;` where the decimal mark is a comma (as in Vietnamese).
        delimiter = max(",;\t|", key=header.count)
        reader = csv.DictReader(itertools.chain([header], stream), delimiter=delimiter)
        start = 2  # after the header
        try:
            for row in reader:
                yield start, {k: v for k, v in row.items() if k is not None}, None
                start = reader.line_num + 1
        except csv.Error as e:
            yield start, None, BadRecord("bad_csv", str(e))
        return
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            yield n, None, BadRecord("bad_json", e.msg)
            continue
        if isinstance(rec, dict):
            yield n, rec, None
        else:
            yield n, None, BadRecord("bad_json", f"a JSON {type(rec).__name__}, not an object")


# ---------------------------------------------------------------- one record

def _text(rec: dict, name: str) -> str | None:
    value = rec.get(name)
    if value is None:
        return None
    if isinstance(value, list):  # paragraphs as a JSON list
        value = "\n\n".join(str(v) for v in value if v is not None)
    value = str(value).strip()
    return value or None


def parse_published(text: str | None) -> datetime | None:
    """ISO 8601 (a day alone, or naive, is in Asia/Ho_Chi_Minh), a Vietnamese date as portals
    print them (`08/04/2024 15:30`), RSS's RFC 2822, or Unix time (seconds, or milliseconds)."""
    if not text:
        return None
    if text.isdigit() and len(text) >= 9:
        seconds = int(text) / (1000 if len(text) >= 12 else 1)
        return datetime.fromtimestamp(seconds, timezone.utc)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = parse_vn_datetime(text)
        if parsed is None:
            try:
                parsed = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError):
                raise BadRecord("bad_date", f"published_at {text!r} is not a date") from None
    if isinstance(parsed, date) and not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


@functools.cache
def _portals_by_domain() -> dict:
    """Each domain's portal: the one it is home to, over one that may redirect to it (a merged
    province's)."""
    found = {domain: portal for portal in PORTALS.values() for domain in portal.domains[1:]}
    return found | {portal.home: portal for portal in PORTALS.values()}


def _portal_of(host: str):
    return _portals_by_domain().get(host)


def to_article(rec: dict) -> tuple[str, Article]:
    """(url_key, cleaned article) of a record, or BadRecord."""
    url = _text(rec, "url")
    if not url:
        raise BadRecord("no_url", "the record has no url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRecord("bad_url", f"{url!r} is not an http(s) URL")
    host = parts.hostname.lower().removeprefix("www.")
    portal = _portal_of(host)
    published = parse_published(_text(rec, "published_at"))
    title, author, lead = _text(rec, "title"), _text(rec, "author"), _text(rec, "lead")
    body, html = _text(rec, "body"), _text(rec, "html")
    try:
        if body:
            text = body.replace("\r\n", "\n")
            # Paragraphs apart by a blank line; an archive with none puts one a line.
            paragraphs = [" ".join(p.split()) for p in text.split("\n\n" if "\n\n" in text else "\n")]
            art = clean_fields(paragraphs, title=title, published_at=published, author=author, lead=lead,
                               portal=portal, url=url)
        elif html:
            art = clean_page(html.encode("utf-8"), portal=portal, url=url, content_type="text/html; charset=utf-8")
            art.title = title or art.title
            art.author = author or art.author
            art.published_at = published.isoformat() if published else art.published_at
        else:
            raise BadRecord("empty_text", "the record has neither body nor html")
    except Unusable as e:
        raise BadRecord("empty_text" if e.reason == "empty_body" else e.reason, e.detail) from None
    if portal is None:  # another outlet: its host names it
        art.portal = host
    key = portal.url_key(url) if portal else url_key(url)
    return key, art


# ---------------------------------------------------------------- the load

def import_file(con, store: DedupeStore, path: Path, source: str | None = None, progress=None) -> ImportResult:
    """Import one file into the open warehouse `con` (`store`: this machine's de-duplication
    index of it). `progress(done_bytes)` is called as the file is read."""
    suffix = path.suffix.lower()
    default_source = source or path.stem
    result = ImportResult(source=default_source, run_id=runs.new_run_id())
    started = datetime.now(timezone.utc)
    run = {"run_id": result.run_id, "portal": default_source, "flow": "import", "started_at": started,
           "status": "importing", "requests": 0, "listing_pages": 0, "message": f"imported from {path}"}
    # First: its rows are known as imported (`provnews reprocess` keeps them). Each write is
    # committed against other writers (another machine's load may commit meanwhile).
    db.committed(con, lambda: loader.record_run(con, run))
    with open(path, "rb") as raw:
        counted = _CountingReader(raw)
        stream = io.TextIOWrapper(io.BufferedReader(counted), encoding="utf-8-sig", errors="replace", newline="")
        items = records(stream, suffix)
        for number in itertools.count(1):
            chunk = list(itertools.islice(items, CHUNK_RECORDS))
            if not chunk:
                break
            _load_chunk(con, store, path, chunk, default_source, result, number)
            if progress:
                progress(counted.read_bytes)
    finished = {**run, "finished_at": datetime.now(timezone.utc), "status": "loaded",
                "pages_fetched": result.records, "articles_new": result.new, "duplicates": result.duplicates,
                "near_duplicates": result.near_duplicates, "rejected": sum(result.rejects.values()),
                "fallback_extractions": 0}
    db.committed(con, lambda: loader.record_run(con, finished))
    return result


def _load_chunk(con, store: DedupeStore, path: Path, chunk, default_source: str, result: ImportResult,
                number: int) -> None:
    now = datetime.now(timezone.utc)
    batch_id = f"import-{result.run_id}-{number}"
    rejects, cleaned, sources, seen = [], [], {}, set()
    for line, rec, problem in chunk:
        result.records += 1
        try:
            if problem:
                raise problem
            key, art = to_article(rec)
        except BadRecord as bad:
            url = (_text(rec, "url") if rec else None) or f"{path.name}:{line}"
            rejects.append(dict(run_id=result.run_id, batch_id=batch_id, portal=default_source, url=url,
                                        url_key=f"import:{path.name}:{line}", stage="import", reason=bad.reason,
                                        http_status=None, detail=bad.detail, transient=False, seen_at=now, line=line))
            result.rejects[bad.reason] += 1
            if len(result.rejected_lines) < 10:
                result.rejected_lines.append((line, f"{bad.reason}: {bad.detail}"))
            continue
        if key in seen:  # the same URL twice in the file: the first one counts
            result.already_known += 1
            continue
        seen.add(key)
        text, digest = folded(art.lead, art.body)
        cleaned.append(CleanedArticle(key, art, digest, text))
        sources[key] = _text(rec, "source") or default_source

    def work(load_no: int) -> BatchResult:
        # Judged afresh each attempt: another load may have committed these articles meanwhile.
        tally = BatchResult(batch_id, default_source)
        known = lookups.lookup(con, "article_urls", "url_key", [c.key for c in cleaned])
        tally.already_known = sum(c.key in known for c in cleaned)
        fresh = [c for c in cleaned if c.key not in known]
        logged = lookups.lookup(con, "rejects", "url_key", [r["url_key"] for r in rejects], column_out="url_key")
        chunk_rows = {**{t: [] for t in loader.TABLES}, "rejects": [r for r in rejects if r["url_key"] not in logged]}
        reroots = dedupe_chunk(store, fresh, chunk_rows, tally, result.run_id, batch_id, now, imported_from=sources)
        loader.insert_rows(con, chunk_rows, load_no)
        loader.reroot(con, reroots, load_no)
        return tally

    tally = committed_load(con, store, work)
    result.already_known += tally.already_known
    result.new += tally.new
    result.duplicates += tally.duplicates
    result.near_duplicates += tally.near_duplicates
