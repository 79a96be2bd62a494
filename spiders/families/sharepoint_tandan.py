"""SharePoint "Tân Dân" (PORTALS.md section 1): dienbien.gov.vn.

From evidence (thuydung203/Crawl_data, 2026): title `.tandan-p-article-news-title`, summary
`.tandan-p-article-news-summary`, date `.tandan-span-date-publish` (text `Đăng ngày …`), body
`.tandan-p-article-main, .ms-rtestate-field`; related news `.tandan-div-article-other` and
`.social-share` are dropped from the body; category pages `/portal/Pages/<Category>.aspx`
paged by `?PageIndex=<n>` (query kind).

Guesses (no evidence): the article URL scheme `/portal/Pages/<yyyy>/<mm>/<slug>-<id>.aspx`
(the id in the path is our choice, `id_path` takes it; a link from another category carries
SharePoint's `?Source=` back-link, which the id ignores), the listing entry markup
(`div.tandan-div-item-news`, `a.tandan-a-title-news`, `span.tandan-span-date-news`), the
time after the date, the author element `.tandan-span-author` (`Tác giả: …`, in the date
line), the view counter `.tandan-span-view` and the caption markup.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="sharepoint_tandan",
    name='SharePoint "Tân Dân"',
    listing=Listing(
        url="/portal/Pages/{category}.aspx",
        page_url="/portal/Pages/{category}.aspx?PageIndex={page}",
        pagination="query",
        item="div.tandan-div-list-news div.tandan-div-item-news",
        link="a.tandan-a-title-news::attr(href)",
        date="span.tandan-span-date-news::text",
    ),
    article=ArticleSelectors(
        region=".tandan-p-article-main, .ms-rtestate-field",
        title=".tandan-p-article-news-title::text",
        date=".tandan-span-date-publish::text",
        lead=".tandan-p-article-news-summary",
        author=".tandan-span-author::text",
        views=".tandan-span-view::text",
        captions="p.tandan-p-caption",
        drop=(".tandan-div-article-other", ".social-share"),
    ),
    date_formats=("Đăng ngày %d/%m/%Y %H:%M", "Đăng ngày %d/%m/%Y", "%d/%m/%Y %H:%M"),
    id_path=r"/portal/Pages/\d{4}/\d{1,2}/[^/]*-(\d+)\.aspx$",
    evidence="thuydung203/Crawl_data (dienbien)",
)
