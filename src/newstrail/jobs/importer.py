"""Import articles from files: HTML, text, JSON Lines, WARC, NewsSniffer pages.

``import_paths`` walks files and folders, turns each input into captures and
records them as versions (see ``versions/recording.py``). Every input that fails gets one
line in the report naming the file and the reason; the rest goes on. Each
capture is written in its own transaction, so an interrupted import leaves only
whole captures behind, and re-importing the same content stores nothing new.

A folder may carry a ``manifest.json`` that gives, per file name, metadata the
files themselves lack: ``{"files": {"a.txt": {"outlet": "WION", "url": "…", "published": "…"}}}``
(``source`` and ``date``, the former names of ``outlet`` and ``published``, are read too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from newstrail.errors import ImportFailure
from newstrail.extract.boilerplate import clean_text
from newstrail.extract.language import text_language
from newstrail.extract.newssniffer import is_newssniffer_page, parse_newssniffer
from newstrail.extract.outlets import NEWSSNIFFER_SOURCES, recognise_outlet
from newstrail.extract.plaintext import extract_text
from newstrail.extract.records import EXTRACTOR_NAME, EXTRACTOR_VERSION, Extracted
from newstrail.jobs.inputs import MAX_LINE_SLACK, LimitedGzipLines, is_regular, read_limited
from newstrail.jobs.limits import bound_capture, bound_text, extract_html_bounded
from newstrail.jobs.quarantine import note, record_failure
from newstrail.settings import Settings
from newstrail.store.database import Store, utcnow
from newstrail.text.counts import counted
from newstrail.text.encoding import decode_html, decode_text_file
from newstrail.versions.recording import Capture, Recorded, record_capture

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 10_000_000

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    """What an import did, and one line per input that failed."""

    inputs: int = 0
    captures: int = 0
    new_articles: int = 0
    new_versions: int = 0
    trivial_versions: int = 0
    flipflops: int = 0
    unchanged: int = 0
    failures: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """False only when inputs were given and nothing at all could be imported."""
        return self.captures > 0 or not self.failures

    def count(self, recorded: Recorded) -> None:
        self.captures += 1
        if recorded.article_id not in self.article_ids:
            self.article_ids.append(recorded.article_id)
        if recorded.new_article:
            self.new_articles += 1
        elif recorded.outcome == "new":
            self.new_versions += 1
        elif recorded.outcome == "trivial":
            self.trivial_versions += 1
        elif recorded.outcome == "flipflop":
            self.flipflops += 1
        else:
            self.unchanged += 1


def import_paths(
    store: Store,
    paths: list[Path],
    settings: Settings,
    progress: Progress | None = None,
    after_record: Callable[[Recorded], None] | None = None,
    skip_suffixes: tuple[str, ...] = (),
) -> ImportReport:
    """Import every file under ``paths`` into ``store``.

    Args:
        store: the store to write to.
        paths: files or folders (folders are walked in name order).
        settings: limits such as ``max_page_bytes``.
        progress: called with each input's name as it starts.
        after_record: called after each capture is stored (e.g. to place new
            articles into stories).
        skip_suffixes: file endings left to another importer (the bulk WARC one).

    Returns:
        Counts of what was stored and one line per failed input.
    """
    report = ImportReport()
    for path, hints in _walk(paths, report):
        if skip_suffixes and path.name.lower().endswith(skip_suffixes):
            continue
        report.inputs += 1
        if progress:
            progress(str(path))
        try:
            for capture in captures_from_file(path, hints, settings):
                capture = bound_capture(capture, settings)
                recorded = record_capture(store, capture)
                if capture.truncated:
                    note_truncation(store, recorded.article_id, "record", capture.truncated)
                report.count(recorded)
                if after_record:
                    after_record(recorded)
        except ImportFailure as failure:
            report.failures.append(str(failure))
        except OSError as error:
            report.failures.append(f"{path}: {error.strerror or error}")
        except Exception as error:  # a file that breaks a stage must not stop the batch
            reason = f"{path}: {type(error).__name__}: {error}"
            report.failures.append(reason)
            record_failure(store, "file", path.resolve(), "import", reason)
    return report


def note_truncation(store: Store, article_id: int, stage: str, reason: str) -> None:
    """Record that an article's text was cut to the limits before ``stage``."""
    with store.write() as connection:
        note(connection, "article", article_id, stage, "truncated", reason, article_id=article_id)


