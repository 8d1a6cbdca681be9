"""Extraction: an HTML page or a text file to an article's clean text and metadata."""
