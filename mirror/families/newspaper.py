"""The provincial newspapers' CMS (PORTALS.md section 1, last row; the CMS of nhandan.vn and
vietnamplus.vn too): baohatinh.vn, baobackan.vn, baolaocai.vn.

From the evidence: title `h1.article__title.cms-title`, body
`div.article__body.zce-content-body.cms-body` of `p`, the date in `div.article__meta
time[datetime]` (ISO 8601, `+0700`), author `.article__meta .author` / `.article__author`, a
JSON-LD `NewsArticle` in `script[type=application/ld+json]`. Other public crawlers of this CMS
show the sapo `h2.article__sapo.cms-desc`, `.article-relate` boxes inside the body and nhandan's
article URLs `/<slug>-post<id>.html`.

Reconstruction, not a capture. Guessed: the chrome, the category pages (`/<category>/`, then
`/<category>/trang-<n>.html`), the story markup of listings (`article.story`,
`h3.story__heading a.cms-link`, `time.story__time`), that the provincial papers use nhandan's
URLs. An article's URL names no category: listed under two categories, it has one URL.

Site options: `author_box` (True: the byline is an `.article__author` box under the body, as
on some of these papers; default: `.author` in the meta line).
"""

from __future__ import annotations

import json
import re
from html import escape

from mirror.families.base import FamilyLayout, image_number, page, page_window
from mirror.site import Site

_ARTICLE_RX = re.compile(r"/[\w-]*-post(\d+)\.html")
_LISTING_RX = re.compile(r"/([\w-]+)/(?:trang-(\d+)\.html)?")


def _figure(caption: str) -> str:
    n = image_number(caption)
    return (f"<figure class='image'><img src='https://cdn.example.invalid/images/{n}.jpg' alt='{escape(caption)}'"
            f" data-src='/images/{n}.jpg'><figcaption><p>{escape(caption)}</p></figcaption></figure>")


