"""Tokens, CSRF and the sanitising helpers of the web app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa

from newstrail.serve.web import create_app
from newstrail.serve.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    create_token,
    ensure_token,
    safe_url,
    sanitize_html,
    token_digest,
    token_is_valid,
)
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from test_web_support import active_content

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def token(store: Store) -> str:
    created = ensure_token(store)
    assert created is not None
    return created


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def follow_count(store: Store) -> int:
    with store.read() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(schema.follows)).scalar_one()
        )


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_token_is_generated_once_and_only_its_digest_is_stored(store: Store) -> None:
    token = ensure_token(store)
    assert token is not None and len(token) >= 40
    assert ensure_token(store) is None
    with store.read() as connection:
        stored = connection.execute(sa.select(schema.api_tokens.c.token_sha256)).scalars().all()
    assert stored == [token_digest(token)] and token not in stored
    assert token_is_valid(store, token)
    assert not token_is_valid(store, token + "x") and not token_is_valid(store, None)
    second = create_token(store)
    assert token_is_valid(store, second) and token_is_valid(store, token)


async def test_writes_without_a_token_are_refused(
    client: httpx.AsyncClient, store: Store, token: str
) -> None:
    response = await client.post("/follows", data={"kind": "topic", "value": "budget"})
    assert response.status_code == 401
    response = await client.post(
        "/follows",
        json={"kind": "topic", "value": "budget"},
        headers={"Authorization": "Bearer nope"},
    )
    assert response.status_code == 401
    assert follow_count(store) == 0


async def test_bearer_token_writes_through_the_api(
    client: httpx.AsyncClient, store: Store, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    response = await client.post(
        "/follows", json={"kind": "person", "value": "Jane Roe"}, headers=auth
    )
    assert response.status_code == 201
    follow = response.json()
    assert (follow["kind"], follow["value"]) == ("person", "Jane Roe")
    bad = await client.post("/follows", json={"kind": "planet", "value": "Mars"}, headers=auth)
    assert bad.status_code == 400
    deleted = await client.post(f"/follows/{follow['id']}/delete", headers=auth)
    assert deleted.status_code == 200 and follow_count(store) == 0
    assert (await client.post(f"/follows/{follow['id']}/delete", headers=auth)).status_code == 404


async def test_browser_session_needs_matching_csrf_token(
    client: httpx.AsyncClient, store: Store, token: str
) -> None:
    login_page = await client.get("/login")
    assert CSRF_COOKIE in login_page.cookies
    csrf = csrf_from(login_page.text)
    wrong = await client.post("/login", data={"token": "wrong", "csrf_token": csrf})
    assert wrong.status_code == 401 and SESSION_COOKIE not in client.cookies
    no_csrf = await client.post("/login", data={"token": token})
    assert no_csrf.status_code == 403
    logged_in = await client.post("/login", data={"token": token, "csrf_token": csrf})
    assert logged_in.status_code == 303 and client.cookies.get(SESSION_COOKIE)
    set_cookie = logged_in.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie

    # A cross-site form post carries the cookies but cannot know the CSRF token.
    forged = await client.post("/follows", data={"kind": "topic", "value": "forged"})
    assert forged.status_code == 403
    forged = await client.post(
        "/follows", data={"kind": "topic", "value": "forged", "csrf_token": "guess"}
    )
    assert forged.status_code == 403
    assert follow_count(store) == 0

    page = await client.get("/follows")
    posted = await client.post(
        "/follows", data={"kind": "topic", "value": "budget", "csrf_token": csrf_from(page.text)}
    )
    assert posted.status_code == 303 and posted.headers["location"] == "/follows"
    assert follow_count(store) == 1


async def test_feeds_are_added_and_removed_with_a_token(
    client: httpx.AsyncClient, store: Store, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    for url in ("javascript:alert(1)", "file:///etc/passwd", "not a url"):
        response = await client.post(
            "/sources/feeds", json={"url": url, "kind": "rss"}, headers=auth
        )
        assert response.status_code == 400, url
    assert (
        await client.post("/sources/feeds", json={"url": "https://a.example/rss"})
    ).status_code == 401
    added = await client.post(
        "/sources/feeds",
        json={"url": "https://a.example/rss", "kind": "rss", "name": "A News"},
        headers=auth,
    )
    assert added.status_code == 201
    listing = (await client.get("/sources.json")).json()
    assert [f["url"] for f in listing["feeds"]] == ["https://a.example/rss"]
    assert [s["name"] for s in listing["sources"]] == ["A News"]
    again = await client.post("/sources/feeds", json={"url": "https://a.example/rss"}, headers=auth)
    assert again.status_code == 409
    removed = await client.post(f"/sources/feeds/{added.json()['id']}/delete", headers=auth)
    assert removed.status_code == 200
    assert (await client.get("/sources.json")).json()["feeds"] == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("  http://example.com/  ", "http://example.com/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.com/x", None),
        ("https://exa\nmple.com/", None),
        ("urn:newstrail:text:abc", None),
        (None, None),
    ],
)
def test_safe_url_allows_only_http_and_https(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_sanitize_html_keeps_our_tags_and_drops_everything_else() -> None:
    cleaned = str(
        sanitize_html(
            '<del>a</del><ins onclick="x()">b</ins><script>c()</script><a href="javascript:d">e</a>'
        )
    )
    assert cleaned == "<del>a</del><ins>b</ins>e"


def test_active_content_detector_finds_what_it_must() -> None:
    page = '<p onclick="x()">a</p><script>b</script><a href="javascript:c">d</a><img src="/ok.png">'
    assert active_content(page) == ["p[onclick]", "script", "a[href=javascript:c]"]
