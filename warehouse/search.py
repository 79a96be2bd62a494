"""Full-text search over articles (title, lead, body) with DuckDB's fts extension.

The index is a BM25 index over syllables: Vietnamese writes a word as space-separated
syllables, so a query of several syllables (`chấp hành`) finds articles holding all of them with
`conjunctive := 1`. Diacritics are kept (`hội` and `hồi` are different words); case is folded.
Analysts call it as the extension documents, in every session the project opens for them:

    SELECT title FROM stories WHERE fts_main_articles.match_bm25(article_id, 'chấp hành', conjunctive := 1) IS NOT NULL

The extension's index does not follow later inserts: `refresh` rebuilds it after each load that
added articles. In a DuckDB file it lives in the file (schema `fts_main_articles`). DuckLake
holds no macros, and the extension cannot index a lake table: the index is built in memory from
the lake's articles, and its tables are published into the lake (`warehouse.search_index.*`) in
one transaction. A reader's session defines the extension's two macros over those tables
(`session_statements`), so an analyst's session open for hours searches the index of the last
load on its next query.
"""

from __future__ import annotations

import re

import duckdb

from warehouse import extensions
from warehouse.db import CATALOG, committed, is_lake

INDEX_SCHEMA = "fts_main_articles"  # where DuckDB puts the index of table `articles`
PUBLISHED = "search_index"          # the lake's copy of it
INDEX_OPTIONS = r"""stemmer = 'none', stopwords = 'none', ignore = '[^\p{L}\p{N}]+',
                    strip_accents = 0, lower = 1, overwrite = 1"""
# The extension's own defaults for match_bm25's named parameters (its macro text lists names only).
MATCH_DEFAULTS = "fields := NULL, k := 1.2, b := 0.75, conjunctive := 0"


def load_statement() -> str:
    return extensions.load_statement("fts")


def _index_here(con) -> None:
    # An index has no row order to keep; not keeping it lowers the rebuild's peak memory.
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"PRAGMA create_fts_index('articles', 'article_id', 'title', 'lead', 'body', {INDEX_OPTIONS})")


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the index over every stored article (`con` from `warehouse.db.connect`)."""
    extensions.load(con, "fts")
    if not is_lake(con):
        _index_here(con)  # a DuckDB file: the index goes into it
        return
    con.execute("USE memory")
    try:
        con.execute(f"CREATE OR REPLACE TABLE memory.main.articles AS "
                    f"SELECT article_id, title, lead, body FROM {CATALOG}.main.articles")
        _index_here(con)
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'memory' "
                                            "AND schema_name = ?", [INDEX_SCHEMA]).fetchall()]

        def publish():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{PUBLISHED}")
            for t in tables:
                con.execute(f"CREATE OR REPLACE TABLE {CATALOG}.{PUBLISHED}.{t} AS SELECT * FROM memory.{INDEX_SCHEMA}.{t}")

        committed(con, publish)
    finally:
        con.execute(f"DROP SCHEMA IF EXISTS memory.{INDEX_SCHEMA} CASCADE")
        con.execute("DROP TABLE IF EXISTS memory.main.articles")
        con.execute(f"USE {CATALOG}")


def _extension_macros() -> list[tuple[str, list[str], str]]:
    """(name, parameters, body) of the macros the extension defines for an index, taken from a
    throwaway one, so that they follow the installed extension."""
    with duckdb.connect(config=extensions.NO_AUTOLOAD) as con:
        extensions.load(con, "fts")
        con.execute("CREATE TABLE articles (article_id VARCHAR, title VARCHAR, lead VARCHAR, body VARCHAR)")
        _index_here(con)
        return con.execute("SELECT function_name, parameters, macro_definition FROM duckdb_functions() "
                           "WHERE schema_name = ? ORDER BY function_name = 'match_bm25'", [INDEX_SCHEMA]).fetchall()


def lake_session_statements() -> list[str]:
    """What a reader's session of a lake runs once to search it: the extension (for `stem`),
    its macros in memory over the published tables, and memory as the default catalog with the
    lake's tables behind it (schema-qualified macros resolve only in the default catalog)."""
    statements = [load_statement(), f"CREATE SCHEMA IF NOT EXISTS memory.{INDEX_SCHEMA}"]
    for name, params, body in _extension_macros():
        body = re.sub(rf"\b{INDEX_SCHEMA}\.(?!tokenize\b|match_bm25\b)(\w+)", rf"{CATALOG}.{PUBLISHED}.\1", body)
        body = re.sub(rf"\b{INDEX_SCHEMA}\.(tokenize|match_bm25)\b", rf"memory.{INDEX_SCHEMA}.\1", body)
        head = params[0] if name == "tokenize" else f"{', '.join(params[:2])}, {MATCH_DEFAULTS}"
        statements.append(f"CREATE OR REPLACE MACRO memory.{INDEX_SCHEMA}.{name}({head}) AS {body}")
    return [*statements, "USE memory", f"SET search_path = 'memory.main,{CATALOG}.main'"]


REBUILD_SECONDS = 1800  # the rebuild takes seconds (about 15 s at 50,000 articles); past this it is stuck


def rebuild_in_child(spec) -> str | None:
    """Rebuild the index in a child process, once the caller has closed the warehouse: the
    rebuild needs as much memory again as a load, and gives it all back when it exits. Returns
    why it failed, or None."""
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-m", "warehouse.search", str(spec)], capture_output=True,
                              text=True, timeout=REBUILD_SECONDS)
    except subprocess.TimeoutExpired:
        return f"no end after {REBUILD_SECONDS} s"
    return " ".join(done.stderr.strip().splitlines()[-1:]) or f"exit status {done.returncode}" if done.returncode else None


def main(argv: list[str] | None = None) -> int:
    """`python -m warehouse.search WAREHOUSE`: rebuild the index of that warehouse, then compact
    a lake's files (the ingest flow runs it in a child process, after its own connection is
    closed)."""
    import contextlib
    import sys

    from warehouse import db, maintenance

    (spec,) = sys.argv[1:] if argv is None else argv
    with contextlib.closing(db.connect(spec)) as con:
        refresh(con)
        maintenance.compact(con)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
