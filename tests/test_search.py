"""Full-text search: safe query building, filters, quotes, and the index kept by versions.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.store.database import Store
from newstrail.store.search import (
    MARK_END,
    MARK_START,
    SearchFilters,
    fts5_query,
    index_entry,
    index_rowid,
    rebuild_index,
    search,
    tsquery,
)
from test_web_support import Archive, seed_archive


@pytest.fixture
def archive(store: Store) -> Archive:
    return seed_archive(store)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget vote", '"budget" "vote"'),
        ('"', None),
        ("AND(", '"AND"'),
        ("minist*", '"minist"*'),
        ("NEAR(a b) OR c", '"NEAR" "a" "b" "OR" "c"'),
        ("col:umn ^x -y", '"col" "umn" "x" "y"'),
        ("", None),
    ],
)
def test_user_input_becomes_quoted_phrases(text: str, expected: str | None) -> None:
    assert fts5_query(text) == expected


def test_finds_articles_by_current_text_with_marked_snippet(store: Store, archive: Archive) -> None:
    hits = search(store, "212 188")
    assert [h.article_id for h in hits] == [archive.edited_article]
    assert f"{MARK_START}212{MARK_END}" in hits[0].snippet
    assert search(store, "210 190") == []  # only the latest visible version is indexed


def test_finds_quotes_with_their_speaker(store: Store, archive: Archive) -> None:
    hits = search(store, "try again", SearchFilters(kind="quote"))
    assert {h.kind for h in hits} == {"quote"}
    assert {h.article_id for h in hits} == {archive.other_article, archive.edited_article}
    assert hits[0].speaker == "Jane Roe"


def test_filters_by_source_story_and_date(store: Store, archive: Archive) -> None:
    everything = {h.article_id for h in search(store, "minister", SearchFilters(kind="article"))}
    assert everything == {archive.edited_article, archive.other_article, archive.xss_article}
    by_source = search(store, "minister", SearchFilters(source="Wire Daily", kind="article"))
    assert {h.article_id for h in by_source} == {archive.edited_article}
    by_id = search(
        store, "minister", SearchFilters(source=str(archive.other_source_id), kind="article")
    )
    assert {h.article_id for h in by_id} == {archive.other_article, archive.xss_article}
    by_date = search(store, "minister", SearchFilters(date_from=date(2024, 3, 2), kind="article"))
    assert {h.article_id for h in by_date} == {archive.other_article}
    before = search(store, "minister", SearchFilters(date_to=date(2024, 3, 1), kind="article"))
    assert archive.other_article not in {h.article_id for h in before}
    assert search(store, "minister", SearchFilters(story_id=archive.story_id + 1)) == []


def test_prefix_search_and_paging(store: Store, archive: Archive) -> None:
    assert search(store, "parliam*", SearchFilters(kind="article"))
    first = search(store, "minister", limit=1)
    second = search(store, "minister", limit=1, offset=1)
    assert len(first) == len(second) == 1 and first[0] != second[0]


def test_rebuild_counts_articles_and_quotes(store: Store, archive: Archive) -> None:
    assert rebuild_index(store) == 4 + 2  # four articles, two quotes


def test_recording_a_capture_updates_the_index(store: Store) -> None:
    from datetime import UTC, datetime

    from newstrail.extract.records import Extracted
    from newstrail.versions.recording import Capture, record_capture

    def capture(text: str) -> Capture:
        extracted = Extracted(
            title="Floods",
            author=None,
            date=None,
            site=None,
            text=text,
            url=None,
            language="en",
            extractor="test/1",
        )
        return Capture(
            url="https://x.example/floods",
            extracted=extracted,
            origin="fetch",
            captured_at=datetime.now(UTC),
            source_name="X",
        )

    record_capture(store, capture("Rivers rose across the valley overnight."))
    assert len(search(store, "valley")) == 1
    record_capture(
        store, capture("Rivers rose across the plain overnight, and three towns were evacuated.")
    )
    assert search(store, "valley") == [] and len(search(store, "evacuated")) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget vote", "'budget' & 'vote'"),
        ("it's AND(x", "'it' & 's' & 'AND' & 'x'"),
        ("parliam*", "'parliam':*"),
        ("!(a | b) <-> c", "'a' & 'b' & 'c'"),
        ("'", None),
    ],
)
def test_postgres_queries_are_quoted_lexemes(text: str, expected: str | None) -> None:
    assert tsquery(text) == expected


# -- keeping the index in step --------------------------------------------------------


def _index_articles(store: Store, count: int) -> None:
    with store.write() as connection:
        for ref in range(1, count + 1):
            index_entry(
                connection, "article", ref, f"Title {ref}", f"body of article {ref}", replace=False
            )


def _steps_to_replace(store: Store, ref: int) -> int:
    """SQLite virtual-machine steps (in hundreds) spent replacing one article's entry."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with store.write() as connection:
        raw = connection.connection.driver_connection
        raw.set_progress_handler(count, 100)
        index_entry(connection, "article", ref, "New title", "a new body", replace=True)
        raw.set_progress_handler(None, 0)
    return steps


def test_replacing_an_entry_costs_the_same_in_a_ten_times_bigger_index(tmp_path: Path) -> None:
    small, big = Store(tmp_path / "small.db"), Store(tmp_path / "big.db")
    _index_articles(small, 300)
    _index_articles(big, 3_000)
    # Found by its rowid, not by reading every entry (which grew ~10x here).
    assert _steps_to_replace(big, 150) <= 2 * max(1, _steps_to_replace(small, 150))
    with big.read() as connection:
        found = connection.execute(
            sa.text("SELECT ref FROM search_index WHERE search_index MATCH 'new body'")
        ).scalars()
        assert list(found) == [150]
        rows = connection.execute(
            sa.text("SELECT count(*) FROM search_index WHERE kind = 'article' AND ref = 150")
        ).scalar_one()
    assert rows == 1
    small.close()
    big.close()


def test_migration_0004_renumbers_an_existing_index_and_drops_stale_entries(
    tmp_path: Path,
) -> None:
    from alembic import command

    db = tmp_path / "old.db"
    old = Store(db, migrate=False)
    with old.write() as connection:
        command.upgrade(old._alembic_config(connection), "0003")
        # As the old code left them: arbitrary rowids, and one article indexed twice.
        for rowid, kind, ref, body in [
            (1, "article", 7, "first text"),
            (2, "quote", 7, "a quote"),
            (3, "article", 7, "second text"),
            (4, "article", 8, "other text"),
        ]:
            connection.execute(
                sa.text(
                    "INSERT INTO search_index (rowid, kind, ref, title, body) "
                    "VALUES (:rowid, :kind, :ref, '', :body)"
                ),
                {"rowid": rowid, "kind": kind, "ref": ref, "body": body},
            )
    old.close()
    store = Store(db, migrate=False)
    with store.write() as connection:
        # To 0004 itself: later revisions drop quote entries (0005 re-extracts quotes).
        command.upgrade(store._alembic_config(connection), "0004")
    with store.read() as connection:
        rows = connection.execute(
            sa.text("SELECT rowid, kind, ref, body FROM search_index ORDER BY rowid")
        ).all()
    assert [tuple(row) for row in rows] == [
        (index_rowid("article", 7), "article", 7, "second text"),
        (index_rowid("quote", 7), "quote", 7, "a quote"),
        (index_rowid("article", 8), "article", 8, "other text"),
    ]
    store.close()
