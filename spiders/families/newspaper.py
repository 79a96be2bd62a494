"""The provincial newspapers' CMS (one CMS, also nhandan.vn and vietnamplus.vn): baohatinh.vn,
baobackan.vn, baolaocai.vn.

From evidence (PORTALS.md section 1: giapham123/crawl-news-python, charithesh16/habitus):
title `.article__title.cms-title`; body `.article__body.zce-content-body.cms-body` (its `p`);
date `div.article__meta time[datetime]` (ISO 8601 with `+0700`); author `.article__meta .author`
/ `.article__author`; JSON-LD in `script[type=application/ld+json]`. Other public crawlers of the
same CMS (in the stored code corpus) show the sapo as `h2.article__sapo.cms-desc`, related boxes
`.article-relate` inside the body, and article URLs `/<slug>-post<id>.html` on nhandan.vn
(`-post<id>.vnp` on vietnamplus.vn).

Guessed: the listing entry markup (`article.story`, `h3.story__heading a.cms-link`,
`time.story__time`, as this CMS's category pages are remembered, not seen in the evidence),
category paths `/<category>/` with pages `/<category>/trang-<n>.html` (path kind), and that the
provincial papers use nhandan's `-post<id>.html` article URLs. The URL carries no category, so
an article listed under two categories has one URL; the id is the identity anyway.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="newspaper",
    name="provincial newspapers' CMS (zce, as nhandan/vietnamplus)",
    listing=Listing(
        url="/{category}/",                           # guessed
        item="article.story",                         # guessed
        link="h3.story__heading a.cms-link::attr(href)",  # guessed
        date="time.story__time::attr(datetime)",      # guessed
        pagination="path",
        page_url="/{category}/trang-{page}.html",     # guessed
    ),
    article=ArticleSelectors(
        region=".article__body.zce-content-body.cms-body",
        title=".article__title.cms-title::text",
        date="div.article__meta time::attr(datetime)",
        lead="h2.article__sapo.cms-desc",
        author=".article__meta .author, .article__author",
        drop=(".article-relate",),
    ),
    date_formats=("%Y-%m-%dT%H:%M:%S%z",),
    id_path=r"-post(\d+)\.html$",
    noise_lines=(),
    evidence="giapham123/crawl-news-python, charithesh16/habitus",
)
