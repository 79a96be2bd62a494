"""SharePoint "PublishingPortal" (Bắc Kạn). What is known: it is a SharePoint portal, its dates
are `dd/mm/yyyy` with no time (PORTALS.md, end of section 1), and its pages print web-part
titles such as `PublishingPortal - Block_BanTin_Toolbar` (seed 001, as a crawler saw it).
Everything else here — the list and detail markup, the postback pagination — is a guess in the
shape SharePoint publishing sites commonly take, so every portal on it is `status = "unknown"`.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="sharepoint_publishing",
    name='SharePoint "PublishingPortal"',
    listing=Listing(
        url="/Pages/tin-tuc.aspx?CategoryId={category}",
        item="table.DanhSachTin tr.item",
        link="a::attr(href)",
        date="span.NgayDang::text",
        pagination="postback",
        next_page="a[id$=_pager_lnkNext]::attr(href)",
        form="form#aspnetForm",
    ),
    article=ArticleSelectors(
        region="div.BanTinChiTiet div.NoiDung",
        title="h2.TieuDe::text",
        date="div.BanTinChiTiet div.NgayDang::text",
        lead="div.TomTat",
        author="p[style*=right]",
        captions="td.ms-rteImage-caption, figcaption",
        drop=("table.ms-rteTable-default img",),
    ),
    date_formats=("%d/%m/%Y",),
    id_params=("ItemID",),
    # Web-part titles leak into the text: `PublishingPortal - Block_BanTin_Toolbar`.
    noise_lines=(("sharepoint_webpart_title", r"PublishingPortal\s*-\s*\S+"),),
    evidence="seed 001 (web-part titles, date line); PORTALS.md: SharePoint, dd/mm/yyyy",
)
