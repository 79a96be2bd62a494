"""A listing the page fills from a JSON API after it loads (PORTALS.md: Vĩnh Phúc's SharePoint
lists, DataTables-style), inferred as the spider's `json` pagination kind: the request the page's
script makes (`api`), the records and their fields in its answer (`records`), and the detail URL
convention (`detail`), each checked on the portal itself: page 1 and page 2 of the request, and
one record's detail page. The record is the article, rendered by the cleaner's `record_html`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flows.cleaning.decode import Unusable, record_html
from flows.cleaning.html import extract
from parsel import Selector

from spiders.definitions import ArticleSelectors
from spiders.onboard import detail, js
from spiders.onboard.api import ApiRequest, api_requests
from spiders.onboard.errors import InferenceError
from spiders.onboard.records import recognise

# `record_html` renders a record as `<h1 class='title'>`, `<div class='date'>`, `<div
# class='lead'>`, `<div class='body'>`: these selectors read that rendering, whatever the API.
RECORD_ARTICLE = {"region": "div.body", "title": "h1.title::text", "date": "div.date::text", "lead": "div.lead"}


class NotJson(InferenceError):
    """The script's request answers something else (an HTML fragment): not a JSON listing."""


@dataclass
class JsonListing:
    listing: dict              # the definition's [listing] table
    category: str
    article: dict              # its [article] table
    sample_paths: list[str]    # the articles' paths (for the identity)
    entries: int               # records on the first page
    sample: dict               # title, date, first sentence of one record as the cleaner reads it
    evidence: list[str] = field(default_factory=list)


def infer_json_listing(html: str, url: str, site, fetcher) -> JsonListing | None:
    """The json listing of the page at `url`: None when no script on it requests a JSON listing,
    InferenceError when one does but its answer cannot be read as one (the first request's reason)."""
    errors = []
    for request in api_requests(html):
        try:
            return _infer(request, html, url, site, fetcher)
        except NotJson:
            continue
        except InferenceError as e:
            errors.append(str(e))
    if errors:
        raise InferenceError(errors[0])
    return None


def _values(params: dict, page: int, page_size: int, category: str) -> dict:
    """The form of page `page`, formatted as the spider formats it."""
    values = {"category": category, "page": page, "page_size": page_size, "start": (page - 1) * page_size}
    return {k: str(v).format(**values) for k, v in params.items()}


def _category(params: dict, path: str) -> tuple[str | None, str]:
    """The request parameter naming the category, found in the listing URL (a list path it begins
    with, a path segment, a query value), and the listing URL as a template of it."""
    base, _, query = path.partition("?")
    for key, value in params.items():
        if len(value) < 2 or "{" in value:
            continue
        if value.startswith("/") and (base == value or base.startswith(value.rstrip("/") + "/")):
            return key, "{category}" + path[len(value.rstrip("/")):]
        if f"/{value}/" in base + "/":
            return key, path.replace(f"/{value}", "/{category}", 1)
        if any(v == value for _, v in parse_qsl(query)):
            return key, path.replace(f"={value}", "={category}", 1)
    return None, "{category}"


def _fetch_page(fetcher, endpoint_url: str, request: ApiRequest, page: int, page_size: int, category: str):
    form = _values(request.params, page, page_size, category)
    text = fetcher.get(endpoint_url, form, request.method)
    try:
        return json.loads(text)
    except ValueError:
        raise NotJson(f"{request.method} {endpoint_url} answers no JSON ({' '.join(text.split())[:60]}…)") \
            from None


