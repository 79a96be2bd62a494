"""SharePoint "Trang" (PORTALS.md section 1): quangninh.gov.vn.

From evidence (tradetolive/giahuyland): article URL `/Trang/ChiTietTinTuc.aspx?nid=<n>` (the
identity is `nid`), the title taken from `meta[property='og:title']`, the news listing
`/Trang/tin-tuc-su-kien.aspx`.

Guesses (no evidence): the pagination (`?Page=<n>`, query kind), the listing entry markup
(`div.DanhSachTin div.TinItem`, `a.TieuDe`, `span.NgayDang`), and the whole article body
markup: region `div.ChiTietTin div.NoiDung`, date `span.NgayDang` (`dd/mm/yyyy HH:MM`), lead
`div.TomTat`, author `div.TacGia`, views `span.LuotXem`, captions `p.ChuThich`.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="sharepoint_trang",
    name='SharePoint "Trang"',
    listing=Listing(
        url="/Trang/{category}.aspx",
        page_url="/Trang/{category}.aspx?Page={page}",
        pagination="query",
        item="div.DanhSachTin div.TinItem",
        link="a.TieuDe::attr(href)",
        date="span.NgayDang::text",
    ),
    article=ArticleSelectors(
        region="div.ChiTietTin div.NoiDung",
        title="meta[property='og:title']::attr(content)",
        date="div.ChiTietTin span.NgayDang::text",
        lead="div.ChiTietTin div.TomTat",
        author="div.ChiTietTin div.TacGia::text",
        views="div.ChiTietTin span.LuotXem::text",
        captions="p.ChuThich",
    ),
    date_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y"),
    id_params=("nid",),
    noise_lines=(("sharepoint_webpart_title", r"PublishingPortal\s*-\s*\S+"),),
    evidence="tradetolive/giahuyland (quangninh)",
)
