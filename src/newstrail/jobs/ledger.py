"""Finished checks waiting to be written: the watcher's ledger, written per batch.

A check ends in a few rows: the ``checks`` row, maybe an ``article_events`` row
(retired, deleted, moved), the article's counters and its next due time with
the lease dropped. Writing them one check at a time cost four transactions per
check and held unchanged (304) checks to ~330/s on this 2-core machine; the
ledger writes ``LEDGER_BATCH`` checks' rows in one transaction. New versions
never wait here: ``versions.record_capture`` stores them as they are found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.jobs.leases import Release, release_all
from newstrail.store import schema
from newstrail.store.database import Store

# Checks written per transaction; a larger batch only lengthens what a kill can
# take back (the articles come back when their leases expire).
LEDGER_BATCH = 100


@dataclass(frozen=True)
class Entry:
    """One finished check's rows; a claim handed back unchecked has no check row."""

    check: dict[str, Any] | None
    article: dict[str, Any]  # article columns to set besides its schedule
    release: Release
    event: dict[str, Any] | None = None


class CheckLedger:
    """Collects finished checks and writes them, a batch per transaction."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._entries: list[Entry] = []

    @property
    def full(self) -> bool:
        """Whether a batch is ready to be written."""
        return len(self._entries) >= LEDGER_BATCH

    def add(self, entry: Entry) -> None:
        """Keep a finished check until the next ``write``."""
        self._entries.append(entry)

    def write(self, store: Store) -> None:
        """Write every kept check, its event and its article's schedule in one transaction."""
        if not self._entries:
            return
        entries, self._entries = self._entries, []
        store.transact(lambda connection: self._write(connection, entries))

    def _write(self, connection: Connection, entries: list[Entry]) -> None:
        """The batch's rows, in the caller's transaction (run again on a conflict)."""
        for rows in _same_keys(e.check for e in entries if e.check is not None):
            connection.execute(schema.checks.insert(), rows)
        events = [e.event for e in entries if e.event is not None]
        if events:
            connection.execute(schema.article_events.insert(), events)
        _update_articles(
            connection,
            [{"id": e.release.article_id, **e.article} for e in entries if e.article],
        )
        release_all(connection, [e.release for e in entries], self.worker)


def _same_keys(rows: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows grouped by their key sets: an executemany needs one set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def _update_articles(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Set each row's columns on article ``row["id"]``: one executemany per column set."""
    a = schema.articles
    for group in _same_keys(rows):
        # Bind names must differ from column names in an UPDATE … SET.
        values: dict[str, Any] = {name: sa.bindparam(f"b_{name}") for name in group[0]}
        del values["id"]
        statement = a.update().where(a.c.id == sa.bindparam("b_id")).values(values)
        connection.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in group])