def _infer(request: ApiRequest, html: str, url: str, site, fetcher) -> JsonListing:
    evidence = [f"the listing is filled by a script: {request.how} {request.method} {request.endpoint}"]
    endpoint_url = site.absolute(request.endpoint, url)
    params = dict(request.params)
    if request.method == "GET" and "?" in endpoint_url:  # the spider's GET form replaces the query
        endpoint_url, _, query = endpoint_url.partition("?")
        params = {**{k: v.replace("{", "{{").replace("}", "}}") for k, v in parse_qsl(query)}, **params}
    endpoint = site.path(endpoint_url)
    if request.left_out:
        evidence.append(f"left out {', '.join(request.left_out)}: values only the browser knows")
    path = site.path(url)
    key, listing_url = _category(params, path)
    category = params[key] if key else path
    if key:
        params[key] = "{category}"
        evidence.append(f"category: {key} = {category} (in the listing URL)")
    fixed = {k: v for k, v in request.from_variables.items() if k != key}
    if fixed:
        evidence.append("values the page's script gives: " + ", ".join(f"{k} = {params[k]}" for k in fixed))
    page_size = request.page_size or 10

    first = _fetch_page(fetcher, endpoint_url, request_with(request, params), 1, page_size, category)
    found = recognise(first)
    records = first[found.records_key]
    if "{page_size}" not in params.values() or len(records) < page_size <= (found.total or 0):
        page_size = len(records)  # what the API answers per page, whatever is asked
    evidence += found.evidence
    fields = dict(found.fields)
    if "body" not in fields:
        raise InferenceError("the records hold no article body (HTML or long prose): the json kind takes the "
                             "article from the record")
    _check_page_two(fetcher, endpoint_url, request_with(request, params), records, fields["id"], page_size,
                    category, found, evidence)

    variables = js.assignments("\n".join(Selector(text=html).css("script:not([src])::text").getall()))
    options = detail.candidates(html, lambda href: site.absolute(href, url), records, fields["id"],
                                site.root, variables)
    chosen, sample_url = detail.verify(options, records, fields["title"], fetcher.get)
    fields["id"] = chosen.field
    article_url = site.path(chosen.template)
    if key and article_url.startswith(category.rstrip("/") + "/"):
        article_url = "{category}" + article_url[len(category.rstrip("/")):]
    evidence.append(f"detail page {article_url} ({chosen.how}; checked: {sample_url} shows its record's title)")
    listing = {"url": listing_url, "pagination": "json", "endpoint": endpoint, "method": request.method,
               "params": params, "page_size": page_size, "records": found.records_key,
               "record_fields": fields, "article_url": article_url}
    paths = [article_url.format(id=r[fields["id"]], category=category) for r in records]
    return JsonListing(listing, category, dict(RECORD_ARTICLE), paths, len(records),
                       _sample(records, fields), evidence)


def request_with(request: ApiRequest, params: dict) -> ApiRequest:
    return ApiRequest(request.endpoint, request.method, params, request.page_size, request.how)


def _check_page_two(fetcher, endpoint_url, request, records, id_field, page_size, category, found, evidence):
    """Page 2 must list other records: the page argument is the one the API pages by."""
    if found.total is not None and found.total <= len(records):
        evidence.append("one page of records in all")
        return
    second = _fetch_page(fetcher, endpoint_url, request, 2, page_size, category)
    ids = {str(r.get(id_field)) for r in second.get(found.records_key) or [] if isinstance(r, dict)}
    if not ids:
        if found.total:
            raise InferenceError(f"page 2 of {endpoint_url} lists no records, though the API counts {found.total}")
        evidence.append("page 2 lists no records: one page in all")
        return
    if ids & {str(r.get(id_field)) for r in records}:
        raise InferenceError(f"page 2 of {endpoint_url} repeats page 1's records: the request's page argument "
                             f"is not one the spider can set")
    template = next((v for v in request.params.values() if v in ("{page}", "{start}")), "")
    evidence.append(f"pages by {template.strip('{}')} ({page_size} a page; page 2 lists other records)")


def _sample(records: list[dict], fields: dict) -> dict:
    """One record as the cleaner will read it (also the check that it reads it at all)."""
    for record in records[:5]:
        try:
            page = record_html(json.dumps(record, ensure_ascii=False).encode("utf-8"), fields)
            cleaned, how = extract(page, ArticleSelectors(**RECORD_ARTICLE))
        except Unusable:
            continue
        if how == "selectors" and cleaned.title:
            first = re.split(r"(?<=[.!?])\s", cleaned.body or "", maxsplit=1)[0][:200]
            return {"title": cleaned.title, "date": record.get(fields.get("date", "")),
                    "first sentence": first or None}
    raise InferenceError("none of the first records cleans to an article with a title and a body")
