"""The end-to-end benchmark's baseline: fetch a list of URLs with Scrapy and do nothing with
the responses (no parsing, no items, no robots.txt). Scrapy's defaults, with the concurrency of
the pipeline's loopback crawls; NAME=VALUE arguments set more (the second baseline: the
pipeline's CONCURRENT_ITEMS=1, and TWISTED_REACTOR= for Twisted's default reactor). Prints the
number of responses on stderr's last line.

    python bench/bare_fetch.py URL_FILE [NAME=VALUE]...
"""

from __future__ import annotations

import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spiders.portal_spider import LOOPBACK_SETTINGS  # noqa: E402


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, url_file: str, **kwargs):
        super().__init__(**kwargs)
        self.url_file = url_file
        self.responses = 0

    async def start(self):
        for url in Path(self.url_file).read_text().split():
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        self.responses += 1


def main() -> None:
    settings = {**LOOPBACK_SETTINGS, "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False,
                "ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False,
                **dict(arg.partition("=")[::2] for arg in sys.argv[2:])}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, url_file=sys.argv[1])
    process.start()
    print(crawler.spider.responses, file=sys.stderr)


if __name__ == "__main__":
    main()
