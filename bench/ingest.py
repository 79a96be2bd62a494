"""End-to-end ingest at scale, on the portal mirror served by its own process:

1. a backfill of every portal into an empty warehouse, as a user runs it
   (`provnews backfill --since 2000-01-01 --mirror-url ...`): wall time from the command's start
   to its end (Prefect's start-up, the crawls, cleaning, de-duplication, the load, the full-text
   index), and the peak memory of its whole process tree (flow, crawls, Prefect's API server);
2. the baseline: a bare Scrapy spider fetching the same article pages (the URLs the backfill
   fetched) with the same concurrency, one process per portal, and doing nothing with the
   responses, with Scrapy's defaults (the issue's baseline), then again with the pipeline's own
   Scrapy settings (CONCURRENT_ITEMS=1 and Twisted's default reactor, see spiders/settings.py);
3. a scheduled run with nothing new (`provnews ingest`): its requests against the backfill's,
   and its wall time against Prefect's own start (a flow that does nothing, run the same way:
   its temporary API server started and stopped);
4. the same backfill at a fifth of the size, to show how the peak memory grows.

Loopback runs drop politeness (no download delay, 16 requests at a time per portal), as every
crawl of a loopback mirror does.

    python bench/ingest.py [--articles 50000]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import HEADER, machine, row  # noqa: E402
from flows import staging  # noqa: E402
from spiders import settings as scrapy_settings  # noqa: E402
from spiders.portals import PORTALS  # noqa: E402
from warehouse.analyst import open_readonly  # noqa: E402

PROVNEWS = [sys.executable, "-m", "flows.cli"]
# The second baseline: the bare fetch with the Scrapy settings the pipeline's crawls change from
# Scrapy's defaults for speed (an empty reactor path: Twisted's default reactor).
PIPELINE_SETTINGS = (f"CONCURRENT_ITEMS={scrapy_settings.CONCURRENT_ITEMS}",
                     f"TWISTED_REACTOR={scrapy_settings.TWISTED_REACTOR or ''}")


@contextlib.contextmanager
def mirror(articles_per_portal: int):
    """`provnews mirror` in its own process, so that serving does not share this one's GIL."""
    proc = subprocess.Popen([*PROVNEWS, "mirror", "--port", "0", "--articles-per-portal", str(articles_per_portal)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # "portal mirror on http://127.0.0.1:PORT (...)"
        yield first.split()[3]
    finally:
        proc.terminate()
        proc.wait()


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def timed_run(argv: list[str]) -> tuple[float, float]:
    """Run a command; its wall seconds and the peak resident memory of its process tree (MB)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:])} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, peak / 1024


def run_figures(con, run_id: str) -> dict:
    return dict(zip(("requests", "listing_pages", "pages", "new"), con.execute(
        "SELECT sum(requests), sum(listing_pages), sum(pages_fetched), sum(articles_new) FROM crawl_runs "
        "WHERE run_id = ?", [run_id]).fetchone()))


def backfill(workdir: Path, base_url: str) -> dict:
    db_file = workdir / "warehouse"
    seconds, peak_mb = timed_run([*PROVNEWS, "--db", str(db_file), "backfill", "--since", "2000-01-01",
                                  "--mirror-url", base_url])
    with contextlib.closing(open_readonly(db_file)) as con:
        (run_id,) = con.execute("SELECT max(run_id) FROM crawl_runs").fetchone()
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        figures = run_figures(con, run_id)
    return dict(seconds=seconds, peak_mb=peak_mb, articles=articles, db=db_file, **figures)


def bare_fetch(workdir: Path, batches: Path, settings: tuple[str, ...] = ()) -> dict:
    """The baseline: every article page the backfill fetched, fetched again by a spider that
    does nothing with it, one process per portal in parallel; `settings`: NAME=VALUE for it.
    Its CPU seconds: those of the children this process waited for meanwhile."""
    procs = []
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    pages = 0
    for batch in sorted(batches.iterdir()):
        # Pages the crawl fetched (an API's records came with their listing: no page of their own).
        # Each line read whole: a page staged as its text may mention either string itself.
        records = (json.loads(line) for line in gzip.open(batch / "pages.jsonl.gz", "rt"))
        urls = [r["fetched_url"] for r in records
                if r["kind"] == "page" and "application/json" not in r["headers"].get("Content-Type", "")]
        pages += len(urls)
        url_file = workdir / f"{batch.name}.urls"
        url_file.write_text("\n".join(urls))
        procs.append(subprocess.Popen([sys.executable, str(REPO / "bench" / "bare_fetch.py"), str(url_file), *settings],
                                      cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    fetched = 0
    for proc in procs:
        out = proc.communicate()[1]
        if proc.returncode != 0:
            raise SystemExit(f"bare fetch failed: {out[-2000:]}")
        fetched += int(out.strip().splitlines()[-1])
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
    return dict(seconds=seconds, pages=pages, fetched=fetched, cpu=cpu_seconds)


def scheduled_run(db_file: Path, base_url: str) -> dict:
    seconds, _ = timed_run([*PROVNEWS, "--db", str(db_file), "ingest", "--mirror-url", base_url])
    with contextlib.closing(open_readonly(db_file)) as con:
        (run_id,) = con.execute("SELECT max(run_id) FROM crawl_runs").fetchone()
        return dict(seconds=seconds, **run_figures(con, run_id))


PREFECT_START = "from prefect import flow\n@flow\ndef nothing():\n    pass\nnothing()\n"


def prefect_start() -> float:
    """Seconds of a flow that does nothing, in a fresh process, as `provnews ingest` runs one."""
    seconds, _ = timed_run([sys.executable, "-c", PREFECT_START])
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=50_000, help="articles the mirror publishes, all portals")
    args = ap.parse_args()
    per_portal = args.articles // len(PORTALS)
    small_per_portal = per_portal // 5

    with tempfile.TemporaryDirectory(prefix="provnews-bench-") as tmp:
        tmp = Path(tmp)
        with mirror(small_per_portal) as base_url:
            small = backfill(tmp / "small", base_url)
        with mirror(per_portal) as base_url:
            big = backfill(tmp / "big", base_url)
            bare = bare_fetch(tmp, staging.batches_root(big["db"]))
            tuned = bare_fetch(tmp, staging.batches_root(big["db"]), PIPELINE_SETTINGS)
            again = scheduled_run(big["db"], base_url)
        start = prefect_start()

    big_pages = big["pages"] + big["listing_pages"]
    print(f"End-to-end ingest: the mirror at {per_portal * len(PORTALS):,} articles "
          f"({per_portal:,} per portal, its own process); {machine()}")
    print(f"backfill: {big['requests']:,} requests, {big['listing_pages']:,} listing pages, {big['pages']:,} "
          f"article pages, {big['articles']:,} articles stored, {big['seconds']:.0f} s from command to "
          f"warehouse; bare Scrapy fetch of the same {bare['pages']:,} article pages: {bare['seconds']:.0f} s "
          f"({bare['cpu']:.0f} s of CPU), with the pipeline's Scrapy settings: {tuned['seconds']:.0f} s "
          f"({tuned['cpu']:.0f} s of CPU)")
    print(f"scheduled run with nothing new: {again['requests']} requests, {again['new']} new articles; "
          f"smaller backfill for memory: the mirror at {small_per_portal * len(PORTALS):,} articles, "
          f"{small['articles']:,} stored; peak memory = resident memory of the command's whole process "
          "tree (flow, crawls, Prefect's API server), sampled every 0.2 s")
    print("loopback politeness: no download delay, 16 concurrent requests per portal, both sides")
    print(HEADER)
    page_rate, bare_rate = big_pages / big["seconds"], bare["pages"] / bare["seconds"]
    print(row("ingest_pages_rate", page_rate, "pages/s", bare_rate, ">= 0.8x bare fetch",
              page_rate >= 0.8 * bare_rate))
    article_rate = big["articles"] / big["seconds"]
    print(row("ingest_articles_rate", article_rate, "articles/s", bare_rate, ">= 0.7x bare fetch",
              article_rate >= 0.7 * bare_rate))
    # The same against a bare fetch with the pipeline's own Scrapy settings (PIPELINE_SETTINGS).
    tuned_rate = tuned["pages"] / tuned["seconds"]
    print(row("ingest_pages_rate_vs_tuned", page_rate, "pages/s", tuned_rate, ">= 0.8x tuned fetch",
              page_rate >= 0.8 * tuned_rate))
    print(row("ingest_articles_rate_vs_tuned", article_rate, "articles/s", tuned_rate, ">= 0.7x tuned fetch",
              article_rate >= 0.7 * tuned_rate))
    share = again["requests"] / big["requests"]
    print(row("nothing_new_requests", again["requests"], "requests", big["requests"], "<= 2% first run",
              share <= 0.02))
    print(row("nothing_new_wall", again["seconds"], "s", start, "<= Prefect start + 5 s",
              again["seconds"] <= start + 5))
    small_label, big_label = per_portal * len(PORTALS) // 5000, per_portal * len(PORTALS) // 1000
    print(row(f"peak_memory_{small_label}k", small["peak_mb"], "MB", None, "< 700 MB",
              small["peak_mb"] < 700))
    print(row(f"peak_memory_{big_label}k", big["peak_mb"], "MB", small["peak_mb"],
              "< 700 MB, <= 1.2x", big["peak_mb"] < 700 and big["peak_mb"] <= 1.2 * small["peak_mb"]))


if __name__ == "__main__":
    main()
