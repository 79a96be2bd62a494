"""SharePoint "PublishingPortal" as Bắc Kạn's seed shows it: web-part titles in the page, a date
line, font-size controls, captions in RTE table cells. Listings page only by ASP.NET postback.
Its markup is a reconstruction with no evidence behind it (the portal's status is "unknown")."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from html import escape

from mirror.families.base import FamilyLayout, page, related
from mirror.site import VN_TZ, Site

EVENT_NEXT = "ctl00$PlaceHolderMain$g_DanhSachTin$pager$lnkNext"


class Layout(FamilyLayout):
    family = "sharepoint_publishing"

    def listing_path(self, cat, page=1):
        return f"/Pages/tin-tuc.aspx?CategoryId={cat}"

    def article_path(self, a, merged=False, category=None):
        prefix = "/bac-kan" if merged else ""
        return f"{prefix}/Pages/chi-tiet-tin.aspx?ItemID={a.item_id}&CategoryId={category or a.category}"

    @staticmethod
    def _viewstate(cat, page):
        return base64.b64encode(f"CategoryId={cat}|Page={page}|{'x' * 40}".encode()).decode()

    def resolve(self, method, path, query, form):
        if path == "/Pages/tin-tuc.aspx" and "CategoryId" in query:
            cat, page_no = query["CategoryId"][0], 1
            if method == "POST":
                state = base64.b64decode(form.get("__VIEWSTATE", [""])[0] or b"").decode(errors="replace")
                m = re.search(r"Page=(\d+)", state)
                if form.get("__EVENTTARGET", [""])[0] == EVENT_NEXT and m:
                    page_no = int(m.group(1)) + 1
            return ("listing", cat, page_no, "page")
        if path.endswith("/Pages/chi-tiet-tin.aspx") and "ItemID" in query:
            return ("article", self.index_of_id(int(query["ItemID"][0])))
        return self.resolve_pdf(path)

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        rows = "".join(
            f"<tr class='item'><td><a href='{e.href}'>{escape(e.title)}</a> "
            f"<span class='NgayDang'>({e.published:%d/%m/%Y})</span></td></tr>" for e in entries)
        nxt = (f"<a id='ctl00_PlaceHolderMain_g_DanhSachTin_pager_lnkNext' "
               f"href=\"javascript:__doPostBack('{EVENT_NEXT}','')\">Trang sau</a>") if page_no < pages else ""
        form = (f"<form method='post' action='./tin-tuc.aspx?CategoryId={cat}' id='aspnetForm'>"
                f"<input type='hidden' name='__EVENTTARGET' id='__EVENTTARGET' value=''>"
                f"<input type='hidden' name='__EVENTARGUMENT' id='__EVENTARGUMENT' value=''>"
                f"<input type='hidden' name='__VIEWSTATE' id='__VIEWSTATE' value='{self._viewstate(cat, page_no)}'>"
                f"<div class='ms-webpart-titleText'>PublishingPortal - Block_DanhSachTin</div>"
                f"<table class='DanhSachTin'>{rows}</table><div class='pager'>Trang {page_no}/{pages} {nxt}</div></form>")
        return page("Tin tức", f"{self.menu()}{form}{self.footer()}")

    def render_article(self, a, charset="utf-8"):
        def figure(cap):
            return (f"<table class='ms-rteTable-default'><tr><td><img src='/PublishingImages/x.jpg'></td></tr>"
                    f"<tr><td class='ms-rteImage-caption'>{escape(cap)}</td></tr></table>")
        lead = f"<div class='TomTat'>{escape(a.lead)}</div>" if a.lead else ""
        author = self.author_of(a)
        author = f"<p style='text-align:right'><strong>{escape(author)}</strong></p>" if author else ""
        return page(a.title, f"{self.menu()}<form method='post' id='aspnetForm'>"
                    f"<div class='ms-webpart-titleText'>PublishingPortal - Block_BanTin_Toolbar</div>"
                    f"<div class='BanTinChiTiet'><div class='NgayDang'>{a.published:%d/%m/%Y}</div>"
                    f"<div class='toolbar'>Tăng cỡ chữ Giảm cỡ chữ</div>"
                    f"<h2 class='TieuDe'>{escape(a.title)}</h2>{lead}"
                    f"<div class='NoiDung ms-rtestate-field'>{self.body(a, figure)}{author}</div></div>"
                    f"<div class='TinKhac'>{related('Các tin khác', ['Tin khác 1', 'Tin khác 2'])}</div>"
                    f"</form>{self.footer()}", charset)


SITES = (
    Site("backan", "backan.gov.vn", "thainguyen.gov.vn", "Bắc Kạn", "sharepoint_publishing",
         (("1", "Tin tức - Sự kiện"), ("2", "Tin chỉ đạo điều hành")),
         seed_file="001_65fc4686f071d328.txt",
         seed_meta=dict(title="Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15 (khóa XII)",
                        published=datetime(2024, 4, 8, 14, 0, tzinfo=VN_TZ), author="Hương Dịu",
                        captions=("Toàn cảnh Hội nghị", "Bí thư Tỉnh ủy Hoàng Duy Chinh phát biểu tại Hội nghị"))),
)
