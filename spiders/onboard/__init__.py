"""`provnews add-portal`: a portal definition from one listing URL (`propose`), by its known CMS
family (`recognise`) or inferred from the pages (`listing`, `article`; a listing filled from a
JSON API by `json_listing`: `api`, `records`, `detail`); fetched politely (`fetch`) and written as
TOML (`toml`)."""
