"""The CMS families (PORTALS.md section 1): one module per family, each defining `FAMILY`.
Portals on one CMS share its family; this registry finds them and refuses a duplicate key."""

from __future__ import annotations

import importlib
import pkgutil

from spiders.definitions import Family

FAMILIES: dict[str, Family] = {}

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    _family = importlib.import_module(f"{__name__}.{_info.name}").FAMILY
    if _family.key in FAMILIES:
        raise ValueError(f"family {_family.key!r} is defined twice")
    FAMILIES[_family.key] = _family

__all__ = ["FAMILIES", "Family"]
