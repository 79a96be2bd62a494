"""Where a JSON record's article lives: the detail URL convention, as a template of the record's
id (the spider's `article_url`: `{id}`, `{category}`). The json kind never fetches the page
(the record is the article), but the URL is the article's address and identity, so it must be
the portal's own: every candidate is checked by fetching it for a sample record.

Candidates, most telling first:
1. a link the page's scripts or templates build from a record (`'<a href="' + UrlList +
   '/View_Detail.aspx?ItemID=' + row.ID + '">'`, `` `/tin/${item.id}` ``, `href="{{ID}}"`);
2. a record field holding the article's path (`Url`, `FileRef`);
3. the detail pages PORTALS.md shows beside a SharePoint list's pages, relative to the listing
   page: `View_Detail.aspx?ItemID=<id>` (Vĩnh Phúc, the noidung lists) and SharePoint's own
   `DispForm.aspx?ID=<id>`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from bs4 import BeautifulSoup
from parsel import Selector

from spiders.onboard import js
from spiders.onboard.errors import InferenceError

SHAREPOINT_DETAIL = ("View_Detail.aspx?ItemID={id}", "DispForm.aspx?ID={id}")
HREF = re.compile(r"""href\s*=\s*\\?(["'])""")
# A placeholder in a client-side template: {{ID}}, {{ item.ID }}, {ID}, #=ID#, ${row.ID}.
PLACEHOLDER = re.compile(r"\{\{\s*(?:[\w$]+\.)?([\w$]+)\s*\}\}|#=\s*(?:[\w$]+\.)?([\w$]+)\s*#"
                         r"|\$\{\s*(?:[\w$]+\.)?([\w$]+)\s*\}|\{([\w$]+)\}")
DETAIL_TRIES = 4  # candidate fetches at most: add-portal stays a handful of requests


@dataclass
class Detail:
    template: str      # the detail URL, absolute, with {id} (and {category} placed later)
    field: str         # the record key that fills {id}
    how: str


def _field_of(expr: str, record_keys: set[str]) -> str | None:
    """The record key an expression reads: `row.ID`, `item['ID']`, `full.ID`, `data.ID`."""
    m = re.fullmatch(r"""[\w$]+(?:\.([\w$]+)|\[\s*['"]([^'"]+)['"]\s*\])""", expr.strip())
    name = m and (m.group(1) or m.group(2))
    return name if name in record_keys else None


def _from_scripts(html: str, absolute, keys: set[str], variables: dict) -> list[Detail]:
    out = []
    for script in Selector(text=html).css("script:not([src])::text").getall():
        for m in HREF.finditer(script):
            start = _literal_start(script, m.start())
            if start is None:
                continue
            parts, _ = js.concatenation(script, start)
            template = _href_template(parts, keys, variables)
            if template:
                out.append(Detail(absolute(template[0]), template[1], "a link the page's script builds"))
    # Client-side templates: <template>, <script type="text/x-template"> and the like.
    soup = BeautifulSoup(html, "lxml")
    for holder in soup.find_all(["template", "script"]):
        if holder.name == "script" and not re.search(r"template|html|tmpl", holder.get("type") or ""):
            continue
        inner = BeautifulSoup(holder.decode_contents() if holder.name == "template" else holder.string or "", "lxml")
        for a in inner.find_all("a", href=True):
            names = [next(g for g in m.groups() if g) for m in PLACEHOLDER.finditer(a["href"])]
            fields = [n for n in names if n in keys]
            if len(fields) == 1:
                href = PLACEHOLDER.sub(lambda m: "{id}", a["href"])
                out.append(Detail(absolute(href), fields[0], "a link in the page's record template"))
    return out


def _literal_start(script: str, at: int) -> int | None:
    """The opening quote of the string literal that holds position `at`."""
    i = 0
    while i < at:
        if script[i] in js.QUOTES:
            end = js.read_string(script, i)[1]
            if end > at:
                return i
            i = end
            continue
        i += 1
    return None


def _href_template(parts, keys: set[str], variables: dict) -> tuple[str, str] | None:
    """(the href with {id} for the record's field, that field) from a concatenation's parts,
    or None when it reads no record field, several, or a value the page does not give."""
    text = "".join(v if kind == "lit" else f"\x00{v}\x00" for kind, v in parts)
    m = HREF.search(text)
    if not m:
        return None
    rest = text[m.end():]
    href = rest.split(m.group(1))[0]
    pieces = href.split("\x00")
    out, fields = [], []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append(piece)
            continue
        field = _field_of(piece, keys)
        if field:
            fields.append(field)
            out.append("{id}")
        elif piece in variables:
            out.append(str(variables[piece]))
        else:
            return None
    if len(fields) != 1:
        return None
    return "".join(out), fields[0]


def _from_record(records: list[dict], id_field: str, root: str) -> list[Detail]:
    """A record field holding a path on the site: the spider's template is then that field alone."""
    out = []
    for key in records[0]:
        values = [r.get(key) for r in records]
        if all(isinstance(v, str) and v.startswith("/") and not v.startswith("//") for v in values) \
                and len(set(values)) == len(values) and not re.search(r"\.(?:jpe?g|png|gif|webp)$", values[0], re.I):
            out.append(Detail(root + "{id}", key, f"the record's own path ({key})"))
    return out


def _conventions(absolute, id_field: str, records: list[dict]) -> list[Detail]:
    if not all(isinstance(r.get(id_field), int) or str(r.get(id_field, "")).isdigit() for r in records):
        return []
    return [Detail(absolute(c), id_field, f"the SharePoint list's detail page {c.split('?')[0]}")
            for c in SHAREPOINT_DETAIL]


def candidates(html: str, absolute, records: list[dict], id_field: str, root: str,
               variables: dict) -> list[Detail]:
    """Detail URL candidates, best first. `absolute(href)`: the URL an href on the listing page
    stands for (the mirror serves a portal's root-relative paths below its prefix)."""
    keys = {k for r in records for k in r}
    found = _from_scripts(html, absolute, keys, variables) + _from_record(records, id_field, root) \
        + _conventions(absolute, id_field, records)
    unique = {}
    for d in found:
        unique.setdefault((d.template, d.field), d)
    return list(unique.values())


def fold(s: str) -> str:
    return " ".join(s.replace("#", " ").casefold().split())


def verify(found: list[Detail], records: list[dict], title_field: str, fetch) -> tuple[Detail, str]:
    """The first candidate whose page, fetched for a sample record, shows that record's title."""
    tried = []
    samples = [r for r in records if fold(str(r.get(title_field) or ""))][:2]
    for detail in found:
        for record in samples:
            if len(tried) >= DETAIL_TRIES:
                break
            url = detail.template.replace("{id}", str(record[detail.field]))
            tried.append(url)
            try:
                page = fetch(url)
            except InferenceError as e:
                if "HTTP 4" in str(e):
                    break  # no such page: not the convention (a 5xx or a timeout may pass: the next record)
                continue
            if fold(str(record[title_field])) in fold(BeautifulSoup(page, "lxml").get_text(" ")):
                return detail, url
            break  # the page answered, but not with this record: not its detail page
    if not found:
        raise InferenceError("no detail URL for the records: the page's scripts link none, and no record field "
                             "holds a path; give [listing] article_url by hand")
    raise InferenceError(f"no detail page shows a record's title (tried {', '.join(tried) or 'nothing'}); "
                         "give [listing] article_url by hand")
