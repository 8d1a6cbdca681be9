"""Read and write WARC files (warcio): captures in, captures out.

Each ``response`` record with an HTML body is one capture of its target URI,
dated by ``WARC-Date``; several captures of one URL become versions in the
order the archive holds them. Records are streamed, so memory stays constant
whatever the file size; ``read_warc`` can start at any record boundary, which
is what lets the bulk importer resume a file from its checkpoint.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newstrail.errors import ImportFailure
from newstrail.extract.outlets import recognise_outlet
from newstrail.extract.records import ExtractionError
from newstrail.jobs.inputs import open_regular
from newstrail.jobs.limits import extract_html_bounded
from newstrail.settings import Settings
from newstrail.text.counts import counted
from newstrail.text.encoding import decode_html
from newstrail.text.urls import canonicalise
from newstrail.versions.recording import Capture

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REASON = 120  # characters of the underlying error kept in the one-line report
RECORD_LIMIT_FACTOR = 5  # a record may hold up to 5 pages' worth (headers, a PDF, …)
MIN_RECORD_LIMIT = 100_000_000


@dataclass(frozen=True)
class WarcEntry:
    """One record read from a WARC: where the next record starts, and its capture if any."""

    end_offset: int  # byte offset in the file just after this record
    capture: Capture | None  # None for requests, metadata, non-HTML and empty pages


def captures_from_warc(path: Path, settings: Settings) -> Iterator[Capture]:
    """Stream the HTML response records of a WARC file as captures.

    Raises:
        ImportFailure: the file is not a WARC or breaks off; captures already
            yielded stay valid.
    """
    records = found = 0
    for entry in read_warc(path, settings):
        records += 1
        if entry.capture is not None:
            found += 1
            yield entry.capture
    if found == 0:
        skipped = records
        raise ImportFailure(
            f"{path}: no HTML article in the WARC ({counted(skipped, 'record')} skipped)"
        )


def read_warc(path: Path, settings: Settings, start: int = 0) -> Iterator[WarcEntry]:
    """Stream every record of a WARC file from byte ``start``, one entry per record.

    Args:
        path: a ``.warc`` or ``.warc.gz`` file (one gzip member per record, as
            Common Crawl writes them, so any record boundary is a valid start).
        settings: ``max_page_bytes`` caps the body read per record.
        start: a record boundary, e.g. a previous entry's ``end_offset``.

    Returns:
        An iterator of entries; ``end_offset`` only grows.

    Raises:
        ImportFailure: the file is not a WARC or breaks off at some byte;
            entries already yielded stay valid.
    """
    offset = start
    # A record may declare more than a page (WARCs hold videos and PDFs), but a
    # record inflating past this is refused: warcio decompresses a record whole
    # to reach the next one, so a gzip member of endless zeros held ~3 GB.
    record_limit = max(settings.max_page_bytes * RECORD_LIMIT_FACTOR, MIN_RECORD_LIMIT)
    read = 0
    try:
        with open_regular(path) as stream:
            stream.seek(start)
            records = ArchiveIterator(stream)
            for record in records:
                read += 1
                if not record.rec_type or not record.rec_headers.get_header("WARC-Type"):
                    raise ArchiveLoadFailed("record without a WARC-Type")
                declared = _declared_length(record)
                if declared is None or declared > record_limit:
                    shown = "no valid" if declared is None else f"{declared / 1e6:.0f} MB of"
                    raise ImportFailure(
                        f"{path}: record after byte {offset} declares {shown} content "
                        f"(limit {record_limit / 1e6:.0f} MB); the rest of the file is not read"
                    )
                capture = _record_capture(record, settings)
                # Ask for the offset only after the body was read: warcio's offset
                # call moves past the record and leaves the body empty.
                offset = records.get_record_offset() + records.get_record_length()
                yield WarcEntry(offset, capture)
            # warcio reads a gzip file of other content as an empty archive.
            if start == 0 and read == 0 and stream.tell() > 0:
                raise ImportFailure(f"{path}: no WARC record in it (not a WARC file?)")
    except ArchiveLoadFailed as error:
        reason = _one_line(error)
        raise ImportFailure(f"{path}: malformed WARC after byte {offset}: {reason}") from error
    except (EOFError, OSError, ValueError, zlib.error) as error:
        reason = _one_line(error)
        raise ImportFailure(f"{path}: WARC breaks off after byte {offset}: {reason}") from error


def _declared_length(record: object) -> int | None:
    """The record's WARC Content-Length, or None when it is missing or not a number."""
    value = record.rec_headers.get_header("Content-Length")  # type: ignore[attr-defined]
    try:
        length = int(value)
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def _one_line(error: Exception) -> str:
    """The error as one short printable line (warcio quotes the damaged bytes)."""
    text = "".join(char if char.isprintable() else " " for char in str(error))
    return " ".join(text.split())[:MAX_REASON] or type(error).__name__


def _record_capture(record: object, settings: Settings) -> Capture | None:
    """The capture in an HTML 200 response record, or None for any other record."""
    rec_type = getattr(record, "rec_type", None)
    http_headers = getattr(record, "http_headers", None)
    if rec_type != "response" or http_headers is None:
        return None
    content_type = (http_headers.get_header("Content-Type") or "").lower()
    status = int(http_headers.get_statuscode() or 0)
    if not content_type.startswith(HTML_TYPES) or status != 200:
        return None
    body: bytes = record.content_stream().read(settings.max_page_bytes + 1)  # type: ignore[attr-defined]
    rec_headers = record.rec_headers  # type: ignore[attr-defined]
    url = rec_headers.get_header("WARC-Target-URI") or ""
    if len(body) > settings.max_page_bytes or not url.startswith("http"):
        return None
    return _capture(url, body, content_type, rec_headers.get_header("WARC-Date"))


def _capture(url: str, body: bytes, content_type: str, warc_date: str | None) -> Capture | None:
    charset = None
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip() or None
    try:
        extracted = extract_html_bounded(decode_html(body, charset), url)
    except ExtractionError:  # an empty or binary response: skip this record only
        return None
    if not extracted.text.strip():
        return None
    canonical = canonicalise(extracted.url or url)
    outlet = recognise_outlet(canonical, extracted.text, None, extracted.site)
    return Capture(
        url=canonical,
        extracted=extracted,
        origin="import:warc",
        captured_at=_parse_warc_date(warc_date),
        raw=body,
        content_type=content_type.split(";")[0],
        http_status=200,
        final_url=url,
        source_name=outlet.name,
        source_domain=outlet.domain,
    )


def _parse_warc_date(value: str | None) -> datetime:
    if value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)
