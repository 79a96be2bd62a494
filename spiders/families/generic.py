"""No known CMS: every selector is the portal's own, inferred by `provnews add-portal` from the
portal's pages and written into its file. The values here are never used as they stand."""

from spiders.definitions import ArticleSelectors, Family, Listing

FAMILY = Family(
    key="generic",
    name="inferred (no known family)",
    listing=Listing(url="{category}", item="", link="a::attr(href)"),
    article=ArticleSelectors(region="article", title="h1::text", date="time::attr(datetime)"),
    evidence="inferred from the portal's own pages by provnews add-portal",
)
