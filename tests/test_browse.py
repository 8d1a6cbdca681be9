"""Browsing: /articles and /stories filtered, sorted and paged, the same on the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from lxml import html as lxml_html

from newstrail.serve import listings, models
from newstrail.serve.browse import (
    browse_articles,
    browse_stories,
)
from newstrail.serve.listings import ArticleFilters, StoryFilters
from newstrail.serve.models import ArticlePage, StoryPage
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from test_cli import json_lines, run
from test_web_support import XSS_TITLE, Archive, seed_archive


@pytest.fixture
def archive(store: Store) -> Archive:
    seeded = seed_archive(store)
    with store.write() as connection:  # one article in French, the rest in English
        connection.execute(schema.versions.update().values(language="en"))
        connection.execute(
            schema.versions.update()
            .where(schema.versions.c.article_id == seeded.other_article)
            .values(language="fr")
        )
    return seeded


def get(store: Store, *paths: str) -> list[httpx.Response]:
    """GET each path from the app in-process."""
    app = create_app(store, Settings())

    async def fetch() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [await client.get(path) for path in paths]

    return asyncio.run(fetch())


def test_article_filters_each_narrow_the_list(store: Store, archive: Archive) -> None:
    def ids(**filters: Any) -> set[int]:
        return {a.id for a in browse_articles(store, ArticleFilters(**filters)).articles}

    every = ids()
    assert len(every) == 4
    assert ids(outlets=["Wire Daily"]) == {archive.edited_article}
    assert ids(has_changes=True) == {archive.edited_article}
    assert archive.edited_article not in ids(has_changes=False)
    assert ids(state="retired") == {archive.retired_article}
    assert ids(language="fr") == {archive.other_article}
    assert ids(published_from=date(2024, 3, 2)) == {archive.other_article}
    assert archive.other_article not in ids(published_to=date(2024, 3, 1))
    assert ids(story_id=archive.story_id) == {
        archive.edited_article,
        archive.other_article,
        archive.xss_article,
    }
    # Filters combine; facets count within the filtered rows.
    page = browse_articles(store, ArticleFilters(outlets=["The Evening Post"], state="active"))
    assert {a.id for a in page.articles} == {archive.other_article, archive.xss_article}
    assert {f.value: f.count for f in page.states} == {"active": 2}
    assert {f.value: f.count for f in page.languages} == {"en": 1, "fr": 1}
    # The outlet facet ignores the outlet filter, so the other outlet can still be chosen.
    assert {f.value: f.count for f in page.outlets} == {"The Evening Post": 2, "Wire Daily": 1}


def test_paging_is_stable_and_sorting_follows_the_key(store: Store, archive: Archive) -> None:
    for sort in ("-last_changed", "published", "-versions", "title", "outlet"):
        pages = [browse_articles(store, sort=sort, page=n, per_page=1) for n in (1, 2, 3, 4)]
        assert [p.page_count for p in pages] == [4, 4, 4, 4]
        seen = [p.articles[0].id for p in pages]
        assert sorted(seen) == sorted({*seen}) and len(seen) == 4, sort
    by_versions = browse_articles(store, sort="-versions").articles
    assert by_versions[0].id == archive.edited_article
    by_published = browse_articles(store, sort="-published").articles
    assert by_published[0].id == archive.other_article
    with pytest.raises(Exception, match="sort must be one of"):
        browse_articles(store, sort="nope")


def test_story_filters_by_outlet_size_and_dates(store: Store, archive: Archive) -> None:
    listed = browse_stories(store)
    assert [s.id for s in listed.stories] == [archive.story_id]
    (story,) = listed.stories
    assert story.article_count == 3 and story.outlet_count == 2
    assert set(story.outlets) == {"Wire Daily", "The Evening Post"}
    assert sorted(story.article_ids) == sorted(
        [archive.edited_article, archive.other_article, archive.xss_article]
    )
    assert browse_stories(store, StoryFilters(outlets=["Wire Daily"])).story_count == 1
    with store.write() as connection:
        lone = connection.execute(
            schema.stories.insert().values(
                title="A lone story",
                state="active",
                first_seen_at=sa.func.now(),
                last_seen_at=sa.func.now(),
                created_at=sa.func.now(),
                updated_at=sa.func.now(),
            )
        ).inserted_primary_key[0]
    assert {s.id for s in browse_stories(store).stories} == {archive.story_id, lone}
    assert [s.id for s in browse_stories(store, StoryFilters(min_articles=2)).stories] == [
        archive.story_id
    ]
    assert [s.id for s in browse_stories(store, StoryFilters(max_articles=1)).stories] == [lone]
    assert browse_stories(store, StoryFilters(seen_to=date(2024, 2, 28))).story_count == 0
    assert browse_stories(store, StoryFilters(seen_from=date(2024, 3, 1))).story_count == 2
    assert browse_stories(store, sort="articles").stories[0].id == lone


@pytest.mark.parametrize(
    "name",
    [
        "Article",
        "StoryRow",
        "FacetValue",
        "ArticleFilters",
        "StoryFilters",
        "ArticlePage",
        "StoryPage",
    ],
)
def test_listing_records_have_their_json_models_fields(name: str) -> None:
    # The records (dataclasses, for the CLI's start-up) and the OpenAPI models
    # are written out twice; a field added to one only fails here.
    record = getattr(listings, name)
    assert [f.name for f in dataclasses.fields(record)] == list(getattr(models, name).model_fields)


def test_json_twins_match_their_openapi_models(store: Store, archive: Archive) -> None:
    articles, stories, schema_doc = get(
        store, "/articles.json?changed=yes", "/stories.json?outlet=Wire+Daily", "/openapi.json"
    )
    page = ArticlePage.model_validate(articles.json())
    assert [a.id for a in page.articles] == [archive.edited_article]
    row = articles.json()["articles"][0]
    assert row["first_seen_at"].endswith("+00:00") and row["published"] == "2024-03-01"
    assert StoryPage.model_validate(stories.json()).story_count == 1
    paths = schema_doc.json()["paths"]
    for path, model in (("/articles.json", "ArticlePage"), ("/stories.json", "StoryPage")):
        response = paths[path]["get"]["responses"]["200"]["content"]["application/json"]
        assert response["schema"]["$ref"] == f"#/components/schemas/{model}"


def test_pages_show_chips_paging_and_escape_titles(store: Store, archive: Archive) -> None:
    (listing, bad_date, bad_state) = get(
        store,
        "/articles?outlet=The+Evening+Post&state=active&per_page=1",
        "/articles?from=yesterday",
        "/articles.json?state=gone",
    )
    assert listing.status_code == 200
    tree = lxml_html.fromstring(listing.text)
    chips = {a.text_content().strip(): a.get("href") for a in tree.xpath("//a[@class='chip']")}
    assert chips == {
        "outlet: The Evening Post ×": "/articles?state=active&per_page=1",
        "state: active ×": "/articles?outlet=The+Evening+Post&per_page=1",
    }
    assert tree.xpath("//a[@rel='next']")[0].get("href").endswith("page=2")
    assert "2 articles" in tree.xpath("//nav[@class='pager']")[0].text_content()
    assert "<script>" not in listing.text
    (everything,) = get(store, "/articles")
    assert XSS_TITLE not in everything.text and "&lt;script&gt;" in everything.text
    assert bad_date.status_code == 400 and "from must be a date" in bad_date.text
    assert bad_state.status_code == 400 and bad_state.json()["error"].startswith("state must")


def test_cli_lists_with_the_web_filters_and_field_names(tmp_path: Any) -> None:
    db = tmp_path / "cli.db"
    with Store(db) as opened:
        archive = seed_archive(opened)
        (web,) = get(opened, "/articles.json?outlet=Wire+Daily")
    code, out, err = run("--db", str(db), "articles", "--outlet", "Wire Daily", "--json")
    assert code == 0, err
    assert json_lines(out) == web.json()["articles"]
    code, out, _ = run("--db", str(db), "articles", "--changed", "--state", "active")
    assert code == 0 and "1 of 1 article\n" in out
    code, out, _ = run("--db", str(db), "stories", "--min-articles", "3", "--json")
    (story,) = json_lines(out)
    assert story["id"] == archive.story_id and story["article_count"] == 3
    code, out, _ = run("--db", str(db), "stories", "--max-articles", "2", "--json")
    assert code == 0 and out == ""
    code, _, err = run("--db", str(db), "articles", "--sort", "sideways")
    assert code != 0 and "sort must be one of" in err and "Traceback" not in err
    assert json.loads(web.text)["article_count"] == 1
