"""Full-text search over articles (title, lead, body) with DuckDB's fts extension.

The index is a BM25 index over syllables: Vietnamese writes a word as space-separated
syllables, so a query of several syllables (`chấp hành`) finds articles holding all of them with
`conjunctive := 1`. Diacritics are kept (`hội` and `hồi` are different words); case is folded.
Analysts call it as the extension documents, in every session the project opens for them:

    SELECT title FROM stories WHERE fts_main_articles.match_bm25(article_id, 'chấp hành', conjunctive := 1) IS NOT NULL

The extension builds the index whole (`refresh`) and does not follow later inserts. A load adds
its articles to the index itself, in SQL, in the load's own transaction (`add` at each chunk,
`settle` once before the commit), so that they are searchable with its commit, at a cost that follows the load and the vocabulary, not the
warehouse. The whole rebuild is left for a new warehouse, an index of another layout or that
misses articles (`ensure`, when a writer opens the warehouse), `provnews reprocess` and
`provnews upgrade`.

In a DuckDB file the index lives in the file (schema `fts_main_articles`). DuckLake holds no
macros, and the extension cannot index a lake table: the rebuild indexes the lake's articles in
memory and publishes the index's tables into the lake (`warehouse.search_index.*`) in one
transaction. A reader's session defines the extension's two macros over those tables
(`lake_session_statements`), so an analyst's session open for hours searches the articles of
the last commit on its next query.
"""

from __future__ import annotations

import functools
import re

import duckdb
import numpy as np

from warehouse import extensions
from warehouse.db import CATALOG, by_column, committed, execute_staged, insert_arrays, is_lake

INDEX_SCHEMA = "fts_main_articles"  # where DuckDB puts the index of table `articles`
PUBLISHED = "search_index"          # the lake's copy of it
FIELDS = ("title", "lead", "body")  # indexed, as fieldids 0, 1, 2
TERM_CHARACTERS = r"\p{L}\p{N}"  # what a term is made of: the index ignores the rest
# No stemmer and no stopwords: `add` relies on it (a term is a token as `tokenize` cuts it).
INDEX_OPTIONS = (r"stemmer = 'none', stopwords = 'none', ignore = '[^" + TERM_CHARACTERS + "]+', "
                 "strip_accents = 0, lower = 1, overwrite = 1")
# The terms of text `s` as the extension's `tokenize` cuts them (it replaces each run of ignored
# characters with a space, then splits at spaces): its runs of term characters, in one pass of
# one regular expression. Tested equal; 0.08 ms an article against the macro's 0.13.
TERMS = f"regexp_extract_all(lower(s), '[{TERM_CHARACTERS}]+')"
# The extension's own defaults for match_bm25's named parameters (its macro text lists names only).
MATCH_DEFAULTS = "fields := NULL, k := 1.2, b := 0.75, conjunctive := 0"


def load_statement() -> str:
    return extensions.load_statement("fts")


def _index_here(con) -> None:
    # An index has no row order to keep; not keeping it lowers the rebuild's peak memory. Only
    # for the rebuild: a writer's row-by-row inserts without it take a block of memory each.
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(f"PRAGMA create_fts_index('articles', 'article_id', {', '.join(map(repr, FIELDS))}, {INDEX_OPTIONS})")
    finally:
        con.execute("RESET preserve_insertion_order")


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the index over every stored article (`con` from `warehouse.db.connect`)."""
    extensions.load(con, "fts")
    if not is_lake(con):
        _index_here(con)  # a DuckDB file: the index goes into it
        return
    con.execute("USE memory")
    try:
        con.execute(f"CREATE OR REPLACE TABLE memory.main.articles AS "
                    f"SELECT article_id, {', '.join(FIELDS)} FROM {CATALOG}.main.articles")
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


def _tables(con) -> tuple[str, str]:
    """(database, schema) of the index's tables: the lake's published copy, or the file's own."""
    if is_lake(con):
        return CATALOG, PUBLISHED
    return con.execute("SELECT current_database()").fetchone()[0], INDEX_SCHEMA


