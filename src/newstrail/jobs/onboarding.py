"""Onboarding many sources at once: OPML, a plain list of URLs, or ``[[sources]]`` TOML.

``read_source_file`` turns a file into ``SourceEntry``s (and one-line reasons
for the lines it cannot use); ``import_sources`` checks each new URL once,
concurrently and politely, to learn its kind, and watches it. Every entry
ends as exactly one ``ImportOutcome``: *added*, *skipped* (already watched,
or listed twice) or *refused* (not an http(s) URL, unreachable, refused by
the address guard, an HTTP error, or a page that is neither a feed nor
advertises one). One bad entry never stops the others.

OPML is what feed readers export (Feedly, Inoreader, NetNewsWire,
Thunderbird): every ``<outline xmlUrl=…>`` is a feed, its ``title`` or
``text`` the outlet's name. The file is untrusted XML, so it is parsed with
entities, DTDs and network access off (no XXE, no billion laughs).
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from lxml import etree

from newstrail.errors import ConfigError, InvalidInput, NotFound
from newstrail.fetch.addresses import check_url
from newstrail.fetch.errors import FetchError
from newstrail.fetch.feeds import discover
from newstrail.fetch.http import Fetcher
from newstrail.jobs.polling import fetch_settings
from newstrail.jobs.sources import save_source, source_fetch_settings, validate_options
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store

Status = Literal["added", "skipped", "refused"]
FileFormat = Literal["opml", "toml", "list"]
# Checks of new URLs in flight at once; the fetcher still spaces requests per host.
CONCURRENT_CHECKS = 16


@dataclass(frozen=True)
class SourceEntry:
    """One source a file lists: URL, outlet name, kind if given, its own options."""

    url: str
    where: str  # "line 3", "outline 5", "source 2": for messages
    name: str | None = None
    kind: str | None = None  # None: learnt by fetching
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportOutcome:
    """What became of one listed source."""

    url: str
    status: Status
    detail: str
    source_id: int | None = None
    kind: str | None = None

    def line(self) -> str:
        """``added  https://…: rss (source 4)`` and the like."""
        return f"{self.status:<8} {self.url}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


def detect_format(path: Path, data: bytes) -> FileFormat:
    """OPML by its root element, TOML by suffix, otherwise a list of URLs."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if head.startswith(b"<") and b"<opml" in head:
        return "opml"
    if path.suffix.lower() == ".toml":
        return "toml"
    return "list"


def read_source_file(path: Path) -> tuple[list[SourceEntry], list[ImportOutcome]]:
    """The sources a file lists, and one refusal per entry that is not a URL.

    Args:
        path: an OPML file, a ``.toml`` file with ``[[sources]]`` tables, or a
            text file with one URL per line (``# comments``; an outlet name may
            follow the URL after a space).

    Returns:
        The usable entries, and the refused ones as outcomes.

    Raises:
        NotFound: no such file.
        InvalidInput: the file cannot be parsed as its format at all.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a directory, not a list of sources") from None
    kind = detect_format(path, data)
    if kind == "opml":
        entries = _opml_entries(path, data)
    elif kind == "toml":
        entries = _toml_entries(path, data)
    else:
        entries = _list_entries(path, data)
    usable, refused = [], []
    for entry in entries:
        try:
            check_url(entry.url)
            validate_options(entry.options)
        except (FetchError, ConfigError) as error:
            reason = str(error).removeprefix(f"{entry.url}: ")
            refused.append(ImportOutcome(entry.url, "refused", f"{entry.where}: {reason}"))
            continue
        usable.append(entry)
    return usable, refused


def _opml_entries(path: Path, data: bytes) -> list[SourceEntry]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"{path}: not well-formed OPML: {error}") from None
    entries = []
    for number, outline in enumerate(root.iter("outline"), start=1):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue  # a folder of feeds, not a feed
        name = (outline.get("title") or outline.get("text") or "").strip() or None
        entries.append(SourceEntry(url, f"outline {number}", name))
    return entries


