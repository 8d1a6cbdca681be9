"""The records quote extraction and grouping hand out: quotes, occurrences, groups."""

from __future__ import annotations

from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Quote:
    """One attributed statement in an article.

    ``quote``, ``speaker`` and ``verb`` are ``(start, end)`` character offsets
    (end exclusive) into the text as Python reads it with ``newline=''``.
    ``kind`` is ``"direct"`` (inside quotation marks), ``"indirect"``
    (reported speech) or ``"mixed"`` (reported speech carrying a partial
    quote). ``text`` is the quoted content without its quotation marks.
    """

    quote: Span
    speaker: Span | None
    speaker_name: str | None
    verb: Span | None
    kind: str
    text: str

    def to_json(self) -> dict[str, object]:
        """Return the JSON form used by ``newstrail quotes --json``.

        ``speaker`` is the name, as in story quotes, search hits and exports;
        the ``*_span`` fields are [start, end) character offsets.
        """
        return {
            "text": self.text,
            "speaker": self.speaker_name,
            "kind": self.kind,
            "quote_span": list(self.quote),
            "speaker_span": list(self.speaker) if self.speaker else None,
            "verb_span": list(self.verb) if self.verb else None,
        }


@dataclass(frozen=True)
class QuoteOccurrence:
    """A quote as one outlet's article carries it."""

    article_id: str
    source: str | None
    published: str | None
    quote: Quote


@dataclass
class QuoteGroup:
    """The same words of one speaker as several articles carry them.

    ``text`` is the canonical wording (the longest, first on ties),
    ``occurrences`` keep each outlet's own wording, ``paraphrases`` link
    reported-speech renderings of the same statement with a similarity in
    [0, 1], and ``first`` is the earliest occurrence.
    """

    speaker_name: str | None
    text: str
    occurrences: list[QuoteOccurrence]
    paraphrases: list[tuple[QuoteOccurrence, float]]
    first: QuoteOccurrence
