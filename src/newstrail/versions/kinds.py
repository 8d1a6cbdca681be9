"""The kinds a stored version can be, and which of them readers see.

Kept apart from ``recording`` (which needs the extractor) so that read models
and the command line can name the kinds without importing trafilatura.
"""

from __future__ import annotations

# Versions readers see; the others are stored and shown only in an article's history.
VISIBLE_KINDS = ("new", "flipflop")
# Captures held back: never the text a later capture is compared with.
HELD_KINDS = ("suspect", "teaser")
