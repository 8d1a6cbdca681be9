"""The forms two versions are compared in: characters folded, counters and timestamp lines dropped.

A capture differs from the one before in ways no editor made: curly quotes
turned straight, a zero-width space, "1,234 comments", "Updated 5 minutes
ago". The diff (``versions.diff``) and the edit classifier
(``versions.edits``) compare the keys made here, so such noise is never an
edit.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from newstrail.text.sentences import split_paragraphs

CHARACTER_MAP = {
    **dict.fromkeys("‘’‚‛′´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}
# A regex over the mapped characters beats str.translate with a dict table
# about tenfold on mostly-ASCII news text (translate looks up every character).
MAPPED_CHARACTER = re.compile("[" + re.escape("".join(CHARACTER_MAP)) + "]")
SPACE_RUN = re.compile(r"[ \t\f\v\r]{2,}|[\t\f\v\r]")  # only runs that need rewriting
SPACE_BEFORE_PUNCTUATION = re.compile(r" +([,.;:!?)\]])")
SPACE_AFTER_OPENING = re.compile(r"([(\[]) +")
DOUBLE_DASH = re.compile(r"-{2,}")
# Live counters that change between captures without any edit to the story.
COUNTER = re.compile(
    r"\b\d[\d,.]*\s*[kKmM]?\+?\s+(?:comments?|shares?|views?|reads?|reactions?|likes?|replies"
    r"|responses|retweets)\b"
    r"|\b(?:comments?|shares?|replies)\s*\(\s*\d[\d,]*\s*\)"
    r"|\b\d+\s*-?\s*(?:min|mins|minutes?)\s+(?:read|listen|watch)\b"
    r"|\b\d[\d,]*\s+(?:people|readers|pages?|others)\s+(?:are|were|is|was)\s+(?:reading|read|"
    r"viewing|viewed|watching)\b(?:[\w ]{0,40}(?:minute|hour|now))?",
    re.IGNORECASE,
)
COUNTER_HINT = re.compile(r"\d")
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
TIMESTAMP_WORD = (
    rf"(?:{MONTH}|{WEEKDAY}|\d{{1,4}}(?:st|nd|rd|th|h|m|s)?|at|on|of|[ap]\.?m\.?|gmt|bst|utc|cet|"
    r"cest|[ecmp][sd]?t|today|yesterday|ago|last|first|updated|published|posted|modified|edited|"
    r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|an?|just now)"
)
# A line made only of dates, times and "updated/published ... ago" words:
# "Last Updated: Saturday, 21 October 2006, 14:41 GMT", "- Published", "Updated 5 minutes ago".
TIMESTAMP_LINE = re.compile(
    rf"^[\s\-|•·,:./()]*(?:{TIMESTAMP_WORD}(?![\w])[\s,:./|()-]*)+$", re.IGNORECASE
)
TIMESTAMP_MAX_WORDS = 14  # "Last Updated: Saturday, 21 October 2006, 14:41 GMT" is 8 words


# Classifying a comparison normalises each changed sentence five or six times
# (keys, prose test, quotes, numbers, names); caching cut compare_versions on a
# fully rewritten 5,000-word pair by about half.
@lru_cache(maxsize=16384)
def normalise_characters(text: str) -> str:
    """Fold quote styles, dashes, invisible characters and spacing to one form."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = MAPPED_CHARACTER.sub(lambda match: CHARACTER_MAP[match.group(0)], text)
    if "`" in text or "''" in text:  # Penn Treebank quotes: ``like this''
        text = text.replace("``", '"').replace("''", '"').replace("`", "'")
    # Each regex runs only when a cheap substring test says it can match.
    if "--" in text:
        text = DOUBLE_DASH.sub("-", text)
    text = SPACE_RUN.sub(" ", text)
    text = SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    if "( " in text or "[ " in text:
        text = SPACE_AFTER_OPENING.sub(r"\1", text)
    return text.strip()


def is_timestamp_line(text: str) -> bool:
    """True for dateline/"Updated 5 minutes ago"/bare-date lines that change without edits."""
    return is_timestamp_key(normalise_characters(text))


def is_timestamp_key(key: str) -> bool:
    """``is_timestamp_line`` for text already normalised."""
    if not key or len(key.split()) > TIMESTAMP_MAX_WORDS:
        return False
    return TIMESTAMP_LINE.match(key) is not None


@lru_cache(maxsize=16384)
def unit_key(text: str) -> str:
    """The comparison key of a sentence or paragraph: normalised, counters removed."""
    key = normalise_characters(text)
    if COUNTER_HINT.search(key) is None:  # skips the costly COUNTER scan on most sentences
        return key
    return SPACE_RUN.sub(" ", COUNTER.sub("", key)).strip()


def normalise_for_comparison(text: str) -> str:
    """Normalise article text the way trivial-change detection compares it.

    Args:
        text: article text, one paragraph per line.

    Returns:
        The text with quote styles, dashes and whitespace folded, live counters
        ("1,234 comments", "5 min read") removed and timestamp lines ("Updated
        5 minutes ago", "Last updated: 12 April 2015") dropped; one paragraph
        per line.
    """
    paragraphs = (unit_key(paragraph) for paragraph in split_paragraphs(text))
    return "\n".join(p for p in paragraphs if p.strip(" .,;:-|") and not is_timestamp_line(p))
