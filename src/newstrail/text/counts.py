"""Counts in words: "1 article", "3 articles", "0 stories"."""

from __future__ import annotations

# English nouns newstrail counts whose plural is not noun + "s".
IRREGULAR_PLURALS = {
    "story": "stories",
    "entry": "entries",
    "delivery": "deliveries",
    "query": "queries",
    "was": "were",
    "has": "have",
}


def plural(noun: str, count: int) -> str:
    """``noun`` as it reads after ``count`` (the last word is inflected: "new article")."""
    if count == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    inflected = IRREGULAR_PLURALS.get(last, last + "s")
    return f"{head} {inflected}" if head else inflected


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun`` in agreement: ``counted(1, "new article")`` is "1 new article"."""
    return f"{count} {plural(noun, count)}"
