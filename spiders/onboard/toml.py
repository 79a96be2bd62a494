"""Writing a portal file: the few TOML shapes a definition uses (strings, numbers, lists of
strings, one level of tables), laid out as a person would write them."""

from __future__ import annotations

import json

TOP_ORDER = ("key", "name", "family", "province", "province_current", "domains", "categories", "kind",
             "status", "id_params", "id_path", "date_formats", "notes")


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    s = str(v)
    if "\\" in s and "'" not in s and "\n" not in s:
        return f"'{s}'"  # a literal string: regular expressions read as written
    return json.dumps(s, ensure_ascii=False)


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k, ensure_ascii=False)


def dumps(data: dict) -> str:
    top = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    order = sorted(top, key=lambda k: TOP_ORDER.index(k) if k in TOP_ORDER else len(TOP_ORDER))
    lines = [f"{_key(k)} = {_value(top[k])}" for k in order]
    for name, table in tables.items():
        lines += ["", f"[{name}]"] + [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
