"""Bulk import of web archives: many large WARC files, resumable and in parallel.

``import_warcs`` streams each WARC (Common Crawl CC-NEWS style, one gzip member
per record) and records its captures in transactions of ``batch_size``. Every
transaction also moves the file's row in ``import_checkpoints`` to the byte
after the last record it covers, so a process killed at any moment (kill -9
included) resumes at a record boundary without losing or repeating a capture.
A file whose size or mtime changed since its checkpoint starts again from 0.

Files are spread over ``jobs`` worker processes; each process extracts and
writes its own transactions (SQLite queues the writers through BEGIN IMMEDIATE
and busy_timeout, PostgreSQL runs them side by side). Filters keep captures by
language and by date before anything is written.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date
from os import stat_result
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy.engine import Connection

from newstrail.errors import ImportFailure, InvalidInput
from newstrail.jobs.warc import read_warc
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.versions.recording import Capture, Recorded, record_capture

WARC_SUFFIXES = (".warc", ".warc.gz")
BATCH_SIZE = 100
# A file whose records are all filtered out still moves its checkpoint now and
# then, so a resumed run does not re-read a long stretch of rejected records.
CHECKPOINT_EVERY_RECORDS = 1000
WRITE_ATTEMPTS = 3

BulkProgress = Callable[[str, int, int], None]
"""Called with (file, bytes read so far, file size) as a file is read."""

# A few of the most frequent function words per language. A page that declares
# no language is rare in CC-NEWS; for those, counting these words separates the
# major European languages on a paragraph of news text, which is all the filter
# needs. py3langid (97 languages) would add a dependency and a model file for
# the few pages that lack a declared language; not worth it here.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["the", "and", "of", "to", "in", "is", "that", "was", "for", "with", "on", "said", "by"]
    ),
    "fr": frozenset(
        ["le", "la", "les", "des", "et", "est", "une", "dans", "pour", "que", "qui", "du", "sur"]
    ),
    "de": frozenset(
        ["der", "die", "das", "und", "ist", "nicht", "mit", "den", "von", "zu", "sich", "auf"]
    ),
    "es": frozenset(
        ["el", "los", "las", "y", "que", "del", "una", "por", "con", "para", "es", "se"]
    ),
    "it": frozenset(
        ["il", "di", "che", "della", "per", "non", "sono", "una", "gli", "nel", "con", "anche"]
    ),
    "pt": frozenset(
        ["os", "das", "não", "uma", "com", "para", "que", "por", "mais", "dos", "foi", "ao"]
    ),
    "nl": frozenset(
        ["de", "het", "een", "van", "en", "dat", "niet", "zijn", "op", "te", "voor", "met"]
    ),
}
WORD = re.compile(r"[^\W\d_]+")
GUESS_WORDS = 400  # words looked at per page: the guess settles well before
GUESS_MIN_HITS = 5  # fewer function words than this: too short to guess


@dataclass(frozen=True)
class Filters:
    """Which captures to keep: by language (empty: all) and by date (inclusive)."""

    languages: frozenset[str] = frozenset()
    since: date | None = None
    until: date | None = None


@dataclass
class BulkReport:
    """What a bulk import did, with one line per file that failed."""

    files: int = 0
    files_finished_before: int = 0  # skipped: their checkpoint says done
    files_resumed: int = 0  # started past byte 0 from a checkpoint
    records_read: int = 0
    bytes_read: int = 0
    captures: int = 0  # HTML captures that passed the filters and were stored
    skipped_language: int = 0
    skipped_date: int = 0
    new_articles: int = 0
    new_versions: int = 0
    unchanged: int = 0  # unchanged, trivial and flip-flop captures
    most_held: int = 0  # largest number of captures held in memory at once
    failures: list[str] = field(default_factory=list)

    def count(self, recorded: Recorded) -> None:
        """Count one stored capture."""
        self.captures += 1
        if recorded.new_article:
            self.new_articles += 1
        elif recorded.outcome == "new":
            self.new_versions += 1
        else:
            self.unchanged += 1

    def merge(self, other: BulkReport) -> None:
        """Add another file's report to this one."""
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if item.name == "most_held":
                self.most_held = max(mine, theirs)
            elif isinstance(mine, list):
                mine.extend(theirs)
            else:
                setattr(self, item.name, mine + theirs)


