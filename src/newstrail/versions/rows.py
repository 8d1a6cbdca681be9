"""Version rows: write a version, keep its article's summary columns and search entry in step."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from newstrail.store import schema
from newstrail.store.database import Store, dialect_insert, text_sha256
from newstrail.store.search import index_entry
from newstrail.versions.capture import Capture


def lead_title(text: str, limit: int = 90) -> str | None:
    """A display title for an article without a headline: its opening words.

    Only the article's listing uses it; the version keeps ``title`` empty, as
    the source had none.
    """
    words = text.split()
    if not words:
        return None
    lead = ""
    for word in words:
        if len(lead) + len(word) + 1 > limit:
            return lead + " …"
        lead = f"{lead} {word}".strip()
        if lead.endswith((".", "!", "?")) and len(lead) > 40:
            return lead
    return lead


def find_article(connection: Connection, url: str) -> Row[tuple[object, ...]] | None:
    """The article at ``url``, locked on PostgreSQL until the transaction ends.

    The lock serialises two workers recording the same article (an import
    beside a watcher): without it both read the same latest version and both
    insert number n + 1 (SQLite's write lock already serialises them).
    """
    return connection.execute(
        sa.select(schema.articles).where(schema.articles.c.url == url).with_for_update()
    ).first()


def latest_version(connection: Connection, article_id: int) -> Row[tuple[object, ...]] | None:
    return connection.execute(
        sa.select(schema.versions)
        .where(schema.versions.c.article_id == article_id)
        .order_by(schema.versions.c.number.desc())
        .limit(1)
    ).first()


def create_article(store: Store, connection: Connection, capture: Capture) -> int | None:
    """The new article's id; None when another worker created the URL meanwhile."""
    source_id = None
    if capture.source_name:
        source_id = store.ensure_source(connection, capture.source_name, capture.source_domain)
    statement = dialect_insert(connection, schema.articles)
    result = connection.execute(
        statement.values(
            url=capture.url,
            source_id=source_id,
            feed_id=capture.feed_id,
            title=capture.extracted.title or lead_title(capture.extracted.text),
            published=capture.extracted.date,
            state="active",
            extractor=capture.extracted.extractor,
            version_count=0,
            first_seen_at=capture.captured_at,
        )
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(schema.articles.c.id)
    )
    created = result.scalar()
    return None if created is None else int(created)


def insert_version(
    connection: Connection,
    article_id: int,
    number: int,
    kind: str,
    same_as: int | None,
    capture: Capture,
    raw_sha: str | None,
    verification: dict[str, object] | None = None,
) -> int:
    extracted = capture.extracted
    result = connection.execute(
        schema.versions.insert().values(
            article_id=article_id,
            number=number,
            kind=kind,
            same_as_id=same_as,
            captured_at=capture.captured_at,
            origin=capture.origin,
            raw_sha256=raw_sha,
            content_type=capture.content_type,
            http_status=capture.http_status,
            final_url=capture.final_url,
            title=extracted.title,
            byline=extracted.author,
            published=extracted.date,
            site_name=extracted.site,
            language=extracted.language,
            text=extracted.text,
            text_sha256=text_sha256(extracted.text),
            extractor=extracted.extractor,
            evidence=dict(extracted.evidence) or None,
            verification=verification or None,
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def after_version(
    connection: Connection,
    article_id: int,
    capture: Capture,
    *,
    visible: bool,
) -> None:
    """Keep the article's summary columns and the search index in step."""
    values: dict[str, object] = {"version_count": schema.articles.c.version_count + 1}
    if visible:
        values.update(
            last_changed_at=capture.captured_at,
            title=capture.extracted.title or lead_title(capture.extracted.text),
        )
        if capture.extracted.date:
            values["published"] = capture.extracted.date
    connection.execute(
        schema.articles.update().where(schema.articles.c.id == article_id).values(**values)
    )
    if visible:
        title, text = capture.extracted.title or "", capture.extracted.text
        index_entry(connection, "article", article_id, title, text, replace=True)
        if capture.extracted.site:
            name_source(connection, article_id, capture.extracted.site)


def name_source(connection: Connection, article_id: int, site: str) -> None:
    """Give a source named after its bare host the name its pages state (og:site_name).

    Sources found by polling are created from the URL alone ("example-news.com");
    the first page that names its outlet ("Example News") names the source, unless
    another source already has that name.
    """
    s, a = schema.sources, schema.articles
    source = connection.execute(
        sa.select(s.c.id, s.c.name, s.c.domain)
        .join(a, a.c.source_id == s.c.id)
        .where(a.c.id == article_id)
    ).first()
    name = " ".join(site.split())[:200]
    if source is None or not source.domain or source.name != source.domain or not name:
        return
    if "." in name and name.lower().strip("/").endswith(source.domain):
        return  # the page names itself by its host too
    taken = connection.execute(sa.select(s.c.id).where(s.c.name == name)).first()
    if taken is None:
        connection.execute(s.update().where(s.c.id == source.id).values(name=name))
