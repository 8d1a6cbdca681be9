"""Sending queued alerts: signed webhook POSTs and email, retried with backoff.

``deliver_due`` claims the outbox rows that are due (a lease, so several
watchers on one PostgreSQL never send one twice), builds each one's content
in a worker thread, applies its alert's filter, sends it and records the
outcome on the row: ``sent``, ``skipped`` (filter did not match), or a retry
at 1, 2, 4 … minutes (capped at 6 hours) until ``MAX_ATTEMPTS``, then
``failed``. ``deliver_forever`` runs it every few seconds beside the watcher;
nothing here raises into the watcher.

Webhook bodies are signed: the ``X-Newstrail-Signature`` header is
``sha256=`` and the hex HMAC-SHA256 of the raw request body under the
alert's secret (GitHub's scheme, so existing verifiers work). A receiver
verifies it before parsing, comparing in constant time::

    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    hmac.compare_digest(expected, request.headers["X-Newstrail-Signature"])

The body carries ``delivery_id`` (stable across retries, to drop
duplicates) and ``sent_at`` (to refuse replays).

Webhooks go through the fetcher's address guard (``fetch.addresses``): a
receiver that resolves to a private, loopback or link-local address is refused,
with the reason recorded on the delivery, unless its alert was added with
``allow_private`` or the ``allow_private`` setting is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
import sqlalchemy as sa

from newstrail.errors import NewstrailError
from newstrail.fetch.addresses import AddressPolicy, guarded_transport
from newstrail.jobs.alerts.content import AlertContent, alert_content
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newstrail-Signature"
MAX_ATTEMPTS = 8  # 1+2+4+…+64 minutes of retries: a receiver down for two hours still gets it
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=2)
# A receiver gets this long to answer; a slow one delays only its own delivery.
SEND_TIMEOUT = 10.0
CONCURRENT_SENDS = 8
IDLE_SECONDS = 5.0


@dataclass
class DeliveryReport:
    """What one round of deliveries did."""

    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0

    def line(self) -> str:
        return (
            f"alerts: {self.sent} sent, {self.skipped} skipped, "
            f"{self.retrying} to retry, {self.failed} given up"
        )


class DeliveryFailed(NewstrailError):
    """A receiver refused or did not answer a delivery (it is retried later)."""


def signature(secret: str, body: bytes) -> str:
    """The ``X-Newstrail-Signature`` value for ``body``: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    delay: timedelta = RETRY_BASE * 2 ** max(attempts - 1, 0)
    return min(delay, RETRY_CAP)


def wanted(only: str | None, content: AlertContent) -> bool:
    """Whether an alert with filter ``only`` wants this content."""
    if only == "follows":
        return bool(content.follows)
    if content.event == "new":
        return False  # new articles are only for follows
    if only == "substantive":
        return content.significance == "substantive"
    if only == "headline":
        return content.title_changed
    return True


def _claim(store: Store, worker: str, now: datetime, limit: int) -> list[Any]:
    """Lease up to ``limit`` due deliveries; each is claimed by one worker only."""
    d, al = schema.alert_deliveries, schema.alerts
    free = sa.or_(d.c.lease_expires_at.is_(None), d.c.lease_expires_at < now)
    claimed = []
    with store.write() as connection:
        due: list[int] = list(
            connection.execute(
                sa.select(d.c.id)
                .where(d.c.status == "pending", d.c.next_attempt_at <= now, free)
                .order_by(d.c.id)
                .limit(limit)
            ).scalars()
        )
        for delivery_id in due:
            taken = connection.execute(
                d.update()
                .where(d.c.id == delivery_id, d.c.status == "pending", free)
                .values(lease_owner=worker, lease_expires_at=now + LEASE)
            ).rowcount
            if taken:
                claimed.append(delivery_id)
        if not claimed:
            return []
        return list(
            connection.execute(
                sa.select(d, al.c.channel, al.c.target, al.c.secret, al.c.only, al.c.allow_private)
                .join(al, al.c.id == d.c.alert_id)
                .where(d.c.id.in_(claimed))
                .order_by(d.c.id)
            ).all()
        )


def _settle(store: Store, row: Any, worker: str, **values: Any) -> None:
    d = schema.alert_deliveries
    with store.write() as connection:
        connection.execute(
            d.update()
            .where(d.c.id == row.id, d.c.lease_owner == worker)
            .values(lease_owner=None, lease_expires_at=None, **values)
        )


