"""Hà Tĩnh's custom (Laravel) CMS: hatinh.gov.vn.

From evidence (PORTALS.md section 1, thuydung203/Crawl_data `crawl_hatinh.py`, 2026): article
URLs `/vi/bai-viet/<slug>`; title `.detail-title`; date `.time` (`Đăng tải: …`); lead
`.detail-content-lead`; body `.detail-content`, whose text ends with `Tệp đính kèm: …`,
`Lượt xem: N` and `Tác giả: …` (the crawler strips those three from the body, so they are in
it); categories `/vi/chuyen-muc/<slug>?page=<n>` (`tin-trong-tinh`, `tin-trong-nuoc`,
`hoat-dong-so-ban-nganh-dia-phuong`).

Guessed: the listing entry markup (the crawler took every link containing `/bai-viet/`; the
item/link/date selectors here are the mirror's), the exact time format after `Đăng tải:`, and
where the lead sits: modelled as a sibling just before `.detail-content`, so the body region
never holds it. The slug carries no number in the evidence, so identity is the path (no
`id_path`: a real slug ending in a year must not become an id); the mirror appends `-<id>` to
its slugs, which is a guess of the mirror's only.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="hatinh_laravel",
    name="custom Laravel CMS (Hà Tĩnh)",
    listing=Listing(
        url="/vi/chuyen-muc/{category}",
        item="div.list-news div.news-item",          # guessed
        link="h3.news-title a::attr(href)",           # guessed
        date="span.news-date::text",                  # guessed
        pagination="query",
        page_url="/vi/chuyen-muc/{category}?page={page}",
    ),
    article=ArticleSelectors(
        region=".detail-content",
        title=".detail-title::text",
        date=".time::text",
        lead=".detail-content-lead",
        # No author element in the evidence: the byline is a `Tác giả: …` line at the end of the
        # body, which the cleaner's author-label rule takes as the author.
        author=None,
        views=None,                                   # `Lượt xem: N` is a body line too
    ),
    date_formats=("Đăng tải: %d/%m/%Y %H:%M", "Đăng tải: %d/%m/%Y"),
    id_params=(),
    id_path=None,
    noise_lines=(),
    evidence="thuydung203/Crawl_data (2026: hatinh)",
)
