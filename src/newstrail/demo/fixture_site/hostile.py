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
