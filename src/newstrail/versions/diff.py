"""Align two versions of an article: paragraphs, then sentences, then words.

The diff runs in three passes:

1. paragraphs are aligned on their normalised text (exact matches anchor the
   alignment; a paragraph found unchanged elsewhere is a *paragraph move*);
2. inside every stretch between anchors the sentences of the remaining
   paragraphs are aligned as one run (so a paragraph split in two is not a
   change), unmatched sentences are paired with a similar sentence nearby
   (*edited*), and a sentence deleted in one place and added unchanged in
   another is a *move*, not delete + add;
3. edited sentences get a word-level diff.

Sequence alignment uses rapidfuzz's ``Indel.opcodes`` (an exact LCS by the
bit-parallel Hyyrö algorithm, O(n·m/64) on sequences of hashables) rather than
``difflib.SequenceMatcher``, whose longest-block heuristic degrades towards
cubic time on runs of repeated sentences, or diff-match-patch, which bounds
its work by a wall-clock timeout rather than by input size. Pairing edited
sentences only looks at a fixed window of candidates, so a fully rewritten
5,000-word article costs O(sentences x window) similarity calls, never
sentences²; ``ArticleDiff.work`` counts the cells and calls made so tests can
check the bound without timing anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from newstrail.text.sentences import split_paragraphs, split_sentences, split_tokens
from newstrail.versions.normalise import is_timestamp_key, normalise_characters, unit_key

SentenceKind = Literal["equal", "added", "deleted", "edited", "moved"]
WordTag = Literal["equal", "insert", "delete"]
Position = tuple[int, int]  # (paragraph index, sentence index within the paragraph)

# Sentences scoring at least this fuzz.ratio are one sentence edited, below it
# a deletion plus an addition. Unrelated news sentences score 35-45, a heavy
# rewording of the same sentence 60+ (the BBC Clinton revision scores 63); the
# synthetic bench (bench/edits.py) scores the same on both halves from 50 to 60.
EDIT_SIMILARITY = 55.0
# A sentence deleted in one place and added elsewhere at least this similar
# was moved and lightly edited (a figure updated as the paragraph moved up).
MOVE_SIMILARITY = 85.0
# Fuzzy move search compares every leftover deletion with every addition, so it
# only runs while that product stays within this many calls per sentence.
MOVE_CALLS_PER_SENTENCE = 4
# Units shorter than this ("Advertisement", "- Published") recur on every page and
# must not anchor the alignment.
ANCHOR_MIN_WORDS = 4
# How many unmatched sentences ahead to look for an edited counterpart. Eight
# covers a rewrite that also inserts a few sentences; wider only adds work.
PAIRING_WINDOW = 8


@dataclass(frozen=True)
class VersionText:
    """What one version of an article looks like to the diff engine."""

    title: str | None
    byline: str | None
    date: str | None
    text: str


@dataclass(frozen=True)
class WordOp:
    """A run of tokens kept, inserted or deleted inside an edited sentence."""

    tag: WordTag
    text: str


@dataclass(frozen=True)
class SentenceOp:
    """One aligned sentence: equal, added, deleted, edited or moved."""

    kind: SentenceKind
    old: str | None
    new: str | None
    old_position: Position | None
    new_position: Position | None
    words: tuple[WordOp, ...] = ()
    in_moved_paragraph: bool = False


@dataclass(frozen=True)
class FieldChange:
    """A changed title, byline or date (normalised values differ)."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ArticleDiff:
    """Two versions aligned paragraph by paragraph, sentence by sentence, word by word."""

    old_paragraphs: tuple[tuple[str, ...], ...]
    new_paragraphs: tuple[tuple[str, ...], ...]
    sentences: tuple[SentenceOp, ...]
    rows: tuple[tuple[int | None, int | None], ...]  # paragraph pairs, for side-by-side display
    paragraph_moves: tuple[tuple[int, int], ...]
    fields: tuple[FieldChange, ...]
    work: int  # bit-parallel alignment cells (n·m/64) + similarity calls (n·window)

    def changed_sentences(self) -> list[SentenceOp]:
        """The sentence operations that are not ``equal``."""
        return [op for op in self.sentences if op.kind != "equal"]


