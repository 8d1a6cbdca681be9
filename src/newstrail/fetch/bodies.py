"""Reading a response's body within limits, and the encodings it may come in.

A body is counted *after* decompression and cut as soon as it passes its
limit (the decompression-bomb guard); a 304's or redirect's short body is read
and dropped so its connection is reused. ``http.Fetcher`` reads every body
through these.
"""

from __future__ import annotations

import contextlib
from importlib.util import find_spec

import httpx

from newstrail.fetch.errors import TooLarge


def _accept_encoding() -> str:
    """The encodings httpx decodes on this machine (what an httpx.Client would send)."""
    optional = {"br": ("brotli", "brotlicffi"), "zstd": ("zstandard",)}
    available = [name for name, modules in optional.items() if any(find_spec(m) for m in modules)]
    return ", ".join(["gzip", "deflate", *available])


ACCEPT_ENCODING = _accept_encoding()
# Most of a 304's or redirect's body read to keep its connection alive.
MAX_DRAINED_BYTES = 64 * 1024


async def read_body(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    """The decoded body, raising ``TooLarge`` as soon as it passes ``max_bytes``.

    Counting *decoded* bytes is the decompression-bomb guard. httpx decodes one
    network read (at most 64 KiB) at a time, so the most we hold beyond the
    limit is one chunk's expansion (deflate's ratio is at most ~1:1032, so
    ~66 MB in the worst case) before we stop.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{url}: body of {int(declared)} bytes exceeds {max_bytes}", url=url)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{url}: body exceeds {max_bytes} bytes", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


async def drain_body(response: httpx.Response, url: str) -> None:
    """Read and drop a 304's or redirect's (short) body so the connection is reused.

    A response closed unread makes httpcore drop its connection: every 304 of
    a watch pass then paid a new TCP connection (bench/watch.py: 532 → 1,110
    sequential 304s/s once drained). A redirect with a long body is not worth
    reading; that connection is simply closed.
    """
    with contextlib.suppress(TooLarge):
        await read_body(response, url, MAX_DRAINED_BYTES)
