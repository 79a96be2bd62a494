"""The "ArticleHeader" CMS (DotNetNuke-like) of caobang, ninhbinh, sonla and cantho
(PORTALS.md section 1). From the evidence: `.ArticleHeader`, `.PostDate`, `.ArticleSummary`,
`.ArticleContent`, article paths ending in `-<id>`, page links `a.page-link` that work only
through JavaScript, the `LoadArticle` fragment request (ninhbinh; caobang assumed the same),
cantho's `?page=<n>`. The page chrome, the entry markup, the inline script's shape, the author
and counter elements are reconstructions, not captured copies.

Site options: `pagination` ("fragment", the default, or "query"), `site_id`, `category_base`
(the first category's numeric id; the others follow), `ext` (an article path suffix, e.g.
".html"). A "query" site answers a page number past the last with page 1 again (a pagination
that loops back; the spider must stop on it)."""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from html import escape

from mirror.families.base import SHARE_LINE, FamilyLayout, page, related
from mirror.site import VN_TZ, Site

ENDPOINT = "/DesktopModule/UIArticleInMenu/ArticleInMenuPagination.aspx/LoadArticle"


def _figure(caption: str) -> str:
    return ("<table class='image' align='center'><tbody><tr><td>"
            f"<img src='/Portals/0/Images/{zlib.crc32(caption.encode()) % 9999}.jpg' alt=''></td></tr>"
            f"<tr><td class='image-caption'>{escape(caption)}</td></tr></tbody></table>")


