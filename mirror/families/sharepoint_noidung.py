"""SharePoint "noidung/tintuc" lists (PORTALS.md section 1, first row): Yên Bái, Tuyên Quang.

Evidence: articles at `/<section>/noidung/tintuc/Pages/chi-tiet-tin-tuc.aspx?ItemID=<n>&l=<List>`
(also reachable as `/noidung/tintuc/Lists/<List>/View_Detail.aspx?ItemID=<n>`), title
`h1#contenttitle`, lead `div#description`, date `div#ngaytao`, body `div.noidungtt` (Telerik
RadEditor, `img.imgtelerik` under `/noidung/tintuc/PublishingImages/`), author `b#tacgia` with
a leading `Theo `; listings paged by `View.aspx?Page=<n>` or a plain `&page=<n>` on the
`chi-tiet-tin-tuc.aspx?l=<List>` page. A category is a list (`l`).

Reconstruction, not a capture: the listing entry markup, the date's text format, the view
counter and the caption markup are guesses.

Site options:
- `listing`: "view" (`/noidung/tintuc/Lists/<List>/View.aspx?Page=N`, the family default) or
  "pages" (`/noidung/tintuc/Pages/chi-tiet-tin-tuc.aspx?l=<List>&page=N`, Yên Bái);
- `section`: the subsite path the site's articles live under ("" for the root);
- `merged_section`: on the merged province's portal, the subsite holding the old portal's
  articles (`/yenbai` on laocai.gov.vn);
- `variant_param`: the extra parameter another category's listing adds to an article link
  (`lv` with a number, or `CategoryID` with the category);
- `author_prefix`: what the author element prints before the name (`Theo `).
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from urllib.parse import quote

from mirror.families.base import SHARE_LINE, FamilyLayout, image_number, page, page_number, page_window, related
from mirror.site import VN_TZ, Site

DETAIL = "/noidung/tintuc/Pages/chi-tiet-tin-tuc.aspx"
_DETAIL_RX = re.compile(r"(?:/[\w-]+)*/noidung/tintuc/Pages/chi-tiet-tin-tuc\.aspx", re.I)
_VIEW_RX = re.compile(r"/noidung/tintuc/Lists/(\w+)/View\.aspx", re.I)
_VIEW_DETAIL_RX = re.compile(r"(?:/[\w-]+)*/noidung/tintuc/Lists/(\w+)/View_Detail\.aspx", re.I)


def _ampm(d: datetime) -> str:
    """SharePoint's en-US default: `17/01/2024 4:30:00 PM`."""
    h = d.hour % 12 or 12
    return f"{d:%d/%m/%Y} {h}:{d:%M:%S} {'PM' if d.hour >= 12 else 'AM'}"


def radeditor_figure(caption: str) -> str:
    """A RadEditor image: a centred paragraph with the image, the caption in the next one."""
    n = image_number(caption)
    return (f"<p style='text-align: center;'><img class='imgtelerik' alt='' "
            f"src='/noidung/tintuc/PublishingImages/{n}.jpg' style='width: 600px;'></p>"
            f"<p style='text-align: center;'><em>{escape(caption)}</em></p>")


