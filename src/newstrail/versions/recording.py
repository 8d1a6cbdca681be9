"""Store versions: decide whether a capture is a new version, and record it.

Each capture of an article goes through these layers, in order, against the
article's last good version (the latest that is not ``suspect`` or ``teaser``):

0. an imported capture already stored   → unchanged (re-import)
1. identical raw bytes                  → unchanged (nothing stored)
2. identical title and extracted text   → unchanged (also: equal to a held capture)
3. equal to an older version            → a *flip-flop* version pointing at it
4. only trivial differences             → a *trivial* version (hidden by default)
5. a restricted or truncated cut        → a *teaser* version (never diffed)
6. extraction degraded, or the source   → a *suspect* version (kept, never
   flagged (``health.py``)                 published until re-checked)
7. no edit survives the check against   → a *template* version, with the reason
   both raw captures (``verification.py``)
8. anything else                        → a new visible version

Only ``new`` and ``flipflop`` versions are visible: feeds, alerts, stories and
analyses read those alone. What layers 5–8 found is kept in
``versions.verification``.

An article pins the extractor that produced its versions. When a capture was
extracted by a newer extractor, the last good raw bytes are re-extracted with
it first, so an extractor upgrade is not reported as an edit — whoever
records the capture (watcher, importer, bulk import).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from newstrail.extract.article import extract_html
from newstrail.extract.records import Extracted, FeedEntry
from newstrail.store import schema
from newstrail.store.database import Store, text_sha256, utcnow
from newstrail.text.encoding import decode_html
from newstrail.versions.capture import Capture
from newstrail.versions.diff import VersionText
from newstrail.versions.edits import is_trivial_change
from newstrail.versions.health import (
    CaptureStats,
    access_state,
    degradation,
    is_teaser_of,
    observe,
    source_state,
)
from newstrail.versions.kinds import HELD_KINDS, VISIBLE_KINDS
from newstrail.versions.rows import (
    after_version,
    create_article,
    find_article,
    insert_version,
    latest_version,
    lead_title,
)
from newstrail.versions.verification import Side, verify_change

Reextract = Callable[[bytes, str | None], Extracted]
# Versions a capture may flip back to.
FLIPFLOP_TARGETS = ("new", "trivial")


@dataclass(frozen=True)
class Recorded:
    """What recording a capture did."""

    article_id: int
    version_id: int | None  # None when nothing new was stored
    outcome: str  # new | trivial | flipflop | template | suspect | teaser | unchanged
    new_article: bool
    raw_sha256: str | None
    # What the change check found (reason, dismissed edits, access, health).
    verification: dict[str, object] | None = None
    # "flagged" or "recovered" when this capture changed its source's health.
    source_health: str | None = None
    source_id: int | None = None

    @property
    def visible(self) -> bool:
        """Whether a version readers see was stored (feeds, alerts, stories)."""
        return self.version_id is not None and self.outcome in VISIBLE_KINDS


@dataclass
class Decision:
    """What the layers decided for one capture."""

    outcome: str
    same_as: int | None = None
    verification: dict[str, object] | None = None
    source_health: str | None = None


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
            pinned to an older extractor; by default the HTML extractor, with the
            article's stored feed entry.

    Returns:
        What was stored.
    """
    if connection is None:
        with store.write() as own:
            return record_capture(store, capture, own, reextract)
    raw_sha = store.put_blob(connection, capture.raw) if capture.raw is not None else None
    article = find_article(connection, capture.url)
    if article is None:
        article_id = create_article(store, connection, capture)
        # None: another worker created it since we looked, and it is recorded against theirs.
        article = find_article(connection, capture.url)
        assert article is not None
        if article_id is not None:
            decision = _first_capture(connection, article, capture)
            kind = decision.outcome
            version_id = insert_version(
                connection, article_id, 1, kind, None, capture, raw_sha, decision.verification
            )
            after_version(connection, article_id, capture, visible=kind in VISIBLE_KINDS)
            return Recorded(
                article_id,
                version_id,
                kind,
                True,
                raw_sha,
                decision.verification,
                None,
                article.source_id,
            )

    latest = latest_version(connection, article.id)
    if latest is None and article.extractor != capture.extracted.extractor:
        # A row made before its first capture (a watcher's discovery) has no
        # extractor yet: pin this one, or every later check would re-extract
        # the stored bytes as if an older extractor had made them.
        connection.execute(
            schema.articles.update()
            .where(schema.articles.c.id == article.id)
            .values(extractor=capture.extracted.extractor)
        )
    if latest is None:
        decision = _first_capture(connection, article, capture)
    else:
        baseline = latest if latest.kind not in HELD_KINDS else _baseline(connection, article.id)
        decision = _classify(
            store,
            connection,
            article,
            latest,
            baseline,
            capture,
            raw_sha,
            reextract or default_reextract(article.feed_entry),
        )
    source_id = article.source_id
    if decision.outcome == "unchanged":
        return Recorded(
            article.id, None, "unchanged", False, raw_sha, None, decision.source_health, source_id
        )
    number = (latest.number if latest else 0) + 1
    version_id = insert_version(
        connection,
        article.id,
        number,
        decision.outcome,
        decision.same_as,
        capture,
        raw_sha,
        decision.verification,
    )
    # A flip-flop restores an earlier text: it is the article's current state again.
    after_version(connection, article.id, capture, visible=decision.outcome in VISIBLE_KINDS)
    return Recorded(
        article.id,
        version_id,
        decision.outcome,
        False,
        raw_sha,
        decision.verification,
        decision.source_health,
        source_id,
    )


