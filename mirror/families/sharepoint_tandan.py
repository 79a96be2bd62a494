"""SharePoint "Tân Dân" (PORTALS.md section 1): Điện Biên.

Evidence: title `.tandan-p-article-news-title`, summary `.tandan-p-article-news-summary`, date
`.tandan-span-date-publish` (`Đăng ngày …`), body `.tandan-p-article-main, .ms-rtestate-field`
with the related-news box `.tandan-div-article-other` and `.social-share` inside it; category
pages `/portal/Pages/<Category>.aspx?PageIndex=<n>`.

Reconstruction, not a capture. Guessed: the article URL `/portal/Pages/<yyyy>/<mm>/<slug>-<id>.aspx`
(another category's listing links it with SharePoint's `?Source=` back-link), the listing
entry markup, the time after the date, the author in the info line, the view counter, captions.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from mirror.families.base import SHARE_LINE, FamilyLayout, image_number, page, page_number, page_window
from mirror.site import Site

_CATEGORY_RX = re.compile(r"/portal/Pages/([\w-]+)\.aspx")
_ARTICLE_RX = re.compile(r"/portal/Pages/\d{4}/\d{1,2}/[^/]*-(\d+)\.aspx")


def tandan_figure(caption: str) -> str:
    n = image_number(caption)
    return (f"<p style='text-align:center'><img src='/portal/PublishingImages/{n}.jpg' alt=''></p>"
            f"<p class='tandan-p-caption' style='text-align:center'><em>{escape(caption)}</em></p>")


class Layout(FamilyLayout):
    family = "sharepoint_tandan"

    def listing_path(self, cat, page_no=1):
        return f"/portal/Pages/{cat}.aspx" + (f"?PageIndex={page_no}" if page_no > 1 else "")

    def article_path(self, a, merged=False, category=None):
        path = f"/portal/Pages/{a.published:%Y/%m}/{a.slug or 'tin-tuc'}-{a.item_id}.aspx"
        if category and category != a.category:
            path += "?Source=" + quote(f"/portal/Pages/{category}.aspx", safe="")
        return path

    def resolve(self, method, path, query, form):
        m = _ARTICLE_RX.fullmatch(path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        m = _CATEGORY_RX.fullmatch(path)
        cat = self.category_key(m.group(1)) if m else None
        if cat:
            return ("listing", cat, page_number(query.get("PageIndex")), "page")
        return self.resolve_pdf(path)


    def _chrome(self, inner, title, charset="utf-8"):
        banner = ("<div class='tandan-div-banner'><div class='tandan-div-date-today'>Hôm nay</div>"
                  "<div class='tandan-div-search'><input type='text' placeholder='Tìm kiếm...'></div></div>")
        right = ("<div class='tandan-div-right'><div class='tandan-div-box-title'>Văn bản mới</div>"
                 "<ul><li><a href='#'>Quyết định ban hành kế hoạch cải cách hành chính</a></li></ul>"
                 "<div class='tandan-div-box-title'>Liên kết website</div></div>")
        return page(title, f"<form method='post' id='aspnetForm'>{banner}{self.menu()}"
                    f"<div class='tandan-div-body'><div class='tandan-div-left'>{inner}</div>{right}</div>"
                    f"{self.footer()}</form>", charset)

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        items = []
        for e in entries:
            lead = e.lead
            n = image_number(e.title)
            items.append(
                f"<div class='tandan-div-item-news'><div class='tandan-div-img-news'>"
                f"<a href='{e.href}'><img src='/portal/PublishingImages/{n}_thumb.jpg' alt=''></a></div>"
                f"<a class='tandan-a-title-news' href='{e.href}'>{escape(e.title)}</a>"
                f"<span class='tandan-span-date-news'>{e.published:%d/%m/%Y %H:%M}</span>"
                + (f"<p class='tandan-p-summary-news'>{escape(lead)}</p>" if lead else "") + "</div>")
        pager = ""
        if entries:
            links = [f"<span class='tandan-span-page-current'>{n}</span>" if n == page_no else
                     f"<a href='{prefix}{self.listing_path(cat, n)}'>{n}</a>"
                     for n in page_window(page_no, pages)]
            if page_no < pages:
                links.append(f"<a href='{prefix}{self.listing_path(cat, page_no + 1)}'>›</a>")
                links.append(f"<a href='{prefix}{self.listing_path(cat, pages)}'>»</a>")
            pager = f"<div class='tandan-div-paging'>{' '.join(links)}</div>"
        inner = (f"<div class='tandan-div-breadcrumb'>Trang chủ › {escape(self.category_name(cat))}</div>"
                 f"<div class='tandan-div-list-news'>{''.join(items)}</div>{pager}")
        return self._chrome(inner, self.category_name(cat))

    def render_article(self, a, charset="utf-8"):
        views = f"<span class='tandan-span-view'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        lead = f"<p class='tandan-p-article-news-summary'>{escape(a.lead)}</p>" if a.lead else ""
        author = self.author_of(a)
        author = f" <span class='tandan-span-author'>Tác giả: {escape(author)}</span>" if author else ""
        other = ("<div class='tandan-div-article-other'><div class='tandan-div-box-title'>Tin liên quan</div><ul>"
                 "<li><a href='#'>Điện Biên đẩy mạnh chuyển đổi số trong cơ quan nhà nước</a> (12/05/2025)</li>"
                 "<li><a href='#'>Hội nghị sơ kết công tác 6 tháng đầu năm</a> (03/06/2025)</li></ul></div>")
        inner = (f"<div class='tandan-div-breadcrumb'>Trang chủ › {escape(self.category_name(a.category))}</div>"
                 f"<div class='tandan-div-article'>"
                 f"<p class='tandan-p-article-news-title'>{escape(a.title)}</p>"
                 f"<div class='tandan-div-article-info'>"
                 f"<span class='tandan-span-date-publish'>Đăng ngày {a.published:%d/%m/%Y %H:%M}</span>{author} {views}"
                 f" <span class='tandan-span-font'><a href='#'>Tăng cỡ chữ</a> | <a href='#'>Giảm cỡ chữ</a></span></div>"
                 f"{lead}<div class='tandan-p-article-main'><div class='ms-rtestate-field'>"
                 f"{self.body(a, tandan_figure)}</div>"
                 f"<div class='social-share'>{SHARE_LINE}</div>{other}</div></div>")
        return self._chrome(inner, a.title, charset)


SITES = (
    Site("dienbien", "dienbien.gov.vn", None, "Điện Biên", "sharepoint_tandan",
         (("Tin-tuc-su-kien", "Tin tức - Sự kiện"), ("Chi-dao-dieu-hanh", "Chỉ đạo - Điều hành"))),
)