@dataclass
class _Budget:
    """Counts the work spent so tests can check it grows linearly."""

    spent: int = 0

    def opcodes(self, old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
        """Indel opcodes of two key lists, charging the bit-parallel cell count."""
        self.spent += max(len(old), 1) * math.ceil(max(len(new), 1) / 64)
        return [
            (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
            for op in Indel.opcodes(old, new)
        ]

    def similarity(self, old: str, new: str) -> float:
        """fuzz.ratio of two keys, charged as one call."""
        self.spent += 1
        return float(fuzz.ratio(old, new))


@dataclass
class _Side:
    """One version's paragraphs, their sentences and keys."""

    paragraphs: list[list[str]]
    sentence_keys: list[list[str]] = field(default_factory=list)
    anchor_keys: list[list[str]] = field(default_factory=list)
    paragraph_keys: list[str] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str, side_name: str) -> _Side:
        paragraphs = [split_sentences(p) for p in split_paragraphs(text)]
        paragraphs = [p for p in paragraphs if p]
        side = cls(paragraphs)
        side.sentence_keys = [[unit_key(s) for s in sentences] for sentences in paragraphs]
        side.anchor_keys = [
            [_anchor_key(key, f"{side_name}{p}.{i}") for i, key in enumerate(keys)]
            for p, keys in enumerate(side.sentence_keys)
        ]
        side.paragraph_keys = [
            "\x01".join(keys) if _anchor_key(" ".join(keys), "") else f"\x00{side_name}{p}"
            for p, keys in enumerate(side.sentence_keys)
        ]
        return side


def _anchor_key(key: str, position: str) -> str:
    """A unit's alignment key: unique (empty without ``position``) if too common to anchor on.

    Without this an unchanged "- 12 April 2015" line at the foot of a rewritten
    BBC page anchored the alignment and turned every edited sentence above it
    into a deletion plus an addition.
    """
    if len(key.split()) < ANCHOR_MIN_WORDS or is_timestamp_key(key):
        return f"\x00{position}" if position else ""
    return key


def _blocks(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[bool, int, int, int, int]]:
    """Merge consecutive non-equal opcodes into change blocks: (equal?, i1, i2, j1, j2)."""
    blocks: list[tuple[bool, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal" and blocks and not blocks[-1][0]:
            _, a1, _, b1, _ = blocks[-1]
            blocks[-1] = (False, a1, i2, b1, j2)
        else:
            blocks.append((tag == "equal", i1, i2, j1, j2))
    return blocks


# Paragraphs at least this similar (rapidfuzz ratio of their keys) share a
# display row. Pairing by position instead (zip_longest) shifted every row
# after an inserted paragraph: the insert sat beside the old paragraph it
# displaced. A paragraph with one sentence reworded scores ~70-90; two
# unrelated news paragraphs score ~30-45.
PARAGRAPH_PAIR_MIN = 55.0
# Beyond this many candidate pairs in one changed stretch (a rewrite), rows
# are paired by position: the similarity table would grow quadratically.
PARAGRAPH_PAIR_CELLS = 400


def _pair_paragraphs(
    old_side: _Side,
    new_side: _Side,
    old_range: tuple[int, int],
    new_range: tuple[int, int],
    budget: _Budget,
) -> list[tuple[int | None, int | None]]:
    """Display rows for a changed stretch: similar paragraphs side by side, in order.

    A weighted LCS over paragraph similarity: the in-order pairing with the
    largest summed similarity; unpaired paragraphs get a row of their own.
    """
    olds, news = list(range(*old_range)), list(range(*new_range))
    if not olds or not news or len(olds) * len(news) > PARAGRAPH_PAIR_CELLS:
        return list(zip_longest(olds, news))
    old_keys = [" ".join(old_side.sentence_keys[i]) for i in olds]
    new_keys = [" ".join(new_side.sentence_keys[j]) for j in news]
    score = [[budget.similarity(a, b) for b in new_keys] for a in old_keys]
    n, m = len(olds), len(news)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            paired = score[a][b] + best[a + 1][b + 1] if score[a][b] >= PARAGRAPH_PAIR_MIN else -1
            best[a][b] = max(paired, best[a + 1][b], best[a][b + 1])
    rows: list[tuple[int | None, int | None]] = []
    a = b = 0
    while a < n and b < m:
        if score[a][b] >= PARAGRAPH_PAIR_MIN and best[a][b] == score[a][b] + best[a + 1][b + 1]:
            rows.append((olds[a], news[b]))
            a, b = a + 1, b + 1
        elif best[a][b] == best[a + 1][b]:
            rows.append((olds[a], None))
            a += 1
        else:
            rows.append((None, news[b]))
            b += 1
    rows.extend((olds[i], None) for i in range(a, n))
    rows.extend((None, news[j]) for j in range(b, m))
    return rows


def _word_ops(old: str, new: str, budget: _Budget) -> tuple[WordOp, ...]:
    """Word-level diff of an edited sentence (whitespace kept with the tokens)."""
    old_tokens, new_tokens = split_tokens(old), split_tokens(new)
    old_keys = [" " if t.isspace() else normalise_characters(t) for t in old_tokens]
    new_keys = [" " if t.isspace() else normalise_characters(t) for t in new_tokens]
    ops: list[WordOp] = []
    for tag, i1, i2, j1, j2 in budget.opcodes(old_keys, new_keys):
        if tag in ("delete", "replace"):
            ops.append(WordOp("delete", "".join(old_tokens[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(WordOp("insert", "".join(new_tokens[j1:j2])))
        if tag == "equal":
            ops.append(WordOp("equal", "".join(new_tokens[j1:j2])))
    return tuple(ops)


def _pair_edits(
    old_keys: list[str], new_keys: list[str], budget: _Budget
) -> list[tuple[int | None, int | None]]:
    """Pair unmatched old and new sentences into edits, in order, within a window.

    Returns (old, new) index pairs in document order; ``None`` on one side means
    a deletion or an addition.
    """
    pairs: list[tuple[int | None, int | None]] = []
    next_new = 0
    for old_index, old_key in enumerate(old_keys):
        window = range(next_new, min(next_new + PAIRING_WINDOW, len(new_keys)))
        scored = [(budget.similarity(old_key, new_keys[j]), j) for j in window]
        best_score, best = max(scored, default=(0.0, -1))
        follower = old_index + 1 < len(old_keys)
        if best_score < EDIT_SIMILARITY or (
            follower and budget.similarity(old_keys[old_index + 1], new_keys[best]) > best_score
        ):
            pairs.append((old_index, None))
            continue
        pairs.extend((None, j) for j in range(next_new, best))
        pairs.append((old_index, best))
        next_new = best + 1
    pairs.extend((None, j) for j in range(next_new, len(new_keys)))
    return pairs


def _field_key(value: str | None) -> str:
    """Normalised, case-folded field value; empty when missing."""
    return normalise_characters(value or "").casefold()


def field_changes(old: VersionText, new: VersionText) -> tuple[FieldChange, ...]:
    """Title, byline and date changes (normalised values differ), each reported on its own."""
    changes = []
    for name in ("title", "byline", "date"):
        old_value, new_value = getattr(old, name), getattr(new, name)
        if _field_key(old_value) != _field_key(new_value):
            changes.append(FieldChange(name, old_value, new_value))
    return tuple(changes)


def diff_versions(old: VersionText, new: VersionText) -> ArticleDiff:
    """Align two versions paragraph by paragraph, sentence by sentence and word by word.

    Args:
        old: the earlier version.
        new: the later version.

    Returns:
        An ``ArticleDiff`` whose ``sentences`` hold every aligned sentence in
        document order (moved sentences once, at their new place), ``rows`` the
        paragraph pairs for side-by-side display and ``fields`` the title,
        byline and date changes.
    """
    budget = _Budget()
    old_side, new_side = _Side.from_text(old.text, "a"), _Side.from_text(new.text, "b")
    paragraph_blocks = _blocks(budget.opcodes(old_side.paragraph_keys, new_side.paragraph_keys))

    # Paragraphs unmatched in place but found unchanged elsewhere have moved.
    unmatched_new: dict[str, list[int]] = {}
    for is_equal, _, _, j1, j2 in paragraph_blocks:
        if not is_equal:
            for j in range(j1, j2):
                unmatched_new.setdefault(new_side.paragraph_keys[j], []).append(j)
    paragraph_moves: dict[int, int] = {}
    for is_equal, i1, i2, _, _ in paragraph_blocks:
        if not is_equal:
            for i in range(i1, i2):
                candidates = unmatched_new.get(old_side.paragraph_keys[i])
                if candidates:
                    paragraph_moves[i] = candidates.pop(0)
    moved_from = {j: i for i, j in paragraph_moves.items()}

    ops: list[SentenceOp] = []
    rows: list[tuple[int | None, int | None]] = []
    for is_equal, i1, i2, j1, j2 in paragraph_blocks:
        if is_equal:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                rows.append((i, j))
                ops.extend(
                    SentenceOp("equal", s, t, (i, si), (j, si))
                    for si, (s, t) in enumerate(
                        zip(old_side.paragraphs[i], new_side.paragraphs[j], strict=True)
                    )
                )
            continue
        rows.extend(_pair_paragraphs(old_side, new_side, (i1, i2), (j1, j2), budget))
        old_positions = [
            (i, s)
            for i in range(i1, i2)
            if i not in paragraph_moves
            for s in range(len(old_side.paragraphs[i]))
        ]
        new_positions = [
            (j, s)
            for j in range(j1, j2)
            if j not in moved_from
            for s in range(len(new_side.paragraphs[j]))
        ]
        ops.extend(_align_sentences(old_side, new_side, old_positions, new_positions, budget))
        for j in range(j1, j2):
            if j in moved_from:
                i = moved_from[j]
                ops.extend(
                    SentenceOp("moved", s, t, (i, si), (j, si), in_moved_paragraph=True)
                    for si, (s, t) in enumerate(
                        zip(old_side.paragraphs[i], new_side.paragraphs[j], strict=True)
                    )
                )
    return ArticleDiff(
        old_paragraphs=tuple(tuple(p) for p in old_side.paragraphs),
        new_paragraphs=tuple(tuple(p) for p in new_side.paragraphs),
        sentences=tuple(_detect_moves(ops, budget)),
        rows=tuple(rows),
        paragraph_moves=tuple(sorted(paragraph_moves.items())),
        fields=field_changes(old, new),
        work=budget.spent,
    )


def _align_sentences(
    old_side: _Side,
    new_side: _Side,
    old_positions: list[Position],
    new_positions: list[Position],
    budget: _Budget,
) -> list[SentenceOp]:
    """Align the sentences of one changed stretch of paragraphs."""
    old_keys = [old_side.sentence_keys[p][s] for p, s in old_positions]
    new_keys = [new_side.sentence_keys[p][s] for p, s in new_positions]
    old_anchors = [old_side.anchor_keys[p][s] for p, s in old_positions]
    new_anchors = [new_side.anchor_keys[p][s] for p, s in new_positions]

    def text_of(side: _Side, position: Position) -> str:
        return side.paragraphs[position[0]][position[1]]

    ops: list[SentenceOp] = []
    for is_equal, i1, i2, j1, j2 in _blocks(budget.opcodes(old_anchors, new_anchors)):
        if is_equal:
            ops.extend(
                SentenceOp("equal", text_of(old_side, o), text_of(new_side, n), o, n)
                for o, n in zip(old_positions[i1:i2], new_positions[j1:j2], strict=True)
            )
            continue
        for a, b in _pair_edits(old_keys[i1:i2], new_keys[j1:j2], budget):
            o = old_positions[i1 + a] if a is not None else None
            n = new_positions[j1 + b] if b is not None else None
            old_text = text_of(old_side, o) if o else None
            new_text = text_of(new_side, n) if n else None
            if o and n and old_keys[i1 + (a or 0)] == new_keys[j1 + (b or 0)]:
                ops.append(SentenceOp("equal", old_text, new_text, o, n))
            elif old_text is not None and new_text is not None:
                words = _word_ops(old_text, new_text, budget)
                ops.append(SentenceOp("edited", old_text, new_text, o, n, words))
            elif old_text is not None:
                ops.append(SentenceOp("deleted", old_text, None, o, None))
            else:
                ops.append(SentenceOp("added", None, new_text, None, n))
    return ops


def _detect_moves(ops: list[SentenceOp], budget: _Budget) -> list[SentenceOp]:
    """Turn a deletion and an addition of the same sentence into one move.

    Exact (normalised) matches first, by hashing; then, while the number of
    leftover pairs stays linear in the article length, near-identical ones.
    """
    deleted: dict[str, list[int]] = {}
    for index, op in enumerate(ops):
        if op.kind == "deleted" and op.old is not None:
            deleted.setdefault(unit_key(op.old), []).append(index)
    replaced: dict[int, SentenceOp | None] = {}
    added_left: list[int] = []
    for index, op in enumerate(ops):
        if op.kind != "added" or op.new is None:
            continue
        sources = deleted.get(unit_key(op.new))
        if not sources:
            added_left.append(index)
            continue
        source_index = sources.pop(0)
        source = ops[source_index]
        replaced[index] = SentenceOp(
            "moved", source.old, op.new, source.old_position, op.new_position
        )
        replaced[source_index] = None
    deleted_left = [index for indices in deleted.values() for index in indices]
    if len(deleted_left) * len(added_left) <= MOVE_CALLS_PER_SENTENCE * (len(ops) + 1):
        for index in added_left:
            new_text = ops[index].new or ""
            scored = [
                (budget.similarity(unit_key(ops[d].old or ""), unit_key(new_text)), d)
                for d in deleted_left
                if d not in replaced
            ]
            best_score, best = max(scored, default=(0.0, -1))
            if best_score >= MOVE_SIMILARITY:
                source = ops[best]
                words = _word_ops(source.old or "", new_text, budget)
                replaced[index] = SentenceOp(
                    "moved",
                    source.old,
                    new_text,
                    source.old_position,
                    ops[index].new_position,
                    words,
                )
                replaced[best] = None
    result = []
    for index, op in enumerate(ops):
        if index in replaced:
            moved = replaced[index]
            if moved is not None:
                result.append(moved)
        else:
            result.append(op)
    return result
