"""Per-story analyses: quotes and who carries them, reused passages, what each
outlet alone reports, and the cited summary — computed and stored.

``analyse_story`` runs the coverage stages (``quoting/``, ``reuse.py``,
``exclusives.py``, ``summary.py``) over the latest visible version of each of
a story's articles, outside any transaction, then replaces what was stored for
the story in one short write transaction that checks the versions it analysed
are still the current ones. Quotes are stored per version and computed once
per version.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.coverage.discrepancies import contradicts, find_discrepancies, quote_wordings
from newstrail.coverage.exclusives import exclusive_content
from newstrail.coverage.quoting import (
    Quote,
    QuoteGroup,
    QuoteOccurrence,
    extract_quotes,
    group_quotes,
)
from newstrail.coverage.quoting.roles import StorySpeakers, by_prominence
from newstrail.coverage.results import outlet_names
from newstrail.coverage.reuse import Passage, StoryArticle, find_passages
from newstrail.coverage.summary import SummarySentence, summarise_story
from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.store.search import drop_entries, index_entry
from newstrail.versions.kinds import latest_visible_numbers

log = logging.getLogger(__name__)


# Any constant shared by all workers: with the story id, the advisory lock under
# which one story's analysis is written on PostgreSQL.
ANALYSIS_LOCK = 0x616E616C  # "anal"
# Attempts before the analysis is written from inputs that changed meanwhile
# are given up on (the next job that touches the story analyses it again).
MAX_ATTEMPTS = 3
MAX_ANALYSIS_CHARS = 50_000


def _latest_versions_query(*columns: Any) -> sa.Select[Any]:
    """The latest visible version of each article of a story: ``columns`` of it."""
    a, v, sa_ = schema.articles, schema.versions, schema.story_articles
    latest = latest_visible_numbers()
    return (
        sa.select(*columns)
        .select_from(
            sa_.join(a, a.c.id == sa_.c.article_id)
            .join(latest, latest.c.article_id == a.c.id)
            .join(v, sa.and_(v.c.article_id == a.c.id, v.c.number == latest.c.number))
            .outerjoin(schema.sources, schema.sources.c.id == a.c.source_id)
        )
        .where(
            sa_.c.story_id == sa.bindparam("story_id"),
            # A quarantined article (jobs/quarantine.py) is kept but not analysed.
            ~sa.exists().where(
                schema.quarantine.c.article_id == a.c.id,
                schema.quarantine.c.state == "quarantined",
            ),
        )
        .order_by(a.c.published, a.c.id)
    )


LATEST_VERSIONS = _latest_versions_query(
    schema.versions.c.id.label("version_id"),
    schema.versions.c.article_id,
    # Analysis cost grows faster than the text (quote grouping compares quotes
    # pairwise): each article is analysed up to this many characters, five
    # times the longest article of the dev sets (10,020).
    sa.func.substr(schema.versions.c.text, 1, MAX_ANALYSIS_CHARS).label("text"),
    schema.versions.c.title,
    schema.articles.c.published,
    schema.articles.c.first_seen_at,
    schema.articles.c.url,
    schema.sources.c.name.label("source"),
)
LATEST_VERSION_IDS = _latest_versions_query(schema.versions.c.id)


def _published(row: Any) -> datetime:
    if row.published:
        try:
            return datetime.fromisoformat(row.published).replace(tzinfo=UTC)
        except ValueError:
            pass
    first_seen: datetime = row.first_seen_at
    return first_seen if first_seen.tzinfo else first_seen.replace(tzinfo=UTC)


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


@dataclass
class _VersionQuote:
    """A quote of one version: stored already (with its row id) or found just now."""

    quote: Quote
    quote_id: int | None = None


@dataclass
class _StoryInputs:
    """What an analysis reads: the story's current versions and their stored quotes."""

    rows: list[Any]
    quotes: dict[int, list[_VersionQuote]]  # version id → its quotes (empty: none stored)
    earlier: dict[int, str] = field(default_factory=dict)  # article id → previous text

    @property
    def version_ids(self) -> list[int]:
        return [row.version_id for row in self.rows]


@dataclass
class _StoryAnalysis:
    """Everything ``analyse_story`` writes, computed with no transaction open."""

    inputs: _StoryInputs
    groups: list[tuple[QuoteGroup, list[tuple[_VersionQuote, str]]]]
    passages: list[Passage]
    summary: list[SummarySentence]
    exclusive: dict[str, Any]
    discrepancies: list[dict[str, object]]


def _stored_quote(row: Any) -> _VersionQuote:
    quote = Quote(
        quote=(row.quote_start, row.quote_end),
        speaker=(row.speaker_start, row.speaker_end) if row.speaker_start is not None else None,
        speaker_name=row.speaker_name,
        verb=(row.verb_start, row.verb_end) if row.verb_start is not None else None,
        kind=row.kind,
        text=row.text,
    )
    return _VersionQuote(quote, int(row.id))


