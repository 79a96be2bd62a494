"""SharePoint lists read through a JSON API: vinhphuc.gov.vn.

From evidence (PORTALS.md section 1, thuydung203/Crawl_data `crawl_vinhphuc.py`, 2026):
`POST /APIVP/api/DSTinTuc/QUERYDATA` with the form `do=QUERYDATA, fieldOrder=CreatedDate,
ascending=desc, UrlList=<list path>, start, length` answers JSON whose `data` list holds records
`ID`, `Title` (with `##` markers the crawler strips), `DescriptionNews` (the lead), `ContentNews`
(the body, HTML-escaped HTML), `CreatedDate` (`2025-06-30T19:02:21`, naive, UTC+7); an article's
page is `<list path>/View_Detail.aspx?ItemID=<n>`. List paths seen:
`/ct/cms/tintuc/Lists/ThoiSuChinhTri`, `/ct/cms/tintuc/Lists/KinhTe`, `…/VanHoaXaHoi`. The
server wants legacy TLS settings (a live-crawl concern, not the mirror's).

A category is its list path. The spider never fetches article pages for this kind: it renders
each record as `<article><h1 class="title">…` (the selectors below are that rendering's).

Guessed: `url` (the list's `AllItems.aspx`, the page whose script calls the API), the answer's
other keys (`recordsTotal`, `recordsFiltered`, DataTables-style, as start/length suggest).

Not expressible here: the `##` markers are in the *title*, and `noise_lines` only drop body
lines; the json staging (or the cleaner) must strip `#` runs from a record's title.
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="sharepoint_api",
    name="SharePoint lists + JSON API (Vĩnh Phúc)",
    listing=Listing(
        url="{category}/AllItems.aspx",               # guessed
        item="",
        link="",
        date=None,
        pagination="json",
        endpoint="/APIVP/api/DSTinTuc/QUERYDATA",
        method="POST",
        params={"do": "QUERYDATA", "fieldOrder": "CreatedDate", "ascending": "desc",
                "UrlList": "{category}", "start": "{start}", "length": "{page_size}"},
        page_size=10,
        records="data",
        record_fields={"id": "ID", "title": "Title", "date": "CreatedDate",
                       "lead": "DescriptionNews", "body": "ContentNews"},
        article_url="{category}/View_Detail.aspx?ItemID={id}",
    ),
    article=ArticleSelectors(
        region="div.body",
        title="h1.title::text",
        date="div.date::text",
        lead="div.lead",
    ),
    date_formats=("%Y-%m-%dT%H:%M:%S",),
    id_params=("ItemID",),
    noise_lines=(),
    evidence="thuydung203/Crawl_data (2026: vinhphuc)",
)
