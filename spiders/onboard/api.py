"""The request that fills a listing after the page loads, read off the page's inline scripts: a
DataTables table's `ajax` (server-side processing: DataTables sends `draw`, `start`, `length`,
or what its `data` function returns or adds), or a jQuery `$.ajax` / `$.post` / `$.get` /
`$.getJSON` call inside a function taking the page number (PORTALS.md: Vĩnh Phúc's SharePoint
list posts `start` and `length` to its API). Values become the spider's templates: `{page}`,
`{start}` (the offset), `{page_size}`; variables the page assigns become their values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsel import Selector

from spiders.onboard import js
from spiders.onboard.errors import InferenceError

# What a DataTables server-side request carries (its `d` argument), as the spider's templates.
DATATABLES = {"draw": "{page}", "start": "{start}", "length": "{page_size}"}
TEMPLATES = {"{page}", "{start}", "{page_size}"}
DATATABLES_PAGE_LENGTH = 10  # DataTables' own default when the table sets none
PAGE_ARG = re.compile(r"^(?:page|p|pg|trang|pageindex|pageno|pagenum|pagenumber|currentpage|paged)$", re.I)
SIZE_KEY = re.compile(r"size|length|limit|rows|perpage|per_page|pagesize|top", re.I)
JQUERY_CALL = re.compile(r"\$\.(ajax|post|get|getJSON)\s*\(")
DATATABLE = re.compile(r"\.(?:DataTable|dataTable)\s*\(")


@dataclass
class ApiRequest:
    endpoint: str                  # as the script writes it
    method: str
    params: dict[str, str]         # literal values, {page}, {start}, {page_size}
    page_size: int | None
    how: str                       # "DataTables ajax", "jQuery $.ajax", ...
    from_variables: dict[str, str] = field(default_factory=dict)  # param -> the page variable it reads
    left_out: list[str] = field(default_factory=list)  # params whose value only the browser knows


def api_requests(html: str) -> list[ApiRequest]:
    """Every paging request the page's inline scripts spell out (DataTables tables first)."""
    scripts = Selector(text=html).css("script:not([src])::text").getall()
    variables = js.assignments("\n".join(scripts))
    found: list[ApiRequest] = []
    errors: list[str] = []
    for script in scripts:
        for reader in (_datatables, _jquery):
            for request in reader(script, variables, errors):
                found.append(request)
    if not found and errors:
        raise InferenceError(errors[0])
    return found


# ------------------------------------------------------------------ DataTables

def _datatables(script: str, variables: dict, errors: list[str]):
    for m in DATATABLE.finditer(script):
        args = js.balanced(script, m.end() - 1) or ""
        start = args.find("{")
        config = js.object_pairs(js.balanced(args, start) or "") if start >= 0 else {}
        ajax = config.get("ajax") or config.get("sAjaxSource")
        if not ajax:
            continue
        size = _value(config.get("pageLength") or config.get("iDisplayLength") or "", {}, variables)
        page_size = size if isinstance(size, int) else DATATABLES_PAGE_LENGTH
        url = js.literal(ajax)
        if isinstance(url, str):  # `ajax: '/api/list'`: a GET with DataTables' own parameters
            yield ApiRequest(url, "GET", dict(DATATABLES), page_size, "DataTables ajax")
            continue
        options = js.object_pairs(js.balanced(ajax, ajax.find("{")) or "") if ajax.startswith("{") else {}
        url = js.literal(options.get("url", ""))
        if not isinstance(url, str):
            continue
        method = str(js.literal(options.get("type") or options.get("method") or "'GET'") or "GET").upper()
        params = _datatables_data(options.get("data", ""), variables, errors)
        if params is not None:
            request = ApiRequest(url, method, {}, page_size, "DataTables ajax")
            _fill(request, params, variables)
            yield request


