"""The command line as a new user meets it: each test runs `provnews` in a child process, on a
small real warehouse built here (no crawl), and checks what the user sees."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, SEEDS, run_cli

SEED = json.loads((SEEDS / "001_65fc4686f071d328.expected.json").read_text(encoding="utf-8"))
# The Bac Kan seed, half an hour after its midnight: in UTC still the day before.
PUBLISHED = "2024-04-08 00:30:00+07"
SEARCH = ("SELECT count(*) FROM (SELECT fts_main_articles.match_bm25(article_id, 'Ban Chấp hành', "
          "conjunctive := 1) AS score FROM articles) WHERE score IS NOT NULL")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A migrated warehouse holding one seed article (Bac Kan, 8 April 2024) and its index."""
    from warehouse import db, search
    path = tmp_path_factory.mktemp("w") / "w"
    with contextlib.closing(db.connect(path)) as con:
        con.execute("""INSERT INTO articles (article_id, portal, province, province_current, url, title,
                       published_at, lead, body, extraction, content_hash, first_seen_at, run_id, batch_id)
                       VALUES ('a1', 'backan', 'Bắc Kạn', 'Thái Nguyên', 'https://backan.gov.vn/a1', ?, ?, ?, ?,
                       'selectors', 'h1', now(), 'r1', 'b1')""",
                    [SEED["title"], PUBLISHED, SEED["lead"], SEED["body"]])
        search.refresh(con)
    return path


def one_line(out: subprocess.CompletedProcess, status: int = 2) -> str:
    """The one line a refused command prints on stderr."""
    lines = out.stderr.strip().splitlines()
    assert out.returncode == status and len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    return lines[0]


# No cached extensions and a UTC clock: what a fresh server in a data centre looks like.
def offline_utc_env(tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"TZ": "UTC", "HOME": str(home)}


PYTHON_CALL = """
import sys
from warehouse.analyst import open_readonly
con = open_readonly(sys.argv[1])
for row in con.execute(sys.argv[2]).fetchall():
    print(*row, sep=",")
con.close()
"""


def query(surface: str, db_file, sql: str, env: dict) -> subprocess.CompletedProcess:
    """One query through one of the analyst surfaces, printed as header-less CSV."""
    if surface == "sql":
        out = run_cli("--db", str(db_file), "sql", sql, "--format", "csv", env=env)
        out.stdout = "".join(out.stdout.splitlines(keepends=True)[1:])
        return out
    if surface == "shell":
        return run_cli("--db", str(db_file), "shell", "-csv", "-noheader", "-c", sql, env=env)
    return subprocess.run([sys.executable, "-c", PYTHON_CALL, str(db_file), sql], check=False, capture_output=True,
                          text=True, timeout=120, cwd=REPO, env={**os.environ, **env})


SURFACES = ["sql", "shell", "python"]


