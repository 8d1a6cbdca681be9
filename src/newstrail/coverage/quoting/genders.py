"""Guess whether a person is referred to as "he" or "she", for pronoun resolution.

spaCy's small English model has no gender feature and no coreference, so a
pronoun used to go to the last subject whatever its gender ("she said" after
"Clinton … Trump …" named Trump). The clues here are the ones a reader uses:
an honorific or gendered title written before the name ("Mr. Obama", "Ms.
Warren", "Congresswoman Lee") and common given names. The name lists are the
most frequent US given names (the Social Security Administration's lists for
the 1940s-1990s births) plus the given names of prominent 2016 politicians;
they are written out because no maintained library bundles such a list
without a model or data download, and a name missing from them only leaves
the gender unknown, the behaviour before.
"""

from __future__ import annotations

MASCULINE = "he"
FEMININE = "she"

MASCULINE_TITLES = frozenset(
    """
    mr mr. sir lord king prince father husband son brother uncle congressman businessman
    spokesman chairman councilman assemblyman
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
FEMININE_TITLES = frozenset(
    """
    mrs mrs. ms ms. miss madam lady queen princess mother wife daughter sister aunt
    congresswoman businesswoman spokeswoman chairwoman councilwoman assemblywoman
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
MASCULINE_NAMES = frozenset(
    """
    james john robert michael william david richard joseph thomas charles christopher
    daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george
    timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen
    larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack
    dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle walter
    ethan jeremy harold keith christian roger noah gerald carl terry sean austin arthur
    lawrence jesse dylan bryan joe jordan billy bruce albert willie gabriel logan alan
    juan wayne roy ralph randy eugene vincent russell louis bobby philip johnny bill mike
    tom jim bob steve dan tim ben chris nick jeff greg ted barack bernie mitt newt
    rudy marco jeb reince vladimir hugh howard lester chuck harry mitch lindsey
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
FEMININE_NAMES = frozenset(
    """
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy
    betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa
    deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda
    pamela emma nicole helen samantha katherine christine debra rachel carolyn janet
    catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren
    christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa
    ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise
    amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte
    marie kayla alexis lori hillary melania ivanka kellyanne chelsea huma loretta condoleezza
    jill debbie carly nikki
    """.split()  # noqa: SIM905 (a word list reads best as words)
)


def title_gender(word: str) -> str | None:
    """The pronoun a title or honorific before a name implies ("Mrs." gives "she")."""
    lower = word.lower()
    if lower in MASCULINE_TITLES:
        return MASCULINE
    if lower in FEMININE_TITLES:
        return FEMININE
    return None


def name_gender(name: str) -> str | None:
    """The pronoun a full name's given name implies, or ``None`` when unknown."""
    words = name.split()
    if len(words) < 2:
        return None  # a lone surname says nothing
    first = words[0].lower()
    if first in MASCULINE_NAMES:
        return MASCULINE
    if first in FEMININE_NAMES:
        return FEMININE
    return None
