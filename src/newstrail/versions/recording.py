"""Store versions: decide whether a capture is a new version, and record it.

Each capture of an article goes through these layers, in order, against the
article's latest version:

0. an imported capture already stored  → unchanged (re-import)
1. identical raw bytes                 → unchanged (nothing stored)
2. identical title and extracted text  → unchanged
3. equal to an older version           → a *flip-flop* version pointing at it
4. only trivial differences            → a *trivial* version (hidden by default)
5. anything else                       → a new visible version

An article pins the extractor that produced its versions. When a capture was
extracted by a newer extractor, the latest stored raw bytes are re-extracted
with it first, so an extractor upgrade is not reported as an edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from newstrail.extract.records import Extracted
from newstrail.store import schema
from newstrail.store.database import Store, dialect_insert, text_sha256, utcnow
from newstrail.store.search import index_entry
from newstrail.versions.diff import VersionText
from newstrail.versions.edits import is_trivial_change

Reextract = Callable[[bytes, str | None], Extracted]


@dataclass(frozen=True)
class Capture:
    """One observation of an article: where it came from, its bytes and its extraction."""

    url: str
    extracted: Extracted
    origin: str
    captured_at: datetime
    raw: bytes | None = None
    content_type: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    source_name: str | None = None
    source_domain: str | None = None
    feed_id: int | None = None
    # False when the raw bytes hold several versions (a NewsSniffer page), so
    # equal bytes do not mean an equal version.
    raw_is_one_version: bool = True
    # Why the extraction was cut to the size limits (jobs/limits.py), or None.
    truncated: str | None = None


@dataclass(frozen=True)
class Recorded:
    """What recording a capture did."""

    article_id: int
    version_id: int | None  # None when nothing new was stored
    outcome: str  # new | trivial | flipflop | unchanged
    new_article: bool
    raw_sha256: str | None


def record_capture(
    store: Store,
    capture: Capture,
    connection: Connection | None = None,
    reextract: Reextract | None = None,
) -> Recorded:
    """Record ``capture`` as a version of its article when it differs from the latest.

    Args:
        store: the store to write to.
        capture: the observation.
        connection: an open write transaction to join; if None, one is opened.
        reextract: re-runs the current extractor on stored raw bytes, for articles
            pinned to an older extractor.

    Returns:
        What was stored.
    """
    if connection is None:
        with store.write() as own:
            return record_capture(store, capture, own, reextract)
    raw_sha = store.put_blob(connection, capture.raw) if capture.raw is not None else None
    article = _find_article(connection, capture.url)
    if article is None:
        article_id = _create_article(store, connection, capture)
        if article_id is not None:
            version_id = _insert_version(connection, article_id, 1, "new", None, capture, raw_sha)
            _after_version(connection, article_id, capture, visible=True)
            return Recorded(article_id, version_id, "new", True, raw_sha)
        # Another worker created it since we looked: record against theirs.
        article = _find_article(connection, capture.url)
        assert article is not None

    latest = _latest_version(connection, article.id)
    if latest is None and article.extractor != capture.extracted.extractor:
        # A row made before its first capture (a watcher's discovery) has no
        # extractor yet: pin this one, or every later check would re-extract
        # the stored bytes as if an older extractor had made them.
        connection.execute(
            schema.articles.update()
            .where(schema.articles.c.id == article.id)
            .values(extractor=capture.extracted.extractor)
        )
    outcome, same_as = _classify(store, connection, article, latest, capture, raw_sha, reextract)
    if outcome == "unchanged":
        return Recorded(article.id, None, "unchanged", False, raw_sha)
    number = (latest.number if latest else 0) + 1
    version_id = _insert_version(connection, article.id, number, outcome, same_as, capture, raw_sha)
    # A flip-flop restores an earlier text: it is the article's current state again.
    _after_version(connection, article.id, capture, visible=outcome in ("new", "flipflop"))
    return Recorded(article.id, version_id, outcome, False, raw_sha)


def _classify(
    store: Store,
    connection: Connection,
    article: Row[tuple[object, ...]],
    latest: Row[tuple[object, ...]] | None,
    capture: Capture,
    raw_sha: str | None,
    reextract: Reextract | None,
) -> tuple[str, int | None]:
    """Apply the layers of the module docstring; return (outcome, same_as_id)."""
    if latest is None:
        return "new", None
    new = capture.extracted
    if capture.origin != "fetch" and _already_imported(connection, article.id, raw_sha, new):
        return "unchanged", None
    if (
        capture.raw_is_one_version
        and raw_sha is not None
        and raw_sha == latest.raw_sha256
        and article.extractor == new.extractor
    ):
        return "unchanged", None
    latest_text = VersionText(latest.title, latest.byline, latest.published, latest.text)
    if (
        article.extractor != new.extractor
        and reextract is not None
        and latest.raw_sha256 is not None
    ):
        redone = reextract(store.read_blob(connection, latest.raw_sha256), latest.final_url)
        latest_text = VersionText(redone.title, redone.author, redone.date, redone.text)
        connection.execute(
            schema.articles.update()
            .where(schema.articles.c.id == article.id)
            .values(extractor=new.extractor)
        )
        connection.execute(
            schema.article_events.insert().values(
                article_id=article.id,
                at=utcnow(),
                kind="re_extracted",
                detail={"from": article.extractor, "to": new.extractor},
            )
        )
    if new.text == latest_text.text and (new.title or None) == (latest_text.title or None):
        return "unchanged", None
    same_text = connection.execute(
        sa.select(schema.versions.c.id, schema.versions.c.title)
        .where(
            schema.versions.c.article_id == article.id,
            schema.versions.c.text_sha256 == text_sha256(new.text),
            schema.versions.c.kind != "flipflop",
        )
        .order_by(schema.versions.c.number.desc())
    ).all()
    for earlier in same_text:  # a headline-only flip shares the text but not the title
        if (earlier.title or None) == (new.title or None):
            return "flipflop", int(earlier.id)
    candidate = VersionText(new.title, new.author, new.date, new.text)
    if is_trivial_change(latest_text, candidate):
        return "trivial", None
    return "new", None


def _already_imported(
    connection: Connection, article_id: int, raw_sha: str | None, new: Extracted
) -> bool:
    """An imported capture seen before (same bytes, same text) is the same observation.

    Only for imports: a watcher seeing old bytes again has seen a flip-flop.
    """
    if raw_sha is None:
        return False
    v = schema.versions
    return (
        connection.execute(
            sa.select(v.c.id).where(
                v.c.article_id == article_id,
                v.c.raw_sha256 == raw_sha,
                v.c.text_sha256 == text_sha256(new.text),
            )
        ).first()
        is not None
    )


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


def _find_article(connection: Connection, url: str) -> Row[tuple[object, ...]] | None:
    """The article at ``url``, locked on PostgreSQL until the transaction ends.

    The lock serialises two workers recording the same article (an import
    beside a watcher): without it both read the same latest version and both
    insert number n + 1 (SQLite's write lock already serialises them).
    """
    return connection.execute(
        sa.select(schema.articles).where(schema.articles.c.url == url).with_for_update()
    ).first()


def _latest_version(connection: Connection, article_id: int) -> Row[tuple[object, ...]] | None:
    return connection.execute(
        sa.select(schema.versions)
        .where(schema.versions.c.article_id == article_id)
        .order_by(schema.versions.c.number.desc())
        .limit(1)
    ).first()


def _create_article(store: Store, connection: Connection, capture: Capture) -> int | None:
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


def _insert_version(
    connection: Connection,
    article_id: int,
    number: int,
    kind: str,
    same_as: int | None,
    capture: Capture,
    raw_sha: str | None,
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
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _after_version(
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
            _name_source(connection, article_id, capture.extracted.site)


def _name_source(connection: Connection, article_id: int, site: str) -> None:
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