def _stored_quotes(
    connection: Connection, version_ids: list[int]
) -> dict[int, list[_VersionQuote]]:
    """The quotes already stored for each of ``version_ids``."""
    found: dict[int, list[_VersionQuote]] = {version_id: [] for version_id in version_ids}
    for start in range(0, len(version_ids), 500):  # bounded IN lists
        rows = connection.execute(
            sa.select(schema.quotes)
            .where(schema.quotes.c.version_id.in_(version_ids[start : start + 500]))
            .order_by(schema.quotes.c.id)
        )
        for row in rows:
            found[row.version_id].append(_stored_quote(row))
    return found


def _earlier_texts(connection: Connection, rows: list[Any]) -> dict[int, str]:
    """The text of the visible version before the current one, per article that has one."""
    v = schema.versions
    current = {r.article_id: r.version_id for r in rows}
    previous: dict[int, tuple[int, int]] = {}  # article id → (number, version id)
    ids = list(current)
    for start in range(0, len(ids), 500):  # bounded IN lists
        for row in connection.execute(
            sa.select(v.c.article_id, v.c.number, v.c.id).where(
                v.c.article_id.in_(ids[start : start + 500]),
                v.c.kind.in_(("new", "flipflop")),
            )
        ):
            if row.id == current[row.article_id]:
                continue
            if row.number > previous.get(row.article_id, (-1, 0))[0]:
                previous[row.article_id] = (row.number, row.id)
    if not previous:
        return {}
    texts: dict[int, str] = {
        row.id: row.text
        for row in connection.execute(
            sa.select(v.c.id, v.c.text).where(v.c.id.in_([i for _, i in previous.values()]))
        )
    }
    return {article_id: texts[version_id] for article_id, (_, version_id) in previous.items()}


def _read_inputs(store: Store, story_id: int) -> _StoryInputs:
    with store.read() as connection:
        rows = list(connection.execute(LATEST_VERSIONS, {"story_id": story_id}))
        return _StoryInputs(
            rows,
            _stored_quotes(connection, [r.version_id for r in rows]),
            _earlier_texts(connection, rows),
        )


def _compute(inputs: _StoryInputs) -> _StoryAnalysis:
    """Quotes, passages, summary and exclusive content of a story (the slow part: spaCy)."""
    rows = inputs.rows
    for row in rows:
        if not inputs.quotes[row.version_id] and row.text.strip():
            inputs.quotes[row.version_id] = [
                _VersionQuote(q) for q in extract_quotes(row.text, statements_only=True)
            ]
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
    occurrences: list[QuoteOccurrence] = []
    quote_of: dict[int, _VersionQuote] = {}
    speakers = StorySpeakers.build(
        (row.text for row in rows),
        (q.quote.speaker_name for row in rows for q in inputs.quotes[row.version_id]),
    )
    for row in rows:
        for version_quote in inputs.quotes[row.version_id]:
            # "Who said what" needs a who: a quote whose speaker is no person or
            # organisation the story names stays stored, but joins no group.
            speaker = speakers.canonical(version_quote.quote.speaker_name)
            if speaker is None:
                continue
            occurrence = QuoteOccurrence(
                article_id=str(row.article_id),
                source=row.source,
                published=_published(row).date().isoformat(),
                quote=replace(version_quote.quote, speaker_name=speaker),
            )
            occurrences.append(occurrence)
            quote_of[id(occurrence)] = version_quote
    groups = []
    for group in by_prominence(group_quotes(occurrences), occurrences):
        canonical = _normalised(group.text)
        related = [
            (o, "exact" if _normalised(o.quote.text) == canonical else "variant")
            for o in group.occurrences
        ]
        related += [(o, "paraphrase") for o, _score in group.paraphrases]
        groups.append((group, [(quote_of[id(o)], relation) for o, relation in related]))
    earlier = [
        StoryArticle(
            id=str(r.article_id),
            source=r.source,
            published=_published(r),
            title=r.title,
            text=inputs.earlier[r.article_id],
            url=r.url,
        )
        for r in rows
        if r.article_id in inputs.earlier
    ]
    discrepancies = [d.to_json() for d in find_discrepancies(articles, earlier)]
    for group, _members in groups:
        # Direct quotes only: reported speech is each outlet's own wording.
        wordings = [
            (o.quote.text, o.source, o.article_id)
            for o in group.occurrences
            if o.quote.kind == "direct"
        ]
        found = quote_wordings(group.speaker_name, wordings) if len(wordings) > 1 else None
        if found is not None:
            discrepancies.append(found.to_json())
    return _StoryAnalysis(
        inputs=inputs,
        groups=groups,
        passages=find_passages(articles),
        summary=[_consistent(s) for s in summarise_story(articles)] if articles else [],
        # Stored with the API's names (``outlet``, not the dataclass's ``source``).
        exclusive={
            key: outlet_names(_plain(report)) for key, report in exclusive_content(articles).items()
        },
        discrepancies=discrepancies,
    )


