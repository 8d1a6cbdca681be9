"""What extraction gives and how it fails: the ``Extracted`` record and the error tree.

ExtractionError (NewstrailError, ValueError)   the input cannot be extracted
├── PageTooLarge                                over the size limit, refused before parsing
└── EmptyPage                                   nothing but whitespace
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.metadata import version

from newstrail.errors import NewstrailError

EXTRACTOR_NAME = "newstrail"
# Bump the first number whenever output for the same page could change.
EXTRACTOR_VERSION = f"2+trafilatura-{version('trafilatura')}"
DEFAULT_MAX_PAGE_BYTES = 20_000_000


class ExtractionError(NewstrailError, ValueError):
    """The input cannot be turned into an article."""


class PageTooLarge(ExtractionError):
    """The page is over the size limit; it was refused before parsing."""


class EmptyPage(ExtractionError):
    """The page or text is empty or only whitespace."""


@dataclass(frozen=True)
class Extracted:
    """One article's clean text and metadata."""

    title: str | None
    author: str | None
    date: str | None
    site: str | None
    text: str
    url: str | None
    language: str | None
    extractor: str

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready dict."""
        return asdict(self)
