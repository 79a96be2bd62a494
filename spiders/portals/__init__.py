"""The portal registry: one TOML file per portal, here and in `PROVNEWS_PORTALS_DIR`.

A portal file names its CMS family (`spiders/families/`) and says what is its own: domains,
categories, provinces before and after the 2025 merger, overrides of the family's selectors.
A file in `PROVNEWS_PORTALS_DIR` (default `portals/` beside the working directory, if it
exists) with a key already defined here replaces the bundled definition. A redesigned portal
has further versions beside its file (`<key>.v2.toml`, ...): crawls use the newest, and a
batch is cleaned with the version it was crawled with (`get(key, version)`).
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


def read_data(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DefinitionError(f"{path}: {e}") from None


def read_portal(path: Path) -> Portal:
    portal = portal_from_data(read_data(path), FAMILIES, source=str(path))
    expected = portal.key if portal.version == 1 else f"{portal.key}.v{portal.version}"
    if path.stem != expected:
        raise DefinitionError(f"{path}: key {portal.key!r} (version {portal.version}) differs from the file "
                              f"name: expected {expected}.toml")
    return portal


def _load() -> dict[str, dict[int, Portal]]:
    out: dict[str, dict[int, Portal]] = {}
    for path in sorted(BUNDLED_DIR.glob("*.toml")):
        portal = read_portal(path)
        out.setdefault(portal.key, {})[portal.version] = portal
    user = portals_dir()
    if user.is_dir() and user.resolve() != BUNDLED_DIR:
        for path in sorted(user.glob("*.toml")):
            portal = read_portal(path)
            out.setdefault(portal.key, {})[portal.version] = portal
    return dict(sorted(out.items()))


VERSIONS = _load()
PORTALS = {key: versions[max(versions)] for key, versions in VERSIONS.items()}  # the newest of each


def get(key: str, version: int | None = None) -> Portal:
    """A portal's newest definition, or the given version of it (the one a batch was crawled with)."""
    try:
        versions = VERSIONS[key]
    except KeyError:
        raise UnknownPortal(f"unknown portal {key!r}; known portals: {', '.join(PORTALS)}") from None
    if version is None:
        return PORTALS[key]
    try:
        return versions[version]
    except KeyError:
        raise UnknownPortal(f"portal {key!r} has no definition version {version} "
                            f"(versions: {', '.join(map(str, sorted(versions)))})") from None


__all__ = ["PORTALS", "VERSIONS", "Portal", "read_data", "Listing", "ArticleSelectors", "DefinitionError", "UnknownPortal", "get",
           "portals_dir", "read_portal"]
