"""Payloads of the misbehaving endpoints under ``/_hostile/``."""

from __future__ import annotations

import gzip
import importlib
import zlib
from functools import lru_cache
from importlib import resources


def hostile_payload(name: str) -> bytes:
    """A hostile document from ``fixture_data/hostile-*`` (malformed feed, XXE, cp1252-as-UTF-8)."""
    return (
        resources.files("newstrail.demo").joinpath("fixture_data", f"hostile-{name}").read_bytes()
    )


_GZIP_BOMB_BYTES = 16 * 1024 * 1024


COMPRESSED_PAGE = b"<html><body>" + b"<p>Compressed news paragraph.</p>" * 200 + b"</body></html>"


def compressed(data: bytes, encoding: str) -> bytes:
    """``data`` in a Content-Encoding: gzip, deflate (zlib-wrapped) or br."""
    if encoding == "br":
        # Optional (httpx decodes br only when it is installed), so imported on demand.
        brotli = importlib.import_module("brotli")
        return bytes(brotli.compress(data))
    if encoding == "deflate":
        return zlib.compress(data)
    return gzip.compress(data, mtime=0)


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """16 MiB of zeros, gzip-compressed to ~16 KiB (built on first use, ~0.2 s)."""
    return gzip.compress(bytes(_GZIP_BOMB_BYTES), compresslevel=9, mtime=0)


def huge_feed(base: str, entries: int) -> bytes:
    """An RSS feed of ``entries`` items, each a page that answers 410 Gone (cheap to check)."""
    items = "".join(
        f"<item><title>Flood item {i}</title>"
        f"<link>{base}/_hostile/status?n=410&amp;item={i}</link></item>"
        for i in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Flood</title><link>{base}/</link><description>Too many</description>"
        f"{items}</channel></rss>"
    ).encode()


@lru_cache(maxsize=4)
def poison_article(characters: int = 1_200_000, attributes: int = 50_000) -> bytes:
    """An article page with ``characters`` of quote-rich text and a tag of many attributes."""
    many = " ".join(f'data-a{i}="{i}"' for i in range(attributes))
    paragraphs = []
    length, i = 0, 0
    while length < characters:
        paragraph = (
            f'<p>"We will reopen the road by day {i}," said Ana Silva {i % 97}, '
            f"adding that {i * 7} residents had been moved from the valley.</p>"
        )
        paragraphs.append(paragraph)
        length += len(paragraph) - 7
        i += 1
    return (
        "<html><head><title>Poison article</title></head>"
        f"<body {many}><article><h1>Poison article</h1>{''.join(paragraphs)}</article>"
        "</body></html>"
    ).encode()
