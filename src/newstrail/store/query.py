"""A person's search query, parsed into a safe FTS5 or tsquery expression.

The syntax is the one search engines taught everyone: words are all required,
``"a phrase"`` keeps words together and in order, ``OR`` (upper case) between
two terms accepts either (it binds tighter than the implied AND, as on the
web: ``floods "valley road" OR bridge`` is floods AND ("valley road" OR
bridge)), ``-word`` or ``NOT word`` excludes, and ``word*`` matches a prefix.

No library does this for us: FTS5's own query language rejects unbalanced
quotes and treats ``AND``/``NEAR``/``:`` as operators (user text passed through
raises a syntax error or searches a column), and PostgreSQL's
``websearch_to_tsquery`` has the right syntax but no prefix search and no
FTS5 twin. So the parser below keeps only words (``\\w`` runs, as both
tokenizers split them) and builds the expression itself: whatever a user
types, the database sees quoted words and operators we wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TERMS = 12  # beyond this, terms are dropped: a query is not a document
WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)
TOKEN = re.compile(r'(?P<sign>-?)"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+)')


@dataclass(frozen=True)
class Term:
    """One word or phrase (several words in order); ``prefix`` matches its last word's prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def __str__(self) -> str:
        text = " ".join(self.words) + ("*" if self.prefix else "")
        return f'"{text}"' if len(self.words) > 1 else text


@dataclass(frozen=True)
class Query:
    """What to find: every group (one of its terms) and none of ``excluded``."""

    required: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        """True when nothing is required (a query of exclusions alone finds nothing)."""
        return not self.required

    def words(self) -> list[str]:
        """Every required word, for highlighting elsewhere."""
        return [word for group in self.required for term in group for word in term.words]

    def __str__(self) -> str:
        groups = [
            " OR ".join(map(str, group)) if len(group) == 1 else f"({' OR '.join(map(str, group))})"
            for group in self.required
        ]
        return " ".join(groups + [f"-{term}" for term in self.excluded])


def parse_query(text: str) -> Query:
    """Parse what a person typed; never fails, whatever the input.

    Args:
        text: the query, e.g. ``lane closures -bridge "city council" OR mayor``.

    Returns:
        The query; ``empty`` when it has no word to look for.
    """
    required: list[list[Term]] = []
    excluded: list[Term] = []
    notes: list[str] = []
    negate_next = join_next = False
    count = 0
    for match in TOKEN.finditer(text):
        bare = match.group("bare")
        if bare in ("OR", "|"):
            join_next = bool(required)
            continue
        if bare == "AND":
            continue
        if bare == "NOT":
            negate_next = True
            continue
        negate = negate_next or bool(match.group("sign"))
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negate, bare = True, bare[1:]
        source = match.group("phrase") if bare is None else bare
        words = tuple(WORD.findall(source or ""))
        if not words:
            negate_next = join_next = False
            continue
        if count == MAX_TERMS:
            notes.append(f"only the first {MAX_TERMS} terms were used")
            break
        count += 1
        term = Term(words, prefix=bare is not None and bare.endswith("*"))
        if negate:
            excluded.append(term)
        elif join_next:
            required[-1].append(term)
        else:
            required.append([term])
        negate_next = join_next = False
    if excluded and not required:
        notes.append("a search needs at least one word that is not excluded")
    return Query(tuple(tuple(g) for g in required), tuple(excluded), tuple(notes))


def _fts5_term(term: Term) -> str:
    """A term as an FTS5 string (a phrase when it has several words)."""
    return '"' + " ".join(term.words).replace('"', "") + '"' + ("*" if term.prefix else "")


def to_fts5(query: Query) -> str | None:
    """The FTS5 MATCH expression for ``query`` (None when it is empty)."""
    if query.empty:
        return None
    groups = []
    for group in query.required:
        parts = [_fts5_term(term) for term in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    # FTS5's NOT binds tighter than AND, so "a AND b NOT c" is a AND (b NOT c):
    # the same rows as (a AND b) NOT c, without another pair of parentheses.
    return " AND ".join(groups) + "".join(f" NOT {_fts5_term(t)}" for t in query.excluded)


def _tsquery_term(term: Term) -> str | None:
    """A term as tsquery lexemes in order (``<->``), each quoted; None without letters."""
    pieces = [piece for word in term.words for piece in re.findall(r"\w+", word)]
    if not pieces:
        return None
    quoted = [f"'{piece}'" for piece in pieces]
    if term.prefix:
        quoted[-1] += ":*"
    return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"


def to_tsquery(query: Query) -> str | None:
    """The ``to_tsquery`` text for ``query`` (None when it is empty)."""
    groups = []
    for group in query.required:
        parts = [part for part in map(_tsquery_term, group) if part]
        if parts:
            groups.append(parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")")
    if not groups:
        return None
    excluded = [part for part in map(_tsquery_term, query.excluded) if part]
    return " & ".join(groups + [f"!{part}" for part in excluded])
