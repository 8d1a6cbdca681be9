"""The web app in-process (httpx.ASGITransport): every page and its JSON twin, escaping, headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store
from test_web_support import XSS_TITLE, XSS_URL, Archive, active_content, seed_archive

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def archive(store: Store) -> Archive:
    return seed_archive(store)


@pytest.fixture
async def client(store: Store, archive: Archive) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def page_paths(a: Archive) -> list[str]:
    return [
        "/",
        f"/stories/{a.story_id}",
        f"/articles/{a.edited_article}",
        f"/articles/{a.xss_article}",
        f"/articles/{a.edited_article}/diff?from=1&to=3",
        "/sources",
        f"/sources/{a.source_id}",
        "/search?q=minister",
        "/follows",
    ]


async def test_every_page_renders_and_has_a_json_twin(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    for path in page_paths(archive):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        twin = path.split("?")[0] + ".json" + ("?" + path.split("?")[1] if "?" in path else "")
        twin = "/.json" if path == "/" else twin
        assert f'href="{twin.replace("&", "&amp;")}"' in page.text, path  # the page links its twin
        data = await client.get(twin)
        assert data.status_code == 200, twin
        assert data.headers["content-type"] == "application/json"
        assert isinstance(data.json(), dict)


async def test_story_json_has_articles_quotes_and_summary(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    story = (await client.get(f"/stories/{archive.story_id}.json")).json()
    assert story["id"] == archive.story_id
    assert story["title"] == "Budget vote topples minister"
    assert {a["id"] for a in story["articles"]} == {
        archive.edited_article,
        archive.other_article,
        archive.xss_article,
    }
    assert set(story["articles"][0]) >= {"id", "url", "outlet", "title", "published"}
    assert story["quotes"][0]["speaker"] == "Jane Roe"
    assert set(story["quotes"][0]["outlets"]) == {"Wire Daily", "The Evening Post"}
    assert story["summary"][0]["outlets"] == ["Wire Daily", "The Evening Post"]


async def test_story_page_shows_timeline_outlets_quotes_and_summary(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    html = (await client.get(f"/stories/{archive.story_id}")).text
    assert '<svg class="track"' in html
    assert html.count("<circle") == 3  # one point per article
    assert "Wire Daily" in html and "The Evening Post" in html
    assert "Jane Roe" in html and "We will try again" in html
    assert "Parliament voted down the budget" in html


async def test_article_page_folds_trivial_versions_and_flags_retired(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    html = (await client.get(f"/articles/{archive.edited_article}")).text
    details = html[html.index('<details class="trivial">') :]
    assert "#2" in details  # the trivial version is inside the fold
    assert "checked again" not in html
    retired = await client.get(f"/articles/{archive.retired_article}")
    assert "40 days ago and won&#39;t be checked again" in retired.text
    assert (await client.get(f"/articles/{archive.retired_article}.json")).json()["retired"] is True


async def test_diff_marks_deletions_and_insertions_side_by_side(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    html = (await client.get(f"/articles/{archive.edited_article}/diff?from=1&to=3")).text
    row = html[html.index('<div class="row changed"') :]
    old = row[row.index('<div class="old"') : row.index('<div class="new"')]
    new = row[row.index('<div class="new"') : row.index('<div class="inline"')]
    assert "<del>" in old and "210" in old and "<ins>" not in old
    assert "<ins>" in new and "212" in new and "<del>" not in new
    data = (await client.get(f"/articles/{archive.edited_article}/diff.json?from=1&to=3")).json()
    assert data["title_changed"] is True
    assert data["added_word_count"] > 0 and data["removed_word_count"] > 0
    assert data["from"]["number"] == 1 and data["to"]["number"] == 3


async def test_diff_defaults_to_the_latest_change(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    data = (await client.get(f"/articles/{archive.edited_article}/diff.json")).json()
    assert (data["from"]["number"], data["to"]["number"]) == (2, 3)


async def test_source_page_reports_health_and_heatmap(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    data = (await client.get(f"/sources/{archive.source_id}.json")).json()
    assert data["name"] == "Wire Daily"
    assert data["changes"]["changed_articles"] == 1
    assert len(data["heatmap"]) == 10 and sum(c["count"] for c in data["heatmap"]) > 0
    assert data["feeds"][0]["error_count"] == 2
    assert '<svg class="heatmap"' in (await client.get(f"/sources/{archive.source_id}")).text


async def test_missing_records_are_404_in_both_formats(client: httpx.AsyncClient) -> None:
    for path in ("/stories/999", "/articles/999", "/sources/999", "/articles/999/diff"):
        assert (await client.get(path)).status_code == 404
        response = await client.get(path + ".json")
        assert response.status_code == 404 and "error" in response.json()


async def test_bad_parameters_are_400_not_500(client: httpx.AsyncClient, archive: Archive) -> None:
    assert (await client.get("/stories/abc")).status_code == 400
    assert (await client.get("/search?q=x&from=yesterday")).status_code == 400
    assert (await client.get(f"/articles/{archive.edited_article}/diff?from=0")).status_code == 400
    assert (
        await client.get(f"/articles/{archive.edited_article}/diff?from=1&to=9")
    ).status_code == 404


HUGE = "99999999999999999999"  # past 64 bits: no id column can hold it


async def test_ids_past_64_bits_are_404_and_bad_numbers_400(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    """Every numeric path and query parameter is checked before a query runs.

    Such ids reached the driver (OverflowError, NumericValueOutOfRange): a 500,
    or a dropped connection for the streamed exports.
    """
    edited = archive.edited_article
    for path in (
        f"/stories/{HUGE}",
        f"/stories/{HUGE}.json",
        f"/articles/{HUGE}",
        f"/articles/{HUGE}.json",
        f"/articles/{HUGE}/diff",
        f"/sources/{HUGE}",
        f"/articles/{HUGE}.warc",
        f"/stories/{HUGE}.warc",
        f"/sources/{HUGE}/changes.atom",
        f"/stories/{HUGE}/changes.atom",
        f"/articles/{HUGE}/changes.atom",
        "/stories/-1",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
    for method_path in (f"/follows/{HUGE}/delete", f"/sources/feeds/{HUGE}/delete"):
        assert (await client.post(method_path)).status_code == 404, method_path
    for path in (
        f"/articles/{edited}/diff?from={HUGE}",
        f"/articles/{edited}/diff.json?to={HUGE}",
        f"/export/articles.jsonl?limit={HUGE}",
        f"/export/versions.csv?story={HUGE}",
        f"/export/versions.csv?article={HUGE}",
        f"/search?q=road&story={HUGE}",
        f"/search.json?q=road&page={HUGE}",
    ):
        response = await client.get(path)
        assert response.status_code == 400, path
        assert "error" in response.text or "invalid" in response.text


async def test_openapi_lists_the_json_twins(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "/stories/{story_id}.json" in schema["paths"]
    assert "/search.json" in schema["paths"]
    assert "/stories/{story_id}" not in schema["paths"]  # the HTML twin stays out


async def test_security_headers_on_every_response(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    for path in ("/", "/stories/999.json", "/static/style.css", "/feeds/changes.atom"):
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src" not in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


async def test_hostile_content_is_escaped_everywhere(
    client: httpx.AsyncClient, archive: Archive
) -> None:
    paths = [
        f"/articles/{archive.xss_article}",
        f"/stories/{archive.story_id}",
        "/search?q=minister",
        "/search?q=markup",
        "/",
        f"/sources/{archive.other_source_id}",
    ]
    for path in paths:
        html = (await client.get(path)).text
        assert active_content(html) == [], path
    article = (await client.get(f"/articles/{archive.xss_article}")).text
    assert "&lt;script&gt;alert(" in article  # shown as text, not dropped silently
    assert "<script" not in article
    assert XSS_URL not in re.findall(r'href="([^"]*)"', article)
    json_title = (await client.get(f"/articles/{archive.xss_article}.json")).json()["title"]
    assert json_title == XSS_TITLE  # JSON carries the data unchanged; escaping is the page's job


async def test_search_page_survives_fts_syntax(client: httpx.AsyncClient, archive: Archive) -> None:
    for query in [
        '"',
        "AND(",
        "minister OR",
        "NEAR(a b",
        "*",
        "col:umn",
        "'; DROP TABLE articles; --",
    ]:
        response = await client.get("/search.json", params={"q": query})
        assert response.status_code == 200, query
    hits = (await client.get("/search.json", params={"q": 'minister"'})).json()["hits"]
    assert hits


async def test_follows_page_and_feed(
    client: httpx.AsyncClient, store: Store, archive: Archive
) -> None:
    from newstrail.serve.follows import add_follow

    add_follow(store, "outlet", "Wire Daily")
    data = (await client.get("/follows.json")).json()
    assert [f["value"] for f in data["follows"]] == ["Wire Daily"]
    assert [s["id"] for s in data["stories"]] == [archive.story_id]
    assert [c["article_id"] for c in data["changes"]] == [archive.edited_article]
    feed = await client.get("/follows/changes.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert feed.text.count("<entry>") == 1


async def test_cached_pages_follow_changes_in_the_store(
    client: httpx.AsyncClient, store: Store, archive: Archive
) -> None:
    from datetime import UTC, datetime

    from newstrail.store import schema
    from newstrail.store.database import text_sha256

    story_path = f"/stories/{archive.story_id}.json"
    article_path = f"/articles/{archive.other_article}.json"
    assert len((await client.get(story_path)).json()["articles"]) == 3
    assert len((await client.get(article_path)).json()["versions"]) == 1
    text = "Parliament rejected the budget again."
    with store.write() as connection:
        connection.execute(
            schema.story_articles.insert().values(
                article_id=archive.retired_article,
                story_id=archive.story_id,
                assigned_at=datetime.now(UTC),
            )
        )
        connection.execute(
            schema.versions.insert().values(
                article_id=archive.other_article,
                number=2,
                kind="new",
                captured_at=datetime.now(UTC),
                origin="fetch",
                title="Budget defeated",
                text=text,
                text_sha256=text_sha256(text),
                extractor="test/1",
            )
        )
        connection.execute(
            schema.articles.update()
            .where(schema.articles.c.id == archive.other_article)
            .values(version_count=2, last_changed_at=datetime.now(UTC))
        )
    assert len((await client.get(story_path)).json()["articles"]) == 4
    article = (await client.get(article_path)).json()
    assert len(article["versions"]) == 2 and article["text"] == text
    home = (await client.get("/.json")).json()
    assert {c["article_id"] for c in home["changes"]} == {
        archive.edited_article,
        archive.other_article,
    }


async def test_cached_html_follows_the_store_and_each_visitor_gets_a_cookie(
    client: httpx.AsyncClient, store: Store, archive: Archive
) -> None:
    from datetime import UTC, datetime

    from newstrail.serve.web.security import CSRF_COOKIE
    from newstrail.store import schema

    path = f"/stories/{archive.story_id}"
    first = await client.get(path)
    assert (await client.get(path)).text == first.text  # the second is the kept HTML
    queried = await client.get(path + "?ref=x")
    assert f'href="{path}.json?ref=x"' in queried.text  # the query string is part of the key
    with store.write() as connection:
        connection.execute(
            schema.stories.update()
            .where(schema.stories.c.id == archive.story_id)
            .values(title="Renamed story", updated_at=datetime.now(UTC))
        )
    renamed = await client.get(path)
    assert "Renamed story" in renamed.text and "Renamed story" not in first.text
    client.cookies.clear()
    fresh_visitor = await client.get(path)  # kept HTML, but the visitor's own CSRF cookie
    assert fresh_visitor.text == renamed.text and CSRF_COOKIE in fresh_visitor.cookies


def test_story_and_article_reads_use_indexes_only(store: Store, archive: Archive) -> None:
    """No query behind a story or article page scans a table: their cost must not grow with N."""
    if not store.is_sqlite:
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    from sqlalchemy import event

    from newstrail.serve.stories import get_story
    from newstrail.serve.web.cache import ARTICLE_STAMP, STORY_STAMP, stamp
    from newstrail.serve.web.pages import _article_data

    statements: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", remember)
    try:
        stamp(store, STORY_STAMP, archive.story_id)
        get_story(store, archive.story_id)
        stamp(store, ARTICLE_STAMP, archive.edited_article)
        _article_data(store, archive.edited_article)
    finally:
        event.remove(store.engine, "before_cursor_execute", remember)
    assert len(statements) >= 10
    with store.engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            steps = [row[3] for row in plan]
            scans = [s for s in steps if s.startswith(("SCAN", "MATERIALIZE"))]
            assert not scans, f"{statement}\n{steps}"


def test_serve_refuses_workers_over_an_in_memory_store() -> None:
    from newstrail.serve.web.app import serve

    with pytest.raises(ValueError, match="in-memory"):
        serve(Store(":memory:"), Settings(), announce=False, workers=2)
    with pytest.raises(ValueError, match="at least 1"):
        serve(Store(":memory:"), Settings(), announce=False, workers=0)


def test_serve_with_two_workers_answers_from_each(tmp_path: Path) -> None:
    """`newstrail serve --workers 2`: each worker process opens the store and serves pages."""
    import socket
    import subprocess
    import sys
    import time

    db = tmp_path / "served.db"
    archive = seed_archive(Store(db))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "newstrail.cli.main", "--db", str(db), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"{base}/stories/{archive.story_id}.json", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and len(page.json()["articles"]) == 3
        pids = {
            int(line.split()[0])
            for line in subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(server.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.splitlines()
        }
        assert len(pids) >= 2  # the worker processes (uvicorn may add a helper)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "2 worker processes" in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("days", "labels"),
    [
        ([0, 0], ["2024-01-01"]),
        ([0, 1], ["2024-01-01", "2024-01-02"]),
        ([0, 3, 12], ["2024-01-01", "2024-01-04", "2024-01-07", "2024-01-10", "2024-01-13"]),
    ],
)
def test_coverage_ticks_are_distinct_days_within_the_story(
    days: list[int], labels: list[str]
) -> None:
    from newstrail.serve.web.stories import coverage_grid

    articles = [
        {"id": n, "outlet": "Outlet", "published": f"2024-01-{1 + day:02d}", "first_seen_at": None}
        for n, day in enumerate(days)
    ]
    drawing = coverage_grid(articles)
    assert [tick["label"] for tick in drawing["ticks"]] == labels
    xs = [tick["x"] for tick in drawing["ticks"]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert {a["x"] for row in drawing["rows"] for a in row["articles"]} <= set(xs)


async def test_search_takes_several_outlets_and_its_pages_keep_every_filter(
    client: httpx.AsyncClient, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newstrail.serve.web.pages as pages

    outlets = [("outlet", "Wire Daily"), ("outlet", str(archive.other_source_id))]
    query = [("q", "minister"), ("kind", "article"), *outlets, ("from", "2024-01-01")]
    everything = (await client.get("/search.json?q=minister&kind=article")).json()
    one = (await client.get("/search.json?q=minister&kind=article&outlet=Wire+Daily")).json()
    both = (await client.get("/search.json", params=query)).json()
    assert 0 < one["hit_count"] < everything["hit_count"] == both["hit_count"] == 3
    assert both["filters"]["outlets"] == ["Wire Daily", str(archive.other_source_id)]
    monkeypatch.setattr(pages, "SEARCH_PAGE_SIZE", 1)  # three pages of one hit
    html = (await client.get("/search", params=query)).text
    assert html.count('name="outlet"') == 2  # both outlets stay in the form
    (next_link,) = re.findall(r'<a href="(/search\?[^"]+)">Next</a>', html)
    for kept in ("outlet=Wire+Daily", f"outlet={archive.other_source_id}", "from=2024-01-01"):
        assert kept in next_link, next_link
    assert next_link.endswith("kind=article&amp;page=2")
