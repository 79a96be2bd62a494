"""Backfills that must lose nothing: a gap below what the warehouse already holds, and a crawl
that failed once (the portal down) and is run again when the portal is back. Each compares
article ids with an uninterrupted backfill of the same mirror."""

from __future__ import annotations

import contextlib
from datetime import date

import duckdb

from flows.ingest import backfill, ingest, run_flow
from mirror.server import Mirror
from warehouse.analyst import open_readonly


def article_ids(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        return sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())


def test_a_backfill_fills_the_gap_below_what_the_warehouse_holds(tmp_path):
    # Large enough that the recent articles fill whole listing pages of their own.
    with Mirror(size=300) as mirror:
        check_gap_filled(mirror, tmp_path)


def check_gap_filled(mirror, tmp_path):
    since = date(2021, 1, 1)
    reference = tmp_path / "reference"
    whole = run_flow(backfill, since=since, portals=["hatinh"], mirror_url=mirror.base_url, db_path=str(reference))

    db_file = tmp_path / "w"
    recent = run_flow(ingest, portals=["hatinh"], since=date(2025, 1, 1), mirror_url=mirror.base_url,
                      db_path=str(db_file))
    gap = run_flow(backfill, since=since, portals=["hatinh"], mirror_url=mirror.base_url, db_path=str(db_file))

    assert 0 < recent.portals["hatinh"].new < whole.portals["hatinh"].new
    assert gap.portals["hatinh"].new == whole.portals["hatinh"].new - recent.portals["hatinh"].new
    # only what it lacked was fetched
    assert gap.portals["hatinh"].pages == whole.portals["hatinh"].pages - recent.portals["hatinh"].pages
    assert article_ids(db_file) == article_ids(reference)


def rejects(db_file):
    with contextlib.closing(open_readonly(db_file)) as con:
        return con.execute("SELECT run_id, stage, reason FROM rejects WHERE stage = 'listing'").fetchall()


def test_a_backfill_whose_crawl_failed_recovers_when_the_portal_is_back(mirror, tmp_path):
    since = date(2024, 1, 1)
    reference = tmp_path / "reference"
    run_flow(backfill, since=since, portals=["hatinh"], mirror_url=mirror.base_url, db_path=str(reference))

    db_file = tmp_path / "w"
    mirror.down.add("hatinh")
    failed = run_flow(backfill, since=since, portals=["hatinh"], mirror_url=mirror.base_url, db_path=str(db_file))
    assert failed.portals["hatinh"].status == "crawl_failed"
    mirror.down.discard("hatinh")
    again = run_flow(backfill, since=since, portals=["hatinh"], mirror_url=mirror.base_url, db_path=str(db_file))

    assert again.portals["hatinh"].status == "loaded", again.portals["hatinh"].message
    assert article_ids(db_file) == article_ids(reference)
    assert rejects(db_file) == []  # the failed crawl's listing errors are not the later run's
