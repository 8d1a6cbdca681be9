"""What extraction gives and how it fails: the ``Extracted`` record and the error tree.

ExtractionError (NewstrailError, ValueError)   the input cannot be extracted
├── PageTooLarge                                over the size limit, refused before parsing
└── EmptyPage                                   nothing but whitespace
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from importlib.metadata import version

from newstrail.errors import NewstrailError

EXTRACTOR_NAME = "newstrail"
# Bump the first number whenever output for the same page could change.
EXTRACTOR_VERSION = f"8+trafilatura-{version('trafilatura')}"
DEFAULT_MAX_PAGE_BYTES = 20_000_000


class ExtractionError(NewstrailError, ValueError):
    """The input cannot be turned into an article."""


class PageTooLarge(ExtractionError):
    """The page is over the size limit; it was refused before parsing."""


class EmptyPage(ExtractionError):
    """The page or text is empty or only whitespace."""


@dataclass(frozen=True)
class FeedEntry:
    """What a feed entry said about the article it lists; extraction weighs it as evidence."""

    title: str | None = None
    published: str | None = None  # ISO date or timestamp
    author: str | None = None

    def to_dict(self) -> dict[str, str]:
        """The non-empty fields, for storing with the article."""
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_dict(cls, data: object) -> FeedEntry | None:
        """A stored entry back (None for anything that is not a non-empty mapping)."""
        if not isinstance(data, dict):
            return None
        fields = {k: str(data[k]) for k in ("title", "published", "author") if data.get(k)}
        return cls(**fields) if fields else None


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
    # Which evidence gave each field ("date_source": "json-ld", ...), the date the
    # page says it was last modified, and whether it says it is free to read.
    evidence: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready dict."""
        return asdict(self)
