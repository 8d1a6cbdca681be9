"""Fetching from the web: polite, safe HTTP, robots.txt, feeds and sitemaps."""
