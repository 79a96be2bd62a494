"""SharePoint lists read through a JSON API (PORTALS.md section 1): vinhphuc.gov.vn.

From the evidence (thuydung203/Crawl_data, crawl_vinhphuc.py): the page's script posts
`do=QUERYDATA, fieldOrder=CreatedDate, ascending=desc, UrlList=<list path>, start, length` to
`/APIVP/api/DSTinTuc/QUERYDATA`; the answer's `data` holds records `ID`, `Title` (with `##`
markers), `DescriptionNews`, `ContentNews` (HTML-escaped HTML), `CreatedDate`
(`2025-06-30T19:02:21`); an article's page is `<list path>/View_Detail.aspx?ItemID=<n>`. List
paths like `/ct/cms/tintuc/Lists/ThoiSuChinhTri`. A category is a list path.

Reconstruction, not a capture. Guessed: the list page (`<list path>/AllItems.aspx`) and its
script, the answer's `recordsTotal`/`recordsFiltered` (DataTables-style, as start/length
suggest), the other record keys (`Author`, `ImageNews`, `UrlList`), where the `##` markers sit
(around the title), the caption markup, the detail page's markup. Records carry only the
faults of their content (`serves_records`): an attachment stub (`Chi tiết xem tại đây ./.`),
an empty `ContentNews` (`empty_body`). The merged portal (phutho.gov.vn) redirects
only View_Detail pages, which the spider never fetches: it reads records.

Site option `title_markers`: titles come as `##Title##`, as the live API sends them (the
cleaner's record decoder strips them).
"""

from __future__ import annotations

import json
import re
import zlib
from html import escape
from urllib.parse import quote

from mirror.families.base import FamilyLayout, image_number, page, related
from mirror.site import Entry, Site

ENDPOINT = "/APIVP/api/DSTinTuc/QUERYDATA"
_DETAIL_RX = re.compile(r"(/.+/Lists/[^/]+)/View_Detail\.aspx", re.I)
_LIST_RX = re.compile(r"(/.+/Lists/[^/]+)/AllItems\.aspx", re.I)


def _figure(caption: str) -> str:
    n = image_number(caption)
    return (f"<p style=\"text-align: center;\"><img alt=\"\" src=\"/ct/cms/tintuc/PublishingImages/{n}.jpg\""
            f" style=\"width: 700px;\"></p><figure><figcaption style=\"text-align: center;\"><em>"
            f"{escape(caption)}</em></figcaption></figure>")