class Layout(FamilyLayout):
    family = "sharepoint_noidung"

    # ------------------------------------------------------------------ URLs

    @property
    def _opts(self) -> dict:
        return self.site.options

    def listing_path(self, cat, page_no=1):
        if self._opts.get("listing") == "pages":
            return f"{DETAIL}?l={cat}" + (f"&page={page_no}" if page_no > 1 else "")
        return f"/noidung/tintuc/Lists/{cat}/View.aspx" + (f"?Page={page_no}" if page_no > 1 else "")

    def article_path(self, a, merged=False, category=None):
        section = self._opts.get("merged_section", "") if merged else self._opts.get("section", "")
        path = f"{section}{DETAIL}?ItemID={a.item_id}&l={a.category}"
        if category and category != a.category:
            param = self._opts.get("variant_param", "CategoryID")
            cats = self.category_keys()
            value = str(cats.index(category) + 3) if param == "lv" and category in cats else quote(category)
            path += f"&{param}={value}"
        return path

    def resolve(self, method, path, query, form):
        if _DETAIL_RX.fullmatch(path):
            if "ItemID" in query:
                return self._article(query["ItemID"][0])
            cat = self.category_key(query.get("l", [""])[0])
            if cat:
                return ("listing", cat, page_number(query.get("page")), "page")
            return None
        m = _VIEW_DETAIL_RX.fullmatch(path)
        if m and "ItemID" in query:
            return self._article(query["ItemID"][0])
        m = _VIEW_RX.fullmatch(path)
        cat = self.category_key(m.group(1)) if m else None
        if cat:
            return ("listing", cat, page_number(query.get("Page")), "page")
        return self.resolve_pdf(path)

    def _article(self, raw: str):
        return ("article", self.index_of_id(int(raw))) if raw.isdigit() else None

    # ------------------------------------------------------------------ pages


    def _chrome(self, inner: str, title: str, charset: str = "utf-8", head: str = "") -> str:
        toplinks = ("<div class='ms-designer-ribbon'><div id='s4-ribbonrow'></div></div>"
                    "<div class='top-links'><a href='#'>Trang chủ</a> | <a href='#'>Sơ đồ cổng</a> | "
                    "<a href='#'>English</a> | <input type='text' class='search-box' placeholder='Tìm kiếm'></div>")
        return page(title, f"{toplinks}{self.menu()}<div id='s4-bodyContainer'><div class='main-content'>"
                    f"{inner}</div><div class='right-col'><div class='webpart-title'>Tin nổi bật</div>"
                    f"<ul class='tin-noibat'><li><a href='#'>Thông báo lịch tiếp công dân</a></li></ul></div>"
                    f"</div>{self.footer()}", charset, head)

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        items = []
        for e in entries:
            lead = e.lead
            n = image_number(e.title)
            items.append(
                f"<div class='tin-item'><a class='anh-tin' href='{e.href}'>"
                f"<img class='imgtelerik' src='/noidung/tintuc/PublishingImages/{n}_thumb.jpg' alt=''></a>"
                f"<a class='tieude-tin' href='{e.href}'>{escape(e.title)}</a>"
                f"<span class='ngay-tin'>{e.published:%d/%m/%Y}</span>"
                + (f"<div class='mota-tin'>{escape(lead)}</div>" if lead else "") + "</div>")
        links = []
        if entries:
            for n in page_window(page_no, pages):
                links.append(f"<span class='current'>{n}</span>" if n == page_no else
                             f"<a href='{prefix}{self.listing_path(cat, n)}'>{n}</a>")
            if page_no < pages:
                links.append(f"<a class='next' href='{prefix}{self.listing_path(cat, page_no + 1)}'>Trang sau</a>")
        inner = (f"<div class='breadcrumb'><a href='#'>Trang chủ</a> » <a href='#'>Tin tức</a> » "
                 f"{escape(self.category_name(cat))}</div>"
                 f"<h2 class='webpart-title'>{escape(self.category_name(cat))}</h2>"
                 f"<div class='danhsachtin'>{''.join(items)}</div>"
                 f"<div class='phantrang'>{' '.join(links)}</div>")
        return self._chrome(inner, self.category_name(cat))

    def render_article(self, a, charset="utf-8"):
        views = f" <span class='luotxem'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        lead = f"<div id='description'>{escape(a.lead)}</div>" if a.lead else ""
        author = self.author_of(a)
        author = (f"<div class='tacgia'><b id='tacgia'>{escape(self._opts.get('author_prefix', ''))}"
                  f"{escape(author)}</b></div>") if author else ""
        others = related("Các tin khác", ["Thông báo kết quả tuyển dụng công chức", "Hội nghị giao ban khối nội chính"],
                         css="tinkhac")
        inner = (f"<div class='breadcrumb'><a href='#'>Trang chủ</a> » <a href='#'>Tin tức</a> » "
                 f"{escape(self.category_name(a.category))}</div>"
                 f"<div class='chitiettin'><h1 id='contenttitle'>{escape(a.title)}</h1>"
                 f"<div class='thongtin'><div id='ngaytao'>{_ampm(a.published)}</div>{views}"
                 f"<span class='congcu'><a href='#'>Tăng cỡ chữ</a> <a href='#'>Giảm cỡ chữ</a> "
                 f"<a href='javascript:window.print()'>In bài</a></span></div>"
                 f"{lead}<div class='noidungtt'>{self.body(a, radeditor_figure)}</div>{author}"
                 f"<div class='social-share'>{SHARE_LINE}</div></div>{others}")
        return self._chrome(inner, a.title, charset)


SITES = (
    Site("yenbai", "yenbai.gov.vn", "laocai.gov.vn", "Yên Bái", "sharepoint_noidung",
         (("Tinhoatdong", "Tin hoạt động"), ("Chidaodieuhanh", "Chỉ đạo điều hành")),
         seed_file="000_60ad6a68dc0745fc.txt",
         seed_meta=dict(title="Hội nghị trực tuyến giao ban công tác năm 2024 với các đồng chí bí thư tỉnh ủy, thành ủy",
                        published=datetime(2024, 1, 17, 16, 30, tzinfo=VN_TZ), author="Ban Biên tập",
                        captions=("Các đại biểu tham dự Hội nghị tại điểm cầu Yên Bái",)),
         options=dict(listing="pages", section="", merged_section="/yenbai", variant_param="lv",
                      author_prefix="Theo ")),
    Site("tuyenquang", "tuyenquang.gov.vn", None, "Tuyên Quang", "sharepoint_noidung",
         (("TinTucSuKien", "Tin tức - Sự kiện"), ("TinDangDoanThe", "Tin Đảng - Đoàn thể")),
         seed_file="004_a04736589d3fb9fa.txt",
         seed_meta=dict(title="Hội nghị đánh giá 1 năm thực hiện nghị quyết đại hội Đảng",
                        published=datetime(2022, 2, 18, 15, 30, tzinfo=VN_TZ), author="Tài Tùng",
                        captions=("Đại biểu dự Hội nghị\u00a0 trực tuyến tại điểm cầu huyện Chiêm Hóa.",
                                  "Hội nghị trực tuyến đánh giá 1 năm học tập, quán triệt, triển khai thực hiện Nghị"
                                  " quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng, Nghị quyết Đại hội đại"
                                  " biểu Đảng bộ tỉnh lần thứ XVII.")),
         options=dict(listing="view", section="", variant_param="CategoryID", author_prefix="Theo ")),
)
