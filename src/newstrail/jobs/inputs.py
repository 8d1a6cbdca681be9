"""Reading input files within bounds: regular files only, decompressed within a limit.

An import is given paths by a user, a cron job or a shared folder, so a path
may be anything: a FIFO no one writes to (``open`` blocks forever), a device
(``/dev/zero`` never ends), a symlink to either, or a gzip member that inflates
without end. Everything here opens the path with ``O_NONBLOCK`` and checks the
*opened* descriptor is a regular file (``fstat``), so swapping the path for a
FIFO between a check and the open cannot slip through; and reads at most a
limit of bytes, decompressed or not, raising ``ImportFailure`` past it.
"""

from __future__ import annotations

import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from newstrail.errors import ImportFailure
from newstrail.extract.files import open_regular as open_regular_file
from newstrail.extract.records import ExtractionError

CHUNK = 1 << 16
# Lines longer than this in a JSON Lines file are refused without being held
# whole: the longest line of the shared dev sets' JSON Lines is 0.4 MB, and a
# record's html is refused above max_page_bytes anyway.
MAX_LINE_SLACK = 1 << 20


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading; raises ImportFailure unless it is a regular file.

    A symlink is followed, and what it points to must be a regular file too
    (``extract.files.open_regular`` checks the opened descriptor).
    """
    try:
        return open_regular_file(path)
    except OSError as error:
        raise ImportFailure(f"{path}: {error.strerror or error}") from error
    except ExtractionError as error:
        raise ImportFailure(f"{path}: {error}") from error


def is_regular(path: Path) -> bool:
    """Whether ``path`` (following symlinks) is a regular file; never blocks."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes (gunzipped for .gz), refusing more than ``limit``.

    The file is read in chunks and decompressed in bounded steps, so neither a
    huge file nor a decompression bomb is ever held past ``limit`` + one chunk.
    """
    name = path.name.lower()
    with open_regular(path) as stream:
        if name.endswith(".gz"):
            chunks = _inflate(path, stream, limit)
        else:
            chunks = iter(lambda: stream.read(CHUNK), b"")
        data = bytearray()
        for chunk in chunks:
            data += chunk
            if len(data) > limit:
                shown = "once decompressed " if name.endswith(".gz") else ""
                raise ImportFailure(f"{path}: too large {shown}(> {limit / 1e6:.0f} MB limit)")
    return bytes(data)


def _inflate(path: Path, stream: BinaryIO, limit: int) -> Iterator[bytes]:
    """Gunzipped chunks of ``stream``, each step's output capped at ``limit`` + 1 bytes."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        for compressed in iter(lambda: stream.read(CHUNK), b""):
            # Output past limit + 1 stays in unconsumed_tail, never in memory:
            # the caller refuses the file as soon as it holds more than limit.
            yield inflater.decompress(compressed, limit + 1)
            if inflater.unconsumed_tail:
                return
    except zlib.error as error:
        raise ImportFailure(f"{path}: corrupt gzip ({error})") from error
    if not inflater.eof:
        raise ImportFailure(f"{path}: corrupt gzip (the file ends mid-way)")


class LimitedGzipLines:
    """The lines of a (maybe gzipped) text file, each at most ``line_limit`` bytes.

    A truncated or corrupt gzip stream ends the lines with an ``ImportFailure``
    naming the line it broke in; lines read before it stay valid.
    """

    def __init__(self, path: Path, line_limit: int, total_limit: int) -> None:
        self.path = path
        self.line_limit = line_limit
        self.total_limit = total_limit

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        """(line number, bytes) pairs; bytes is None for a line over the limit (skipped)."""
        import gzip

        raw = open_regular(self.path)
        stream: BinaryIO = (
            gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
            if self.path.name.lower().endswith(".gz")
            else raw
        )
        self._total = 0
        number = 0
        try:
            with raw, stream:
                reader = stream
                while True:
                    number += 1
                    try:
                        line = reader.readline(self.line_limit + 1)
                    except (EOFError, OSError, zlib.error) as error:
                        reason = "file ends mid-way" if isinstance(error, EOFError) else error
                        raise ImportFailure(
                            f"{self.path}: line {number}: corrupt or truncated gzip ({reason})"
                        ) from error
                    if not line:
                        return
                    self._count(len(line), number)
                    if len(line) > self.line_limit and not line.endswith(b"\n"):
                        self._skip_rest_of_line(reader, number)
                        yield number, None
                        continue
                    yield number, line
        finally:
            raw.close()

    def _skip_rest_of_line(self, reader: BinaryIO, number: int) -> None:
        """Read past the rest of an over-long line without holding it."""
        while True:
            try:
                piece = reader.readline(CHUNK)
            except (EOFError, OSError, zlib.error) as error:
                raise ImportFailure(
                    f"{self.path}: line {number}: corrupt or truncated gzip ({error})"
                ) from error
            self._count(len(piece), number)
            if not piece or piece.endswith(b"\n"):
                return

    def _count(self, size: int, number: int) -> None:
        """Add ``size`` bytes read; past ``total_limit`` the file is refused."""
        self._total += size
        if self._total > self.total_limit:
            raise ImportFailure(
                f"{self.path}: line {number}: file too large "
                f"(> {self.total_limit / 1e6:.0f} MB limit)"
            )