class Layout(FamilyLayout):
    family = "articleheader"

    # ------------------------------------------------------------------ knobs

    @property
    def _kind(self) -> str:
        return self.site.options.get("pagination", "fragment")

    def _category_id(self, cat: str) -> int:
        return int(self.site.options.get("category_base", 1000)) + self.category_keys().index(cat)

    def _category_of_id(self, cid: str) -> str | None:
        cats = self.category_keys()
        try:
            i = int(cid) - int(self.site.options.get("category_base", 1000))
        except ValueError:
            return None
        return cats[i] if 0 <= i < len(cats) else None

    def _pages(self, cat: str) -> int:
        try:
            from mirror.corpus import listing
            return listing(self.site.key, cat, 1, self.size)[1]
        except Exception:  # noqa: BLE001 - the corpus not importable here: count as it does
            members = len(range(self.category_keys().index(cat), self.size, len(self.category_keys())))
            return max(1, -(-members // self.site.per_page))

    # ------------------------------------------------------------------ URLs

    def listing_path(self, cat, page_no=1):
        if self._kind == "query" and page_no > 1:
            return f"/{cat}?page={page_no}"
        return f"/{cat}"

    def article_path(self, a, merged=False, category=None):
        return f"/{category or a.category}/{a.slug}-{a.item_id}{self.site.options.get('ext', '')}"

    def resolve(self, method, path, query, form):
        if path == ENDPOINT and method == "POST":
            cat = self._category_of_id(form.get("article_category_id", [""])[0])
            if cat is None or form.get("site_id", [""])[0] != str(self.site.options.get("site_id", 0)):
                return None
            try:
                page_no = max(1, int(form.get("page", ["1"])[0]))
            except ValueError:
                return None
            return ("listing", cat, page_no, "fragment")
        m = re.fullmatch(r"/([\w-]+)/?", path)
        if m and m.group(1) in self.category_keys():
            cat, page_no = m.group(1), 1
            if self._kind == "query":
                try:
                    page_no = max(1, int(query.get("page", ["1"])[0]))
                except ValueError:
                    page_no = 1
                if page_no > self._pages(cat):
                    page_no = 1  # the CMS answers a page past the last with the first one
            return ("listing", cat, page_no, "page")
        m = re.fullmatch(r"/[\w-]+/[\w-]*-(\d+)(?:\.\w+)?", path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        return self.resolve_pdf(path)

    # ------------------------------------------------------------------ pages

    def _items(self, entries) -> str:
        out = []
        for e in entries:
            lead = e.lead or ""
            out.append(
                f"<div class='article-item clearfix'><a class='article-image' href='{e.href}'>"
                f"<img src='/Portals/0/Thumbs/{zlib.crc32(e.href.encode()) % 9999}.jpg' alt=''></a>"
                f"<a class='article-title' href='{e.href}'>{escape(e.title)}</a>"
                f"<span class='article-date'>{e.published:%d/%m/%Y}</span>"
                + (f"<div class='article-summary'>{escape(lead)}</div>" if lead else "") + "</div>")
        return "".join(out)

    def _pager(self, cat, page_no, pages, prefix) -> str:
        first, last = max(1, page_no - 2), min(pages, page_no + 2)
        lis = []
        for n in range(first, last + 1):
            if self._kind == "query":
                href = f"{prefix}{self.listing_path(cat, n)}"
            else:
                href = "javascript:void(0)"
            active = " active" if n == page_no else ""
            lis.append(f"<li class='page-item{active}'><a class='page-link' href='{href}' "
                       f"data-page='{n}' onclick='LoadArticle({n});return false;'>{n}</a></li>")
        if page_no < pages:
            href = f"{prefix}{self.listing_path(cat, page_no + 1)}" if self._kind == "query" else "javascript:void(0)"
            lis.append(f"<li class='page-item'><a class='page-link' href='{href}' data-page='{page_no + 1}' "
                       f"onclick='LoadArticle({page_no + 1});return false;'>»</a></li>")
        return f"<nav><ul class='pagination'>{''.join(lis)}</ul></nav>"

    def _script(self, cat, prefix) -> str:
        return ("<script type='text/javascript'>\n"
                f"var article_category_id = {self._category_id(cat)};\n"
                f"var site_id = {int(self.site.options.get('site_id', 0))};\n"
                f"var page_size = {self.site.per_page};\n"
                "function LoadArticle(page) {\n"
                f"  $.ajax({{ type: 'POST', url: '{prefix}{ENDPOINT}',\n"
                "    data: { article_category_id: article_category_id, site_id: site_id, page: page,"
                " page_size: page_size, lang: 'vi-VN' },\n"
                "    success: function (html) { $('#article-list').html(html); } });\n"
                "}\n</script>")

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        items = self._items(entries)
        if fmt == "fragment":
            return items + (self._pager(cat, page_no, pages, prefix) if entries else "")
        name = self.category_name(cat, cat)
        body = (f"{self.menu()}<div id='dnn_ContentPane' class='ContentPane'>"
                f"<div class='breadcrumb'><a href='{prefix}/'>Trang chủ</a> » <span>{escape(name)}</span></div>"
                f"<div id='dnn_ctr{self._category_id(cat)}_ModuleContent' class='DnnModule ArticleInMenu'>"
                f"<h2 class='ArticleInMenuTitle'>{escape(name)}</h2>"
                f"<div class='article-list' id='article-list'>{items}</div>"
                f"{self._pager(cat, page_no, pages, prefix) if entries else ''}</div>"
                f"{self._script(cat, prefix)}</div>{self.footer()}")
        return page(name, body)

    def render_article(self, a, charset="utf-8"):
        d = a.published
        views = f" <span class='ArticleViews'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        lead = f"<div class='ArticleSummary'>{escape(a.lead)}</div>" if a.lead else ""
        author = self.author_of(a)
        author = f"<div class='ArticleAuthor'>{escape(author)}</div>" if author else ""
        name = self.category_name(a.category, a.category)
        body = (f"{self.menu()}<div id='dnn_ContentPane' class='ContentPane'>"
                f"<div class='breadcrumb'><a href='/'>Trang chủ</a> » <a href='/{a.category}'>{escape(name)}</a></div>"
                f"<div class='DnnModule ArticleDetail'>"
                f"<h1 class='ArticleHeader'>{escape(a.title)}</h1>"
                f"<div class='ArticleToolbar'><span class='PostDate'>Ngày đăng: {d:%d/%m/%Y %H:%M}</span>{views}"
                f" <span class='FontSize'>Tăng cỡ chữ Giảm cỡ chữ</span>"
                f" <a class='print' href='javascript:window.print()'>In bài viết</a>"
                f" <a class='send' href='#'>Gửi bài viết</a></div>"
                f"{lead}<div class='ArticleContent'>{self.body(a, _figure)}</div>{author}"
                f"<div class='social-share'>{SHARE_LINE}</div>"
                f"{related('Các tin khác', ['Tin khác cùng chuyên mục 1', 'Tin khác cùng chuyên mục 2'], 'related-news OtherArticle')}"
                f"</div></div>{self.footer()}")
        return page(a.title, body, charset)


SITES = (
    Site("caobang", "caobang.gov.vn", None, "Cao Bằng", "articleheader",
         (("chinh-tri", "Chính trị"), ("kinh-te", "Kinh tế"), ("van-hoaxa-hoi", "Văn hóa - Xã hội"),
          ("quoc-phong-an-ninh", "Quốc phòng - An ninh")),
         seed_file="002_88a1ef7b7db73fe7.txt",
         seed_meta=dict(title="Hội nghị giao ban trực tuyến công tác năm 2023 của Thường trực Ban Bí thư",
                        published=datetime(2024, 1, 17, 17, 15, tzinfo=VN_TZ), author="Trường Hà", captions=()),
         options=dict(site_id=2, category_base=1241)),
    Site("ninhbinh", "ninhbinh.gov.vn", None, "Ninh Bình", "articleheader",
         (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("chi-dao-dieu-hanh", "Chỉ đạo - Điều hành")),
         options=dict(site_id=1, category_base=3521)),
    Site("sonla", "sonla.gov.vn", None, "Sơn La", "articleheader",
         (("tin-hoat-dong", "Tin hoạt động"), ("thoi-su-chinh-tri", "Thời sự - Chính trị")),
         options=dict(site_id=5, category_base=207)),
    Site("cantho", "cantho.gov.vn", None, "Cần Thơ", "articleheader",
         (("tin-tuc-su-kien", "Tin tức - Sự kiện"), ("kinh-te-xa-hoi", "Kinh tế - Xã hội")),
         options=dict(pagination="query")),
)
