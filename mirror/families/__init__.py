"""The mirror's CMS families: one module per family (PORTALS.md section 1), each holding its
layout (`Layout`, a `FamilyLayout`) and the sites served in it (`SITES`). This registry finds
them; a new family is a new module."""

from __future__ import annotations

import importlib
import pkgutil

from mirror.families.base import FamilyLayout
from mirror.site import Site

LAYOUTS: dict[str, type[FamilyLayout]] = {}
SITES: dict[str, Site] = {}

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name == "base":
        continue
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    LAYOUTS[_module.Layout.family] = _module.Layout
    for _site in _module.SITES:
        if _site.key in SITES:
            raise ValueError(f"mirror site {_site.key!r} is defined twice")
        if _site.family != _module.Layout.family:
            raise ValueError(f"mirror site {_site.key!r} names family {_site.family!r} in {_info.name}.py")
        SITES[_site.key] = _site



def layout_for(key: str, size: int) -> FamilyLayout:
    """Site `key` in its family's layout, for a mirror of `size` articles per site."""
    site = SITES[key]
    return LAYOUTS[site.family](site, size)


def listed_url(a) -> str:
    """The portal's own URL of what a listing links for article `a` (ground truth for tests)."""
    layout = layout_for(a.portal, 0)
    path = layout.pdf_path(a) if a.fault == "pdf" else layout.article_path(a)
    return f"https://{SITES[a.portal].domain}{path}"


__all__ = ["LAYOUTS", "SITES", "FamilyLayout", "Site", "layout_for", "listed_url"]
