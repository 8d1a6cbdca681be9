"""Stories in the store: place articles with the online clusterer.

The clusterer (``stories/clustering/``) decides; this module keeps the store in step:
``story_articles`` holds each article's current story, ``story_moves`` every
change of story (placed, merge, split, rewritten, rebuild), and ``cluster_state`` the
clusterer's saved state, all written in one transaction per batch so a crash
never leaves assignments and state out of step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.stories.clustering import ClusterArticle, Placement, Revision, StoryClusterer
from newstrail.stories.reading import article_date, list_stories, published_date
from newstrail.versions.kinds import latest_visible_numbers

log = logging.getLogger(__name__)


# -- placing articles ---------------------------------------------------------


def _load_clusterer(connection: Connection) -> StoryClusterer:
    """The saved clusterer; rebuilt from the stored stories if its state cannot be read.

    A state from an older newstrail (another format version) or a damaged one
    must not stop placement: the stories and their ids are in the store, so
    the clusterer is rebuilt around them rather than the stories around it.
    """
    row = connection.execute(sa.select(schema.cluster_state.c.data)).first()
    if row is None:
        return StoryClusterer()
    try:
        return StoryClusterer.from_state(bytes(row.data))
    except ValueError as error:
        log.warning("clusterer state unreadable (%s); rebuilding it from the stored stories", error)
    members = connection.execute(
        sa.select(schema.story_articles.c.article_id, schema.story_articles.c.story_id)
    ).all()
    assignments = [
        (article, member.story_id)
        for member in members
        if (article := _article_for_clustering(connection, member.article_id)) is not None
    ]
    assignments.sort(key=lambda pair: _arrival_key(pair[0]))
    # Stories merged away keep their rows (and moves point at them): never reuse their ids.
    highest = connection.execute(sa.select(sa.func.max(schema.stories.c.id))).scalar()
    return StoryClusterer.from_assignments(assignments, next_id=(highest or 0) + 1)


def _arrival_key(article: ClusterArticle) -> tuple[datetime, int]:
    """Publication order, undated first, ties by article id (as articles are placed)."""
    return (article.date or datetime.min.replace(tzinfo=UTC), int(article.id))


def _save_clusterer(connection: Connection, clusterer: StoryClusterer, articles: int) -> None:
    table = schema.cluster_state
    values = {"data": clusterer.to_state(), "articles": articles, "updated_at": utcnow()}
    if connection.execute(sa.select(table.c.id)).first():
        connection.execute(table.update().where(table.c.id == 1).values(**values))
    else:
        connection.execute(table.insert().values(id=1, **values))


def _article_for_clustering(connection: Connection, article_id: int) -> ClusterArticle | None:
    a, v, s = schema.articles, schema.versions, schema.sources
    row = connection.execute(
        sa.select(
            a.c.title, a.c.published, a.c.first_seen_at, a.c.url, s.c.name.label("source"), v.c.text
        )
        .select_from(a.join(v, v.c.article_id == a.c.id).outerjoin(s, s.c.id == a.c.source_id))
        .where(a.c.id == article_id, v.c.kind.in_(("new", "flipflop")))
        .order_by(v.c.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return ClusterArticle(
        id=str(article_id),
        title=row.title or "",
        text=row.text,
        # Only a real publication date: an import's time says nothing about
        # when an article appeared, and would keep undated articles apart.
        date=published_date(row.published),
        source=row.source,
        url=row.url,
    )


# Any constant shared by all workers: the advisory lock that serialises placement.
PLACEMENT_LOCK = 0x6E657773  # "news"


def _serialise_placement(connection: Connection) -> None:
    """One placement batch at a time across workers.

    The clusterer's state is read, changed and written back in one transaction;
    two workers doing that at once would lose one's stories. SQLite's BEGIN
    IMMEDIATE already serialises writers; PostgreSQL takes a transaction-scoped
    advisory lock.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(PLACEMENT_LOCK)))


