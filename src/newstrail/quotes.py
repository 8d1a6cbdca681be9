"""Public entry point for quote extraction and grouping (implemented in ``newstrail.quoting``)."""

from __future__ import annotations

from newstrail.quoting import (
    Quote,
    QuoteGroup,
    QuoteOccurrence,
    extract_quotes,
    group_quotes,
    quotes_for_files,
)

__all__ = [
    "Quote",
    "QuoteGroup",
    "QuoteOccurrence",
    "extract_quotes",
    "group_quotes",
    "quotes_for_files",
]
