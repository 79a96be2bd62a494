"""The ingest and backfill flows: crawl the portals (all at once, in a few child processes:
`flows.crawls`); load the batches an earlier run left staged, then each portal's batch once its
crawl ends (in the order of the batches' names), while the other crawls go on (one transaction
each); judge each portal against its own history and publish the run report.

Reads top to bottom as the pipeline. The work lives in plain modules (spiders.crawl,
flows.batches, flows.drift, warehouse); the tasks here add retries, names and logs.

A portal whose crawl fails fails its own task; the others are loaded, and then the flow run
ends Failed, naming the portal (`PortalsFailed`). The run's log says why in one line per portal
not loaded; the crawl's own warnings and errors are in its task's log (`flows.crawl_log`).

Only one run writes to a warehouse at a time (`flows.runlock`, a lock file beside it). A run
called from Python or the command line that finds it held stops at once (`RunInProgress`). A
deployment's run waits its turn instead: it first takes the Prefect global concurrency limit
`provnews-warehouse` (one slot, created by `provnews serve`), shared by every deployment that
writes the warehouse, then the lock file (held meanwhile by a run from a terminal, say). A work
pool's run (`flows.pool`) takes neither: it holds its portal's own limit, and the store
serializes the loads of several machines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from flows import artifacts, batches, crawls, drift, runlock, staging, trend
from flows.crawl_log import CrawlLogRelay
from mirror.server import mirror_started
from spiders import crawl, progress
from spiders.portals import PORTALS, get as get_portal
from warehouse import db, maintenance, runs
from warehouse.dedupe_store import DedupeStore
from warehouse.location import Location, locate
from warehouse.runs import new_run_id
from warehouse.loader import record_run

# A failed crawl (the portal down, the child killed) is tried again after these pauses.
CRAWL_RETRY_DELAYS = [int(s) for s in os.environ.get("PROVNEWS_CRAWL_RETRY_DELAYS", "30,120").split(",") if s]

# The portals' time zone: run names, the schedule (flows.serve) and the weekly trend are in it.
LOCAL_TIME_ZONE = "Asia/Ho_Chi_Minh"
# Taken by every deployment run before it touches the warehouse; created by `provnews serve`.
WAREHOUSE_LIMIT = "provnews-warehouse"

# The `portals` parameter is a drop-down of keys in the Prefect UI's Run form. The form shows an
# option's value and nothing else, and the value must stay the key (`prefect deployment run -p`,
# the Python API), so the field's description names each key's province.
PortalKey = Literal[tuple(PORTALS)]
Portals = Annotated[
    list[PortalKey] | SkipJsonSchema[None],  # SkipJsonSchema: no "None" choice in the form
    Field(json_schema_extra={"description": "Empty: all of them. " + " · ".join(map(trend.label, PORTALS))}),
]
# What the form leaves out: the Python API and the command line pass these, a deployment's run
# takes them from `provnews serve` (its --db, in PROVNEWS_DB) or not at all.
Internal = SkipJsonSchema


class CrawlInterrupted(RuntimeError):
    """The crawl was stopped by a signal (Ctrl-C): not retried; a backfill resumes next call."""


class CrawlFailed(RuntimeError):
    """The crawl ended without a complete batch; the message is the cause, in one line."""


def _retry_unless_interrupted(task, task_run, state) -> bool:
    return not isinstance(state.data, CrawlInterrupted)


class PortalsFailed(RuntimeError):
    """Raised at the end of a run in which some portal was not loaded; carries the report."""

    def __init__(self, report: "RunReport"):
        failed = [f"{p.portal} ({p.status})" for p in report.portals.values() if p.status != "loaded"]
        super().__init__(f"not loaded: {', '.join(failed)}")
        self.report = report


class _NoTracebackForKnownFailures(logging.Filter):
    """Prefect logs one failed crawl three times with a traceback: the task's exception, the
    flow's PortalsFailed, then the engine's exit with that exception again. The run says why in
    one line per portal, and the tracebacks of these known failures point at nothing to fix: they
    are dropped, and the engine's repeat of the flow's exception with them. Any other exception
    (a bug) keeps its traceback."""

    KNOWN = (CrawlFailed, CrawlInterrupted, PortalsFailed)

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.exc_info and isinstance(record.exc_info[1], self.KNOWN)):
            return True
        if record.getMessage().startswith("Engine execution exited"):
            return False
        record.exc_info = record.exc_text = None
        return True


for _run_logger in ("prefect.flow_runs", "prefect.task_runs"):
    logging.getLogger(_run_logger).addFilter(_NoTracebackForKnownFailures())


@dataclass
class PortalReport:
    portal: str
    status: str = "pending"  # loaded | crawl_failed | interrupted | staged (warehouse busy: loads next run)
    requests: int = 0
    listing_pages: int = 0
    pages: int = 0
    new: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    rejected: int = 0
    fallback: int = 0
    seconds: float = 0.0
    reasons: dict = field(default_factory=dict)
    alerts: list = field(default_factory=list)
    message: str = ""


@dataclass
class RunReport:
    run_id: str
    flow: str
    portals: dict[str, PortalReport]
    leftovers_loaded: int = 0

    @property
    def ok(self) -> bool:
        return all(p.status == "loaded" for p in self.portals.values())


@task(name="crawl-portal", task_run_name="crawl-{portal}", retries=len(CRAWL_RETRY_DELAYS),
      retry_delay_seconds=CRAWL_RETRY_DELAYS, retry_condition_fn=_retry_unless_interrupted,
      cache_policy=NO_CACHE)
def crawl_portal(portal: str, spec: crawl.Crawl, job: staging.Job | None, run_crawls: crawls.RunCrawls) -> dict:
    """The portal's crawl: the first attempt waits for it in the run's crawl process that has
    it, among other portals' crawls; a retry runs it alone in a new process. Returns the batch
    manifest; raises if the crawl did not complete."""
    batch_dir = Path(spec.batch_dir)
    proc = run_crawls.first_attempt(portal)
    if proc is None:
        if crawls.stop_requested():
            raise CrawlInterrupted(f"crawl of {portal} not started: the run was asked to stop")
        proc = run_crawls.alone(spec)
    logger = get_run_logger()
    with CrawlLogRelay(batch_dir / crawl.LOG_FILE, portal, logger):
        outcome = proc.outcome(portal)
    if outcome.status == crawl.INTERRUPTED:
        raise CrawlInterrupted(f"crawl of {portal} stopped by a signal; "
                               + ("the same backfill resumes it" if job else "the next run fetches the rest"))
    if outcome.status != 0 or not (batch_dir / crawl.MANIFEST).exists():
        if job:
            job.start_over(batch_dir)  # the retry, or the next run, walks again from the first page
        # The cause in one line (`no listing page of P could be fetched: DNS lookup failed for
        # P.gov.vn`, an exception); the crawl's log is relayed above, and a retry rewrites it.
        raise CrawlFailed(outcome.message or f"the crawl ended with exit status {outcome.status} and no message")
    if job:
        job.finish()
    manifest = staging.Batch(batch_dir).manifest
    logger.info("%s: %s requests, %s listing pages, %s pages staged", portal,
                manifest["requests"], manifest["listing_pages"], manifest["pages"])
    return manifest


@task(name="load-batches", task_run_name="load-batches", cache_policy=NO_CACHE)
def load_batches(con: duckdb.DuckDBPyConnection, store: DedupeStore, pending: list[staging.Batch], run_id: str,
                 flow_name: str, since: date | None, until: date | None,
                 together: bool = False) -> list[batches.BatchResult]:
    """Load complete staged batches, one transaction each, or all in one (`together`: batches
    with nothing new); `store`: this machine's de-duplication index of the warehouse."""
    logger = get_run_logger()
    runs = [(batch, _crawl_run(batch, flow_name, since, until)) for batch in pending]
    results = []
    for group in [runs] if together else [[r] for r in runs]:
        for result in batches.load_together(con, store, group, run_id):
            logger.info("%s: %d new (%d near-duplicates), %d exact duplicates, %d rejected", result.batch_id,
                        result.new, result.near_duplicates, result.duplicates, result.rejected)
            results.append(result)
    return results