def _datatables_data(data: str, variables: dict, errors: list[str]) -> dict | None:
    """The form a DataTables `data` option makes: an object added to DataTables' own fields, or a
    `function (d) {...}` that returns the whole form (`return {...}`), or adds to `d`
    (`d.UrlList = UrlList`, `return $.extend({}, d, {...})`)."""
    if not data:
        return dict(DATATABLES)
    if data.startswith("{"):
        return {**DATATABLES, **js.object_pairs(js.balanced(data, 0) or "")}
    m = re.match(r"function\s*\w*\s*\(\s*(\w+)[^)]*\)\s*", data)
    if not m:
        errors.append(f"the table's ajax data is computed ({data[:60]}…): no request inferred")
        return None
    arg, body = m.group(1), js.balanced(data, m.end()) or ""
    if "JSON.stringify" in body:
        errors.append("the table's request body is JSON (JSON.stringify): the json kind posts a form")
        return None
    # `d.start` in the function is DataTables' own value: the spider's template for it.
    own = {f"{arg}.{k}": v for k, v in DATATABLES.items()}
    returned = re.search(r"\breturn\s*", body)
    if returned and body[returned.end():].startswith("{"):
        pairs = js.object_pairs(js.balanced(body, returned.end()) or "")
        return {k: own.get(v, v) for k, v in pairs.items()}
    extended = re.search(r"\$\.extend\s*\(", body)
    if extended:
        parts = js.split_top(js.balanced(body, extended.end() - 1) or "")
        added = {k: own.get(v, v) for p in parts if p.startswith("{") for k, v in
                 js.object_pairs(js.balanced(p, 0) or "").items()}
        return {**DATATABLES, **added}
    added = {m.group(1): own.get(m.group(2).strip(), m.group(2).strip()) for m in
             re.finditer(rf"\b{re.escape(arg)}\.(\w+)\s*=(?!=)\s*([^;\n]+)", body)}
    return {**DATATABLES, **added}


# ------------------------------------------------------------------ jQuery

def _jquery(script: str, variables: dict, errors: list[str]):
    for m in JQUERY_CALL.finditer(script):
        args = js.split_top(js.balanced(script, m.end() - 1) or "")
        if not args:
            continue
        page_args = _function_args(script, m.start())
        if m.group(1) == "ajax":
            options = js.object_pairs(js.balanced(args[0], 0) or "") if args[0].startswith("{") else {}
            url, data = js.literal(options.get("url", "")), options.get("data", "")
            method = str(js.literal(options.get("type") or options.get("method") or "'GET'") or "GET").upper()
        else:
            url, data = js.literal(args[0]), args[1] if len(args) > 1 else ""
            method = "POST" if m.group(1) == "post" else "GET"
        if not isinstance(url, str):
            continue
        if "JSON.stringify" in data:
            errors.append(f"{url}: the request body is JSON (JSON.stringify): the json kind posts a form")
            continue
        pairs = js.object_pairs(js.balanced(data, 0) or "") if data.startswith("{") else {}
        request = ApiRequest(url, method, {}, None, f"jQuery $.{m.group(1)}")
        _fill(request, pairs, variables, page_args)
        if {"{page}", "{start}"} & set(request.params.values()):
            yield request


def _function_args(script: str, at: int) -> list[str]:
    """The arguments of the nearest function declared before `at` (the call's own function)."""
    heads = list(re.finditer(r"function\s*[\w$]*\s*\(([^)]*)\)", script[:at]))
    return [a.strip() for a in heads[-1].group(1).split(",") if a.strip()] if heads else []


# ------------------------------------------------------------------ values

def _fill(request: ApiRequest, pairs: dict, variables: dict, page_args: list[str] = ()) -> None:
    """The request's form from the script's pairs: each value a literal, a template or the value
    of a page variable; one the browser alone knows (`$('#q').val()`) is left out of the form,
    with a note, since the spider cannot send it either."""
    for key, expr in pairs.items():
        value = _value(expr, {a: "{page}" for a in page_args if PAGE_ARG.match(a) or len(page_args) == 1},
                       variables)
        if value is None:
            request.left_out.append(key)
            continue
        if isinstance(value, int) and SIZE_KEY.search(key):
            request.page_size, value = value, "{page_size}"
        elif expr.strip() in variables:
            request.from_variables[key] = expr.strip()
        # The spider formats every value: a literal's own braces must stay braces.
        request.params[key] = value if value in TEMPLATES else str(value).replace("{", "{{").replace("}", "}}")


def _value(expr, templates: dict, variables: dict):
    """A value the spider can send: a template, a literal, a variable's literal value, else None.
    (`(page - 1) * size` is the offset: `{start}`.)"""
    expr = (expr or "").strip()
    if expr in TEMPLATES:
        return expr  # DataTables' own value, already the spider's template
    if (found := js.literal(expr)) is not None:
        return found
    if expr in templates:
        return templates[expr]
    if expr in variables:
        return variables[expr]
    for arg, template in templates.items():
        if template == "{page}" and re.fullmatch(rf"\(?\s*{re.escape(arg)}\s*-\s*1\s*\)?\s*\*\s*[\w$.]+", expr):
            return "{start}"
    return None