def import_warcs(
    store: Store,
    paths: list[Path],
    settings: Settings,
    *,
    jobs: int = 1,
    languages: frozenset[str] | set[str] | tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    progress: BulkProgress | None = None,
    batch_size: int = BATCH_SIZE,
) -> BulkReport:
    """Import WARC files into ``store``, resuming each from its checkpoint.

    Args:
        store: the store to write to (a file or PostgreSQL store for ``jobs`` > 1;
            an in-memory store is always imported in this process).
        paths: ``.warc``/``.warc.gz`` files or folders holding them.
        settings: limits such as ``max_page_bytes``.
        jobs: worker processes; each takes whole files.
        languages: keep only captures in these languages ("en"); empty keeps all.
        since: keep captures published (else archived) on or after this day.
        until: keep captures published (else archived) on or before this day.
        progress: called as bytes of each file are read (see ``progress_bar``).
        batch_size: captures per transaction (one checkpoint update each).

    Returns:
        Counts of what was read, filtered and stored, and one line per failed file.
    """
    if jobs < 1 or batch_size < 1:
        raise InvalidInput("jobs and batch_size must be at least 1")
    filters = Filters(frozenset(lang.lower() for lang in languages), since, until)
    report = BulkReport()
    # One entry per file, however it was named: two workers on one file would
    # both write its captures.
    files = list({path.resolve(): path for path in _warc_files(paths, report)}.values())
    if jobs == 1 or len(files) < 2 or store.url == "sqlite://":
        for path in files:
            try:
                report.merge(_import_one(store, path, settings, filters, batch_size, progress))
            except Exception as error:  # one failed file must not stop the rest
                report.merge(_failed(path, error))
        return report
    # spawn, not fork: a forked child would inherit the parent's pooled database
    # connections, which SQLAlchemy and libpq cannot share across processes.
    context = multiprocessing.get_context("spawn")
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(min(jobs, len(files)), mp_context=context) as pool,
    ):
        updates: queue.Queue[tuple[str, int, int]] = manager.Queue()
        futures: dict[Future[BulkReport], Path] = {
            pool.submit(
                _import_in_worker, store.url, path, settings, filters, batch_size, updates
            ): path
            for path in files
        }
        pending = set(futures)
        while pending:
            try:
                update = updates.get(timeout=0.1)
            except queue.Empty:
                pending = {future for future in pending if not future.done()}
                continue
            if progress:
                progress(*update)
        while progress and not updates.empty():  # the last updates of the last files
            progress(*updates.get_nowait())
        for future, path in futures.items():
            try:
                report.merge(future.result())
            except Exception as error:  # one failed file must not stop the rest
                report.merge(_failed(path, error))
    return report


def _failed(path: Path, error: Exception) -> BulkReport:
    """The report of a file whose import broke off on an unexpected error (e.g. the store)."""
    return BulkReport(files=1, failures=[f"{path}: {type(error).__name__}: {error}"])


@contextmanager
def progress_bar(console: Console | None = None) -> Iterator[BulkProgress]:
    """A rich progress bar per file (bytes read of its size), as a ``progress`` callback."""
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def update(path: str, done: int, total: int) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(Path(path).name, total=total)
            bar.update(tasks[path], completed=done)

        yield update


def guess_language(text: str) -> str | None:
    """The language whose function words are most frequent in ``text`` (None if unsure)."""
    hits = dict.fromkeys(FUNCTION_WORDS, 0)
    for number, match in enumerate(WORD.finditer(text)):
        if number >= GUESS_WORDS:
            break
        word = match.group().lower()
        for language, words in FUNCTION_WORDS.items():
            if word in words:
                hits[language] += 1
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, second_hits) = ranked[0], ranked[1]
    # Neighbouring languages share words ("de" in nl/es/pt/fr): demand a clear lead.
    if best_hits < GUESS_MIN_HITS or best_hits < 1.5 * second_hits:
        return None
    return best


def capture_language(capture: Capture) -> str | None:
    """The page's declared language, else a guess from its text."""
    return capture.extracted.language or guess_language(capture.extracted.text)


def capture_date(capture: Capture) -> date:
    """The publication date the page states, else the day it was archived."""
    stated = capture.extracted.date
    if stated:
        try:
            return date.fromisoformat(stated[:10])
        except ValueError:
            pass
    return capture.captured_at.date()


