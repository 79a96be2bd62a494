"""Prefect flows and the steps they run: crawl, clean, dedupe, load; and the `provnews` CLI."""
