"""Per-story analyses: quotes and who carries them, reused passages, what each
outlet alone reports, and the cited summary — computed and stored.

``analyse_story`` runs the coverage stages (``quotes.py``, ``coverage/reuse.py``,
``coverage/exclusives.py``, ``coverage/summary.py``) over the latest visible version of each of a
story's articles and replaces what was stored for the story, in one
transaction. Quotes are stored per version and computed once per version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.store.search import index_entry


def _latest_versions(connection: Connection, story_id: int) -> list[Any]:
    """The latest visible version of each article of the story, with its outlet."""
    a, v, s, sa_ = schema.articles, schema.versions, schema.sources, schema.story_articles
    latest = (
        sa.select(v.c.article_id, sa.func.max(v.c.number).label("number"))
        .where(v.c.kind.in_(("new", "flipflop")))
        .group_by(v.c.article_id)
        .subquery()
    )
    return list(
        connection.execute(
            sa.select(
                v.c.id.label("version_id"),
                v.c.article_id,
                v.c.text,
                v.c.title,
                a.c.published,
                a.c.first_seen_at,
                a.c.url,
                s.c.name.label("source"),
            )
            .select_from(
                sa_.join(a, a.c.id == sa_.c.article_id)
                .join(latest, latest.c.article_id == a.c.id)
                .join(v, sa.and_(v.c.article_id == a.c.id, v.c.number == latest.c.number))
                .outerjoin(s, s.c.id == a.c.source_id)
            )
            .where(sa_.c.story_id == story_id)
            .order_by(a.c.published, a.c.id)
        ).all()
    )


def _published(row: Any) -> datetime:
    if row.published:
        try:
            return datetime.fromisoformat(row.published).replace(tzinfo=UTC)
        except ValueError:
            pass
    first_seen: datetime = row.first_seen_at
    return first_seen if first_seen.tzinfo else first_seen.replace(tzinfo=UTC)


def _ensure_quotes(connection: Connection, rows: list[Any]) -> dict[int, list[Any]]:
    """Quotes of each version (extracted once per version and stored)."""
    from newstrail.coverage.quoting import extract_quotes

    by_version: dict[int, list[Any]] = {}
    for row in rows:
        stored = connection.execute(
            sa.select(schema.quotes).where(schema.quotes.c.version_id == row.version_id)
        ).all()
        if not stored and row.text.strip():
            for quote in extract_quotes(row.text):
                inserted = connection.execute(
                    schema.quotes.insert().values(
                        version_id=row.version_id,
                        article_id=row.article_id,
                        kind=quote.kind,
                        text=quote.text,
                        quote_start=quote.quote[0],
                        quote_end=quote.quote[1],
                        speaker_start=quote.speaker[0] if quote.speaker else None,
                        speaker_end=quote.speaker[1] if quote.speaker else None,
                        speaker_name=quote.speaker_name,
                        verb_start=quote.verb[0] if quote.verb else None,
                        verb_end=quote.verb[1] if quote.verb else None,
                    )
                )
                assert inserted.inserted_primary_key is not None
                quote_id = int(inserted.inserted_primary_key[0])
                speaker = quote.speaker_name or ""
                index_entry(connection, "quote", quote_id, speaker, quote.text, replace=False)
            stored = connection.execute(
                sa.select(schema.quotes).where(schema.quotes.c.version_id == row.version_id)
            ).all()
        by_version[row.version_id] = list(stored)
    return by_version


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def analyse_story(store: Store, story_id: int) -> None:
    """Compute and store quotes, passages, exclusive content and summary for a story."""
    from newstrail.coverage.exclusives import exclusive_content
    from newstrail.coverage.quoting import Quote, QuoteOccurrence, group_quotes
    from newstrail.coverage.reuse import StoryArticle, find_passages
    from newstrail.coverage.summary import summarise_story

    with store.write() as connection:
        rows = _latest_versions(connection, story_id)
        articles = [
            StoryArticle(
                id=str(r.article_id),
                source=r.source,
                published=_published(r),
                title=r.title,
                text=r.text,
                url=r.url,
            )
            for r in rows
        ]
        version_of = {str(r.article_id): r.version_id for r in rows}
        quotes_by_version = _ensure_quotes(connection, rows)
        for table in (schema.quote_groups, schema.passages, schema.summary_sentences):
            connection.execute(table.delete().where(table.c.story_id == story_id))
        connection.execute(
            schema.story_analyses.delete().where(schema.story_analyses.c.story_id == story_id)
        )

        occurrences, quote_ids = [], {}
        for row in rows:
            for stored in quotes_by_version[row.version_id]:
                quote = Quote(
                    quote=(stored.quote_start, stored.quote_end),
                    speaker=(stored.speaker_start, stored.speaker_end)
                    if stored.speaker_start is not None
                    else None,
                    speaker_name=stored.speaker_name,
                    verb=(stored.verb_start, stored.verb_end)
                    if stored.verb_start is not None
                    else None,
                    kind=stored.kind,
                    text=stored.text,
                )
                occurrence = QuoteOccurrence(
                    article_id=str(row.article_id),
                    source=row.source,
                    published=_published(row).date().isoformat(),
                    quote=quote,
                )
                occurrences.append(occurrence)
                quote_ids[id(occurrence)] = stored.id
        for group in group_quotes(occurrences):
            result = connection.execute(
                schema.quote_groups.insert().values(
                    story_id=story_id,
                    speaker_name=group.speaker_name,
                    text=group.text,
                    first_article_id=int(group.first.article_id),
                )
            )
            assert result.inserted_primary_key is not None
            group_id = result.inserted_primary_key[0]
            canonical = _normalised(group.text)
            related = [
                (o, "exact" if _normalised(o.quote.text) == canonical else "variant")
                for o in group.occurrences
            ]
            related += [(o, "paraphrase") for o, _score in group.paraphrases]
            for occurrence, relation in related:
                quote_id = quote_ids.get(id(occurrence))
                if quote_id is not None:
                    connection.execute(
                        schema.quotes.update()
                        .where(schema.quotes.c.id == quote_id)
                        .values(group_id=group_id, group_relation=relation)
                    )

        for passage in find_passages(articles):
            connection.execute(
                schema.passages.insert().values(
                    story_id=story_id,
                    source_version_id=version_of[passage.source_article],
                    target_version_id=version_of[passage.target_article],
                    source_start=passage.source_span[0],
                    source_end=passage.source_span[1],
                    target_start=passage.target_span[0],
                    target_end=passage.target_span[1],
                    text=passage.text,
                    similarity=passage.similarity,
                    direction_reason=passage.direction_reason,
                )
            )

        source_of = {str(r.article_id): r.source for r in rows}
        for position, sentence in enumerate(summarise_story(articles) if articles else []):
            connection.execute(
                schema.summary_sentences.insert().values(
                    story_id=story_id,
                    position=position,
                    text=sentence.text,
                    article_id=int(sentence.article_id),
                    citations=[
                        {
                            "article_id": int(s.article_id),
                            "source": source_of.get(s.article_id),
                            "score": round(s.score, 3),
                        }
                        for s in sentence.supporting
                    ],
                )
            )
        exclusive = {key: _plain(report) for key, report in exclusive_content(articles).items()}
        connection.execute(
            schema.story_analyses.insert().values(
                story_id=story_id,
                computed_at=utcnow(),
                version_ids=sorted(version_of.values()),
                exclusive=exclusive,
            )
        )


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as JSON-ready data."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def analyse_stories(store: Store, story_ids: Iterable[int]) -> None:
    """Analyse each story in turn (each in its own transaction)."""
    for story_id in dict.fromkeys(story_ids):
        analyse_story(store, story_id)


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
            q.c.group_relation,
            a.c.id.label("article_id"),  # None for a group without quotes
            s.c.name.label("source"),
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
            source_version.c.article_id.label("source_article"),
            target_version.c.article_id.label("target_article"),
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
STORY_EXCLUSIVE = sa.select(schema.story_analyses.c.exclusive).where(
    schema.story_analyses.c.story_id == sa.bindparam("story_id")
)


def _quote_groups(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows of ``STORY_QUOTES`` folded into one entry per group, in group order."""
    groups: dict[int, tuple[Any, list[Any]]] = {}
    for row in rows:
        _, members = groups.setdefault(row.group_id, (row, []))
        if row.article_id is not None:
            members.append(row)
    quotes = []
    for group, members in groups.values():
        carried = [m for m in members if m.group_relation != "paraphrase"]
        quotes.append(
            {
                "text": group.group_text,
                "speaker": group.speaker_name,
                "sources": list(dict.fromkeys(m.source or "unknown source" for m in carried)),
                "first_article_id": group.first_article_id,
                "variants": [
                    {
                        "article_id": m.article_id,
                        "source": m.source,
                        "text": m.text,
                        "relation": m.group_relation,
                    }
                    for m in carried
                ],
                "paraphrases": [
                    {"article_id": m.article_id, "source": m.source, "text": m.text}
                    for m in members
                    if m.group_relation == "paraphrase"
                ],
            }
        )
    return quotes


def read_analysis(connection: Connection, story_id: int) -> dict[str, Any]:
    """What ``analyse_story`` stored, shaped for the story page and its JSON."""
    story = {"story_id": story_id}
    quotes = _quote_groups(connection.execute(STORY_QUOTES, story))
    summary = [
        {
            "text": row.text,
            "article_id": row.article_id,
            "sources": list(
                dict.fromkeys(c.get("source") or "unknown source" for c in row.citations)
            ),
            "citations": row.citations,
        }
        for row in connection.execute(STORY_SUMMARY, story)
    ]
    passages = [
        {
            "source_article": row.source_article,
            "target_article": row.target_article,
            "text": row.text,
            "similarity": row.similarity,
            "direction_reason": row.direction_reason,
        }
        for row in connection.execute(STORY_PASSAGES, story)
    ]
    analysis = connection.execute(STORY_EXCLUSIVE, story).first()
    return {
        "quotes": quotes,
        "summary_sentences": summary,
        "passages": passages,
        "exclusive": analysis.exclusive if analysis else {},
    }