def _crawl_run(batch: staging.Batch, flow_name: str, since: date | None, until: date | None) -> dict:
    """The batch's `crawl_runs` row, as far as its manifest tells."""
    manifest = batch.manifest
    crawl_seconds = (datetime.fromisoformat(manifest["finished_at"])
                     - datetime.fromisoformat(manifest["started_at"])).total_seconds()
    return dict(run_id=batch.batch_id.rsplit("-", 1)[0], portal=manifest["portal"], flow=flow_name,
                started_at=manifest["started_at"], finished_at=datetime.now(timezone.utc),
                since=since, until=until, message=None, duration_s=crawl_seconds)


@task(name="compact-lake", task_run_name="compact-lake", cache_policy=NO_CACHE)
def compact_lake(con: duckdb.DuckDBPyConnection) -> None:
    """Compact the lake's files after the run's loads, through the run's connection
    (`warehouse.maintenance.compact_bounded`). Bounded, like every stage; the articles are
    committed (and searchable), and the next run compacts."""
    problem = maintenance.compact_bounded(con)
    if problem:
        get_run_logger().warning("lake not compacted: %s", problem)


def _write_known(loc: Location, root: Path, workdir: Path,
                 writer: duckdb.DuckDBPyConnection | None) -> tuple[Path, set[str]]:
    """The URL keys a crawl need not fetch: the warehouse's, plus those of batches staged but not
    yet loaded (when the warehouse is held by another process, the archive's keys stand in);
    and the portals whose last crawl was cut short by its time bound (`warehouse.runs.cut_short`).
    Read through the run's `writer` if it is open already (a lake's), else read-only."""
    keys: set[str] = set()
    cut_short: set[str] = set()
    staged = staging.pending(root)
    try:
        with contextlib.nullcontext(writer) if writer else contextlib.closing(db.connect(loc, read_only=True)) as con:
            keys.update(runs.known_url_keys(con))
            cut_short = runs.cut_short(con)
    except FileNotFoundError:  # no warehouse yet
        pass
    except (db.WarehouseBusy, duckdb.CatalogException) as e:  # held open, or not yet created
        get_run_logger().warning("%s; crawling with the URL keys of the raw archive instead", e)
        staged = staging.complete(root)
    for batch in staged:
        keys.update(batch.url_keys())
    path = workdir / "known_urls.txt"
    path.write_text("\n".join(sorted(keys)))
    return path, cut_short


