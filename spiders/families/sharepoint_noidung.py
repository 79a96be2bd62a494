"""SharePoint "noidung/tintuc" lists (PORTALS.md section 1, first row): yenbai.gov.vn,
tuyenquang.gov.vn (also seen on old dangcongsan.vn and moj.gov.vn).

From evidence (lantuan2205/crawler_news, thuydung203/Crawl_data):
- article URL `/<section>/noidung/tintuc/Pages/chi-tiet-tin-tuc.aspx?ItemID=<n>&l=<ListName>`
  (or `/noidung/tintuc/Lists/<List>/View_Detail.aspx?ItemID=<n>`): the article is ItemID
  within list `l`, so identity is the pair ("ItemID", "l"); other parameters (`lv`,
  `CategoryID`, `page`) are dropped from the key;
- title `h1#contenttitle`, lead `div#description`, date `div#ngaytao`, body `div.noidungtt`
  (Telerik RadEditor, images `img.imgtelerik` under `/noidung/tintuc/PublishingImages/`),
  author `b#tacgia` (often `Theo ...`: the cleaner drops the label);
- pagination by query: a list view `.../View.aspx?Page=<n>`, or a plain `&page=<n>` on the
  `chi-tiet-tin-tuc.aspx?l=<List>` page (seen on a Yên Bái subsite).

Guesses (no evidence): the listing entry markup (`div.danhsachtin div.tin-item`,
`a.tieude-tin`, `span.ngay-tin`), the text format of `div#ngaytao` (SharePoint's
`dd/mm/yyyy h:mm:ss AM/PM`), the view counter `span.luotxem`, and the caption markup (the
centred paragraph after a RadEditor image).
"""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="sharepoint_noidung",
    name='SharePoint "noidung/tintuc" lists',
    listing=Listing(
        url="/noidung/tintuc/Lists/{category}/View.aspx",
        page_url="/noidung/tintuc/Lists/{category}/View.aspx?Page={page}",
        pagination="query",
        item="div.danhsachtin div.tin-item",
        link="a.tieude-tin::attr(href)",
        date="span.ngay-tin::text",
    ),
    article=ArticleSelectors(
        region="div.noidungtt",
        title="h1#contenttitle::text",
        date="div#ngaytao::text",
        lead="div#description",
        author="b#tacgia::text",
        views="span.luotxem::text",
        captions="p:has(img.imgtelerik) + p",
    ),
    date_formats=("%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
    id_params=("ItemID", "l"),
    # Web-part titles leak into the text of SharePoint pages: `PublishingPortal - Block_BanTin_Toolbar`.
    noise_lines=(("sharepoint_webpart_title", r"PublishingPortal\s*-\s*\S+"),),
    evidence="lantuan2205/crawler_news (dangcongsan.vn), thuydung203/Crawl_data; "
             "hoilhpn.yenbai.gov.vn URL with &page=",
)