def _webhook_body(row: Any, content: AlertContent, now: datetime) -> bytes:
    body = content.payload | {
        "delivery_id": row.id,
        "alert_id": row.alert_id,
        "sent_at": now.isoformat(),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


async def _post(client: httpx.AsyncClient, row: Any, body: bytes, settings: Settings) -> None:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.user_agent,
        "X-Newstrail-Event": str(row.event),
        "X-Newstrail-Delivery": str(row.id),
    }
    if row.secret:
        headers[SIGNATURE_HEADER] = signature(row.secret, body)
    try:
        response = await client.post(row.target, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{row.target}: {type(error).__name__}: {error}") from error
    if not response.is_success:
        raise DeliveryFailed(f"{row.target}: HTTP {response.status_code}")


def email_message(settings: Settings, to: str, content: AlertContent) -> EmailMessage:
    """The alert as a text and HTML email."""
    message = EmailMessage()
    message["From"] = settings.alert_from
    message["To"] = to
    # Titles come from pages: one line (a header may not contain line breaks), bounded.
    message["Subject"] = " ".join(content.subject.split())[:200]
    message["Message-ID"] = make_msgid(domain=settings.alert_from.rpartition("@")[2] or None)
    message.set_content(content.text())
    message.add_alternative(content.html(), subtype="html")
    return message


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send ``message`` through the configured SMTP server (blocking: run in a thread)."""
    host, port = settings.smtp_host, settings.smtp_port
    if not host:
        raise DeliveryFailed("smtp_host is not set")
    security = settings.smtp_security.lower()
    if security not in ("starttls", "ssl", "none"):
        raise DeliveryFailed(f"smtp_security must be starttls, ssl or none, not {security!r}")
    try:
        smtp: smtplib.SMTP
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=SEND_TIMEOUT)
        else:
            smtp = smtplib.SMTP(host, port, timeout=SEND_TIMEOUT)
        with smtp:
            if security == "starttls":
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"SMTP {host}:{port}: {type(error).__name__}: {error}") from error


class _Clients:
    """Two webhook clients behind the address guard: public receivers only, or any."""

    def __init__(self, settings: Settings) -> None:
        context = httpx.create_ssl_context(trust_env=False)
        timeout = httpx.Timeout(SEND_TIMEOUT)

        def client(allow_private: bool) -> httpx.AsyncClient:
            policy = AddressPolicy(allow_private=allow_private)
            transport = guarded_transport(policy, context, CONCURRENT_SENDS)
            return httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport)

        self.public = client(settings.allow_private)
        self.private = client(True)

    async def __aenter__(self) -> _Clients:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.public.aclose()
        await self.private.aclose()


async def _deliver_one(
    store: Store, settings: Settings, clients: _Clients, row: Any, worker: str
) -> str:
    """Build, filter and send one delivery; record and return its new status."""
    now = utcnow()
    try:
        content = await asyncio.to_thread(
            alert_content, store, settings, row.article_id, row.version_id, row.event
        )
        if not wanted(row.only, content):
            _settle(store, row, worker, status="skipped", delivered_at=now)
            return "skipped"
        if row.channel == "webhook":
            client = clients.private if row.allow_private else clients.public
            await _post(client, row, _webhook_body(row, content, now), settings)
        else:
            message = email_message(settings, row.target, content)
            await asyncio.to_thread(send_email, settings, message)
    except Exception as error:  # one delivery's failure is recorded, never raised
        attempts = row.attempts + 1
        reason = str(error) if isinstance(error, NewstrailError) else repr(error)
        if attempts >= MAX_ATTEMPTS:
            _settle(store, row, worker, status="failed", attempts=attempts, last_error=reason)
            log.warning("alert %s gave up after %d attempts: %s", row.id, attempts, reason)
            return "failed"
        due = now + retry_delay(attempts)
        _settle(store, row, worker, attempts=attempts, last_error=reason, next_attempt_at=due)
        log.info("alert %s not delivered (attempt %d), retrying: %s", row.id, attempts, reason)
        return "retrying"
    _settle(store, row, worker, status="sent", attempts=row.attempts + 1, delivered_at=now)
    log.debug("alert %s sent to %s %s", row.id, row.channel, row.target)
    return "sent"


async def deliver_due(
    store: Store, settings: Settings, *, worker: str | None = None, limit: int = 200
) -> DeliveryReport:
    """Send every due delivery once (claimed, so no other worker sends it).

    Args:
        store: the store holding the outbox.
        settings: resolved settings (SMTP, public_url, User-Agent).
        worker: this process's name in leases.
        limit: most deliveries claimed in this round.

    Returns:
        Counts of what happened.
    """
    worker = worker or f"{socket.gethostname()}:{os.getpid()}:alerts"
    report = DeliveryReport()
    rows = _claim(store, worker, utcnow(), limit)
    if not rows:
        return report
    slots = asyncio.Semaphore(CONCURRENT_SENDS)
    async with _Clients(settings) as clients:

        async def one(row: Any) -> str:
            async with slots:
                return await _deliver_one(store, settings, clients, row, worker)

        for status in await asyncio.gather(*(one(row) for row in rows)):
            setattr(report, status, getattr(report, status) + 1)
    log.info(report.line(), extra={"alerts": vars(report).copy()})
    return report


async def deliver_forever(
    store: Store, settings: Settings, stop: asyncio.Event, idle_seconds: float = IDLE_SECONDS
) -> None:
    """Deliver due alerts every ``idle_seconds`` until ``stop`` is set; never raises."""
    while not stop.is_set():
        try:
            await deliver_due(store, settings)
        except Exception as error:  # the store was unreachable: the watcher logs its own
            log.error("alert delivery round failed: %s: %s", type(error).__name__, error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


def recent_deliveries(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The latest deliveries, newest first (``alerts log``)."""
    d = schema.alert_deliveries
    with store.read() as connection:
        rows = connection.execute(sa.select(d).order_by(d.c.id.desc()).limit(limit)).all()
    return [
        {
            "id": r.id,
            "alert_id": r.alert_id,
            "article_id": r.article_id,
            "version_id": r.version_id,
            "event": r.event,
            "status": r.status,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "created_at": r.created_at.isoformat(),
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
            "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
        }
        for r in rows
    ]