def _walk(paths: list[Path], report: ImportReport) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Files to import, each with the metadata its folder's manifest gives it.

    A ``manifest.json`` named among the paths (``import folder/*``) is no file
    to import: it is read for its folder's files, once per folder.
    """
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
    for path in paths:
        if path.is_dir():
            manifest = _read_manifest(path, report)
            for child in sorted(p for p in path.rglob("*") if not p.is_dir()):
                if child.name == MANIFEST or any(part.startswith(".") for part in child.parts):
                    continue
                # FIFOs, devices and symlinks to them are yielded too: reading
                # refuses them with one line (inputs.open_regular), so the user
                # learns why a file in the folder was not imported.
                yield child, manifest.get(str(child.relative_to(path)), {})
        elif path.exists():
            if path.parent not in manifests:
                manifests[path.parent] = _read_manifest(path.parent, report)
            if path.name != MANIFEST:
                yield path, manifests[path.parent].get(path.name, {})
        else:
            report.failures.append(f"{path}: no such file or directory")


def _read_manifest(folder: Path, report: ImportReport) -> dict[str, dict[str, Any]]:
    manifest = folder / MANIFEST
    if not is_regular(manifest):
        return {}
    try:
        files = json.loads(read_limited(manifest, MAX_MANIFEST_BYTES).decode("utf-8"))["files"]
        if not isinstance(files, dict):
            raise TypeError
        return files
    except (OSError, ValueError, KeyError, TypeError, ImportFailure):
        report.failures.append(f'{manifest}: ignored, not a manifest ({{"files": {{…}}}})')
        return {}


def _outlet(hints: dict[str, Any]) -> str | None:
    """The outlet a manifest names: ``outlet``, or ``source`` (its former name)."""
    named = hints.get("outlet") or hints.get("source")
    return str(named) if named else None


def _published(hints: dict[str, Any]) -> str | None:
    """The publication date a manifest gives: ``published``, or ``date`` (its former name)."""
    given = hints.get("published") or hints.get("date")
    return str(given) if given else None


def captures_from_file(path: Path, hints: dict[str, Any], settings: Settings) -> Iterator[Capture]:
    """The captures one file holds; raises ImportFailure naming the file and the reason."""
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        from newstrail.jobs.warc import captures_from_warc

        yield from captures_from_warc(path, settings)
        return
    if name.endswith(JSONL_SUFFIXES):
        yield from _captures_from_jsonl(path, settings)
        return
    if not name.endswith(HTML_SUFFIXES + TEXT_SUFFIXES):
        raise ImportFailure(
            f"{path}: unsupported file type (expected .html, .txt, .jsonl or .warc)"
        )
    data = read_limited(path, settings.max_page_bytes)
    if b"\x00" in data[:8192]:
        raise ImportFailure(f"{path}: binary file, not HTML or text")
    if not data.strip():
        raise ImportFailure(f"{path}: empty file")
    if name.endswith(HTML_SUFFIXES):
        yield _capture_from_html(path, data, hints)
    else:
        yield from _captures_from_text(path, data, hints)


def _capture_from_html(path: Path, data: bytes, hints: dict[str, Any]) -> Capture:
    html = decode_html(data)
    extracted = extract_html_bounded(html, hints.get("url"))
    if not extracted.text.strip():
        raise ImportFailure(f"{path}: no article text found in the page")
    url = hints.get("url") or extracted.url or _text_urn(extracted.text)
    outlet = recognise_outlet(
        url if "://" in url else None, extracted.text, _outlet(hints), extracted.site
    )
    return Capture(
        url=url,
        extracted=_with_date(extracted, _published(hints)),
        origin="import:html",
        captured_at=_captured_at(hints),
        raw=data,
        content_type="text/html",
        source_name=outlet.name,
        source_domain=outlet.domain,
    )


def _captures_from_text(path: Path, data: bytes, hints: dict[str, Any]) -> Iterator[Capture]:
    text = decode_text_file(data)
    if is_newssniffer_page(text):
        yield from _captures_from_newssniffer(path, text, data, hints)
        return
    extracted = extract_text(text)
    if not extracted.text.strip():
        raise ImportFailure(f"{path}: no article text after cleaning")
    url = hints.get("url") or _text_urn(extracted.text)
    outlet = recognise_outlet(hints.get("url"), text, _outlet(hints))
    yield Capture(
        url=url,
        extracted=_with_date(extracted, _published(hints)),
        origin="import:text",
        captured_at=_captured_at(hints),
        raw=data,
        content_type="text/plain",
        source_name=outlet.name,
        source_domain=outlet.domain,
    )


def _captures_from_newssniffer(
    path: Path, text: str, data: bytes, hints: dict[str, Any]
) -> Iterator[Capture]:
    """The two versions a NewsSniffer page shows, as two captures of one article."""
    page = parse_newssniffer(text)
    url = hints.get("url") or page.url or _text_urn(text)
    declared = _outlet(hints)
    if not declared and not page.url and page.source:
        declared = NEWSSNIFFER_SOURCES.get(page.source, page.source)
    outlet = recognise_outlet(url if "://" in url else None, text, declared)
    # NewsSniffer gives how much later the second version was seen, not when
    # either was. Given a capture time, that is the first version's; without
    # one, the second version is dated at import and the first that much
    # earlier (dating the first at import put the second in the future).
    delay = page.delay or timedelta(seconds=1)
    if hints.get("captured_at"):
        first_seen = _captured_at(hints)
        later = first_seen + delay
    else:
        later = utcnow()
        first_seen = later - delay
    for title, paragraphs, seen in zip(
        page.titles, page.paragraphs, (first_seen, later), strict=True
    ):
        body = clean_text("\n\n".join(paragraphs))
        extracted = Extracted(
            title=title,
            author=None,
            date=_published(hints),
            site=None,
            text=body,
            url=page.url,
            language=text_language(title, body),
            extractor=f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
        )
        yield Capture(
            url=url,
            extracted=extracted,
            origin="newssniffer",
            captured_at=seen,
            raw=data,
            raw_is_one_version=False,
            content_type="text/plain",
            source_name=outlet.name,
            source_domain=outlet.domain,
        )


class JsonlRecord(BaseModel):
    """One JSON Lines article: the fields read, their types and their longest lengths.

    Strict types: ``"html": 42`` or a list as ``title`` is refused with the
    field named, not coerced or left to fail deeper in with a traceback. Other
    fields (an ``id``, a crawler's metadata) are ignored.
    """

    model_config = ConfigDict(strict=True, extra="ignore")

    url: str | None = Field(default=None, max_length=8192)
    title: str | None = Field(default=None, max_length=2000)
    text: str | None = None
    html: str | None = None
    # ``published``, ``outlet`` and ``language`` as everywhere else; ``date``,
    # ``source`` and ``lang``, their former names, are read too (files people
    # already have). The raw capture keeps the former names, so re-importing
    # such a file stores nothing new.
    published: str | None = Field(
        default=None,
        max_length=64,
        validation_alias=AliasChoices("published", "date"),
        serialization_alias="date",
    )
    outlet: str | None = Field(
        default=None,
        max_length=200,
        validation_alias=AliasChoices("outlet", "source"),
        serialization_alias="source",
    )
    author: str | None = Field(default=None, max_length=1000)
    language: str | None = Field(
        default=None,
        max_length=35,
        validation_alias=AliasChoices("language", "lang"),
        serialization_alias="lang",
    )
    captured_at: str | None = Field(default=None, max_length=64)


def _schema_problem(error: ValidationError) -> str:
    """The first problem of a record, naming its field: "field 'html': Input should be …"."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "record"
    extra = error.error_count() - 1
    more = f" (+{counted(extra, 'more problem')})" if extra else ""
    return f"field {field!r}: {first.get('msg')}{more}"


def _captures_from_jsonl(path: Path, settings: Settings) -> Iterator[Capture]:
    """One capture per line: ``url``, ``title``, ``text``, ``published``, ``outlet``, ``html``.

    Each line is checked against ``JsonlRecord``; a bad line is counted and
    named (file, line, field) in one ImportFailure at the end, after the good
    lines were imported. A line is read at most ``max_page_bytes`` long and the
    file at most 100 × that decompressed, so neither a huge line nor a gzip
    bomb is held in memory.
    """
    bad_lines: list[str] = []
    good = 0
    limit = settings.max_page_bytes
    lines = LimitedGzipLines(path, line_limit=limit + MAX_LINE_SLACK, total_limit=100 * limit)
    try:
        for number, line in lines:
            if line is None:
                bad_lines.append(f"line {number}: longer than {limit / 1e6:.0f} MB, skipped")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8", errors="replace"))
                if not isinstance(record, dict):
                    raise ImportFailure(f"a JSON {type(record).__name__}, not an object")
                capture = _capture_from_record(JsonlRecord.model_validate(record), settings)
            except ValidationError as error:
                bad_lines.append(f"line {number}: {_schema_problem(error)}")
                continue
            except (ValueError, ImportFailure) as error:
                bad_lines.append(f"line {number}: {error}")
                continue
            good += 1
            yield capture
    except ImportFailure as failure:  # the file itself broke off: say so, with the counts
        bad_lines.insert(0, str(failure).removeprefix(f"{path}: "))
    if bad_lines:
        more = f" (+{counted(len(bad_lines) - 1, 'more bad line')})" if len(bad_lines) > 1 else ""
        raise ImportFailure(f"{path}: {bad_lines[0]}{more}; {good} lines imported")


def _capture_from_record(record: JsonlRecord, settings: Settings) -> Capture:
    html = record.html
    url = record.url or None
    if html:
        raw = html.encode("utf-8")
        if len(raw) > settings.max_page_bytes:
            raise ImportFailure("field 'html': too large")
        extracted = extract_html_bounded(html, url)
        if record.title:
            extracted = replace(extracted, title=record.title)
        origin, content_type = "import:jsonl", "text/html"
    else:
        text = record.text
        if text is None or not text.strip():
            raise ImportFailure("no text (neither 'text' nor 'html' is given)")
        raw = json.dumps(
            record.model_dump(exclude_none=True, by_alias=True), sort_keys=True, ensure_ascii=False
        ).encode("utf-8")
        # Cut before cleaning too (cleaning a megabyte is work as well); the
        # reason then gives the length as given, and bound_capture cuts exactly.
        precut = bound_text(text, 2 * settings.max_text_chars, 2 * settings.max_paragraphs)
        if len(raw) > settings.max_page_bytes:
            raise ImportFailure("field 'text': too large")
        cleaned = clean_text(precut.value)
        extracted = Extracted(
            title=record.title or None,
            author=record.author or None,
            date=None,
            site=None,
            text=cleaned,
            url=url,
            language=record.language or text_language(record.title, cleaned),
            extractor=f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
        )
        origin, content_type = "import:jsonl", "application/json"
    extracted = _with_date(extracted, record.published)
    outlet = recognise_outlet(url, extracted.text, record.outlet, extracted.site)
    return Capture(
        truncated=None if html or precut.reason is None else _cut_reason(text, settings),
        url=url or _text_urn(extracted.text),
        extracted=extracted,
        origin=origin,
        captured_at=_captured_at({"captured_at": record.captured_at}),
        raw=raw,
        content_type=content_type,
        source_name=outlet.name,
        source_domain=outlet.domain,
    )


def _cut_reason(text: str | None, settings: Settings) -> str:
    """Why a record's text was cut, measured on the text as given."""
    text = text or ""
    return (
        f"text truncated ({len(text):,} characters, {text.count(chr(10)) + 1:,} lines; "
        f"limits {settings.max_text_chars:,} characters, {settings.max_paragraphs:,} paragraphs)"
    )


def _text_urn(text: str) -> str:
    """An identity for text with no URL: the same text is the same article."""
    return "urn:newstrail:text:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _captured_at(hints: dict[str, Any]) -> datetime:
    value = hints.get("captured_at")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return utcnow()


def _with_date(extracted: Extracted, date: object) -> Extracted:
    """Prefer a date given as metadata (YYYY-MM-DD prefix) over the extracted one."""
    if isinstance(date, str) and len(date) >= 10 and date[4] == "-" and date[7] == "-":
        return replace(extracted, date=date[:10])
    return extracted
