"""`provnews`: the command line. Bad arguments get one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not usage + traceback
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _day(text: str):
    from spiders.dates import parse_day
    try:
        return parse_day(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _check_reachable(url: str, what: str = "--base-url") -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} must be an http(s) URL, got {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=5).close()
    except OSError as e:
        raise UsageError(f"cannot reach {what} {url}: {e.strerror or e}") from None


def _check_portal_args(args) -> None:
    """Unknown portals and an unusable --base-url are usage errors, before anything starts."""
    from spiders.portals import get
    for key in args.portals or ():
        get(key)
    if args.base_url:
        if not args.portals or len(args.portals) != 1:
            raise UsageError("--base-url needs exactly one --portal")
        _check_reachable(args.base_url)
    if getattr(args, "mirror_url", None):
        if args.mirror or args.base_url:
            raise UsageError("--mirror-url goes alone, without --mirror or --base-url")
        _check_reachable(args.mirror_url, what="--mirror-url")


def _global_options(p: argparse.ArgumentParser, default=None) -> None:
    p.add_argument("--db", default=default, help="warehouse: a directory (DuckLake), postgres:CONNINFO or a .duckdb file "
                   "(default: $PROVNEWS_DB or data/warehouse)")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="provnews", description="Vietnamese provincial portals into a DuckDB warehouse.")
    _global_options(ap)
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def crawl_args(p, since_required=False):
        p.add_argument("--portal", action="append", dest="portals", metavar="P",
                       help="portal key (repeatable; default: all, see `provnews portals`)")
        p.add_argument("--since", type=_day, required=since_required, help="only articles listed on or after (YYYY-MM-DD)")
        p.add_argument("--mirror", action="store_true", help="crawl the bundled portal mirror (started for the run)")
        p.add_argument("--mirror-url", help="crawl a portal mirror already running here (see `provnews mirror`)")
        p.add_argument("--base-url", help="serve --portal P from this host (same paths)")
        p.add_argument("--mirror-size", type=int, default=200, help="articles per portal of the bundled mirror")

    p = sub.add_parser("ingest", help="one run of the ingest flow")
    crawl_args(p)
    p = sub.add_parser("backfill", help="a date-bounded crawl of one portal's history")
    crawl_args(p, since_required=True)
    p.add_argument("--until", type=_day, help="only articles listed on or before (YYYY-MM-DD)")

    p = sub.add_parser("clean", help="print one cleaned article as JSON")
    p.add_argument("file", type=Path, help=".txt (raw text like the seeds) or .html")
    p.add_argument("--portal", help="portal whose selectors and rules apply")
    p.add_argument("--url")
    p.add_argument("--explain", action="store_true", help="also list every removal and the rule that made it")

    p = sub.add_parser("sql", help="read-only SQL on the warehouse: one statement")
    p.add_argument("query")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    shell = "the duckdb shell on the warehouse, read-only, full-text search loaded, time zone Asia/Ho_Chi_Minh"
    sub.add_parser("shell", help=shell, usage="provnews shell [--db PATH] [--] [DUCKDB OPTIONS...]",
                   description=f"{shell}. Other arguments (all of them after --) go to the shell, e.g. "
                               "-csv -c 'SELECT ...'.")

    p = sub.add_parser("mirror", help="serve the portal mirror on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--articles-per-portal", type=int, default=200)

    sub.add_parser("portals", help="list the portals")

    p = sub.add_parser("serve", help="register the Prefect deployments (provnews-scheduled-ingest, provnews-backfill) "
                                     "and run them; with --pool, register them on a work pool for its workers")
    p.add_argument("--interval-hours", type=float, default=6.0,
                   help="ingest schedule when the deployment is first created, counted from midnight (default 6: "
                        "00:00, 06:00, 12:00, 18:00); the UI owns it after")
    p.add_argument("--timezone", default="Asia/Ho_Chi_Minh", help="of the schedule (default Asia/Ho_Chi_Minh)")
    p.add_argument("--pool", metavar="NAME", help="register one-portal deployments on this Prefect work pool (a "
                   "process pool, created if missing) and return: each machine runs `prefect worker start --pool NAME`")

    p = sub.add_parser("check-portals", help="live smoke test: one listing page and one article per portal")
    p.add_argument("--portal", action="append", dest="portals", metavar="P")
    p.add_argument("--mirror", action="store_true", help="check against the bundled mirror instead")
    p.add_argument("--base-url", help="check --portal P on this host (same paths)")

    p = sub.add_parser("add-portal", help="onboard a portal from one listing URL: its CMS family, or inferred selectors")
    p.add_argument("url", help="one listing page of the portal (a mirror's http://127.0.0.1:PORT/<domain>/... too)")
    p.add_argument("--key", required=True, help="the portal's key (lower-case letters, digits, _)")
    p.add_argument("--name", help="its name (default: the page's <title>)")
    p.add_argument("--province", help="the province it published under (default: from its name)")
    p.add_argument("--province-current", help="the province since the 2025 merger (default: from --province)")
    p.add_argument("--category", action="append", dest="categories", metavar="C",
                   help="a category id as in its listing URLs (repeatable; default: from the site's menu)")
    p.add_argument("--infer", action="store_true", help="infer every selector, even if a known family matches")

    p = sub.add_parser("import", help="load another crawler's archive (.jsonl or .csv, one article per record)")
    p.add_argument("file", type=Path, help="records with url, and title, published_at, author, body or html, source")
    p.add_argument("--source", help="where the records came from, for those without a source (default: the file's name)")

    p = sub.add_parser("reprocess", help="rebuild articles from the raw archive with the current cleaner, no network")
    p.add_argument("--portal", action="append", dest="portals", metavar="P",
                   help="portal key (repeatable; default: all)")

    p = sub.add_parser("upgrade", help="move a warehouse of the one-file layout (a .duckdb file) into the "
                       "DuckLake warehouse --db names")
    p.add_argument("--from", dest="source", type=Path, default=None, metavar="FILE",
                   help="the DuckDB file (default: data/warehouse.duckdb)")

    # Global options are taken after the command too. There they default to "not given", so
    # that they do not undo the same option given before the command.
    for p in sub.choices.values():
        _global_options(p, default=argparse.SUPPRESS)
    return ap


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = build_parser()
    args, extra = ap.parse_known_args(argv)
    if args.command == "shell":
        args.shell_args = extra[1:] if extra[:1] == ["--"] else extra
    elif extra:
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    # Checked here, before a crawl starts (and before ingest and backfill move to their own session).
    if getattr(args, "until", None) and args.since and args.until < args.since:
        raise UsageError(f"--until {args.until} is before --since {args.since}: nothing to back-fill")
    return args


def cmd_ingest(args, flow_name="ingest") -> int:
    _check_portal_args(args)
    if args.mirror_size < 1:
        raise UsageError("--mirror-size must be at least 1")
    return _run_flow(args, flow_name)


OWN_SESSION = "PROVNEWS_IN_OWN_SESSION"  # set for the copy of a command run by _in_own_session
TERM_GRACE_SECONDS = 30  # after SIGTERM, the run's time to stop cleanly before it is killed


def _in_own_session(argv: list[str], loc) -> int:
    """Run this command again in a child process in its own session, and pass Ctrl-C (SIGINT,
    SIGTERM) on to it.

    Ctrl-C goes to the terminal's whole process group. In its own session the run gets the
    signal from here alone, and stops in order: it asks its crawls to stop cleanly, starts no
    new one, loads what was staged and prints the summary. This process imports nothing heavy:
    it only waits. (A fresh interpreter rather than a fork: DuckDB and threads do not survive
    forking.)

    It takes the warehouse's run lock first, so that a second run is refused at once, and hands
    it to the child. SIGTERM is obeyed: a run still alive TERM_GRACE_SECONDS after it is killed
    with everything it started (a load is one transaction: a killed one leaves nothing behind)."""
    from flows import runlock

    try:
        lock = runlock.hold(loc)
    except runlock.RunInProgress as e:
        print(f"provnews: {e}", file=sys.stderr)
        return 4
    child = subprocess.Popen([sys.executable, "-m", "flows.cli", *argv], start_new_session=True,
                             pass_fds=(lock.fileno(),),
                             env={**os.environ, OWN_SESSION: "1", runlock.RUN_LOCK_FD: str(lock.fileno())})

    def kill_run():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)

    def forward(signum, frame):
        child.send_signal(signum)
        if signum == signal.SIGTERM:
            timer = threading.Timer(TERM_GRACE_SECONDS, kill_run)
            timer.daemon = True
            timer.start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    status = child.wait()  # retried by Python when a signal handler has run
    return 128 - status if status < 0 else status  # killed by a signal: as a shell reports it


def _run_flow(args, flow_name: str) -> int:
    from flows import crawls
    from flows.prefect_api import temporary_api
    from spiders.portals import PORTALS

    # The run's crawl processes start first, and import Scrapy on another core while Prefect
    # starts on this one (about 6 s, the crawls waiting for it): the run takes them.
    early = min(crawls.crawl_processes(), len(args.portals or PORTALS))
    with crawls.started_early(early), temporary_api():  # Prefect's temporary server, unless an API is configured
        return _run_flow_reporting(args, flow_name)


def _run_flow_reporting(args, flow_name: str) -> int:
    from flows.crawls import stop_crawls
    from flows.ingest import CRAWL_RETRY_DELAYS, backfill, ingest, run_flow
    from flows.progress import run_progress
    from flows.report import print_summary
    from flows.staging import batches_root
    from spiders.crawl import freeze_start_up_heap
    from spiders.portals import PORTALS
    from warehouse.location import locate
    from warehouse.runs import new_run_id

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_crawls)
    kwargs = dict(portals=args.portals, since=args.since, mirror=args.mirror, mirror_url=args.mirror_url,
                  base_url=args.base_url, db_path=args.db, mirror_size=args.mirror_size)
    if flow_name == "backfill":
        kwargs.update(until=args.until)
    # A live display of every run, drawn from the progress files of this run's crawls (its run
    # id is taken later than this one): a portal that is down shows its cause and retry at once.
    with run_progress(args.portals or list(PORTALS), batches_root(locate(args.db)), new_run_id(),
                      CRAWL_RETRY_DELAYS, bar=flow_name == "backfill") as show_final:
        freeze_start_up_heap()  # Prefect, its API server, DuckDB and NumPy are imported by now
        report = run_flow(backfill if flow_name == "backfill" else ingest, **kwargs)
        show_final(report)
    print_summary(report)
    if any(p.status == "interrupted" for p in report.portals.values()):
        again = "run the same command again to resume" if flow_name == "backfill" else "the next run fetches the rest"
        print(f"provnews: interrupted; what was fetched is kept, {again}", file=sys.stderr)
        return 130
    statuses = {p.status for p in report.portals.values()}
    if statuses == {"loaded"}:
        return 0
    # Held open by another process: the batches stay staged and the next run loads them.
    return 4 if statuses <= {"loaded", "staged"} else 1


def cmd_serve(args) -> int:
    from prefect.settings import PREFECT_API_URL

    from flows.serve import serve
    if args.interval_hours <= 0:
        raise UsageError("--interval-hours must be positive")
    if not PREFECT_API_URL.value():
        raise UsageError("PREFECT_API_URL is not set: start a server (`prefect server start`) and "
                         "`export PREFECT_API_URL=http://127.0.0.1:4200/api`")
    _check_reachable(PREFECT_API_URL.value(), what="PREFECT_API_URL")
    if args.pool:
        return _register_pool(args)
    # The served runs (child processes of this one) write this warehouse: not a deployment
    # parameter, which the UI would show and keep.
    from warehouse.location import locate
    loc = locate(args.db)
    os.environ["PROVNEWS_DB"] = str(loc.path.resolve()) if loc.path else loc.spec
    print(f"runs write {os.environ['PROVNEWS_DB']}", flush=True)
    try:
        serve(args.interval_hours, args.timezone)
    except ValueError as e:  # e.g. an unknown time zone
        raise UsageError(str(e).splitlines()[0]) from None
    return 0


def _register_pool(args) -> int:
    """`serve --pool NAME`: the warehouse is created (or brought to the current schema) here, once,
    rather than by the first runs of several workers at once; then the deployments are registered
    on the pool, with the warehouse in their runs' environment. Returns without running anything."""
    from flows.serve import register_pool
    from warehouse import db
    from warehouse.location import locate

    loc = locate(args.db)
    if loc.kind == "file":
        raise UsageError(f"--pool: a pool's runs load at the same time, and {loc} is one DuckDB file (one writer): "
                         "use a DuckLake warehouse, a directory or postgres:CONNINFO")
    spec = str(loc.path.resolve()) if loc.path else loc.spec
    env = {"PROVNEWS_DB": spec}
    if loc.kind == "postgres" and (data_path := os.environ.get("PROVNEWS_DATA_PATH")):  # not relative to here
        env["PROVNEWS_DATA_PATH"] = os.environ["PROVNEWS_DATA_PATH"] = str(Path(data_path).resolve()) + os.sep
    try:
        db.connect(spec).close()
    except db.WarehouseBusy as e:
        raise UsageError(str(e)) from None
    except Exception as e:  # Postgres unreachable, a bad conninfo, ...: one line
        raise UsageError(f"cannot open the warehouse {spec}: {str(e).splitlines()[0]}") from None
    try:
        names = register_pool(args.pool, env, args.interval_hours, args.timezone)
    except ValueError as e:  # an unknown time zone, a pool of another type
        raise UsageError(str(e).splitlines()[0]) from None
    print(f"registered on work pool {args.pool}: {', '.join(names)}; runs write {spec}")
    if loc.kind == "postgres" and "password" in loc.spec:
        print("note: the conninfo's password is in the deployments' job variables, which the UI shows; "
              "~/.pgpass or PGPASSWORD on each machine keeps it out", file=sys.stderr)
    if loc.kind != "postgres":
        print(f"note: {spec} is a directory of this machine: workers elsewhere do not reach it "
              "(for several machines: --db postgres:CONNINFO, PROVNEWS_DATA_PATH on a shared file system)",
              file=sys.stderr)
    print("on each machine, with this provnews installed, PREFECT_API_URL set and a staging area of its own:")
    print(f"  PROVNEWS_STAGING=/var/lib/provnews/staging prefect worker start --pool {args.pool}")
    return 0


