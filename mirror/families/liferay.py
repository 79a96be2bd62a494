"""Liferay portals: bacgiang, danang, thainguyen (PORTALS.md section 1). From the evidence: the
body `.journal-content-article`, the title `.title-detail h1` / `h1.title-art` with an
`h1.portlet-title` sidebar box on the same page, the date in a `publish` element
(`Ngày đăng 13/05/2016 | 4:53 PM`, then `| Lượt xem: 1648`), article links under
`.portlet-asset-publisher`, `.lfr-pagination` with a `_101_cur=<n>` parameter or a `Sau`/`Tiếp`
link (danang), danang's `/web/dng/` site. PORTALS.md section 5: the same id is listed under
several category paths. The page chrome, the asset-publisher entry markup, the exact article
path and the lead/author elements are reconstructions, not captured copies.

Site options: `web` (the Liferay site's friendly URL: "guest", danang "dng"), `portlet` (the
asset publisher's instance id), `pagination` ("query", the default, or "link"), `title`
("detail": `.title-detail h1`, or "art": `h1.title-art`), `clock` (12 or 24), `next_label`."""

from __future__ import annotations

import re
import zlib
from html import escape

from mirror.families.base import SHARE_LINE, FamilyLayout, page, related
from mirror.site import Site

ARTICLE = re.compile(r"/web/\w+/[\w-]+/-/(?:asset_publisher/\w+/content/)?[\w-]*-(\d+)")