def place_articles(store: Store, article_ids: Iterable[int]) -> list[Placement]:
    """Place articles into stories (in publication order) and record the result.

    Args:
        store: the store.
        article_ids: articles new to the clusterer; already placed ones are skipped.

    Returns:
        One placement per article placed.
    """
    placements: list[Placement] = []
    with store.write() as connection:
        _serialise_placement(connection)
        wanted = list(dict.fromkeys(article_ids))
        placed: set[int] = set()
        for start in range(0, len(wanted), 500):  # bounded IN lists, no scan of all stories
            chunk = wanted[start : start + 500]
            placed.update(
                connection.execute(
                    sa.select(schema.story_articles.c.article_id).where(
                        schema.story_articles.c.article_id.in_(chunk)
                    )
                ).scalars()
            )
        todo = [i for i in wanted if i not in placed]
        if not todo:
            return []
        clusterer = _load_clusterer(connection)
        candidates = [c for c in (_article_for_clustering(connection, i) for i in todo) if c]
        candidates.sort(key=_arrival_key)
        touched: set[int] = set()
        # place_all tokenises ahead in a worker when the batch is long (a rebuild).
        for placement in clusterer.place_all(candidates):
            placements.append(placement)
            touched |= _apply_placement(connection, placement)
        _refresh_stories(connection, clusterer, touched)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(schema.story_articles)
        ).scalar_one()
        _save_clusterer(connection, clusterer, int(total))
    return placements


def _apply_placement(connection: Connection, placement: Placement) -> set[int]:
    """Write one placement and the moves it caused; return the story ids touched."""
    now = utcnow()
    touched = {placement.story_id}
    _ensure_story(connection, placement.story_id, now)
    connection.execute(
        schema.story_articles.insert().values(
            article_id=int(placement.article_id),
            story_id=placement.story_id,
            score=placement.score,
            assigned_at=now,
        )
    )
    connection.execute(
        schema.story_moves.insert().values(
            article_id=int(placement.article_id),
            from_story=None,
            to_story=placement.story_id,
            reason="placed",
            at=now,
        )
    )
    for move in placement.moves:
        touched |= {move.from_story, move.to_story}
        _move_article(
            connection, int(move.article_id), move.from_story, move.to_story, move.reason, now
        )
    return touched


def _ensure_story(connection: Connection, story_id: int, now: datetime) -> None:
    exists = connection.execute(
        sa.select(schema.stories.c.id).where(schema.stories.c.id == story_id)
    ).first()
    if exists is None:
        connection.execute(
            schema.stories.insert().values(
                id=story_id, state="active", created_at=now, updated_at=now
            )
        )


def _refresh_stories(
    connection: Connection, clusterer: StoryClusterer, story_ids: set[int]
) -> None:
    """Recompute title, time span and state of the stories a batch touched."""
    a, sa_ = schema.articles, schema.story_articles
    now = utcnow()
    for story_id in story_ids:
        rows = connection.execute(
            sa.select(a.c.published, a.c.first_seen_at)
            .select_from(sa_.join(a, a.c.id == sa_.c.article_id))
            .where(sa_.c.story_id == story_id)
        ).all()
        values: dict[str, Any] = {"updated_at": now}
        if rows:
            # Publication dates when any member has one: an undated member's
            # capture time says when newstrail saw it, not when the story ran,
            # and mixed in it made a 2020 story "last seen" on the import day.
            dates = [d for d in (published_date(r.published) for r in rows) if d] or [
                article_date(r.published, r.first_seen_at) for r in rows
            ]
            values.update(
                title=clusterer.story_title(story_id),
                first_seen_at=min(dates),
                last_seen_at=max(dates),
                state="active",
                merged_into=None,
            )
        else:
            values.update(state="merged")
        connection.execute(
            schema.stories.update().where(schema.stories.c.id == story_id).values(**values)
        )


# -- re-placing changed articles -------------------------------------------------


def changed_since_analysis(
    store: Store, article_ids: Iterable[int] = (), story_ids: Iterable[int] = ()
) -> list[int]:
    """Of these articles and these stories' members, those whose current version
    their story's stored analysis did not read.

    Every job analyses the stories it touched after placing, so a version the
    analysis did not read is one placement has not weighed either: whichever
    path brought it (watch, check, import, bulk import) or a job killed before
    its end (its story is then stale: pass the stale stories). Articles of
    stories never analysed were placed with their current text.
    """
    v, members, analyses = schema.versions, schema.story_articles, schema.story_analyses
    latest = latest_visible_numbers()
    query = (
        sa.select(members.c.article_id, v.c.id, analyses.c.version_ids)
        .join(latest, latest.c.article_id == members.c.article_id)
        .join(v, sa.and_(v.c.article_id == latest.c.article_id, v.c.number == latest.c.number))
        .join(analyses, analyses.c.story_id == members.c.story_id)
    )
    changed: set[int] = set()
    with store.read() as connection:
        for column, wanted in (
            (members.c.article_id, list(dict.fromkeys(article_ids))),
            (members.c.story_id, list(dict.fromkeys(story_ids))),
        ):
            for start in range(0, len(wanted), 500):  # bounded IN lists
                for row in connection.execute(query.where(column.in_(wanted[start : start + 500]))):
                    if row.id not in set(row.version_ids or ()):
                        changed.add(int(row.article_id))
    return sorted(changed)


