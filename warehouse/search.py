"""Full-text search over articles (title, lead, body) with DuckDB's fts extension.

The extension comes from PyPI (`duckdb-extension-fts`, built for the pinned DuckDB version) and
is loaded from its installed file, so nothing is downloaded at run time. The index is a BM25
index over syllables: Vietnamese writes a word as space-separated syllables, so a query of
several syllables (`chấp hành`) finds articles holding all of them with `conjunctive := 1`.
Diacritics are kept (`hội` and `hồi` are different words); case is folded.

DuckDB's fts index does not follow later inserts: `refresh` rebuilds it after each load that
added articles.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

INDEX_SCHEMA = "fts_main_articles"  # where DuckDB puts the index of table `articles`


class NotInstalled(RuntimeError):
    """A file the project's pinned dependencies install is missing."""


def extension_file() -> Path:
    import duckdb_extension_fts

    root = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    path = root / "fts.duckdb_extension"
    if not path.exists():
        raise NotInstalled(f"no fts extension for DuckDB {duckdb.__version__} at {path}; "
                           "reinstall the project's pinned dependencies")
    return path


def load_statement() -> str:
    """`LOAD` of the installed file: also what the `duckdb` shell is given (`provnews shell`)."""
    return "LOAD '{}'".format(str(extension_file()).replace("'", "''"))


def load_extension(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(load_statement())


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the index over every stored article."""
    load_extension(con)
    # An index has no row order to keep; not keeping it lowers the rebuild's peak memory.
    con.execute("SET preserve_insertion_order = false")
    con.execute(r"""PRAGMA create_fts_index('articles', 'article_id', 'title', 'lead', 'body',
                    stemmer = 'none', stopwords = 'none', ignore = '[^\p{L}\p{N}]+',
                    strip_accents = 0, lower = 1, overwrite = 1)""")


REBUILD_SECONDS = 1800  # the rebuild takes seconds (about 15 s at 50,000 articles); past this it is stuck


def rebuild_in_child(db_file) -> str | None:
    """Rebuild the index in a child process, once the caller has closed the warehouse: the
    rebuild needs as much memory again as a load, and gives it all back when it exits. Returns
    why it failed, or None."""
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-m", "warehouse.search", str(db_file)], capture_output=True,
                              text=True, timeout=REBUILD_SECONDS)
    except subprocess.TimeoutExpired:
        return f"no end after {REBUILD_SECONDS} s"
    return " ".join(done.stderr.strip().splitlines()[-1:]) or f"exit status {done.returncode}" if done.returncode else None


def main(argv: list[str] | None = None) -> int:
    """`python -m warehouse.search DB`: rebuild the index of that warehouse (the ingest flow runs
    it in a child process, after its own connection is closed)."""
    import contextlib
    import sys

    from warehouse import db

    (path,) = sys.argv[1:] if argv is None else argv
    with contextlib.closing(db.connect(path)) as con:
        refresh(con)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
