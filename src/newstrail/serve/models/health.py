"""Liveness and readiness of the store and the watcher."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime

from newstrail.serve.models.base import Strict


class Backlog(Strict):
    """Work waiting for the watcher."""

    due_articles: int
    due_feeds: int
    pending_alerts: int


class Health(Strict):
    """Liveness and readiness: the store, the schema and the watcher."""

    status: str
    store: str
    schema_revision: str | None
    watcher: str
    last_pass_at: AwareDatetime | None
    last_pass_age_seconds: float | None
    backlog: Backlog
    watchers: list[dict[str, Any]]
