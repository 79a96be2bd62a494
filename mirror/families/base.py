"""What every family layout shares: the page shell, the site's menu and footer, the article body
with its captioned images and the noise real portals put in it (PORTALS.md section 4).

A family layout (one module per CMS in this package) says where its pages live and how they
look: `listing_path`, `article_path`, `resolve`, `render_listing`, `render_article`. It is
built once per site (`Layout(site, size)`), so one family serves many portals.
"""

from __future__ import annotations

import zlib
from html import escape

from mirror.site import Entry, Site

# Text pasted from MS Word before an article, as real bodies open with it (PORTALS.md section 4).
WORD_STYLES = ("Normal 0 false false false MicrosoftInternetExplorer4 /* Style Definitions */ "
               'table.MsoNormalTable {mso-style-name:"Table Normal"; mso-tstyle-rowband-size:0; '
               "mso-padding-alt:0in 5.4pt 0in 5.4pt; font-size:10.0pt; font-family:\"Times New Roman\";}")
SHARE_LINE = "Facebook Zalo Twitter In bài Gửi email"


def page(title: str, body: str, charset: str = "utf-8", head: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title>{head}</head>\n<body>\n{body}\n</body></html>\n"
    )


def figure(caption: str) -> str:
    """A captioned image as most CMSs write it; a family with its own markup passes its own."""
    return (f"<figure class='image'><img src='/images/{zlib.crc32(caption.encode()) % 9999}.jpg' alt=''>"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def image_number(text: str) -> int:
    """A stable number for an image's file name, from its caption or its article's title."""
    return zlib.crc32(text.encode()) % 99999


def page_number(values: list[str] | None) -> int:
    """The page a query parameter names (`parse_qs` values); 1 when absent or not a page."""
    raw = (values or ["1"])[0]
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def page_window(page_no: int, pages: int, around: int = 2) -> range:
    """The page numbers a pager shows around the current page, as most CMSs print them."""
    return range(max(1, page_no - around), min(pages, page_no + around) + 1)


def related(heading: str, titles: list[str], css: str = "related") -> str:
    items = "".join(f"<li><a href='#'>{escape(t)}</a></li>" for t in titles)
    return f"<div class='{css}'><h3>{escape(heading)}</h3><ul>{items}</ul></div>"


class FamilyLayout:
    family: str  # the key sites name in `Site.family`
    serves_records = False  # True: listings are an API whose records are the articles (no pages)

    def __init__(self, site: Site, size: int):
        self.site = site
        self.size = size

    # ------------------------------------------------------------------ what subclasses define

    def listing_path(self, cat: str, page: int) -> str:
        """The path of a category's listing page as the site links it (page 1 for endpoint families)."""
        raise NotImplementedError

    def article_path(self, a, merged: bool = False, category: str | None = None) -> str:
        """The path of an article; `merged`: on the merged province's portal; `category`: the
        path under another category that lists the same article (the same id)."""
        raise NotImplementedError

    def resolve(self, method: str, path: str, query: dict, form: dict):
        """What a request names: ("listing", category, page, "page" | "fragment" | "json"),
        ("article", index) or ("pdf", index); None for nothing. `query` and `form` are
        `parse_qs` dicts. Use `index_of_id` for an article id, `resolve_pdf` for attachments."""
        raise NotImplementedError

    def render_listing(self, cat: str, page: int, entries: list[Entry], pages: int, fmt: str = "page",
                       prefix: str = "") -> str:
        """A listing page (fmt "page"), the HTML fragment (fmt "fragment") or JSON text (fmt
        "json"). `entries[i].href` already carries the mirror's prefix; `prefix` (`/<domain>`)
        is for links the layout writes itself (next page, endpoints)."""
        raise NotImplementedError

    def render_article(self, a, charset: str = "utf-8") -> str:
        raise NotImplementedError

    def article_as_served(self, a) -> tuple[bytes, str]:
        """What a crawl stages for article `a` (its page; the record, for an API family) and
        its Content-Type: for tests and benchmarks that clean pages without a crawl."""
        return self.render_article(a).encode("utf-8"), "text/html; charset=utf-8"

    # ------------------------------------------------------------------ shared pieces

    def menu(self) -> str:
        items = "".join(f"<li><a href='#'>{escape(name)}</a></li>" for _, name in self.site.categories)
        what = "Báo" if self.site.kind == "newspaper" else "Cổng thông tin điện tử tỉnh"
        return (f"<header><div class='logo'>{what} {escape(self.site.province)}</div>"
                f"<nav><ul><li><a href='#'>Trang chủ</a></li>{items}<li><a href='#'>Liên hệ</a></li></ul></nav>"
                "</header>")

    def footer(self) -> str:
        return ("<footer><p>Cơ quan chủ quản: Văn phòng UBND tỉnh. Ghi rõ nguồn khi phát hành lại thông tin"
                " từ cổng thông tin điện tử này.</p></footer>")

    def body(self, a, figure=figure, para: str = "<p>{}</p>") -> str:
        """The article's paragraphs with its captioned images after them, and the noise the
        corpus gave it (`a.noise`). A seed keeps its raw lines, noise and all."""
        if a.seed_lines is not None:
            captions = set(self.site.seed_meta.get("captions", ()))
            return "\n".join(figure(line) if line in captions else para.format(escape(line))
                             for line in a.seed_lines)
        noise = set(a.noise)
        out = []
        if "word_styles" in noise:
            out.append(para.format(escape(WORD_STYLES)))
        if "title_repeated" in noise:
            out.append(para.format(f"<strong>{escape(a.title)}</strong>"))
        caps: dict[int, list[str]] = {}
        for pos, cap in a.captions:
            caps.setdefault(pos, []).append(cap)
        for i, text in enumerate(a.paragraphs):
            out.append(para.format(escape(text)))
            out.extend(figure(c + (" (Ảnh minh họa)" if "photo_credit" in noise else "")) for c in caps.get(i, []))
        if "attachment_stub" in noise:
            out.append(para.format("Chi tiết xem tại đây ./."))
            out.append(para.format(f"Tệp đính kèm: <a href='/Uploads/van-ban/{a.item_id}.pdf'>"
                                   f"QD-{a.item_id}.pdf</a>"))
        if "credit_line" in noise:
            out.append(para.format(escape(a.credit or "Theo Báo Nhân Dân")))
        if "byline_share" in noise and a.author:
            out.append(para.format(f"<strong>{escape(a.author)}</strong> {SHARE_LINE}"))
        return "\n".join(out)

    def category_keys(self) -> list[str]:
        return [c for c, _ in self.site.categories]

    def category_name(self, cat: str, default: str = "Tin tức") -> str:
        return dict(self.site.categories).get(cat, default)

    def category_key(self, name: str) -> str | None:
        """The category a URL names, whatever its case (SharePoint's URLs are case-blind)."""
        return {c.lower(): c for c in self.category_keys()}.get(name.lower())

    def index_of_id(self, iid: int) -> int | None:
        from mirror.corpus import index_of_id
        return index_of_id(self.site.key, iid, self.size)

    def pdf_path(self, a) -> str:
        return f"/Uploads/van-ban/{a.slug}-{a.item_id}.pdf"

    def resolve_pdf(self, path: str):
        import re
        m = re.fullmatch(r"/Uploads/van-ban/.*-(\d+)\.pdf", path)
        return ("pdf", self.index_of_id(int(m.group(1)))) if m else None

    def render_redesigned(self, a, charset: str = "utf-8") -> str:
        """A new template none of the family's selectors know: what selector drift looks like."""
        lead = f"<p><b>{escape(a.lead)}</b></p>" if a.lead else ""
        author = f"<p><b>{escape(a.author)}</b></p>" if a.author else ""
        return page(a.title, f"{self.menu()}<main><div class='detail-v2'><h1 class='headline'>"
                    f"{escape(a.title)}</h1><div class='meta'>{a.published:%d/%m/%Y %H:%M}</div>"
                    f"<div class='story-body'>{lead}{self.body(a)}{author}</div></div></main>"
                    f"{self.footer()}", charset)

    def author_of(self, a) -> str | None:
        """The author to print in the page's author element: none for a seed (its byline is in
        its text) or for an article whose byline the noise puts in the text."""
        if a.seed_lines is not None or "byline_share" in a.noise:
            return None
        return a.author
