from spiders.portals import sharepoint
from spiders.portals.base import ArticleSelectors, Listing, Portal

PORTAL = Portal(
    key="backan",
    name="Cổng thông tin điện tử tỉnh Bắc Kạn",
    province="Bắc Kạn",
    province_current="Thái Nguyên",
    domains=("backan.gov.vn", "thainguyen.gov.vn"),
    categories=("1", "2"),
    cms="SharePoint PublishingPortal",
    id_param="ItemID",
    listing=Listing(
        url="/Pages/tin-tuc.aspx?CategoryId={category}",
        item="table.DanhSachTin tr.item",
        link="a::attr(href)",
        date="span.NgayDang::text",
        next_page="a[id$=_pager_lnkNext]::attr(href)",
        pagination="postback",
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
    noise_lines=sharepoint.NOISE_LINES,
    date_formats=("%d/%m/%Y",),
)
