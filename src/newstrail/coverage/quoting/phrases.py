"""The cue record and the token-to-span helpers every cue finder shares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Token

from newstrail.coverage.quoting.records import Span


@dataclass(frozen=True)
class Cue:
    """One attribution found in a sentence.

    ``content`` is the reported clause from the parse (``None`` when the
    verb governs no clause and the content must come from quotation marks).
    ``source_head`` is the token that names the speaker, for name resolution;
    ``relayed`` is set when a medium quotes a person ("a statement quoted Xi").
    ``labelled`` marks a transcript turn or headline ("PENCE: …"); ``fallback``
    is a speech verb's object, the content when no clause or quotation is
    ("denied any involvement"). ``speech`` is false for stances, plans and report
    nouns ("backs Clinton"): their quotes lend no speaker to a following quotation.
    """

    verb: Span
    source: Span | None
    source_head: Token | None
    source_tokens: tuple[Token, ...]
    content: Span | None
    relayed: Token | None
    parenthetical: bool
    sentence: Span
    labelled: bool = False
    fallback: Span | None = None
    speech: bool = True


def absolute_span(tokens: Iterable[Token], base: int) -> Span | None:
    """The character span covering ``tokens`` in article offsets, edge punctuation trimmed."""
    ordered = sorted(tokens, key=lambda token: token.i)
    while ordered and (ordered[0].is_space or _edge_punct(ordered[0], "“‘\"'«„")):
        ordered.pop(0)
    while ordered and (ordered[-1].is_space or _edge_punct(ordered[-1], "”’\"'».?!")):
        ordered.pop()
    if not ordered:
        return None
    start = base + ordered[0].idx
    last = ordered[-1]
    end = base + last.idx + len(last.text.rstrip())
    return (start, end)


def _edge_punct(token: Token, kept: str) -> bool:
    """Punctuation to trim from a span edge; quotation marks and end stops are kept."""
    return (token.is_punct or token.text in "•·") and token.text not in kept


def source_phrase(subject: Token, content: list[Token]) -> list[Token]:
    """The subject's phrase, without any part that belongs to the content."""
    inside = {token.i for token in content}
    if subject.lower_ in ("who", "which", "that"):
        return [subject]
    return [token for token in subject.subtree if token.i not in inside]
