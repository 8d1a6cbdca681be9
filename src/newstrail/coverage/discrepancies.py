"""Facts that differ between a story's outlets, or between an article's versions.

A reader comparing coverage wants to know where the outlets disagree: one
says the court voted 7-2, another 6-3; one reports $4.2 million, another
$4.5 million; one outlet corrected its figure. This stage finds such
figures — vote tallies, sums of money, casualty and other counts — and a
quote's differing wording, and reports each disagreement with the sentences
that carry every value.

Two figures are about the same thing only on evidence, because a false alarm
("the outlets disagree") costs a reader's trust more than a miss:

- vote tallies: two tallies with the same total are the same body voting
  (7-2 and 6-3 are both nine justices); otherwise the sentences must match;
- money and counts: the same unit ("million dollars", "killed") and sentences
  that say the same thing once their figures are masked (the support
  similarity of ``exclusives``), or the same sentence edited between versions;
- a figure one article carries anywhere in its text is no disagreement with it.

Dates and names are left out: a story spans days, and two people in one role
are common (two ministers, two justices); neither can be told apart from a
disagreement by rules a reader could trust.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newstrail.coverage.exclusives import MIN_SENTENCE_WORDS, similarity_matrix
from newstrail.coverage.reuse import StoryArticle
from newstrail.text.sentences import sentence_spans

# Masked sentences at least this similar say the same thing about different
# figures ("The agency will receive $4.2 million in penalties" / "$4.5 million");
# the support threshold of ``exclusives`` (0.5, MSRP cross-validated) less a
# margin for the masked figures, which no longer count as shared words.
SAME_CLAIM = 0.45
WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9}
SCALES |= {"trillion": 1e12, "k": 1e3, "tausend": 1e3, "million": 1e6, "millionen": 1e6}
SCALES |= {"milliarde": 1e9, "milliarden": 1e9, "millions": 1e6, "milliard": 1e9}
SCALES |= {"milliards": 1e9, "millones": 1e6, "mil millones": 1e9}
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
VOTE = re.compile(
    r"(?<![\w.$-])(?P<a>\d{1,3})\s*(?:-|–|—|to)\s*(?P<b>\d{1,3})(?![\w.%-])"
    r"|(?P<wa>" + "|".join(WORDS) + r")\s*(?:-|–|—|to)\s*(?P<wb>" + "|".join(WORDS) + r")\b",
    re.IGNORECASE,
)
VOTE_CONTEXT = re.compile(
    r"\b(vot\w*|ballot\w*|rul\w*|decision|verdict|majority|margin|split|justices|judges"
    r"|senators|lawmakers|members|jury|court|stimm\w*|abgeordnete\w*)\b",
    re.IGNORECASE,
)
# A tally written out by side: "412 members voted in favour and 230 against",
# "414 voted for the draft, 228 voted against", "412 Abgeordnete stimmten
# dafür, 230 dagegen", "412 voix pour et 230 contre". A number counts for a
# side when the side's word follows within four words.
_SIDE_GAP = r"\s+(?:[^\W\d]+\s+){0,4}?"
VOTE_FOR = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,4})" + _SIDE_GAP + r"(?:for|in\s+favou?r|yes|yea|ayes?|dafür|pour"
    r"|a\s+favor|favorevoli)\b"
    # The side first: "Für den Entwurf stimmten 414 Abgeordnete".
    r"|\b(?:für|for)\s+(?:[^\W\d]+\s+){0,3}?(?:stimmten|voted)\s+(?P<m>\d{1,4})(?![\w.,])",
    re.IGNORECASE,
)
VOTE_AGAINST = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,4})" + _SIDE_GAP + r"(?:against|opposed|nays?|noes|dagegen|contre"
    r"|en\s+contra|contrari)\b",
    re.IGNORECASE,
)
MONEY = re.compile(
    r"(?P<currency>[$€£¥]|US\$|USD\s?|EUR\s?|GBP\s?)\s?(?P<amount>" + NUMBER + r")"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|m|k)\b)?",
    re.IGNORECASE,
)
# The currency named after the amount: "51 billion euros", "51 Milliarden Euro".
MONEY_AFTER = re.compile(
    r"(?<![\w.$£€-])(?P<amount>" + NUMBER + r")\s?(?P<scale>thousand|million|billion|trillion"
    r"|bn|mn|Tausend|Millionen|Million|Milliarden|Milliarde|millions?|milliards?|millones"
    r"|mil\s+millones)?\s+(?P<currency>euros?|dollars?|pounds?|yen|EUR|USD|GBP|Euro)\b",
    re.IGNORECASE,
)
_CURRENCY_WORDS = {"euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD"}
_CURRENCY_WORDS |= {"pound": "GBP", "pounds": "GBP", "yen": "JPY"}
COUNT = re.compile(
    r"(?<![\w.$£€-])(?P<amount>" + NUMBER + r"|" + "|".join(WORDS) + r")"
    r"(?:\s(?P<scale>thousand|million|billion))?\s+"
    r"(?:(?:more|other|people|persons|civilians|soldiers|children|were|have\sbeen|had\sbeen"
    r"|are|was|been)\s+){0,3}"
    r"(?P<unit>killed|dead|died|deaths|injured|wounded|hurt|missing|arrested|detained"
    r"|evacuated|displaced|victims|casualties|fatalities|hostages|infections|cases)\b",
    re.IGNORECASE,
)
CASUALTY_UNITS = {
    "killed": "killed",
    "dead": "killed",
    "died": "killed",
    "deaths": "killed",
    "fatalities": "killed",
    "victims": "killed",
    "casualties": "casualties",
    "injured": "injured",
    "wounded": "injured",
    "hurt": "injured",
}
MASK = re.compile(
    r"[$€£¥]?\s?(?:" + NUMBER + r")(?:\s?(?:thousand|million|billion|trillion|bn|mn|%))?"
)


@dataclass(frozen=True)
class Figure:
    """One figure as one article (or one of its versions) states it."""

    kind: str  # vote | money | casualties | count
    unit: str  # what is counted: "vote", "USD", "killed", …
    value: tuple[float, ...]
    text: str  # the figure as written
    sentence: str
    article_id: str
    source: str | None
    superseded: bool = False  # from a version the article has since replaced


@dataclass
class Discrepancy:
    """Outlets (or versions) that state different values of one figure."""

    kind: str
    about: str
    values: list[dict[str, object]] = field(default_factory=list)
    corrected: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "about": self.about,
            "values": self.values,
            "corrected": self.corrected,
        }


def _number(text: str) -> float:
    lowered = text.lower()
    if lowered in WORDS:
        return float(WORDS[lowered])
    return float(lowered.replace(",", ""))


def figures_in(
    text: str, article_id: str, source: str | None, superseded: bool = False
) -> list[Figure]:
    """The votes, sums of money and counts stated in ``text``."""
    found: list[Figure] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if len(sentence.split()) < MIN_SENTENCE_WORDS:
            continue
        for kind, unit, value, written in _sentence_figures(sentence):
            found.append(
                Figure(kind, unit, value, written, sentence, article_id, source, superseded)
            )
    return found


def _sentence_figures(sentence: str) -> list[tuple[str, str, tuple[float, ...], str]]:
    """(kind, unit, value, as written) of each figure of one sentence."""
    found: list[tuple[str, str, tuple[float, ...], str]] = []
    if VOTE_CONTEXT.search(sentence):
        for match in VOTE.finditer(sentence):
            a = _number(match.group("a") or match.group("wa"))
            b = _number(match.group("b") or match.group("wb"))
            if 0 < a + b <= 1000:
                found.append(("vote", "vote", (max(a, b), min(a, b)), match.group().strip()))
        found += _sided_tally(sentence)
    for match in MONEY.finditer(sentence):
        scale = SCALES.get((match.group("scale") or "").lower(), 1.0)
        currency = match.group("currency").strip().upper().replace("US$", "$")
        unit = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}.get(currency, currency)
        amount = _number(match.group("amount")) * scale
        found.append(("money", unit, (amount,), match.group().strip()))
    for match in MONEY_AFTER.finditer(sentence):
        scale = SCALES.get(" ".join((match.group("scale") or "").lower().split()), 1.0)
        currency = match.group("currency")
        unit = _CURRENCY_WORDS.get(currency.lower(), currency.upper())
        amount = _number(match.group("amount")) * scale
        found.append(("money", unit, (amount,), match.group().strip()))
    for match in COUNT.finditer(sentence):
        scale = SCALES.get((match.group("scale") or "").lower(), 1.0)
        unit = match.group("unit").lower()
        kind = "casualties" if unit in CASUALTY_UNITS else "count"
        written = sentence[match.start() : match.end("unit")]
        amount = _number(match.group("amount")) * scale
        found.append((kind, CASUALTY_UNITS.get(unit, unit), (amount,), written))
    return found


def _sided_tally(sentence: str) -> list[tuple[str, str, tuple[float, ...], str]]:
    """A tally written by side, when the sentence gives exactly one number for each."""
    ayes = [m for m in VOTE_FOR.finditer(sentence) if not VOTE_AGAINST.fullmatch(m.group())]
    noes = list(VOTE_AGAINST.finditer(sentence))
    if len(ayes) != 1 or len(noes) != 1 or ayes[0].start() == noes[0].start():
        return []
    a, b = _number(ayes[0].group("n") or ayes[0].group("m")), _number(noes[0].group("n"))
    if not 0 < a + b <= 2000:
        return []
    first, second = sorted((ayes[0], noes[0]), key=lambda m: m.start())
    written = sentence[first.start() : second.end()].strip()
    return [("vote", "vote", (max(a, b), min(a, b)), written)]


def _masked(sentence: str) -> str:
    return MASK.sub(" ", sentence)


def _same_thing(first: Figure, second: Figure, similarity: float) -> bool:
    """Whether two differing figures of one kind are about the same thing."""
    if first.kind != second.kind or first.unit != second.unit or first.value == second.value:
        return False
    if first.kind == "vote" and sum(first.value) == sum(second.value):
        return True  # the same body: 7-2 and 6-3 are both nine votes
    return similarity >= SAME_CLAIM


def _carries(article_text: str, figure: Figure) -> bool:
    """True when the text states ``figure``'s value anywhere (as written)."""
    return figure.text.lower() in article_text.lower()


