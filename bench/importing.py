"""`provnews import` of a large archive: records per second, and peak memory flat in the file's
size. The archive is the mirror's articles as another crawler would have written them (JSON
lines: url, title, published_at, author, body), one of N records and one of 4N, each imported
into a fresh warehouse in a child process of its own whose peak resident memory is read from
the kernel. The baseline is the small file, in the same run.

    python bench/importing.py [--records 5000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HEADER, machine, row  # noqa: E402
from mirror import corpus  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def write_archive(path: Path, n: int) -> None:
    per_portal = n // len(corpus.PORTAL_ORDER) + 1
    with path.open("w", encoding="utf-8") as f:
        written = 0
        for i in itertools.count():
            for p in corpus.PORTAL_ORDER:
                a = corpus.article(p, i, per_portal)
                if a.seed_lines is not None or a.expected != "article":
                    continue
                f.write(json.dumps({"url": f"https://archive.example/{p}/{i}", "title": a.title,
                                    "published_at": a.published.isoformat(), "author": a.author,
                                    "body": "\n\n".join([a.lead, *a.paragraphs])}, ensure_ascii=False) + "\n")
                written += 1
                if written == n:
                    return


def timed_import(archive: Path, workdir: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `provnews import` in a child process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flows.cli", "--db", str(workdir / "w.duckdb"), "import", str(archive)],
                   cwd=REPO, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return seconds, peak_kb / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=5000)
    args = ap.parse_args(argv)
    small, large = args.records, 4 * args.records
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        figures = {}
        for n in (small, large):
            (tmp / str(n)).mkdir()
            archive = tmp / str(n) / "archive.jsonl"
            write_archive(archive, n)
            figures[n] = (*timed_import(archive, tmp / str(n)), archive.stat().st_size / 2**20)
    (s_small, mb_small, size_small), (s_large, mb_large, size_large) = figures[small], figures[large]
    print(f"Import of a JSON-lines archive of the mirror's articles; {machine()}")
    print(f"baseline: the same import of {small:,} records ({size_small:.0f} MB), same run; "
          f"then {large:,} records ({size_large:.0f} MB); peak RSS of the import's process")
    print(HEADER)
    print(row("import_rate", large / s_large, "records/s", small / s_small, "-", True))
    print(row(f"import_peak_rss_{large // 1000}k", mb_large, "MB", mb_small, "<= 1.2x the small file",
              mb_large <= 1.2 * mb_small))
    return 0


if __name__ == "__main__":
    sys.exit(main())
