"""A JSON listing's records, recognised by the shapes of their values rather than their names (a
portal's API may call its title `Title`, `tieuDe` or `name`): the list of objects in the answer,
the total count beside it, and which field is the id, title, date, lead and body.

- id: an integer (or digit string) or GUID, present and distinct on every record;
- date: a string that parses as a date on (nearly) every record; of several, the one the list is
  sorted by (newest first), as listings are;
- body: the longest text, HTML (escaped or not) or long prose;
- title: a short one-line text of several words, distinct across records, not a sentence;
- lead: a longer prose text that is neither.
A name is looked at only to break a tie between two fields of the same shape (`ID` beside a
`ViewCount`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import mean

from spiders.dates import parse_vn_datetime
from spiders.onboard.errors import InferenceError

GUID = re.compile(r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?", re.I)
MARKUP = re.compile(r"</?(?:p|div|span|br|img|strong|em|a|table|figure)\b|&lt;/?(?:p|div|span|br|img)\b", re.I)
ADDRESS = re.compile(r"^(?:https?://|/|\.\.?/)\S*$|^\S+\.(?:jpe?g|png|gif|webp|pdf|aspx?|html?)$", re.I)
ID_NAME = re.compile(r"(?:^|_)id$|id$|^id|guid|key$", re.I)
TOTAL_NAME = re.compile(r"total|count|filtered|records", re.I)
TITLE_MIN, TITLE_MAX = 15, 300   # characters, on average
BODY_MIN = 200                   # a body without markup is at least a paragraph
LEAD_MIN = 60


@dataclass
class RecordFields:
    records_key: str
    fields: dict[str, str]         # id, title, date, lead, body -> the record's key
    total: int | None              # the count of all records, where the answer gives one
    evidence: list[str]


def records_of(data) -> tuple[str, list[dict]]:
    """The answer's list of records: the longest list of objects under a top-level key (the
    spider reads a top-level key: a list nested deeper, or a bare list, is said so)."""
    if isinstance(data, list):
        raise InferenceError("the API answers a bare list: the json kind reads the records under a key")
    if not isinstance(data, dict):
        raise InferenceError("the API's answer is not a JSON object")
    lists = {k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    if lists:
        key = max(lists, key=lambda k: len(lists[k]))
        return key, lists[key]
    for k, v in data.items():  # one level down (SharePoint REST's `d.results`): say where they are
        inner = [i for i, x in v.items() if isinstance(x, list) and x and isinstance(x[0], dict)] \
            if isinstance(v, dict) else []
        if inner:
            raise InferenceError(f"the records are nested ({k}.{inner[0]}): the json kind reads a top-level key only")
    raise InferenceError("the API's answer holds no list of records")


def total_of(data: dict, shown: int) -> int | None:
    """The count of all records: an integer beside the list at least as large as the page's."""
    counts = {k: v for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool) and v >= shown}
    named = [k for k in counts if TOTAL_NAME.search(k)]
    return counts[named[0]] if named else (max(counts.values()) if counts else None)


def _text(v) -> str:
    return v.strip() if isinstance(v, str) else ""


def _is_id(v) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, str) and (v.isdigit() or bool(GUID.fullmatch(v))))


def _dated(values: list) -> list:
    out = []
    for v in values:
        dt = parse_vn_datetime(v) if isinstance(v, str) and not v.strip().isdigit() else None
        out.append(dt if dt is not None and 1995 <= dt.year <= 2100 else None)
    return out


def map_fields(records: list[dict]) -> tuple[dict[str, str], list[str]]:
    """id, title, date, lead, body -> the record key holding each (lead and body may be absent)."""
    keys = list(dict.fromkeys(k for r in records for k in r))
    column = {k: [r.get(k) for r in records] for k in keys}
    evidence, fields = [], {}

    ids = [k for k in keys if all(_is_id(v) for v in column[k]) and len({str(v) for v in column[k]}) == len(records)]
    if not ids:
        raise InferenceError("no record field is an id (an integer or GUID on every record, all distinct)")
    fields["id"] = sorted(ids, key=lambda k: not ID_NAME.search(k))[0]

    dates = {k: _dated(column[k]) for k in keys}
    dates = {k: d for k, d in dates.items() if sum(x is not None for x in d) >= 0.8 * len(records)}
    if dates:
        def newest_first(k):
            got = [x for x in dates[k] if x is not None]
            return all(a >= b for a, b in zip(got, got[1:]))
        fields["date"] = sorted(dates, key=lambda k: not newest_first(k))[0]

    texts = {}
    for k in keys:
        values = [_text(v) for v in column[k]]
        filled = [v for v in values if v]
        if k in fields.values() or len(filled) < 0.5 * len(records) or any(ADDRESS.match(v) for v in filled):
            continue
        if not all(isinstance(v, str) for v in column[k] if v is not None):
            continue
        texts[k] = dict(avg=mean(len(v) for v in filled), markup=sum(bool(MARKUP.search(v)) for v in filled),
                        words=mean(len(v.split()) for v in filled), filled=len(filled),
                        distinct=len(set(filled)) / len(filled),
                        sentences=sum(v.rstrip().endswith((".", "!", "?", "…")) for v in filled) / len(filled))
    body = [k for k, t in texts.items() if t["markup"] or t["avg"] >= BODY_MIN]
    if body:
        fields["body"] = max(body, key=lambda k: (texts[k]["markup"] > 0, texts[k]["avg"]))
    titles = [k for k, t in texts.items() if k not in fields.values() and not t["markup"]
              and TITLE_MIN <= t["avg"] <= TITLE_MAX and t["words"] >= 3 and t["distinct"] >= 0.8
              and t["filled"] >= 0.9 * len(records) and t["sentences"] < 0.5]
    if not titles:
        raise InferenceError("no record field looks like a title (a short line of words, distinct per record)")
    fields["title"] = max(titles, key=lambda k: texts[k]["avg"])
    leads = [k for k, t in texts.items() if k not in fields.values() and t["avg"] >= LEAD_MIN
             and t["avg"] > texts[fields["title"]]["avg"] and t["words"] >= 8 and t["distinct"] >= 0.8]
    if leads:
        fields["lead"] = max(leads, key=lambda k: texts[k]["avg"])
    if "body" not in fields and "lead" not in fields:
        raise InferenceError("no record field holds the article's text (HTML or long prose)")
    for name in ("id", "title", "date", "lead", "body"):
        if name in fields:
            sample = next((v for v in column[fields[name]] if v not in (None, "")), "")
            evidence.append(f"record {name}: {fields[name]} ({_shape(name, sample)})")
    return {k: fields[k] for k in ("id", "title", "date", "lead", "body") if k in fields}, evidence


def _shape(name: str, sample) -> str:
    if name == "id":
        return f"distinct ids, e.g. {sample}"
    if name == "date":
        return f"a date, e.g. {sample}"
    text = " ".join(str(sample).split())
    return f"e.g. {text[:60]!r}" + ("…" if len(text) > 60 else "")


def recognise(data) -> RecordFields:
    key, records = records_of(data)
    fields, evidence = map_fields(records)
    total = total_of(data, len(records))
    return RecordFields(key, fields, total, [f"{len(records)} records under `{key}`"
                                             + (f" of {total} in all" if total is not None else ""), *evidence])