def find_discrepancies(
    articles: Sequence[StoryArticle],
    earlier: Sequence[StoryArticle] = (),
) -> list[Discrepancy]:
    """Figures stated differently by the story's articles, and corrections.

    Args:
        articles: the current version of each article of the story.
        earlier: the version before the current one of articles that changed
            (same ``id`` as the current article): a figure changed between
            them is a correction.

    Returns:
        One discrepancy per disagreeing figure, the values sorted by how many
        outlets carry them.
    """
    current = {a.id: a for a in articles}
    figures = [f for a in articles for f in figures_in(a.text, a.id, a.source)]
    old = [
        f
        for a in earlier
        if a.id in current
        for f in figures_in(a.text, a.id, a.source, superseded=True)
        if not _carries(current[a.id].text, f)
    ]
    every = figures + old
    if len(every) < 2:
        return []
    masked = [_masked(f.sentence) for f in every]
    similarity = similarity_matrix(masked, masked, corpus=masked)
    # Union of figure pairs that disagree about one thing.
    parent = list(range(len(every)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    linked = False
    for i, first in enumerate(every):
        for j in range(i + 1, len(every)):
            second = every[j]
            if first.article_id == second.article_id and first.superseded == second.superseded:
                continue
            if not _same_thing(first, second, float(similarity[i, j])):
                continue
            if first.article_id != second.article_id and (
                _carries(current[second.article_id].text, first)
                or _carries(current[first.article_id].text, second)
            ):
                continue  # each also states the other's figure: no disagreement
            parent[root(j)] = root(i)
            linked = True
    if not linked:
        return []
    clusters: dict[int, list[Figure]] = {}
    for index, figure in enumerate(every):
        clusters.setdefault(root(index), []).append(figure)
    found = []
    for members in clusters.values():
        if len(members) < 2:
            continue
        discrepancy = _discrepancy(members)
        if len(discrepancy.values) >= 2 or discrepancy.corrected:
            found.append(discrepancy)
    return found


def _about(figures: Sequence[Figure]) -> str:
    kind, unit = figures[0].kind, figures[0].unit
    if kind == "vote":
        return "vote tally"
    if kind == "money":
        return f"amount ({unit})"
    return f"number {unit}"


def _discrepancy(members: list[Figure]) -> Discrepancy:
    """One discrepancy from figures that disagree about one thing."""
    discrepancy = Discrepancy(kind=members[0].kind, about=_about(members))
    values: dict[tuple[float, ...], dict[str, object]] = {}
    for figure in members:
        if figure.superseded:
            continue
        entry = values.setdefault(
            figure.value,
            {"text": figure.text, "outlets": [], "article_ids": [], "sentences": []},
        )
        _add_unique(entry, "outlets", figure.source or "unknown outlet")
        _add_unique(entry, "article_ids", int(figure.article_id))
        entry_sentences = entry["sentences"]
        assert isinstance(entry_sentences, list)
        entry_sentences.append({"article_id": int(figure.article_id), "text": figure.sentence})
    for figure in members:
        if not figure.superseded:
            continue
        now = [f for f in members if f.article_id == figure.article_id and not f.superseded]
        if now:
            discrepancy.corrected.append(
                {
                    "article_id": int(figure.article_id),
                    "outlet": figure.source,
                    "from": figure.text,
                    "to": now[0].text,
                    "earlier_sentence": figure.sentence,
                }
            )
    discrepancy.values = sorted(
        values.values(),
        key=lambda entry: -len(entry["outlets"]) if isinstance(entry["outlets"], list) else 0,
    )
    return discrepancy


def _add_unique(entry: dict[str, object], key: str, value: object) -> None:
    items = entry[key]
    assert isinstance(items, list)
    if value not in items:
        items.append(value)


# Words whose change does not change what was said.
MINOR_WORDS = frozenset(
    "a an the and or but of to in on at for that this these those is are was were be".split()  # noqa: SIM905 (a word list reads best as words)
)


def _quote_words(text: str) -> str:
    """A quote's words for comparison: "U.S." and "US", "–" and "—" are the same."""
    return " ".join(re.findall(r"\w+", text.lower().replace(".", "")))


def quote_wordings(
    speaker: str | None, wordings: Sequence[tuple[str, str | None, str]]
) -> Discrepancy | None:
    """Outlets that quote one statement in different words (not merely cut shorter).

    Args:
        speaker: who said it.
        wordings: ``(text, source, article id)`` of each outlet's rendering of one quote.
    """
    normalised = [_quote_words(text) for text, _, _ in wordings]
    distinct: dict[str, dict[str, object]] = {}
    for (text, source, article_id), words in zip(wordings, normalised, strict=True):
        entry = distinct.setdefault(
            words, {"text": text, "outlets": [], "article_ids": [], "sentences": []}
        )
        _add_unique(entry, "outlets", source or "unknown outlet")
        _add_unique(entry, "article_ids", int(article_id))
    keys = list(distinct)
    # A truncation ("the relationship … cannot be broken" inside the longer
    # quote) is an editor's cut, not another wording.
    kept = [k for k in keys if not any(k != other and k in other for other in keys)]
    if len(kept) < 2:
        return None
    # Only a changed word that carries meaning: "a"/"the" is house style.
    changed = set(kept[0].split()).symmetric_difference(*(set(k.split()) for k in kept[1:]))
    if not changed - MINOR_WORDS:
        return None
    return Discrepancy(
        kind="quote",
        about=f"words of {speaker}" if speaker else "a quote's words",
        values=[distinct[k] for k in kept],
    )


def contradicts(claim: str, other: str) -> bool:
    """True when ``other`` states a different value of a figure ``claim`` states.

    A summary sentence "The justices voted 7-2" is not supported by an outlet
    whose matching sentence says 6-3, however alike the words.
    """
    mine = figures_in(claim, "claim", None)
    theirs = figures_in(other, "other", None)
    return any(
        a.kind == b.kind
        and a.unit == b.unit
        and a.value != b.value
        and a.text.lower() not in other.lower()
        for a in mine
        for b in theirs
    )