def revise_articles(store: Store, article_ids: Iterable[int]) -> list[Revision]:
    """Weigh placed articles' current text against their stories; move those that left.

    An article whose new version is about something else (its content fit
    to the rest of its story falls below the clusterer's split threshold; see
    ``StoryClusterer.revise``) is taken out of its story and placed as new;
    each move is recorded in ``story_moves`` as ``rewritten``, and a story it
    leaves empty is marked ``merged`` into the article's new story, so old
    links lead there. Articles that stay have their story's centroid follow
    their new text. One transaction, serialised like ``place_articles``.

    Args:
        store: the store.
        article_ids: articles with a new version (unplaced ones are skipped).

    Returns:
        One revision per article weighed (``moved`` tells the moves).
    """
    wanted = list(dict.fromkeys(article_ids))
    if not wanted:
        return []
    revisions: list[Revision] = []
    with store.write() as connection:
        _serialise_placement(connection)
        story_of: dict[int, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            story_of.update(
                (int(row.article_id), int(row.story_id))
                for row in connection.execute(
                    sa.select(
                        schema.story_articles.c.article_id, schema.story_articles.c.story_id
                    ).where(schema.story_articles.c.article_id.in_(chunk))
                )
            )
        if not story_of:
            return []
        clusterer = _load_clusterer(connection)
        touched: set[int] = set()
        now = utcnow()
        for article_id in wanted:
            if article_id not in story_of:
                continue
            article = _article_for_clustering(connection, article_id)
            revision = article and clusterer.revise(article, story_of[article_id])
            if not revision:
                continue
            revisions.append(revision)
            touched.add(revision.from_story)
            if revision.moved:
                touched.add(revision.to_story)
                _record_rewrite(connection, revision, now)
        _refresh_stories(connection, clusterer, touched)
        for revision in revisions:
            if revision.emptied:  # emptied by the move: old links lead to where it went
                connection.execute(
                    schema.stories.update()
                    .where(schema.stories.c.id == revision.from_story)
                    .values(merged_into=revision.to_story)
                )
        total = connection.execute(
            sa.select(sa.func.count()).select_from(schema.story_articles)
        ).scalar_one()
        _save_clusterer(connection, clusterer, int(total))
    return revisions


def _record_rewrite(connection: Connection, revision: Revision, now: datetime) -> None:
    """Move one article to its new story and record why."""
    _move_article(
        connection,
        int(revision.article_id),
        revision.from_story,
        revision.to_story,
        "rewritten",
        now,
    )


def _move_article(
    connection: Connection,
    article_id: int,
    from_story: int | None,
    to_story: int,
    reason: str,
    now: datetime,
) -> None:
    """Put an article in ``to_story`` and record the move in ``story_moves``."""
    _ensure_story(connection, to_story, now)
    connection.execute(
        schema.story_articles.update()
        .where(schema.story_articles.c.article_id == article_id)
        .values(story_id=to_story, assigned_at=now)
    )
    connection.execute(
        schema.story_moves.insert().values(
            article_id=article_id,
            from_story=from_story,
            to_story=to_story,
            reason=reason,
            at=now,
        )
    )


def rebuild_stories(store: Store) -> int:
    """Forget every story and place all articles again; returns the number of stories."""
    with store.write() as connection:
        for table in (
            schema.story_articles,
            schema.story_moves,
            schema.summary_sentences,
            schema.story_analyses,
            schema.passages,
            schema.quote_groups,
            schema.cluster_state,
        ):
            connection.execute(table.delete())
        connection.execute(schema.quotes.update().values(group_id=None, group_relation=None))
        connection.execute(schema.stories.delete())
        ids: list[int] = list(connection.execute(sa.select(schema.articles.c.id)).scalars())
    place_articles(store, ids)
    return len(list_stories(store, limit=10**9))
