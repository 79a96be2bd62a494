"""Cleaning ahead of the load (`flows.cleaning.ahead`): a real crawl writes, beside its raw pages,
each page's cleaned article; the load takes it instead of cleaning the page again, cleans any
page without its line itself, never takes a line of other cleaning code, and deletes the file
once the batch is loaded (the raw pages stay the archive)."""

from __future__ import annotations

import gzip
import json
import subprocess

from flows import batches, staging
from flows.cleaning import ahead
from mirror.server import encode_windows_1258
from spiders import crawl
from spiders.items import body_fields, page_bytes
from spiders.portals import PORTALS
from tests.conftest import REPO
from tests.test_warehouse import loading, make_batch, run_row


def lines_of(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(text) for text in f]


def write_lines(path, lines):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def stored_titles(con):
    return dict(con.execute("SELECT url, title FROM articles").fetchall())


def test_the_crawl_cleans_each_page_and_the_load_takes_its_lines(mirror, tmp_path):
    batch = staging.Batch(tmp_path / "batches" / "r1-caobang")
    done = subprocess.run(crawl.command("caobang", batch.path, mirror_url=mirror.base_url),
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    pages = [r for r in batch.records() if r["kind"] == "page"]
    assert all(p["body"] and p["body_b64"] is None for p in pages)  # UTF-8 pages: staged as text
    cleaned_file = batch.path / ahead.file_name(PORTALS["caobang"])
    lines = lines_of(cleaned_file)
    # One line per staged page, in order, each what the load would make of the raw page.
    assert len(pages) >= 50 and [line["url_key"] for line in lines] == [p["url_key"] for p in pages]
    assert lines == [ahead.clean_record(p, PORTALS["caobang"]) for p in pages]
    assert sum("article" in line for line in lines) >= 50

    # The load takes the crawl's line, not its own cleaning of the page: a line changed here shows.
    first = next(line for line in lines if "article" in line)
    first["article"]["title"] = "Tiêu đề do lượt thu thập làm sạch"
    write_lines(cleaned_file, lines)
    with loading(tmp_path / "w") as (con, store):
        result = batches.load(con, store, batch, "r1", run_row(batch))
        titles = stored_titles(con)
    assert result.new >= 50
    assert titles[first["article"]["url"]] == "Tiêu đề do lượt thu thập làm sạch"
    assert not list(batch.path.glob(ahead.PREFIX + "*"))  # gone once loaded
    assert (batch.path / "pages.jsonl.gz").exists()


def test_a_staged_page_keeps_its_bytes_exactly():
    """UTF-8 bytes are staged as their text, any others in base64; either way the load reads back
    the bytes as fetched, through the staged file's JSON."""
    utf8 = "<html><body>\ufeffCổng thông tin điện tử\u2028 tỉnh Yên Bái</body></html>".encode()
    legacy = encode_windows_1258("<html><body>Cổng thông tin điện tử tỉnh Yên Bái</body></html>")
    broken = utf8[:-20] + b"\xe1\xbb" + utf8[-20:]  # a character cut in two
    for raw in (utf8, legacy, broken, "Yên Bái".encode("utf-8-sig"), b"", bytes(range(256))):
        line = json.loads(json.dumps(body_fields(raw), ensure_ascii=False))
        assert page_bytes(line) == raw
    assert set(body_fields(utf8)) == {"body"} and set(body_fields(legacy)) == set(body_fields(broken)) == {"body_b64"}


def test_pages_without_a_usable_line_are_cleaned_by_the_load(tmp_path):
    """A line missing (a killed crawl's last pages, a resumed crawl's earlier part), a file cut
    short, a file of other cleaning code (its name's fingerprint): the load cleans those pages
    itself, and stores what it would have stored with no file at all."""
    portal = PORTALS["caobang"]
    plain = make_batch(tmp_path / "plain", "r1-caobang")
    with loading(tmp_path / "w-plain") as (con, store):
        batches.load(con, store, plain, "r1", run_row(plain))
        expected = stored_titles(con)
    assert len(expected) == 6

    def changed(page):
        line = ahead.clean_record(page, portal)
        line["article"]["title"] = "stale"
        return line

    def with_lines(name, lines, file_name=ahead.file_name(portal), cut=False):
        batch = make_batch(tmp_path / name, "r1-caobang")
        path = batch.path / file_name
        write_lines(path, lines([r for r in batch.records() if r["kind"] == "page"]))
        if cut:
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return batch

    for batch in [
        with_lines("gaps", lambda pages: [ahead.clean_record(p, portal) for p in pages[::2]]),
        with_lines("cut", lambda pages: [ahead.clean_record(p, portal) for p in pages], cut=True),
        with_lines("other-code", lambda pages: [changed(p) for p in pages],
                   file_name=ahead.PREFIX + "0" * 16 + ".jsonl.gz"),
    ]:
        with loading(tmp_path / f"w-{batch.path.parent.name}") as (con, store):
            batches.load(con, store, batch, "r1", run_row(batch))
            assert stored_titles(con) == expected, batch.path
        assert not list(batch.path.glob(ahead.PREFIX + "*"))

    # ... and the lines it does take are used: every other page's line, changed.
    batch = with_lines("gaps-changed", lambda pages: [changed(p) for p in pages[::2]])
    with loading(tmp_path / "w-gaps-changed") as (con, store):
        batches.load(con, store, batch, "r1", run_row(batch))
        assert sorted(stored_titles(con).values()).count("stale") == 3


def test_a_line_says_why_a_page_is_not_an_article(tmp_path):
    portal = PORTALS["caobang"]
    batch = make_batch(tmp_path / "b", "r1-caobang", indices=range(3, 5))
    pages = [r for r in batch.records() if r["kind"] == "page"]
    lines = [ahead.clean_record(p, portal) for p in pages]
    lines[0] = {"url_key": pages[0]["url_key"], "unusable": ["empty_body", "no article text"]}
    write_lines(batch.path / ahead.file_name(portal), lines)
    with loading(tmp_path / "w") as (con, store):
        result = batches.load(con, store, batch, "r1", run_row(batch))
        reasons = con.execute("SELECT reason, url FROM rejects WHERE stage = 'clean'").fetchall()
    assert result.new == 1 and reasons == [("empty_body", pages[0]["url"])]
    assert not list(batch.path.glob(ahead.PREFIX + "*"))
