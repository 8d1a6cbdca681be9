"""The silent-edit record per outlet: factual edits made after publication, and how
many of them the outlet owned up to with a correction or update notice.

Every published edit (a visible version against the visible version before
it) is classified with ``versions.edits.compare_versions``. Its sentence
changes map onto the NewsEdits sentence actions (Spangher et al., NAACL 2022:
*addition*, *deletion*, *edit*, *refactor* for moves); an edit is *factual*
when it changed a number, a quote, a name or the headline, else *stylistic*.
A factual edit is *noticed* when the new version shows a correction or
update notice the old one did not ("Correction: …", "This article has been
updated …"), and *silent* otherwise. Each figure keeps the list of articles
behind it, so nobody has to take a number on trust.

Held-back captures (suspect, teaser) and template-only versions are never
part of a pair: only what readers were shown counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newstrail.errors import NotFound
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.sentences import split_paragraphs
from newstrail.versions.diff import VersionText
from newstrail.versions.edits import compare_versions, is_correction_notice
from newstrail.versions.kinds import VISIBLE_KINDS

# Edit types that change a fact, by the kind of fact.
FACT_KINDS = {
    "number_changed": "number",
    "quote_added": "quote",
    "quote_removed": "quote",
    "quote_altered": "quote",
    "entity_added": "name",
    "entity_removed": "name",
    "headline_changed": "headline",
}
# Sentence edit types as NewsEdits sentence actions.
ACTIONS = {
    "sentence_added": "addition",
    "sentence_deleted": "deletion",
    "sentence_edited": "edit",
    "sentence_moved": "refactor",
    "paragraph_moved": "refactor",
}
# Outlets with fewer factual edits than this are listed after the ranked ones:
# a share of one or two edits says nothing about an outlet's habits.
RANK_MIN_FACTUAL = 3


@dataclass(frozen=True)
class EditEntry:
    """One published edit behind the figures."""

    article_id: int
    number: int
    previous_number: int
    captured_at: datetime
    title: str | None
    url: str
    significance: str
    facts: tuple[str, ...]
    actions: dict[str, int]
    noticed: bool

    @property
    def factual(self) -> bool:
        """True when the edit changed a number, quote, name or the headline."""
        return bool(self.facts)

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON-ready data."""
        return {
            "article_id": self.article_id,
            "number": self.number,
            "previous_number": self.previous_number,
            "captured_at": self.captured_at.isoformat(),
            "title": self.title,
            "url": self.url,
            "significance": self.significance,
            "factual": self.factual,
            "facts": list(self.facts),
            "actions": dict(self.actions),
            "noticed": self.noticed,
        }


@dataclass
class OutletRecord:
    """One outlet's record of published edits."""

    source_id: int
    name: str
    entries: list[EditEntry] = field(default_factory=list)

    @property
    def substantive(self) -> list[EditEntry]:
        """Edits classified substantive."""
        return [e for e in self.entries if e.significance == "substantive"]

    @property
    def factual(self) -> list[EditEntry]:
        """Edits that changed a fact."""
        return [e for e in self.entries if e.factual]

    @property
    def noticed(self) -> list[EditEntry]:
        """Factual edits that came with a correction or update notice."""
        return [e for e in self.factual if e.noticed]

    @property
    def silent(self) -> list[EditEntry]:
        """Factual edits without any notice."""
        return [e for e in self.factual if not e.noticed]

    @property
    def silent_share(self) -> float | None:
        """Share of factual edits made silently (None without factual edits)."""
        return len(self.silent) / len(self.factual) if self.factual else None

    def to_json(self, *, with_entries: bool = True) -> dict[str, Any]:
        """The record as JSON-ready data (each figure with its article list)."""
        facts: Counter[str] = Counter(f for e in self.factual for f in set(e.facts))
        actions: Counter[str] = Counter()
        for entry in self.entries:
            actions.update(entry.actions)
        data: dict[str, Any] = {
            "source_id": self.source_id,
            # ``outlet`` and ``<thing>_count``, as the rest of the API says them.
            "outlet": self.name,
            "edit_count": len(self.entries),
            "edited_article_count": len({e.article_id for e in self.entries}),
            "substantive_count": len(self.substantive),
            "factual_count": len(self.factual),
            "stylistic_count": len(self.entries) - len(self.factual),
            "noticed_count": len(self.noticed),
            "silent_count": len(self.silent),
            "silent_share": None if self.silent_share is None else round(self.silent_share, 3),
            "facts": dict(sorted(facts.items())),
            "actions": {
                name: actions[name] for name in ("addition", "deletion", "edit", "refactor")
            },
        }
        if with_entries:
            data["articles"] = {
                "factual": _refs(self.factual),
                "noticed": _refs(self.noticed),
                "silent": _refs(self.silent),
                "stylistic": _refs([e for e in self.entries if not e.factual]),
            }
            data["entries"] = [e.to_json() for e in self.entries]
        return data


