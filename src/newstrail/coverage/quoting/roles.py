"""Speakers across a story: titles resolved to people, one name per speaker, kinds.

An article resolves its own speakers (``speakers``), but it often names a
person only by role — "the Chinese president", "the incoming president",
"Russian leader" — because another sentence, or another outlet, named him.
This stage works over all of a story's articles at once:

- it indexes the people every article introduces with a title ("Chinese
  President Xi Jinping", "President-elect Joe Biden", "Russian leader
  Vladimir Putin") and resolves a role-only speaker to the one person the
  story names in that role and nationality, or leaves it unresolved;
- it maps a lone surname or given name ("Putin", "Jinping") to the one full
  name of the story that holds it;
- it says whether a speaker is a person or an organisation; anything else
  ("reports from Tokyo and Seoul", "both governments", an unresolved role) is
  not a speaker a reader can hold to account, and the story page leaves its
  quotes out of "who said what".

Written here: spaCy's small English model has no coreference, and the
maintained cross-document coreference systems need model downloads or a GPU.
The role vocabulary is the closed set news uses for heads of state and
government, as in the title lists of Wikipedia's infobox templates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from newstrail.coverage.quoting.records import QuoteGroup, QuoteOccurrence

# Roles that name the person leading a country: "the Chinese president" and
# "the Chinese leader" are the same man when the story has one Chinese president.
HEAD_ROLES = frozenset(
    {"president", "leader", "premier", "chancellor", "king", "queen", "counterpart"}
)
OTHER_ROLES = frozenset(
    {
        "minister",
        "secretary",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "ambassador",
        "governor",
        "senator",
        "mayor",
        "chairman",
        "director",
        "envoy",
    }
)
ROLES = HEAD_ROLES | OTHER_ROLES
# "president-elect", "incoming president": the same modifier.
ELECT_WORDS = frozenset({"elect", "incoming", "designate"})
SKIPPED_WORDS = frozenset(
    {"the", "a", "an", "its", "his", "her", "their", "former", "current", "then", "new"}
)
# Nouns that make a phrase an organisation: "Russia's presidential office",
# "the foreign ministry", "China's state-owned media".
ORGANISATION_NOUNS = frozenset(
    """
    office ministry government kremlin embassy agency council committee party media
    court department administration commission bureau police army military navy
    cabinet parliament congress senate house palace presidency spokesperson
    organisation organization union federation association company corporation
    group bank fund institute university foundation newspaper channel network
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
# Heads of a phrase that carries someone else's words: "an announcement by X".
MEDIUM_NOUNS = frozenset(
    {"announcement", "statement", "readout", "report", "release", "communique", "transcript"}
)
NAME_WORD = r"[A-Z][\w’'.-]*[a-z][\w’'-]*"
# Lower-case particles inside a name: "Mohammed bin Abdulrahman Al Thani",
# "Ursula von der Leyen", "Luiz Inácio Lula da Silva".
NAME_PARTICLES = frozenset(
    "bin bint ibn abu al el de da di del della der den van von la le du dos das do y".split()  # noqa: SIM905 (a word list reads best as words)
)
_NAME_PARTICLE = r"(?:" + "|".join(sorted(NAME_PARTICLES, key=len, reverse=True)) + r")"
TITLED_NAME = re.compile(
    r"(?P<modifiers>(?:[A-Z][\w.]*\s+){0,2})"
    r"(?P<role>(?i:vice[ -]president|prime minister|foreign minister|"
    + "|".join(sorted(ROLES, key=len, reverse=True))
    + r"))(?P<elect>-elect|-designate)?\s+"
    r"(?P<name>" + NAME_WORD + r"(?:\s+(?:" + _NAME_PARTICLE + r"\s+){0,2}" + NAME_WORD + r"){1,3})"
)
# A source the outlet does not name: "a senior US official", "an American
# diplomat", "two people familiar with the talks", "officials".
UNNAMED_SOURCE = re.compile(
    r"^(?:(?:an?|the|one|two|three|several|some|other)\s+)?(?:[\w.'’-]+\s+){0,3}?"
    r"(?P<noun>officials?|diplomats?|sources?|aides?|advisers?|advisors?|negotiators?|insiders?"
    r"|people|person|officers?|analysts?|spokesm[ae]n|spokeswom[ae]n|spokespersons?)"
    r"(?:\s+(?:familiar|close|with|to|for|in|at|of|briefed|on|the|knowledge)\b[\w\s'’-]*)?$",
    re.IGNORECASE,
)
POSSESSIVE = re.compile(r"(?:['’]s|['’])$")


@dataclass(frozen=True)
class Title:
    """One person as the story introduces them with a title."""

    person: str
    role: str  # "head" or the role word
    nationality: frozenset[str]
    elect: bool


