"""The seeds' golden files: `seeds/<seed>.expected.json`, the cleaned article as
`provnews clean --explain` prints it (removal audit included).

    python -m tests.goldens            # rewrite them on purpose, then read the diff in git

Each seed is cleaned with its portal's rules; the mapping is below.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_PORTALS = {"000": "yenbai", "001": "backan", "002": "caobang", "003": "hatinh", "004": "tuyenquang"}
REGENERATE = "python -m tests.goldens"


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("[0-9][0-9][0-9]_*.txt"))


def golden_path(seed: Path) -> Path:
    return seed.with_suffix(".expected.json")


def render(seed: Path) -> str:
    from flows.cleaning import clean_text
    from spiders.portals import get

    article = clean_text(seed.read_bytes(), portal=get(SEED_PORTALS[seed.name[:3]]))
    return json.dumps(article.as_json(explain=True), ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    for seed in seed_files():
        golden_path(seed).write_text(render(seed), encoding="utf-8")
        print(f"wrote {golden_path(seed).relative_to(SEEDS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
