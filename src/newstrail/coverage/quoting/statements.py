"""What counts as a statement: the quotes a story shows, out of every attribution.

PolNeAR annotates beliefs, plans, expectations and stances as attributions;
a reader of a story page wants what someone said or wrote. A statement has a
speech cue (a speech verb, "according to", a relaying verb, a speaker label),
is not negated ("did not respond"), does not report an infinitive plan
("pledged to cut taxes"), and sits outside page furniture: headlines,
captions, teaser links. ``extraction.extract_quotes(statements_only=True)``
applies these; ``bench/quotes.py`` scores them against PolNeAR's speech-cue
attributions.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from newstrail.coverage.quoting.cues import RELAY_VERBS, SPEECH_ACT_VERBS, SPEECH_VERBS, Cue

# Verbs that only say that something was said or written, adding no judgement of it:
# the verbs quote corpora of news share as speech cues (PolNeAR's and the Gender Gap
# Tracker's conventions: "said", "told", "according to", a colon). Through any other
# speech verb ("suggested that", "acknowledged that", "urged X to", "estimates that")
# a paraphrase is the reporter's reading of a stance, not words a reader can hold the
# speaker to; those verbs still frame a quotation in marks ("“…,” Mr. Bush declared").
# Taken from the bench's definition of a speech cue (``bench.quotes.SPEECH_CUE``,
# written before this rule) plus the neutral verbs of replying and remarking.
PLAIN_SPEECH_VERBS = frozenset(
    """
    say tell add note write state explain report announce claim argue insist warn ask
    tweet post reply answer respond remark comment reiterate testify
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
# Entity types that can make a statement under a speaker label ("PENCE: …", "Sanders: …").
LABEL_ENTITY_TYPES = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def reports_words(cue: Cue, doc: Doc, base: int) -> bool:
    """True when a paraphrase (no quotation marks) through ``cue`` reports someone's words.

    "According to", a relaying verb and the plain speech verbs do; a verb that
    characterises what was said (``PLAIN_SPEECH_VERBS``) needs the words in marks.
    A speaker label must name a person or organisation, or be a transcript's
    capitals ("PENCE:"): "The Latest: Trump urges …" is a headline.
    """
    span = doc.char_span(cue.verb[0] - base, cue.verb[1] - base, alignment_mode="expand")
    if span is None:
        return False
    if cue.labelled:
        label = [token for token in cue.source_tokens if token.is_alpha]
        return bool(label) and (
            any(token.ent_type_ in LABEL_ENTITY_TYPES for token in label)
            or all(token.is_upper for token in label)
        )
    lemma = span.root.lemma_.lower()
    return lemma == "accord" or lemma in RELAY_VERBS or lemma in PLAIN_SPEECH_VERBS


def statement_cue(cue: Cue, doc: Doc, base: int, text: str) -> bool:
    """True when a cue reports what someone said or wrote, not a belief, plan or stance.

    A speech verb ("said", "told", "according to", "quoted"), or a speaker
    label before a colon. Beliefs and expectations ("is expected", "wanted"),
    stances ("hailed") and report nouns are attributions PolNeAR annotates,
    but not quotes a reader can hold anyone to; nor is a plan reported with an
    infinitive ("pledged to take", "vowed to act"), which names no statement.
    """
    if cue.labelled:
        return True
    if not cue.speech:
        return False
    span = doc.char_span(cue.verb[0] - base, cue.verb[1] - base, alignment_mode="expand")
    if span is None:
        return False
    lemma = span.root.lemma_.lower()
    if any(child.dep_ == "neg" for child in span.root.children):
        return False  # "did not respond", "would not say": no statement
    if lemma == "accord" or lemma in RELAY_VERBS:
        return True
    if lemma not in SPEECH_VERBS:
        return False
    if cue.content is not None:
        content = text[cue.content[0] : cue.content[1]].lstrip()
        if content.lower().startswith("to ") and lemma in SPEECH_ACT_VERBS:
            return False
    return True


# Page furniture that holds quotation marks but no one's statement: a teaser
# link ("Read - China Shuts …"), a photo caption, a headline-like line.
FURNITURE = re.compile(
    r"^\s*(?:read(?: more| also)?|also read|watch|photo|video|related|see also)\b\s*[-–—:|]"
    r"|(?:photo|image|picture)\s*(?:credit)?\s*:|\((?:ap|afp|reuters|getty)[^)]*\)\s*$"
    r"|getty images\s*$",
    re.IGNORECASE,
)


def is_furniture(paragraph: str) -> bool:
    """A teaser, caption or headline line: no one is quoted in it."""
    stripped = paragraph.strip()
    if FURNITURE.search(stripped):
        return True
    # A headline or teaser: a short line that ends no sentence ("Russia admits to
    # world’s third-worst coronavirus death toll" between two paragraphs).
    words = stripped.split()
    return len(words) <= 16 and not stripped.rstrip("”’\"')").endswith((".", "!", "?", ":"))
