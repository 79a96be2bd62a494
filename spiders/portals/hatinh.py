from spiders.portals.base import ArticleSelectors, Listing, Portal

PORTAL = Portal(
    key="hatinh",
    name="Cổng thông tin điện tử tỉnh Hà Tĩnh",
    province="Hà Tĩnh",
    province_current="Hà Tĩnh",
    domains=("hatinh.gov.vn",),
    categories=("tin-noi-bat", "thoi-su"),
    cms="WordPress-like theme",
    listing=Listing(
        url="/{category}?p={page}",
        item="section.post-list article.post-item",
        link="a::attr(href)",
        date="time::text",
        next_page="a.page-next::attr(href)",
    ),
    article=ArticleSelectors(
        region="article.post-detail div.post-body",
        title="h1.post-title::text",
        date="time.post-date::attr(datetime)",
        lead="div.post-sapo",
        author="p.post-author",
    ),
    date_formats=("%Y-%m-%dT%H:%M:%S%z",),
)
