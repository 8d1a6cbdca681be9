"""One API: every JSON route has a typed model, and what it answers validates against it.

The OpenAPI document is walked route by route: a JSON route without a named
schema, or a download documented as JSON, fails. Then each JSON route is asked
for real data (the shared test archive) and the answer is validated against
its route's own model; the CLI's ``--json`` and the exports use the same
article fields. Atom entries carry stable ``tag:`` ids and the diff.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from lxml import etree
from pydantic import BaseModel

from newstrail.cli.main import cli
from newstrail.serve import models
from newstrail.serve.web.app import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store
from test_web_support import Archive, seed_archive

ATOM = "{http://www.w3.org/2005/Atom}"
DOWNLOADS = {
    "/export/{kind}.jsonl": "application/x-ndjson",
    "/export/{kind}.csv": "text/csv",
    "/articles/{article_id}.warc": "application/warc",
    "/stories/{story_id}.warc": "application/warc",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def archive(store: Store) -> Archive:
    return seed_archive(store)


@pytest.fixture
async def client(store: Store, archive: Archive) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(store, Settings(public_url="https://news.example.org"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def openapi() -> dict[str, Any]:
    return create_app(Store(":memory:"), Settings()).openapi()


def test_every_json_route_has_a_typed_schema() -> None:
    schema = openapi()
    untyped = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation["responses"].get("200", {}).get("content", {})
            if "application/json" not in content:
                continue
            ref = content["application/json"].get("schema", {}).get("$ref", "")
            if method == "get" and (not ref or ref.endswith("/View")):
                untyped.append(f"{method.upper()} {path}")
    assert untyped == [], f"JSON routes without a typed model: {untyped}"
    assert "View" not in schema.get("components", {}).get("schemas", {})


def test_downloads_and_feeds_are_documented_with_their_media_types() -> None:
    paths = openapi()["paths"]
    for path, media_type in DOWNLOADS.items():
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == [media_type], path
    for path in [p for p in paths if p.endswith(".atom")]:
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["application/atom+xml"]


def json_models() -> dict[str, type[BaseModel]]:
    """Each GET JSON route's path and the model its OpenAPI schema names (in serve/models/)."""
    found = {}
    for path, operations in openapi()["paths"].items():
        content = operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref")
        if ref:
            found[path] = getattr(models, ref.rsplit("/", 1)[1])
    return found


@pytest.mark.anyio
async def test_each_json_route_answers_what_its_model_says(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    concrete = {
        "/.json": "/.json",
        "/stories/{story_id}.json": f"/stories/{archive.story_id}.json",
        "/articles/{article_id}.json": f"/articles/{archive.edited_article}.json",
        "/articles/{article_id}/diff.json": f"/articles/{archive.edited_article}/diff.json",
        "/sources.json": "/sources.json",
        "/sources/edits.json": "/sources/edits.json",
        "/sources/{source_id}.json": f"/sources/{archive.other_source_id}.json",
        "/search.json": "/search.json?q=minister",
        "/articles.json": "/articles.json?changed=yes",
        "/stories.json": "/stories.json",
        "/follows.json": "/follows.json",
        "/healthz": "/healthz",
    }
    routes = json_models()
    assert set(routes) == set(concrete), "a JSON route has no test request here"
    for route, url in concrete.items():
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text)
        routes[route].model_validate(
            response.json()
        )  # raises on a missing, extra or mistyped field


