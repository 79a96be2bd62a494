"""Hà Tĩnh's custom Laravel CMS (PORTALS.md section 1, row "custom (Laravel)"): hatinh.gov.vn.

From the evidence (thuydung203/Crawl_data, crawl_hatinh.py): articles at `/vi/bai-viet/<slug>`,
title `.detail-title`, date `.time` (`Đăng tải: …`), lead `.detail-content-lead`, body
`.detail-content` ending with `Tệp đính kèm: …`, `Lượt xem: N`, `Tác giả: …` (the crawler strips
those from the body text); categories `/vi/chuyen-muc/<slug>?page=<n>`.

Reconstruction, not a capture. Guessed: the page chrome, the listing entry markup
(`div.list-news div.news-item`), Laravel's default paginator (`ul.pagination`, `rel="next"`),
the time format after `Đăng tải:`, and that the lead sits just before `.detail-content`, not in
it. The real slugs carry no number; this mirror appends `-<id>` to its slugs (a guess of the
mirror's only, to find the article again): the spider's identity is the path either way. An
article's URL names no category, so one listed under two categories has one URL.

Site options: none.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from mirror.families.base import FamilyLayout, image_number, page, page_number, page_window, related
from mirror.site import VN_TZ, Site

_ARTICLE_RX = re.compile(r"/vi/bai-viet/(?:[\w-]*-)?(\d+)")
_LISTING_RX = re.compile(r"/vi/chuyen-muc/([\w-]+)")


def _figure(caption: str) -> str:
    """CKEditor's captioned image, as Laravel CMSs store it."""
    n = image_number(caption)
    return (f"<figure class='image'><img src='/storage/uploads/images/{n}.jpg' alt='{escape(caption)}'>"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


class Layout(FamilyLayout):
    family = "hatinh_laravel"

    # ------------------------------------------------------------------ URLs

    def listing_path(self, cat, page_no=1):
        return f"/vi/chuyen-muc/{cat}" + (f"?page={page_no}" if page_no > 1 else "")

    def article_path(self, a, merged=False, category=None):
        # No category in the URL: under any category the article has this one path.
        slug = a.slug or "bai-viet"
        return f"/vi/bai-viet/{slug}-{a.item_id}"

    def resolve(self, method, path, query, form):
        path = path.rstrip("/") or "/"
        m = _ARTICLE_RX.fullmatch(path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        m = _LISTING_RX.fullmatch(path)
        if m and m.group(1) in dict(self.site.categories):
            return ("listing", m.group(1), page_number(query.get("page")), "page")
        return self.resolve_pdf(path)

    # ------------------------------------------------------------------ pages

    def _name(self, cat):
        return self.category_name(cat)

    def _chrome(self, inner: str, title: str, charset: str = "utf-8") -> str:
        top = ("<div class='top-bar'><span class='today'>Hà Tĩnh</span> <a href='/vi'>Tiếng Việt</a> | "
               "<a href='/en'>English</a> <form class='search' action='/vi/tim-kiem'>"
               "<input type='text' name='q' placeholder='Tìm kiếm...'></form></div>")
        head = "<meta name='csrf-token' content='x9Qm2LkPz7RvT0aB'>"
        side = ("<aside class='sidebar'><div class='box-title'>Tin đọc nhiều</div><ul class='most-read'>"
                "<li><a href='#'>Hà Tĩnh đón nhận Huân chương Lao động hạng Nhất</a></li>"
                "<li><a href='#'>Lịch tiếp công dân của lãnh đạo UBND tỉnh</a></li></ul></aside>")
        return page(title, f"{top}{self.menu()}<main class='container'><div class='row'>"
                    f"<div class='col-md-8'>{inner}</div>{side}</div></main>{self.footer()}"
                    "<script src='/js/app.js'></script>", charset, head)

    def _pager(self, cat, page_no, pages, prefix):
        if page_no > pages:
            return ""
        items = []
        prev = (f"<li class='page-item'><a class='page-link' href='{prefix}{self.listing_path(cat, page_no - 1)}'"
                f" rel='prev' aria-label='« Previous'>‹</a></li>" if page_no > 1 else
                "<li class='page-item disabled' aria-disabled='true'><span class='page-link'>‹</span></li>")
        items.append(prev)
        for n in page_window(page_no, pages):
            items.append(f"<li class='page-item active' aria-current='page'><span class='page-link'>{n}</span></li>"
                         if n == page_no else
                         f"<li class='page-item'><a class='page-link' href='{prefix}{self.listing_path(cat, n)}'>{n}</a></li>")
        items.append(f"<li class='page-item'><a class='page-link' href='{prefix}{self.listing_path(cat, page_no + 1)}'"
                     f" rel='next' aria-label='Next »'>›</a></li>" if page_no < pages else
                     "<li class='page-item disabled' aria-disabled='true'><span class='page-link'>›</span></li>")
        return f"<nav><ul class='pagination'>{''.join(items)}</ul></nav>"

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        items = []
        for e in entries:
            lead = e.lead
            n = image_number(e.title)
            items.append(
                f"<div class='news-item'><a class='thumb' href='{e.href}'>"
                f"<img src='/storage/uploads/thumbs/{n}.jpg' alt=''></a><div class='info'>"
                f"<h3 class='news-title'><a href='{e.href}'>{escape(e.title)}</a></h3>"
                f"<span class='news-date'>{e.published:%d/%m/%Y %H:%M}</span>"
                + (f"<p class='news-lead'>{escape(lead)}</p>" if lead else "") + "</div></div>")
        inner = (f"<div class='breadcrumb'><a href='/vi'>Trang chủ</a> / {escape(self._name(cat))}</div>"
                 f"<h1 class='category-title'>{escape(self._name(cat))}</h1>"
                 f"<div class='list-news'>{''.join(items)}</div>{self._pager(cat, page_no, pages, prefix)}")
        return self._chrome(inner, self._name(cat))

    def render_article(self, a, charset="utf-8"):
        d = a.published
        lead = f"<div class='detail-content-lead'>{escape(a.lead)}</div>" if a.lead else ""
        tail = []
        if a.views is not None:
            tail.append(f"<p class='view-count'>Lượt xem: {a.views}</p>")
        author = self.author_of(a)
        if author:
            tail.append(f"<p class='detail-author'><strong>Tác giả: {escape(author)}</strong></p>")
        tools = ("<div class='detail-tools'><a href='#' class='font-up'>Tăng cỡ chữ</a> "
                 "<a href='#' class='font-down'>Giảm cỡ chữ</a> <a href='javascript:window.print()'>In bài</a>"
                 " <a href='#' class='fb-share'>Facebook</a> <a href='#' class='zalo-share'>Zalo</a></div>")
        others = related("Tin cùng chuyên mục", ["Hà Tĩnh triển khai nhiệm vụ phát triển kinh tế - xã hội",
                                                 "Kiểm tra tiến độ các dự án trọng điểm"], css="related-news")
        inner = (f"<div class='breadcrumb'><a href='/vi'>Trang chủ</a> / "
                 f"<a href='/vi/chuyen-muc/{a.category}'>{escape(self._name(a.category))}</a></div>"
                 f"<div class='detail'><h1 class='detail-title'>{escape(a.title)}</h1>"
                 f"<div class='detail-meta'><span class='time'>Đăng tải: {d:%d/%m/%Y %H:%M}</span>{tools}</div>"
                 f"{lead}<div class='detail-content'>{self.body(a, _figure)}{''.join(tail)}</div>"
                 f"</div>{others}")
        return self._chrome(inner, a.title, charset)


SITES = (
    Site("hatinh", "hatinh.gov.vn", None, "Hà Tĩnh", "hatinh_laravel",
         (("tin-trong-tinh", "Tin trong tỉnh"), ("tin-trong-nuoc", "Tin trong nước"),
          ("hoat-dong-so-ban-nganh-dia-phuong", "Hoạt động Sở - Ban - Ngành - Địa phương")),
         per_page=10,
         seed_file="003_844639c4afc40b91.txt",
         seed_meta=dict(title="Quyết tâm, linh hoạt, thực chất, hiệu quả trong triển khai nhiệm vụ năm 2024",
                        published=datetime(2024, 1, 11, 11, 5, tzinfo=VN_TZ), author=None,
                        captions=(
                            "Bí thư Tỉnh ủy Hoàng Trung Dũng kết luận hội nghị.",
                            "Thường trực Tỉnh ủy trao tặng cờ thi đua của Chính phủ cho UBKT Tỉnh ủy vì thành tích"
                            " hoàn thành xuất sắc nhiệm vụ toàn diện, dẫn đầu phong trào thi đua yêu nước năm 2022.",
                            "... tặng bằng khen của Ban Thường vụ Tỉnh ủy cho 7 đảng bộ trực thuộc Tỉnh ủy có thành"
                            " tích tiêu biểu trong năm 2023.",
                            "Phó Bí thư Thường trực Tỉnh ủy Trần Thế Dũng tặng bằng khen cho 3 đảng bộ cơ sở.",
                            "...và 20 chi bộ trực thuộc đảng ủy cơ sở tiêu biểu hoàn thành xuất sắc nhiệm vụ 5 năm"
                            " liền 2019 - 2023.",
                        ))),
)
