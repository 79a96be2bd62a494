"""ASP.NET WebForms portals paged by postback (PORTALS.md section 1): khanhhoa.gov.vn.

From the evidence (thuydung203/Crawl_data, crawl_khanhhoa.py; tpnanh/DACNTT2_N26 for the
ministries' `…_ctl00_lkNext2` next link): title `.title-article`; date `#datearticle,
.detail-time`; body `.chitietbaiviet, .detail-content` with an `h2` inside it (the crawler
removes it); the summary in `<meta id="ogdescription">`; categories under `/vi/`; page links
`javascript:__doPostBack('<target>','<arg>')`, a page being a POST of the form back to the
category URL with `__EVENTTARGET`, `__EVENTARGUMENT`, `__VIEWSTATE`, `__VIEWSTATEGENERATOR`,
`__EVENTVALIDATION`.

Reconstruction, not a capture. Guessed: the chrome, the entry markup, the form id
(`aspnetForm`), the control names, that Khánh Hòa has the `lkNext2` next link beside its numbered
page links, the article URL `/vi/<category>/<slug>-<id>` (another category's listing links the
same id under its own path), the date format, the author and view-counter elements. The
__VIEWSTATE is base64 of `Category=<cat>|Page=<n>`; a POST without the state, or with another
category's, is refused as ASP.NET refuses an invalid postback.

Site options: `control` (the pager's naming container, default `ctl00$ContentPlaceHolder1$ctl00`).
"""

from __future__ import annotations

import base64
import re
from html import escape

from mirror.families.base import FamilyLayout, image_number, page, page_window, related
from mirror.site import Site

_ARTICLE_RX = re.compile(r"/vi/([\w-]+)/(?:[\w-]*-)?(\d+)")
_LISTING_RX = re.compile(r"/vi/([\w-]+)")
GENERATOR = "CA0B0334"


def _figure(caption: str) -> str:
    n = image_number(caption)
    return (f"<table class='image' align='center' style='width:100%'><tbody><tr><td>"
            f"<img src='/Uploads/images/{n}.jpg' alt='' style='width:100%'></td></tr>"
            f"<tr><td><figcaption><em>{escape(caption)}</em></figcaption></td></tr></tbody></table>")