def _role_class(role: str) -> str:
    role = role.lower().replace("-", " ")
    if role in HEAD_ROLES or role == "prime minister":
        return "head"
    return role.split()[-1]


def _stem(word: str) -> str:
    """A nationality's stem: "Chinese"/"China", "Russian"/"Russia's" meet at four letters."""
    return POSSESSIVE.sub("", word.lower()).strip(".")[:4]


def _clean_name(name: str) -> str:
    return POSSESSIVE.sub("", name.strip())


def story_titles(texts: Iterable[str]) -> list[Title]:
    """Every "<nationality> <role> <Name>" of the story's texts, in reading order."""
    found: list[Title] = []
    for text in texts:
        for match in TITLED_NAME.finditer(text):
            modifiers = match.group("modifiers").split()
            found.append(
                Title(
                    person=_clean_name(match.group("name")),
                    role=_role_class(match.group("role")),
                    nationality=frozenset(_stem(word) for word in modifiers),
                    elect=match.group("elect") is not None,
                )
            )
    return found


def _words(speaker: str) -> list[str]:
    return [w for w in re.split(r"[\s-]+", speaker.lower()) if w and w not in SKIPPED_WORDS]


@dataclass
class StorySpeakers:
    """Speaker names of one story, resolved against everything its articles say."""

    titles: list[Title]
    people: set[str]
    organisations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Iterable[str], names: Iterable[str | None]) -> StorySpeakers:
        """Index the story's titled people and the full names its speakers use.

        Args:
            texts: the current text of each article of the story.
            names: the speaker names extraction gave each quote.
        """
        titles = story_titles(texts)
        people = {title.person for title in titles}
        for name in names:
            if name and _looks_like_person(name):
                people.add(name)
        return cls(titles, people)

    def _role(self, speaker: str) -> str | None:
        """The person a role-only mention names, when the story has exactly one."""
        words = _words(speaker)
        roles = [w for w in words if w in ROLES or w == "minister"]
        elect = any(w in ELECT_WORDS for w in words)
        if not words or not all(w in ROLES or w in ELECT_WORDS or w[:1].isalpha() for w in words):
            return None
        if not roles and not elect:
            return None
        if any(w not in ROLES and w not in ELECT_WORDS and not _nationality(w) for w in words):
            return None
        role = _role_class(roles[-1]) if roles else "head"
        nationality = {_stem(w) for w in words if w not in ROLES and w not in ELECT_WORDS}
        candidates = Counter(
            title.person
            for title in self.titles
            if title.role == role
            and nationality <= title.nationality
            and (title.elect or not elect)
        )
        if elect:
            candidates = Counter(
                {
                    p: n
                    for p, n in candidates.items()
                    if any(t.elect for t in self.titles if t.person == p)
                }
            )
        people: Counter[str] = Counter()
        for person, count in candidates.items():
            people[self._full(person)] += count
        ranked = people.most_common(2)
        if len(ranked) == 1:
            return ranked[0][0]
        # "Chinese President Jiang Zemin" named once in passing beside Xi
        # Jinping named throughout: the story's Chinese president is Xi.
        if ranked and ranked[0][1] > 3 * ranked[1][1]:
            return ranked[0][0]
        return None

    def _full(self, name: str) -> str:
        """The one fuller name of the story that contains ``name``'s words, else ``name``."""
        words = name.split()
        fuller = {
            person
            for person in self.people
            if len(person.split()) > len(words) and all(w in person.split() for w in words)
        }
        return fuller.pop() if len(fuller) == 1 else name

    def canonical(self, speaker: str | None) -> str | None:
        """The story-wide name of a speaker, or None when it names no person or organisation."""
        if not speaker:
            return None
        speaker = speaker.strip()
        resolved = self._role(speaker)
        if resolved is not None:
            return resolved
        if _role_only(speaker):
            return None  # "Chinese President" with no one person in that role: no speaker
        medium = _medium_source(speaker)
        if medium is not None:
            speaker = medium
        if _looks_like_person(speaker) or (
            len(speaker.split()) == 1 and speaker[:1].isupper() and self._full(speaker) != speaker
        ):
            return self._full(_clean_name(speaker))
        if unnamed_source(speaker):
            # "A senior US official" is a person the outlet does not name: the
            # quote stays, under the outlet's own words for them.
            return speaker[:1].lower() + speaker[1:]
        if _looks_like_organisation(speaker):
            name = _clean_name(re.sub(r"^(?i:the)\s+", "", speaker))
            # "Russia's presidential office" and "the Russian presidential office"
            # are one speaker: the first name the story used stands for both.
            return self.organisations.setdefault(" ".join(map(_stem, name.split())), name)
        return None


