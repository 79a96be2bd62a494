"""The ingest flow: crawl each portal (a child process per portal, in parallel), then load every
complete staged batch — this run's and any an earlier run left behind — one transaction each.

Reads top to bottom as the pipeline. The work lives in plain modules (spiders.crawl,
flows.batches, warehouse); the tasks here add retries, names and logs.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import batches, staging
from spiders.crawl import MANIFEST
from spiders.portals import PORTALS, get as get_portal
from warehouse import db, search
from warehouse.loader import record_run

CRAWL_TIMEOUT_SECONDS = 6 * 3600  # a portal's crawl that takes longer is stopped


@dataclass
class PortalReport:
    portal: str
    status: str = "pending"
    requests: int = 0
    listing_pages: int = 0
    pages: int = 0
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    rejected: int = 0
    fallback: int = 0
    reasons: dict = field(default_factory=dict)
    message: str = ""


@dataclass
class RunReport:
    run_id: str
    portals: dict[str, PortalReport]
    leftovers_loaded: int = 0

    @property
    def ok(self) -> bool:
        return all(p.status == "loaded" for p in self.portals.values())


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


@task(name="crawl-portal", task_run_name="crawl-{portal}", retries=1, retry_delay_seconds=10,
      cache_policy=NO_CACHE)
def crawl_portal(portal: str, batch_dir: Path, known_file: Path | None, since: date | None,
                 until: date | None, mirror_url: str | None, base_url: str | None,
                 settings: dict | None = None) -> dict:
    """Run the portal's spider in a child process (Scrapy's reactor cannot restart in-process).
    Returns the batch manifest; raises if the crawl did not complete."""
    cmd = [sys.executable, "-m", "spiders.crawl", portal, "--batch-dir", str(batch_dir)]
    for flag, value in (("--known-urls", known_file), ("--since", since), ("--until", until),
                        ("--mirror-url", mirror_url), ("--base-url", base_url)):
        if value:
            cmd += [flag, str(value)]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CRAWL_TIMEOUT_SECONDS)
    if proc.returncode != 0 or not (batch_dir / MANIFEST).exists():
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise RuntimeError(f"crawl of {portal} failed (exit {proc.returncode}): {' | '.join(tail)}")
    manifest = staging.Batch(batch_dir).manifest
    get_run_logger().info("%s: %s requests, %s listing pages, %s pages staged", portal,
                          manifest["requests"], manifest["listing_pages"], manifest["pages"])
    return manifest


@task(name="load-batches", cache_policy=NO_CACHE)
def load_batches(db_file: Path, pending: list[staging.Batch], run_id: str, flow_name: str,
                 since: date | None, until: date | None) -> list[batches.BatchResult]:
    """Load every complete staged batch, one transaction each, against one de-duplication
    index read from the warehouse once."""
    logger = get_run_logger()
    results = []
    with contextlib.closing(db.connect(db_file)) as con:
        get_index = batches.index_loader(con)
        for batch in pending:
            manifest = batch.manifest
            crawl_run = dict(run_id=batch.batch_id.rsplit("-", 1)[0], portal=manifest["portal"], flow=flow_name,
                             started_at=manifest["started_at"], finished_at=datetime.now(timezone.utc),
                             since=since, until=until, message=None)
            result = batches.load(con, batch, run_id, crawl_run, get_index)
            logger.info("%s: %d new (%d near-duplicates), %d exact duplicates, %d rejected", batch.batch_id,
                        result.new, result.near_duplicates, result.duplicates, result.rejected)
            results.append(result)
        if any(r.new for r in results):
            try:
                search.refresh(con)
            except Exception as e:  # the articles are committed; search catches up next load
                logger.warning("full-text index not rebuilt: %s", e)
    return results


def _write_known(db_file: Path, root: Path, workdir: Path) -> Path:
    """The URL keys a crawl need not fetch: the warehouse's, plus those of batches staged but not
    yet loaded. When the warehouse is held by another process, the archive's keys stand in."""
    keys: set[str] = set()
    try:
        with contextlib.closing(db.connect(db_file, read_only=True)) as con:
            keys.update(batches.known_url_keys(con))
        staged = staging.pending(root)
    except FileNotFoundError:
        staged = staging.pending(root)
    except (db.WarehouseBusy, duckdb.CatalogException) as e:  # held open, or not yet created
        get_run_logger().warning("%s; crawling with the URL keys of the raw archive instead", e)
        staged = staging.complete(root)
    for batch in staged:
        keys.update(batch.url_keys())
    path = workdir / "known_urls.txt"
    path.write_text("\n".join(sorted(keys)))
    return path


