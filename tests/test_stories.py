"""Stories in the store: placement on import, rebuild, and safe concurrent placement."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from newstrail import schema
from newstrail.clustering import StoryClusterer
from newstrail.extract import Extracted
from newstrail.importer import import_paths
from newstrail.pipeline import bundled_corpus, place_and_analyse
from newstrail.settings import Settings
from newstrail.store import Store
from newstrail.stories import get_story, list_stories, place_articles, rebuild_stories
from newstrail.versions import Capture, record_capture


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
    assert big.first_seen.date() == big.last_seen.date() == date(2020, 12, 29)
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
