"""ASP.NET WebForms portals paged by postback: khanhhoa.gov.vn (the ministries' SharePoint sites
mt, most, moc page the same way, with a `…_ctl00_lkNext2` "next" link).

From evidence (PORTALS.md section 1: thuydung203/Crawl_data `crawl_khanhhoa.py`, 2026;
tpnanh/DACNTT2_N26 for the ministries): title `.title-article`; date `#datearticle,
.detail-time`; body `.chitietbaiviet, .detail-content` (the crawler removes the `h2` inside it);
summary from `<meta id="ogdescription" …>` (og:description); categories under `/vi/`
(`/vi/tin-hoat-dong-cua-lanh-dao-tinh`, `/vi/tin-hoat-dong-so-nganh-dia-phuong`, …); page links
`javascript:__doPostBack('<target>','<arg>')`, a page being a POST of the form back to the
category URL with `__EVENTTARGET`, `__EVENTARGUMENT`, `__VIEWSTATE`, `__VIEWSTATEGENERATOR`,
`__EVENTVALIDATION`.

Guessed: the article URL `/vi/<category>/<slug>-<id>` (the evidence only shows article links
under `/vi/`), the listing entry markup, the form's id (`aspnetForm`, the master-page default),
that Khánh Hòa has the ministries' `lkNext2` next link (its crawler clicked the numbered links),
the author element and the date's exact format.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="aspnet_postback",
    name="ASP.NET WebForms (postback paging)",
    listing=Listing(
        url="/vi/{category}",
        item="div.list-news div.item-news",           # guessed
        link="a.title-news::attr(href)",              # guessed
        date="span.date-news::text",                  # guessed
        pagination="postback",
        next_page="a[id$='_lkNext2']::attr(href)",
        form="form#aspnetForm",                       # guessed
    ),
    article=ArticleSelectors(
        region=".chitietbaiviet, .detail-content",
        title=".title-article::text",
        date="#datearticle, .detail-time",
        lead="meta#ogdescription::attr(content)",
        author="div.tacgia",                          # guessed
        views="span.luotxem",                         # guessed
        drop=("h2",),
    ),
    date_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y"),
    id_path=r"/vi/[^/]+/[^/]+-(\d+)$",
    noise_lines=(),
    evidence="thuydung203/Crawl_data (2026: khanhhoa); tpnanh/DACNTT2_N26 (ministry sites: the lkNext2 link)",
)
