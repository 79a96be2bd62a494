from spiders.portals.base import ArticleSelectors, Listing, Portal

PORTAL = Portal(
    key="yenbai",
    name="Cổng thông tin điện tử tỉnh Yên Bái",
    province="Yên Bái",
    province_current="Lào Cai",
    domains=("yenbai.gov.vn", "laocai.gov.vn"),
    categories=("tin-tuc-su-kien", "chi-dao-dieu-hanh"),
    cms="news CMS",
    listing=Listing(
        url="/{category}/?page={page}",
        item="div.news-item",
        link="a.news-link::attr(href)",
        date="span.news-date::text",
        next_page=".pagination a.next::attr(href)",
    ),
    article=ArticleSelectors(
        region="div.news-detail div.news-content",
        title="h1.news-title::text",
        date="div.news-meta span.news-date::text",
        lead="div.news-sapo",
        author="p.author",
        views="span.news-views::text",
    ),
    date_formats=("%d/%m/%Y - %H:%M",),
)