def _crawled(future, rep: PortalReport) -> bool:
    """Wait for a portal's crawl; whether it ended well (else its report says why not)."""
    future.wait()
    if not future.state.is_failed():
        return True
    error = future.state.result(raise_on_failure=False)
    rep.status = "interrupted" if isinstance(error, CrawlInterrupted) else "crawl_failed"
    rep.message = str(error)[:500]
    return False


class _Loads:
    """A run's loads, through its one connection to the warehouse, opened for the first batch:
    a warehouse file held by another process (`db.WarehouseBusy`) loads nothing this run."""

    def __init__(self, loc: Location, run_id: str, flow_name: str, since: date | None, until: date | None):
        self.loc, self.args = loc, (run_id, flow_name, since, until)
        self.con: duckdb.DuckDBPyConnection | None = None
        self.busy: db.WarehouseBusy | None = None
        self.batches: list[staging.Batch] = []
        self.nothing_new: list[staging.Batch] = []  # loaded together, at `finish`
        self.results: list[batches.BatchResult] = []

    def __enter__(self) -> "_Loads":
        return self

    def __exit__(self, *_) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def open(self) -> duckdb.DuckDBPyConnection | None:
        if self.con is None and self.busy is None:
            try:
                self.con = db.connect(self.loc)
            except db.WarehouseBusy as e:
                self.busy = e
        return self.con

    def load(self, batch: staging.Batch) -> None:
        """Load the batch now, or, if its crawl fetched no article page, with the run's others
        like it at `finish`: their place in the order does not matter (no article to judge), and
        a load's commit costs more than their rows (on the lake, about 0.2 s each: a scheduled
        run that finds nothing new would spend seconds on them, one after another)."""
        if batch.manifest.get("pages") == 0:
            self.nothing_new.append(batch)
        else:
            self._load([batch])

    def finish(self) -> None:
        """Load the batches `load` kept back, in one transaction."""
        if self.nothing_new:
            self._load(self.nothing_new, together=True)
            self.nothing_new = []

    def _load(self, pending: list[staging.Batch], together: bool = False) -> None:
        if self.open() is not None:
            # Held for one load at a time: another process of this machine (a pool's run) may
            # load between this run's.
            with DedupeStore.opened(self.loc.staging) as store:
                self.results += load_batches(self.con, store, pending, *self.args, together=together)
            self.batches += pending


