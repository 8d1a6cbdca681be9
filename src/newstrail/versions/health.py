"""Extraction health: per capture (collapsed, flooded, teaser) and per source (flagged).

A site's template change can break extraction for every article at once:
bodies collapse to a teaser, or fill with page furniture (diffengine's storm
of posts after one sitewide change, edsu/diffengine #30; newsdiffs' parsers
broke twice in a month, ecprice/newsdiffs #49). So every capture whose text
differs from its article's last good version is assessed against that version
(words, paragraphs, title/author/date present), and the assessment joins the
source's recent window in ``source_health``. While a source is *flagged*, its
would-be versions are kept as ``suspect``: stored, never published; they are
re-checked when the source recovers or the extractor changes
(``versions/rechecking.py``).

Thresholds, and why:

- *collapsed*: under half the words of a last good version of at least 80
  words, with at least four fifths of what is left found in that version (a
  rewrite that shortens a story says new things; a teaser repeats the lead);
- *flooded*: over half again as many words, most of the added words dismissed
  by the raw-HTML check as template (a developing story grows too, with story
  text);
- *metadata lost*: two of title, author and date present before and now gone;
- a source is flagged when two of its last five assessed captures degraded,
  and cleared after three healthy ones in a row: one odd article is that
  article's business (its capture is held alone), two in a row are the
  template's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from newstrail.extract.records import Extracted
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.sentences import count_words, split_paragraphs
from newstrail.versions.normalise import normalise_characters

COLLAPSE_SHARE = 0.5
COLLAPSE_MIN_WORDS = 80
COLLAPSE_KEPT_SHARE = 0.8
FLOOD_SHARE = 1.5
FLAG_WINDOW = 5
FLAG_DEGRADED = 2
CLEAR_HEALTHY = 3
WINDOW_KEPT = 10

# Paywall markup and phrases (Piano/TinyPass, meter and registration walls,
# "subscribe to continue reading"): restricted pages say so in their HTML.
PAYWALL_MARKUP = re.compile(
    r"""(?:class|id)=["'][^"']*(?:paywall|piano-|tp-container|regwall|subscriber-only|"""
    r"""premium-content|metered-content|article-locked|subscription-required|"""
    r"""paid-content|locked-content)""",
    re.IGNORECASE,
)
PAYWALL_PHRASE = re.compile(
    r"subscribe (?:now )?to (?:continue|keep) reading|to continue reading,? (?:please )?"
    r"(?:subscribe|sign in|log in|register)|already a subscriber\?|this (?:article|story|content)"
    r" is (?:only )?(?:available|reserved|exclusive) (?:to|for) (?:subscribers|members)|"
    r"unlock this (?:article|story)|create a free account to (?:continue|read)",
    re.IGNORECASE,
)
TEASER_END = re.compile(
    r"(?:…|\.\.\.|\b(?:read more|continue reading|read the full (?:story|article)|"
    r"subscribe(?: now)?|sign in to read|log in to read))\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CaptureStats:
    """What extraction gave for one capture: size and which metadata it found."""

    words: int
    paragraphs: int
    title: bool
    author: bool
    date: bool

    @classmethod
    def of(cls, text: str, title: str | None, author: str | None, date: str | None) -> CaptureStats:
        """The figures of one extraction."""
        return cls(
            count_words(text), len(split_paragraphs(text)), bool(title), bool(author), bool(date)
        )

    def to_json(self) -> dict[str, object]:
        """The figures as a JSON-ready dict."""
        return {
            "words": self.words,
            "paragraphs": self.paragraphs,
            "title": self.title,
            "author": self.author,
            "date": self.date,
        }


def _units(text: str) -> set[str]:
    return {" ".join(normalise_characters(p).split()).casefold() for p in split_paragraphs(text)}


def _kept_share(new_text: str, old_text: str) -> float:
    """Share of the new text's words that sit in paragraphs (or paragraph prefixes) of the old."""
    old_units = _units(old_text)
    old_joined = "\n".join(old_units)
    total = kept = 0
    for unit in _units(new_text):
        words = count_words(unit)
        total += words
        probe = unit.rstrip("….").strip()
        if unit in old_units or (len(probe) >= 20 and probe in old_joined):
            kept += words
    return kept / total if total else 1.0


def degradation(
    new: CaptureStats,
    old: CaptureStats,
    new_text: str,
    old_text: str,
    dismissed_added_words: int = 0,
) -> str | None:
    """Why a capture's extraction looks broken next to its article's last good one, or None.

    Args:
        new: figures of the capture.
        old: figures of the article's last good version.
        new_text: the capture's text.
        old_text: the last good version's text.
        dismissed_added_words: words of added text the raw-HTML check found to be template.

    Returns:
        A one-line reason, or None for a healthy capture.
    """
    if (
        old.words >= COLLAPSE_MIN_WORDS
        and new.words < COLLAPSE_SHARE * old.words
        and _kept_share(new_text, old_text) >= COLLAPSE_KEPT_SHARE
    ):
        return f"body collapsed from {old.words} to {new.words} words"
    added = new.words - old.words
    if old.words and new.words > FLOOD_SHARE * old.words and dismissed_added_words * 2 > added:
        return f"body flooded with page furniture ({old.words} to {new.words} words)"
    lost = [
        name
        for name, before, now in (
            ("title", old.title, new.title),
            ("author", old.author, new.author),
            ("date", old.date, new.date),
        )
        if before and not now
    ]
    if len(lost) >= 2:
        return "metadata lost: " + ", ".join(lost)
    return None


def access_state(extracted: Extracted, raw_html: str | None) -> str | None:
    """What the page says about access: ``restricted``, ``teaser`` or None (free, or unsaid).

    ``restricted``: JSON-LD ``isAccessibleForFree: false`` or paywall markup;
    ``teaser``: the text ends the way teasers do ("…", "Read more").
    """
    if extracted.evidence.get("accessible_for_free") is False:
        return "restricted"
    if raw_html is not None and (
        PAYWALL_MARKUP.search(raw_html) or PAYWALL_PHRASE.search(raw_html)
    ):
        return "restricted"
    paragraphs = split_paragraphs(extracted.text)
    if paragraphs and TEASER_END.search(paragraphs[-1]):
        return "teaser"
    return None


def is_teaser_of(new_text: str, full_text: str, access: str | None) -> bool:
    """Whether ``new_text`` is a restricted or truncated cut of ``full_text`` (never diff them)."""
    if access is None or not full_text:
        return False
    new_words, full_words = count_words(new_text), count_words(full_text)
    return new_words < 0.8 * full_words and _kept_share(new_text, full_text) >= COLLAPSE_KEPT_SHARE


@dataclass(frozen=True)
class SourceState:
    """A source's extraction health as stored."""

    flagged: bool
    reason: str | None
    since: datetime | None
    extractor: str | None


def source_state(connection: Connection, source_id: int | None) -> SourceState | None:
    """The stored health of a source (None when nothing was ever assessed)."""
    if source_id is None:
        return None
    h = schema.source_health
    row = connection.execute(sa.select(h).where(h.c.source_id == source_id)).first()
    if row is None:
        return None
    return SourceState(row.state == "degraded", row.reason, row.since, row.extractor)


def observe(
    connection: Connection,
    source_id: int | None,
    article_id: int,
    at: datetime,
    degraded: str | None,
    extractor: str,
) -> str | None:
    """Add one assessment to the source's window; return "flagged" or "recovered" on a change.

    A healthy capture of a source with no degraded capture in its window writes
    nothing, so a healthy source costs one primary-key read per differing capture.
    """
    if source_id is None:
        return None
    h = schema.source_health
    row = connection.execute(sa.select(h).where(h.c.source_id == source_id)).first()
    if row is None and degraded is None:
        return None
    if row is None:
        # Two workers may meet here on PostgreSQL: the second insert does nothing,
        # and both then update the one row under its lock.
        insert = (postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert)(h)
        connection.execute(
            insert.values(
                source_id=source_id, state="ok", window=[], updated_at=at
            ).on_conflict_do_nothing(index_elements=[h.c.source_id])
        )
    row = connection.execute(
        sa.select(h).where(h.c.source_id == source_id).with_for_update()
    ).first()
    assert row is not None
    window: list[dict[str, object]] = list(row.window or [])
    entry: dict[str, object] = {"at": at.isoformat(), "article_id": article_id}
    if degraded:
        entry["degraded"] = degraded
    window = [*window, entry][-WINDOW_KEPT:]
    was_flagged = row.state == "degraded"
    recent = window[-FLAG_WINDOW:]
    bad = [item for item in recent if item.get("degraded")]
    healthy_run = 0
    for item in reversed(window):
        if item.get("degraded"):
            break
        healthy_run += 1
    flagged = was_flagged
    if not was_flagged and len({item["article_id"] for item in bad}) >= FLAG_DEGRADED:
        flagged = True
    elif was_flagged and healthy_run >= CLEAR_HEALTHY:
        flagged = False
    values: dict[str, object] = {"window": window, "updated_at": at}
    if flagged and not was_flagged:
        values.update(state="degraded", reason=str(bad[-1]["degraded"]), since=at)
        values["extractor"] = extractor
    elif was_flagged and not flagged:
        values.update(state="ok", reason=None, since=at)
    connection.execute(h.update().where(h.c.source_id == source_id).values(**values))
    if flagged != was_flagged:
        return "flagged" if flagged else "recovered"
    return None


@dataclass(frozen=True)
class FlaggedSource:
    """A source whose extraction is flagged as degraded."""

    source_id: int
    name: str
    reason: str | None
    since: datetime | None
    held: int  # suspect versions waiting for a re-check


def flagged_sources(store: Store) -> list[FlaggedSource]:
    """Every source flagged as degraded, with how many versions it holds back."""
    h, s, a, v = schema.source_health, schema.sources, schema.articles, schema.versions
    held = (
        sa.select(sa.func.count(v.c.id))
        .join(a, a.c.id == v.c.article_id)
        .where(a.c.source_id == h.c.source_id, v.c.kind == "suspect")
        .scalar_subquery()
    )
    query = (
        sa.select(h.c.source_id, s.c.name, h.c.reason, h.c.since, held.label("held"))
        .join(s, s.c.id == h.c.source_id)
        .where(h.c.state == "degraded")
        .order_by(s.c.name)
    )
    with store.read() as connection:
        return [
            FlaggedSource(int(r.source_id), str(r.name), r.reason, r.since, int(r.held or 0))
            for r in connection.execute(query)
        ]


RECENT_CAPTURES = 20


def source_extraction(store: Store, source_id: int) -> dict[str, object]:
    """A source's extraction health for its page: the flag, and figures over recent versions.

    The figures (median words and paragraphs; share with a title, author and
    date) are over the source's last RECENT_CAPTURES stored versions, held-back
    ones shown apart.
    """
    h, a, v = schema.source_health, schema.articles, schema.versions
    with store.read() as connection:
        row = connection.execute(sa.select(h).where(h.c.source_id == source_id)).first()
        recent = connection.execute(
            sa.select(v.c.kind, v.c.text, v.c.title, v.c.byline, v.c.published)
            .join(a, a.c.id == v.c.article_id)
            .where(a.c.source_id == source_id)
            .order_by(v.c.captured_at.desc(), v.c.id.desc())
            .limit(RECENT_CAPTURES)
        ).all()
    stats = [CaptureStats.of(r.text, r.title, r.byline, r.published) for r in recent]
    good = [s for s, r in zip(stats, recent, strict=True) if r.kind not in ("suspect", "teaser")]

    def median(values: list[int]) -> int | None:
        ordered = sorted(values)
        return ordered[len(ordered) // 2] if ordered else None

    def share(flags: list[bool]) -> float | None:
        return round(sum(flags) / len(flags), 2) if flags else None

    return {
        "state": row.state if row is not None else "ok",
        "reason": row.reason if row is not None else None,
        "since": row.since.isoformat() if row is not None and row.since else None,
        "held": sum(r.kind == "suspect" for r in recent),
        "recent_versions": len(recent),
        "median_words": median([s.words for s in good]),
        "median_paragraphs": median([s.paragraphs for s in good]),
        "with_title": share([s.title for s in good]),
        "with_author": share([s.author for s in good]),
        "with_date": share([s.date for s in good]),
        "window": list(row.window) if row is not None else [],
    }