def _toml_entries(path: Path, data: bytes) -> list[SourceEntry]:
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInput(f"{path}: invalid TOML: {error}") from None
    listed = table.get("sources", [])
    if not isinstance(listed, list):
        raise InvalidInput(f"{path}: sources must be an array of tables, [[sources]]")
    entries = []
    for number, item in enumerate(listed, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            entries.append(SourceEntry(f"(source {number})", f"source {number}"))
            continue
        options = {k: v for k, v in item.items() if k not in ("url", "name", "kind")}
        name = item.get("name") if isinstance(item.get("name"), str) else None
        kind = item.get("kind") if isinstance(item.get("kind"), str) else None
        entries.append(SourceEntry(item["url"].strip(), f"source {number}", name, kind, options))
    return entries


def _list_entries(path: Path, data: bytes) -> list[SourceEntry]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not a text file of URLs (not UTF-8)") from None
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        url, _, name = line.partition(" ")
        entries.append(SourceEntry(url, f"line {number}", name.strip() or None))
    return entries


def import_sources(
    store: Store,
    settings: Settings,
    entries: list[SourceEntry],
    *,
    defaults: dict[str, Any] | None = None,
    name: str | None = None,
    check: bool = True,
    on_outcome: Callable[[ImportOutcome], None] | None = None,
) -> list[ImportOutcome]:
    """Watch every entry not watched yet; one outcome per entry, in file order.

    Args:
        store: the store to record sources in.
        settings: resolved settings (fetch limits, the global allow_private).
        entries: what ``read_source_file`` read.
        defaults: options for every entry (an entry's own options win).
        name: the outlet for every entry (overrides names in the file).
        check: fetch each new URL once to learn its kind and refuse dead ones;
            False records them as feeds whose kind the first poll learns.
        on_outcome: called as each outcome is known (for a progress display).

    Returns:
        The outcomes.
    """
    report = on_outcome or (lambda _outcome: None)
    f = schema.feeds
    with store.read() as connection:
        watched = {
            row.url: row.id
            for row in connection.execute(sa.select(f.c.url, f.c.id).where(f.c.active.is_(True)))
        }
    outcomes: dict[int, ImportOutcome] = {}
    fresh: list[tuple[int, SourceEntry, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.url in watched:
            source_id = watched[entry.url]
            detail = f"already watched (source {source_id})"
            outcome = ImportOutcome(entry.url, "skipped", detail, source_id)
        elif entry.url in seen:
            outcome = ImportOutcome(entry.url, "skipped", f"{entry.where}: listed twice")
        else:
            seen.add(entry.url)
            options = validate_options({**(defaults or {}), **entry.options})
            fresh.append((index, entry, options))
            continue
        outcomes[index] = outcome
        report(outcome)
    if check:
        asyncio.run(_check_all(store, settings, fresh, name, outcomes, report))
    else:
        for index, entry, options in fresh:
            kind = entry.kind or "feed"
            outcomes[index] = _save(store, entry, kind, entry.url, name, options)
            report(outcomes[index])
    return [outcomes[index] for index in sorted(outcomes)]


async def _check_all(
    store: Store,
    settings: Settings,
    fresh: list[tuple[int, SourceEntry, dict[str, Any]]],
    name: str | None,
    outcomes: dict[int, ImportOutcome],
    report: Callable[[ImportOutcome], None],
) -> None:
    """Fetch each new entry once (one fetcher, per-host politeness) and save it."""
    base = fetch_settings(settings)
    private = set(base.private_hosts)
    agents = dict(base.user_agents)
    for _, entry, options in fresh:
        own = source_fetch_settings(settings, entry.url, options)
        private.update(own.private_hosts)
        agents.update(own.user_agents)
    slots = asyncio.Semaphore(CONCURRENT_CHECKS)
    async with Fetcher(base) as fetcher:
        fetcher.set_host_options(tuple(sorted(private)), tuple(sorted(agents.items())))

        async def one(index: int, entry: SourceEntry, options: dict[str, Any]) -> None:
            async with slots:
                outcome = await _check_one(store, fetcher, entry, name, options)
            outcomes[index] = outcome
            report(outcome)

        await asyncio.gather(*(one(*item) for item in fresh))


async def _check_one(
    store: Store, fetcher: Fetcher, entry: SourceEntry, name: str | None, options: dict[str, Any]
) -> ImportOutcome:
    """Fetch one entry: a feed or sitemap is added; a page is added only as what it says."""
    try:
        result = await fetcher.fetch(entry.url)
    except FetchError as error:
        return ImportOutcome(entry.url, "refused", str(error).removeprefix(f"{entry.url}: "))
    if result.status >= 400:
        return ImportOutcome(entry.url, "refused", f"HTTP {result.status}")
    found = discover(result.body, result.final_url, result.headers.get("content-type"))
    if entry.kind == "article":
        return _save(store, entry, "article", entry.url, name, options)
    if found.kind != "html":
        return _save(store, entry, found.kind, entry.url, name, options)
    if found.feeds:  # a home page: watch the feed it advertises
        feed = found.feeds[0]
        outcome = _save(store, entry, "feed", feed, name, options)
        return ImportOutcome(
            entry.url,
            outcome.status,
            f"{outcome.detail}, the feed this page advertises: {feed}",
            outcome.source_id,
            outcome.kind,
        )
    return ImportOutcome(
        entry.url,
        "refused",
        "an HTML page that advertises no feed (to watch it as one article, give it kind = "
        '"article" or use `sources add`)',
    )


def _save(
    store: Store,
    entry: SourceEntry,
    kind: str,
    url: str,
    name: str | None,
    options: dict[str, Any],
) -> ImportOutcome:
    outlet = name or entry.name
    source_id = save_source(store, url, kind, outlet, options)
    shown = f" for {outlet}" if outlet else ""
    return ImportOutcome(entry.url, "added", f"{kind}{shown} (source {source_id})", source_id, kind)