def run_ingest(portals: list[str] | None = None, since: date | None = None, until: date | None = None,
               mirror: bool = False, mirror_url: str | None = None, base_url: str | None = None,
               db_path: str | None = None, mirror_size: int = 200, flow_name: str = "ingest",
               settings: dict | None = None, queue: bool = False, pool: bool = False) -> RunReport:
    """One run: crawl the portals, load every pending batch, judge drift, publish the report.
    `queue`: wait for the warehouse if another run holds it, instead of stopping at once.
    `pool`: a work pool's run of one portal (`flows.pool`, which holds the portal's concurrency
    limit): no turn to wait for, as runs on other machines load beside it (the store lets one
    commit at a time), and of this machine's staged batches only its portals' are loaded (another
    portal's may be a run's beside it, about to load its own)."""
    keys = portals or list(PORTALS)
    for key in keys:
        get_portal(key)  # raises UnknownPortal with the list of known ones
    loc = locate(db_path)
    root = staging.batches_root(loc)
    logger = get_run_logger()

    with contextlib.nullcontext() if pool else _warehouse_turn(loc, queue, logger):
        run_id = new_run_id()  # once it is this run's turn: run ids sort as the runs wrote
        report = RunReport(run_id, flow_name, {k: PortalReport(k) for k in keys})
        if legacy := staging.legacy_archive(loc):
            logger.warning("%s holds batches of an older layout, shared by every warehouse of the directory; "
                           "they are not read: move this warehouse's into %s", legacy, root)
        with _Loads(loc, run_id, flow_name, since, until) as loads:
            with tempfile.TemporaryDirectory(prefix="provnews-") as tmp, mirror_started(mirror, mirror_size) as served, \
                    crawls.started_early(min(crawls.crawl_processes(), len(keys))):
                # A lake is opened for writing at once, once for the run: its readers never wait
                # for a writer. A DuckDB file is held from the first load on: until then,
                # analysts may read it.
                known, cut_short = _write_known(loc, root, Path(tmp), loads.open() if loc.is_lake else None)
                # A backfill walks down to --since whatever the warehouse holds (it fills gaps in
                # history, fetching only what is missing); a scheduled ingest stops at the first
                # listing page with nothing new, unless the portal's last crawl was cut short.
                crawl_settings = {k: {**(settings or {}),
                                      **({"PROVNEWS_FULL_WALK": "1"} if k in cut_short or flow_name == "backfill" else {})}
                                  for k in keys}
                # A backfill crawls as a resumable job, so that Ctrl-C loses no work; ingest runs
                # are short and simply fetch again what an interrupted run did not stage.
                jobs = {k: staging.Job.for_backfill(loc, k, since, until) if flow_name == "backfill" else None
                        for k in keys}
                batch_dirs = {k: jobs[k].batch_dir(root, run_id, k) if jobs[k] else root / f"{run_id}-{k}"
                              for k in keys}
                specs = {k: crawl.Crawl(k, str(batch_dirs[k]), known_urls=str(known),
                                        since=str(since) if since else None, until=str(until) if until else None,
                                        mirror_url=served or mirror_url, base_url=base_url,
                                        jobdir=str(jobs[k].scrapy_dir) if jobs[k] else None,
                                        settings=crawl_settings[k]) for k in keys}
                # Every portal's crawl starts now, in a few processes; each portal's task (one
                # thread each) waits for its outcome, and retries it alone.
                run_crawls = crawls.RunCrawls(list(specs.values()), crawls.crawl_processes())
                futures = {k: crawl_portal.submit(k, specs[k], jobs[k], run_crawls) for k in keys}
                # Every batch in the order of its directory's name: those an earlier run left
                # staged, then this run's, each as soon as its crawl and those of the batches before
                # it have ended, while the other crawls go on (child processes). The first copy
                # loaded of an article is its original: in name order, two runs of the same
                # crawls choose the same originals whichever crawl ends first (measured: loading
                # each batch as its crawl ended gained less than the run-to-run spread).
                portal_of = {path: k for k, path in batch_dirs.items()}
                leftovers = [b.path for b in staging.pending(root) if b.path not in portal_of
                             and (not pool or b.manifest["portal"] in keys)]
                for path in sorted([*leftovers, *portal_of], key=lambda p: p.name):
                    if path in portal_of:
                        key = portal_of[path]
                        if not _crawled(futures[key], report.portals[key]):
                            continue
                    batch = staging.Batch(path)
                    if batch.complete and not batch.loaded:
                        loads.load(batch)
                loads.finish()
                for rep in report.portals.values():  # the cause, one line per portal, where the UI shows the run
                    if rep.status == "crawl_failed":
                        logger.error("%s not loaded, its crawl failed: %s", rep.portal, rep.message)
                    elif rep.status == "interrupted":
                        logger.warning("%s not loaded: %s", rep.portal, rep.message)

            con = loads.open()
            if con is None:
                # Nothing is lost: the batches stay staged and the next run loads them first.
                staged = staging.pending(root)
                logger.warning("%s; %d batch(es) stay staged for the next run", loads.busy, len(staged))
                for rep in report.portals.values():
                    if rep.status == "pending":
                        rep.status, rep.message = "staged", f"{loads.busy}; the next run loads this portal's batch"
                _fill_unloaded(report, batch_dirs)
                artifacts.publish_report(report)
                return report
            # Every write of the run goes through this one connection, and nothing here opens the
            # file again: DuckDB spins, without end, reopening a file in a process where an earlier
            # instance of it is still closing (duckdb/duckdb#25965).
            results = loads.results
            _fill_reports(report, loads.batches, results, batch_dirs)
            _fill_unloaded(report, batch_dirs)
            failed = [dict(run_id=run_id, portal=rep.portal, flow=flow_name, started_at=datetime.now(timezone.utc),
                           status="crawl_failed", since=since, until=until, message=rep.message,
                           requests=rep.requests, listing_pages=rep.listing_pages, pages_fetched=rep.pages)
                      for rep in report.portals.values() if rep.status == "crawl_failed"]
            if failed:  # against other writers, as every write (another machine's may commit meanwhile)
                db.committed(con, lambda: _record_runs(con, failed))
            found = drift.check(con, run_id, list(report.portals))
            for rep in report.portals.values():
                rep.alerts = found.get(rep.portal, [])
                for alert in rep.alerts if rep.status == "loaded" else ():  # a failed crawl's: its cause, logged above
                    logger.warning("drift on %s: %s", rep.portal, alert)
            artifacts.publish_trend(con, LOCAL_TIME_ZONE)
            if loc.is_lake and any(r.new for r in results):
                compact_lake(con)
        del con
    artifacts.publish_report(report)
    return report


