"""The demo serves the store it watched: the fixture site's edits under their outlets' names."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
from rich.console import Console

from newstrail.demo.fixture_site.timeline import OUTLETS
from newstrail.demo.walkthrough import watch_demo
from newstrail.serve.archive import list_articles
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store


def test_watched_store_names_outlets_and_shows_every_kind_of_change(tmp_path: Path) -> None:
    with Store(tmp_path / "watch.db") as store:
        watch_demo(store, Settings(), Console(file=io.StringIO()))
        app = create_app(store, Settings())

        async def fetch() -> tuple[dict, dict]:  # type: ignore[type-arg]
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                home = (await client.get("/.json")).json()
                story = (await client.get(f"/stories/{home['stories'][0]['id']}.json")).json()
                return home, story

        home, story = asyncio.run(fetch())
        states = {article.state for article in list_articles(store)}
    changes = home["changes"]
    assert changes, "the served store shows the watched edits"
    names = {outlet.name for outlet in OUTLETS}
    assert {change["outlet"] for change in changes} <= names
    kinds = {change["kind"] for change in changes}
    assert "flipflop" in kinds
    descriptions = " ".join(change["description"] for change in changes)
    assert "headline changed" in descriptions and "correction" in descriptions
    assert {"deleted", "moved", "active"} <= states
    assert {article["outlet"] for article in story["articles"]} == names
