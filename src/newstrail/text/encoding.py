"""Bytes to text for fetched pages and imported files.

The order follows the WHATWG encoding-sniffing algorithm, simplified: a byte
order mark wins, then the charset the server declared, then the page's own
``<meta charset>`` / ``http-equiv`` declaration, then statistical detection by
charset-normalizer. A declaration is trusted only if the bytes decode under it
without error, because mislabelled pages (cp1252 bytes served as UTF-8) are
common in news archives. Nothing here raises on broken bytes: the last resort
decodes with replacement characters.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Byte order marks, longest first so UTF-32 LE is not taken for UTF-16 LE.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that browsers decode as a superset (WHATWG encoding standard): a page
# labelled latin-1 with curly quotes in 0x80–0x9F is really cp1252, and GB2312
# pages use GBK/GB18030 characters.
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}

# The HTML spec looks for the declaration in the first 1024 bytes; real pages
# put long <script> blocks first, so we look a little further.
_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)

# charset-normalizer reads samples of the body; capping the input keeps
# detection on a 20 MB page from costing seconds.
_DETECT_BYTES = 200_000


def decode_html(body: bytes, declared_charset: str | None = None) -> str:
    """Decode an HTML page to text, never raising.

    Args:
        body: the raw bytes of the page.
        declared_charset: the charset from the HTTP ``Content-Type`` header, if any.

    Returns:
        The page as text; undecodable bytes become U+FFFD.
    """
    bom = _bom_encoding(body)
    if bom:
        return body[len(_bom_bytes(bom)) :].decode(bom, errors="replace")
    candidates = [declared_charset, _meta_charset(body[:_SNIFF_BYTES])]
    for label in candidates:
        encoding = _codec_name(label)
        if encoding is None:
            continue
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return _detect_and_decode(body, fallback=_first_codec(candidates))


def decode_text_file(data: bytes) -> str:
    """Decode a plain-text file (BOM, then UTF-8, then detection), never raising."""
    bom = _bom_encoding(data)
    if bom:
        return data[len(_bom_bytes(bom)) :].decode(bom, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _detect_and_decode(data, fallback=None)


def _bom_encoding(data: bytes) -> str | None:
    """The encoding named by a leading byte order mark, if any."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return encoding
    return None


def _bom_bytes(encoding: str) -> bytes:
    """The byte order mark of ``encoding``."""
    return next(mark for mark, name in _BOMS if name == encoding)


def _meta_charset(head: bytes) -> str | None:
    """The charset declared by a ``<meta>`` tag in the page head, if any."""
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _codec_name(label: str | None) -> str | None:
    """Python's codec for a charset label (browser supersets applied), or None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    # UTF-16 declared in a <meta> of an 8-bit page is a known authoring error.
    if name.startswith("utf-16"):
        return "utf-8"
    return _SUPERSETS.get(name, name)


def _first_codec(labels: list[str | None]) -> str | None:
    """The first label that names a known codec."""
    for label in labels:
        encoding = _codec_name(label)
        if encoding:
            return encoding
    return None


def _detect_and_decode(data: bytes, fallback: str | None) -> str:
    """Decode with charset-normalizer's best guess, else ``fallback`` or UTF-8 with replacement."""
    best = from_bytes(data[:_DETECT_BYTES]).best()
    encoding = _codec_name(best.encoding) if best is not None else None
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass  # the sample decoded but a later byte did not: use the fallback
    return data.decode(fallback or encoding or "utf-8", errors="replace")
