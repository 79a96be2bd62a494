"""HTML cleaning path against trafilatura's generic extraction, on the same mirror pages.

Speed: articles per second of `flows.cleaning.clean_page` (portal selectors + text core) and of
`trafilatura.bare_extraction` (with metadata), each over every page, in this run.
Accuracy against the mirror's ground truth: title and author exact, date (day) exact, body
correct when lead + body match the truth's words with token F1 >= 0.98. And `provnews clean` on
a seed in a fresh process (the command's start-up: its imports), against the bare interpreter's
start, same run.

    python bench/cleaning.py [--per-portal N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from bench.common import HEADER, machine, row  # noqa: E402
from flows.cleaning import clean_page  # noqa: E402
from mirror import corpus  # noqa: E402
from mirror.families import layout_for  # noqa: E402
from spiders.portals import PORTALS  # noqa: E402


def words(text: str | None) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text or "").casefold())


def f1(expected: str, got: str | None) -> float:
    e, g = Counter(words(expected)), Counter(words(got))
    common = sum((e & g).values())
    if not common:
        return 0.0
    p, r = common / sum(g.values()), common / sum(e.values())
    return 2 * p * r / (p + r)


def pages(per_portal: int):
    size = max(per_portal * 2, corpus.DEFAULT_ARTICLES_PER_PORTAL)
    for key in corpus.PORTAL_ORDER:
        layout = layout_for(key, size)
        if layout.serves_records:  # an API's JSON records: no HTML page for either extractor
            continue
        n = 0
        for i in range(size):
            a = corpus.article(key, i, size)
            if a.fault or a.seed_lines is not None:
                continue
            yield key, a, layout.render_article(a).encode()
            n += 1
            if n == per_portal:
                break


def nfc(text):
    return " ".join(unicodedata.normalize("NFC", text).split()) if text else text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-portal", type=int, default=300)
    args = ap.parse_args(argv)
    items = list(pages(args.per_portal))

    ours, theirs = [], []
    t0 = time.perf_counter()
    for key, _, html in items:
        ours.append(clean_page(html, portal=PORTALS[key]))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _, _, html in items:
        theirs.append(trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                                  include_tables=False))
    t_theirs = time.perf_counter() - t0

    score = {name: Counter() for name in ("title", "date", "author", "body")}
    for (_, a, _), o, t in zip(items, ours, theirs):
        truth_text = nfc(a.lead) + " " + " ".join(map(nfc, a.paragraphs))
        day = a.published.date().isoformat()
        score["title"]["ours"] += o.title == nfc(a.title)
        score["title"]["trafilatura"] += bool(t) and nfc(t.title) == nfc(a.title)
        score["date"]["ours"] += (o.published_at or "")[:10] == day
        score["date"]["trafilatura"] += bool(t) and (t.date or "")[:10] == day
        score["author"]["ours"] += o.author == a.author
        score["author"]["trafilatura"] += bool(t) and t.author == a.author
        score["body"]["ours"] += f1(truth_text, f"{o.lead} {o.body}") >= 0.98
        score["body"]["trafilatura"] += bool(t) and f1(truth_text, t.text) >= 0.98

    n = len(items)
    rate_ours, rate_theirs = n / t_ours, n / t_theirs
    print(f"HTML cleaning: {n} mirror article pages ({args.per_portal} per portal); {machine()}")
    print("baseline: trafilatura.bare_extraction(with_metadata=True) on the same pages, same run")
    print(HEADER)
    print(row("clean_html_rate", rate_ours, "articles/s", rate_theirs, ">= 3x trafilatura", rate_ours >= 3 * rate_theirs))
    for field_name, s in score.items():
        pct_ours, pct_theirs = 100 * s["ours"] / n, 100 * s["trafilatura"] / n
        target = ">= trafilatura" if field_name == "body" else "-"
        print(row(f"{field_name}_accuracy", pct_ours, "%", pct_theirs, target, pct_ours >= pct_theirs))
    call, interpreter = clean_call_seconds()
    print(row("clean_command_seconds", call, "s/call", interpreter, "<= 0.5 s", call <= 0.5))
    return 0


def clean_call_seconds(calls: int = 5) -> tuple[float, float]:
    """Median wall seconds of `provnews clean` on a seed in a fresh process, and, as its
    baseline, of the bare interpreter starting and exiting, same run."""
    seed = sorted((REPO / "seeds").glob("*.txt"))[0]

    def median(argv):
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            subprocess.run(argv, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)
    return median([sys.executable, "-m", "flows.cli", "clean", str(seed)]), median([sys.executable, "-c", "pass"])


if __name__ == "__main__":
    sys.exit(main())