@pytest.mark.parametrize("surface", SURFACES)
def test_dates_are_days_in_vietnam_on_a_utc_machine(warehouse, tmp_path, surface):
    out = query(surface, warehouse, "SELECT published_at::DATE FROM articles", offline_utc_env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2024-04-08"]


@pytest.mark.parametrize("surface", SURFACES)
def test_full_text_search_works_offline(warehouse, tmp_path, surface):
    out = query(surface, warehouse, SEARCH, offline_utc_env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1"]


def test_the_shell_is_read_only(warehouse):
    for change in ("DELETE FROM articles", "CREATE TABLE warehouse.notes (t VARCHAR)"):
        out = run_cli("--db", str(warehouse), "shell", "-c", change)
        assert out.returncode != 0 and "read-only" in out.stderr, out.stderr
    out = run_cli("--db", str(warehouse), "shell", "--", "-csv", "-noheader", "-c", "SELECT count(*) FROM articles")
    assert out.returncode == 0 and out.stdout.split() == ["1"], out.stderr


def test_a_backfill_ending_before_it_starts_is_refused_at_once(tmp_path):
    db_file = tmp_path / "w"
    started = time.monotonic()
    out = run_cli("--db", str(db_file), "backfill", "--portal", "hatinh", "--mirror", "--mirror-size", "5",
                  "--since", "2025-01-01", "--until", "2024-01-01", timeout=120)
    assert "--until" in one_line(out) and time.monotonic() - started < 10
    assert not db_file.exists()


def read_300_bytes_then_close(*args) -> tuple[int, bytes]:
    """`provnews ... | head -c 300`: the reader leaves while the command is still writing."""
    p = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=REPO)
    assert len(p.stdout.read(300)) == 300
    p.stdout.close()
    err = p.stderr.read()
    return p.wait(timeout=60), err


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_sql_into_a_closed_pipe_stops_quietly(warehouse, fmt):
    # Some 250 kB or more: far more than a pipe holds, so the command is still writing when the reader goes.
    rows = "SELECT repeat('Bắc Kạn ', 20) || range FROM range(1000)"
    status, err = read_300_bytes_then_close("--db", str(warehouse), "sql", rows, "--format", fmt)
    assert (status, err) == (141, b"")


def test_clean_into_a_closed_pipe_stops_quietly(tmp_path):
    # 300 kB of distinct paragraphs (repeated ones would be removed as a repeated body).
    paragraphs = "".join(f"<p>Phần {i}. {p}</p>" for i in range(40) for p in SEED["body"].split("\n\n"))
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><h1>{SEED['title']}</h1><article>{paragraphs}</article></body></html>",
                    encoding="utf-8")
    status, err = read_300_bytes_then_close("clean", str(page))
    assert (status, err) == (141, b"")


@pytest.mark.parametrize("statement", ["", "  \n", "-- what was I looking for?", ";"])
def test_sql_without_a_statement_says_so(warehouse, statement):
    assert "no SQL statement" in one_line(run_cli("--db", str(warehouse), "sql", statement))


def test_sql_refuses_several_statements_rather_than_show_the_last(warehouse):
    line = one_line(run_cli("--db", str(warehouse), "sql", "SELECT 1; SELECT 2"))
    assert "one statement" in line and "2" in line


@pytest.mark.parametrize("argv", [
    ["--db", "{db}", "sql", "SELECT count(*) AS n FROM articles"],
    ["sql", "SELECT count(*) AS n FROM articles", "--db", "{db}"],
    ["sql", "--db", "{db}", "SELECT count(*) AS n FROM articles", "--format", "csv"],
])
def test_db_goes_before_or_after_the_command(warehouse, argv):
    out = run_cli(*[a.format(db=warehouse) for a in argv], env={"PROVNEWS_DB": "/nonexistent/w"})
    assert out.returncode == 0 and "1" in out.stdout, out.stderr


def test_crawl_commands_take_db_after_the_command(tmp_path):
    # Cheap: parsed (not "unrecognized arguments"), then refused for the unknown portal before any crawl.
    for command in ("ingest", "check-portals"):
        line = one_line(run_cli(command, "--portal", "hagiang", "--db", str(tmp_path / "w")))
        assert "hagiang" in line
    out = run_cli("portals", "--db", str(tmp_path / "w"))
    assert out.returncode == 0 and "hatinh" in out.stdout, out.stderr


def test_clean_refuses_a_directory_and_files_it_cannot_read(tmp_path):
    assert "is a directory" in one_line(run_cli("clean", str(tmp_path)))
    record = tmp_path / "article.json"
    record.write_text(json.dumps({"title": SEED["title"], "body": SEED["body"]}, ensure_ascii=False))
    line = one_line(run_cli("clean", str(record)))
    assert ".txt" in line and ".html" in line


def test_errors_of_the_analyst_commands_are_one_line(tmp_path):
    not_a_warehouse = tmp_path / "notes.duckdb"
    not_a_warehouse.write_text("not a database\n" * 500)
    for argv in (["sql", "SELECT 1"], ["shell", "-c", "SELECT 1"]):
        for db_file in (not_a_warehouse, tmp_path / "missing", tmp_path):
            one_line(run_cli("--db", str(db_file), *argv))
