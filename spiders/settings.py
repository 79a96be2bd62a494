"""Scrapy settings: polite by default. Each is overridable (`-s NAME=value`, or the flow's
crawl options); runs against a loopback mirror relax the delay and concurrency only.

The bounds, and the user agent, are also read from PROVNEWS_* environment variables, so that a
deployment sets them once for every crawl (see the README's table of bounds)."""

import os


def _env(name: str, default):
    value = os.environ.get(name)
    return default if value in (None, "") else type(default)(value)


BOT_NAME = "provnews"
SPIDER_MODULES = ["spiders.portal_spider"]
NEWSPIDER_MODULE = "spiders.portal_spider"

# Identify ourselves: a project name and a URL where portal operators can reach us.
USER_AGENT = _env("PROVNEWS_USER_AGENT",
                  "provnews/0.1 (+https://github.com/provnews/provnews; provincial news research crawler)")
ROBOTSTXT_OBEY = True

# Politeness: about one request per second per portal.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True

# Transient failures are retried; 5xx and timeouts are what portals do under load.
RETRY_ENABLED = True
RETRY_TIMES = _env("PROVNEWS_RETRY_TIMES", 3)
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Bounds: no page may hang the crawl or exhaust memory, no portal may hold a run forever.
DOWNLOAD_TIMEOUT = _env("PROVNEWS_DOWNLOAD_TIMEOUT", 30)                 # seconds per request
DOWNLOAD_MAXSIZE = _env("PROVNEWS_DOWNLOAD_MAXSIZE", 8 * 1024 * 1024)    # bytes, after decompression too
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = _env("PROVNEWS_MAX_REDIRECTS", 5)
CLOSESPIDER_TIMEOUT = _env("PROVNEWS_CRAWL_TIMEOUT", 6 * 3600)         # seconds per portal's crawl
PROVNEWS_MAX_LISTING_PAGES = _env("PROVNEWS_MAX_LISTING_PAGES", 2000)  # per category walk
PROVNEWS_MAX_ARTICLES = 0          # article pages per crawl, 0 = no limit (check-portals uses 1)
PROVNEWS_FULL_WALK = False         # walk past listing pages with nothing new (after a cut-short crawl)

# What a callback yields goes through the spider middlewares and the pipeline one at a time.
# Scrapy's default (100) runs each response's output through 100 Twisted cooperator tasks, even
# for the one item an article page yields: a third of a crawl's CPU (profiled: 18.5 s -> 12.8 s
# for hatinh's 3,063 requests). A response yields a handful of items at most, and both what it
# yields is handed to are synchronous (the scheduler for requests, the staging pipeline for
# items): there is no waiting for that concurrency to overlap.
CONCURRENT_ITEMS = 1
# Scrapy reads the source of each generator callback, for every response, to warn about a
# `return value` in it: its cache is keyed by the bound method, a new object at each request,
# so it never hits. Profiled: 0.58 of 7.5 s in a crawl of one portal (555 article pages).
WARN_ON_GENERATOR_RETURN_VALUE = False

# Twisted's default reactor for the platform (epoll on Linux), not Scrapy's default asyncio one:
# nothing here uses asyncio, and bridging each Deferred a coroutine awaits to an asyncio Future
# costs CPU at every request. Measured on the mirror (yenbai, 1,184 requests, four crawls each,
# alternating): 7.6 s of CPU against 8.6 (-11 %); 4.5 against 5.4 without the item pipeline;
# a bare fetch of the same pages 2.6 against 3.7.
TWISTED_REACTOR = None

COOKIES_ENABLED = True  # ASP.NET postbacks carry session state
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {"spiders.middlewares.PortalScopeMiddleware": 90}
REQUEST_FINGERPRINTER_CLASS = "spiders.middlewares.PortalFingerprinter"
ITEM_PIPELINES = {"spiders.pipelines.StagingPipeline": 500}
EXTENSIONS = {"spiders.progress.ProgressFile": 500}  # progress.json in the batch (and the JOBDIR)
