"""One layout per portal: its URL scheme and its page templates, modelled on its CMS.

A layout turns a path into what it names (a listing page, an article, an attachment) and renders
articles and listings with the chrome real portals wrap them in: menus, toolbars, view counters,
share buttons, captioned images, related-news boxes.
"""

from __future__ import annotations

import base64
import re
import zlib
from html import escape
from urllib.parse import parse_qs

from mirror.corpus import SITES, Article

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _page(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )


def _menu(site) -> str:
    items = "".join(f"<li><a href='#'>{escape(name)}</a></li>" for _, name in site.categories)
    return (f"<header><div class='logo'>Cổng thông tin điện tử tỉnh {escape(site.province)}</div>"
            f"<nav><ul><li><a href='#'>Trang chủ</a></li>{items}<li><a href='#'>Liên hệ</a></li></ul></nav>"
            "</header>")


FOOTER = ("<footer><p>Cơ quan chủ quản: Văn phòng UBND tỉnh. Ghi rõ nguồn khi phát hành lại thông tin"
          " từ cổng thông tin điện tử này.</p></footer>")
SHARE = ("<div class='share'><a href='https://www.facebook.com/sharer.php'>Chia sẻ</a>"
         " <a href='javascript:window.print()'>In bài</a></div>")


def _body_blocks(a: Article, figure) -> str:
    """Paragraphs with captioned images between them; seeds keep their raw lines, noise and all."""
    if a.seed_lines is not None:
        captions = set(SITES[a.portal].seed_meta["captions"])
        return "\n".join(figure(line) if line in captions else f"<p>{escape(line)}</p>"
                         for line in a.seed_lines)
    out = []
    caps = dict()
    for pos, cap in a.captions:
        caps.setdefault(pos, []).append(cap)
    for i, para in enumerate(a.paragraphs):
        out.append(f"<p>{escape(para)}</p>")
        out.extend(figure(c) for c in caps.get(i, []))
    return "\n".join(out)


