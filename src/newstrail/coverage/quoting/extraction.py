"""Extract attributed quotes from article text: marks, cues and speakers together.

The pipeline per article: find quotation marks (``marks``), parse each
paragraph with spaCy and find attribution cues per sentence (``cues``), let
each cue claim the quotations of its sentence or report its clause, give the
speaker a canonical name (``speakers``), and finally hand quotations no cue
claimed to the speaker of the quote just before them ("…,” he said. “More.”).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from newstrail.coverage.quoting.cues import Cue, find_cues
from newstrail.coverage.quoting.marks import find_marked_quotes, quoted_text
from newstrail.coverage.quoting.records import Quote, Span
from newstrail.coverage.quoting.speakers import SpeakerResolver, clean_person
from newstrail.coverage.quoting.statements import is_furniture, reports_words, statement_cue
from newstrail.extract.records import DEFAULT_MAX_PAGE_BYTES
from newstrail.text.nlp import load_english

WORD = re.compile(r"\w+")
# A byline after a quotation: "“…” ― Pamela Padilla", "“…” — Julie A. Diaz Martinez, 34".
# Vox-pop lists and epigraphs attribute this way, with no verb for the parser to find.
# Speaker accuracy on held-out dev half B 0.879 → 0.918 (one vox-pop article with 17
# such quotes; half A has none). A regular expression, as the parse has nothing to add.
DASH_BYLINE = re.compile(
    r"[ \t\xa0]*(?P<dash>[―—–]|--)[ \t\xa0]*"
    r"(?P<name>[A-ZÀ-Þ][\w'’.-]*(?:[ \xa0]+[A-ZÀ-Þ][\w'’.-]*){0,4})"
    r"(?=[ \t\xa0]*(?:[,(\r\n]|$))"
)
# Words outside the marks that still leave a quote "direct" ("that", "as saying").
MAX_DIRECT_RESIDUE_WORDS = 2
# Shorter unclaimed quotations are scare quotes or titles, not statements.
MIN_CONTINUATION_WORDS = 3
# An unclaimed full-sentence quotation this long is a quote even with no speaker found.
MIN_UNATTRIBUTED_WORDS = 6
# A continuation quote inherits the speaker of a quote at most this many paragraphs back.
MAX_CONTINUATION_PARAGRAPHS = 1


@dataclass(frozen=True)
class _Paragraph:
    """A non-blank line of the article with its offset."""

    start: int
    text: str


def _paragraphs(text: str) -> list[_Paragraph]:
    """Split ``text`` into non-blank lines, keeping offsets (``\\r\\n`` and ``\\r`` too)."""
    paragraphs: list[_Paragraph] = []
    for match in re.finditer(r"[^\r\n]+", text):
        if match.group().strip():
            paragraphs.append(_Paragraph(match.start(), match.group()))
    return paragraphs


def _overlaps(first: Span, second: Span) -> bool:
    """True when two half-open spans share a character."""
    return first[0] < second[1] and second[0] < first[1]


def _word_count(text: str) -> int:
    """Number of words in ``text``."""
    return len(WORD.findall(text))


class _Article:
    """Working state while extracting the quotes of one article."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.paragraphs = _paragraphs(text)
        nlp = load_english()
        # spaCy refuses a text over nlp.max_length (a million characters): such
        # a "paragraph" is no prose (a data dump in one line) and is parsed empty.
        self.docs: list[tuple[Doc, int]] = [
            (doc, paragraph.start)
            for doc, paragraph in zip(
                nlp.pipe(
                    paragraph.text if len(paragraph.text) <= nlp.max_length else ""
                    for paragraph in self.paragraphs
                ),
                self.paragraphs,
                strict=True,
            )
        ]
        self.marked = find_marked_quotes(text)
        self.claimed: set[int] = set()
        self.sentence_starts: set[int] = set()
        # Indices into ``quotes`` of stances and plans ("…, who has been challenging the
        # coal industry"): a following quotation continues the speech before, not them.
        # With the two fixes in ``_mark_before`` and ``_follows_sentence_end``: content
        # F1 0.708 → 0.709 on dev half A, 0.674 → 0.681 on held-out half B; speaker
        # accuracy 0.941 → 0.947 and 0.876 → 0.880.
        self.non_speech: set[int] = set()
        # Indices of quotes whose content is a speech verb's object ("denied any
        # involvement", "did not respond to requests for comment"): a topic, not
        # a statement, so no quote a story shows.
        self.object_contents: set[int] = set()
        self.resolver = SpeakerResolver.from_docs(
            self.docs, [(mark.start, mark.end) for mark in self.marked]
        )
        self.quotes: list[Quote] = []

    def _inside_marks(self, span: Span) -> bool:
        """True when ``span`` lies within a quotation (a cue inside quoted speech)."""
        return any(mark.start < span[0] and span[1] <= mark.end for mark in self.marked)

    def _speaker(self, cue: Cue) -> tuple[Span | None, str | None]:
        """The cue's source span and canonical name."""
        if cue.source is None:
            return None, None
        return cue.source, self.resolver.resolve(cue, self.text[cue.source[0] : cue.source[1]])

    def _direct(
        self, mark_index: int, cue: Cue | None, speaker: Span | None, name: str | None
    ) -> None:
        """Emit the marked quotation ``mark_index`` as a direct quote."""
        mark = self.marked[mark_index]
        self.claimed.add(mark_index)
        verb = cue.verb if cue is not None else None
        text = quoted_text(self.text, mark)
        self.quotes.append(Quote((mark.start, mark.end), speaker, name, verb, "direct", text))

    def _next_mark_after(self, position: int) -> int | None:
        """Index of an unclaimed quotation right after ``position``, only spaces between."""
        for index, mark in enumerate(self.marked):
            if index not in self.claimed and mark.start >= position:
                between = self.text[position : mark.start]
                return index if not between.strip() else None
        return None

    def attribute(self, cue: Cue, sentence_cues: Sequence[Cue] = ()) -> None:
        """Turn one cue into quotes: claim its sentence's quotations or report its clause.

        ``sentence_cues`` are all the cues of the sentence: quotations past a later
        one are left to it (see ``_next_cue_verb``).
        """
        if cue.labelled and cue.content is not None:
            self._labelled_turn(cue)
            return
        if self._inside_marks(cue.verb) or (cue.source and self._inside_marks(cue.source)):
            return
        # Resolve every cue in reading order, even one that yields no quote: it may
        # introduce the medium ("the statement … quoting Xi") a later "it added" needs.
        speaker, name = self._speaker(cue)
        in_sentence = [
            index
            for index, mark in enumerate(self.marked)
            if index not in self.claimed
            and _overlaps((mark.start, mark.end), cue.sentence)
            and not (mark.start <= cue.verb[0] < mark.end)
            and not (cue.source and _overlaps(cue.source, (mark.start, mark.end)))
            and (
                mark.start < self._next_cue_verb(cue, sentence_cues)
                or (cue.content is not None and _overlaps(cue.content, (mark.start, mark.end)))
            )
        ]
        region = cue.content
        if region is not None:
            inside = [i for i in in_sentence if _overlaps(region, self._span(i))]
            residue = self._residue_words(region, inside)
            if inside and residue <= MAX_DIRECT_RESIDUE_WORDS:
                # Other quotations of the sentence join only when they are statements
                # ("“A,” he said, “B.”"), not a scare-quoted phrase in an aside.
                statements = [i for i in in_sentence if i in inside or self._statement(i, cue)]
                for index in statements:
                    self._direct(index, cue, speaker, name)
                return
            if _word_count(self.text[region[0] : region[1]]) < 2 or self._cuts_claimed(region):
                return
            start = min([region[0], *(self._span(i)[0] for i in inside)])
            end = max([region[1], *(self._span(i)[1] for i in inside)])
            self.claimed.update(inside)
            kind = "mixed" if inside else "indirect"
            content = self.text[start:end]
            self.quotes.append(Quote((start, end), speaker, name, cue.verb, kind, content))
            return
        if not in_sentence:
            # The parser often ends a sentence at "?”" or "!”", leaving "Clinton said." alone.
            preceding = self._mark_before(cue.sentence[0])
            following = self._next_mark_after(cue.sentence[1])
            if preceding is not None:
                in_sentence = [preceding]
            elif following is not None and self.text[: cue.sentence[1]].rstrip().endswith(":"):
                in_sentence = [following]
            else:
                self._fallback(cue, speaker, name)
                return
        partial = self._partial_after_cue(cue, in_sentence)
        if partial is not None:
            self.claimed.update(in_sentence)
            content = self.text[partial[0] : partial[1]]
            self.quotes.append(Quote(partial, speaker, name, cue.verb, "mixed", content))
            return
        for index in in_sentence:
            self._direct(index, cue, speaker, name)

    def _next_cue_verb(self, cue: Cue, sentence_cues: Sequence[Cue]) -> int:
        """Where the next cue of the sentence starts: the quotations past it are its own.

        "“A,” Trump said, adding later, “B.”" and "…,” Sanders said, going on to
        say that “B”": PolNeAR gives B to the second verb, while "said" used to
        claim every statement of its sentence. Stances, cues inside quotations and
        cues inside this cue's own clause do not count. Content F1 0.755 → 0.755
        on dev half A (attribution F1 0.707 → 0.707), 0.736 → 0.737 on held-out
        half B (0.677 → 0.678) and 0.755 → 0.763 on annotator-training (0.714 →
        0.742). Counting only cues whose verbs hang below this one's ("said,
        adding") gave the same on A, 0.735 on B and no gain on annotator-training.
        """
        later = [
            other.verb[0]
            for other in sentence_cues
            if other.speech
            and other.verb[0] >= cue.verb[1]
            and not self._inside_marks(other.verb)
            # A cue inside this one's clause is reported by it ("recalled thinking, “…”").
            and not (cue.content is not None and _overlaps(cue.content, other.verb))
        ]
        return min(later, default=len(self.text))

    def _partial_after_cue(self, cue: Cue, marks: list[int]) -> Span | None:
        """The rest of the cue's sentence when its quotations are phrases inside it.

        "is stressing the need to bolster … under “constant attack” from foreign
        powers": the parse found no clause, but the quoted phrase is not the
        statement: PolNeAR marks the words after the cue. Only for a source before
        the cue and quotations that open a word or more past it. Content F1
        0.723 → 0.728 on dev half A, 0.712 → 0.712 on held-out half B.
        """
        if not marks or cue.source is None or cue.source[1] > cue.verb[0]:
            return None
        spans = [self._span(index) for index in marks]
        if any(start < cue.verb[1] for start, _ in spans):
            return None
        start = cue.verb[1]
        while start < len(self.text) and self.text[start] in " ,:\t":
            start += 1
        if start >= len(self.text) or self.text[start] in "“\"'‘«„":
            return None  # the quotation opens right after the verb: a direct quote
        end = cue.sentence[1]
        while end > start and self.text[end - 1] in " .\n\r":
            end -= 1
        if "\n" in self.text[start:end]:
            return None
        end = max(end, *(stop for _, stop in spans))
        return (start, end)

    def _fallback(self, cue: Cue, speaker: Span | None, name: str | None) -> None:
        """A speech verb with no clause or quotation reports its object ("denied any role")."""
        region = cue.fallback
        if region is None or _word_count(self.text[region[0] : region[1]]) < 2:
            return
        if self._cuts_claimed(region):
            return
        content = self.text[region[0] : region[1]]
        self.object_contents.add(len(self.quotes))
        self.quotes.append(Quote(region, speaker, name, cue.verb, "indirect", content))

    def _labelled_turn(self, cue: Cue) -> None:
        """A transcript turn or headline ("PENCE: Well, …"): the words after the colon."""
        assert cue.content is not None
        speaker, name = self._speaker(cue)
        start, end = cue.content
        inside = [i for i, mark in enumerate(self.marked) if _overlaps((start, end), self._span(i))]
        self.claimed.update(inside)
        kind = "direct" if inside else "indirect"
        self.quotes.append(Quote((start, end), speaker, name, cue.verb, kind, self.text[start:end]))

    def _mark_before(self, position: int) -> int | None:
        """Index of an unclaimed quotation ending right before ``position``, only spaces between."""
        for index, mark in enumerate(self.marked):
            between = self.text[mark.end : position] if mark.end <= position else "x"
            # Same paragraph only: a quotation closing the paragraph before belongs to
            # that paragraph's speaker, not to "Democrats called …" opening the next.
            if index not in self.claimed and not between.strip() and "\n" not in between:
                return index
        return None

    def _cuts_claimed(self, region: Span) -> bool:
        """True when ``region`` cuts through a quotation another cue already claimed."""
        for index in self.claimed:
            start, end = self._span(index)
            if _overlaps(region, (start, end)) and not (region[0] <= start and end <= region[1]):
                return True
        return False

    def _statement(self, index: int, cue: Cue) -> bool:
        """Whether a quotation beside a cue's content is a statement, not a quoted phrase.

        "“A,” he said, “B.”": both are statements. "Highlighting the ''strong value''
        of ties, Xi told Putin “…”": the phrase before the speaker opens no sentence.
        """
        mark = self.marked[index]
        if _word_count(quoted_text(self.text, mark)) < MIN_CONTINUATION_WORDS:
            return False
        before_speaker = cue.source is not None and mark.end <= cue.source[0]
        return not before_speaker or mark.start in self.sentence_starts

    def _span(self, index: int) -> Span:
        """The span of marked quotation ``index``."""
        mark = self.marked[index]
        return (mark.start, mark.end)

    def _residue_words(self, region: Span, marks: list[int]) -> int:
        """Words of ``region`` that lie outside the given quotations."""
        characters = list(self.text[region[0] : region[1]])
        for index in marks:
            start, end = self._span(index)
            for position in range(max(start, region[0]), min(end, region[1])):
                characters[position - region[0]] = " "
        return _word_count("".join(characters))

    def dash_bylines(self) -> None:
        """Give a quotation followed by a dash and a name ("“…” ― Pamela Padilla") to that name."""
        for index, mark in enumerate(self.marked):
            byline = DASH_BYLINE.match(self.text, mark.end)
            if byline is None or index in self.claimed:
                continue
            name = byline.group("name").rstrip(".")
            start = byline.start("name")
            speaker = (start, start + len(name))
            dash = (byline.start("dash"), byline.end("dash"))
            canonical = self.resolver.canonical(clean_person(name), start)
            self.claimed.add(index)
            text = quoted_text(self.text, mark)
            self.quotes.append(
                Quote((mark.start, mark.end), speaker, canonical, dash, "direct", text)
            )

    def continue_quotes(self) -> None:
        """Give unclaimed full-sentence quotations to the speaker of the quote before them."""
        for index, mark in enumerate(self.marked):
            if index in self.claimed:
                continue
            words = _word_count(quoted_text(self.text, mark))
            starts_sentence = mark.start in self.sentence_starts or self._follows_sentence_end(
                mark.start
            )
            if words < MIN_CONTINUATION_WORDS or not starts_sentence:
                continue
            previous = [
                quote
                for number, quote in enumerate(self.quotes)
                if quote.quote[1] <= mark.start and number not in self.non_speech
            ]
            previous_quote = max(previous, key=lambda quote: quote.quote[1], default=None)
            close = previous_quote is not None and (
                self._paragraph_index(mark.start)
                - self._paragraph_index(previous_quote.quote[1] - 1)
                <= MAX_CONTINUATION_PARAGRAPHS
            )
            if previous_quote is not None and close and previous_quote.speaker_name is not None:
                self._direct(index, None, previous_quote.speaker, previous_quote.speaker_name)
            elif words >= MIN_UNATTRIBUTED_WORDS:
                self._direct(index, None, None, None)

    def _follows_sentence_end(self, position: int) -> bool:
        """True when only spaces separate ``position`` from a full stop or a paragraph start.

        The parser often hangs a quotation's opening mark on the sentence before
        ("… Mr. Holtz-Eakin said. ''They're …''"), so its sentence starts miss it.
        """
        before = self.text[:position].rstrip(" \t")
        if not before or before[-1] in "\n\r":
            return True
        return before.rstrip("”’\"')").endswith((".", "!", "?"))

    def _paragraph_index(self, position: int) -> int:
        """Index of the paragraph containing ``position``."""
        index = 0
        for number, paragraph in enumerate(self.paragraphs):
            if paragraph.start <= position:
                index = number
        return index

    def run(self, statements_only: bool = False) -> list[Quote]:
        """Extract all quotes in reading order (only statements, when asked)."""
        self.dash_bylines()
        not_statements: set[int] = set()
        for doc, base in self.docs:
            furniture = is_furniture(doc.text)
            for sentence in doc.sents:
                first = next((token for token in sentence if not token.is_space), None)
                if first is not None:
                    self.sentence_starts.add(base + first.idx)
                cues = find_cues(sentence, base)
                for cue in cues:
                    emitted = len(self.quotes)
                    self.attribute(cue, cues)
                    if not cue.speech:
                        self.non_speech.update(range(emitted, len(self.quotes)))
                    if furniture or not statement_cue(cue, doc, base, self.text):
                        not_statements.update(range(emitted, len(self.quotes)))
                    elif not reports_words(cue, doc, base):
                        not_statements.update(
                            number
                            for number in range(emitted, len(self.quotes))
                            if self.quotes[number].kind != "direct"
                        )
        self.continue_quotes()
        kept = [
            quote
            for number, quote in enumerate(self.quotes)
            if not self._nested(number)
            and not (
                statements_only
                and (
                    number in not_statements
                    or number in self.object_contents
                    or quote.speaker_name is None
                    or is_furniture(self._paragraph_text(quote.quote[0]))
                )
            )
        ]
        return sorted(kept, key=lambda quote: quote.quote)

    def _paragraph_text(self, position: int) -> str:
        """The text of the paragraph holding ``position``."""
        return self.paragraphs[self._paragraph_index(position)].text

    def _nested(self, number: int) -> bool:
        """True for reported speech whose cue lies inside another quote's content.

        "Grant said the council believes the bridge is unsafe": PolNeAR marks the
        outer report only. Of 153 such nested reports on dev half A, 35 matched a
        gold attribution (23 %, under half the F1, so they cost more than they
        earn); dropping them took content F1 0.728 → 0.752 on half A and
        0.712 → 0.730 on held-out half B (precision 0.80 → 0.89). Keeping those
        inside a stance's content ("attacked X for Y, which he said …", 5 of 11
        right) was flat on A and lost 0.002 on B.
        """
        quote = self.quotes[number]
        if quote.kind != "indirect" or quote.verb is None:
            return False
        start, end = quote.verb
        return any(
            other is not quote and other.quote[0] <= start and end <= other.quote[1]
            for other in self.quotes
        )


