"""Browse the archive: articles and stories filtered, sorted and paged, with facets.

One read model for ``/articles``, ``/stories`` (and their JSON twins) and the
``newstrail articles`` / ``newstrail stories`` list commands, so a filter
means the same thing everywhere and the CLI's ``--json`` has the web's field
names. Paging is by offset over an order that always ends in the id, so a
page never repeats or skips a row while nothing is written; facet counts
(datasette's) are taken over the filtered rows, so each says how many rows
choosing it would leave.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

from newstrail.errors import InvalidInput
from newstrail.serve.listings import (
    Article,
    ArticleFilters,
    ArticlePage,
    FacetValue,
    StoryFilters,
    StoryPage,
    StoryRow,
)
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.stories.reading import stories_members
from newstrail.versions.kinds import VISIBLE_KINDS

MAX_PER_PAGE = 200
ARTICLE_STATES = ("active", "retired", "deleted", "moved")


@dataclass(frozen=True)
class Sorting:
    """A sort key by name; a leading ``-`` asks for descending order."""

    name: str
    descending: bool

    @property
    def label(self) -> str:
        return ("-" if self.descending else "") + self.name


# Sort keys are the JSON field names; the names they had before (in links
# people saved) still work and are answered with the new name.
FORMER_SORT_NAMES = {
    "last_changed": "last_changed_at",
    "first_seen": "first_seen_at",
    "last_seen": "last_seen_at",
    "versions": "version_count",
    "articles": "article_count",
    "outlets": "outlet_count",
}


def parse_sort(text: str, allowed: dict[str, Any]) -> Sorting:
    """``-last_changed_at`` → Sorting("last_changed_at", True); raises InvalidInput."""
    name = text.lstrip("-")
    name = FORMER_SORT_NAMES.get(name, name)
    if name not in allowed:
        raise InvalidInput(f"sort must be one of {', '.join(sorted(allowed))} (prefix - for desc)")
    return Sorting(name, text.startswith("-"))


_A, _S, _SA, _V, _ST = (
    schema.articles,
    schema.sources,
    schema.story_articles,
    schema.versions,
    schema.stories,
)
latest_language = (
    sa.select(_V.c.language)
    .where(_V.c.article_id == _A.c.id, _V.c.kind.in_(VISIBLE_KINDS))
    .order_by(_V.c.number.desc())
    .limit(1)
    .correlate(_A)
    .scalar_subquery()
)
ARTICLE_SORTS: dict[str, Any] = {
    "last_changed_at": _A.c.last_changed_at,
    "first_seen_at": _A.c.first_seen_at,
    "published": _A.c.published,
    "version_count": _A.c.version_count,
    "title": _A.c.title,
    "outlet": _S.c.name,
}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _article_conditions(filters: ArticleFilters, *, with_outlet: bool = True) -> list[Any]:
    """WHERE clauses for ``filters`` (the outlet one left out for the outlet facet)."""
    conditions: list[Any] = []
    if filters.outlets and with_outlet:
        conditions.append(_S.c.name.in_(filters.outlets))
    # An undated article is placed by when it was first seen, as the story timeline does.
    if filters.published_from is not None:
        day = filters.published_from
        conditions.append(
            sa.or_(
                _A.c.published >= day.isoformat(),
                sa.and_(_A.c.published.is_(None), _A.c.first_seen_at >= _day_start(day)),
            )
        )
    if filters.published_to is not None:
        day = filters.published_to
        after = _day_start(date.fromordinal(day.toordinal() + 1))
        conditions.append(
            sa.or_(
                _A.c.published <= day.isoformat(),
                sa.and_(_A.c.published.is_(None), _A.c.first_seen_at < after),
            )
        )
    if filters.language:
        conditions.append(latest_language == filters.language)
    if filters.has_changes is not None:
        conditions.append(
            _A.c.version_count > 1 if filters.has_changes else _A.c.version_count <= 1
        )
    if filters.state:
        if filters.state not in ARTICLE_STATES:
            raise InvalidInput(f"state must be one of {', '.join(ARTICLE_STATES)}")
        conditions.append(_A.c.state == filters.state)
    if filters.story_id is not None:
        conditions.append(_SA.c.story_id == filters.story_id)
    return conditions


_ARTICLE_FROM = _A.outerjoin(_S, _S.c.id == _A.c.source_id).outerjoin(
    _SA, _SA.c.article_id == _A.c.id
)


def _facet(connection: sa.Connection, column: Any, conditions: list[Any]) -> list[FacetValue]:
    """Counts of each non-null value of ``column`` over the filtered articles, largest first."""
    counted = sa.func.count().label("n")
    rows = connection.execute(
        sa.select(column.label("value"), counted)
        .select_from(_ARTICLE_FROM)
        .where(*conditions, column.is_not(None))
        .group_by(column)
        .order_by(counted.desc(), column)
    ).all()
    return [FacetValue(value=str(row.value), count=int(row.n)) for row in rows]


def browse_articles(
    store: Store,
    filters: ArticleFilters | None = None,
    *,
    sort: str = "-last_changed_at",
    page: int = 1,
    per_page: int = 50,
) -> ArticlePage:
    """One page of articles matching ``filters``, sorted, with facet counts.

    Args:
        store: the store to read.
        filters: which articles; None lists all.
        sort: a key of ``ARTICLE_SORTS``, ``-`` first for descending; ties go by id.
        page: 1-based page number.
        per_page: rows a page (the web caps it at ``MAX_PER_PAGE``).

    Returns:
        The page, the total count, and outlet/language/state facets.
    """
    filters = filters or ArticleFilters()
    sorting = parse_sort(sort, ARTICLE_SORTS)
    page, per_page = max(page, 1), max(per_page, 1)
    key = ARTICLE_SORTS[sorting.name]
    order = [key.desc().nulls_last(), _A.c.id.desc()]
    if not sorting.descending:
        order = [key.asc().nulls_last(), _A.c.id.asc()]
    conditions = _article_conditions(filters)
    query = (
        sa.select(
            _A.c.id,
            _A.c.url,
            _S.c.name.label("outlet"),
            _A.c.title,
            _A.c.published,
            _A.c.first_seen_at,
            _A.c.last_changed_at,
            _A.c.version_count,
            latest_language.label("language"),
            _A.c.state,
            _SA.c.story_id,
        )
        .select_from(_ARTICLE_FROM)
        .where(*conditions)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    with store.read() as connection:
        rows = connection.execute(query).all()
        total = connection.execute(
            sa.select(sa.func.count()).select_from(_ARTICLE_FROM).where(*conditions)
        ).scalar_one()
        outlets = _facet(connection, _S.c.name, _article_conditions(filters, with_outlet=False))
        languages = _facet(connection, latest_language, conditions)
        states = _facet(connection, _A.c.state, conditions)
    return ArticlePage(
        articles=[_article_row(row) for row in rows],
        article_count=int(total),
        page=page,
        per_page=per_page,
        page_count=max(1, -(-int(total) // per_page)),
        sort=sorting.label,
        filters=filters,
        outlets=outlets,
        languages=languages,
        states=states,
    )


def _as_utc(value: datetime | None) -> datetime | None:
    """A stored timestamp with its UTC offset (SQLite returns it naive)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _published(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:  # a partial date ("2024-05") read from a page: not a day
        return None


def _article_row(row: Any) -> Article:
    first_seen_at = _as_utc(row.first_seen_at)
    assert first_seen_at is not None  # NOT NULL column
    return Article(
        id=row.id,
        url=row.url,
        outlet=row.outlet,
        title=row.title,
        published=_published(row.published),
        first_seen_at=first_seen_at,
        last_changed_at=_as_utc(row.last_changed_at),
        version_count=row.version_count,
        language=row.language,
        state=row.state,
        story_id=row.story_id,
    )


article_count_column = sa.func.count(_SA.c.article_id)
outlet_count_column = sa.func.count(sa.distinct(_A.c.source_id))
STORY_SORTS: dict[str, Any] = {
    "last_seen_at": _ST.c.last_seen_at,
    "first_seen_at": _ST.c.first_seen_at,
    "article_count": article_count_column,
    "outlet_count": outlet_count_column,
    "title": _ST.c.title,
}


def _story_conditions(filters: StoryFilters, *, with_outlet: bool = True) -> list[Any]:
    conditions: list[Any] = [_ST.c.state != "merged"]
    if filters.outlets and with_outlet:
        carried = (
            sa.select(_SA.c.story_id)
            .select_from(
                _SA.join(_A, _A.c.id == _SA.c.article_id).join(_S, _S.c.id == _A.c.source_id)
            )
            .where(_S.c.name.in_(filters.outlets))
        )
        conditions.append(_ST.c.id.in_(carried))
    if filters.seen_from is not None:
        conditions.append(_ST.c.last_seen_at >= _day_start(filters.seen_from))
    if filters.seen_to is not None:
        after = _day_start(date.fromordinal(filters.seen_to.toordinal() + 1))
        conditions.append(_ST.c.first_seen_at < after)
    return conditions


def _size_conditions(filters: StoryFilters) -> list[Any]:
    having: list[Any] = []
    if filters.min_articles is not None:
        having.append(article_count_column >= filters.min_articles)
    if filters.max_articles is not None:
        having.append(article_count_column <= filters.max_articles)
    return having


def _grouped_stories(filters: StoryFilters, *, with_outlet: bool = True) -> sa.Select[Any]:
    """Stories matching ``filters`` with their article and outlet counts."""
    return (
        sa.select(
            _ST.c.id,
            _ST.c.title,
            _ST.c.state,
            _ST.c.first_seen_at,
            _ST.c.last_seen_at,
            article_count_column.label("article_count"),
            outlet_count_column.label("outlet_count"),
        )
        .select_from(_STORY_FROM)
        .where(*_story_conditions(filters, with_outlet=with_outlet))
        .group_by(_ST.c.id, _ST.c.title, _ST.c.state, _ST.c.first_seen_at, _ST.c.last_seen_at)
        .having(*_size_conditions(filters))
    )


_STORY_FROM = _ST.outerjoin(_SA, _SA.c.story_id == _ST.c.id).outerjoin(
    _A, _A.c.id == _SA.c.article_id
)


def browse_stories(
    store: Store,
    filters: StoryFilters | None = None,
    *,
    sort: str = "-last_seen_at",
    page: int = 1,
    per_page: int = 50,
) -> StoryPage:
    """One page of stories matching ``filters``, sorted, with the outlet facet.

    Args:
        store: the store to read.
        filters: which stories; None lists every story not merged into another.
        sort: a key of ``STORY_SORTS``, ``-`` first for descending; ties go by id.
        page: 1-based page number.
        per_page: rows a page (the web caps it at ``MAX_PER_PAGE``).

    Returns:
        The page, the total count, and how many matching stories each outlet carries.
    """
    filters = filters or StoryFilters()
    sorting = parse_sort(sort, STORY_SORTS)
    page, per_page = max(page, 1), max(per_page, 1)
    key = STORY_SORTS[sorting.name]
    order = [key.desc().nulls_last(), _ST.c.id.desc()]
    if not sorting.descending:
        order = [key.asc().nulls_last(), _ST.c.id.asc()]
    grouped = _grouped_stories(filters)
    with store.read() as connection:
        rows = connection.execute(
            grouped.order_by(*order).limit(per_page).offset((page - 1) * per_page)
        ).all()
        total = connection.execute(
            sa.select(sa.func.count()).select_from(grouped.subquery())
        ).scalar_one()
        members = _story_members(connection, [row.id for row in rows])
        facet_stories = _grouped_stories(filters, with_outlet=False).subquery()
        counted = sa.func.count(sa.distinct(_SA.c.story_id)).label("n")
        facet_rows = connection.execute(
            sa.select(_S.c.name, counted)
            .select_from(
                _SA.join(_A, _A.c.id == _SA.c.article_id).join(_S, _S.c.id == _A.c.source_id)
            )
            .where(_SA.c.story_id.in_(sa.select(facet_stories.c.id)))
            .group_by(_S.c.name)
            .order_by(counted.desc(), _S.c.name)
        ).all()
    return StoryPage(
        stories=[
            StoryRow(
                id=row.id,
                title=row.title,
                state=row.state,
                first_seen_at=_as_utc(row.first_seen_at),
                last_seen_at=_as_utc(row.last_seen_at),
                article_count=row.article_count,
                outlet_count=row.outlet_count,
                outlets=members.get(row.id, ([], []))[0],
                article_ids=members.get(row.id, ([], []))[1],
            )
            for row in rows
        ],
        story_count=int(total),
        page=page,
        per_page=per_page,
        page_count=max(1, -(-int(total) // per_page)),
        sort=sorting.label,
        filters=filters,
        outlets=[FacetValue(value=row.name, count=int(row.n)) for row in facet_rows],
    )


def _story_members(
    connection: sa.Connection, story_ids: list[int]
) -> dict[int, tuple[list[str], list[int]]]:
    """Each story's outlets and article ids, in the story page's order (publication)."""
    members: dict[int, tuple[list[str], list[int]]] = {}
    for story_id, refs in stories_members(connection, story_ids).items():
        names = list(dict.fromkeys(r.source for r in refs if r.source))
        members[story_id] = (names, [r.id for r in refs])
    return members


def model_json(record: Any) -> dict[str, Any]:
    """A listing record (a dataclass of ``serve/listings.py``) as JSON-ready data.

    Timestamps become ``2026-11-23T08:15:00+00:00`` and days ``2026-11-23``,
    as in every other newstrail output.
    """

    def plain(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    data: dict[str, Any] = plain(asdict(record))
    return data