NEW_ARTICLES = {"article_id": "VARCHAR", **{f: "VARCHAR" for f in FIELDS}}
# Articles indexed at a time, as many as a load's chunk (flows.batches.CHUNK_PAGES): their
# tokens stay within a writer's memory limit (20,000 at once did not, in 256 MB).
ADD_AT_ONCE = 1000


def add(con, articles: list[dict] | None) -> None:
    """Index articles just inserted (rows with `article_id` and the indexed fields), inside the
    caller's transaction, which calls `settle` before it commits: they are searchable with its
    commit. What `create_fts_index` would have made of them: their `docs` rows after the
    largest docid, their `terms`, their new terms in `dict` after the largest termid, and
    `stats`; `settle` adds to the `df` of the terms that were in `dict` before. Reads the docids
    and the vocabulary, never `terms` or `articles` (the rows are given, not looked up by id:
    that would scan every article)."""
    ix = ".".join(_tables(con))
    for start in range(0, len(articles or ()), ADD_AT_ONCE):
        _add(con, ix, articles[start:start + ADD_AT_ONCE])


TOKEN, KNOWN_TERM, NEW_TERM, DOC = range(4)  # the rows `_add`'s query gives


def _add(con, ix: str, articles: list[dict]) -> None:
    """`add` of one chunk. The chunk's tokens are cut once, in one query whose result is the
    rows to write, and written from here: never stored in a table of their own. A temporary
    table made and dropped in a transaction keeps its memory until the commit, so with the
    tokens in one (350,000 rows a thousand articles, 15 MB) a load's memory grew with its
    batch: 45 MB more at 2,800 articles."""
    first = _next_docid(con, ix)
    # Rows of four kinds: each token with its term's id (TOKEN); each of the chunk's terms
    # with its document frequency in the chunk (KNOWN_TERM, or NEW_TERM with its text, new to
    # `dict`); each document with its id (DOC). A new term gets the next id after the
    # largest, in term order. One read of `dict`. The tokens are TERMS of the column `s` of
    # each field's value (a field that is NULL has none).
    out = execute_staged(con, "_new_articles", by_column(articles, NEW_ARTICLES), NEW_ARTICLES, f"""
        WITH docs AS MATERIALIZED (SELECT ? + row_number() OVER () - 1 AS docid, * FROM _new_articles),
        tokens AS MATERIALIZED (
            SELECT docid, fieldid, term
            FROM (SELECT docid, field, unnest({TERMS}) AS term
                  FROM (UNPIVOT docs ON {', '.join(FIELDS)} INTO NAME field VALUE s))
            JOIN {ix}.fields USING (field)
            WHERE len(term) > 0 AND term NOT IN (SELECT sw FROM {ix}.stopwords)),
        chunk_dict AS MATERIALIZED (
            SELECT term, coalesce(d.termid, (SELECT coalesce(max(termid) + 1, 0) FROM {ix}.dict)
                                  + row_number() OVER (PARTITION BY d.termid IS NULL ORDER BY term) - 1) AS termid,
                   d.termid IS NULL AS new, n.df
            FROM (SELECT term, count(DISTINCT docid) AS df FROM tokens GROUP BY term) n
            LEFT JOIN {ix}.dict d USING (term))
        SELECT {TOKEN} AS kind, docid, fieldid, termid, '' AS text, 0 AS df FROM tokens JOIN chunk_dict USING (term)
        UNION ALL SELECT CASE WHEN new THEN {NEW_TERM} ELSE {KNOWN_TERM} END, -1, -1, termid,
                         CASE WHEN new THEN term ELSE '' END, df FROM chunk_dict
        UNION ALL SELECT {DOC}, docid, -1, -1, article_id, 0 FROM docs""", [first]).fetchnumpy()
    kind, text = out["kind"], out["text"]
    tokens, new, known, docs = (kind == k for k in (TOKEN, NEW_TERM, KNOWN_TERM, DOC))
    docids = out["docid"][docs]
    lengths = np.bincount(out["docid"][tokens] - first, minlength=len(articles))[docids - first]
    insert_arrays(con, f"{ix}.terms (docid, fieldid, termid)",
                  {"docid": out["docid"][tokens], "fieldid": out["fieldid"][tokens], "termid": out["termid"][tokens]})
    insert_arrays(con, f"{ix}.docs (docid, name, len)", {"docid": docids, "name": text[docs], "len": lengths})
    insert_arrays(con, f"{ix}.dict (termid, term, df)", {"termid": out["termid"][new], "term": text[new], "df": out["df"][new]})
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {PENDING_DF} (termid BIGINT, df BIGINT)")
    insert_arrays(con, PENDING_DF, {"termid": out["termid"][known], "df": out["df"][known]})
    _count(con, ix, len(articles), int(tokens.sum()))