def cmd_check_portals(args) -> int:
    from flows.check import check_portals
    from flows.report import print_rows
    from mirror.server import mirror_started

    _check_portal_args(args)
    with mirror_started(args.mirror) as mirror_url:
        results = check_portals(args.portals, mirror_url=mirror_url, base_url=args.base_url)
    from spiders.portals import get

    rows = [(r["portal"], get(r["portal"]).family.key, get(r["portal"]).status, "ok" if r["ok"] else "FAILED",
             r["listing_entries"], r["extraction"] or "-", r["body_chars"], ", ".join(r["missing"]) or "-",
             r["problem"] or "", r["url"] or "") for r in results]
    print_rows(["portal", "family", "definition", "result", "listed", "extraction", "body chars", "missing",
                "problem", "article"], rows)
    live = not (args.mirror or args.base_url)
    for r in results:
        portal = get(r["portal"])
        if live and r["ok"] and portal.status != "verified":
            # Verified is a claim about the live site: a person reads the table and sets it.
            print(f"{portal.key}: passed live; set status = \"verified\" in {portal.source}", file=sys.stderr)
    return 0 if all(r["ok"] for r in results) else 1


def cmd_clean(args) -> int:
    from flows.cleaning import clean_page, clean_text
    from spiders.portals import get

    portal = get(args.portal) if args.portal else None
    if args.file.is_dir():
        raise UsageError(f"{args.file} is a directory: give one .txt or .html file")
    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    # Anything else (a JSON record, a PDF) would be cleaned as if it were article text.
    suffix = args.file.suffix.lower()
    if suffix not in (".txt", ".html", ".htm"):
        raise UsageError(f"{args.file}: clean reads .txt (raw text like the seeds) or .html/.htm, "
                         f"not {suffix or 'a file without extension'}")
    try:
        data = args.file.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {args.file}: {e.strerror}") from None
    if not data.strip():
        raise UsageError(f"{args.file} is empty")
    if suffix in (".html", ".htm") or data.lstrip()[:1] == b"<":
        article = clean_page(data, portal=portal, url=args.url)
    else:
        article = clean_text(data, portal=portal, url=args.url)
    print(json.dumps(article.as_json(explain=args.explain), ensure_ascii=False, indent=2))
    return 0