def _keeps(filters: Filters, capture: Capture, report: BulkReport) -> bool:
    if filters.languages and capture_language(capture) not in filters.languages:
        report.skipped_language += 1
        return False
    if filters.since or filters.until:
        day = capture_date(capture)
        if (filters.since and day < filters.since) or (filters.until and day > filters.until):
            report.skipped_date += 1
            return False
    return True


def _warc_files(paths: list[Path], report: BulkReport) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES)
            )
        elif path.exists():
            yield path  # a FIFO or device is refused when opened (inputs.open_regular)
        else:
            report.files += 1
            report.failures.append(f"{path}: no such file")


def _import_in_worker(
    url: str,
    path: Path,
    settings: Settings,
    filters: Filters,
    batch_size: int,
    updates: queue.Queue[tuple[str, int, int]],
) -> BulkReport:
    """One file in a worker process, with the worker's own connection to the store."""

    def report_progress(name: str, done: int, total: int) -> None:
        updates.put((name, done, total))

    with Store(url, migrate=False) as store:
        return _import_one(store, path, settings, filters, batch_size, report_progress)


def _import_one(
    store: Store,
    path: Path,
    settings: Settings,
    filters: Filters,
    batch_size: int,
    progress: BulkProgress | None,
) -> BulkReport:
    """Import one WARC file from its checkpoint; failures become a report line."""
    report = BulkReport(files=1)
    key = str(path.resolve())
    try:
        stat = path.stat()
    except OSError as error:
        report.failures.append(f"{path}: {error.strerror or error}")
        return report
    start = _resume_offset(store, key, stat)
    if start is None:
        report.files_finished_before = 1
        return report
    report.files_resumed = int(start > 0)
    batch: list[Capture] = []
    offset = start
    unsaved_records = 0
    try:
        for entry in read_warc(path, settings, start):
            report.records_read += 1
            unsaved_records += 1
            report.bytes_read += entry.end_offset - offset
            offset = entry.end_offset
            if entry.capture is not None and _keeps(filters, entry.capture, report):
                batch.append(entry.capture)
                report.most_held = max(report.most_held, len(batch))
            if len(batch) >= batch_size or unsaved_records >= CHECKPOINT_EVERY_RECORDS:
                _write_batch(store, key, stat, batch, offset, False, report)
                batch.clear()
                unsaved_records = 0
            if progress:
                progress(key, offset, stat.st_size)
    except ImportFailure as failure:
        # Keep everything read before the damage; the checkpoint stays before it.
        _write_batch(store, key, stat, batch, offset, False, report)
        report.failures.append(str(failure))
        return report
    # A clean end read the whole file, including the blank lines after the last
    # record of an uncompressed WARC that warcio leaves out of its length.
    report.bytes_read += stat.st_size - offset
    _write_batch(store, key, stat, batch, stat.st_size, True, report)
    if progress:
        progress(key, stat.st_size, stat.st_size)
    return report


def _resume_offset(store: Store, key: str, stat: stat_result) -> int | None:
    """Where to start reading ``key``: its checkpoint, 0 if it changed, None if done."""
    table = schema.import_checkpoints
    with store.read() as connection:
        row = connection.execute(sa.select(table).where(table.c.path == key)).first()
    if row is None or row.size != stat.st_size or row.mtime != stat.st_mtime:
        return 0
    return None if row.done else int(row.offset)


def _write_batch(
    store: Store,
    key: str,
    stat: stat_result,
    batch: list[Capture],
    offset: int,
    done: bool,
    report: BulkReport,
) -> None:
    """Record ``batch`` and move the checkpoint to ``offset``, in one transaction."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with store.write() as connection:
                recorded = [record_capture(store, capture, connection) for capture in batch]
                _save_checkpoint(connection, key, stat, offset, done)
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            # Two PostgreSQL workers may create the same new article at once (the
            # URL's unique key rejects one) or deadlock; the whole batch rolled
            # back, so writing it again is safe.
            if attempt == WRITE_ATTEMPTS:
                raise
            continue
        for item in recorded:
            report.count(item)
        return


def _save_checkpoint(
    connection: Connection, key: str, stat: stat_result, offset: int, done: bool
) -> None:
    table = schema.import_checkpoints
    values = {
        "size": stat.st_size,
        "mtime": stat.st_mtime,
        "offset": offset,
        "done": done,
        "updated_at": utcnow(),
    }
    updated = connection.execute(table.update().where(table.c.path == key).values(**values))
    if updated.rowcount == 0:
        connection.execute(table.insert().values(path=key, **values))