def classify_again(
    store: Store,
    connection: Connection,
    article: Row[tuple[object, ...]],
    number: int,
    capture: Capture,
    reextract: Reextract | None = None,
) -> Decision:
    """Decide again for a stored capture (version ``number``), against the last good
    version before it, without counting towards its source's health."""
    v = schema.versions
    baseline = connection.execute(
        sa.select(v)
        .where(v.c.article_id == article.id, v.c.number < number, v.c.kind.not_in(HELD_KINDS))
        .order_by(v.c.number.desc())
        .limit(1)
    ).first()
    if baseline is None:
        return Decision("new")
    extract = reextract or default_reextract(article.feed_entry)
    return _classify(
        store, connection, article, baseline, baseline, capture, None, extract, assess=False
    )


def default_reextract(feed_entry: object) -> Reextract:
    """The HTML extractor with the article's stored feed entry (as the watcher extracts)."""
    feed = FeedEntry.from_dict(feed_entry)

    def reextract(raw: bytes, url: str | None) -> Extracted:
        return extract_html(decode_html(raw), url, feed=feed)

    return reextract


def _first_capture(
    connection: Connection, article: Row[tuple[object, ...]], capture: Capture
) -> Decision:
    """A first version is new, unless its source's extraction is flagged (then suspect)."""
    note: dict[str, object] = {}
    # What the page states (JSON-LD) and how its text ends: scanning the raw page
    # for paywall markup too cost ~2 ms a new article (bench/watch.py "first"),
    # and matters only against a stored full text (_check_change).
    access = access_state(capture.extracted, None)
    if access:
        note["access"] = access
    state = source_state(connection, _int_or_none(article.source_id))
    if state is not None and state.flagged:
        note["reason"] = f"held back: the source's extraction is degraded ({state.reason})"
        return Decision("suspect", verification=note)
    return Decision("new", verification=note or None)


def _classify(
    store: Store,
    connection: Connection,
    article: Row[tuple[object, ...]],
    latest: Row[tuple[object, ...]],
    baseline: Row[tuple[object, ...]] | None,
    capture: Capture,
    raw_sha: str | None,
    reextract: Reextract,
    assess: bool = True,
) -> Decision:
    """Apply the layers of the module docstring (``assess``: count towards source health)."""
    new = capture.extracted
    if capture.origin != "fetch" and _already_imported(connection, article.id, raw_sha, new):
        return Decision("unchanged")
    if (
        capture.raw_is_one_version
        and raw_sha is not None
        and raw_sha == latest.raw_sha256
        and article.extractor == new.extractor
    ):
        return Decision("unchanged")
    if baseline is None:  # only held captures so far: compare with the latest of them
        baseline = latest
    base_text = VersionText(baseline.title, baseline.byline, baseline.published, baseline.text)
    if article.extractor != new.extractor and baseline.raw_sha256 is not None:
        if is_html(baseline.content_type):
            redone = reextract(store.read_blob(connection, baseline.raw_sha256), baseline.final_url)
            base_text = VersionText(redone.title, redone.author, redone.date, redone.text)
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
    source_id = _int_or_none(article.source_id)
    if _same(new, base_text.text, base_text.title):
        return Decision(
            "unchanged", source_health=_observe(connection, source_id, article, capture)
        )
    if latest.kind in HELD_KINDS and _same(new, latest.text, latest.title):
        return Decision("unchanged")  # the held capture seen again
    same_text = connection.execute(
        sa.select(schema.versions.c.id, schema.versions.c.title)
        .where(
            schema.versions.c.article_id == article.id,
            schema.versions.c.text_sha256 == text_sha256(new.text),
            schema.versions.c.kind.in_(FLIPFLOP_TARGETS),
        )
        .order_by(schema.versions.c.number.desc())
    ).all()
    for earlier in same_text:  # a headline-only flip shares the text but not the title
        if (earlier.title or None) == (new.title or None):
            return Decision("flipflop", int(earlier.id))
    candidate = VersionText(new.title, new.author, new.date, new.text)
    if is_trivial_change(base_text, candidate):
        return Decision("trivial", source_health=_observe(connection, source_id, article, capture))
    return _check_change(store, connection, article, baseline, base_text, capture, assess)


