"""Re-check suspect versions once their source's extraction recovered or the extractor changed.

A suspect version is a capture held back while its source's extraction looked
broken. When the source recovers (``health.observe`` says so) or a new
extractor is installed, each suspect capture is extracted again from its
stored raw bytes and put through the same layers as a fresh capture, against
its article's last good version, without counting towards the source's health
again. It becomes ``new`` (a real edit, now published), ``template``,
``trivial``, ``flipflop`` or ``teaser``; one that still looks broken stays
suspect. Nothing is deleted: the version keeps its number and raw capture.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from newstrail.extract.records import EXTRACTOR_NAME, EXTRACTOR_VERSION, Extracted
from newstrail.store import schema
from newstrail.store.database import Store, text_sha256
from newstrail.store.search import index_entry
from newstrail.versions.recording import (
    VISIBLE_KINDS,
    Capture,
    Reextract,
    classify_again,
    lead_title,
)

CURRENT_EXTRACTOR = f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}"


@dataclass(frozen=True)
class Rechecked:
    """One suspect version re-checked: what it became."""

    article_id: int
    version_id: int
    outcome: str  # new | flipflop | trivial | template | teaser | suspect


def suspect_versions(
    store: Store, source_id: int | None = None, *, other_extractor: bool = False
) -> list[tuple[int, int]]:
    """(article id, version id) of suspect versions, oldest first.

    Args:
        store: the store.
        source_id: of one source only.
        other_extractor: only those extracted by another extractor than today's.
    """
    v, a = schema.versions, schema.articles
    query = (
        sa.select(v.c.article_id, v.c.id)
        .join(a, a.c.id == v.c.article_id)
        .where(v.c.kind == "suspect")
        .order_by(v.c.article_id, v.c.number)
    )
    if source_id is not None:
        query = query.where(a.c.source_id == source_id)
    if other_extractor:
        query = query.where(v.c.extractor != CURRENT_EXTRACTOR)
    with store.read() as connection:
        return [(int(row.article_id), int(row.id)) for row in connection.execute(query)]


def recheck_suspects(
    store: Store,
    source_id: int | None,
    reextract: Reextract | None = None,
    *,
    other_extractor: bool = False,
) -> list[Rechecked]:
    """Re-check the suspect versions of a source (or of every source when None).

    Args:
        store: the store.
        source_id: whose suspect versions; None for all.
        reextract: the current extractor over raw bytes; by default the HTML extractor.
        other_extractor: only versions extracted by an older (or other) extractor:
            what a watcher re-checks when it starts after an upgrade.

    Returns:
        What each suspect version became, in the order they were checked.
    """
    done: list[Rechecked] = []
    for article_id, version_id in suspect_versions(
        store, source_id, other_extractor=other_extractor
    ):
        with store.write() as connection:
            result = _recheck(store, connection, article_id, version_id, reextract)
        if result is not None:
            done.append(result)
    return done


def _recheck(
    store: Store,
    connection: Connection,
    article_id: int,
    version_id: int,
    reextract: Reextract | None,
) -> Rechecked | None:
    v, a = schema.versions, schema.articles
    # Locked: two watchers re-checking at once must not both publish it.
    version = connection.execute(sa.select(v).where(v.c.id == version_id).with_for_update()).first()
    article = connection.execute(sa.select(a).where(a.c.id == article_id)).first()
    if version is None or article is None or version.kind != "suspect":
        return None  # another worker got there first
    raw = store.read_blob(connection, version.raw_sha256) if version.raw_sha256 else None
    extracted = _extracted_again(version, raw, article, reextract)
    capture = Capture(
        url=str(article.url),
        extracted=extracted,
        origin="fetch",
        captured_at=version.captured_at,
        raw=raw,
        content_type=version.content_type,
        http_status=version.http_status,
        final_url=version.final_url,
    )
    decision = classify_again(store, connection, article, int(version.number), capture, reextract)
    outcome = "template" if decision.outcome == "unchanged" else decision.outcome
    note = dict(decision.verification or {})
    if decision.outcome == "unchanged":
        note["reason"] = "re-checked: the same as the last good version"
    note["rechecked"] = True
    values: dict[str, object] = {
        "kind": outcome,
        "same_as_id": decision.same_as,
        "verification": note,
    }
    if extracted.text != version.text or extracted.extractor != version.extractor:
        values.update(
            title=extracted.title,
            byline=extracted.author,
            published=extracted.date,
            text=extracted.text,
            text_sha256=text_sha256(extracted.text),
            extractor=extracted.extractor,
            evidence=dict(extracted.evidence) or None,
        )
    connection.execute(v.update().where(v.c.id == version_id).values(**values))
    if outcome in VISIBLE_KINDS:
        title = extracted.title or lead_title(extracted.text)
        connection.execute(
            a.update()
            .where(a.c.id == article_id)
            .values(last_changed_at=version.captured_at, title=title)
        )
        index_entry(
            connection, "article", article_id, extracted.title or "", extracted.text, replace=True
        )
    return Rechecked(article_id, version_id, outcome)


def _extracted_again(
    version: Row[tuple[object, ...]],
    raw: bytes | None,
    article: Row[tuple[object, ...]],
    reextract: Reextract | None,
) -> Extracted:
    """The suspect capture extracted with the current extractor (its stored text without raw)."""
    from newstrail.versions.recording import default_reextract, is_html

    if raw is not None and is_html(str(version.content_type) if version.content_type else None):
        extract = reextract or default_reextract(article.feed_entry)
        return extract(raw, str(version.final_url) if version.final_url else None)
    return Extracted(
        title=str(version.title) if version.title else None,
        author=str(version.byline) if version.byline else None,
        date=str(version.published) if version.published else None,
        site=str(version.site_name) if version.site_name else None,
        text=str(version.text),
        url=None,
        language=str(version.language) if version.language else None,
        extractor=str(version.extractor),
    )