def _consistent(sentence: SummarySentence) -> SummarySentence:
    """The summary sentence citing only outlets that do not state other figures for it.

    After an outlet corrected 7-2 to 6-3, the summary's "voted 7-2" kept citing
    it: the sentences are alike in every word but the figure.
    """
    own, *others = sentence.supporting
    kept = [s for s in others if not contradicts(sentence.text, s.sentence)]
    if len(kept) == len(others):
        return sentence
    supporting = (own, *kept)
    sources = tuple(dict.fromkeys(s.source for s in supporting if s.source))
    return replace(sentence, supporting=supporting, sources=sources)


def analyse_story(store: Store, story_id: int) -> bool:
    """Compute and store quotes, passages, exclusive content and summary for a story.

    The analysis is computed from a read snapshot with no transaction open
    (spaCy takes 1-2 s on a small story, and a write transaction held that long
    stalls every other writer), then written in one short transaction that
    first checks the story's current versions are still the ones analysed; if
    an article got a new version or the story's members changed meanwhile, the
    analysis is computed again from the new snapshot.

    Returns:
        True when the analysis was written; False when the story kept changing
        for ``MAX_ATTEMPTS`` attempts (it is left for the next job that touches it).
    """
    for _attempt in range(MAX_ATTEMPTS):
        analysis = _compute(_read_inputs(store, story_id))
        with store.write() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.select(sa.func.pg_advisory_xact_lock(ANALYSIS_LOCK, story_id))
                )
            current = connection.execute(LATEST_VERSION_IDS, {"story_id": story_id})
            if list(current.scalars()) != analysis.inputs.version_ids:
                continue  # read again outside the transaction
            _write(connection, story_id, analysis)
            return True
    log.warning(
        "story %s changed during %d analyses; left for the next job", story_id, MAX_ATTEMPTS
    )
    return False


def _write(connection: Connection, story_id: int, analysis: _StoryAnalysis) -> None:
    """Replace what is stored for the story with ``analysis`` (in the caller's transaction)."""
    rows = analysis.inputs.rows
    # Another worker may have stored the quotes of a version since they were read.
    stored_now = _stored_quotes(connection, analysis.inputs.version_ids)
    for row in rows:
        version_quotes = analysis.inputs.quotes[row.version_id]
        if any(q.quote_id is None for q in version_quotes) and stored_now[row.version_id]:
            by_span = {
                (q.quote.quote, q.quote.text): q.quote_id for q in stored_now[row.version_id]
            }
            for version_quote in version_quotes:
                version_quote.quote_id = by_span.get(
                    (version_quote.quote.quote, version_quote.quote.text)
                )
        for version_quote in version_quotes:
            if version_quote.quote_id is None:
                version_quote.quote_id = _insert_quote(connection, row, version_quote.quote)
    _drop_superseded_quotes(connection, rows)
    for table in (schema.quote_groups, schema.passages, schema.summary_sentences):
        connection.execute(table.delete().where(table.c.story_id == story_id))
    connection.execute(
        schema.story_analyses.delete().where(schema.story_analyses.c.story_id == story_id)
    )
    for group, members in analysis.groups:
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
        for version_quote, relation in members:
            if version_quote.quote_id is not None:
                connection.execute(
                    schema.quotes.update()
                    .where(schema.quotes.c.id == version_quote.quote_id)
                    .values(group_id=group_id, group_relation=relation)
                )
    version_of = {str(r.article_id): r.version_id for r in rows}
    for passage in analysis.passages:
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
    outlet_of = {str(r.article_id): r.source for r in rows}
    for position, sentence in enumerate(analysis.summary):
        connection.execute(
            schema.summary_sentences.insert().values(
                story_id=story_id,
                position=position,
                text=sentence.text,
                article_id=int(sentence.article_id),
                citations=[
                    {
                        "article_id": int(s.article_id),
                        "outlet": outlet_of.get(s.article_id),
                        "score": round(s.score, 3),
                    }
                    for s in sentence.supporting
                ],
            )
        )
    connection.execute(
        schema.story_analyses.insert().values(
            story_id=story_id,
            computed_at=utcnow(),
            version_ids=sorted(version_of.values()),
            exclusive=analysis.exclusive,
            discrepancies=analysis.discrepancies,
        )
    )


def _drop_superseded_quotes(connection: Connection, rows: list[Any]) -> None:
    """Ungroup the quotes of the story's older versions and take them out of search.

    They stay stored (each version keeps its quotes), but nothing presents them
    as what the article says now: a quote search found a quote an outlet had
    since dropped, and the story page showed it among the current variants.
    """
    q = schema.quotes
    superseded: list[int] = list(
        connection.execute(
            sa.select(q.c.id).where(
                q.c.article_id.in_([r.article_id for r in rows]),
                q.c.version_id.not_in([r.version_id for r in rows]),
            )
        ).scalars()
    )
    for start in range(0, len(superseded), 500):  # bounded IN lists
        chunk = superseded[start : start + 500]
        connection.execute(
            q.update().where(q.c.id.in_(chunk)).values(group_id=None, group_relation=None)
        )
        drop_entries(connection, "quote", chunk)


def _insert_quote(connection: Connection, row: Any, quote: Quote) -> int:
    """Store one quote of a version and index it for search; its id."""
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
    index_entry(connection, "quote", quote_id, quote.speaker_name or "", quote.text, replace=False)
    return quote_id


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
