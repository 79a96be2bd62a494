"""The portal registry: one TOML file per portal, here and in `PROVNEWS_PORTALS_DIR`.

A portal file names its CMS family (`spiders/families/`) and says what is its own: domains,
categories, provinces before and after the 2025 merger, overrides of the family's selectors.
A file in `PROVNEWS_PORTALS_DIR` (default `portals/` beside the working directory, if it
exists) with a key already defined here replaces the bundled definition.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from spiders.definitions import ArticleSelectors, DefinitionError, Listing, Portal, portal_from_data
from spiders.families import FAMILIES

BUNDLED_DIR = Path(__file__).resolve().parent


class UnknownPortal(ValueError):
    pass


def portals_dir() -> Path:
    """Where users' own portal files live (`provnews add-portal` writes there)."""
    return Path(os.environ.get("PROVNEWS_PORTALS_DIR") or "portals")


def read_portal(path: Path) -> Portal:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DefinitionError(f"{path}: {e}") from None
    portal = portal_from_data(data, FAMILIES, source=str(path))
    if portal.key != path.stem:
        raise DefinitionError(f"{path}: key {portal.key!r} differs from the file name")
    return portal


def _load() -> dict[str, Portal]:
    out: dict[str, Portal] = {}
    for path in sorted(BUNDLED_DIR.glob("*.toml")):
        portal = read_portal(path)
        if portal.key in out:
            raise DefinitionError(f"portal {portal.key!r} is defined twice")
        out[portal.key] = portal
    user = portals_dir()
    if user.is_dir() and user.resolve() != BUNDLED_DIR:
        for path in sorted(user.glob("*.toml")):
            portal = read_portal(path)
            out[portal.key] = portal
    return out


PORTALS = _load()


def get(key: str) -> Portal:
    try:
        return PORTALS[key]
    except KeyError:
        raise UnknownPortal(f"unknown portal {key!r}; known portals: {', '.join(PORTALS)}") from None


__all__ = ["PORTALS", "Portal", "Listing", "ArticleSelectors", "DefinitionError", "UnknownPortal", "get",
           "portals_dir", "read_portal"]
