"""Pagination by script: page links that only call JavaScript (`javascript:void(0)`, `onclick`)
fetch the next page with a request the page's own script spells out — jQuery's
`$.ajax({type: 'POST', url: '...', data: {article_category_id: article_category_id, page: page,
...}})` on the ArticleHeader portals (PORTALS.md: one crawler read ninhbinh's request off its
script). Read that request off the script, as a person would, instead of running a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsel import Selector

URL = re.compile(r"""\burl\s*:\s*['"](?P<url>[^'"]+)['"]""")
METHOD = re.compile(r"""\b(?:type|method)\s*:\s*['"](?P<method>GET|POST)['"]""", re.I)
DATA = re.compile(r"\bdata\s*:\s*\{(?P<body>[^{}]*)\}")
PAIR = re.compile(r"""(\w+)\s*:\s*(?:'(?P<s1>[^']*)'|"(?P<s2>[^"]*)"|(?P<name>[A-Za-z_$][\w$]*)|(?P<num>\d+))""")
FUNCTION = re.compile(r"function\s+\w*\s*\(\s*(?P<arg>\w+)\s*\)")


def _var(name: str) -> str:
    """A regex for a number the script assigns to `name` (group 1), for `script_params`."""
    return rf"""\b{re.escape(name)}\s*[:=]\s*['"]?(\d+)"""


@dataclass
class ScriptRequest:
    endpoint: str                       # as the script writes it (relative or absolute)
    method: str
    params: dict                        # form fields: literals, {page}, {<captured name>}
    script_params: dict = field(default_factory=dict)
    page_size: int | None = None


def script_request(html: str) -> ScriptRequest | None:
    """The paging request an inline script makes, or None when no script spells one out."""
    for script in Selector(text=html).css("script:not([src])::text").getall():
        url, data = URL.search(script), DATA.search(script)
        function = FUNCTION.search(script)
        if not (url and data and function):
            continue
        page_arg = function.group("arg")
        method = METHOD.search(script)
        params, captured, page_size = {}, {}, None
        for m in PAIR.finditer(data.group("body")):
            key, name = m.group(1), m.group("name")
            if name == page_arg:
                params[key] = "{page}"
            elif name:
                found = re.search(_var(name), script)
                if not found:
                    break  # a value only the browser knows: not a request we can make
                if "size" in name.lower():
                    page_size = int(found.group(1))
                    params[key] = "{page_size}"
                else:
                    captured[name] = _var(name)
                    params[key] = "{" + name + "}"
            else:
                params[key] = next(v for v in (m.group("s1"), m.group("s2"), m.group("num")) if v is not None)
        else:
            if "{page}" in params.values():
                return ScriptRequest(url.group("url"), (method.group("method") if method else "GET").upper(),
                                     params, captured, page_size)
    return None
