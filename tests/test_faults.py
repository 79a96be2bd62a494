"""The fault suite: every way a portal answers badly, from the mirror's own fault pages and from
the project's fault-injecting layer between the spider and the mirror (mirror/faults.py). Each
case owes an outcome, loaded or a `rejects` row naming its reason, and none may crash the run,
hang it past its bounds, or exhaust memory. Prints the figures the README quotes."""

from __future__ import annotations

import contextlib
import resource
import time

import duckdb

from flows.ingest import ingest, run_flow
from mirror import corpus
from mirror.faults import FAULTS, FaultProxy
from mirror.families import layout_for, listed_url
from mirror.server import Mirror
from spiders.portals import PORTALS
from warehouse.analyst import open_readonly

PORTAL, SIZE = "hatinh", 60
# Tight bounds, so that the cases that must hit them do so quickly.
BOUNDS = {"PROVNEWS_DOWNLOAD_TIMEOUT": "2", "PROVNEWS_DOWNLOAD_MAXSIZE": str(1024 * 1024),
          "PROVNEWS_RETRY_TIMES": "1", "PROVNEWS_MAX_REDIRECTS": "4", "PROVNEWS_MAX_LISTING_PAGES": "10",
          "PROVNEWS_CRAWL_TIMEOUT": "300"}
RUN_BOUND_SECONDS = 180

# What each fault of the layer owes: "loaded", or the (stage, reason) of its rejects row.
OWED = {
    "transient_503": "loaded",
    "permanent_500": ("fetch", "http_500"),
    "not_found": ("fetch", "http_404"),
    "timeout": ("fetch", "timeout"),
    "slow_first_byte": "loaded",
    "truncated": ("fetch", "connection_lost"),
    "reset": ("fetch", "connection_lost"),
    "oversize": ("fetch", "too_large"),
    "gzip_bomb": ("fetch", "too_large"),
    "random_bytes": ("clean", "binary"),
    "windows_1258": "loaded",
    "wrong_charset": "loaded",
    "redirect_loop": ("fetch", "too_many_redirects"),
    "offsite_redirect": ("fetch", "offsite"),
}
# The mirror's own fault pages (corpus.FAULTS), by what the pipeline must make of them.
MIRROR_OWED = {"truncated": ("clean", "truncated_html"), "empty_body": ("clean", "empty_body"),
               "pdf": ("fetch", "not_html"), "attachment_stub": ("clean", "attachment_only")}