def _figure(caption: str) -> str:
    return (f"<figure class='image'><img src='/documents/10181/0/{zlib.crc32(caption.encode()) % 9999}.jpg' alt=''>"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


class Layout(FamilyLayout):
    family = "liferay"

    def _opt(self, name, default):
        return self.site.options.get(name, default)

    @property
    def _web(self) -> str:
        return self._opt("web", "guest")

    @property
    def _portlet(self) -> str:
        return self._opt("portlet", "aBcD1234eFgH")

    @property
    def _link_kind(self) -> bool:
        return self._opt("pagination", "query") == "link"

    # ------------------------------------------------------------------ URLs

    def listing_path(self, cat, page_no=1):
        base = f"/web/{self._web}/{cat}"
        if page_no <= 1:
            return base
        if self._link_kind:  # the full portlet URL Liferay writes in its own links
            p = f"101_INSTANCE_{self._portlet}"
            return f"{base}?p_p_id={p}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&_{p}_cur={page_no}"
        return f"{base}?_101_cur={page_no}"

    def article_path(self, a, merged=False, category=None):
        cat = category or a.category
        if merged:  # the merged province's portal keeps the id, under a section for the old province
            return f"/web/guest/tin-tuc-{self.site.key}/-/asset_publisher/{self._portlet}/content/{a.slug}-{a.item_id}"
        if self._link_kind:
            return f"/web/{self._web}/{cat}/-/{a.slug}-{a.item_id}"
        return f"/web/{self._web}/{cat}/-/asset_publisher/{self._portlet}/content/{a.slug}-{a.item_id}"

    def resolve(self, method, path, query, form):
        m = ARTICLE.fullmatch(path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        m = re.fullmatch(r"/web/(\w+)/([\w-]+)/?", path)
        if m and m.group(1) == self._web and m.group(2) in self.category_keys():
            page_no = 1
            for k, v in query.items():
                if k.endswith("_cur") and v:
                    try:
                        page_no = max(1, int(v[0]))
                    except ValueError:
                        pass
            return ("listing", m.group(2), page_no, "page")
        return self.resolve_pdf(path)

    # ------------------------------------------------------------------ pages

    def _chrome(self, inner: str, prefix: str = "") -> str:
        nav = "".join(f"<li class='lfr-nav-item'><a href='{prefix}/web/{self._web}/{c}'><span>{escape(n)}</span></a></li>"
                      for c, n in self.site.categories)
        return (f"<div id='wrapper'><header id='banner'>{self.menu()}<nav id='navigation' class='sort-pages modify-pages'>"
                f"<ul aria-label='Trang'>{nav}</ul></nav></header>"
                f"<div id='content'><div class='columns-2' id='main-content'><div class='portlet-layout row-fluid'>"
                f"<div class='portlet-column portlet-column-first span8' id='column-1'>{inner}</div>"
                f"<div class='portlet-column portlet-column-last span4' id='column-2'>{self._sidebar()}</div>"
                f"</div></div></div>{self.footer()}</div>")

    def _sidebar(self) -> str:
        # A sidebar box whose heading is an h1.portlet-title: never the article's title.
        return ("<div class='portlet-boundary portlet-boundary_73_ portlet-navigation'><section class='portlet'>"
                "<header class='portlet-topper'><h1 class='portlet-title'><span class='portlet-title-text'>"
                "Liên kết website</span></h1></header><div class='portlet-content'><ul>"
                "<li><a href='#'>Cổng thông tin điện tử Chính phủ</a></li><li><a href='#'>Văn bản chỉ đạo điều hành</a></li>"
                "</ul></div></section></div>")

    def _pagination(self, cat, page_no, pages, total, prefix) -> str:
        label = self._opt("next_label", "Sau")

        def li(css, text, n, enabled):
            href = f"{prefix}{self.listing_path(cat, n)}" if enabled else "javascript:;"
            return f"<li class='{css}{'' if enabled else ' disabled'}'><a href='{href}'>{text}</a></li>"

        lo, hi = (page_no - 1) * self.site.per_page + 1, min(page_no * self.site.per_page, total)
        return ("<div class='taglib-page-iterator'><div class='clearfix lfr-pagination'>"
                f"<div class='lfr-pagination-config'><div class='lfr-pagination-page-selector'>Trang {page_no} / {pages}</div>"
                f"<div class='lfr-pagination-delta-selector'>{self.site.per_page} mục mỗi trang</div></div>"
                f"<small class='search-results'>Hiển thị {lo} - {hi} của {total} kết quả.</small>"
                "<ul class='lfr-pagination-buttons pager'>"
                + li("first", "Đầu", 1, page_no > 1) + li("previous", "Trước", page_no - 1, page_no > 1)
                + li("next", label, page_no + 1, page_no < pages) + li("last", "Cuối", pages, page_no < pages)
                + "</ul></div></div>")

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        name = self.category_name(cat, cat)
        items = []
        for e in entries:
            lead = e.lead or ""
            items.append(
                f"<div class='asset-abstract'><div class='asset-content'>"
                f"<h3 class='asset-title'><a href='{e.href}'>{escape(e.title)}</a></h3>"
                f"<div class='asset-metadata'><span class='metadata-entry metadata-publish-date'>"
                f"{e.published:%d/%m/%Y}</span></div>"
                + (f"<div class='asset-summary'>{escape(lead)}</div>" if lead else "")
                + "</div></div>")
        total = pages * self.site.per_page
        pager = self._pagination(cat, page_no, pages, total, prefix) if entries else ""
        inner = (f"<div class='portlet-boundary portlet-boundary_101_ portlet-asset-publisher' "
                 f"id='p_p_id_101_INSTANCE_{self._portlet}_'><section class='portlet'>"
                 f"<header class='portlet-topper'><h1 class='portlet-title'><span class='portlet-title-text'>"
                 f"{escape(name)}</span></h1></header><div class='portlet-content'>"
                 f"{''.join(items)}{pager}</div></section></div>")
        return page(name, self._chrome(inner, prefix))

    def _date(self, a) -> str:
        d = a.published
        if int(self._opt("clock", 12)) == 24:
            clock = f"{d:%H:%M}"
        else:
            clock = f"{d.hour % 12 or 12}:{d:%M} {'PM' if d.hour >= 12 else 'AM'}"
        return f"Ngày đăng {d:%d/%m/%Y} | {clock}"

    def render_article(self, a, charset="utf-8"):
        title = (f"<h1 class='title-art'>{escape(a.title)}</h1>" if self._opt("title", "detail") == "art"
                 else f"<div class='title-detail'><h1>{escape(a.title)}</h1></div>")
        views = f" | <span class='view-count'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        lead = f"<div class='summary-detail'><strong>{escape(a.lead)}</strong></div>" if a.lead else ""
        author = self.author_of(a)
        author = f"<div class='author-detail'><strong>{escape(author)}</strong></div>" if author else ""
        inner = (f"<div class='portlet-boundary portlet-boundary_101_ portlet-asset-publisher' "
                 f"id='p_p_id_101_INSTANCE_{self._portlet}_'><section class='portlet'><div class='portlet-content'>"
                 f"<div class='asset-full-content show-asset-title'>{title}"
                 f"<div class='date-time-detail'><span class='publish-date'>{self._date(a)}</span>{views}</div>"
                 f"<div class='tool-detail'><span class='font-size'>Tăng cỡ chữ Giảm cỡ chữ</span>"
                 f" <a href='javascript:window.print()'>In bài</a></div>"
                 f"{lead}<div class='journal-content-article'>{self.body(a, _figure)}</div>{author}"
                 f"<div class='taglib-social-bookmarks social-share'>{SHARE_LINE}</div>"
                 f"<div class='asset-ratings rating'>Đánh giá bài viết</div>"
                 f"{related('Tin liên quan', ['Tin liên quan 1', 'Tin liên quan 2'], 'asset-links related-news')}"
                 f"</div></div></section></div>")
        return page(a.title, self._chrome(inner), charset)


SITES = (
    Site("bacgiang", "bacgiang.gov.vn", "bacninh.gov.vn", "Bắc Giang", "liferay",
         (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("chi-dao-dieu-hanh", "Chỉ đạo - Điều hành")),
         options=dict(web="guest", portlet="Kq8nHb2xTmLp")),
    Site("danang", "danang.gov.vn", None, "Đà Nẵng", "liferay",
         (("tin-tuc", "Tin tức"), ("chinh-quyen", "Chính quyền")),
         options=dict(web="dng", portlet="x7YtRw3QvZ1a", pagination="link", title="art", next_label="Tiếp")),
    Site("thainguyen", "thainguyen.gov.vn", None, "Thái Nguyên", "liferay",
         (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("thong-bao", "Thông báo")),
         options=dict(web="guest", portlet="Tn5QeJ8sWc2d", clock=24)),
)