@contextlib.contextmanager
def _mirror(enabled: bool, size: int):
    if not enabled:
        yield None
        return
    from mirror.server import Mirror
    with Mirror(size=size) as m:
        yield m.base_url


def run_ingest(portals: list[str] | None = None, since: date | None = None, until: date | None = None,
               mirror: bool = False, mirror_url: str | None = None, base_url: str | None = None,
               db_path: str | None = None, mirror_size: int = 200, flow_name: str = "ingest",
               settings: dict | None = None) -> RunReport:
    """One run: crawl the portals, then load every pending batch. Used by the flows below."""
    keys = portals or list(PORTALS)
    for key in keys:
        get_portal(key)  # raises UnknownPortal with the list of known ones
    db_file = db.db_path(db_path)
    root = staging.batches_root(db_file)
    run_id = new_run_id()
    report = RunReport(run_id, {k: PortalReport(k) for k in keys})
    logger = get_run_logger()

    with tempfile.TemporaryDirectory(prefix="provnews-") as tmp, _mirror(mirror, mirror_size) as served:
        known = _write_known(db_file, root, Path(tmp))
        futures = {k: crawl_portal.submit(k, root / f"{run_id}-{k}", known, since, until,
                                          served or mirror_url, base_url, settings) for k in keys}
        for key, fut in futures.items():
            fut.wait()
            if fut.state.is_failed():
                rep = report.portals[key]
                rep.status, rep.message = "crawl_failed", str(fut.state.message or "")[:500]
                logger.warning("portal %s failed: %s", key, rep.message)

    pending = staging.pending(root)
    try:
        results = load_batches(db_file, pending, run_id, flow_name, since, until)
    except db.WarehouseBusy as e:
        # Nothing is lost: the batches stay staged and the next run loads them first.
        logger.warning("%s; %d batch(es) stay staged for the next run", e, len(pending))
        for rep in report.portals.values():
            if rep.status == "pending":
                rep.status, rep.message = "staged", f"{e}; the next run loads this portal's batch"
        return report
    for batch, result in zip(pending, results):
        rep = report.portals.get(result.portal)
        if rep is None or not batch.batch_id.startswith(run_id):
            report.leftovers_loaded += 1
            continue
        manifest = batch.manifest
        rep.status = "loaded"
        rep.requests, rep.listing_pages = manifest["requests"], manifest["listing_pages"]
        rep.pages, rep.new, rep.duplicates = result.pages, result.new, result.duplicates
        rep.near_duplicates = result.near_duplicates
        rep.rejected, rep.fallback, rep.reasons = result.rejected, result.fallback, dict(result.rejects)

    with contextlib.closing(db.connect(db_file)) as con:
        for rep in report.portals.values():
            if rep.status == "crawl_failed":
                record_run(con, dict(run_id=run_id, portal=rep.portal, flow=flow_name,
                                     started_at=datetime.now(timezone.utc), status="crawl_failed",
                                     since=since, until=until, message=rep.message))
    return report


@flow(name="ingest", flow_run_name="ingest-{portals}", log_prints=True)
def ingest(portals: list[str] | None = None, since: date | None = None, mirror: bool = False,
           mirror_url: str | None = None, base_url: str | None = None, db_path: str | None = None,
           mirror_size: int = 200) -> RunReport:
    """Scheduled run: fetch only what is new on each portal and append it to the warehouse."""
    return run_ingest(portals, since=since, mirror=mirror, mirror_url=mirror_url, base_url=base_url,
                      db_path=db_path, mirror_size=mirror_size)


@flow(name="backfill", flow_run_name="backfill-{portals}-{since}", log_prints=True)
def backfill(portals: list[str] | None = None, since: date | None = None, until: date | None = None,
             mirror: bool = False, mirror_url: str | None = None, base_url: str | None = None,
             db_path: str | None = None, mirror_size: int = 200) -> RunReport:
    """One-off history load: every article listed between `since` and `until`."""
    return run_ingest(portals, since=since, until=until, mirror=mirror, mirror_url=mirror_url,
                      base_url=base_url, db_path=db_path, mirror_size=mirror_size, flow_name="backfill")
