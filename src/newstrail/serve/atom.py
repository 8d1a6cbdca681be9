"""Changes to articles, as records and as Atom feeds (feedgen).

A *change* is a version after an article's first that people should see: a new
visible version or a flip-flop back to an earlier text (trivial versions stay
out). Each change is described in words by ``newstrail.versions.edits`` ("headline
changed; 2 sentences added") and links to its side-by-side diff. Feeds exist
for everything, one source, one story or one article, and can keep only
substantive edits or only headline changes.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from feedgen.feed import FeedGenerator
from sqlalchemy.engine import Connection

from newstrail.errors import InvalidInput
from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.versions.kinds import HELD_KINDS, VISIBLE_KINDS

ONLY_CHOICES = ("substantive", "headline")
CHANGE_KINDS = VISIBLE_KINDS  # suspect, teaser and template versions never reach a feed
# Characters XML 1.0 forbids; scraped text sometimes carries them and lxml refuses them.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Fetch this many candidates per wanted change when a filter may drop most of them.
OVERFETCH = 5


@dataclass(frozen=True)
class Change:
    """One visible change to an article, described."""

    version_id: int
    article_id: int
    number: int
    previous_number: int
    kind: str
    captured_at: datetime
    url: str
    title: str | None
    outlet: str | None
    source_id: int | None
    story_id: int | None
    description: str
    title_changed: bool
    substantive: bool
    # The word diff against the previous published version, escaped HTML (feeds only).
    diff_html: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        del data["diff_html"]
        data["captured_at"] = self.captured_at.isoformat()
        return data

    def diff_path(self) -> str:
        """The site path of this change's side-by-side diff."""
        return f"/articles/{self.article_id}/diff?from={self.previous_number}&to={self.number}"


@dataclass(frozen=True)
class EditSummary:
    """What kind of edit a change is."""

    description: str
    title_changed: bool
    substantive: bool


def describe_edit(
    old_title: str | None, old_text: str, new_title: str | None, new_text: str
) -> EditSummary:
    """Classify the edit from one version to the next, in words.

    Uses ``newstrail.versions.edits`` (sentence-level classification); until that module
    is installed, a word count of the difflib opcodes stands in.
    """
    try:
        from newstrail.versions.diff import VersionText
        from newstrail.versions.edits import compare_versions, describe
    except ImportError:
        return _word_count_summary(old_title, old_text, new_title, new_text)
    comparison = compare_versions(
        VersionText(old_title, None, None, old_text), VersionText(new_title, None, None, new_text)
    )
    summary = comparison.to_json()
    return EditSummary(
        description=describe(comparison),
        title_changed=bool(summary.get("title_changed")),
        substantive=bool(summary.get("changed")) and not summary.get("trivial"),
    )


def _word_count_summary(
    old_title: str | None, old_text: str, new_title: str | None, new_text: str
) -> EditSummary:
    """A plain description from word-level opcodes (fallback for ``describe_edit``)."""
    old_words, new_words = old_text.split(), new_text.split()
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    parts = []
    title_changed = (old_title or "") != (new_title or "")
    if title_changed:
        parts.append("headline changed")
    if added:
        parts.append(f"{added} words added")
    if removed:
        parts.append(f"{removed} words removed")
    return EditSummary("; ".join(parts) or "no text change", title_changed, bool(parts))


@functools.cache
def _change_query() -> sa.Select[Any]:
    """The base query of changes (built once: constructing it costs ~4 ms a time)."""
    v, a, s, st = schema.versions, schema.articles, schema.sources, schema.story_articles
    previous = schema.versions.alias("previous")
    # The version a change is told against: the last one before it that was not
    # held back (a suspect or teaser capture is never the "before" of an edit).
    earlier = schema.versions.alias("earlier")
    before = (
        sa.select(sa.func.max(earlier.c.number))
        .where(
            earlier.c.article_id == v.c.article_id,
            earlier.c.number < v.c.number,
            earlier.c.kind.not_in(HELD_KINDS),
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            v.c.id,
            v.c.article_id,
            v.c.number,
            v.c.kind,
            v.c.captured_at,
            v.c.title,
            v.c.text,
            previous.c.title.label("previous_title"),
            previous.c.text.label("previous_text"),
            previous.c.number.label("previous_number"),
            a.c.url,
            a.c.source_id,
            s.c.name.label("source"),
            st.c.story_id,
        )
        .select_from(
            v.join(a, a.c.id == v.c.article_id)
            .join(
                previous,
                sa.and_(previous.c.article_id == v.c.article_id, previous.c.number == before),
            )
            .outerjoin(s, s.c.id == a.c.source_id)
            .outerjoin(st, st.c.article_id == a.c.id)
        )
        .where(v.c.number > 1, v.c.kind.in_(CHANGE_KINDS))
        .order_by(v.c.captured_at.desc(), v.c.id.desc())
    )


