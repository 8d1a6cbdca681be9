"""Change records and Atom feeds: entries, links to diffs, and the only= filters."""

from __future__ import annotations

from collections.abc import AsyncIterator

import feedparser
import httpx
import pytest

from newstrail.serve.atom import changes_feed, describe_edit, list_changes
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store
from test_web_support import Archive, seed_archive


@pytest.fixture
def archive(store: Store) -> Archive:
    return seed_archive(store)


def test_changes_skip_first_and_trivial_versions(store: Store, archive: Archive) -> None:
    changes = list_changes(store)
    assert [(c.article_id, c.number, c.previous_number) for c in changes] == [
        (archive.edited_article, 3, 2)
    ]
    change = changes[0]
    assert change.title_changed and change.substantive
    assert change.outlet == "Wire Daily" and change.story_id == archive.story_id
    assert change.diff_path() == f"/articles/{archive.edited_article}/diff?from=2&to=3"


def test_filters_by_source_story_article_and_kind(store: Store, archive: Archive) -> None:
    assert list_changes(store, source_id=archive.other_source_id) == []
    assert len(list_changes(store, source_id=archive.source_id)) == 1
    assert len(list_changes(store, story_id=archive.story_id)) == 1
    assert list_changes(store, article_id=archive.other_article) == []
    assert len(list_changes(store, only="headline")) == 1
    assert len(list_changes(store, only="substantive")) == 1
    with pytest.raises(ValueError):
        list_changes(store, only="everything")


def test_describe_edit_names_a_headline_change() -> None:
    edit = describe_edit("Old title", "Same body text here.", "New title", "Same body text here.")
    assert edit.title_changed and "headline" in edit.description
    same = describe_edit("T", "Body one. Body two.", "T", "Body one. Body two.")
    assert not same.title_changed and not same.substantive


def test_feed_is_valid_atom_linking_each_diff(store: Store, archive: Archive) -> None:
    changes = list_changes(store)
    xml = changes_feed(
        changes, title="All <changes>", feed_url="http://h/feeds/changes.atom", base_url="http://h"
    )
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "All <changes>"
    entry = parsed.entries[0]
    assert entry.link == f"http://h/articles/{archive.edited_article}/diff?from=2&to=3"
    assert "headline" in entry.title and "Wire Daily" in entry.summary


def test_feed_without_changes_is_still_valid() -> None:
    parsed = feedparser.parse(
        changes_feed([], title="t", feed_url="http://h/f", base_url="http://h")
    )
    assert not parsed.bozo and parsed.entries == []


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(store: Store, archive: Archive) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.anyio
async def test_feed_routes(client: httpx.AsyncClient, archive: Archive) -> None:
    paths = {
        "/feeds/changes.atom": 1,
        "/feeds/changes.atom?only=headline": 1,
        "/feeds/changes.atom?only=substantive": 1,
        f"/sources/{archive.source_id}/changes.atom": 1,
        f"/sources/{archive.other_source_id}/changes.atom": 0,
        f"/stories/{archive.story_id}/changes.atom": 1,
        f"/articles/{archive.edited_article}/changes.atom": 1,
        f"/articles/{archive.other_article}/changes.atom": 0,
    }
    for path, entries in paths.items():
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo and len(parsed.entries) == entries, path
    assert (await client.get("/feeds/changes.atom?only=nonsense")).status_code == 400
    assert (await client.get("/stories/999/changes.atom")).status_code == 404
