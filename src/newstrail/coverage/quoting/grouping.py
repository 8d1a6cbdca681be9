"""Group one quote across outlets: same words, truncations, small variants, paraphrases.

Two quotes are the same when, after lower-casing and dropping punctuation,
the shorter one's words align inside the longer one with at most a few word
edits (MemeTracker's approximate containment, Leskovec et al. 2009). The
alignment is a semi-global word-level edit distance written here: rapidfuzz's
``partial_ratio`` works on characters and returns a ratio, so it cannot bound
the number of changed *words*. Reported speech by the same speaker is then
linked to a group as a paraphrase when their content words overlap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newstrail.coverage.quoting.records import QuoteGroup, QuoteOccurrence
from newstrail.coverage.quoting.roles import unnamed_source as _unnamed

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Quotes shorter than this must match word for word: short phrases recur by chance.
MIN_VARIANT_WORDS = 6
# One word edit allowed per this many words of the shorter quote (MemeTracker uses ~10%).
WORDS_PER_EDIT = 8
# Paraphrase link: share of the paraphrase's content-word stems found in the group's text,
# and a floor on shared stems so a two-word clause cannot link by chance. Set on the
# Newsweek/SCMP seed case (0.55 there) and unrelated same-speaker pairs (below 0.3).
MIN_PARAPHRASE_SIMILARITY = 0.4
MIN_SHARED_STEMS = 3
# Content-word stems are prefixes: "relations"/"relationship", "changes"/"change"
# meet at five letters without a stemmer dependency.
STEM_LENGTH = 5
STOPWORDS = frozenset(
    """
    a an and are as at be been being but by can could did do does for from had has have
    he her his i if in into is it its may might more most no not of on or our she should
    so such than that the their them then there these they this those to too was we were
    what when which who will with would you your any other all each also only very just
    over between about
    """.split()  # noqa: SIM905 (a word list reads best as words)
)


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` with punctuation dropped."""
    return [word.replace("’", "'") for word in WORD.findall(text.lower())]


def contained_edits(short: list[str], long: list[str]) -> int:
    """Fewest word edits to turn ``short`` into some contiguous stretch of ``long``."""
    previous = [0] * (len(long) + 1)  # starting anywhere in ``long`` is free
    for row, word in enumerate(short, start=1):
        current = [row] + [0] * len(long)
        for column, other in enumerate(long, start=1):
            current[column] = min(
                previous[column - 1] + (word != other),
                previous[column] + 1,
                current[column - 1] + 1,
            )
        previous = current
    return min(previous)  # ending anywhere is free too


def same_quote(first: list[str], second: list[str]) -> bool:
    """True when one quote's words sit inside the other's within the edit bound."""
    short, long = sorted((first, second), key=len)
    if not short:
        return False
    if len(short) < MIN_VARIANT_WORDS:
        return " ".join(short) in " ".join(long) and len(short) >= MIN_VARIANT_WORDS // 2
    allowed = len(short) // WORDS_PER_EDIT
    # Cheap bound first: each word of ``short`` missing from ``long`` costs an edit, so
    # most unrelated pairs of a story are rejected before the quadratic alignment.
    vocabulary = set(long)
    if sum(word not in vocabulary for word in short) > allowed:
        return False
    return contained_edits(short, long) <= allowed


def stems(text: str) -> set[str]:
    """Content-word stems of ``text``, names left out.

    Names ("Donald Trump", "China") recur in every quote of a story whatever
    was said, so two statements sharing only names are not paraphrases.
    """
    found = set()
    for position, word in enumerate(WORD.findall(text)):
        lower = word.lower()
        if lower in STOPWORDS or len(lower) <= 2 or (position > 0 and word[:1].isupper()):
            continue
        found.add(lower[:STEM_LENGTH])
    return found


def paraphrase_similarity(paraphrase: str, text: str) -> float:
    """Share of the paraphrase's content-word stems that appear in ``text``."""
    own = stems(paraphrase)
    shared = own & stems(text)
    if not own or len(shared) < MIN_SHARED_STEMS:
        return 0.0
    return len(shared) / len(own)


def _compatible(first: QuoteOccurrence, second: QuoteOccurrence) -> bool:
    """Quotes group only when their speakers agree, one is unknown, or both are unnamed.

    "A senior US official" in one outlet and "an American official" in
    another, saying the same words, are one source as far as a reader can tell.
    """
    one, other = first.quote.speaker_name, second.quote.speaker_name
    return one is None or other is None or one == other or (_unnamed(one) and _unnamed(other))


def _order(occurrence: QuoteOccurrence, position: int) -> tuple[int, str, int]:
    """Sort key for "first appearance": dated before undated, then by date, then input order."""
    published = occurrence.published
    return (0 if published else 1, published or "", position)


def group_quotes(occurrences: Sequence[QuoteOccurrence]) -> list[QuoteGroup]:
    """Group the quotes of one story across articles.

    Args:
        occurrences: quotes with their article, outlet and publication time.

    Returns:
        Groups of the same words (exact, truncated or slightly varied), each
        keeping every outlet's wording, with reported-speech paraphrases by the
        same speaker linked and scored; groups with more articles come first.
    """
    tokens = [words(occurrence.quote.text) for occurrence in occurrences]
    parent = list(range(len(occurrences)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for first in range(len(occurrences)):
        for second in range(first + 1, len(occurrences)):
            if _compatible(occurrences[first], occurrences[second]) and same_quote(
                tokens[first], tokens[second]
            ):
                parent[root(second)] = root(first)
    members: dict[int, list[int]] = {}
    for index in range(len(occurrences)):
        members.setdefault(root(index), []).append(index)
    groups = [_group(occurrences, indexes) for indexes in members.values()]
    groups = _link_paraphrases(groups)
    return sorted(
        groups,
        key=lambda group: (-len({o.article_id for o in group.occurrences}), group.text),
    )


def _group(occurrences: Sequence[QuoteOccurrence], indexes: list[int]) -> QuoteGroup:
    """Build one group: canonical text is the longest wording, first on ties."""
    members = [occurrences[index] for index in indexes]
    canonical = max(members, key=lambda o: len(words(o.quote.text)))
    first = min(zip(members, indexes, strict=True), key=lambda pair: _order(*pair))[0]
    names = [o.quote.speaker_name for o in members if o.quote.speaker_name]
    return QuoteGroup(
        speaker_name=names[0] if names else None,
        text=canonical.quote.text,
        occurrences=members,
        paraphrases=[],
        first=first,
    )


def _link_paraphrases(groups: list[QuoteGroup]) -> list[QuoteGroup]:
    """Attach single reported-speech quotes to the best same-speaker group from other articles."""
    kept: list[QuoteGroup] = []
    candidates: list[QuoteGroup] = []
    for group in groups:
        lone = len(group.occurrences) == 1 and group.occurrences[0].quote.kind != "direct"
        (candidates if lone else kept).append(group)
    for candidate in candidates:
        occurrence = candidate.occurrences[0]
        best: tuple[float, QuoteGroup] | None = None
        for group in kept:
            if group.speaker_name is None or group.speaker_name != occurrence.quote.speaker_name:
                continue
            if all(o.article_id == occurrence.article_id for o in group.occurrences):
                continue
            text = " ".join(o.quote.text for o in group.occurrences)
            score = paraphrase_similarity(occurrence.quote.text, text)
            if score >= MIN_PARAPHRASE_SIMILARITY and (best is None or score > best[0]):
                best = (score, group)
        if best is None:
            kept.append(candidate)
        else:
            best[1].paraphrases.append((occurrence, round(best[0], 3)))
    return kept
