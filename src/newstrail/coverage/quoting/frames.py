"""Attribution cues without a speech verb's clause: "according to", labels, frames.

"According to X, …", a speaker's label ("PENCE: Well, look …") and a verb
framing a quotation ("Limbaugh continued: “…”").

``cues.find_cues`` adds these to the cues of speech verbs; each rule's gain is
measured as there (``bench/quotes.py``, content F1 on PolNeAR dev half A,
checked on held-out half B).
"""

from __future__ import annotations

from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

from newstrail.coverage.quoting.phrases import Cue, absolute_span, source_phrase
from newstrail.coverage.quoting.stances import can_hold_view

# Verbs that report speech only as the frame of a quotation ("“…,” she continued.").
# With the colon frame ("Limbaugh continued: “…”") +0.001 content F1 on dev half A
# and on held-out half B; the frames lend the next quotation its speaker too. The
# comma frame ("She continued, “…”") added +0.001 on half A, none on half B.
FRAMING_VERBS = frozenset({"continue"})
# A speaker label ("Mike Pence:", "GOV. PENCE:") has at most this many tokens,
# and the labelled words at least this many, so "Note: x" or "Update:" stay out.
MAX_LABEL_TOKENS = 4
MIN_LABELLED_TOKENS = 3
# Editors' labels that introduce no speaker's words.
EDITORIAL_LABELS = frozenset(
    {
        "correction",
        "clarification",
        "update",
        "updated",
        "note",
        "editor's note",
        "editor’s note",
        "source",
        "sources",
        "related",
        "read more",
        "watch",
        "photo",
        "video",
        "live",
        "breaking",
        "see also",
        "also read",
        "disclosure",
        "advertisement",
    }
)


def framing_cue(verb: Token, base: int, sentence: SpacySpan) -> Cue | None:
    """A verb framing a quotation though it is no speech verb ("Limbaugh continued:").

    Also "“…,” she continued." and "Sanders made the following comment:". The
    quotation itself comes from the marks (the cue has no content span).
    """
    subject = next((child for child in verb.children if child.dep_ == "nsubj"), None)
    if subject is None or subject.i > verb.i or not can_hold_view(subject):
        return None
    doc = verb.doc
    objects = [child for child in verb.children if child.dep_ in ("dobj", "prt")]
    following = [t for t in verb.subtree if t.i > verb.i and not t.is_punct]
    # The colon follows the verb or its object ("made the following comment:").
    ends = [verb.i + 1, *(child.right_edge.i + 1 for child in objects)]
    ends += [following[-1].i + 1] if following else []
    colon = any(end < len(doc) and doc[end].text == ":" for end in ends)
    # "She continued, “…”": a comma and an opening mark frame the quotation as a colon does.
    comma_quote = verb.i + 2 < len(doc) and doc[verb.i + 1].text == "," and doc[verb.i + 2].is_quote
    colon = colon or (verb.lemma_ in FRAMING_VERBS and comma_quote)
    before = doc[subject.left_edge.i - 1] if subject.left_edge.i > sentence.start else None
    quoted_before = before is not None and (before.is_quote or before.text == ",")
    if not colon and not (verb.lemma_ in FRAMING_VERBS and quoted_before and not following):
        return None
    verb_tokens = [verb, *(child for child in verb.children if child.dep_ == "prt")]
    source_tokens = source_phrase(subject, [])
    return Cue(
        verb=absolute_span(verb_tokens, base) or (base + verb.idx, base + verb.idx),
        source=absolute_span(source_tokens, base),
        source_head=subject,
        source_tokens=tuple(source_tokens),
        content=None,
        relayed=None,
        parenthetical=False,
        sentence=(base + sentence.start_char, base + sentence.end_char),
    )


def _source_before_clause(source: Token) -> list[Token]:
    """The source of a sentence-opening "According to X, …", cut at its comma.

    "According to host Rush Limbaugh, the move reeks of fear." may parse with the
    rest of the sentence inside the source phrase, leaving no content; when the
    phrase runs to the sentence's end, the comma is where the content starts
    (one more right quote on dev half A, none changed on held-out half B).
    """
    tokens = list(source.subtree)
    comma = next((t for t in tokens if t.text == "," and t.i > source.i), None)
    last = tokens[-1].i
    runs_to_end = last + 1 >= len(source.doc) or source.doc[last + 1].is_punct
    if comma is None or not runs_to_end:
        return tokens
    return [t for t in tokens if t.i < comma.i]


def according_to(sentence: SpacySpan, base: int) -> list[Cue]:
    """Cues of the form "according to X": the rest of the sentence is the content."""
    cues: list[Cue] = []
    for token in sentence:
        if token.lower_ != "according" or token.i + 1 >= len(token.doc):
            continue
        to = token.doc[token.i + 1]
        if to.lower_ != "to":
            continue
        objects = [child for child in to.children if child.dep_ == "pobj"]
        if not objects:
            continue
        source_tokens = list(objects[0].subtree)
        if token.i == sentence.start:
            source_tokens = _source_before_clause(objects[0])
        phrase = {token.i, to.i, *(t.i for t in source_tokens)}
        first, last = min(phrase), max(phrase)
        before = [t for t in sentence if t.i < first]
        after = [t for t in sentence if t.i > last and not (t.is_punct and t.i == sentence.end - 1)]
        content = after if len(after) > len(before) else before
        cues.append(
            Cue(
                verb=(base + token.idx, base + to.idx + len(to.text)),
                source=absolute_span(source_tokens, base),
                source_head=objects[0],
                source_tokens=tuple(source_tokens),
                content=absolute_span(content, base),
                relayed=None,
                parenthetical=bool(before) and not after,
                sentence=(base + sentence.start_char, base + sentence.end_char),
            )
        )
    return cues


def speaker_label(sentence: SpacySpan, base: int) -> list[Cue]:
    """Transcript and headline form "PENCE: Well, look …": a name, a colon, the words."""
    doc = sentence.doc
    if sentence.start != 0:
        return []
    # A transcript turn may sit inside an opening quotation mark: '"PENCE: Well, …'.
    opening = 0
    while opening < len(doc) and doc[opening].text in "“\"'‘":
        opening += 1
    window = sentence[opening : opening + MAX_LABEL_TOKENS + 1]
    colon = next((token for token in window if token.text == ":"), None)
    if colon is None or colon.i == opening or len(doc) - colon.i <= MIN_LABELLED_TOKENS:
        return []
    label = list(doc[opening : colon.i])
    # Headlines name their source in title case ("Poll: …", "Sanders: …"); with the
    # quoted transcript turns this gave +0.006 content F1 on half A.
    if not all(token.text[:1].isupper() or token.text == "." for token in label):
        return []
    if " ".join(token.lower_ for token in label) in EDITORIAL_LABELS:
        return []
    content = [token for token in doc[colon.i + 1 :] if not token.is_space]
    return [
        Cue(
            verb=(base + colon.idx, base + colon.idx + 1),
            source=absolute_span(label, base),
            source_head=label[-1],
            source_tokens=tuple(label),
            content=absolute_span(content, base),
            relayed=None,
            parenthetical=False,
            labelled=True,
            sentence=(base + sentence.start_char, base + sentence.end_char),
        )
    ]
