"""The portal registry. One module per portal; adding a portal is adding a module here."""

from __future__ import annotations

from spiders.portals import backan, caobang, hatinh, tuyenquang, yenbai
from spiders.portals.base import ArticleSelectors, Listing, Portal


class UnknownPortal(ValueError):
    pass


def _registry(*portals: Portal) -> dict[str, Portal]:
    out: dict[str, Portal] = {}
    for p in portals:
        if p.key in out:
            raise ValueError(f"portal {p.key!r} is defined twice")
        out[p.key] = p
    return out


PORTALS = _registry(yenbai.PORTAL, backan.PORTAL, caobang.PORTAL, hatinh.PORTAL, tuyenquang.PORTAL)


def get(key: str) -> Portal:
    try:
        return PORTALS[key]
    except KeyError:
        raise UnknownPortal(f"unknown portal {key!r}; known portals: {', '.join(PORTALS)}") from None


__all__ = ["PORTALS", "Portal", "Listing", "ArticleSelectors", "UnknownPortal", "get"]
