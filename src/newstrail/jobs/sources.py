"""Watched sources: feeds, sitemaps and single article URLs, and their outlets.

``add_source`` fetches the URL once to learn what it is (RSS/Atom feed,
sitemap, news sitemap, or an article page) and records it in ``feeds`` under
the outlet its ``name`` gives, else the one its domain names. Config files may
list sources too (``[[sources]]`` tables; ``onboarding.py`` reads them, OPML
and plain lists). Each source keeps its own options in the store
(``SOURCE_OPTIONS``), so ``watch`` fetches it as it was added.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from newstrail.errors import ConfigError, NotFound
from newstrail.extract.outlets import outlet_from_name, outlet_from_url
from newstrail.fetch.addresses import check_url
from newstrail.fetch.errors import FetchError
from newstrail.fetch.feeds import detect_kind
from newstrail.fetch.http import Fetcher, FetchSettings
from newstrail.jobs.polling import fetch_settings
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, insert_ignoring_duplicates, utcnow
from newstrail.text.counts import counted
from newstrail.text.urls import canonicalise


@dataclass(frozen=True)
class SourceRecord:
    """A watched URL as listed."""

    id: int
    url: str
    kind: str
    name: str | None
    outlet: str | None
    active: bool
    last_checked_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    check_count: int
    error_count: int
    options: dict[str, Any]
    # Why the outlet's extraction is flagged as degraded (versions held back), or None.
    extraction_degraded: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dict(vars(self))
        for key in ("last_checked_at", "last_success_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


# Options a source may carry (``[[sources]]`` keys, ``sources add`` flags), with
# their help; ``policy`` holds the re-check schedule's overrides (schedule.py).
SOURCE_OPTIONS: dict[str, str] = {
    "include": "regexes an article URL must match (any of them)",
    "exclude": "regexes that drop an article URL",
    "allow_private": "fetch this source's host even at a private or loopback address",
    "user_agent": "User-Agent sent to this source's host (put a contact in it)",
    "feed_interval_minutes": "minutes between polls of this feed",
    "first_interval_minutes": "re-check interval of its articles after a change",
    "interval_growth": "interval multiplier after an unchanged check",
    "retire_after_days": "retire its articles once their interval passes this",
}
POLICY_KEYS = ("first_interval_minutes", "interval_growth", "retire_after_days")
SHAPED_KEYS = ("include", "exclude", "allow_private", "user_agent")  # the rest are numbers


def validate_options(options: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a source's options; raise ConfigError naming the bad one.

    Schedule keys given at the top level move into ``policy``; empty values
    are dropped, so a source stores only what it sets.
    """
    options = {k: v for k, v in options.items() if v not in (None, [], (), "")}
    policy = dict(options.pop("policy", None) or {})
    for key in POLICY_KEYS:
        if key in options:
            policy[key] = options.pop(key)
    unknown = set(options) - set(SOURCE_OPTIONS) | set(policy) - set(POLICY_KEYS)
    if unknown:
        raise ConfigError(f"unknown source option(s): {', '.join(sorted(unknown))}")
    for key in ("include", "exclude"):
        if key not in options:
            continue
        patterns = options[key]
        if isinstance(patterns, str) or not isinstance(patterns, list | tuple):
            raise ConfigError(f"{key} must be a list of regexes")
        options[key] = [str(p) for p in patterns]
        for pattern in options[key]:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"invalid {key} pattern {pattern!r}: {error}") from error
    if "allow_private" in options and not isinstance(options["allow_private"], bool):
        raise ConfigError("allow_private must be true or false")
    agent = options.get("user_agent")
    if agent is not None and (not isinstance(agent, str) or "\n" in agent or "\r" in agent):
        raise ConfigError("user_agent must be one line of text")
    numbers = {k: v for k, v in [*options.items(), *policy.items()] if k not in SHAPED_KEYS}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{key} must be a positive number")
    if policy:
        options["policy"] = {key: float(value) for key, value in policy.items()}
    return options