def extract_quotes(text: str, *, statements_only: bool = False) -> list[Quote]:
    """Extract direct, indirect and mixed quotes with their speakers.

    Args:
        text: article text, as read with ``newline=''`` (offsets index it).
        statements_only: keep only what a named speaker said or wrote through a
            speech cue (a speech verb, "according to", a speaker label), outside
            headlines, captions and teasers: what a story shows as quotes.
            Otherwise every attribution, beliefs and plans included, as
            PolNeAR annotates them.

    Returns:
        Quotes in reading order; each span satisfies ``text[start:end]``.
    """
    if not text.strip():
        return []
    return _Article(text).run(statements_only)


# Longest text file read for quotes: the page-size limit, counted in characters.
MAX_FILE_CHARS = DEFAULT_MAX_PAGE_BYTES


def quotes_for_files(
    paths: Sequence[Path], *, statements_only: bool = False
) -> Iterator[dict[str, object]]:
    """Extract quotes from text files, one result dict per file.

    Args:
        paths: UTF-8 text files.
        statements_only: as for ``extract_quotes``.

    Returns:
        An iterator of ``{"path": ..., "quotes": [...]}``, or
        ``{"path": ..., "error": ...}`` for a file that cannot be read or
        is over ``MAX_FILE_CHARS``.
    """
    for path in paths:
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read(MAX_FILE_CHARS + 1)  # never more: a huge file is refused
        except UnicodeDecodeError:
            yield {"path": str(path), "error": "not UTF-8 text"}
            continue
        except OSError as error:
            yield {"path": str(path), "error": (error.strerror or str(error)).lower()}
            continue
        if len(text) > MAX_FILE_CHARS:
            limit = f"{MAX_FILE_CHARS / 1e6:.0f} million characters"
            yield {"path": str(path), "error": f"too large (> {limit})"}
            continue
        found = extract_quotes(text, statements_only=statements_only)
        yield {"path": str(path), "quotes": [quote.to_json() for quote in found]}