def _check_change(
    store: Store,
    connection: Connection,
    article: Row[tuple[object, ...]],
    baseline: Row[tuple[object, ...]],
    base_text: VersionText,
    capture: Capture,
    assess: bool = True,
) -> Decision:
    """Layers 5–8: teaser, suspect, template-only or a new version (texts differ)."""
    new = capture.extracted
    candidate = VersionText(new.title, new.author, new.date, new.text)
    note: dict[str, object] = {}
    access = access_state(new, _html_of(capture.raw))
    if access:
        note["access"] = access
    source_id = _int_or_none(article.source_id) if assess else None
    if is_teaser_of(new.text, base_text.text, access):
        note["reason"] = f"{access} page: a cut of the stored text, not diffed against it"
        return Decision("teaser", verification=note)
    old_raw = None
    if baseline.raw_sha256 is not None and is_html(baseline.content_type):
        old_raw = store.read_blob(connection, baseline.raw_sha256)
    new_raw = capture.raw if is_html(capture.content_type) else None
    verdict = verify_change(Side(base_text, old_raw), Side(candidate, new_raw))
    note.update(verdict.to_json())
    new_stats = CaptureStats.of(new.text, new.title, new.author, new.date)
    old_stats = CaptureStats.of(base_text.text, base_text.title, base_text.byline, base_text.date)
    note["health"] = {"capture": new_stats.to_json(), "last_good": old_stats.to_json()}
    degraded = degradation(
        new_stats, old_stats, new.text, base_text.text, verdict.dismissed_added_words
    )
    changed = observe(
        connection, source_id, article.id, capture.captured_at, degraded, new.extractor
    )
    state = source_state(connection, source_id)
    if degraded or (state is not None and state.flagged):
        why = degraded or f"the source's extraction is degraded ({state.reason if state else ''})"
        note["reason"] = f"held back: {why}"
        return Decision("suspect", verification=note, source_health=changed)
    if not verdict.editorial:
        return Decision("template", verification=note, source_health=changed)
    return Decision("new", verification=note, source_health=changed)


def _observe(
    connection: Connection,
    source_id: int | None,
    article: Row[tuple[object, ...]],
    capture: Capture,
) -> str | None:
    """Note a healthy capture in its source's window (a write only when the window has trouble)."""
    return observe(
        connection,
        source_id,
        int(article.id),
        capture.captured_at,
        None,
        capture.extracted.extractor,
    )


def _same(new: Extracted, text: str, title: str | None) -> bool:
    return new.text == text and (new.title or None) == (title or None)


def is_html(content_type: str | None) -> bool:
    """Raw bytes we can parse as a page (no content type: an HTML import or a test)."""
    return content_type is None or "html" in content_type.lower()


def _html_of(raw: bytes | None) -> str | None:
    return decode_html(raw) if raw else None


def _int_or_none(value: object) -> int | None:
    return int(str(value)) if value is not None else None


def _baseline(connection: Connection, article_id: int) -> Row[tuple[object, ...]] | None:
    """The article's last good version: the latest that is not held back."""
    return connection.execute(
        sa.select(schema.versions)
        .where(
            schema.versions.c.article_id == article_id,
            schema.versions.c.kind.not_in(HELD_KINDS),
        )
        .order_by(schema.versions.c.number.desc())
        .limit(1)
    ).first()


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


__all__ = [
    "HELD_KINDS",
    "VISIBLE_KINDS",
    "Capture",
    "Decision",
    "Recorded",
    "lead_title",
    "record_capture",
]
