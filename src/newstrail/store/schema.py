"""The store's tables, declared once with SQLAlchemy Core.

The data model covers the whole system, even where a stage is not built yet:

    sources ──< feeds                      outlets and the URLs watched for them
    sources ──< articles ──< versions      every distinct version of every article
                          ──< checks        every fetch, with its outcome
                          ──< article_events (deleted, moved, retired, story moves)
    blobs  <── versions.raw_sha256         raw captures, zstd, content-addressed
    stories ──< story_articles >── articles, story_moves (history of assignments)
    versions ──< quotes >── quote_groups ──> stories
    passages (reuse between two versions), summary_sentences, story_analyses
    follows, api_tokens, hosts (shared politeness), import_checkpoints
    alerts ──< alert_deliveries (the outbox: one row per alert and new version)
    source_health (extraction health per source, and whether it is flagged)
    watchers (each watcher's last pass and running totals, for /healthz and /metrics)

Times are stored as timezone-aware UTC datetimes; publication dates as
``YYYY-MM-DD`` strings because sources rarely give more than a day.
Migrations (``newstrail/migrations``) create and evolve these tables; this
module is what queries are written against.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Stable constraint names so migrations can refer to them on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (UTC).

    SQLite keeps no offset, so its rows came back naive while PostgreSQL's came
    back aware, and JSON said ``2024-03-01T08:00:00`` in one place and
    ``…+00:00`` in another. Every time newstrail writes is UTC; this type says
    so on the way out, on both databases, and converts an aware value to UTC on
    the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


def _utc(name: str, **kwargs: object) -> Column[object]:
    return Column(name, UTCDateTime(), **kwargs)  # type: ignore[arg-type]


sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("domain", String(253), unique=True),
    _utc("created_at", nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    # rss | atom | sitemap | sitemapindex | newssitemap | article | unknown
    Column("kind", String(20), nullable=False),
    Column("name", String(200)),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL")),
    # include/exclude patterns, re-check policy overrides, allow_private.
    Column("options", JSON, nullable=False, default=dict),
    Column("active", Boolean, nullable=False, default=True),
    Column("etag", Text),
    Column("last_modified", Text),
    _utc("created_at", nullable=False),
    _utc("next_check_at"),
    _utc("last_checked_at"),
    _utc("last_success_at"),
    Column("last_error", Text),
    Column("check_count", Integer, nullable=False, default=0),
    Column("error_count", Integer, nullable=False, default=0),
    # A poll is leased like an article check: one watcher polls a feed at a time.
    Column("lease_owner", String(200)),
    _utc("lease_expires_at"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    # Canonical URL, or urn:newstrail:text:<hash> for text without a URL.
    Column("url", Text, nullable=False, unique=True),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL")),
    Column("feed_id", ForeignKey("feeds.id", ondelete="SET NULL")),
    Column("title", Text),
    Column("published", String(10)),
    # active | retired | deleted | moved
    Column("state", String(10), nullable=False, default="active"),
    Column("moved_to", Text),
    # Extractor name/version pinned for this article (see versions.py).
    Column("extractor", String(100)),
    # What the feed entry listing the article said: {title, published, author}.
    Column("feed_entry", JSON),
    Column("version_count", Integer, nullable=False, default=0),
    # Validators from the last 200 response, for conditional GET.
    Column("etag", Text),
    Column("last_modified", Text),
    Column("consecutive_errors", Integer, nullable=False, default=0),
    _utc("first_seen_at", nullable=False),
    _utc("last_checked_at"),
    _utc("last_changed_at"),
    # The re-check queue: due time plus the current interval (seconds).
    _utc("next_check_at"),
    Column("check_interval", Float),
    # Lease held by a watcher while it checks this article.
    Column("lease_owner", String(100)),
    _utc("lease_expires_at"),
    Index("ix_articles_due", "state", "next_check_at"),
    Index("ix_articles_source", "source_id"),
)

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),  # of the uncompressed bytes
    Column("size", Integer, nullable=False),
    Column("compression", String(10), nullable=False),  # zstd | none
    Column("data", LargeBinary, nullable=False),
    _utc("created_at", nullable=False),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, ... per article
    # new | trivial | flipflop (equal to the earlier version in same_as_id) |
    # template (only template or extraction differed) | suspect (held back while
    # the source's extraction is degraded) | teaser (restricted or truncated page).
    # Only new and flipflop versions are visible: feeds, alerts, stories, analyses.
    Column("kind", String(10), nullable=False, default="new"),
    Column("same_as_id", ForeignKey("versions.id", ondelete="SET NULL")),
    _utc("captured_at", nullable=False),
    # How it arrived: fetch | import:html | import:text | import:jsonl | import:warc | newssniffer
    Column("origin", String(20), nullable=False),
    Column("raw_sha256", ForeignKey("blobs.sha256")),
    Column("content_type", String(100)),
    Column("http_status", Integer),
    Column("final_url", Text),
    Column("title", Text),
    Column("byline", Text),
    Column("published", String(10)),
    Column("site_name", Text),
    Column("language", String(10)),
    Column("text", Text, nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("extractor", String(100), nullable=False),
    # Which evidence gave each field (date_source, title_source, ...): Extracted.evidence.
    Column("evidence", JSON),
    # What checking a differing capture against both raw captures found
    # (versions/verification.py): reason, dismissed edits, access state, health.
    Column("verification", JSON),
    UniqueConstraint("article_id", "number", name="uq_versions_article_number"),
    Index("ix_versions_article_text", "article_id", "text_sha256"),
    Index("ix_versions_captured", "captured_at"),
)

checks = Table(
    "checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE")),
    Column("feed_id", ForeignKey("feeds.id", ondelete="CASCADE")),
    _utc("checked_at", nullable=False),
    Column("http_status", Integer),
    # unchanged | not_modified | new | trivial | flipflop | error | deleted | moved
    Column("outcome", String(20), nullable=False),
    Column("error", Text),
    Column("elapsed_ms", Float),
    Column("raw_sha256", String(64)),
    Column("version_id", ForeignKey("versions.id", ondelete="SET NULL")),
    Column("worker", String(100)),
    Index("ix_checks_article", "article_id", "checked_at"),
    Index("ix_checks_feed", "feed_id", "checked_at"),
)

article_events = Table(
    "article_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    _utc("at", nullable=False),
    # deleted | moved | retired | restored | re_extracted
    Column("kind", String(20), nullable=False),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_article_events_article", "article_id", "at"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text),
    # active | dormant | merged
    Column("state", String(10), nullable=False, default="active"),
    Column("merged_into", ForeignKey("stories.id", ondelete="SET NULL")),
    _utc("first_seen_at"),
    _utc("last_seen_at"),
    _utc("created_at", nullable=False),
    _utc("updated_at", nullable=False),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("score", Float),
    _utc("assigned_at", nullable=False),
    Index("ix_story_articles_story", "story_id"),
)

story_moves = Table(
    "story_moves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("from_story", Integer),
    Column("to_story", Integer),
    # placed | merge | split | rewritten (a new version about another story) | rebuild
    Column("reason", String(20), nullable=False),
    _utc("at", nullable=False),
    Index("ix_story_moves_from", "from_story"),
    Index("ix_story_moves_to", "to_story"),
    Index("ix_story_moves_article", "article_id"),
)

quote_groups = Table(
    "quote_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("speaker_name", Text),
    Column("text", Text, nullable=False),
    Column("first_article_id", ForeignKey("articles.id", ondelete="SET NULL")),
    Index("ix_quote_groups_story", "story_id"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),  # direct | indirect | mixed
    Column("text", Text, nullable=False),
    Column("quote_start", Integer, nullable=False),
    Column("quote_end", Integer, nullable=False),
    Column("speaker_start", Integer),
    Column("speaker_end", Integer),
    Column("speaker_name", Text),
    Column("verb_start", Integer),
    Column("verb_end", Integer),
    Column("group_id", ForeignKey("quote_groups.id", ondelete="SET NULL")),
    # exact | variant | paraphrase: how this quote relates to its group.
    Column("group_relation", String(12)),
    Index("ix_quotes_version", "version_id"),
    # read_analysis looks quotes up by group: without this, a story page scanned
    # every quote (103 ms at 100k articles; 8.6 ms with it).
    Index("ix_quotes_group", "group_id"),
    Index("ix_quotes_speaker", "speaker_name"),
)

passages = Table(
    "passages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE")),
    Column("source_version_id", ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("target_version_id", ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("source_start", Integer, nullable=False),
    Column("source_end", Integer, nullable=False),
    Column("target_start", Integer, nullable=False),
    Column("target_end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("similarity", Float, nullable=False),
    Column("direction_reason", String(40), nullable=False),
    Index("ix_passages_story", "story_id"),
)

summary_sentences = Table(
    "summary_sentences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    # [{"article_id": ..., "source": ..., "score": ...}, ...]
    Column("citations", JSON, nullable=False),
    UniqueConstraint("story_id", "position", name="uq_summary_sentences_story_position"),
)

story_analyses = Table(
    "story_analyses",
    metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    _utc("computed_at", nullable=False),
    # Versions the analysis was computed from, to know when it is stale.
    Column("version_ids", JSON, nullable=False),
    # What each outlet alone reports, and other per-story results.
    Column("exclusive", JSON, nullable=False),
    # Figures the story's outlets, or an article's versions, state differently.
    Column("discrepancies", JSON),
)

cluster_state = Table(
    "cluster_state",
    metadata,
    # One row: the online clusterer's saved state, so placing the next article
    # does not replay the archive. Written in the same transaction as the
    # story assignments it reflects.
    Column("id", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("articles", Integer, nullable=False),
    _utc("updated_at", nullable=False),
)

follows = Table(
    "follows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # person | topic | outlet
    Column("value", Text, nullable=False),
    _utc("created_at", nullable=False),
    UniqueConstraint("kind", "value", name="uq_follows_kind_value"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    _utc("created_at", nullable=False),
)

hosts = Table(
    "hosts",
    metadata,
    Column("host", String(253), primary_key=True),
    # Shared politeness across workers: the earliest time the next request may start.
    _utc("next_request_at"),
    Column("crawl_delay", Float),
)

import_checkpoints = Table(
    "import_checkpoints",
    metadata,
    Column("path", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime", Float, nullable=False),
    Column("offset", BigInteger, nullable=False),  # bytes of the file fully imported
    Column("done", Boolean, nullable=False, default=False),
    _utc("updated_at", nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(10), nullable=False),  # webhook | email
    Column("target", Text, nullable=False),  # the receiver's URL or a mail address
    # Key for the webhook's HMAC-SHA256 signature (kept to sign; never shown again).
    Column("secret", Text),
    # None: every change | substantive | headline | follows
    Column("only", String(20)),
    Column("active", Boolean, nullable=False, default=True),
    _utc("created_at", nullable=False),
    # A webhook may go to a private, loopback or link-local address only when it
    # was added with allow_private (as sources are): else a receiver URL would
    # let whoever adds alerts make the server POST into its own network.
    Column("allow_private", Boolean, nullable=False, default=False, server_default=false()),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    # The outbox: written in the transaction that stores the version it
    # describes, so a crash loses no alert; sent later, beside the watcher.
    Column("id", Integer, primary_key=True),
    Column("alert_id", ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("version_id", ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(10), nullable=False),  # changed | new
    # pending | sent | skipped (the alert's filter did not match) | failed (gave up)
    Column("status", String(10), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    _utc("created_at", nullable=False),
    _utc("next_attempt_at"),
    _utc("delivered_at"),
    Column("lease_owner", String(100)),
    _utc("lease_expires_at"),
    UniqueConstraint("alert_id", "version_id", name="uq_alert_deliveries_alert_version"),
    Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
)

source_health = Table(
    "source_health",
    metadata,
    # Extraction health per source (versions/health.py): the recent assessments
    # of captures that differed from their article's last good version, and
    # whether the source is flagged (its would-be versions held back as suspect).
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(10), nullable=False),  # ok | degraded
    Column("reason", Text),
    _utc("since"),
    Column("extractor", String(100)),  # the extractor when the source was flagged
    Column("window", JSON, nullable=False),  # [{"at", "article_id", "degraded", ...}]
    _utc("updated_at", nullable=False),
)

watchers = Table(
    "watchers",
    metadata,
    # One row per watcher process (host:pid), updated after each pass: what
    # /healthz and /metrics read, identical whichever web worker answers.
    Column("worker", String(100), primary_key=True),
    _utc("last_pass_at", nullable=False),
    Column("last_pass_seconds", Float, nullable=False),
    Column("last_pass_succeeded", Boolean, nullable=False),
    Column("passes", Integer, nullable=False),
    Column("pass_seconds", Float, nullable=False),  # summed over passes
    # Running totals: {"checks": {outcome: n}, "errors": {kind: n}, "polls": n, ...}
    Column("totals", JSON, nullable=False),
)

# Items whose work was bounded: truncated before a stage, failing, or
# quarantined (kept, but skipped by the watcher and left out of story analysis).
# One row per (kind, key, stage); jobs/quarantine.py keeps it.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # article | story | feed | file
    Column("key", Text, nullable=False),  # the article/story/feed id, or a file path
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE")),
    Column("stage", String(20), nullable=False),  # extract | record | analysis | poll
    Column("state", String(12), nullable=False),  # truncated | failing | quarantined
    Column("reason", Text, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    _utc("first_at", nullable=False),
    _utc("last_at", nullable=False),
    UniqueConstraint("kind", "key", "stage", name="uq_quarantine_item_stage"),
    Index("ix_quarantine_article_state", "article_id", "state"),
)