class Layout(FamilyLayout):
    family = "sharepoint_api"
    serves_records = True

    # ------------------------------------------------------------------ URLs

    def listing_path(self, cat, page_no=1):
        return f"{cat}/AllItems.aspx"

    def article_path(self, a, merged=False, category=None):
        path = f"{a.category}/View_Detail.aspx?ItemID={a.item_id}"
        if category and category != a.category:
            # SharePoint's own `Source` (the list the reader came from): the key keeps ItemID only.
            path += f"&Source={quote(category + '/AllItems.aspx', safe='/')}"
        return path

    def resolve(self, method, path, query, form):
        if path.rstrip("/").lower() == ENDPOINT.lower():
            if method != "POST" or form.get("do", [""])[0] != "QUERYDATA":
                return None
            cat = self.category_key(form.get("UrlList", [""])[0].rstrip("/"))
            if cat is None:
                return None
            try:
                start = max(int(form.get("start", ["0"])[0]), 0)
            except ValueError:
                return None
            return ("listing", cat, start // self.site.per_page + 1, "json")
        m = _DETAIL_RX.fullmatch(path)
        if m and self.category_key(m.group(1)):
            raw = query.get("ItemID", [""])[0]
            return ("article", self.index_of_id(int(raw))) if raw.isdigit() else None
        m = _LIST_RX.fullmatch(path)
        if m and self.category_key(m.group(1)):
            return ("listing", self.category_key(m.group(1)), 1, "page")
        return self.resolve_pdf(path)

    # ------------------------------------------------------------------ records

    def _content(self, e) -> tuple[str, str]:
        """(lead, body HTML) of a listed entry as the list item stores them."""
        a = e.article
        if a is None:
            return "", ""
        if getattr(a, "fault", None) == "empty_body":
            return "", ""
        body = self.body(a, _figure)
        author = self.author_of(a)
        if author:
            body += f"\n<p style=\"text-align: right;\"><strong>{escape(author)}</strong></p>"
        return a.lead or "", body

    def record(self, e, cat) -> dict:
        a = e.article
        iid = a.item_id if a is not None else 900_000 + zlib.crc32(e.href.encode()) % 99_999
        title = f"##{e.title}##" if self.site.options.get("title_markers") else e.title
        lead, body = self._content(e)
        return {
            "ID": iid,
            "Title": title,
            "DescriptionNews": lead,
            "ContentNews": escape(body, quote=True),
            "CreatedDate": f"{e.published:%Y-%m-%dT%H:%M:%S}",
            "Author": (self.author_of(a) or "") if a is not None else "",
            "ImageNews": f"/ct/cms/tintuc/PublishingImages/{iid}_thumb.jpg",
            "UrlList": cat,
        }

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        if fmt == "json":
            total = pages * self.site.per_page if pages < 10**6 else 10**9
            return json.dumps({"recordsTotal": total, "recordsFiltered": total,
                               "data": [self.record(e, cat) for e in entries]}, ensure_ascii=False)
        # The list page: an empty box the script fills from the API.
        script = (f"<script type='text/javascript'>var UrlList = '{cat}'; var pageSize = {self.site.per_page};"
                  f"\n$(function () {{ $('#tbl-tintuc').DataTable({{ serverSide: true, pageLength: pageSize,"
                  f" ajax: {{ url: '{ENDPOINT}', type: 'POST', data: function (d) {{ return {{ do: 'QUERYDATA',"
                  f" fieldOrder: 'CreatedDate', ascending: 'desc', UrlList: UrlList, start: d.start,"
                  f" length: d.length }}; }} }} }}); }});</script>")
        name = self.category_name(cat)
        inner = (f"<div class='ms-webpart-titleText'><span>{escape(name)}</span></div>"
                 f"<table id='tbl-tintuc' class='table-tintuc'><thead><tr><th>Tin tức</th></tr></thead>"
                 f"<tbody></tbody></table>")
        return page(name, f"{self.menu()}<div id='s4-workspace'><div class='main'>{inner}</div></div>"
                    f"{self.footer()}", head=f"<script src='/Style Library/js/jquery.dataTables.min.js'></script>"
                    f"{script}")

    def article_as_served(self, a):
        record = self.record(Entry(self.article_path(a), a.title, a.published, a), a.category)
        return json.dumps(record, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"

    def render_article(self, a, charset="utf-8"):
        """View_Detail.aspx: the list item's page (the spider does not fetch it)."""
        title = f"##{a.title}##" if self.site.options.get("title_markers") else a.title
        views = f"<span class='luot-xem'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        lead = f"<div class='sapo-tin'>{escape(a.lead)}</div>" if a.lead else ""
        author = self.author_of(a)
        author = f"<p style='text-align: right;'><strong>{escape(author)}</strong></p>" if author else ""
        inner = (f"<div class='chitiet-tin'><h1 class='tieude-tin'>{escape(title)}</h1>"
                 f"<div class='ngay-dang'>{a.published:%d/%m/%Y %H:%M} {views}</div>{lead}"
                 f"<div class='noidung-tin ms-rtestate-field'>{self.body(a, _figure)}{author}</div>"
                 f"<div class='share'>Chia sẻ: Facebook Zalo</div></div>"
                 f"{related('Tin khác', ['Vĩnh Phúc phát triển kinh tế số', 'Hội nghị giao ban quý'], css='tin-khac')}")
        return page(a.title, f"{self.menu()}<div id='s4-workspace'>{inner}</div>{self.footer()}", charset)


SITES = (
    # Merged into Phú Thọ (phutho.gov.vn); the records carry the articles and no article page
    # is fetched, so no crawl meets a redirect there.
    Site("vinhphuc", "vinhphuc.gov.vn", "phutho.gov.vn", "Vĩnh Phúc", "sharepoint_api",
         (("/ct/cms/tintuc/Lists/ThoiSuChinhTri", "Thời sự chính trị"),
          ("/ct/cms/tintuc/Lists/KinhTe", "Kinh tế")),
         per_page=10, options=dict(title_markers=True)),
)