@pytest.mark.anyio
async def test_timestamps_carry_their_offset_and_counts_are_named_as_counts(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    home = (await client.get("/.json")).json()
    assert all(isinstance(s["article_count"], int) for s in home["stories"])
    assert "articles" not in home["stories"][0]
    article = (await client.get(f"/articles/{archive.edited_article}.json")).json()
    assert article["first_seen_at"].endswith("+00:00")
    assert all(v["captured_at"].endswith("+00:00") for v in article["versions"])
    assert article["version_count"] == 3 and isinstance(article["versions"], list)
    assert article["outlet"] == "Wire Daily"


def _keys(value: Any) -> set[str]:
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


@pytest.mark.anyio
async def test_story_analyses_name_the_outlet_as_the_rest_of_the_api(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    story = (await client.get(f"/stories/{archive.story_id}.json")).json()
    assert story["quotes"] and story["summary"], "the test archive has analyses to check"
    analyses = {key: story[key] for key in ("quotes", "summary", "exclusive", "discrepancies")}
    assert not {"source", "sources"} & _keys(analyses)
    # Stored under the old name (test_web_support), read back under the API's.
    assert story["summary"][0]["citations"][0]["outlet"] == "Wire Daily"
    assert story["summary"][0]["outlets"] == ["Wire Daily", "The Evening Post"]
    assert story["quotes"][0]["variants"][0]["outlet"]
    models.Story.model_validate(story)
    searched = (await client.get("/search.json?q=minister&source=Wire+Daily")).json()
    assert searched["filters"]["outlets"] == ["Wire Daily"]  # the former parameter name still works
    assert {hit["outlet"] for hit in searched["hits"]} == {"Wire Daily"}
    outlet = (await client.get("/search.json?q=minister&outlet=Wire+Daily")).json()
    assert outlet["hit_count"] == searched["hit_count"] > 0


def test_cli_json_and_exports_use_the_api_field_names(store: Store, tmp_path: Any) -> None:
    db = tmp_path / "api.db"
    file_store = Store(db)
    seed_archive(file_store)
    file_store.close()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(db), "articles", "--json"])
    assert listed.exit_code == 0, listed.output
    for line in listed.output.splitlines():
        models.Article.model_validate_json(line)
    exported = runner.invoke(cli, ["--db", str(db), "export", "articles"])
    assert exported.exit_code == 0, exported.output
    for line in exported.output.splitlines():
        record = json.loads(line)
        models.Article.model_validate(record)
    quotes = runner.invoke(cli, ["--db", str(db), "export", "quotes"])
    assert quotes.exit_code == 0, quotes.output
    records = [json.loads(line) for line in quotes.output.splitlines()]
    assert records and all("speaker" in r and "speaker_name" not in r for r in records)