def save_source(
    store: Store,
    url: str,
    kind: str,
    name: str | None = None,
    options: dict[str, Any] | None = None,
) -> int:
    """Record a watched URL (or update it when already known); returns its id.

    Updating keeps what the update does not give: re-reading a config file
    whose entry has no ``name`` leaves the outlet an earlier ``sources add
    --name`` set, and its options are merged over the stored ones.
    """
    options = validate_options(dict(options or {}))
    now = utcnow()

    def save(connection: sa.Connection) -> int:
        saved_name, saved_options, saved_kind = name, options, kind
        existing = connection.execute(
            sa.select(schema.feeds.c.name, schema.feeds.c.options, schema.feeds.c.kind).where(
                schema.feeds.c.url == url
            )
        ).first()
        if existing is not None:
            saved_name = name or existing.name
            saved_options = {**(existing.options or {}), **options}
            if kind == "feed":  # "learn it at the first poll": keep what was learnt
                saved_kind = existing.kind
        outlet = outlet_from_name(saved_name) if saved_name else outlet_from_url(url)
        source_id = store.ensure_source(connection, outlet.name, outlet.domain) if outlet else None
        values = {
            "kind": saved_kind,
            "name": saved_name,
            "source_id": source_id,
            "options": saved_options,
            "active": True,
        }
        # An upsert: two `sources add` (or config loads) of one URL both succeed.
        insert_ignoring_duplicates(
            connection,
            schema.feeds,
            {"url": url, "created_at": now, "next_check_at": None, **values},
            ["url"],
            update=values,
        )
        f = schema.feeds
        return int(connection.execute(sa.select(f.c.id).where(f.c.url == url)).scalar_one())

    return store.transact(save)


def list_sources(store: Store) -> list[SourceRecord]:
    """Every watched URL with its health counters."""
    f, s, h = schema.feeds, schema.sources, schema.source_health
    degraded = sa.case((h.c.state == "degraded", h.c.reason), else_=None)
    with store.read() as connection:
        rows = connection.execute(
            sa.select(f, s.c.name.label("outlet"), degraded.label("degraded"))
            .select_from(
                f.outerjoin(s, s.c.id == f.c.source_id).outerjoin(h, h.c.source_id == f.c.source_id)
            )
            .order_by(f.c.id)
        ).all()
    return [
        SourceRecord(
            id=r.id,
            url=r.url,
            kind=r.kind,
            name=r.name,
            outlet=r.outlet,
            active=r.active,
            last_checked_at=r.last_checked_at,
            last_success_at=r.last_success_at,
            last_error=r.last_error,
            check_count=r.check_count,
            error_count=r.error_count,
            options=r.options or {},
            extraction_degraded=r.degraded,
        )
        for r in rows
    ]


def remove_source(store: Store, id_or_url: str) -> None:
    """Stop watching a URL (its articles and versions are kept)."""
    f = schema.feeds
    condition = f.c.id == int(id_or_url) if id_or_url.isdigit() else f.c.url == id_or_url
    with store.write() as connection:
        if connection.execute(f.update().where(condition).values(active=False)).rowcount == 0:
            raise NotFound(f"no source {id_or_url!r}")