def _role_only(speaker: str) -> bool:
    """Whether the speaker is a role with at most a nationality ("the Chinese President")."""
    words = _words(speaker)
    if not any(w in ROLES for w in words):
        return False
    rest = [w for w in words if w not in ROLES and w not in ELECT_WORDS and w != "prime"]
    return len(rest) <= 1 and all(_NATIONALITY_FORM.search(w) for w in rest)


# Nationality words: "chinese", "russian", "qatari", "french", "british",
# "russia's", "u.s.".
_NATIONALITY_FORM = re.compile(r"(?:ese|an|i|ch|ish|['’]s)$|^u\.?s\.?$|^uk$")


def _nationality(word: str) -> bool:
    """A word that may qualify a role: "chinese", "russia's", "u.s.", "us"."""
    return word.replace(".", "").replace("’", "").replace("'", "").isalpha()


def _medium_source(speaker: str) -> str | None:
    """ "an announcement by Russia's presidential office after …" gives the office."""
    match = re.match(
        r"^(?:(?:an?|the)\s+)?(?:\w+\s+)?(?P<noun>\w+)\s+(?:by|from|of)\s+(?P<source>.+)$",
        speaker,
        flags=re.IGNORECASE,
    )
    if match is None or match.group("noun").lower() not in MEDIUM_NOUNS:
        return None
    source = re.split(r"\s+(?:after|on|in|about|during|following|at)\s+", match.group("source"))
    return source[0].strip(" ,")


def _looks_like_person(name: str) -> bool:
    """Two to five capitalised words (particles between), none a role or an organisation noun."""
    words = name.split()
    inner = words[1:-1]
    return (
        2 <= len(words) <= 5
        and all(
            re.fullmatch(NAME_WORD + r"|[A-Z]\.", word)
            or (word in NAME_PARTICLES and word in inner)
            for word in words
        )
        and not any(w.lower() in ROLES or w.lower() in ORGANISATION_NOUNS for w in words)
    )


_UNNAMED_FIRST_WORDS = frozenset(
    "a an one two three several some other officials sources diplomats aides".split()  # noqa: SIM905 (a word list reads best as words)
)


def unnamed_source(speaker: str) -> bool:
    """Whether the speaker is a source the outlet leaves unnamed ("a senior US official")."""
    match = UNNAMED_SOURCE.match(speaker.strip())
    first = speaker.split()[0].lower() if speaker.split() else ""
    return match is not None and first in _UNNAMED_FIRST_WORDS


def _looks_like_organisation(name: str) -> bool:
    """A proper name ("Interfax", "China") or a phrase headed by an organisation noun."""
    words = re.sub(r"^(?i:the)\s+", "", name.strip()).split()
    if not words or len(words) > 6:
        return False
    if all(word[:1].isupper() or word.lower() in {"of", "for", "and", "&"} for word in words):
        return words[0][:1].isupper()
    last = POSSESSIVE.sub("", words[-1].lower())
    has_name = any(word[:1].isupper() for word in words)
    return last in ORGANISATION_NOUNS and (has_name or last in {"kremlin", "government"})


def speaker_order(
    speakers: Iterable[tuple[str, str, int]],
) -> list[str]:
    """Speakers by prominence: outlets carrying them, then first appearance.

    Args:
        speakers: ``(speaker, outlet, position)`` for each quote, where a lower
            position appeared earlier.

    Returns:
        Each speaker once, most prominent first.
    """
    outlets: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    for speaker, outlet, position in speakers:
        outlets.setdefault(speaker, set()).add(outlet)
        first[speaker] = min(first.get(speaker, position), position)
    return sorted(outlets, key=lambda s: (-len(outlets[s]), first[s], s))


def by_prominence(groups: list[QuoteGroup], occurrences: list[QuoteOccurrence]) -> list[QuoteGroup]:
    """Groups by their speaker's prominence, then by outlets carrying them, then time.

    Alphabetical order put the story's main speaker (Xi Jinping, carried by
    three of four outlets on the sample story) 27th of 29.
    """
    position = {id(o): n for n, o in enumerate(occurrences)}

    def first(group: QuoteGroup) -> int:
        members = group.occurrences + [o for o, _ in group.paraphrases]
        return min(position[id(o)] for o in members)

    order = speaker_order(
        (group.speaker_name or "", o.source or o.article_id, first(group))
        for group in groups
        for o in group.occurrences + [o for o, _ in group.paraphrases]
    )
    rank = {speaker: n for n, speaker in enumerate(order)}
    return sorted(
        groups,
        key=lambda g: (
            rank[g.speaker_name or ""],
            -len({o.source or o.article_id for o in g.occurrences}),
            first(g),
        ),
    )
