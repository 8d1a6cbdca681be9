"""Page furniture in a diff: what changed in the template around a story, not in the story.

Furniture is recognised by shape, not by a per-site list, so it carries to
sites we have not seen: a *label* is a unit of at most five words with no
sentence punctuation; a *standalone line* is a whole paragraph of headline
length with no sentence punctuation (heading, caption, link); a *link list* is
a run of two or more short changed units, most of them unpunctuated (table
rows of links, headline lists). Headlines count as the same when only a site
name appended to them differs.
"""

from __future__ import annotations

import re

from newstrail.text.sentences import count_words
from newstrail.versions.diff import ArticleDiff, SentenceOp
from newstrail.versions.normalise import is_timestamp_line, normalise_characters, unit_key

LABEL_MAX_WORDS = 5  # "Advertisement", "Supported by", "Related Topics", "- Published"
LINK_MAX_WORDS = 20  # a related-link headline (AllSides headlines run to 20 words)
PROSE_MIN_WORDS = 26  # an unpunctuated unit longer than this is prose lost its full stop
PROSE_END = re.compile(r"""[.!?…;:]["'”’)\]]*$""")
# "Headline - BBC News", "Headline | Reuters": a site name some templates append.
SITE_SUFFIX = re.compile(r"\s+[|\-]\s+[^|\-]{2,40}$")


def is_prose(unit: str) -> bool:
    """True for a sentence (ends in sentence punctuation or is long), not page furniture."""
    text = normalise_characters(unit)
    return bool(PROSE_END.search(text)) or count_words(text) >= PROSE_MIN_WORDS


def title_key(title: str | None) -> str:
    """A headline normalised and case-folded."""
    return normalise_characters(title or "").casefold()


def without_site(key: str) -> str:
    """A headline key without a trailing " - Site" or " | Site"."""
    return SITE_SUFFIX.sub("", key) or key


def same_headline(old: str | None, new: str | None) -> bool:
    """Whether two headlines read the same, allowing a site name added, dropped or renamed.

    Only a suffix on *one* side, or " | " suffixes on both, counts as a site
    name: "Storm - three dead" against "Storm - four dead" is a real change.
    """
    old_key, new_key = title_key(old), title_key(new)
    if old_key in (new_key, without_site(new_key)) or without_site(old_key) == new_key:
        return True
    both_piped = " | " in old_key and " | " in new_key
    return both_piped and without_site(old_key) == without_site(new_key)


def _is_furniture(unit: str, titles: set[str]) -> bool:
    """True for a unit that is page template on its own: label, timestamp, repeated headline."""
    key = unit_key(unit)
    if not key.strip(" .,;:-|•·*") or is_timestamp_line(key):
        return True
    if title_key(key) in titles or without_site(title_key(key)) in titles:
        return True
    return not is_prose(key) and count_words(key) <= LABEL_MAX_WORDS


def _may_be_link(op: SentenceOp) -> bool:
    """Whether a changed unit could belong to a related-links list."""
    if op.kind == "equal":
        return False
    units = [text for text in (op.old, op.new) if text is not None]
    if any(count_words(unit) > LINK_MAX_WORDS for unit in units):
        return False
    return op.kind in ("added", "deleted") or not any(is_prose(unit) for unit in units)


def _is_standalone_line(op: SentenceOp, diff: ArticleDiff) -> bool:
    """An added or deleted unit that is a whole paragraph of at most LINK_MAX_WORDS, unpunctuated.

    Such lines are headings, captions, labels and links; body prose ends in
    punctuation. A related-links list whose header stayed put leaves single
    headlines like this (half the remaining synthetic related-links misses).
    """
    if op.kind == "added" and op.new is not None and op.new_position is not None:
        unit, paragraph = op.new, diff.new_paragraphs[op.new_position[0]]
    elif op.kind == "deleted" and op.old is not None and op.old_position is not None:
        unit, paragraph = op.old, diff.old_paragraphs[op.old_position[0]]
    else:
        return False
    return len(paragraph) == 1 and not is_prose(unit) and count_words(unit) <= LINK_MAX_WORDS


def furniture_ops(diff: ArticleDiff, titles: set[str]) -> set[int]:
    """Indices of changed sentence operations that only touch page template."""
    ops = diff.sentences
    furniture: set[int] = set()
    for index, op in enumerate(ops):
        units = [text for text in (op.old, op.new) if text is not None]
        if op.kind == "equal":
            continue
        if (
            all(_is_furniture(unit, titles) for unit in units)
            or (op.kind in ("edited", "moved") and not any(is_prose(unit) for unit in units))
            or _is_standalone_line(op, diff)
        ):
            furniture.add(index)
    # A run of short changed units (two or more), most of them unpunctuated,
    # is a links list: headlines sometimes end in "!" or "?", so requiring
    # every item to be unpunctuated missed a third of the synthetic lists.
    run: list[int] = []
    for index in range(len(ops) + 1):
        if index < len(ops) and _may_be_link(ops[index]):
            run.append(index)
            continue
        units = [text for i in run for text in (ops[i].old, ops[i].new) if text is not None]
        unpunctuated = sum(not is_prose(unit) for unit in units)
        if len(units) >= 2 and unpunctuated * 2 > len(units):
            furniture.update(run)
        run = []
    return furniture
