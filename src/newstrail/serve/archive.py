"""Read the archive: articles, their versions and sources, as plain records.

The CLI, the web app and exports all read through these functions, so what a
person sees in a table and what a program gets as JSON come from one query.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.errors import NotFound
from newstrail.serve.vocabulary import public_evidence
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.sentences import count_words
from newstrail.versions.kinds import HELD_KINDS, VISIBLE_KINDS

RETIRED_NOTE = "last changed over {days} days ago and won't be checked again"


@dataclass(frozen=True)
class VersionSummary:
    """One stored version, without its text."""

    id: int
    article_id: int
    number: int
    kind: str
    captured_at: datetime
    title: str | None
    text_sha256: str
    word_count: int
    origin: str
    same_as_id: int | None
    # Why a version is held back or template-only (versions/verification.py).
    note: str | None = None


@dataclass(frozen=True)
class ArticleSummary:
    """An article as listed: where it is from and how it has changed."""

    id: int
    url: str
    outlet: str | None  # the source's name (serve/models/: one vocabulary)
    title: str | None
    published: str | None
    first_seen_at: datetime
    last_changed_at: datetime | None
    version_count: int
    language: str | None
    state: str
    story_id: int | None = None


@dataclass(frozen=True)
class ArticleDetail:
    """An article with its current text and every version."""

    article: ArticleSummary
    byline: str | None
    site_name: str | None
    text: str
    extractor: str | None
    next_check_at: datetime | None
    versions: list[VersionSummary] = field(default_factory=list)
    # Which evidence gave each field of the current version (published_source, ...).
    evidence: dict[str, Any] = field(default_factory=dict)
    # free | restricted | teaser (what the latest capture's page says about access).
    access: str = "free"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self.article)
        data.update(
            byline=self.byline,
            site_name=self.site_name,
            evidence=self.evidence,
            access=self.access,
            text=self.text,
            extractor=self.extractor,
            next_check_at=self.next_check_at,
            versions=[asdict(v) for v in self.versions],
        )
        jsonable: dict[str, Any] = _jsonable(data)
        return jsonable


def iso_utc(value: datetime) -> str:
    """A timestamp as ISO 8601 in UTC with its offset (a naive one is taken as UTC)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def to_json(record: Any) -> Any:
    """A dataclass record (or list of them) as JSON-ready data."""
    if isinstance(record, list):
        return [to_json(r) for r in record]
    if hasattr(record, "to_json"):
        return record.to_json()
    return _jsonable(asdict(record))


def _summary_query() -> sa.Select[Any]:
    a, s, sa_, v = schema.articles, schema.sources, schema.story_articles, schema.versions
    language = (
        sa.select(v.c.language)
        .where(v.c.article_id == a.c.id, v.c.kind.in_(VISIBLE_KINDS))
        .order_by(v.c.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(
        a.c.id,
        a.c.url,
        s.c.name.label("outlet"),
        a.c.title,
        a.c.published,
        a.c.state,
        a.c.version_count,
        language.label("language"),
        a.c.first_seen_at,
        a.c.last_changed_at,
        sa_.c.story_id,
    ).select_from(
        a.outerjoin(s, s.c.id == a.c.source_id).outerjoin(sa_, sa_.c.article_id == a.c.id)
    )


def _summary(row: Any) -> ArticleSummary:
    return ArticleSummary(
        id=row.id,
        url=row.url,
        outlet=row.outlet,
        title=row.title,
        published=row.published,
        first_seen_at=row.first_seen_at,
        last_changed_at=row.last_changed_at,
        version_count=row.version_count,
        language=row.language,
        state=row.state,
        story_id=row.story_id,
    )


def list_articles(
    store: Store, *, limit: int = 100, offset: int = 0, source: str | None = None
) -> list[ArticleSummary]:
    """Articles, most recently first seen first."""
    query = _summary_query().order_by(
        schema.articles.c.first_seen_at.desc(), schema.articles.c.id.desc()
    )
    if source:
        query = query.where(schema.sources.c.name == source)
    with store.read() as connection:
        rows = connection.execute(query.limit(limit).offset(offset)).all()
    return [_summary(row) for row in rows]


def resolve_article_id(connection: Connection, id_or_url: str | int) -> int:
    """The id of the article named by id or URL; raises NotFound."""
    text = str(id_or_url).strip()
    if text.isdigit():
        found = connection.execute(
            sa.select(schema.articles.c.id).where(schema.articles.c.id == int(text))
        ).first()
    else:
        found = connection.execute(
            sa.select(schema.articles.c.id).where(schema.articles.c.url == text)
        ).first()
    if found is None:
        raise NotFound(f"no article {text!r}")
    return int(found.id)


def get_article(store: Store, id_or_url: str | int) -> ArticleDetail:
    """One article with its current (latest visible) text and all versions."""
    with store.read() as connection:
        article_id = resolve_article_id(connection, id_or_url)
        row = connection.execute(_summary_query().where(schema.articles.c.id == article_id)).one()
        extra = connection.execute(
            sa.select(schema.articles.c.extractor, schema.articles.c.next_check_at).where(
                schema.articles.c.id == article_id
            )
        ).one()
        version_rows = connection.execute(
            sa.select(schema.versions)
            .where(schema.versions.c.article_id == article_id)
            .order_by(schema.versions.c.number)
        ).all()
    versions = [
        VersionSummary(
            id=v.id,
            article_id=v.article_id,
            number=v.number,
            kind=v.kind,
            captured_at=v.captured_at,
            title=v.title,
            text_sha256=v.text_sha256,
            word_count=count_words(v.text),
            origin=v.origin,
            same_as_id=v.same_as_id,
            note=(v.verification or {}).get("reason") if v.kind not in VISIBLE_KINDS else None,
        )
        for v in version_rows
    ]
    # The current text is the last good one: a held-back capture is not the article.
    good = [v for v in version_rows if v.kind not in HELD_KINDS]
    current = (good or version_rows)[-1] if version_rows else None
    latest = version_rows[-1] if version_rows else None
    access = str((latest.verification or {}).get("access") or "free") if latest else "free"
    return ArticleDetail(
        article=_summary(row),
        byline=current.byline if current else None,
        site_name=current.site_name if current else None,
        text=current.text if current else "",
        evidence=public_evidence(current.evidence or {}) if current else {},
        extractor=extra.extractor,
        next_check_at=extra.next_check_at,
        versions=versions,
        access=access,
    )


def get_version(store: Store, version_id: int) -> Any:
    """One version row (all columns); raises NotFound."""
    with store.read() as connection:
        row = connection.execute(
            sa.select(schema.versions).where(schema.versions.c.id == version_id)
        ).first()
    if row is None:
        raise NotFound(f"no version {version_id}")
    return row


def archive_counts(store: Store) -> dict[str, int]:
    """How many of each kind of record the store holds."""
    tables = {
        "sources": schema.sources,
        "articles": schema.articles,
        "versions": schema.versions,
        "blobs": schema.blobs,
        "stories": schema.stories,
        "quotes": schema.quotes,
    }
    with store.read() as connection:
        return {
            name: int(connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for name, t in tables.items()
        }