def _refs(entries: list[EditEntry]) -> list[dict[str, Any]]:
    return [
        {"article_id": e.article_id, "number": e.number, "title": e.title, "url": e.url}
        for e in entries
    ]


def _notices(text: str) -> set[str]:
    return {p.strip() for p in split_paragraphs(text) if is_correction_notice(p)}


def classify_pair(
    old: VersionText, new: VersionText
) -> tuple[str, tuple[str, ...], dict[str, int], bool]:
    """(significance, fact kinds, NewsEdits actions, noticed) of one published edit."""
    comparison = compare_versions(old, new)
    types = Counter(edit.type for edit in comparison.edits)
    facts = tuple(sorted({FACT_KINDS[t] for t in types if t in FACT_KINDS}))
    actions: Counter[str] = Counter()
    for edit in comparison.edits:
        if edit.type in ACTIONS:
            actions[ACTIONS[edit.type]] += 1
        elif edit.type == "correction_added":  # a notice is a sentence added, or one edited
            actions["addition" if edit.old is None else "edit"] += 1
    noticed = "correction_added" in types or bool(_notices(new.text) - _notices(old.text))
    return comparison.significance, facts, dict(actions), noticed


def outlet_records(store: Store, source_id: int | None = None) -> list[OutletRecord]:
    """The silent-edit record of every outlet (or of one), ranked.

    Args:
        store: the store to read.
        source_id: one outlet only; raises NotFound when there is no such source.

    Returns:
        Outlets with at least RANK_MIN_FACTUAL factual edits first, by share of
        silent factual edits (highest first), then the others by edit count.
    """
    s, a, v = schema.sources, schema.articles, schema.versions
    query = (
        sa.select(
            s.c.id.label("source_id"),
            s.c.name,
            a.c.id.label("article_id"),
            a.c.url,
            v.c.number,
            v.c.kind,
            v.c.captured_at,
            v.c.title,
            v.c.byline,
            v.c.published,
            v.c.text,
        )
        .join(a, a.c.source_id == s.c.id)
        .join(v, v.c.article_id == a.c.id)
        .where(v.c.kind.in_(VISIBLE_KINDS))
        .order_by(s.c.id, a.c.id, v.c.number)
    )
    with store.read() as connection:
        if source_id is not None:
            name = connection.execute(sa.select(s.c.name).where(s.c.id == source_id)).scalar()
            if name is None:
                raise NotFound(f"no source {source_id}")
            query = query.where(s.c.id == source_id)
        rows = connection.execute(query).all()
    records: dict[int, OutletRecord] = {}
    if source_id is not None:
        records[source_id] = OutletRecord(source_id, str(name))
    previous = None
    for row in rows:
        record = records.setdefault(row.source_id, OutletRecord(row.source_id, str(row.name)))
        if previous is not None and previous.article_id == row.article_id and row.kind == "new":
            old = VersionText(previous.title, previous.byline, previous.published, previous.text)
            new = VersionText(row.title, row.byline, row.published, row.text)
            significance, facts, actions, noticed = classify_pair(old, new)
            if significance != "trivial":
                record.entries.append(
                    EditEntry(
                        row.article_id,
                        row.number,
                        previous.number,
                        row.captured_at,
                        row.title,
                        row.url,
                        significance,
                        facts,
                        actions,
                        noticed,
                    )
                )
        previous = row
    return sorted(records.values(), key=_rank)


def _rank(record: OutletRecord) -> tuple[int, float, int, str]:
    ranked = len(record.factual) >= RANK_MIN_FACTUAL
    share = record.silent_share or 0.0
    return (0 if ranked else 1, -share if ranked else 0.0, -len(record.entries), record.name)
