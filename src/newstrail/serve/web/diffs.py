"""Side-by-side word diffs of two versions (NewsSniffer layout: version a | version b).

difflib's SequenceMatcher over word and whitespace tokens gives the opcodes;
it runs at about 2 ms for two 1,000-word versions here, and whitespace tokens
keep paragraph breaks in place so the columns read like the article.
``diff-match-patch`` was the alternative: character-level and faster, but its
word mode needs the line-encoding trick and its output then needs re-splitting.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from newstrail.serve.web.security import sanitize_html

TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class WordDiff:
    """The two columns of a diff, as safe HTML, plus the raw operations."""

    old_html: Markup
    new_html: Markup
    operations: list[dict[str, Any]]
    words_added: int
    words_removed: int


def _escaped(tokens: list[str]) -> str:
    return "".join(str(escape(token)) for token in tokens)


def word_diff(old_text: str, new_text: str) -> WordDiff:
    """Diff two texts word by word.

    Args:
        old_text: version a.
        new_text: version b.

    Returns:
        Version a with deletions in ``<del>``, version b with insertions in
        ``<ins>``, and the non-equal operations for the JSON API.
    """
    old_tokens, new_tokens = TOKEN.findall(old_text), TOKEN.findall(new_text)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    old_parts: list[str] = []
    new_parts: list[str] = []
    operations: list[dict[str, Any]] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_chunk, new_chunk = old_tokens[i1:i2], new_tokens[j1:j2]
        if tag == "equal":
            old_parts.append(_escaped(old_chunk))
            new_parts.append(_escaped(new_chunk))
            continue
        if old_chunk:
            old_parts.append(f"<del>{_escaped(old_chunk)}</del>")
            removed += sum(1 for token in old_chunk if not token.isspace())
        if new_chunk:
            new_parts.append(f"<ins>{_escaped(new_chunk)}</ins>")
            added += sum(1 for token in new_chunk if not token.isspace())
        operations.append({"type": tag, "old": "".join(old_chunk), "new": "".join(new_chunk)})
    # The markup is ours and every token was escaped; nh3 is the second line of defence.
    return WordDiff(
        old_html=sanitize_html("".join(old_parts)),
        new_html=sanitize_html("".join(new_parts)),
        operations=operations,
        words_added=added,
        words_removed=removed,
    )
