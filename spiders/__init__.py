"""The Scrapy project: portal definitions (data), one shared spider, and the staging pipeline."""