def _next_docid(con, ix: str) -> int:
    """One more than the largest docid. `num_docs` distinct docids from 0 reach num_docs - 1 at
    least, so only the docids from there on are read: the files of the others are skipped by
    their statistics, instead of all docids read at each chunk (0.1 s at 1,000,000)."""
    num_docs = con.execute(f"SELECT num_docs FROM {ix}.stats").fetchone()[0] or 0
    return con.execute(f"SELECT coalesce(max(docid) + 1, 0) FROM {ix}.docs WHERE docid >= ?",
                       [num_docs - 1]).fetchone()[0]


# The df a load's chunks add to terms already in `dict`, written by `settle` once in the load's
# transaction. Once: DuckLake 0.3 fails a transaction that updates rows of a file it already
# updated rows of, after a few loads of several chunks ("Could not remove file
# ...-delete.parquet", met at 30,000 articles loaded 10,000 a transaction with a compaction
# after each); and an update of a load's terms, not a rewrite of the whole vocabulary at each
# chunk, costs what the load holds, not what the warehouse does.
PENDING_DF = "_pending_df"


def settle(con) -> None:
    """Add the df of the terms the load's articles hold (`add`) to `dict`: the last write of a
    load, in its transaction."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                       [PENDING_DF]).fetchone()[0]:
        return
    ix = ".".join(_tables(con))
    con.execute(f"""UPDATE {ix}.dict SET df = dict.df + p.df
                    FROM (SELECT termid, sum(df) AS df FROM {PENDING_DF} GROUP BY termid) p
                    WHERE dict.termid = p.termid""")
    con.execute(f"DROP TABLE {PENDING_DF}")


def remove(con, article_ids: str) -> None:
    """Take articles out of the index, inside the caller's transaction: `article_ids` is a query
    of their ids. `provnews reprocess` deletes articles and loads them again under the same ids
    in one transaction; an id twice in `docs` would fail every search (match_bm25 looks a
    document's score up by its id). Reads `terms` whole: reprocessing is rare."""
    ix = ".".join(_tables(con))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _gone_docs AS SELECT docid, len FROM {ix}.docs "
                f"WHERE name IN ({article_ids})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _gone_df AS SELECT termid, count(DISTINCT docid) AS df "
                f"FROM {ix}.terms WHERE docid IN (SELECT docid FROM _gone_docs) GROUP BY termid")
    # `dict` written whole, without the terms of no document left, as a rebuild would have it:
    # an update and a delete would change rows of the same files twice (see PENDING_DF).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _dict AS SELECT termid, term, d.df - coalesce(g.df, 0) AS df
                    FROM {ix}.dict d LEFT JOIN _gone_df g USING (termid) WHERE d.df > coalesce(g.df, 0)""")
    con.execute(f"DELETE FROM {ix}.dict")
    con.execute(f"INSERT INTO {ix}.dict SELECT * FROM _dict")
    con.execute(f"DELETE FROM {ix}.terms WHERE docid IN (SELECT docid FROM _gone_docs)")
    con.execute(f"DELETE FROM {ix}.docs WHERE docid IN (SELECT docid FROM _gone_docs)")
    docs, length = con.execute("SELECT count(*), coalesce(sum(len), 0) FROM _gone_docs").fetchone()
    _count(con, ix, -docs, -length)
    for t in ("_gone_docs", "_gone_df", "_dict"):
        con.execute(f"DROP TABLE {t}")


def _count(con, ix: str, docs: int, length: int) -> None:
    """`stats` with `docs` documents of `length` terms in all more (or fewer), its one row
    written anew (one file, the last chunk's in a load, loses its row each time). The extension
    stores avgdl = (sum of len) / num_docs, NULL for no document; the sum, an integer, is
    recovered exactly from avgdl * num_docs, so that the new avgdl is the very double a rebuild
    computes."""
    num_docs, avgdl = con.execute(f"SELECT num_docs, avgdl FROM {ix}.stats").fetchone()
    total = round(avgdl * num_docs) if num_docs else 0
    con.execute(f"DELETE FROM {ix}.stats")
    con.execute(f"INSERT INTO {ix}.stats SELECT ?::BIGINT, ?::BIGINT / nullif(?::BIGINT, 0)",
                [num_docs + docs, total + length, num_docs + docs])


def ensure(con) -> None:
    """Rebuild the index when it is missing (a new warehouse), not of the layout the installed
    extension makes (another version's, other options), or does not count every article (a
    warehouse whose rebuild after a load failed, under an earlier version): what a load adds
    to would not be right. Run when a writer opens the warehouse."""
    if not _up_to_date(con):
        refresh(con)


def _up_to_date(con) -> bool:
    database, schema = _tables(con)
    columns = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                          "WHERE database_name = ? AND schema_name = ? ORDER BY ALL", [database, schema]).fetchall()
    if columns != _reference()["columns"]:
        return False
    if not is_lake(con):  # the file's own macros, made by the extension with the options of then
        macros = con.execute("SELECT function_name, parameters, macro_definition FROM duckdb_functions() "
                             "WHERE database_name = ? AND schema_name = ? ORDER BY ALL", [database, schema]).fetchall()
        if macros != _reference()["macros"]:
            return False
    indexed = con.execute(f"SELECT num_docs FROM {database}.{schema}.stats").fetchone()
    return indexed is not None and indexed[0] == con.execute("SELECT count(*) FROM articles").fetchone()[0]


@functools.cache
def _reference() -> dict:
    """The index the installed extension makes with INDEX_OPTIONS, taken from a throwaway one:
    its tables' columns, and its macros as (name, parameters, body)."""
    with duckdb.connect(config=extensions.CONNECTION) as con:
        extensions.load(con, "fts")
        con.execute(f"CREATE TABLE articles (article_id VARCHAR, {', '.join(f + ' VARCHAR' for f in FIELDS)})")
        _index_here(con)
        where = "WHERE database_name = 'memory' AND schema_name = ? ORDER BY ALL"
        return {"columns": con.execute(f"SELECT table_name, column_name, data_type FROM duckdb_columns() {where}",
                                       [INDEX_SCHEMA]).fetchall(),
                "macros": con.execute(f"SELECT function_name, parameters, macro_definition FROM duckdb_functions() "
                                      f"{where}", [INDEX_SCHEMA]).fetchall()}


def _macro(name: str) -> str:
    return next(body for n, _, body in _reference()["macros"] if n == name)


def lake_session_statements() -> list[str]:
    """What a reader's session of a lake runs once to search it: the extension (for `stem`),
    its macros in memory over the published tables, and memory as the default catalog with the
    lake's tables behind it (schema-qualified macros resolve only in the default catalog)."""
    statements = [load_statement(), f"CREATE SCHEMA IF NOT EXISTS memory.{INDEX_SCHEMA}"]
    # tokenize first: match_bm25 calls it
    for name, params, body in sorted(_reference()["macros"], key=lambda m: m[0] == "match_bm25"):
        body = re.sub(rf"\b{INDEX_SCHEMA}\.(?!tokenize\b|match_bm25\b)(\w+)", rf"{CATALOG}.{PUBLISHED}.\1", body)
        body = re.sub(rf"\b{INDEX_SCHEMA}\.(tokenize|match_bm25)\b", rf"memory.{INDEX_SCHEMA}.\1", body)
        head = params[0] if name == "tokenize" else f"{', '.join(params[:2])}, {MATCH_DEFAULTS}"
        statements.append(f"CREATE OR REPLACE MACRO memory.{INDEX_SCHEMA}.{name}({head}) AS {body}")
    return [*statements, "USE memory", f"SET search_path = 'memory.main,{CATALOG}.main'"]