class Layout(FamilyLayout):
    family = "aspnet_postback"

    @property
    def _control(self) -> str:
        return self.site.options.get("control", "ctl00$ContentPlaceHolder1$ctl00")

    # ------------------------------------------------------------------ URLs

    def listing_path(self, cat, page_no=1):
        return f"/vi/{cat}"

    def article_path(self, a, merged=False, category=None):
        return f"/vi/{category or a.category}/{a.slug or 'tin-tuc'}-{a.item_id}"

    @staticmethod
    def _state(cat: str, page_no: int) -> str:
        raw = b"\xff\x01\x0f\x0f" + f"Category={cat}|Page={page_no}|".encode() + b"d" * 48
        return base64.b64encode(raw).decode()

    @staticmethod
    def _validation(cat: str, pages: int) -> str:
        raw = b"\xff\x01\x0f" + f"{cat}|{min(pages, 999)}".encode() + bytes(range(20))
        return base64.b64encode(raw).decode()

    def resolve(self, method, path, query, form):
        path = path.rstrip("/")
        cats = dict(self.site.categories)
        m = _ARTICLE_RX.fullmatch(path)
        if m and m.group(1) in cats:
            return ("article", self.index_of_id(int(m.group(2))))
        m = _LISTING_RX.fullmatch(path)
        if not (m and m.group(1) in cats):
            return self.resolve_pdf(path)
        cat = m.group(1)
        if method != "POST":
            return ("listing", cat, 1, "page")
        try:
            state = base64.b64decode(form.get("__VIEWSTATE", [""])[0]).decode("latin-1")
        except ValueError:
            return None
        sm = re.search(r"Category=([\w-]+)\|Page=(\d+)\|", state)
        if not sm or sm.group(1) != cat or not form.get("__EVENTVALIDATION", [""])[0]:
            return None  # "Invalid postback or callback argument"
        current = int(sm.group(2))
        target = form.get("__EVENTTARGET", [""])[0]
        arg = form.get("__EVENTARGUMENT", [""])[0]
        if target.endswith("$lkNext2"):
            return ("listing", cat, current + 1, "page")
        if target.endswith("$lkPrev2"):
            return ("listing", cat, max(current - 1, 1), "page")
        if target.endswith("$pager") and re.fullmatch(r"Page\$\d+", arg):
            return ("listing", cat, max(int(arg.split("$")[1]), 1), "page")
        return ("listing", cat, current, "page")  # another control: the same page again

    # ------------------------------------------------------------------ pages

    def _name(self, cat):
        return self.category_name(cat)

    def _client(self, name: str) -> str:
        return name.replace("$", "_")

    def _postback(self, name: str, arg: str = "") -> str:
        return f"javascript:__doPostBack('{name}','{arg}')"

    def _form(self, action: str, state: str, validation: str, inner: str) -> str:
        return (f"<form method='post' action='{action}' id='aspnetForm'>"
                "<div class='aspNetHidden'>"
                "<input type='hidden' name='__EVENTTARGET' id='__EVENTTARGET' value=''>"
                "<input type='hidden' name='__EVENTARGUMENT' id='__EVENTARGUMENT' value=''>"
                f"<input type='hidden' name='__VIEWSTATE' id='__VIEWSTATE' value='{state}'></div>"
                "<script type='text/javascript'>var theForm = document.forms['aspnetForm'];"
                "function __doPostBack(eventTarget, eventArgument) { if (!theForm.onsubmit ||"
                " (theForm.onsubmit() != false)) { theForm.__EVENTTARGET.value = eventTarget;"
                " theForm.__EVENTARGUMENT.value = eventArgument; theForm.submit(); } }</script>"
                "<div class='aspNetHidden'>"
                f"<input type='hidden' name='__VIEWSTATEGENERATOR' id='__VIEWSTATEGENERATOR' value='{GENERATOR}'>"
                f"<input type='hidden' name='__EVENTVALIDATION' id='__EVENTVALIDATION' value='{validation}'></div>"
                "<div class='top-search'><input name='ctl00$txtSearch' type='text' id='ctl00_txtSearch'"
                " placeholder='Tìm kiếm'><input type='submit' name='ctl00$btnSearch' value='Tìm'"
                " id='ctl00_btnSearch'></div>"
                f"{self.menu()}<div id='main'>{inner}</div>{self.footer()}</form>")

    def render_listing(self, cat, page_no, entries, pages, fmt="page", prefix=""):
        items = []
        for e in entries:
            lead = e.lead
            n = image_number(e.title)
            items.append(
                f"<div class='item-news'><a href='{e.href}'><img src='/Uploads/images/thumb_{n}.jpg' alt=''></a>"
                f"<a class='title-news' href='{e.href}'>{escape(e.title)}</a>"
                f"<span class='date-news'>{e.published:%d/%m/%Y}</span>"
                + (f"<p class='sapo-news'>{escape(lead)}</p>" if lead else "") + "</div>")
        c = self._control
        links = []
        if page_no > 1:
            links.append(f"<a id='{self._client(c)}_lkPrev2' href=\"{self._postback(c + '$lkPrev2')}\">« Trước</a>")
        for n in page_window(page_no, pages):
            links.append(f"<span class='current'>{n}</span>" if n == page_no else
                         f"<a href=\"{self._postback(c + '$pager', f'Page${n}')}\">{n}</a>")
        # The last page: ASP.NET renders the disabled LinkButton without an href.
        links.append(f"<a id='{self._client(c)}_lkNext2' href=\"{self._postback(c + '$lkNext2')}\">Sau »</a>"
                     if page_no < pages else
                     f"<a id='{self._client(c)}_lkNext2' class='aspNetDisabled'>Sau »</a>")
        inner = (f"<div class='breadcrumb'><a href='/vi'>Trang chủ</a> » {escape(self._name(cat))}</div>"
                 f"<h1 class='title-category'>{escape(self._name(cat))}</h1>"
                 f"<div class='list-news'>{''.join(items)}</div>"
                 f"<div class='paging'>{' '.join(links)}</div>")
        body = self._form(f"./{cat}", self._state(cat, page_no), self._validation(cat, pages), inner)
        return page(self._name(cat), body)

    def render_article(self, a, charset="utf-8"):
        d = a.published
        views = f"<span class='luotxem'>Lượt xem: {a.views}</span>" if a.views is not None else ""
        sapo = f"<h2 class='sapo'>{escape(a.lead)}</h2>" if a.lead else ""
        author = self.author_of(a)
        author = f"<div class='tacgia'><strong>{escape(author)}</strong></div>" if author else ""
        head = (f"<meta property='og:title' content='{escape(a.title)}'>"
                + (f"<meta id='ogdescription' property='og:description' content='{escape(a.lead)}'>" if a.lead else "")
                + f"<link rel='canonical' href='https://{self.site.domain}{self.article_path(a)}'>")
        others = related("Tin cùng chuyên mục", ["Khánh Hòa đẩy mạnh chuyển đổi số",
                                                 "Lãnh đạo tỉnh làm việc với các sở, ngành"], css="tinlienquan")
        inner = (f"<div class='breadcrumb'><a href='/vi'>Trang chủ</a> » "
                 f"<a href='/vi/{a.category}'>{escape(self._name(a.category))}</a></div>"
                 f"<div class='detail-article'><h1 class='title-article'>{escape(a.title)}</h1>"
                 f"<div class='info-article'><span class='detail-time'><span id='datearticle'>"
                 f"{d:%d/%m/%Y %H:%M}</span></span> {views}"
                 f"<span class='tools'><a href='#'>Tăng cỡ chữ</a> <a href='#'>Giảm cỡ chữ</a> "
                 f"<a href='javascript:window.print()'>In bài</a></span></div>"
                 f"<div class='chitietbaiviet'>{sapo}{self.body(a, _figure)}</div>{author}"
                 f"<div class='social-share'>Chia sẻ: Facebook Zalo Twitter</div></div>{others}")
        state = self._state(a.category, 0)
        return page(a.title, self._form(f"./{a.slug or 'tin-tuc'}-{a.item_id}", state,
                                        self._validation(a.category, 0), inner), charset, head)


SITES = (
    Site("khanhhoa", "khanhhoa.gov.vn", None, "Khánh Hòa", "aspnet_postback",
         (("tin-hoat-dong-cua-lanh-dao-tinh", "Tin hoạt động của lãnh đạo tỉnh"),
          ("tin-hoat-dong-so-nganh-dia-phuong", "Tin hoạt động sở, ngành, địa phương")),
         per_page=10),
)