def _record_runs(con, rows: list[dict]) -> None:
    for row in rows:
        record_run(con, row)


@contextlib.contextmanager
def _warehouse_turn(loc: Location, queue: bool, logger):
    """Hold the warehouse for the block. Without `queue`, a held warehouse stops the run at once
    (RunInProgress). With it (a deployment's run), the run waits: for the global concurrency
    limit that every deployment run takes, then for the lock file, which a run from a terminal
    may hold. Told once, in the run's log, who it waits for."""
    if not queue:
        with runlock.run_lock(loc):
            yield
        return
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.concurrency.sync import concurrency
    from prefect.runtime import flow_run

    waited = time.monotonic()
    told = []

    def waiting(why: str) -> None:
        if not told:
            logger.info("waiting for the warehouse: %s; this run starts when it is free", why)
            told.append(why)

    if _limit_taken():
        waiting(f"another deployment run has the concurrency limit {WAREHOUSE_LIMIT} "
                f"(writing the warehouse now: {runlock.held_by(loc)})")
    me = f"flow run '{flow_run.name}' (pid {os.getpid()})"
    # The slot's lease is renewed while the run lives, and lapses if its process dies.
    with concurrency(WAREHOUSE_LIMIT, holder=ConcurrencyLeaseHolder(type="flow_run", id=flow_run.id)), \
            runlock.run_lock(loc, holder=me, on_wait=lambda holder: waiting(f"{holder} holds it")):
        if told:
            logger.info("the warehouse is free after %.0f s: this run starts", time.monotonic() - waited)
        yield


