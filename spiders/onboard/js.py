"""Just enough JavaScript reading for `add-portal`: the bracketed parts, object literals, string
concatenations and variable assignments of a page's inline scripts. No script is run: a listing
filled by a script is read off the script, as a person reads it (a browser is not needed for a
request the page spells out, and a request it does not spell out is not one we can make)."""

from __future__ import annotations

import re

QUOTES = "'\"`"
OPEN = {"{": "}", "(": ")", "[": "]"}
IDENT = re.compile(r"[A-Za-z_$][\w$]*")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
# `var pageSize = 10;`, `let UrlList = '/ct/...'`, `window.catId = "12"` (first assignment wins).
ASSIGNED = re.compile(r"""(?:\b(?:var|let|const)\s+|\bwindow\.|^|[;{}\n]\s*)(?P<name>[A-Za-z_$][\w$]*)\s*=(?!=)\s*"""
                      r"""(?:'(?P<s1>[^'\\\n]*)'|"(?P<s2>[^"\\\n]*)"|(?P<num>-?\d+)\b)""", re.M)


def read_string(text: str, i: int) -> tuple[list[tuple[str, str]], int]:
    """The string literal opening at text[i]: its parts ("lit", text) and, in a template literal,
    ("expr", code) for each `${...}`; and the index after its closing quote."""
    quote, parts, buf, j = text[i], [], [], i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            buf.append(text[j + 1])
            j += 2
            continue
        if c == quote:
            parts.append(("lit", "".join(buf)))
            return parts, j + 1
        if quote == "`" and text.startswith("${", j):
            inner = balanced(text, j + 1)
            if inner is None:
                break
            parts += [("lit", "".join(buf)), ("expr", inner.strip())]
            buf, j = [], j + 1 + len(inner) + 2
            continue
        buf.append(c)
        j += 1
    parts.append(("lit", "".join(buf)))
    return parts, len(text)


def balanced(text: str, i: int) -> str | None:
    """What the bracket at text[i] encloses (quotes respected), or None when it never closes."""
    if i >= len(text) or text[i] not in OPEN:
        return None
    stack, j = [OPEN[text[i]]], i + 1
    while j < len(text):
        c = text[j]
        if c in QUOTES:
            j = read_string(text, j)[1]
            continue
        if c in OPEN:
            stack.append(OPEN[c])
        elif c == stack[-1]:
            stack.pop()
            if not stack:
                return text[i + 1:j]
        j += 1
    return None


def split_top(text: str, sep: str = ",") -> list[str]:
    """`text` split at `sep` outside brackets and strings."""
    out, depth, start, j = [], 0, 0, 0
    while j < len(text):
        c = text[j]
        if c in QUOTES:
            j = read_string(text, j)[1]
            continue
        if c in OPEN:
            depth += 1
        elif c in OPEN.values():
            depth -= 1
        elif c == sep and depth == 0:
            out.append(text[start:j])
            start = j + 1
        j += 1
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


def object_pairs(body: str) -> dict[str, str]:
    """The `key: expression` pairs of an object literal's body (keys bare or quoted)."""
    pairs = {}
    for part in split_top(body):
        m = re.match(r"""\s*(?:(?P<bare>[A-Za-z_$][\w$]*)|'(?P<s1>[^']*)'|"(?P<s2>[^"]*)")\s*:(?P<value>.*)""",
                     part, re.S)
        if m:
            pairs[m.group("bare") or m.group("s1") or m.group("s2") or ""] = m.group("value").strip()
    return pairs


def literal(expr: str):
    """The value of a string or number literal, else None."""
    expr = expr.strip()
    if NUMBER.fullmatch(expr):
        return int(expr) if expr.lstrip("-").isdigit() else float(expr)
    if len(expr) >= 2 and expr[0] in "'\"" and expr[-1] == expr[0]:
        parts, end = read_string(expr, 0)
        if end == len(expr):
            return parts[0][1]
    return None


def assignments(script: str) -> dict[str, str | int]:
    """The literal values the scripts assign to variables (the first assignment of each name)."""
    out: dict[str, str | int] = {}
    for m in ASSIGNED.finditer(script):
        value = m.group("num")
        out.setdefault(m.group("name"), int(value) if value is not None else (m.group("s1") if m.group("s1")
                                                                                is not None else m.group("s2")))
    return out


def concatenation(text: str, i: int) -> tuple[list[tuple[str, str]], int]:
    """The string concatenation starting with the literal at text[i] (`'<a href="' + row.ID +
    '">'`): its parts, literal text and expressions, and where it ends."""
    parts, j = [], i
    while True:
        piece, j = read_string(text, j)
        parts += piece
        m = re.compile(r"\s*\+\s*").match(text, j)
        if not m:
            return parts, j
        j = m.end()
        if j < len(text) and text[j] in QUOTES:
            continue
        expr_end = j
        depth = 0
        while expr_end < len(text):  # an expression: up to the next top-level `+`
            c = text[expr_end]
            if c in QUOTES and depth:
                expr_end = read_string(text, expr_end)[1]
                continue
            if c in OPEN:
                depth += 1
            elif c in OPEN.values():
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and c in "+;,\n":
                break
            expr_end += 1
        parts.append(("expr", text[j:expr_end].strip()))
        m = re.compile(r"\s*\+\s*").match(text, expr_end)
        if not m or m.end() >= len(text) or text[m.end()] not in QUOTES:
            return parts, expr_end
        j = m.end()