def list_changes(
    store: Store,
    *,
    source_id: int | None = None,
    story_id: int | None = None,
    article_id: int | None = None,
    article_ids: list[int] | None = None,
    only: str | None = None,
    limit: int = 50,
    connection: Connection | None = None,
    with_diffs: bool = False,
) -> list[Change]:
    """The latest changes, newest first, optionally for one source, story or article.

    Args:
        store: the store to read.
        source_id: only changes to this source's articles.
        story_id: only changes to this story's articles.
        article_id: only changes to this article.
        article_ids: only changes to these articles.
        only: ``substantive`` or ``headline`` to keep only those edits.
        limit: most changes returned.
        connection: an open read transaction to use.
        with_diffs: also make each change's ``diff_html`` (for feeds).

    Returns:
        The changes, each described.
    """
    if only is not None and only not in ONLY_CHOICES:
        raise InvalidInput(f"only must be one of {', '.join(ONLY_CHOICES)}")
    query = _change_query()
    if source_id is not None:
        query = query.where(schema.articles.c.source_id == source_id)
    if story_id is not None:
        query = query.where(schema.story_articles.c.story_id == story_id)
    if article_id is not None:
        query = query.where(schema.versions.c.article_id == article_id)
    if article_ids is not None:
        query = query.where(schema.versions.c.article_id.in_(article_ids))
    query = query.limit(limit * OVERFETCH if only else limit)
    if connection is None:
        with store.read() as own:
            rows = own.execute(query).all()
    else:
        rows = connection.execute(query).all()
    changes = []
    for row in rows:
        edit = describe_edit(row.previous_title, row.previous_text, row.title, row.text)
        if only == "substantive" and not edit.substantive:
            continue
        if only == "headline" and not edit.title_changed:
            continue
        changes.append(
            Change(
                version_id=row.id,
                article_id=row.article_id,
                number=row.number,
                previous_number=row.previous_number,
                kind=row.kind,
                captured_at=aware(row.captured_at),
                url=row.url,
                title=row.title,
                outlet=row.source,
                source_id=row.source_id,
                story_id=row.story_id,
                description=("reverted to an earlier version; " if row.kind == "flipflop" else "")
                + edit.description,
                title_changed=edit.title_changed,
                substantive=edit.substantive,
                diff_html=diff_html(row.previous_title, row.previous_text, row.title, row.text)
                if with_diffs
                else None,
            )
        )
        if len(changes) == limit:
            break
    return changes


def aware(moment: datetime) -> datetime:
    """``moment`` as timezone-aware UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _xml_text(text: str | None) -> str:
    return XML_INVALID.sub("", text or "")


# Words a feed entry's diff shows at most: a feed reader is not the diff page.
DIFF_WORDS_MAX = 400


def diff_html(
    old_title: str | None, old_text: str | None, new_title: str | None, new_text: str | None
) -> str:
    """The word diff of a change as escaped HTML: ``<del>``/``<ins>``, unchanged runs elided.

    difflib on word tokens (as the web diff does): a feed entry needs the
    changed words with a little context, not the alignment of the diff page.
    """
    parts: list[str] = []
    if (old_title or "") != (new_title or ""):
        parts.append(
            f"<p>Headline: <del>{html.escape(old_title or '')}</del> "
            f"<ins>{html.escape(new_title or '')}</ins></p>"
        )
    old_words, new_words = (old_text or "").split(), (new_text or "").split()
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    shown: list[str] = []
    budget = DIFF_WORDS_MAX
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if budget <= 0:
            shown.append("…")
            break
        if tag == "equal":
            run = old_words[i1:i2]
            if len(run) > 12:
                run = [*run[:6], "…", *run[-6:]]
            shown.append(html.escape(" ".join(run)))
            continue
        if i2 > i1:
            shown.append(f"<del>{html.escape(' '.join(old_words[i1:i2]))}</del>")
        if j2 > j1:
            shown.append(f"<ins>{html.escape(' '.join(new_words[j1:j2]))}</ins>")
        budget -= (i2 - i1) + (j2 - j1)
    if shown:
        parts.append("<p>" + " ".join(shown) + "</p>")
    return "".join(parts)


def tag_id(authority: str, change: Change) -> str:
    """The entry's stable id, ``tag:<authority>,<YYYY-MM-DD>:version/<id>`` (RFC 4151).

    It names the version, not the URL the feed was fetched from, so it stays the
    same whatever host name or proxy the reader used.
    """
    return f"tag:{authority},{change.captured_at:%Y-%m-%d}:version/{change.version_id}"


def tag_authority(public_url: str) -> str:
    """The tag authority: ``public_url``'s host, else ``newstrail.invalid`` (RFC 2606)."""
    host = urlsplit(public_url).hostname if public_url else None
    return host or "newstrail.invalid"


def changes_feed(
    changes: list[Change],
    *,
    title: str,
    feed_url: str,
    base_url: str,
    authority: str = "newstrail.invalid",
) -> bytes:
    """An Atom document listing ``changes``, each entry linking to its diff.

    Args:
        changes: the changes, newest first (``diff_html`` becomes each entry's content).
        title: the feed's title.
        feed_url: the feed's own absolute URL (its rel=self link).
        base_url: the site's absolute base URL, without a trailing slash.
        authority: the host that mints the entries' ``tag:`` ids (``tag_authority``).

    Returns:
        The feed as UTF-8 XML bytes.
    """
    feed = FeedGenerator()
    feed.id(f"tag:{authority},2024-01-01:feed{urlsplit(feed_url).path}")
    feed.title(_xml_text(title))
    feed.author({"name": "newstrail"})
    feed.link(href=feed_url, rel="self")
    feed.link(href=base_url + "/", rel="alternate")
    feed.updated(changes[0].captured_at if changes else utcnow())
    for change in changes:
        entry = feed.add_entry(order="append")
        diff_url = base_url + change.diff_path()
        entry.id(tag_id(authority, change))
        entry.title(_xml_text(f"{change.title or change.url} — {change.description}"))
        entry.link(href=diff_url, rel="alternate")
        entry.updated(change.captured_at)
        entry.published(change.captured_at)
        entry.summary(
            _xml_text(
                f"{change.outlet or 'Unknown outlet'}: version {change.number} of {change.url}. "
                f"{change.description}."
            )
        )
        if change.diff_html:
            entry.content(_xml_text(change.diff_html), type="html")
        entry.category(term="headline" if change.title_changed else "text")
    return bytes(feed.atom_str(pretty=True))
