"""`provnews check-portals`: a live smoke test of each portal's definition. Fetches robots.txt,
the first listing page of each category and one article, with the normal polite settings, then
cleans the article and reports which fields its selectors found. Nothing is written to the
warehouse.
"""

from __future__ import annotations

import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flows import staging
from flows.cleaning import Unusable, ahead
from spiders import crawl, progress
from spiders.portals import PORTALS, get as get_portal

FIELDS = ("title", "published_at", "author", "lead")


def check_portal(key: str, mirror_url: str | None = None, base_url: str | None = None) -> dict:
    out = {"portal": key, "ok": False, "listing_entries": 0, "url": None, "extraction": None,
           "body_chars": 0, "missing": [], "problem": None}
    with tempfile.TemporaryDirectory(prefix="provnews-check-") as tmp:
        batch_dir = Path(tmp) / key
        cmd = crawl.command(key, batch_dir, mirror_url=mirror_url, base_url=base_url,
                            settings={"PROVNEWS_MAX_LISTING_PAGES": 1, "PROVNEWS_MAX_ARTICLES": 1})
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        batch = staging.Batch(batch_dir)
        if proc.returncode != 0 or not batch.complete:
            # The cause as the crawl judged it (DNS, refused, timeout, HTTP status), never a path
            # into this temporary directory, which is gone when the table is printed.
            problem = (progress.read(batch_dir) or {}).get("problem")
            out["problem"] = problem or (proc.stderr.strip().splitlines() or [f"crawl exit {proc.returncode}"])[-1]
            return out
        out["listing_entries"] = batch.manifest.get("listing_entries", 0)
        records = list(batch.records())
    page = next((r for r in records if r["kind"] == "page"), None)
    if page is None:
        reasons = sorted({r["reason"] for r in records if r["kind"] == "reject"})
        out["problem"] = "no article fetched" + (f" ({', '.join(reasons)})" if reasons else "")
        return out
    out["url"] = page["url"]
    try:
        art, *_ = ahead.clean_staged(page, get_portal(key))
    except Unusable as e:
        out["problem"] = f"article unusable: {e.reason}"
        return out
    out["extraction"] = art.extraction
    out["body_chars"] = len(art.body)
    out["missing"] = [f for f in FIELDS if not getattr(art, f)]
    out["ok"] = art.extraction == "selectors" and not {"title", "published_at"} & set(out["missing"])
    if art.extraction != "selectors":
        out["problem"] = "selectors found no article region (generic extraction used)"
    return out


def check_portals(keys: list[str] | None = None, mirror_url: str | None = None,
                  base_url: str | None = None) -> list[dict]:
    keys = keys or list(PORTALS)
    with ThreadPoolExecutor(max_workers=len(keys)) as pool:  # each portal is its own host
        return list(pool.map(lambda k: check_portal(k, mirror_url, base_url), keys))
