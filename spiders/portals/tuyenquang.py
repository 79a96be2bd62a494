from spiders.portals import sharepoint
from spiders.portals.base import ArticleSelectors, Listing, Portal

PORTAL = Portal(
    key="tuyenquang",
    name="Cổng thông tin điện tử tỉnh Tuyên Quang",
    province="Tuyên Quang",
    province_current="Tuyên Quang",
    domains=("tuyenquang.gov.vn",),
    categories=("10", "11"),
    cms="SharePoint",
    id_param="ItemID",  # the same ItemID is linked under several CategoryID values
    listing=Listing(
        url="/Pages/danh-sach-tin.aspx?CategoryID={category}&Page={page}",
        item="div.news-item",
        link="a.title::attr(href)",
        date="span.date::text",
        next_page="div.paging a.next::attr(href)",
    ),
    article=ArticleSelectors(
        region="div.news-detail div.content",
        title="div.news-detail h1.title::text",
        date="div.news-detail span.date::text",
        lead="div.summary",
        author="p.author",
    ),
    noise_lines=sharepoint.NOISE_LINES,
    date_formats=("%d/%m/%Y %I:%M:%S %p",),
)