def _figure(caption: str) -> str:
    return (f"<figure class='image'><img src='/images/{zlib.crc32(caption.encode()) % 9999}.jpg' alt=''>"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _related(heading: str, titles: list[str]) -> str:
    items = "".join(f"<li><a href='#'>{escape(t)}</a></li>" for t in titles)
    return f"<div class='related'><h3>{heading}</h3><ul>{items}</ul></div>"


class Layout:
    key: str

    def __init__(self, size: int):
        self.size = size
        self.site = SITES[self.key]

    def index_of_id(self, iid: int) -> int | None:
        from mirror.corpus import PORTAL_ORDER
        n, rem = divmod(iid - 10_000 - PORTAL_ORDER.index(self.key), 3)
        index = self.size - n
        return index if rem == 0 and 0 <= index < self.size else None

    # Subclasses: listing_path, article_path, resolve, render_listing, render_article.

    def render_redesigned(self, a: Article, charset: str = "utf-8") -> str:
        """A new template none of the portal's selectors know: what selector drift looks like."""
        lead = f"<p><b>{escape(a.lead)}</b></p>" if a.lead else ""
        author = f"<p><b>{escape(a.author)}</b></p>" if a.author else ""
        return _page(a.title, f"{_menu(self.site)}<main><div class='detail-v2'><h1 class='headline'>"
                     f"{escape(a.title)}</h1><div class='meta'>{a.published:%d/%m/%Y %H:%M}</div>"
                     f"<div class='story-body'>{lead}{_body_blocks(a, _figure)}{author}</div></div></main>"
                     f"{FOOTER}", charset)
    def pdf_path(self, a: Article) -> str:
        return f"/Uploads/van-ban/{a.slug}-{a.item_id}.pdf"

    def _resolve_pdf(self, path: str):
        m = re.fullmatch(r"/Uploads/van-ban/.*-(\d+)\.pdf", path)
        return ("pdf", self.index_of_id(int(m.group(1)))) if m else None


class YenBai(Layout):
    """A custom news CMS: clean paths, `?page=N` links, merged into Lào Cai's portal."""

    key = "yenbai"

    def listing_path(self, cat, page):
        return f"/{cat}/" + (f"?page={page}" if page > 1 else "")

    def article_path(self, a, merged=False):
        return (f"/tin-yen-bai/{a.slug}-{a.item_id}.html" if merged
                else f"/{a.category}/{a.slug}-{a.item_id}.html")

    def resolve(self, method, path, query, form):
        cats = [c for c, _ in self.site.categories]
        m = re.fullmatch(r"/([\w-]+)/", path)
        if m and m.group(1) in cats:
            return ("listing", m.group(1), int(query.get("page", ["1"])[0]))
        m = re.fullmatch(r"/[\w-]+/[\w-]*-(\d+)\.html", path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        return self._resolve_pdf(path)

    def render_listing(self, cat, page, entries, pages, extra="", prefix=""):
        items = "".join(
            f"<div class='news-item'><a class='news-link' href='{href}'>{escape(t)}</a>"
            f"<span class='news-date'>{d:%d/%m/%Y}</span></div>" for href, t, d in entries)
        nxt = f"<a class='next' href='{prefix}{self.listing_path(cat, page + 1)}'>Trang sau</a>" if page < pages else ""
        return _page("Tin tức", f"{_menu(self.site)}<div id='content'><div class='news-list'>{items}{extra}</div>"
                     f"<div class='pagination'>{nxt}</div></div>{FOOTER}")

    def render_article(self, a, charset="utf-8"):
        d = a.published
        meta = f"<span class='news-date'>{WEEKDAYS[d.weekday()]}, {d:%d/%m/%Y - %H:%M}</span>"
        if a.views is not None:
            meta += f" <span class='news-views'>{a.views} lượt xem</span>"
        lead = f"<div class='news-sapo'><p>{escape(a.lead)}</p></div>" if a.lead else ""
        author = f"<p class='author'><strong>{escape(a.author)}</strong></p>" if a.author and a.seed_lines is None else ""
        return _page(a.title, f"{_menu(self.site)}<div id='content'><div class='news-detail'>"
                     f"<h1 class='news-title'>{escape(a.title)}</h1><div class='news-meta'>{meta}</div>{SHARE}"
                     f"{lead}<div class='news-content'>{_body_blocks(a, _figure)}{author}</div>"
                     f"{_related('Tin liên quan', ['Tin liên quan số 1', 'Tin liên quan số 2'])}</div></div>{FOOTER}",
                     charset)


class BacKan(Layout):
    """SharePoint 'PublishingPortal': listings page by ASP.NET postback, not by links."""

    key = "backan"
    EVENT_NEXT = "ctl00$PlaceHolderMain$g_DanhSachTin$pager$lnkNext"

    def listing_path(self, cat, page=1):
        return f"/Pages/tin-tuc.aspx?CategoryId={cat}"

    def article_path(self, a, merged=False):
        prefix = "/bac-kan" if merged else ""
        return f"{prefix}/Pages/chi-tiet-tin.aspx?ItemID={a.item_id}&CategoryId={a.category}"

    @staticmethod
    def _viewstate(cat, page):
        return base64.b64encode(f"CategoryId={cat}|Page={page}|{'x' * 40}".encode()).decode()

    def resolve(self, method, path, query, form):
        if path == "/Pages/tin-tuc.aspx" and "CategoryId" in query:
            cat, page = query["CategoryId"][0], 1
            if method == "POST":
                state = base64.b64decode(form.get("__VIEWSTATE", [""])[0] or b"").decode(errors="replace")
                m = re.search(r"Page=(\d+)", state)
                if form.get("__EVENTTARGET", [""])[0] == self.EVENT_NEXT and m:
                    page = int(m.group(1)) + 1
            return ("listing", cat, page)
        if path.endswith("/Pages/chi-tiet-tin.aspx") and "ItemID" in query:
            return ("article", self.index_of_id(int(query["ItemID"][0])))
        return self._resolve_pdf(path)

    def render_listing(self, cat, page, entries, pages, extra="", prefix=""):
        rows = "".join(
            f"<tr class='item'><td><a href='{href}'>{escape(t)}</a> <span class='NgayDang'>({d:%d/%m/%Y})</span></td></tr>"
            for href, t, d in entries)
        nxt = (f"<a id='ctl00_PlaceHolderMain_g_DanhSachTin_pager_lnkNext' "
               f"href=\"javascript:__doPostBack('{self.EVENT_NEXT}','')\">Trang sau</a>") if page < pages else ""
        form = (f"<form method='post' action='./tin-tuc.aspx?CategoryId={cat}' id='aspnetForm'>"
                f"<input type='hidden' name='__EVENTTARGET' id='__EVENTTARGET' value=''>"
                f"<input type='hidden' name='__EVENTARGUMENT' id='__EVENTARGUMENT' value=''>"
                f"<input type='hidden' name='__VIEWSTATE' id='__VIEWSTATE' value='{self._viewstate(cat, page)}'>"
                f"<div class='ms-webpart-titleText'>PublishingPortal - Block_DanhSachTin</div>"
                f"<table class='DanhSachTin'>{rows}</table>{extra}<div class='pager'>Trang {page}/{pages} {nxt}</div></form>")
        return _page("Tin tức", f"{_menu(self.site)}{form}{FOOTER}")

    def render_article(self, a, charset="utf-8"):
        def figure(cap):
            return (f"<table class='ms-rteTable-default'><tr><td><img src='/PublishingImages/x.jpg'></td></tr>"
                    f"<tr><td class='ms-rteImage-caption'>{escape(cap)}</td></tr></table>")
        lead = f"<div class='TomTat'>{escape(a.lead)}</div>" if a.lead else ""
        author = (f"<p style='text-align:right'><strong>{escape(a.author)}</strong></p>"
                  if a.author and a.seed_lines is None else "")
        return _page(a.title, f"{_menu(self.site)}<form method='post' id='aspnetForm'>"
                     f"<div class='ms-webpart-titleText'>PublishingPortal - Block_BanTin_Toolbar</div>"
                     f"<div class='BanTinChiTiet'><div class='NgayDang'>{a.published:%d/%m/%Y}</div>"
                     f"<div class='toolbar'>Tăng cỡ chữ Giảm cỡ chữ</div>"
                     f"<h2 class='TieuDe'>{escape(a.title)}</h2>{lead}"
                     f"<div class='NoiDung ms-rtestate-field'>{_body_blocks(a, figure)}{author}</div></div>"
                     f"<div class='TinKhac'>{_related('Các tin khác', ['Tin khác 1', 'Tin khác 2'])}</div>"
                     f"</form>{FOOTER}", charset)


class CaoBang(Layout):
    """A portal whose last listing page links 'next' back to the first one."""

    key = "caobang"

    def listing_path(self, cat, page):
        return f"/chuyen-muc/{cat}/trang-{page}.html"

    def article_path(self, a, merged=False):
        return f"/tin-tuc/{a.published:%Y/%m}/{a.slug}-{a.item_id}.html"

    def resolve(self, method, path, query, form):
        m = re.fullmatch(r"/chuyen-muc/([\w-]+)/trang-(\d+)\.html", path)
        if m:
            return ("listing", m.group(1), int(m.group(2)))
        m = re.fullmatch(r"/tin-tuc/\d{4}/\d{2}/[\w-]*-(\d+)\.html", path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        return self._resolve_pdf(path)

    def render_listing(self, cat, page, entries, pages, extra="", prefix=""):
        items = "".join(f"<li><h3><a href='{href}'>{escape(t)}</a></h3><p class='date'>{d:%d/%m/%Y}</p></li>"
                        for href, t, d in entries)
        # The bug being modelled: the last page's "next" wraps around to page 1.
        nxt = prefix + self.listing_path(cat, page + 1 if page < pages else 1)
        return _page("Chuyên mục", f"{_menu(self.site)}<ul class='list-news'>{items}{extra}</ul>"
                     f"<div class='paging'><a rel='next' href='{nxt}'>»</a></div>{FOOTER}")

    def render_article(self, a, charset="utf-8"):
        lead = f"<div class='sapo'>{escape(a.lead)}</div>" if a.lead else ""
        author = f"<div class='tac-gia'>{escape(a.author)}</div>" if a.author and a.seed_lines is None else ""
        views = f"<span class='luot-xem'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        return _page(a.title, f"{_menu(self.site)}<div class='journal-content-article'>"
                     f"<h3 class='title-news'>{escape(a.title)}</h3>"
                     f"<div class='date-news'>{a.published:%d/%m/%Y %H:%M}</div>{views}{lead}"
                     f"<div class='content-news'>{_body_blocks(a, _figure)}</div>{author}</div>{SHARE}"
                     f"<div class='tin-cung-chuyen-muc'><h4>Tin cùng chuyên mục</h4><ul><li>Tin 1</li></ul></div>"
                     f"{FOOTER}", charset)


class HaTinh(Layout):
    """A WordPress-like theme with `?p=N` paging and a <time datetime> attribute."""

    key = "hatinh"

    def listing_path(self, cat, page):
        return f"/{cat}?p={page}"

    def article_path(self, a, merged=False):
        return f"/{a.category}/{a.slug}-{a.item_id}.htm"

    def resolve(self, method, path, query, form):
        cats = [c for c, _ in self.site.categories]
        if path.strip("/") in cats:
            return ("listing", path.strip("/"), int(query.get("p", ["1"])[0]))
        m = re.fullmatch(r"/[\w-]+/[\w-]*-(\d+)\.htm", path)
        if m:
            return ("article", self.index_of_id(int(m.group(1))))
        return self._resolve_pdf(path)

    def render_listing(self, cat, page, entries, pages, extra="", prefix=""):
        items = "".join(f"<article class='post-item'><a href='{href}'>{escape(t)}</a>"
                        f"<time>{d:%d/%m/%Y}</time></article>" for href, t, d in entries)
        nxt = f"<a class='page-next' href='{prefix}{self.listing_path(cat, page + 1)}'>Tiếp</a>" if page < pages else ""
        return _page("Tin", f"{_menu(self.site)}<section class='post-list'>{items}{extra}</section>{nxt}{FOOTER}")

    def render_article(self, a, charset="utf-8"):
        lead = escape(a.lead) if a.lead else ""
        author = escape(a.author) if a.author and a.seed_lines is None else ""
        body = _body_blocks(a, _figure)
        return _page(a.title, f"{_menu(self.site)}<article class='post-detail'>"
                     f"<h1 class='post-title'>{escape(a.title)}</h1>"
                     f"<time class='post-date' datetime='{a.published.isoformat()}'>{a.published:%d/%m/%Y %H:%M}</time>"
                     f"{SHARE}" + (f"<div class='post-sapo'>{lead}</div>" if lead else "") +
                     f"<div class='post-body'>{body}</div>" + (f"<p class='post-author'>{author}</p>" if author else "") +
                     f"</article><section class='related-posts'><h3>Xem thêm</h3></section>{FOOTER}", charset)


class TuyenQuang(Layout):
    """SharePoint with plain `Page=N` links; an article's URL also carries its category."""

    key = "tuyenquang"

    def listing_path(self, cat, page):
        return f"/Pages/danh-sach-tin.aspx?CategoryID={cat}&Page={page}"

    def article_path(self, a, merged=False, category=None):
        return f"/Pages/tin-tuc.aspx?ItemID={a.item_id}&CategoryID={category or a.category}"

    def resolve(self, method, path, query, form):
        if path == "/Pages/danh-sach-tin.aspx" and "CategoryID" in query:
            return ("listing", query["CategoryID"][0], int(query.get("Page", ["1"])[0]))
        if path == "/Pages/tin-tuc.aspx" and "ItemID" in query:
            return ("article", self.index_of_id(int(query["ItemID"][0])))
        return self._resolve_pdf(path)

    def render_listing(self, cat, page, entries, pages, extra="", prefix=""):
        items = "".join(f"<div class='news-item'><a class='title' href='{href}'>{escape(t)}</a>"
                        f"<span class='date'>{d:%d/%m/%Y}</span></div>" for href, t, d in entries)
        nxt = f"<a class='next' href='{prefix}{self.listing_path(cat, page + 1)}'>Trang tiếp</a>" if page < pages else ""
        return _page("Danh sách tin", f"{_menu(self.site)}<div class='ms-rtestate-field'>{items}{extra}</div>"
                     f"<div class='paging'>{nxt}</div>{FOOTER}")

    def render_article(self, a, charset="utf-8"):
        lead = f"<div class='summary'>{escape(a.lead)}</div>" if a.lead else ""
        author = f"<p class='author'>{escape(a.author)}</p>" if a.author and a.seed_lines is None else ""
        return _page(a.title, f"{_menu(self.site)}<div class='news-detail'>"
                     f"<h1 class='title'>{escape(a.title)}</h1>"
                     f"<span class='date'>{a.published:%d/%m/%Y %I:%M:%S %p}</span>{lead}"
                     f"<div class='content ms-rtestate-field'>{_body_blocks(a, _figure)}{author}</div></div>"
                     f"<div class='other-news'><h3>Tin cùng chuyên mục</h3><ul><li>Tin 1</li></ul></div>"
                     f"{FOOTER}", charset)


LAYOUTS = {cls.key: cls for cls in (YenBai, BacKan, CaoBang, HaTinh, TuyenQuang)}


def parse_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


__all__ = ["LAYOUTS", "Layout", "listed_url", "parse_form"]


def listed_url(a: Article) -> str:
    """The portal's own URL of what a listing links for this article (ground truth for tests)."""
    layout = LAYOUTS[a.portal](0)
    path = layout.pdf_path(a) if a.fault == "pdf" else layout.article_path(a)
    return f"https://{SITES[a.portal].domain}{path}"
