"""``check-store``: what is wrong with a store, one line per problem.

Checks, each a query (no write):

- the database file itself (SQLite ``PRAGMA quick_check``);
- every foreign key of the schema points at a row (SQLite leaves them
  unchecked for rows written with ``foreign_keys`` off; the check is the same
  on PostgreSQL, which enforces them, so a clean store reads clean on both);
- no article holds two consecutive versions with the same title and text (the
  recorder stores a capture only when it differs from the latest), and every
  article's ``version_count`` is its number of versions;
- no lease runs more than a day ahead (no watcher takes one that long, so it
  would keep an article from being checked);
- no article with a visible version is outside every story, and no story's
  analysis misses its articles' latest versions (a killed watcher leaves these
  for the next one: run ``newstrail watch --once`` or ``stories --rebuild``);
- items in quarantine (``newstrail quarantine list`` tells why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from newstrail.jobs.leases import as_utc
from newstrail.jobs.pipeline import stale_stories, unplaced_articles
from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.text.counts import counted

LEASE_HORIZON = timedelta(days=1)
SHOWN = 5  # ids shown per problem line


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the store."""

    check: str
    message: str

    def line(self) -> str:
        return f"{self.check}: {self.message}"


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN])
    return shown + (f" (+{len(ids) - SHOWN} more)" if len(ids) > SHOWN else "")


def check_store(store: Store) -> list[Problem]:
    """Every problem found in ``store`` (empty when it is clean)."""
    problems: list[Problem] = []
    with store.read() as connection:
        if store.is_sqlite:
            result = [row[0] for row in connection.exec_driver_sql("PRAGMA quick_check")]
            if result != ["ok"]:
                problems += [Problem("integrity", line) for line in result[:SHOWN]]
        problems += _foreign_keys(connection)
        problems += _versions(connection)
        now = utcnow()
        a = schema.articles
        far = connection.execute(
            sa.select(a.c.id, a.c.lease_expires_at).where(
                a.c.lease_expires_at > now + LEASE_HORIZON
            )
        ).all()
        if far:
            ends = max(as_utc(row.lease_expires_at) for row in far)
            problems.append(
                Problem(
                    "leases",
                    f"{counted(len(far), 'article')} leased more than a day ahead "
                    f"(until {ends:%Y-%m-%d}): "
                    f"{_ids([row.id for row in far])}",
                )
            )
        q = schema.quarantine
        quarantined = connection.execute(
            sa.select(q.c.kind, sa.func.count())
            .where(q.c.state == "quarantined")
            .group_by(q.c.kind)
        ).all()
    for kind, count in quarantined:
        problems.append(
            Problem(
                "quarantine", f"{count} {kind}(s) quarantined (see 'newstrail quarantine list')"
            )
        )
    unplaced = unplaced_articles(store)
    if unplaced:
        problems.append(
            Problem("stories", f"{counted(len(unplaced), 'article')} in no story: {_ids(unplaced)}")
        )
    stale = stale_stories(store)
    if stale:
        problems.append(
            Problem(
                "analyses",
                f"{counted(len(stale), 'story')} analysed before their latest versions: "
                f"{_ids(stale)}",
            )
        )
    return problems


def _foreign_keys(connection: sa.Connection) -> list[Problem]:
    """Rows whose foreign key points at no row, per key of the schema."""
    problems = []
    for table in schema.metadata.sorted_tables:
        for key in table.foreign_keys:
            column = key.parent
            # An alias, so a key into its own table (versions.same_as_id) compares
            # two rows, not a row with itself.
            referenced = key.column.table.alias("referenced")
            target = referenced.c[key.column.name]
            orphans = connection.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(column.is_not(None), ~sa.exists().where(target == column))
            ).scalar_one()
            if orphans:
                problems.append(
                    Problem(
                        "foreign keys",
                        f"{orphans} {table.name} rows point at a missing {key.column.table.name} "
                        f"({column.name})",
                    )
                )
    return problems


def _versions(connection: sa.Connection) -> list[Problem]:
    """Consecutive duplicate versions, and version counts that disagree with the rows."""
    v, a = schema.versions, schema.articles
    before = v.alias("before")
    duplicates: list[int] = list(
        connection.execute(
            sa.select(v.c.article_id)
            .join(
                before,
                sa.and_(before.c.article_id == v.c.article_id, before.c.number == v.c.number - 1),
            )
            .where(
                before.c.text_sha256 == v.c.text_sha256,
                sa.func.coalesce(before.c.title, "") == sa.func.coalesce(v.c.title, ""),
            )
            .distinct()
            .order_by(v.c.article_id)
        ).scalars()
    )
    problems = []
    if duplicates:
        problems.append(
            Problem(
                "versions",
                f"{counted(len(duplicates), 'article')} with two consecutive equal versions: "
                f"{_ids(duplicates)}",
            )
        )
    tallies = (
        sa.select(v.c.article_id, sa.func.count().label("n")).group_by(v.c.article_id).subquery()
    )
    wrong: list[int] = list(
        connection.execute(
            sa.select(a.c.id)
            .outerjoin(tallies, tallies.c.article_id == a.c.id)
            .where(a.c.version_count != sa.func.coalesce(tallies.c.n, 0))
            .order_by(a.c.id)
        ).scalars()
    )
    if wrong:
        problems.append(
            Problem(
                "versions",
                f"version_count wrong on {counted(len(wrong), 'article')}: {_ids(wrong)}",
            )
        )
    return problems
