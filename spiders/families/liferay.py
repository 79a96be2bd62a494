"""Liferay portals: bacgiang.gov.vn, danang.gov.vn, thainguyen.gov.vn, moh.gov.vn (PORTALS.md
section 1; seen by thuydung203/Crawl_data, 2026).

From the evidence: the body `.journal-content-article`; the title `.title-detail h1` or
`h1.title-art` (never `h1.portlet-title`, a sidebar box's heading); the date in an element whose
class says date/time/publish, its text up to `|` or `Lượt xem` (`Ngày đăng 13/05/2016 | 4:53 PM
| Lượt xem: 1648`); article links under `.portlet-asset-publisher`; pagination `.lfr-pagination`
with a `_101_cur=<n>`-style portlet parameter, or a `Sau`/`Tiếp` link (danang). PORTALS.md
section 5: on a Liferay portal two thirds of article ids were listed under two or more category
paths, so the identity is the numeric id at the end of the path (`.../content/<slug>-<id>`).

Guessed (not in the evidence): the asset-publisher entry markup (`.asset-abstract`,
`.asset-title a`, `.metadata-publish-date`), the article path's exact shape
(`/web/guest/<category>/-/asset_publisher/<portlet>/content/<slug>-<id>`), that the view counter
is an element of its own after the date (`.view-count`), the lead (`.summary-detail`), the
author (`.author-detail`).
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="liferay",
    name="Liferay",
    listing=Listing(
        url="/web/guest/{category}",
        item=".portlet-asset-publisher .asset-abstract",
        link=".asset-title a::attr(href)",
        date=".metadata-publish-date::text",
        pagination="query",
        page_url="/web/guest/{category}?_101_cur={page}",
        next_page=".lfr-pagination li.next:not(.disabled) a::attr(href)",
        page_size=10,
    ),
    article=ArticleSelectors(
        region=".journal-content-article",
        title=".title-detail h1, h1.title-art",
        date=".publish-date",
        lead=".summary-detail",
        author=".author-detail",
        views=".view-count::text",
        captions="figcaption",
    ),
    date_formats=("Ngày đăng %d/%m/%Y | %I:%M %p", "Ngày đăng %d/%m/%Y | %H:%M", "Ngày đăng %d/%m/%Y"),
    id_path=r"/-/.*-(\d+)$",
    noise_lines=(
        # The asset publisher's own links when a page leaves them in the content (guessed).
        ("liferay_asset_links", r"(?:Quay lại|Trở về)\s*(?:»|>>)?"),
    ),
    evidence="thuydung203/Crawl_data (2026: bacgiang, danang, thainguyen)",
)
