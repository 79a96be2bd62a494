"""SharePoint "Trang" (PORTALS.md section 1): Quảng Ninh.

Evidence: articles at `/Trang/ChiTietTinTuc.aspx?nid=<n>`, the title in `og:title`, the news
listing `/Trang/tin-tuc-su-kien.aspx`. Everything else is a reconstruction with no evidence
behind it: `?Page=N` pagination, the listing entries, the article body markup (`div.ChiTietTin`
with `span.NgayDang`, `div.TomTat`, `div.NoiDung`, `div.TacGia`, captions `p.ChuThich`), and
the `Source=` back-link another category's listing adds to an article link.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from mirror.families.base import SHARE_LINE, FamilyLayout, image_number, page, page_number, page_window, related
from mirror.site import Site

_CATEGORY_RX = re.compile(r"/Trang/([\w-]+)\.aspx", re.I)
ARTICLE = "/Trang/ChiTietTinTuc.aspx"


def trang_figure(caption: str) -> str:
    n = image_number(caption)
    return (f"<p style='text-align:center'><img src='/PublishingImages/TinTuc/{n}.jpg' alt=''></p>"
            f"<p class='ChuThich'>{escape(caption)}</p>")


class Layout(FamilyLayout):
    family = "sharepoint_trang"

    def listing_path(self, cat, page_no=1):
        return f"/Trang/{cat}.aspx" + (f"?Page={page_no}" if page_no > 1 else "")

    def article_path(self, a, merged=False, category=None):
        path = f"{ARTICLE}?nid={a.item_id}"
        if category and category != a.category:
            path += "&Source=" + quote(f"/Trang/{category}.aspx", safe="")
        return path

    def resolve(self, method, path, query, form):
        if path.lower() == ARTICLE.lower():
            raw = query.get("nid", [""])[0]
            return ("article", self.index_of_id(int(raw))) if raw.isdigit() else None
        m = _CATEGORY_RX.fullmatch(path)
        cat = self.category_key(m.group(1)) if m else None
        if cat:
            return ("listing", cat, page_number(query.get("Page")), "page")
        return self.resolve_pdf(path)


    def _chrome(self, inner, title, charset="utf-8", head=""):
        top = ("<div class='TopBar'><span class='NgayHienTai'>Quảng Ninh</span> <a href='#'>Đăng nhập</a> "
               "<a href='#'>English</a></div>")
        return page(title, f"<form method='post' id='aspnetForm'>{top}{self.menu()}<div class='NoiDungTrang'>"
                    f"<div class='CotTrai'>{inner}</div><div class='CotPhai'><div class='TieuDeKhoi'>Tin đọc nhiều"
                    f"</div><ul><li><a href='#'>Quảng Ninh đón lượng khách kỷ lục</a></li></ul></div></div>"
                    f"{self.footer()}</form>", charset, head)

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        items = []
        for e in entries:
            lead = e.lead
            n = image_number(e.title)
            items.append(
                f"<div class='TinItem'><a href='{e.href}'><img class='AnhDaiDien' "
                f"src='/PublishingImages/TinTuc/{n}_thumb.jpg' alt=''></a>"
                f"<a class='TieuDe' href='{e.href}'>{escape(e.title)}</a>"
                f"<span class='NgayDang'>{e.published:%d/%m/%Y}</span>"
                + (f"<div class='MoTa'>{escape(lead)}</div>" if lead else "") + "</div>")
        pager = ""
        if entries:
            links = [f"<span class='TrangHienTai'>{n}</span>" if n == page_no else
                     f"<a href='{prefix}{self.listing_path(cat, n)}'>{n}</a>"
                     for n in page_window(page_no, pages)]
            if page_no < pages:
                links.append(f"<a class='TrangSau' href='{prefix}{self.listing_path(cat, page_no + 1)}'>Sau »</a>")
            pager = f"<div class='PhanTrang'>{' '.join(links)}</div>"
        inner = (f"<div class='TieuDeKhoi'>{escape(self.category_name(cat))}</div>"
                 f"<div class='DanhSachTin'>{''.join(items)}</div>{pager}")
        return self._chrome(inner, self.category_name(cat))

    def render_article(self, a, charset="utf-8"):
        head = (f"<meta property='og:title' content='{escape(a.title, quote=True)}'>"
                f"<meta property='og:type' content='article'>"
                f"<meta property='og:url' content='https://{self.site.domain}{ARTICLE}?nid={a.item_id}'>"
                + (f"<meta property='og:description' content='{escape(a.lead, quote=True)}'>" if a.lead else ""))
        views = f" | <span class='LuotXem'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        lead = f"<div class='TomTat'>{escape(a.lead)}</div>" if a.lead else ""
        author = self.author_of(a)
        author = f"<div class='TacGia'>{escape(author)}</div>" if author else ""
        inner = (f"<div class='DuongDan'>Trang chủ » {escape(self.category_name(a.category))}</div>"
                 f"<div class='ChiTietTin'><h2 class='TieuDeTin'>{escape(a.title)}</h2>"
                 f"<div class='ThongTin'><span class='NgayDang'>{a.published:%d/%m/%Y %H:%M}</span>{views}"
                 f" | <a href='#'>Tăng cỡ chữ</a> <a href='#'>Giảm cỡ chữ</a></div>"
                 f"{lead}<div class='NoiDung ms-rtestate-field'>{self.body(a, trang_figure)}</div>{author}"
                 f"<div class='social-share'>{SHARE_LINE}</div></div>"
                 f"{related('Tin liên quan', ['Quảng Ninh tổ chức hội nghị xúc tiến đầu tư', 'Hội nghị Ban Chấp hành Đảng bộ tỉnh'], css='TinLienQuan')}")
        return self._chrome(inner, a.title, charset, head)


SITES = (
    Site("quangninh", "quangninh.gov.vn", None, "Quảng Ninh", "sharepoint_trang",
         (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("chi-dao-dieu-hanh", "Chỉ đạo điều hành"))),
)
