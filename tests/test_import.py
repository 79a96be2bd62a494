"""`provnews import`: another crawler's archive (JSON lines and CSV) through the same cleaning,
de-duplication and load, into a real warehouse file; bad records as rejects with their line;
importing again adds nothing; republished copies linked as outlets really make them, the seeds'
same-event reports (000 and 002) not."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import REPO
from warehouse.analyst import open_readonly

SEEDS = {p.name[:3]: json.loads(p.read_text(encoding="utf-8")) for p in sorted((REPO / "seeds").glob("*.expected.json"))}
OUTLETS = {"000": "baoyenbai.com.vn", "001": "baobackan.vn", "002": "baocaobang.vn", "003": "baohatinh.vn",
           "004": "baotuyenquang.com.vn"}


def seed_record(n: str, **extra) -> dict:
    s = SEEDS[n]
    return {"url": f"https://{OUTLETS[n]}/bai-{n}.html", "title": s["title"], "published_at": s["published_at"],
            "author": s["author"], "body": "\n\n".join(filter(None, [s["lead"], s["body"]])), **extra}


def partial_copy(n: str) -> dict:
    """As vietnamplus republishes: a credit before the lead, the first two thirds of the
    paragraphs, a figure changed, the outlet's closing credit; a day later."""
    s = SEEDS[n]
    paragraphs = s["body"].split("\n\n")
    kept = paragraphs[: len(paragraphs) * 2 // 3]
    kept[1] = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), kept[1], count=1)
    body = "\n\n".join([f"(Chinhphu.vn) – {s['lead']}", *kept, "Theo TTXVN"])
    return {"url": f"https://www.vietnamplus.vn/copy-{n}.vnp", "title": s["title"],
            "published_at": s["published_at"].replace("T00:00", "T18:30"), "body": body}


def edited_copy(n: str) -> dict:
    """As VOV republishes: its own lead, the province named, a closing paragraph dropped."""
    s = SEEDS[n]
    paragraphs = s["body"].split("\n\n")[:-1]
    paragraphs = [p.replace(" tỉnh ", f" tỉnh {s['province']} ", 1) for p in paragraphs]
    lead = f"VOV.VN - {s['province']} vừa tổng kết công tác năm và đề ra nhiệm vụ trọng tâm cho thời gian tới."
    return {"url": f"https://vov.vn/chinh-tri/{n}-post.vov", "title": "VOV: " + s["title"],
            "published_at": "2024-12-31", "body": "\n\n".join([lead, *paragraphs])}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    d = tmp_path_factory.mktemp("import")
    jsonl = d / "baodientu.jsonl"
    lines = [json.dumps(seed_record(n, source="press-archive"), ensure_ascii=False) for n in SEEDS]
    lines[2:2] = ['{"title": "no url here", "body": "Một đoạn văn."}',  # line 3
                  '{"url": "https://vov.vn/x", "published_at": "hôm qua", "body": "Nội dung."}',  # line 4
                  '{"url": "https://vov.vn/y", "title": "chỉ có tiêu đề"}',  # line 5
                  '{"url": "https://vov.vn/z", "body": ',  # line 6: cut off
                  ""]  # a blank line is not a record
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    copies = d / "syndicated.csv"
    with copies.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["url", "title", "published_at", "author", "body", "html"])
        w.writeheader()
        w.writerow(partial_copy("001"))   # line 2 (a body of many lines: records span lines)
        w.writerow(edited_copy("003"))
        w.writerow({"url": "https://vov.vn/bad", "published_at": "32/13/2024", "body": "Nội dung."})
        w.writerow({"url": "https://baohatinh.vn/trang.html", "published_at": "2024-05-02 08:00",
                    "html": "<html><head><title>Tin vắn</title></head><body><article><h1>Tin vắn</h1>"
                            + "".join(f"<p>{p}</p>" for p in SEEDS["004"]["body"].split("\n\n")[:6])
                            + "</article></body></html>"})
    return {"jsonl": jsonl, "csv": copies, "db": d / "warehouse"}


def query(db_file, sql, params=()):
    with contextlib.closing(open_readonly(db_file)) as con:
        return con.execute(sql, params).fetchall()


