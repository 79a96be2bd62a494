from spiders.portals.base import ArticleSelectors, Listing, Portal

PORTAL = Portal(
    key="caobang",
    name="Cổng thông tin điện tử tỉnh Cao Bằng",
    province="Cao Bằng",
    province_current="Cao Bằng",
    domains=("caobang.gov.vn",),
    categories=("tin-tong-hop", "thoi-su-chinh-tri"),
    cms="Liferay-style portal",
    listing=Listing(
        url="/chuyen-muc/{category}/trang-{page}.html",
        item="ul.list-news li",
        link="h3 a::attr(href)",
        date="p.date::text",
        next_page="div.paging a[rel=next]::attr(href)",  # wraps to page 1 on the last page
    ),
    article=ArticleSelectors(
        region="div.journal-content-article div.content-news",
        title="h3.title-news::text",
        date="div.date-news::text",
        lead="div.sapo",
        author="div.tac-gia",
        views="span.luot-xem::text",
    ),
    date_formats=("%d/%m/%Y %H:%M",),
)
