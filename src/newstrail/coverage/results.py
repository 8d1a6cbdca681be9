"""What ``analysis.analyse_story`` stored for a story, read back for its page and JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store import schema


def _story_quotes_query() -> sa.Select[Any]:
    """Every quote group of a story with its members, in group then time order."""
    q, g, a, s = schema.quotes, schema.quote_groups, schema.articles, schema.sources
    return (
        sa.select(
            g.c.id.label("group_id"),
            g.c.text.label("group_text"),
            g.c.speaker_name,
            g.c.first_article_id,
            q.c.text,
            q.c.kind,
            q.c.group_relation,
            q.c.version_id,
            a.c.id.label("article_id"),  # None for a group without quotes
            s.c.name.label("outlet"),
        )
        # Flat LEFT JOINs: with "LEFT JOIN (quotes JOIN articles)" SQLite
        # materialises the inner join over every quote (1.1 s a story at 1M).
        .select_from(
            g.outerjoin(q, q.c.group_id == g.c.id)
            .outerjoin(a, a.c.id == q.c.article_id)
            .outerjoin(s, s.c.id == a.c.source_id)
        )
        .where(g.c.story_id == sa.bindparam("story_id"))
        .order_by(g.c.id, a.c.published, q.c.article_id, q.c.id)
    )


def _story_passages_query() -> sa.Select[Any]:
    """A story's reused passages with the articles of both versions."""
    p, v = schema.passages, schema.versions
    source_version, target_version = v.alias("source_version"), v.alias("target_version")
    return (
        sa.select(
            p.c.text,
            p.c.similarity,
            p.c.direction_reason,
            source_version.c.article_id.label("source_article_id"),
            target_version.c.article_id.label("target_article_id"),
        )
        .select_from(
            p.join(source_version, source_version.c.id == p.c.source_version_id).join(
                target_version, target_version.c.id == p.c.target_version_id
            )
        )
        .where(p.c.story_id == sa.bindparam("story_id"))
        .order_by(p.c.id)
    )


# Built once: constructing these per call (an alias of ``versions`` proxies
# every column) was ~20 % of a story read in a cProfile of 200 uncached
# stories, and one query per quote group (6 on average in bench/web_load.py)
# cost a statement round trip each; one joined query replaces them.
STORY_QUOTES = _story_quotes_query()
STORY_PASSAGES = _story_passages_query()
STORY_SUMMARY = (
    sa.select(schema.summary_sentences)
    .where(schema.summary_sentences.c.story_id == sa.bindparam("story_id"))
    .order_by(schema.summary_sentences.c.position)
)
STORY_ANALYSIS = sa.select(
    schema.story_analyses.c.exclusive,
    schema.story_analyses.c.discrepancies,
    schema.story_analyses.c.computed_at,
    schema.story_analyses.c.version_ids,
).where(schema.story_analyses.c.story_id == sa.bindparam("story_id"))


def _current_versions_query() -> sa.Select[Any]:
    """The id of the latest visible version of each article of a story.

    A correlated subquery per member: a grouped subquery over ``versions``
    made SQLite scan every version in the store for one story page.
    """
    v, members = schema.versions, schema.story_articles
    latest = (
        sa.select(v.c.id)
        .where(v.c.article_id == members.c.article_id, v.c.kind.in_(("new", "flipflop")))
        .order_by(v.c.number.desc())
        .limit(1)
        .correlate(members)
        .scalar_subquery()
    )
    return sa.select(latest).where(members.c.story_id == sa.bindparam("story_id"))


STORY_CURRENT_VERSIONS = _current_versions_query()