def cmd_import(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from flows import importing, runlock
    from warehouse import db, maintenance
    from warehouse.dedupe_store import DedupeStore
    from warehouse.location import locate

    suffix = args.file.suffix.lower()
    if suffix not in importing.FORMATS:
        raise UsageError(f"{args.file}: import reads .jsonl (one JSON object a line) or .csv, "
                         f"not {suffix or 'a file without extension'}")
    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    loc = locate(args.db)
    console = Console(stderr=True)
    with runlock.run_lock(loc), Progress("import", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                                            console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("import", total=args.file.stat().st_size)
        with contextlib.closing(db.connect(loc)) as con:
            with DedupeStore.opened(loc.staging) as store:
                result = importing.import_file(con, store, args.file, args.source,
                                               progress=lambda done: bar.update(task, completed=done))
            problem = maintenance.compact_bounded(con) if loc.is_lake and result.new else None
    if problem:
        print(f"provnews: lake not compacted ({problem}); the next load compacts it", file=sys.stderr)
    rejected = sum(result.rejects.values())
    print(f"imported {args.file}: {result.records} records, {result.new} new articles "
          f"({result.near_duplicates} near-duplicates of others), {result.duplicates} exact copies of stored "
          f"articles, {result.already_known} already in the warehouse, {rejected} rejected")
    for line, why in result.rejected_lines:
        print(f"  line {line}: {why}")
    if rejected > len(result.rejected_lines):
        print(f"  ... all of them: provnews sql \"SELECT line, reason, detail FROM rejects WHERE run_id = '{result.run_id}'\"")
    return 0


def _open_for_analysts(path):
    """The warehouse as `warehouse.analyst` opens it; an unusable file is a usage error."""
    import duckdb

    from warehouse.analyst import open_readonly
    try:
        return open_readonly(path)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    except duckdb.Error as e:  # not a DuckDB file, a directory, ...
        raise UsageError(str(e).splitlines()[0]) from None


def cmd_sql(args) -> int:
    import duckdb

    from flows.report import print_rows
    from warehouse.analyst import confine

    con = _open_for_analysts(args.db)
    try:
        # Several statements would show only the last result, and csv/json hold one result.
        statements = con.extract_statements(args.query)
        if len(statements) != 1:
            raise UsageError("no SQL statement in the query" if not statements else
                             f"one statement at a time, got {len(statements)} (for scripts: `provnews shell`)")
        # Read-only covers the warehouse; this covers the file system (COPY TO, ATTACH, read_csv).
        confine(con, args.db)
        cur = con.execute(args.query)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall() if columns else []
    except duckdb.Error as e:
        raise UsageError(str(e).splitlines()[0]) from None
    finally:
        con.close()
    print_rows(columns, rows, args.format)
    return 0


def cmd_shell(args) -> int:
    from warehouse.analyst import shell_argv

    _open_for_analysts(args.db).close()  # a missing or broken file: one line from us, not the shell's
    argv = shell_argv(args.db, args.shell_args)
    sys.stdout.flush()
    os.execv(argv[0], argv)  # the shell takes this process and the terminal: no return


def cmd_reprocess(args) -> int:
    import contextlib

    from flows import staging
    from flows.reprocess import ArchiveIncomplete, reprocess
    from spiders.portals import get
    from warehouse import db
    from warehouse.dedupe_store import DedupeStore
    from warehouse.location import locate

    for key in args.portals or ():
        get(key)
    loc = locate(args.db)
    if not loc.exists():
        raise UsageError(f"no warehouse at {loc} (run `provnews ingest` first)")
    with contextlib.closing(db.connect(loc)) as con, DedupeStore.opened(loc.staging) as store:
        try:
            r = reprocess(con, store, staging.batches_root(loc), args.portals)
        except ArchiveIncomplete as e:
            raise UsageError(str(e)) from None
    print(f"reprocessed {', '.join(r.portals) or 'nothing'}: {r.batches} batches, {r.pages} pages; "
          f"articles {r.before} -> {r.after}; {r.rejected} rejects")
    if r.dangling_urls:
        print(f"warning: {r.dangling_urls} URL(s) of other portals point at articles that no longer exist; "
              "`provnews reprocess` without --portal rebuilds them too")
    return 0


def cmd_upgrade(args) -> int:
    from warehouse.location import OLD_DEFAULT, locate
    from warehouse.upgrade import CannotUpgrade, upgrade

    source = args.source or Path(OLD_DEFAULT)
    target = locate(args.db)
    try:
        counts = upgrade(source, target)
    except CannotUpgrade as e:
        raise UsageError(str(e)) from None
    print(f"upgraded {source} into {target}: " + ", ".join(f"{n} {t}" for t, n in counts.items() if n))
    print(f"{source} is left as it was; its staging area moved to {target.staging}")
    return 0


def cmd_mirror(args) -> int:
    from mirror.server import Mirror

    try:
        m = Mirror(size=args.articles_per_portal, port=args.port)
    except OSError as e:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {e.strerror}") from None
    print(f"portal mirror on {m.base_url} ({args.articles_per_portal} articles per portal); Ctrl-C stops it")
    from mirror.corpus import SITES
    for key, site in SITES.items():
        print(f"  {key:11} {m.base_url}/{site.domain}")
    try:
        m.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_add_portal(args) -> int:
    from spiders.onboard.errors import InferenceError
    from spiders.onboard.propose import propose, redesign, write
    from spiders.portals import PORTALS, portals_dir, read_portal

    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.key):
        raise UsageError(f"--key {args.key!r}: lower-case letters, digits and _ only, a letter first")
    try:
        if args.key in PORTALS:  # a redesign: the next version beside the old one
            old = PORTALS[args.key]
            proposal = redesign(args.url, old)
            path = write(proposal, portals_dir(), old.version + 1)
        else:
            proposal = propose(args.url, args.key, name=args.name, province=args.province,
                               province_current=args.province_current, categories=args.categories,
                               infer=args.infer)
            path = write(proposal, portals_dir())
    except InferenceError as e:
        print(f"provnews: cannot add {args.key}: {e}", file=sys.stderr)
        return 3
    portal = read_portal(path)  # what the spider will read: it must load
    print(f"{proposal.how} {proposal.family}: {proposal.entries} entries on the listing page"
          + (f", next page {proposal.next_url}" if proposal.next_url else ""))
    for line in proposal.evidence:
        print(f"  {line}")
    for field, value in proposal.sample.items():
        print(f"  sample article {field}: {value}")
    print(f"wrote {path} ({portal.family.key}, categories {', '.join(portal.categories)}); "
          f"edit it, then `provnews ingest --portal {portal.key}`")
    return 0


def cmd_portals(args) -> int:
    from spiders.portals import PORTALS
    print(f"{'portal':11} {'kind':9} {'province':12}    {'since 2025':12} {'family':22} {'status':9} domains")
    for p in PORTALS.values():
        print(f"{p.key:11} {p.kind:9} {p.province:12} -> {p.province_current:12} {p.family.key:22} "
              f"{p.status:9} {', '.join(p.domains)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
    except UsageError as e:
        print(f"provnews: {e}", file=sys.stderr)
        return 2
    if args.command in ("ingest", "backfill") and not os.environ.get(OWN_SESSION):
        from warehouse.location import locate
        return _in_own_session(argv, locate(args.db))

    def run():
        if args.command != "serve":
            # A terminal run prints its own summary (failed portals and drift alerts included);
            # Prefect's log lines and tracebacks would bury it. Served runs log to the UI in full.
            os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
        handler = {"ingest": cmd_ingest, "backfill": lambda a: cmd_ingest(a, "backfill"),
                   "clean": cmd_clean, "sql": cmd_sql, "shell": cmd_shell, "mirror": cmd_mirror,
                   "portals": cmd_portals, "reprocess": cmd_reprocess, "serve": cmd_serve, "check-portals": cmd_check_portals,
                   "add-portal": cmd_add_portal, "import": cmd_import, "upgrade": cmd_upgrade}
        return handler[args.command](args)
    return _exit_status(run)


def _exit_status(run) -> int:
    """Run a command; known failures become one line on stderr and an exit status."""
    try:
        status = run()
        sys.stdout.flush()  # a closed pipe shows here at the latest, not at interpreter exit
        return status
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly, as command-line tools do, with the status a
        # shell reports for them (128 + SIGPIPE). Python flushes stdout again at exit: devnull
        # takes what is left instead of a second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("provnews: interrupted; staged batches are kept and load on the next run", file=sys.stderr)
        return 130
    except Exception as e:
        known = _known_failure(e)
        if known is None:
            raise
        status, line = known
        print(f"provnews: {line}", file=sys.stderr)
        return status


def _known_failure(e: Exception) -> tuple[int, str] | None:
    """(exit status, the line to print) of a known failure; None for anything else. Imports the
    failures' modules only once one was raised: `provnews clean` would otherwise pay for
    DuckDB's import on every call."""
    from flows.cleaning import Unusable
    from flows.prefect_api import ServerFailed
    from flows.runlock import RunInProgress
    from spiders.portals import UnknownPortal
    from warehouse.db import UpgradeNeeded, WarehouseBusy
    from warehouse.extensions import NotInstalled

    if isinstance(e, (NotInstalled, ServerFailed)):
        return 1, str(e)
    if isinstance(e, (UsageError, UnknownPortal, UpgradeNeeded)):
        return 2, str(e)
    if isinstance(e, Unusable):
        return 3, f"no article: {e}"
    if isinstance(e, (WarehouseBusy, RunInProgress)):
        return 4, str(e)
    return None


if __name__ == "__main__":
    sys.exit(main())
