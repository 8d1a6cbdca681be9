"""Extract files from disk, many at once: what ``newstrail extract`` runs.

Each file is read with a size limit (gzip inflated with a bound, so a bomb
cannot exhaust memory) and only if it is a regular file (a named pipe would
block for ever, ``/dev/zero`` behind a symlink would never end), dispatched
on its name (``.txt``/``.text`` as plain text, everything else as HTML) and
extracted in a worker process; a failure becomes an ``error`` entry for that
file and the batch carries on.
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import BinaryIO

from newstrail.extract.article import extract_html
from newstrail.extract.plaintext import extract_text
from newstrail.extract.records import DEFAULT_MAX_PAGE_BYTES, ExtractionError, PageTooLarge
from newstrail.text.encoding import decode_text_file

_PAGES_PER_PROCESS = 4


def extract_files(
    paths: Sequence[Path],
    url: str | None = None,
    jobs: int = 2,
    max_bytes: int = DEFAULT_MAX_PAGE_BYTES,
) -> Iterator[dict[str, object]]:
    """Extract each page (``.html``, ``.htm``, ``.txt``, optionally ``.gz``), in input order.

    Args:
        paths: the files to read.
        url: the URL the pages came from, if known (one page, usually).
        jobs: processes to use when there are several pages; 1 runs in this process.
        max_bytes: size limit per page, compressed and decompressed.

    Returns:
        One dict per page: ``path`` plus the ``Extracted`` fields, or ``path``
        and ``error`` (a one-line reason) when the page failed.
    """
    tasks = [(path, url, max_bytes) for path in paths]
    if jobs > 1 and len(tasks) >= _PAGES_PER_PROCESS:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            yield from pool.map(_extract_file_task, tasks, chunksize=_PAGES_PER_PROCESS)
    else:
        yield from map(_extract_file_task, tasks)


def _extract_file_task(task: tuple[Path, str | None, int]) -> dict[str, object]:
    """Extract one file; failures become an ``error`` entry instead of an exception."""
    path, url, max_bytes = task
    try:
        data = _read_page(path, max_bytes)
        name = path.name.lower().removesuffix(".gz")
        if name.endswith((".txt", ".text")):
            extracted = extract_text(decode_text_file(data))
        else:
            extracted = extract_html(data, url, max_bytes)
    except Exception as error:  # a batch records the failure and carries on (STYLE.md)
        reason = " ".join(str(error).split()) or type(error).__name__
        return {"path": str(path), "error": reason}
    return {"path": str(path), **extracted.to_dict()}


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, if it is a regular file (a symlink's target must be one).

    Opened without blocking and checked with ``fstat`` on the open descriptor,
    so a FIFO, a device or a symlink to one is refused before any read (and a
    file swapped after a check cannot slip through). ``jobs/inputs.py`` reads
    imports through it too.

    Raises:
        ExtractionError: not a regular file (says what it is).
        OSError: the path cannot be opened.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise ExtractionError(f"not a regular file ({_kind(mode)}), not read")
    # O_NONBLOCK has no effect on a regular file's reads; clear it all the same.
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def _read_page(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, gunzipped if named ``.gz``, refusing more than ``max_bytes``."""
    with open_regular(path) as file:
        data = file.read(max_bytes + 1)  # bounded even if the file grows meanwhile
    if len(data) > max_bytes:
        raise PageTooLarge(f"too large (> {max_bytes} bytes)")
    if path.name.lower().endswith(".gz"):
        try:
            # Bounded inflation, so a gzip bomb cannot exhaust memory.
            data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, max_bytes + 1)
        except zlib.error as error:
            raise ExtractionError(f"corrupt gzip ({error})") from error
        if len(data) > max_bytes:
            raise PageTooLarge(f"too large once decompressed (> {max_bytes} bytes)")
    return data