class Layout(FamilyLayout):
    family = "newspaper"

    # ------------------------------------------------------------------ URLs

    def listing_path(self, cat, page_no=1):
        return f"/{cat}/" + (f"trang-{page_no}.html" if page_no > 1 else "")

    def article_path(self, a, merged=False, category=None):
        return f"/{a.slug or 'bai-viet'}-post{a.item_id}.html"

    def resolve(self, method, path, query, form):
        m = _ARTICLE_RX.fullmatch(path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        m = _LISTING_RX.fullmatch(path)
        if m and m.group(1) in dict(self.site.categories):
            n = int(m.group(2) or 1)
            return ("listing", m.group(1), n, "page") if n >= 1 else None
        return self.resolve_pdf(path)

    # ------------------------------------------------------------------ pages

    def _name(self, cat):
        return self.category_name(cat)

    def _chrome(self, inner: str, title: str, charset: str = "utf-8", head: str = "") -> str:
        header = (f"<div class='site-header'><a class='logo' href='/'>Báo {escape(self.site.province)}</a>"
                  "<div class='header-tools'><a href='/epaper'>Báo in</a> <a href='/video'>Video</a> "
                  "<a href='/podcast'>Podcast</a> <form action='/tim-kiem' class='search'>"
                  "<input name='q' type='text' placeholder='Tìm kiếm'></form></div></div>")
        return page(title, f"{header}{self.menu()}<div class='site-body'>{inner}</div>{self.footer()}",
                    charset, head)

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        stories = []
        for e in entries:
            lead = e.lead
            n = image_number(e.title)
            stories.append(
                f"<article class='story'><figure class='story__thumb'><a class='cms-link' href='{e.href}'"
                f" title='{escape(e.title)}'><img src='/images/thumb/{n}.jpg' alt=''></a></figure>"
                f"<h3 class='story__heading'><a class='cms-link' href='{e.href}' title='{escape(e.title)}'>"
                f"{escape(e.title)}</a></h3>"
                f"<time class='story__time' datetime='{e.published:%Y-%m-%dT%H:%M:%S%z}'>"
                f"{e.published:%d/%m/%Y %H:%M}</time>"
                + (f"<div class='story__summary story__shorten'>{escape(lead)}</div>" if lead else "")
                + "</article>")
        pager = ""
        if entries and pages > 1:
            links = [f"<span class='current'>{n}</span>" if n == page_no else
                     f"<a class='page' href='{prefix}{self.listing_path(cat, n)}'>{n}</a>"
                     for n in page_window(page_no, pages)]
            if page_no < pages:
                links.append(f"<a class='next' href='{prefix}{self.listing_path(cat, page_no + 1)}'>Trang sau</a>")
            pager = f"<div class='pagination'>{' '.join(links)}</div>"
        inner = (f"<div class='category-header'><h1 class='category-name'>{escape(self._name(cat))}</h1></div>"
                 f"<div class='category-timeline'>{''.join(stories)}</div>{pager}")
        return self._chrome(inner, self._name(cat))

    def render_article(self, a, charset="utf-8"):
        d = a.published
        iso = f"{d:%Y-%m-%dT%H:%M:%S%z}"
        author = self.author_of(a)
        box = self.site.options.get("author_box", False)
        meta_author = f"<span class='author'>{escape(author)}</span> " if author and not box else ""
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
              "datePublished": f"{d:%Y-%m-%dT%H:%M:%S}{iso[-5:-2]}:{iso[-2:]}",
              "author": {"@type": "Person", "name": author or self.site.key},
              "publisher": {"@type": "Organization", "name": f"Báo {self.site.province}"}}
        head = (f"<meta property='og:title' content='{escape(a.title)}'>"
                f"<script type='application/ld+json'>{json.dumps(ld, ensure_ascii=False)}</script>")
        lead = f"<h2 class='article__sapo cms-desc'>{escape(a.lead)}</h2>" if a.lead else ""
        body = self.body(a, _figure)
        # The CMS puts a related-news box inside the body, after the first paragraphs.
        relate = ("<div class='article-relate'><article class='story'><h3 class='story__heading'>"
                  "<a class='cms-link' href='#'>Tập trung triển khai các nhiệm vụ trọng tâm</a></h3></article></div>")
        parts = body.split("\n")
        if len(parts) > 2 and a.seed_lines is None:
            parts.insert(2, relate)
        byline = (f"<div class='article__author'><span class='name'>{escape(author)}</span></div>"
                  if author and box else "")
        views = (f"<span class='article__views'>{a.views} lượt xem</span>" if a.views is not None else "")
        inner = (f"<div class='breadcrumbs'><a class='cms-link' href='/'>Trang chủ</a> › "
                 f"<a class='cms-link' href='/{a.category}/'>{escape(self._name(a.category))}</a></div>"
                 f"<article class='article'><h1 class='article__title cms-title'>{escape(a.title)}</h1>"
                 f"<div class='article__meta'>{meta_author}<time class='time' datetime='{iso}'>"
                 f"{d:%d/%m/%Y %H:%M}</time> {views}</div>"
                 f"<div class='article__social'><a href='#' class='item fb'>Facebook</a> "
                 f"<a href='#' class='item zalo'>Zalo</a> <a href='#' class='item print'>In bài</a></div>"
                 f"{lead}<div class='article__body zce-content-body cms-body' itemprop='articleBody'>"
                 f"{chr(10).join(parts)}</div>{byline}"
                 f"<div class='article__tag'><span>Từ khóa:</span> <a href='#'>{escape(self.site.province)}</a></div>"
                 f"</article><div class='related-news'><h3>Tin liên quan</h3><ul><li><a href='#'>"
                 f"Hội nghị tổng kết công tác năm</a></li></ul></div>")
        return self._chrome(inner, a.title, charset, head)


SITES = (
    Site("baohatinh", "baohatinh.vn", None, "Hà Tĩnh", "newspaper",
         (("chinh-tri", "Chính trị"), ("kinh-te", "Kinh tế")), per_page=10, kind="newspaper"),
    Site("baobackan", "baobackan.vn", None, "Bắc Kạn", "newspaper",
         (("chinh-tri", "Chính trị"), ("kinh-te", "Kinh tế")), per_page=10, kind="newspaper",
         options=dict(author_box=True)),
    Site("baolaocai", "baolaocai.vn", None, "Lào Cai", "newspaper",
         (("thoi-su", "Thời sự"), ("kinh-te", "Kinh tế")), per_page=10, kind="newspaper"),
)
