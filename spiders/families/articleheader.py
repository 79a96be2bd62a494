"""The "ArticleHeader" CMS (DotNetNuke-like): caobang.gov.vn, ninhbinh.gov.vn, sonla.gov.vn,
cantho.gov.vn (PORTALS.md section 1; seen by thuydung203/Crawl_data, 2026).

From the evidence: the article selectors (title `.ArticleHeader`, date `.PostDate`, summary
`.ArticleSummary`, body `.ArticleContent`), article URLs ending in `-<digits>` (the identity),
caobang's category paths (`/chinh-tri`, ...), page links `a.page-link` that work only through
JavaScript, and ninhbinh's page request: `POST
/DesktopModule/UIArticleInMenu/ArticleInMenuPagination.aspx/LoadArticle` with
`article_category_id`, `site_id` (from the page's script), `page`, `page_size`, `lang=vi-VN`,
answering an HTML fragment; cantho's `?page=<n>`.

Guessed (not in the evidence): the listing entry markup (`div.article-item`, its
link and date), the variable names and shape of the inline script the ids are captured from,
the author (`.ArticleAuthor`) and view-counter (`.ArticleViews`) elements, the caption markup,
the date label (`Ngày đăng: dd/mm/yyyy HH:MM`).
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="articleheader",
    name="ArticleHeader CMS (DotNetNuke-like)",
    listing=Listing(
        url="/{category}",
        item="div.article-item",
        link="a.article-title::attr(href)",
        date="span.article-date::text",
        pagination="fragment",
        endpoint="/DesktopModule/UIArticleInMenu/ArticleInMenuPagination.aspx/LoadArticle",
        method="POST",
        params={
            "article_category_id": "{article_category_id}",
            "site_id": "{site_id}",
            "page": "{page}",
            "page_size": "{page_size}",
            "lang": "vi-VN",
        },
        script_params={
            "article_category_id": r"article_category_id\s*[:=]\s*['\"]?(\d+)",
            "site_id": r"site_id\s*[:=]\s*['\"]?(\d+)",
        },
        page_size=10,
    ),
    article=ArticleSelectors(
        region=".ArticleContent",
        title=".ArticleHeader::text",
        date=".PostDate::text",
        lead=".ArticleSummary",
        author=".ArticleAuthor",
        views=".ArticleViews::text",
        captions="td.image-caption",
    ),
    date_formats=("Ngày đăng: %d/%m/%Y %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    id_path=r"-(\d+)(?:\.\w+)?$",
    noise_lines=(
        # The article toolbar's words when a page puts them on a line of their own (guessed).
        ("articleheader_toolbar", r"(?:(?:In bài viết|Gửi bài viết|Lưu bài viết|Về đầu trang)\s*\|?\s*)+"),
    ),
    evidence="thuydung203/Crawl_data (2026: caobang, ninhbinh, sonla, cantho)",
)
