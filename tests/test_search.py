"""Full-text search: safe query building, filters, quotes, and the index kept by versions.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.store.database import Store
from newstrail.store.query import parse_query, to_fts5, to_tsquery
from newstrail.store.search import (
    MARK_END,
    MARK_START,
    SearchFilters,
    find,
    index_entry,
    rebuild_index,
    search,
)
from test_web_support import Archive, seed_archive


@pytest.fixture
def archive(store: Store) -> Archive:
    return seed_archive(store)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget vote", '"budget" AND "vote"'),
        ('"', None),
        ("AND(", '"AND"'),  # a word here: only a bare AND is the operator
        ("minist*", '"minist"*'),
        # Words joined by punctuation stay together, as a phrase.
        ("NEAR(a b) OR c", '"NEAR a" AND ("b" OR "c")'),
        ("col:umn ^x -y", '"col umn" AND "x" NOT "y"'),
        ('"lane closures" OR detour -bridge', '("lane closures" OR "detour") NOT "bridge"'),
        ('unclosed "phrase here', '"unclosed" AND "phrase here"'),
        ("NOT only", None),
        ("", None),
    ],
)
def test_user_input_becomes_a_safe_fts5_expression(text: str, expected: str | None) -> None:
    assert to_fts5(parse_query(text)) == expected


def test_finds_articles_by_current_text_with_marked_snippet(store: Store, archive: Archive) -> None:
    hits = search(store, "212 188")
    assert [h.article_id for h in hits] == [archive.edited_article]
    assert f"{MARK_START}212{MARK_END}" in hits[0].snippet
    # Text only an earlier version carried is found, and said to be superseded.
    earlier = search(store, "210 190")
    assert [h.article_id for h in earlier] == [archive.edited_article]
    assert earlier[0].superseded and not hits[0].superseded


def test_finds_quotes_with_their_speaker(store: Store, archive: Archive) -> None:
    hits = search(store, "try again", SearchFilters(kind="quote"))
    assert {h.kind for h in hits} == {"quote"}
    assert {h.article_id for h in hits} == {archive.other_article, archive.edited_article}
    assert hits[0].speaker == "Jane Roe"


def test_filters_by_source_story_and_date(store: Store, archive: Archive) -> None:
    everything = {h.article_id for h in search(store, "minister", SearchFilters(kind="article"))}
    assert everything == {archive.edited_article, archive.other_article, archive.xss_article}
    by_source = search(store, "minister", SearchFilters(outlets=("Wire Daily",), kind="article"))
    assert {h.article_id for h in by_source} == {archive.edited_article}
    by_id = search(
        store, "minister", SearchFilters(outlets=(str(archive.other_source_id),), kind="article")
    )
    assert {h.article_id for h in by_id} == {archive.other_article, archive.xss_article}
    typo = find(store, "minister", SearchFilters(outlets=("Wire Dialy", "99999")))
    assert typo.total == 0
    assert typo.notes == ("no outlet is named 'Wire Dialy'", "no outlet is named '99999'")
    assert find(store, "nothingmatches", SearchFilters(outlets=("Wire Daily",))).notes == ()
    either = SearchFilters(outlets=("Wire Daily", str(archive.other_source_id)), kind="article")
    assert {h.article_id for h in search(store, "minister", either)} == everything
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
    # Four articles, two quotes, and the superseded text of the one edited article.
    assert rebuild_index(store) == 4 + 2 + 1


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
    assert len(search(store, "evacuated")) == 1
    (former,) = search(store, "valley")
    assert former.superseded  # the old paragraph, no longer the article's text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budget vote", "'budget' & 'vote'"),
        ("it's AND(x", "('it' <-> 's') & ('AND' <-> 'x')"),
        ("parliam*", "'parliam':*"),
        ("!(a | b) <-> c", "('a' | 'b') & 'c'"),
        ('"lane closures" OR detour -bridge', "(('lane' <-> 'closures') | 'detour') & !'bridge'"),
        ("'", None),
    ],
)
def test_postgres_queries_are_quoted_lexemes(text: str, expected: str | None) -> None:
    assert to_tsquery(parse_query(text)) == expected


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
    # 0004's scheme, 2 * ref + (kind = 'quote'); 0010 moves them to 4 * ref + slot.
    assert [tuple(row) for row in rows] == [
        (14, "article", 7, "second text"),
        (15, "quote", 7, "a quote"),
        (16, "article", 8, "other text"),
    ]
    store.close()


# -- search that finds: stems, phrases, OR and NOT, counts and facets, the past -----------


def _index(store: Store, entries: dict[int, tuple[str, str]]) -> None:
    """Articles (one source each) with the given (title, text), indexed as current."""
    from newstrail.store import schema

    with store.write() as connection:
        for ref, (title, text) in entries.items():
            source = Store.ensure_source(connection, f"Outlet {ref % 2}", None)
            connection.execute(
                schema.articles.insert().values(
                    id=ref,
                    url=f"https://news.example/{ref}",
                    source_id=source,
                    title=title,
                    published=f"2024-0{1 + ref % 2}-15",
                    state="active",
                    version_count=1,
                    first_seen_at=T_SEEN,
                    last_changed_at=T_SEEN,
                )
            )
            index_entry(connection, "article", ref, title, text, replace=False)


T_SEEN = __import__("datetime").datetime(2024, 1, 15, tzinfo=__import__("datetime").UTC)
ROAD_NEWS = {
    1: ("Lanes closed", "Two lanes of the ring road close for repairs on Monday."),
    2: ("Detour signed", "Drivers follow a detour while the bridge is repaired."),
    3: ("Bridge reopens", "The bridge reopens to traffic; the lane closures end."),
    4: ("Council meets", "The council will vote on closing the road to lorries."),
}


def test_stemming_finds_other_forms_of_a_word(store: Store) -> None:
    _index(store, ROAD_NEWS)
    assert {h.article_id for h in search(store, "lane")} == {1, 3}
    assert {h.article_id for h in search(store, "repair")} == {1, 2}
    assert {h.article_id for h in search(store, "closing")} >= {1, 4}


def test_phrases_or_and_not(store: Store) -> None:
    _index(store, ROAD_NEWS)
    assert {h.article_id for h in search(store, '"lane closures"')} == {3}
    assert {h.article_id for h in search(store, '"closures lane"')} == set()
    assert {h.article_id for h in search(store, "detour OR council")} == {2, 4}
    assert {h.article_id for h in search(store, "bridge -detour")} == {3}
    assert {h.article_id for h in search(store, "bridge NOT reopens")} == {2}
    assert search(store, "-bridge") == []  # exclusions alone find nothing
    for hostile in ['"', "NEAR(", "title:x", "a AND", "OR", "(((", "*", "-"]:
        search(store, hostile)  # never a syntax error


def test_counts_facets_and_highlights(store: Store) -> None:
    from newstrail.store.search import find

    _index(store, ROAD_NEWS)
    results = find(store, "road OR bridge", limit=1)
    assert results.total == 4 and len(results.hits) == 1
    outlets = {facet.value: facet.count for facet in results.facets["outlet"]}
    assert outlets == {"Outlet 0": 2, "Outlet 1": 2}
    months = {facet.value: facet.count for facet in results.facets["month"]}
    assert months == {"2024-01": 2, "2024-02": 2}
    page = find(store, "lanes", limit=5)
    assert page.total == 2
    assert all(hit.to_json()["highlights"] for hit in page.hits)
    assert {w.lower() for hit in page.hits for w in hit.to_json()["highlights"]} <= {
        "lanes",
        "lane",
    }
    # Counted from the page itself when it holds every hit: the same as counted in SQL.
    whole = find(store, "road OR bridge", limit=50)
    assert (whole.total, whole.facets) == (results.total, results.facets)
    only = find(store, "road OR bridge", SearchFilters(outlets=("Outlet 1",)))
    assert only.total == 2 and {h.outlet for h in only.hits} == {"Outlet 1"}


def test_facets_counted_in_sql_match_those_counted_from_the_page(store: Store) -> None:
    """More outlets and stories than a facet shows: SQL cuts and orders them as the page does."""
    from newstrail.store import schema
    from newstrail.store.search import FACET_LIMIT, find

    with store.write() as connection:
        for story in range(1, 13):
            connection.execute(
                schema.stories.insert().values(
                    id=story,
                    title=f"Story {story}",
                    state="active",
                    first_seen_at=T_SEEN,
                    last_seen_at=T_SEEN,
                    created_at=T_SEEN,
                    updated_at=T_SEEN,
                )
            )
        for ref in range(1, 31):
            # Outlets 0-11 carry 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2 articles: ties at the cut.
            source = Store.ensure_source(connection, f"Outlet {ref % 12}", None)
            connection.execute(
                schema.articles.insert().values(
                    id=ref,
                    url=f"https://news.example/{ref}",
                    source_id=source,
                    title=f"Flood report {ref}",
                    published=None if ref % 5 == 0 else f"2024-0{1 + ref % 3}-15",
                    state="active",
                    version_count=1,
                    first_seen_at=T_SEEN,
                    last_changed_at=T_SEEN,
                )
            )
            if ref % 4:  # a quarter of the articles in no story
                connection.execute(
                    schema.story_articles.insert().values(
                        article_id=ref, story_id=1 + ref % 12, score=1.0, assigned_at=T_SEEN
                    )
                )
            index_entry(
                connection, "article", ref, f"Flood report {ref}", "The river rose.", replace=False
            )
    counted_in_sql = find(store, "flood", limit=5)
    from_page = find(store, "flood", limit=50)
    assert counted_in_sql.total == from_page.total == 30
    assert counted_in_sql.facets == from_page.facets
    assert len(counted_in_sql.facets["outlet"]) == FACET_LIMIT
    assert all(isinstance(f.value, int | None) for f in counted_in_sql.facets["story"])
    assert [f.count for f in counted_in_sql.facets["outlet"]][:6] == [3] * 6


def test_a_hit_only_in_superseded_text_says_so(store: Store) -> None:
    _index(store, {5: ("Mayor denies report", "The mayor denied the report on Tuesday.")})
    with store.write() as connection:
        index_entry(
            connection,
            "article",
            5,
            "Mayor confirms report",
            "The mayor confirmed the report on Wednesday.",
            replace=True,
        )
    (past,) = search(store, "denied")
    assert past.superseded and past.article_id == 5 and MARK_START in past.snippet
    (current,) = search(store, "mayor")  # current text matches: one hit, not superseded
    assert not current.superseded
    (headline,) = search(store, "denies")
    assert headline.superseded
    with store.write() as connection:  # the paragraph comes back: it is current again
        index_entry(
            connection,
            "article",
            5,
            "Mayor",
            "The mayor denied the report on Tuesday.",
            replace=True,
        )
    (back,) = search(store, "denied")
    assert not back.superseded


def test_migration_0010_rebuilds_the_index_with_stemming_and_superseded_text(
    tmp_path: Path,
) -> None:
    from alembic import command

    db = tmp_path / "old.db"
    old = Store(db, migrate=False)
    renamed = (("first_seen", "first_seen_at"), ("last_seen", "last_seen_at"))  # by 0012
    with old.write() as connection:
        command.upgrade(old._alembic_config(connection), "0009_change_checks")
        for before, after in renamed:  # seed_archive writes today's story columns
            connection.exec_driver_sql(f"ALTER TABLE stories RENAME {before} TO {after}")
    archive = seed_archive(old)  # writes the index with the old tokenizer and rowids
    with old.write() as connection:
        for before, after in renamed:
            connection.exec_driver_sql(f"ALTER TABLE stories RENAME {after} TO {before}")
    old.close()
    store = Store(db)
    with store.read() as connection:
        sql = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name = 'search_index'")
        ).scalar_one()
    assert "porter" in sql
    # "resign" finds "resigned" (the edited article's text): stemming after migrating.
    resign = {h.article_id for h in search(store, "resign", SearchFilters(kind="article"))}
    assert archive.edited_article in resign
    (past,) = search(store, "210 190")
    assert past.superseded and past.article_id == archive.edited_article
    store.close()


def test_cli_search_filters_counts_and_marks_matches_without_colour(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from newstrail.cli.main import cli

    db = tmp_path / "s.db"
    store = Store(db)
    archive = seed_archive(store)
    store.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "search", "minister", "--kind", "article"])
    assert result.exit_code == 0, result.output
    assert "3 hits for minister" in result.output
    assert "**minister**" in result.output  # a marker, not colour alone, in a pipe
    dated = runner.invoke(
        cli, ["--db", str(db), "search", "minister", "--from", "2024-03-02", "--json"]
    )
    hits = [__import__("json").loads(line) for line in dated.output.splitlines()]
    assert {h["article_id"] for h in hits} == {archive.other_article}
    assert {"outlet", "superseded", "highlights"} <= set(hits[0])
    faceted = runner.invoke(
        cli, ["--db", str(db), "search", "minister", "--outlet", "Wire Daily", "--facets", "--json"]
    )
    (summary,) = [__import__("json").loads(line) for line in faceted.output.splitlines()]
    assert summary["hit_count"] == 1
    assert summary["outlets"] == [{"value": "Wire Daily", "count": 1}]
    assert {"stories", "months"} <= set(summary) and "facets" not in summary
    bad = runner.invoke(cli, ["--db", str(db), "search", "x", "--from", "yesterday"])
    assert bad.exit_code == 2


def test_counts_beyond_the_scan_limit_say_at_least(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newstrail.store.search as searching

    _index(store, ROAD_NEWS)
    assert not searching.find(store, "road OR bridge").capped
    monkeypatch.setattr(searching, "SCAN_LIMIT", 2)
    capped = searching.find(store, "road OR bridge")
    assert capped.capped and capped.total == 2 and capped.to_json()["hit_count_capped"]
