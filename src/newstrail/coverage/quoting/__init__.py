"""Quotes: who said what in an article, and the same words across outlets.

Modules, in pipeline order: ``marks`` (quotation marks), ``cues`` (attribution
verbs in the parse, with ``frames`` for "according to" and speaker labels),
``speakers`` (canonical names, with ``genders`` for "he" and "she"),
``extraction`` (quotes per article), ``grouping`` (one quote across outlets),
``statements`` (which quotes a story shows) and ``roles`` (speakers across a
story's articles); ``records`` holds the dataclasses.
"""

from __future__ import annotations

from newstrail.coverage.quoting.extraction import extract_quotes, quotes_for_files
from newstrail.coverage.quoting.grouping import group_quotes
from newstrail.coverage.quoting.records import Quote, QuoteGroup, QuoteOccurrence

__all__ = [
    "Quote",
    "QuoteGroup",
    "QuoteOccurrence",
    "extract_quotes",
    "group_quotes",
    "quotes_for_files",
]
