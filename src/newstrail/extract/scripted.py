"""Article HTML that a page carries only inside its scripts.

A Next.js "app router" page renders in the browser: the server sends an
almost empty ``<body>`` and the article as React Server Components payload,
strings pushed by ``self.__next_f.push([1, "..."])`` scripts. In that
payload a row ``24:T1b7b,`` announces a text chunk of 0x1b7b UTF-8 bytes,
and the article's HTML is such a chunk. trafilatura and the other
extractors read the DOM, not scripts, so they find nothing on these pages
(one fundus-meta page of 128: body F1 0.00). The payload format has no
Python parser; the two patterns below are the documented wire format of
React's Flight protocol (row id, ``T``, hex byte length, comma).
"""

from __future__ import annotations

import contextlib
import json
import re

_PUSH = re.compile(r'self\.__next_f\.push\(\[1,\s*"((?:[^"\\]|\\.)*)"\]\)')
_TEXT_ROW = re.compile(rb"(?:^|\n)[0-9a-f]+:T([0-9a-f]{1,8}),")


def payload_html_fragments(page: str) -> list[str]:
    """The HTML text chunks of a page's Next.js payload, longest first.

    Args:
        page: the page's HTML source.

    Returns:
        Each text chunk that holds a paragraph tag; empty for any other page.
    """
    if "self.__next_f" not in page:
        return []
    parts: list[str] = []
    for match in _PUSH.finditer(page):
        with contextlib.suppress(ValueError):
            parts.append(json.loads(f'"{match.group(1)}"'))
    payload = "".join(parts).encode("utf-8", errors="replace")
    fragments = []
    for row in _TEXT_ROW.finditer(payload):
        start = row.end()
        chunk = payload[start : start + int(row.group(1), 16)].decode("utf-8", errors="replace")
        if "<p" in chunk:
            fragments.append(chunk)
    return sorted(fragments, key=len, reverse=True)
