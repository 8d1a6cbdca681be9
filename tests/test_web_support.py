"""Shared data for the web, search, feed and export tests: a small archive written row by row.

Rows are inserted directly (not through the importer) so each test knows
exactly which versions, kinds and states exist. The texts carry the XSS corpus:
script tags, event handlers, ``javascript:`` URLs and broken markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newstrail.store import schema
from newstrail.store.database import Store, text_sha256
from newstrail.store.search import rebuild_index

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
XSS_TITLE = '<script>alert("title")</script>Minister <b onmouseover="alert(1)">resigns</b>'
XSS_TEXT = (
    "The minister resigned on Friday after a vote.\n"
    '<img src=x onerror="alert(\'text\')"> Broken <div><p>markup <a href="javascript:alert(2)">here'
)
XSS_URL = "javascript:alert(document.domain)//news"


def active_content(html: str) -> list[str]:
    """Everything in a page that could run code: script elements, on* attributes, script URLs."""
    import lxml.html

    found = []
    for element in lxml.html.document_fromstring(html).iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "iframe", "object", "embed"):
            found.append(element.tag)
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{element.tag}[{name}]")
            if name in ("href", "src", "action") and not value.startswith(
                ("/", "http://", "https://", "#")
            ):
                found.append(f"{element.tag}[{name}={value}]")
    return found


@dataclass(frozen=True)
class Archive:
    """Ids of the seeded rows."""

    story_id: int
    edited_article: int  # three versions: new, trivial, new (headline changed)
    other_article: int
    xss_article: int
    retired_article: int
    source_id: int
    other_source_id: int
    feed_id: int


def _version(connection, article_id, number, kind, title, text, when, raw=None):  # type: ignore[no-untyped-def]
    raw_sha = Store.put_blob(connection, raw) if raw is not None else None
    return connection.execute(
        schema.versions.insert().values(
            article_id=article_id,
            number=number,
            kind=kind,
            captured_at=when,
            origin="fetch" if raw else "import:text",
            raw_sha256=raw_sha,
            content_type="text/html; charset=utf-8" if raw else "text/plain",
            title=title,
            text=text,
            text_sha256=text_sha256(text),
            extractor="test/1",
        )
    ).inserted_primary_key[0]


def _article(connection, url, source_id, title, state="active", count=1, published="2024-03-01"):  # type: ignore[no-untyped-def]
    return connection.execute(
        schema.articles.insert().values(
            url=url,
            source_id=source_id,
            title=title,
            published=published,
            state=state,
            version_count=count,
            first_seen_at=T0,
            last_changed_at=T0,
            extractor="test/1",
        )
    ).inserted_primary_key[0]


def seed_archive(store: Store) -> Archive:
    """Write two outlets, four articles (one edited, one hostile, one retired) and one story."""
    with store.write() as c:
        wire = Store.ensure_source(c, "Wire Daily", "wire.example")
        post = Store.ensure_source(c, "The Evening Post", "post.example")
        edited = _article(
            c, "https://wire.example/minister", wire, "Minister resigns over vote", count=3
        )
        first_text = (
            "The minister resigned on Friday.\nParliament voted 210 to 190 against the budget."
        )
        html = (
            "<html><head><title>Minister quits</title></head>"
            f"<body><article><p>{first_text}</p></article></body></html>"
        )
        _version(c, edited, 1, "new", "Minister quits", first_text, T0, raw=html.encode())
        _version(
            c, edited, 2, "trivial", "Minister quits", first_text + " ", T0 + timedelta(hours=1)
        )
        second_text = (
            first_text.replace("210 to 190", "212 to 188") + "\nShe will stay on as an MP."
        )
        v3 = _version(
            c, edited, 3, "new", "Minister resigns over vote", second_text, T0 + timedelta(hours=2)
        )
        other = _article(
            c, "https://post.example/budget", post, "Budget defeated", published="2024-03-02"
        )
        v_other = _version(
            c,
            other,
            1,
            "new",
            "Budget defeated",
            "Parliament rejected the budget. “We will try again,” the minister said.",
            T0,
        )
        xss = _article(c, XSS_URL, post, XSS_TITLE)
        _version(c, xss, 1, "new", XSS_TITLE, XSS_TEXT, T0)
        retired = _article(c, "https://post.example/old", post, "An old piece", state="retired")
        _version(
            c,
            retired,
            1,
            "new",
            "An old piece",
            "Nothing new here for weeks.",
            T0 - timedelta(days=60),
        )
        story = c.execute(
            schema.stories.insert().values(
                title="Budget vote topples minister",
                state="active",
                first_seen_at=T0,
                last_seen_at=T0 + timedelta(days=1),
                created_at=T0,
                updated_at=T0,
            )
        ).inserted_primary_key[0]
        for article in (edited, other, xss):
            c.execute(
                schema.story_articles.insert().values(
                    article_id=article, story_id=story, score=1.0, assigned_at=T0
                )
            )
        group = c.execute(
            schema.quote_groups.insert().values(
                story_id=story,
                speaker_name="Jane Roe",
                text="We will try again",
                first_article_id=other,
            )
        ).inserted_primary_key[0]
        c.execute(
            schema.quotes.insert().values(
                version_id=v_other,
                article_id=other,
                kind="direct",
                text="We will try again",
                quote_start=0,
                quote_end=17,
                speaker_name="Jane Roe",
                group_id=group,
                group_relation="exact",
            )
        )
        c.execute(
            schema.quotes.insert().values(
                version_id=v3,  # a story's quotes are of its articles' current versions
                article_id=edited,
                kind="direct",
                text="We shall try again <script>x</script>",
                quote_start=0,
                quote_end=17,
                speaker_name="Jane Roe",
                group_id=group,
                group_relation="variant",
            )
        )
        c.execute(
            schema.summary_sentences.insert().values(
                story_id=story,
                position=0,
                text="Parliament voted down the budget and the minister resigned.",
                article_id=edited,
                # Stored as analyses written before one vocabulary were: read
                # back with ``outlet`` (coverage/results.py, outlet_names).
                citations=[
                    {"article_id": edited, "source": "Wire Daily", "score": 0.9},
                    {"article_id": other, "source": "The Evening Post", "score": 0.8},
                ],
            )
        )
        feed = c.execute(
            schema.feeds.insert().values(
                url="https://wire.example/rss",
                kind="rss",
                name="Wire Daily",
                source_id=wire,
                options={},
                active=True,
                created_at=T0,
                last_success_at=T0,
                check_count=10,
                error_count=2,
            )
        ).inserted_primary_key[0]
    rebuild_index(store)
    return Archive(story, edited, other, xss, retired, wire, post, feed)