def sources_from_config(path: Path) -> list[dict[str, Any]]:
    """The ``[[sources]]`` tables of a TOML config file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    listed = data.get("sources", [])
    if not isinstance(listed, list) or not all(isinstance(s, dict) and "url" in s for s in listed):
        raise ConfigError(f"{path}: [[sources]] entries need a url")
    return listed


def save_configured_sources(store: Store, path: Path) -> list[int]:
    """Watch every ``[[sources]]`` entry of a config file (idempotent).

    Their kind is learnt at the first poll: a feed, sitemap or sitemap index
    is read as such, and ``kind = "article"`` marks a single article URL.
    """
    ids = []
    for entry in sources_from_config(path):
        options = {k: v for k, v in entry.items() if k not in ("url", "name", "kind")}
        kind = str(entry.get("kind", "feed"))
        ids.append(save_source(store, str(entry["url"]), kind, entry.get("name"), options))
    return ids


def force_due(store: Store) -> tuple[int, int]:
    """Make every active feed, and every article whose last check failed, due now.

    Returns:
        How many feeds and articles were made due.
    """
    f, a = schema.feeds, schema.articles
    now = utcnow()
    with store.write() as connection:
        feeds = connection.execute(
            f.update().where(f.c.active.is_(True)).values(next_check_at=None)
        ).rowcount
        articles = connection.execute(
            a.update()
            .where(a.c.state == "active", a.c.consecutive_errors > 0)
            .values(next_check_at=now)
        ).rowcount
    return int(feeds), int(articles)


def watch_summary(store: Store) -> str:
    """What a watcher is about to watch, in one line."""
    f, a = schema.feeds, schema.articles
    now = utcnow()
    with store.read() as connection:
        feeds = connection.execute(
            sa.select(sa.func.count()).select_from(f).where(f.c.active.is_(True))
        ).scalar_one()
        active = connection.execute(
            sa.select(sa.func.count()).select_from(a).where(a.c.state == "active")
        ).scalar_one()
        due = connection.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.state == "active", a.c.next_check_at <= now)
        ).scalar_one()
        flagged: list[str] = list(
            connection.execute(
                sa.select(schema.sources.c.name)
                .join(schema.source_health, schema.source_health.c.source_id == schema.sources.c.id)
                .where(schema.source_health.c.state == "degraded")
                .order_by(schema.sources.c.name)
            )
            .scalars()
            .all()
        )
    where = store.engine.url.render_as_string(hide_password=True)
    line = (
        f"watching {counted(feeds, 'source')} and {counted(active, 'active article')} "
        f"({due} due now) in {where}"
    )
    if flagged:
        line += f"; extraction degraded (versions held back): {', '.join(flagged)}"
    return line


async def add_source(
    store: Store, settings: Settings, url: str, name: str | None, options: dict[str, Any]
) -> tuple[int, str]:
    """Fetch ``url`` once to learn its kind, then watch it; returns (id, kind).

    Args:
        store: the store to record the source in.
        settings: resolved settings (fetching limits, the global allow_private).
        url: a feed, sitemap or article URL.
        name: the outlet's name; None takes it from the URL's domain.
        options: the source's own options (``SOURCE_OPTIONS``); they persist.

    Returns:
        The source's id and its detected kind.
    """
    options = validate_options(options)
    check_url(url)  # before anything reads its host: one clear line for a malformed URL
    kind, url = await detect_source(settings, url, options)
    return save_source(store, url, kind, name, options), kind


async def detect_source(
    settings: Settings, url: str, options: dict[str, Any], fetcher: Fetcher | None = None
) -> tuple[str, str]:
    """Fetch ``url`` as the source's options say and tell what it is: (kind, url).

    An HTML page is an article to watch (``kind`` "article", its final URL).
    """
    if fetcher is None:
        async with Fetcher(source_fetch_settings(settings, url, options)) as own:
            return await detect_source(settings, url, options, own)
    result = await fetcher.fetch(url)
    if result.status >= 400:
        raise FetchError(f"{url}: HTTP {result.status}")
    kind: str = detect_kind(result.body, result.headers.get("content-type"), result.final_url)
    if kind == "html":
        return "article", canonicalise(result.final_url)
    return kind, url


def source_fetch_settings(settings: Settings, url: str, options: dict[str, Any]) -> FetchSettings:
    """Fetch settings honouring one source's own allow_private and User-Agent."""
    base = fetch_settings(settings)
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return base
    changes: dict[str, Any] = {}
    if options.get("allow_private") is True:
        changes["private_hosts"] = (*base.private_hosts, host)
    if options.get("user_agent"):
        changes["user_agents"] = (*base.user_agents, (host, str(options["user_agent"])))
    return replace(base, **changes)