def _limit_taken() -> bool:
    """Whether every slot of the warehouse's concurrency limit is taken (it may not exist)."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(WAREHOUSE_LIMIT)
        except ObjectNotFound:
            return False
    return limit.active and limit.active_slots >= limit.limit


def _fill_reports(report: RunReport, pending: list[staging.Batch], results: list[batches.BatchResult],
                  batch_dirs: dict[str, Path]) -> None:
    """Each portal's figures from its batch's manifest and load; batches of earlier runs count
    as leftovers."""
    this_run = {path.name: key for key, path in batch_dirs.items()}
    for batch, result in zip(pending, results):
        if batch.batch_id not in this_run:
            report.leftovers_loaded += 1
            continue
        rep = report.portals[this_run[batch.batch_id]]
        manifest = batch.manifest
        rep.status = "loaded"
        rep.requests, rep.listing_pages = manifest["requests"], manifest["listing_pages"]
        rep.pages, rep.new, rep.duplicates = result.pages, result.new, result.duplicates
        rep.near_duplicates, rep.seconds = result.near_duplicates, result.seconds
        rep.rejected, rep.fallback, rep.reasons = result.rejected, result.fallback, dict(result.rejects)


def _fill_unloaded(report: RunReport, batch_dirs: dict[str, Path]) -> None:
    """What the crawl of each portal not loaded (staged, interrupted, failed) requested and
    fetched: its batch's manifest if it completed, else its last progress write, the file the
    terminal's display showed, so that display and summary agree."""
    for key, rep in report.portals.items():
        if rep.status == "loaded":
            continue
        batch = staging.Batch(batch_dirs[key])
        figures = (batch.manifest if batch.complete else progress.read(batch.path)) or {}
        rep.requests, rep.listing_pages = figures.get("requests", 0), figures.get("listing_pages", 0)
        rep.pages = figures.get("pages", 0)


