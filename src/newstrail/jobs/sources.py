"""Watched sources: feeds, sitemaps and single article URLs, and their outlets.

``add_source`` fetches the URL once to learn what it is (RSS/Atom feed,
sitemap, news sitemap, or an article page) and records it in ``feeds`` under
the outlet its domain names. Config files may list sources too
(``[[sources]]`` tables with ``url``, ``name``, ``include``, ``exclude``,
``policy``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newstrail.errors import ConfigError, NotFound
from newstrail.extract.outlets import outlet_from_name, outlet_from_url
from newstrail.fetch.errors import FetchError
from newstrail.fetch.feeds import detect_kind
from newstrail.fetch.http import Fetcher
from newstrail.jobs.polling import fetch_settings
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, insert_ignoring_duplicates, utcnow
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

    def to_json(self) -> dict[str, Any]:
        data = dict(vars(self))
        for key in ("last_checked_at", "last_success_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def validate_options(options: dict[str, Any]) -> dict[str, Any]:
    """Check include/exclude patterns compile; raise ConfigError naming the bad one."""
    for key in ("include", "exclude"):
        for pattern in options.get(key) or []:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"invalid {key} pattern {pattern!r}: {error}") from error
    return options


def save_source(
    store: Store,
    url: str,
    kind: str,
    name: str | None = None,
    options: dict[str, Any] | None = None,
) -> int:
    """Record a watched URL (or update it when already known); returns its id."""
    options = validate_options(dict(options or {}))
    outlet = outlet_from_name(name) if name else outlet_from_url(url)
    now = utcnow()

    def save(connection: sa.Connection) -> int:
        source_id = store.ensure_source(connection, outlet.name, outlet.domain) if outlet else None
        values = {
            "kind": kind,
            "name": name,
            "source_id": source_id,
            "options": options,
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
    f, s = schema.feeds, schema.sources
    with store.read() as connection:
        rows = connection.execute(
            sa.select(f, s.c.name.label("outlet"))
            .select_from(f.outerjoin(s, s.c.id == f.c.source_id))
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
        options = {key: entry[key] for key in ("include", "exclude", "policy") if key in entry}
        kind = str(entry.get("kind", "feed"))
        ids.append(save_source(store, str(entry["url"]), kind, entry.get("name"), options))
    return ids


async def add_source(
    store: Store, settings: Settings, url: str, name: str | None, options: dict[str, Any]
) -> tuple[int, str]:
    """Fetch ``url`` once to learn its kind, then watch it; returns (id, kind)."""
    async with Fetcher(fetch_settings(settings)) as fetcher:
        result = await fetcher.fetch(url)
    if result.status >= 400:
        raise FetchError(f"{url}: HTTP {result.status}")
    kind: str = detect_kind(result.body, result.headers.get("content-type"), result.final_url)
    if kind == "html":
        kind = "article"
        url = canonicalise(result.final_url)
    return save_source(store, url, kind, name, options), kind
