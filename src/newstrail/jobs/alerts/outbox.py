"""Alert receivers and the outbox of deliveries.

An alert is a channel (``webhook`` or ``email``), a target (URL or address),
an optional signing secret and an optional filter:

- ``substantive``: only changes ``compare_versions`` calls substantive;
- ``headline``: only changes of the headline;
- ``follows``: changes *and new articles* matching a follow (person, topic,
  outlet: ``store/follows.py``);
- none: every visible change.

``queue_alerts`` runs inside the watcher's write transaction that stores a
version: one ``alert_deliveries`` row per active alert that may want it.
Whether the filter matches is decided at delivery time (the edit classes
need a diff, which has no place in a write transaction), and a delivery whose
filter does not match is recorded as ``skipped``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.errors import ConfigError, InvalidInput, NotFound
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, utcnow

CHANNELS = ("webhook", "email")
FILTERS = ("substantive", "headline", "follows")
# A deliberately plain check: one @, no spaces, a dot in the domain. The SMTP
# server is the judge of the rest; this only catches typos at `alerts add`.
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class Alert:
    """One receiver of alerts."""

    id: int
    channel: str
    target: str
    only: str | None
    active: bool
    signed: bool
    created_at: datetime
    allow_private: bool = False

    def to_json(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["created_at"] = self.created_at.isoformat()
        return data


def add_alert(
    store: Store,
    settings: Settings,
    channel: str,
    target: str,
    *,
    secret: str | None = None,
    only: str | None = None,
    allow_private: bool = False,
) -> tuple[Alert, str | None]:
    """Add a receiver of alerts.

    Args:
        store: the store to record it in.
        settings: resolved settings (email needs ``smtp_host``).
        channel: ``webhook`` or ``email``.
        target: the receiver's http(s) URL, or an email address.
        secret: the webhook's signing key; None generates one.
        only: ``substantive``, ``headline``, ``follows`` or None for every change.
        allow_private: let the webhook go to a private or loopback address.

    Returns:
        The alert, and the webhook secret when one was generated (shown once).
    """
    target = target.strip()
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}")
    if only is not None and only not in FILTERS:
        raise InvalidInput(f"--only must be one of {', '.join(FILTERS)}")
    generated = None
    if channel == "webhook":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"{target!r} is not an http(s) URL")
        if secret is None:
            secret = generated = secrets.token_urlsafe(32)
    else:
        if not _ADDRESS.match(target):
            raise InvalidInput(f"{target!r} is not an email address")
        if not settings.smtp_host:
            raise ConfigError("email alerts need smtp_host in the config file (see README)")
        secret = None
    table = schema.alerts
    with store.write() as connection:
        result = connection.execute(
            table.insert().values(
                channel=channel,
                target=target,
                secret=secret,
                only=only,
                active=True,
                created_at=utcnow(),
                allow_private=allow_private and channel == "webhook",
            )
        )
        assert result.inserted_primary_key is not None
        alert_id = int(result.inserted_primary_key[0])
    return get_alert(store, alert_id), generated


def get_alert(store: Store, alert_id: int) -> Alert:
    """One alert by id; raises NotFound."""
    found = [alert for alert in list_alerts(store) if alert.id == alert_id]
    if not found:
        raise NotFound(f"no alert {alert_id}")
    return found[0]


def list_alerts(store: Store) -> list[Alert]:
    """Every alert, oldest first."""
    table = schema.alerts
    with store.read() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c.id)).all()
    return [
        Alert(
            r.id,
            r.channel,
            r.target,
            r.only,
            r.active,
            r.secret is not None,
            r.created_at,
            r.allow_private,
        )
        for r in rows
    ]


def remove_alert(store: Store, alert_id: int) -> None:
    """Delete an alert and its deliveries; raises NotFound."""
    with store.write() as connection:
        deleted = connection.execute(
            schema.alerts.delete().where(schema.alerts.c.id == alert_id)
        ).rowcount
    if not deleted:
        raise NotFound(f"no alert {alert_id}")


def queue_alerts(
    connection: Connection, article_id: int, version_id: int, *, first: bool, now: datetime
) -> int:
    """Queue a delivery of a new version to every alert that may want it.

    Runs in the transaction that stored the version: both are kept, or neither.

    Args:
        connection: the open write transaction.
        article_id: the article.
        version_id: the version just stored.
        first: whether it is the article's first version (only ``follows``
            alerts are told of new articles).
        now: when it was found.

    Returns:
        How many deliveries were queued.
    """
    alerts = schema.alerts
    query = sa.select(alerts.c.id).where(alerts.c.active.is_(True))
    if first:
        query = query.where(alerts.c.only == "follows")
    alert_ids: list[int] = list(connection.execute(query).scalars().all())
    for alert_id in alert_ids:
        connection.execute(
            schema.alert_deliveries.insert().values(
                alert_id=alert_id,
                article_id=article_id,
                version_id=version_id,
                event="new" if first else "changed",
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )
    return len(alert_ids)