def _run_name() -> str:
    """What the run crawls, where, and when: `ingest all 2024-05-01 06:00`, `ingest hatinh @mirror
    2024-05-01 14:07`, `backfill hatinh 2021-01-01..today @127.0.0.1:8000` (the live portals go
    without `@`). An ingest is named by its scheduled time in the portals' time zone."""
    from prefect.runtime import flow_run
    p = flow_run.parameters
    keys = p.get("portals") or []
    portals = "+".join(keys[:3]) + (f"+{len(keys) - 3} more" if len(keys) > 3 else "") or "all"
    url = p.get("base_url") or p.get("mirror_url")
    target = " @mirror" if p.get("mirror") else f" @{urlsplit(url).netloc or url}" if url else ""
    if flow_run.flow_name == "backfill":
        return f"backfill {portals} {p.get('since')}..{p.get('until') or 'today'}{target}"
    when = (flow_run.scheduled_start_time or datetime.now(timezone.utc)).astimezone(ZoneInfo(LOCAL_TIME_ZONE))
    return f"ingest {portals}{target} {when:%Y-%m-%d %H:%M}"


def _queued() -> bool:
    """A deployment's run waits for the warehouse; a call from Python or the command line does not."""
    from prefect.runtime import deployment
    return deployment.id is not None


def _finish(report: RunReport) -> RunReport:
    if not report.ok:
        raise PortalsFailed(report)  # the flow run ends Failed; the loaded portals stay loaded
    return report


# A thread per portal's crawl task (no bound): each waits for its portal's crawl, which runs in
# one of the run's few crawl processes (`flows.crawls`) whether its task has a thread or not.
@flow(name="ingest", flow_run_name=_run_name, log_prints=True, task_runner=ThreadPoolTaskRunner())
def ingest(portals: Portals = None, since: date | SkipJsonSchema[None] = None, mirror: bool = False,
           mirror_url: str | SkipJsonSchema[None] = None, base_url: Internal[str | None] = None,
           db_path: Internal[str | None] = None, mirror_size: Internal[int] = 200) -> RunReport:
    """Scheduled run: fetch only what is new on each portal and append it to the warehouse.

    Args:
        portals: Portals to crawl (empty: all of them).
        since: Skip articles listed before this day.
        mirror: Crawl the bundled portal mirror, started for the run, instead of the live portals.
        mirror_url: Crawl a portal mirror already running at this URL (e.g. `provnews mirror`).
        base_url: Serve the single selected portal from this host (same paths).
        db_path: Warehouse (default: $PROVNEWS_DB or data/warehouse; see warehouse.location).
        mirror_size: Articles per portal of the bundled mirror.
    """
    return _finish(run_ingest(portals, since=since, mirror=mirror, mirror_url=mirror_url, base_url=base_url,
                              db_path=db_path, mirror_size=mirror_size, queue=_queued()))


@flow(name="backfill", flow_run_name=_run_name, log_prints=True, task_runner=ThreadPoolTaskRunner())
def backfill(since: date, portals: Portals = None, until: date | SkipJsonSchema[None] = None,
             mirror: bool = False, mirror_url: str | SkipJsonSchema[None] = None,
             base_url: Internal[str | None] = None, db_path: Internal[str | None] = None,
             mirror_size: Internal[int] = 200) -> RunReport:
    """One-off history load: every article listed between `since` and `until`.

    Args:
        since: First day to load (listed date, Asia/Ho_Chi_Minh).
        portals: Portals to back-fill (empty: all of them).
        until: Last day to load (empty: up to today).
        mirror: Crawl the bundled portal mirror, started for the run, instead of the live portals.
        mirror_url: Crawl a portal mirror already running at this URL (e.g. `provnews mirror`).
        base_url: Serve the single selected portal from this host (same paths).
        db_path: Warehouse (default: $PROVNEWS_DB or data/warehouse; see warehouse.location).
        mirror_size: Articles per portal of the bundled mirror.
    """
    return _finish(run_ingest(portals, since=since, until=until, mirror=mirror, mirror_url=mirror_url,
                              base_url=base_url, db_path=db_path, mirror_size=mirror_size, flow_name="backfill",
                              queue=_queued()))


def run_flow(flow_fn, **parameters) -> RunReport:
    """Run a flow in this process and return its report, whether the run Completed or Failed
    on some portals; any other failure is raised."""
    state = flow_fn(**parameters, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, PortalsFailed):
        return result.report
    if isinstance(result, BaseException):
        raise result
    return result