def _quote_groups(rows: Iterable[Any], analysed: set[int]) -> list[dict[str, Any]]:
    """Rows of ``STORY_QUOTES`` folded into one entry per group, in group order.

    Only quotes of the versions the analysis read (``analysed``) are members:
    a quote of an older version is never shown as what an outlet says now.
    """
    groups: dict[int, tuple[Any, list[Any]]] = {}
    for row in rows:
        _, members = groups.setdefault(row.group_id, (row, []))
        if row.article_id is not None and row.version_id in analysed:
            members.append(row)
    quotes = []
    for group, members in groups.values():
        carried = [m for m in members if m.group_relation != "paraphrase"]
        quotes.append(
            {
                "text": group.group_text,
                "kind": _group_kind(group, carried),
                "speaker": group.speaker_name,
                "outlets": list(dict.fromkeys(m.outlet or "unknown outlet" for m in carried)),
                "first_article_id": group.first_article_id,
                "variants": [
                    {
                        "article_id": m.article_id,
                        "outlet": m.outlet,
                        "text": m.text,
                        "kind": m.kind,
                        "relation": m.group_relation,
                    }
                    for m in carried
                ],
                "paraphrases": [
                    {"article_id": m.article_id, "outlet": m.outlet, "text": m.text}
                    for m in members
                    if m.group_relation == "paraphrase"
                ],
            }
        )
    return quotes


def _group_kind(group: Any, carried: list[Any]) -> str:
    """direct | indirect | mixed: the kind of the member whose words head the group.

    Indirect speech ("that relations are strong") is shown without quotation
    marks: wrapping it in them would put words in the speaker's mouth.
    """
    for member in carried:
        if member.text == group.group_text:
            return str(member.kind)
    return str(carried[0].kind) if carried else str(group.kind or "direct")


# Analyses stored before the API had one vocabulary name the outlet ``source``
# (a list of them ``sources``); read back, they use the API's names.
OUTLET_KEYS = {"source": "outlet", "sources": "outlets"}


def outlet_names(value: Any) -> Any:
    """Stored analysis JSON with ``source``/``sources`` keys read as ``outlet``/``outlets``.

    Renamed on reading, not by a migration: the rows are rewritten whenever a
    story is analysed again, and in these records a ``source`` is always the
    outlet (reuse's origin article is ``source_article_id``, in its own table).
    """
    if isinstance(value, dict):
        return {OUTLET_KEYS.get(key, key): outlet_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [outlet_names(item) for item in value]
    return value


def _exclusive(report: dict[str, Any]) -> dict[str, Any]:
    """One stored exclusive report with article ids as numbers, as everywhere in the API.

    ``coverage/exclusives.py`` works on ids as text (its articles are keyed by str).
    """
    facts = [
        {**fact, "article_ids": [int(i) for i in fact.get("article_ids", [])]}
        for fact in report.get("facts", [])
    ]
    return {**report, "article_id": int(report["article_id"]), "facts": facts}


def read_analysis(connection: Connection, story_id: int) -> dict[str, Any]:
    """What ``analyse_story`` stored, shaped for the story page and its JSON."""
    story = {"story_id": story_id}
    analysis = connection.execute(STORY_ANALYSIS, story).first()
    found: list[int | None] = list(connection.execute(STORY_CURRENT_VERSIONS, story).scalars())
    current = {version_id for version_id in found if version_id is not None}
    analysed = set(analysis.version_ids) if analysis else current
    quotes = [
        group
        for group in _quote_groups(connection.execute(STORY_QUOTES, story), analysed)
        if group["variants"] or group["paraphrases"]
    ]
    summary = []
    for row in connection.execute(STORY_SUMMARY, story):
        citations = outlet_names(row.citations or [])
        summary.append(
            {
                "text": row.text,
                "article_id": row.article_id,
                "outlets": list(
                    dict.fromkeys(c.get("outlet") or "unknown outlet" for c in citations)
                ),
                "citations": citations,
            }
        )
    passages = [
        {
            "source_article_id": row.source_article_id,
            "target_article_id": row.target_article_id,
            "text": row.text,
            "similarity": row.similarity,
            "direction_reason": row.direction_reason,
        }
        for row in connection.execute(STORY_PASSAGES, story)
    ]
    return {
        # When the story's articles have versions the analysis has not read yet
        # (a job was stopped before refreshing it), everything below is from
        # ``analysed_version_ids`` and the page says so.
        "analysed_at": analysis.computed_at.isoformat() if analysis else None,
        "analysed_version_ids": sorted(analysed),
        "stale": analysis is None or analysed != current,
        "quotes": quotes,
        "summary_sentences": summary,
        "passages": passages,
        "exclusive": {
            key: _exclusive(report) for key, report in outlet_names(analysis.exclusive).items()
        }
        if analysis
        else {},
        "discrepancies": outlet_names(analysis.discrepancies or []) if analysis else [],
    }