def test_every_fault_ends_loaded_or_rejected_with_its_reason(tmp_path, monkeypatch, capsys):
    assert set(OWED) == set(FAULTS)
    for name, value in BOUNDS.items():
        monkeypatch.setenv(name, value)  # read by the crawl processes' settings
    portal, layout = PORTALS[PORTAL], layout_for(PORTAL, SIZE)
    domain = corpus.SITES[PORTAL].domain
    # The layer's faults go on articles the mirror serves cleanly and lists once.
    clean = [corpus.article(PORTAL, i, SIZE) for i in range(SIZE)
             if corpus.fault_of(PORTAL, i, SIZE) is None and not corpus.reposted(PORTAL, i)]
    assigned = dict(zip(FAULTS, clean))
    cases = {portal.url_key(listed_url(a)): ("layer", fault, OWED[fault])
             for fault, a in assigned.items()}
    for t in corpus.truth(SIZE, portals=[PORTAL]):
        a = corpus.article(PORTAL, t.index, SIZE)
        if t.fault and t.index not in {a.index for a in assigned.values()}:
            cases[portal.url_key(listed_url(a))] = (
                "mirror", t.fault, "loaded" if t.expected == "article" else MIRROR_OWED[t.fault])

    db_file = tmp_path / "w"
    with Mirror(size=SIZE, slow_seconds=0.3) as mirror:
        # Listing faults: a page with 2,000 links to pages that do not exist; a pagination that
        # never ends (each page has new links).
        categories = [c for c, _ in corpus.SITES[PORTAL].categories]
        mirror.listing_faults = {f"{PORTAL}/{categories[0]}": "thousands_of_links",
                                 f"{PORTAL}/{categories[1]}": "endless_pagination"}
        faults = {f"/{domain}{layout.article_path(a)}": fault for fault, a in assigned.items()}
        with FaultProxy(mirror.base_url, faults, timeout_seconds=3, oversize_bytes=4 * 1024 * 1024) as proxy:
            started = time.monotonic()
            report = run_flow(ingest, portals=[PORTAL], mirror_url=proxy.base_url, db_path=str(db_file))
            seconds = time.monotonic() - started
    peak_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024

    assert report.portals[PORTAL].status == "loaded", report.portals[PORTAL].message
    assert seconds < RUN_BOUND_SECONDS
    with contextlib.closing(open_readonly(db_file)) as con:
        stored = {k for (k,) in con.execute("SELECT url_key FROM article_urls").fetchall()}
        rejects = {}
        for key, stage, reason in con.execute("SELECT url_key, stage, reason FROM rejects").fetchall():
            rejects.setdefault(key, set()).add((stage, reason))
        duplicated = con.execute("SELECT count(*) - count(DISTINCT url_key) FROM article_urls").fetchone()[0]
        listing = con.execute("SELECT stage, reason, count(*) FROM rejects WHERE url_key IS NULL "
                              "OR url LIKE '%khong-ton-tai%' OR url LIKE '%/trang-%' GROUP BY ALL").fetchall()

    wrong, lost, loaded_ok, rejected_ok = [], [], 0, 0
    for key, (source, fault, owed) in cases.items():
        if owed == "loaded":
            if key in stored:
                loaded_ok += 1
            else:
                (lost if key not in rejects else wrong).append((source, fault, key, rejects.get(key)))
        elif owed in rejects.get(key, ()):
            rejected_ok += 1
        else:
            (wrong if key in stored or key in rejects else lost).append((source, fault, key, rejects.get(key)))
    assert not lost, lost
    assert not wrong, wrong
    assert duplicated == 0

    # The listing faults: the 2,000 links are each rejected (404), the endless walk stopped at
    # its bound with a row saying so.
    by_reason = {(stage, reason): n for stage, reason, n in listing}
    assert by_reason.get(("fetch", "http_404"), 0) >= 2000
    assert by_reason.get(("listing", "listing_walk_capped")) == 1
    # Everything else the mirror publishes in those categories is loaded.
    assert report.portals[PORTAL].new >= len(clean) - len(assigned) - 5

    with capsys.disabled():
        print(f"\nfault suite: {len(cases) + 2} cases ({len(OWED)} layer faults, "
              f"{len(cases) - len(assigned)} mirror fault pages, 2 listing faults); loaded as owed {loaded_ok}, "
              f"rejected with reason as owed {rejected_ok + 2}; lost {len(lost)}; duplicated {duplicated}; "
              f"run {seconds:.1f} s; peak memory {peak_mb:.0f} MB (largest process)")


def test_a_crawl_that_reaches_its_time_bound_keeps_what_it_fetched_and_the_next_walks_on(tmp_path, monkeypatch):
    """The crawl stops at PROVNEWS_CRAWL_TIMEOUT, its pages load with a crawl_timeout reject;
    the next run walks past the listing pages it knows and fetches what the first did not reach."""
    db_file, reference = tmp_path / "w", tmp_path / "reference" / "w"
    with Mirror(size=300, slow_seconds=0.3, latency_seconds=0.3) as mirror:  # ≈ 15 s unbounded
        run_flow(ingest, portals=[PORTAL], mirror_url=mirror.base_url, db_path=str(reference))
        monkeypatch.setenv("PROVNEWS_CRAWL_TIMEOUT", "3")
        started = time.monotonic()
        report = run_flow(ingest, portals=[PORTAL], mirror_url=mirror.base_url, db_path=str(db_file))
        seconds = time.monotonic() - started
        monkeypatch.delenv("PROVNEWS_CRAWL_TIMEOUT")
        with contextlib.closing(open_readonly(db_file)) as con:
            assert con.execute("SELECT stage, reason FROM last_run_rejects WHERE reason = 'crawl_timeout'"
                               ).fetchall() == [("crawl", "crawl_timeout")]
        after = run_flow(ingest, portals=[PORTAL], mirror_url=mirror.base_url, db_path=str(db_file))
    rep = report.portals[PORTAL]
    assert rep.status == "loaded" and 0 < rep.new < 250 and rep.reasons.get("crawl_timeout") == 1
    assert seconds < 40
    assert after.portals[PORTAL].new > 0 and "crawl_timeout" not in after.portals[PORTAL].reasons
    ids = "SELECT article_id FROM articles ORDER BY 1"
    with contextlib.closing(open_readonly(db_file)) as con:
        resumed = con.execute(ids).fetchall()
    with contextlib.closing(open_readonly(reference)) as con:
        assert resumed == con.execute(ids).fetchall()
