"""Stories in the store: placement on import, rebuild, and safe concurrent placement."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.extract.records import Extracted
from newstrail.jobs.importer import import_paths
from newstrail.jobs.pipeline import bundled_corpus, place_and_analyse
from newstrail.serve.stories import get_story
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.stories.clustering import StoryClusterer
from newstrail.stories.placement import place_articles, rebuild_stories
from newstrail.stories.reading import list_stories
from newstrail.versions.recording import Capture, record_capture


def partition(store: Store) -> set[frozenset[int]]:
    return {frozenset(s.article_ids) for s in list_stories(store, limit=1000)}


def test_seed_story_of_four_with_rt_apart(store: Store) -> None:
    report = import_paths(store, [bundled_corpus()], Settings())
    place_and_analyse(store, report.article_ids)
    stories = list_stories(store)
    assert sorted(len(s.article_ids) for s in stories) == [1, 4]
    big = next(s for s in stories if len(s.article_ids) == 4)
    assert set(big.outlets) == {"Republic World", "WION", "South China Morning Post", "Newsweek"}
    # Two members are dated 2020-12-29; the undated two (captured today) do not stretch the span.
    assert big.first_seen_at.date() == big.last_seen_at.date() == date(2020, 12, 29)
    detail = get_story(store, big.id)
    assert detail.summary_sentences and detail.quotes and detail.passages
    # Every cited outlet really carries a supporting sentence: at least its own article.
    ids = {a.id for a in detail.articles}
    for sentence in detail.summary_sentences:
        assert {c["article_id"] for c in sentence["citations"]} <= ids
    # Rebuilding from the store gives the same stories.
    before = partition(store)
    rebuild_stories(store)
    assert partition(store) == before


def _captures_from_gold(shared_data: Path, stories: int = 3, per_story: int = 3) -> list[Capture]:
    """Articles of a few real gold stories (BASIL), as captures."""
    by_story: dict[str, list[dict[str, str]]] = {}
    with (shared_data / "stories" / "basil.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("text"):
                by_story.setdefault(record["story_id"], []).append(record)
    chosen = [group[:per_story] for group in by_story.values() if len(group) >= per_story]
    captures = []
    for group in chosen[:stories]:
        for record in group:
            extracted = Extracted(
                title=record["title"],
                author=None,
                date=(record.get("date") or "")[:10] or None,
                site=None,
                text=record["text"],
                url=None,
                language="en",
                extractor="test/1",
            )
            captures.append(
                Capture(
                    url=record["url"] or f"urn:test:{record['id']}",
                    extracted=extracted,
                    origin="import:jsonl",
                    captured_at=datetime(2024, 5, 1, tzinfo=UTC),
                    raw=record["text"].encode(),
                )
            )
    return captures


def test_two_workers_placing_at_once_lose_and_duplicate_nothing(
    store: Store, shared_data: Path
) -> None:
    ids = [
        record_capture(store, capture).article_id for capture in _captures_from_gold(shared_data)
    ]
    halves = [ids[0::2], ids[1::2]]
    errors: list[BaseException] = []

    def worker(batch: list[int]) -> None:
        try:
            for article_id in batch:
                place_articles(store, [article_id])
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with store.read() as connection:
        placed = dict(
            connection.execute(
                sa.select(schema.story_articles.c.article_id, schema.story_articles.c.story_id)
            ).all()
        )
        state = connection.execute(sa.select(schema.cluster_state.c.data)).scalar_one()
    assert sorted(placed) == sorted(ids)  # each article exactly once
    # The saved clusterer state saw every placement: a lost update would leave
    # the other worker's articles out of it.
    clusterer = StoryClusterer.from_state(bytes(state))
    from_state = {int(a): story for story, members in clusterer.stories().items() for a in members}
    assert from_state == placed
    assert len(set(placed.values())) >= 2


def test_an_unreadable_clusterer_state_is_rebuilt_around_the_stored_stories(
    store: Store, shared_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    captures = _captures_from_gold(shared_data, stories=3, per_story=3)
    # The first two articles of each gold story are placed; the third comes later.
    later = captures[2::3]
    first = [capture for capture in captures if capture not in later]
    outcomes = []
    with Store(tmp_path / "twin.db") as twin:
        for target, damaged in ((store, True), (twin, False)):
            place_articles(
                target, [record_capture(target, capture).article_id for capture in first]
            )
            before = {story.id: set(story.article_ids) for story in list_stories(target)}
            if damaged:
                with target.write() as connection:
                    # What an older newstrail's state format looks like to this one.
                    connection.execute(schema.cluster_state.update().values(data=b"not a state"))
            caplog.clear()
            with caplog.at_level("WARNING"):
                place_articles(target, [record_capture(target, c).article_id for c in later])
            assert ("clusterer state unreadable" in caplog.text) is damaged
            after = {story.id: set(story.article_ids) for story in list_stories(target)}
            # Every story kept its id and members.
            assert all(members <= after[story_id] for story_id, members in before.items())
            with target.read() as connection:
                state = connection.execute(sa.select(schema.cluster_state.c.data)).scalar_one()
            assert StoryClusterer.from_state(bytes(state)).stories()  # readable again
            outcomes.append(after)
    # The rebuilt clusterer placed the later articles as the intact one did.
    assert outcomes[0] == outcomes[1]


def test_analysis_computes_outside_the_write_lock_and_redoes_a_story_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spaCy runs with no write transaction open; a version that lands meanwhile is analysed."""
    import sqlite3

    from newstrail.coverage import analysis
    from newstrail.extract.plaintext import extract_text

    path = tmp_path / "store.db"
    store = Store(path)
    report = import_paths(store, [bundled_corpus()], Settings())
    place_and_analyse(store, report.article_ids)
    big = next(s for s in list_stories(store) if len(s.article_ids) == 4)
    article_id = big.article_ids[0]
    with store.read() as connection:
        url, text = connection.execute(
            sa.select(schema.articles.c.url, schema.versions.c.text)
            .join(schema.versions, schema.versions.c.article_id == schema.articles.c.id)
            .where(schema.articles.c.id == article_id)
            .order_by(schema.versions.c.number.desc())
        ).first()
    dropped, *kept = [p for p in text.split("\n") if p.strip()]
    other_writer = Store(path)
    calls = []
    summarise = analysis.summarise_story

    def summarise_while_another_writer_writes(articles):  # type: ignore[no-untyped-def]
        if not calls:
            # The write lock is free: a writer that will not wait gets it at once.
            raw = sqlite3.connect(path, timeout=0)
            raw.execute("BEGIN IMMEDIATE")
            raw.rollback()
            raw.close()
            record_capture(
                other_writer,
                Capture(url, extract_text("\n\n".join(kept)), "test", datetime.now(UTC)),
            )
        calls.append(len(articles))
        return summarise(articles)

    monkeypatch.setattr(analysis, "summarise_story", summarise_while_another_writer_writes)
    assert analysis.analyse_story(store, big.id)
    assert len(calls) == 2  # the first result was computed from a superseded version
    with store.read() as connection:
        newest = connection.execute(
            sa.select(sa.func.max(schema.versions.c.id)).where(
                schema.versions.c.article_id == article_id
            )
        ).scalar()
        analysed = connection.execute(
            sa.select(schema.story_analyses.c.version_ids).where(
                schema.story_analyses.c.story_id == big.id
            )
        ).scalar()
    assert newest in analysed
    summary = " ".join(s["text"] for s in get_story(store, big.id).summary_sentences)
    assert dropped.strip()[:60] not in summary
    other_writer.close()
    store.close()