@pytest.mark.anyio
async def test_atom_entries_have_stable_tag_ids_the_diff_and_links_that_exist(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    feeds = []
    for host in ("http://testserver", "http://other-name:8080"):
        response = await client.get("/feeds/changes.atom", headers={"host": host.split("//")[1]})
        assert response.headers["content-type"].startswith("application/atom+xml")
        feeds.append(etree.fromstring(response.content))
    ids = [[e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")] for feed in feeds]
    assert ids[0] and ids[0] == ids[1], "entry ids changed with the host name"
    assert all(i.startswith("tag:news.example.org,") and ":version/" in i for i in ids[0])
    entry = next(
        e
        for e in feeds[0].iter(f"{ATOM}entry")
        if f"/articles/{archive.edited_article}/" in e.find(f"{ATOM}link").get("href")
    )
    content = entry.findtext(f"{ATOM}content")
    assert entry.find(f"{ATOM}content").get("type") == "html"
    assert "<del>190</del> <ins>188</ins>" in content  # the changed words, marked
    assert "Headline: <del>Minister quits</del> <ins>Minister resigns over vote</ins>" in content
    link = entry.find(f"{ATOM}link").get("href")
    assert link.startswith("https://news.example.org/articles/")
    path = link.removeprefix("https://news.example.org")
    assert (await client.get(path)).status_code == 200


@pytest.mark.anyio
async def test_docs_are_served_from_local_files(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text  # no CDN
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-ui.css"):
        response = await client.get(asset)
        assert response.status_code == 200 and len(response.content) > 10_000, asset
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "newstrail"
    other = await client.get("/")
    assert "script-src" not in other.headers["content-security-policy"]


def _web_json(store: Store, *paths: str) -> list[Any]:
    """GET each path from the app in-process; JSON Lines bodies as a list of records."""
    import asyncio

    async def fetch() -> list[Any]:
        transport = httpx.ASGITransport(app=create_app(store, Settings()))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            answers = [await http.get(path) for path in paths]
        return [
            [json.loads(line) for line in a.text.splitlines()]
            if path.endswith(".jsonl")
            else a.json()
            for path, a in zip(paths, answers, strict=True)
        ]

    return asyncio.run(fetch())


def test_the_same_record_has_the_same_fields_everywhere(tmp_path: Any) -> None:
    """An article and a story read the same in CLI --json, web JSON and exports."""
    db = tmp_path / "same.db"
    with Store(db) as opened:
        archive = seed_archive(opened)
        (
            web_articles,
            web_stories,
            home,
            story,
            exported_articles,
            exported_stories,
            quotes,
            found,
            filtered_search,
            filtered_articles,
        ) = _web_json(
            opened,
            "/articles.json?per_page=200",
            "/stories.json",
            "/.json",
            f"/stories/{archive.story_id}.json",
            "/export/articles.jsonl",
            "/export/stories.jsonl",
            "/export/quotes.jsonl",
            "/search.json?q=minister",
            f"/search.json?q=minister&outlet=Wire+Daily&from=2024-01-01&to=2024-12-31&story={archive.story_id}",
            f"/articles.json?outlet=Wire+Daily&from=2024-01-01&to=2024-12-31&story={archive.story_id}",
        )
    runner = CliRunner()

    def cli_json(*args: str) -> list[dict[str, Any]]:
        result = runner.invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.output.splitlines()]

    # Articles: the same keys and values from the CLI, the web list and both exports.
    by_id = {row["id"]: row for row in web_articles["articles"]}
    for records in (
        cli_json("articles", "--json", "--limit", "200"),
        cli_json("export", "articles"),
        exported_articles,
    ):
        assert {r["id"]: r for r in records} == by_id
    assert {"first_seen_at", "last_changed_at", "version_count", "outlet"} <= set(
        by_id[archive.edited_article]
    )
    # Stories: the CLI and the web list agree whole; the export, the home page
    # and the story page carry a subset, under the same names and values.
    listed = {row["id"]: row for row in web_stories["stories"]}
    assert {r["id"]: r for r in cli_json("stories", "--json")} == listed
    ours = listed[archive.story_id]
    assert ours["first_seen_at"] and ours["last_seen_at"]
    (home_story,) = [s for s in home["stories"] if s["id"] == archive.story_id]
    (exported,) = [s for s in exported_stories if s["id"] == archive.story_id]
    shown = cli_json("story", str(archive.story_id), "--json")[0]
    for subset in (home_story, exported, story, shown):
        shared = set(subset) & set(ours)
        assert {"id", "first_seen_at", "last_seen_at"} <= shared
        assert {key: subset[key] for key in shared} == {key: ours[key] for key in shared}
    assert not {"first_seen", "last_seen"} & (_keys(story) | _keys(home) | _keys(shown))
    # Quotes say `relation` in the export as in the story's quote variants.
    assert quotes and all("relation" in q and "group_relation" not in q for q in quotes)
    assert {v["relation"] for q in story["quotes"] for v in q["variants"]} <= {
        q["relation"] for q in quotes
    }
    # Pages of results say how many a page holds the same way.
    assert found["per_page"] and web_articles["per_page"] and "page_size" not in found
    # A sort key is the field's name; the former names still sort.
    assert cli_json("stories", "--json", "--sort", "first_seen_at") == cli_json(
        "stories", "--json", "--sort", "first_seen"
    )
    # A search echoes its filters under browse's names and types, and the
    # facets of both are one model.
    searched, browsed = filtered_search["filters"], filtered_articles["filters"]
    assert set(searched) - {"kind"} <= set(browsed)
    assert {key: browsed[key] for key in set(searched) - {"kind"}} == {
        "outlets": ["Wire Daily"],
        "published_from": "2024-01-01",
        "published_to": "2024-12-31",
        "story_id": archive.story_id,
    }
    assert {key: searched[key] for key in browsed.keys() & searched.keys()} == {
        key: browsed[key] for key in browsed.keys() & searched.keys()
    }
    assert filtered_search["outlets"] and filtered_articles["outlets"]
    for facet in (*filtered_search["outlets"], *filtered_articles["outlets"]):
        models.FacetValue.model_validate(facet)
    assert {f["value"] for f in filtered_search["outlets"]} <= {
        f["value"] for f in filtered_articles["outlets"]
    }

    # `extract --json` names an article's fields as the article JSON does, its
    # evidence too; so does `show --json`.
    page = Path(__file__).parent / "data" / "extract" / "article.html"
    (extracted,) = cli_json("extract", str(page), "--json")
    imported = runner.invoke(cli, ["--db", str(db), "import", str(page)])
    assert imported.exit_code == 0, imported.output
    with Store(db) as opened:
        (listed,) = _web_json(opened, "/articles.json?per_page=200&sort=-first_seen_at")
        (article_id,) = [a["id"] for a in listed["articles"] if a["url"] == extracted["url"]]
        (article,) = _web_json(opened, f"/articles/{article_id}.json")
    assert not {"author", "date", "site"} & set(extracted)
    assert not {"author_source", "date_source", "site_source"} & set(extracted["evidence"])
    shared = {"title", "byline", "published", "site_name", "language", "url", "evidence"}
    assert shared <= set(extracted) & set(article)
    assert {key: extracted[key] for key in shared} == {key: article[key] for key in shared}
    assert {"byline_source", "published_source"} <= set(article["evidence"])
    assert cli_json("show", str(article_id), "--json")[0]["evidence"] == article["evidence"]
    models.ArticleDetail.model_validate(article)
