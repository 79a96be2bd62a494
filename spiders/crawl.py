"""Crawl one portal into one staged batch. Run in a child process: Scrapy's reactor cannot be
restarted inside a process, so the flow starts `python -m spiders.crawl ...` per portal.

    python -m spiders.crawl yenbai --batch-dir data/batches/X [--known-urls F] [--since D]
        [--until D] [--mirror-url URL | --base-url URL] [--jobdir DIR] [-s NAME=VALUE]...

On success the batch directory holds `pages.jsonl.gz` and, written last, `manifest.json`.
Exit status: 0 done, 1 did not finish, 3 no listing page could be fetched, 130 stopped by
SIGINT/SIGTERM. With `--jobdir`, a stopped crawl resumes where it stopped when run again with the
same job and batch directories (Scrapy's JOBDIR keeps the queue and the requests already seen).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

MANIFEST = "manifest.json"
INTERRUPTED = 130  # exit status of a crawl stopped by a signal: resumable, not a failure to retry


def command(portal: str, batch_dir, *, known_urls=None, since=None, until=None, mirror_url=None,
            base_url=None, jobdir=None, settings: dict | None = None) -> list[str]:
    """The argument list that runs this module for one portal (never a shell string)."""
    cmd = [sys.executable, "-m", "spiders.crawl", portal, "--batch-dir", str(batch_dir)]
    for flag, value in (("--known-urls", known_urls), ("--since", since), ("--until", until),
                        ("--mirror-url", mirror_url), ("--base-url", base_url), ("--jobdir", jobdir)):
        if value:
            cmd += [flag, str(value)]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m spiders.crawl")
    ap.add_argument("portal")
    ap.add_argument("--batch-dir", required=True)
    ap.add_argument("--known-urls")
    ap.add_argument("--since")
    ap.add_argument("--until")
    ap.add_argument("--mirror-url")
    ap.add_argument("--base-url")
    ap.add_argument("--jobdir")
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from spiders.portal_spider import SPIDERS
    from spiders.progress import PROBLEM_STAT, counts, save_counts

    batch = Path(args.batch_dir)
    batch.mkdir(parents=True, exist_ok=True)
    settings = get_project_settings()
    settings.set("PROVNEWS_BATCH_DIR", str(batch))
    settings.set("LOG_FILE", str(batch / "crawl.log"))
    settings.set("LOG_FILE_APPEND", False)
    if args.jobdir:
        settings.set("JOBDIR", args.jobdir)
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")

    started = datetime.now(timezone.utc)
    process = CrawlerProcess(settings)
    spider_args = {k: v for k, v in vars(args).items()
                   if k in ("known_urls", "since", "until", "mirror_url", "base_url") and v}
    crawler = process.create_crawler(SPIDERS[args.portal])
    process.crawl(crawler, **spider_args)
    process.start()

    finish = crawler.stats.get_value("finish_reason", "unknown")
    manifest = {
        "portal": args.portal,
        "definition_version": SPIDERS[args.portal].portal.version,  # the load cleans with this one
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "finish_reason": finish,
        **counts(crawler.stats, args.jobdir),
        "since": args.since, "until": args.until,
    }
    if finish == "closespider_timeout":
        # The portal's crawl reached PROVNEWS_CRAWL_TIMEOUT: what was fetched is complete pages,
        # so the batch loads; the load records the timeout as a reject, which makes the portal's
        # next crawl walk on past known listing pages (warehouse.runs.cut_short).
        finish = "finished"
        manifest["timed_out"] = True
    if finish == "finished" and not manifest["listing_pages"]:
        # Not one listing page: the portal is down or refuses us. Fail, so that the run says so.
        # The cause in one line (DNS, refused, timeout, HTTP status), read by the run and check-portals.
        print(f"no listing page of {args.portal} could be fetched: "
              f"{crawler.stats.get_value(PROBLEM_STAT) or 'cause unknown'}", file=sys.stderr)
        return 3
    # Stopped or broken off: leave no manifest, so the batch is never loaded as if complete.
    if finish == "shutdown":
        if args.jobdir:
            save_counts(crawler.stats, args.jobdir)
        print(f"crawl of {args.portal} stopped; resumable: {bool(args.jobdir)}", file=sys.stderr)
        return INTERRUPTED
    if finish != "finished" or not (batch / "pages.jsonl.gz").exists():
        print(f"crawl of {args.portal} did not finish ({finish})", file=sys.stderr)
        return 1
    tmp = batch / (MANIFEST + ".part")
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, batch / MANIFEST)
    return 0


if __name__ == "__main__":
    sys.exit(main())
