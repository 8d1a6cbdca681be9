"""Read and write WARC files (warcio): captures in, captures out.

Each ``response`` record with an HTML body is one capture of its target URI,
dated by ``WARC-Date``; several captures of one URL become versions in the
order the archive holds them. Records are streamed, so memory stays constant
whatever the file size.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newstrail.encoding import decode_html
from newstrail.errors import ImportFailure
from newstrail.extract import ExtractionError, extract_html
from newstrail.outlets import recognise_outlet
from newstrail.settings import Settings
from newstrail.urls import canonicalise
from newstrail.versions import Capture

HTML_TYPES = ("text/html", "application/xhtml+xml")


def captures_from_warc(path: Path, settings: Settings) -> Iterator[Capture]:
    """Stream the HTML response records of a WARC file as captures.

    Raises:
        ImportFailure: the file is not a WARC or breaks off; captures already
            yielded stay valid.
    """
    skipped = found = 0
    offset = 0
    try:
        with path.open("rb") as stream:
            records = ArchiveIterator(stream)
            for record in records:
                if not record.rec_type or not record.rec_headers.get_header("WARC-Type"):
                    raise ArchiveLoadFailed("record without a WARC-Type")
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = (record.http_headers.get_header("Content-Type") or "").lower()
                status = int(record.http_headers.get_statuscode() or 0)
                if not content_type.startswith(HTML_TYPES) or status != 200:
                    continue
                # Read the body before asking for the offset: warcio's offset call
                # moves past the record and leaves the body empty.
                body = record.content_stream().read(settings.max_page_bytes + 1)
                offset = records.get_record_offset()
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                if len(body) > settings.max_page_bytes or not url.startswith("http"):
                    skipped += 1
                    continue
                capture = _capture(
                    url, body, content_type, record.rec_headers.get_header("WARC-Date")
                )
                if capture is None:
                    skipped += 1
                    continue
                found += 1
                yield capture
    except ArchiveLoadFailed as error:
        raise ImportFailure(f"{path}: malformed WARC at byte {offset}: {error}") from error
    except (EOFError, OSError, ValueError) as error:
        raise ImportFailure(f"{path}: WARC breaks off at byte {offset}: {error}") from error
    if found == 0:
        raise ImportFailure(f"{path}: no HTML article in the WARC ({skipped} responses skipped)")


def _capture(url: str, body: bytes, content_type: str, warc_date: str | None) -> Capture | None:
    charset = None
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip() or None
    try:
        extracted = extract_html(decode_html(body, charset), url)
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