def provnews(*args, db):
    return subprocess.run([sys.executable, "-m", "flows.cli", "--db", str(db), *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def counts(db):
    return query(db, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_urls), "
                     "(SELECT count(*) FROM rejects)")[0]


@pytest.fixture(scope="module")
def imported(archive):
    first = [provnews("import", str(archive[k]), "--source", "old-crawler", db=archive["db"]) for k in ("jsonl", "csv")]
    after_first = counts(archive["db"])
    again = [provnews("import", str(archive[k]), db=archive["db"]) for k in ("jsonl", "csv")]
    return {"first": first, "again": again, "after_first": after_first, "after_again": counts(archive["db"]),
            "db": archive["db"]}


def test_import_loads_records_and_rejects_bad_ones_with_their_line(archive, imported):
    assert [r.returncode for r in imported["first"]] == [0, 0], [r.stderr for r in imported["first"]]
    db = imported["db"]
    assert query(db, "SELECT count(*) FROM articles WHERE imported_from = 'press-archive'") == [(5,)]
    assert query(db, "SELECT count(*) FROM articles WHERE imported_from = 'old-crawler'") == [(3,)]
    rejects = query(db, "SELECT line, reason, url FROM rejects WHERE stage = 'import'")
    csv_line = next(i for i, text in enumerate(archive["csv"].read_text(encoding="utf-8").splitlines(), 1)
                    if text.startswith("https://vov.vn/bad"))  # records of many lines: where it starts
    assert sorted(rejects) == [(3, "no_url", "baodientu.jsonl:3"), (4, "bad_date", "https://vov.vn/x"),
                               (5, "empty_text", "https://vov.vn/y"), (6, "bad_json", "baodientu.jsonl:6"),
                               (csv_line, "bad_date", "https://vov.vn/bad")]
    assert "line 3: no_url" in imported["first"][0].stdout
    (title, day, author, portal, source), = query(
        db, "SELECT title, CAST(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE), author, portal, imported_from "
            "FROM articles WHERE url = ?", [seed_record("001")["url"]])
    assert (title, str(day), author, portal, source) == (SEEDS["001"]["title"], "2024-04-08", "Hương Dịu",
                                                          "baobackan", "press-archive")
    html_title, = query(db, "SELECT title FROM articles WHERE url = 'https://baohatinh.vn/trang.html'")
    assert html_title == ("Tin vắn",)


def test_importing_the_same_files_again_adds_nothing(imported):
    assert [r.returncode for r in imported["again"]] == [0, 0]
    assert imported["after_again"] == imported["after_first"]
    assert "0 new articles" in imported["again"][0].stdout and "already in the warehouse" in imported["again"][0].stdout


def test_republished_copies_point_at_their_original_and_same_event_reports_stay_apart(imported):
    db = imported["db"]
    ids = dict(query(db, "SELECT url, article_id FROM articles"))
    dup = dict(query(db, "SELECT url, duplicate_of FROM articles"))
    assert dup[partial_copy("001")["url"]] == ids[seed_record("001")["url"]]
    assert dup[edited_copy("003")["url"]] == ids[seed_record("003")["url"]]
    assert dup["https://baohatinh.vn/trang.html"] == ids[seed_record("004")["url"]]  # its first paragraphs
    assert dup[seed_record("000")["url"]] is None and dup[seed_record("002")["url"]] is None
    (similarity,), = query(db, "SELECT similarity FROM articles WHERE url = ?", [partial_copy("001")["url"]])
    assert 0.6 <= similarity < 1


def test_a_bad_argument_is_one_line(tmp_path):
    wrong = tmp_path / "archive.xml"
    wrong.write_text("<x/>")
    for path in (wrong, tmp_path / "missing.jsonl"):
        done = provnews("import", str(path), db=tmp_path / "w")
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_reprocess_keeps_imported_articles_which_have_no_raw_pages(imported):
    db = imported["db"]
    before = query(db, "SELECT count(*) FROM articles WHERE portal = 'baobackan'")
    done = provnews("reprocess", "--portal", "baobackan", db=db)
    assert done.returncode == 0, done.stderr
    assert query(db, "SELECT count(*) FROM articles WHERE portal = 'baobackan'") == before == [(1,)]
    assert counts(db) == imported["after_again"]


def test_an_import_is_no_crawl_of_a_portal_for_drift_or_the_weekly_trend(imported):
    from flows import trend
    from warehouse import runs
    with contextlib.closing(open_readonly(imported["db"])) as con:
        assert con.execute("SELECT count(*) FROM crawl_runs WHERE flow = 'import'").fetchone()[0] == 4
        assert runs.history(con, "old-crawler") == []
        _, portals = trend.read_weeks(con, "Asia/Ho_Chi_Minh")
        assert portals == []
