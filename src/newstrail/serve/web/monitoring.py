"""``/healthz`` and ``/metrics``: the service as monitors see it.

``/healthz`` answers 200 with JSON when the store can be read and 503 when
it cannot; with ``?require=watcher`` it also answers 503 when no watcher has
finished a pass within three feed intervals or the latest pass failed (an
uptime check on the watchers, not just the web app).

``/metrics`` is the Prometheus text format, rendered by ``prometheus-client``
from a collector that reads the store at each scrape. The library's own
multi-process mode was not used: it sums per-process counters through files
in a shared directory, but our counters are the watchers', already summed in
the store, so any ``serve --workers N`` process gives the same answer and a
restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from newstrail.errors import StoreError
from newstrail.serve import models
from newstrail.serve.operations import health, service_status, stale_after
from newstrail.serve.web.rendering import store_of
from newstrail.settings import Settings
from newstrail.store.database import Store


class StoreCollector(Collector):
    """Metrics read from the store at each scrape."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        status = service_status(self.store)
        up = GaugeMetricFamily("newstrail_store_up", "1 when the store could be read.")
        up.add_metric([], 1)
        yield up
        checks = CounterMetricFamily(
            "newstrail_checks", "Article checks by outcome, all watchers.", labels=["outcome"]
        )
        errors = CounterMetricFamily(
            "newstrail_errors", "Failed polls and checks by kind, all watchers.", labels=["kind"]
        )
        checked: dict[str, int] = {}
        failed: dict[str, int] = {}
        for watcher in status.watchers:
            for outcome, n in (watcher.totals.get("checks") or {}).items():
                checked[outcome] = checked.get(outcome, 0) + int(n)
            for kind, n in (watcher.totals.get("errors") or {}).items():
                failed[kind] = failed.get(kind, 0) + int(n)
        for outcome, n in sorted(checked.items()):
            checks.add_metric([outcome], n)
        for kind, n in sorted(failed.items()):
            errors.add_metric([kind], n)
        yield checks
        yield errors
        for name, key, help in (
            ("newstrail_polls", "polls", "Feed and sitemap polls, all watchers."),
            ("newstrail_new_versions", "new_versions", "Visible versions stored by watchers."),
            ("newstrail_passes_failed", "failed_passes", "Passes in which nothing was fetched."),
        ):
            counter = CounterMetricFamily(name, help)
            counter.add_metric([], sum(int(w.totals.get(key, 0)) for w in status.watchers))
            yield counter
        passes = CounterMetricFamily("newstrail_watch_passes", "Watch passes, all watchers.")
        passes.add_metric([], sum(w.passes for w in status.watchers))
        yield passes
        seconds = CounterMetricFamily(
            "newstrail_watch_pass_seconds", "Seconds spent in watch passes, all watchers."
        )
        seconds.add_metric([], sum(w.pass_seconds for w in status.watchers))
        yield seconds
        last = GaugeMetricFamily(
            "newstrail_last_pass_seconds", "Duration of a watcher's latest pass.", labels=["worker"]
        )
        when = GaugeMetricFamily(
            "newstrail_last_pass_timestamp_seconds",
            "When a watcher's latest pass ended (Unix time).",
            labels=["worker"],
        )
        for watcher in status.watchers:
            last.add_metric([watcher.worker], watcher.last_pass_seconds)
            when.add_metric([watcher.worker], watcher.last_pass_at.timestamp())
        yield last
        yield when
        articles = GaugeMetricFamily("newstrail_articles", "Articles by state.", labels=["state"])
        for state, n in sorted(status.articles.items()):
            articles.add_metric([state], n)
        yield articles
        for name, value, help in (
            ("newstrail_versions", status.versions, "Stored versions."),
            ("newstrail_sources_active", status.sources_active, "Watched feeds and URLs."),
            ("newstrail_queue_articles_due", status.due_articles, "Articles due for a check."),
            ("newstrail_queue_feeds_due", status.due_feeds, "Feeds due for a poll."),
        ):
            gauge = GaugeMetricFamily(name, help)
            gauge.add_metric([], value)
            yield gauge
        deliveries = GaugeMetricFamily(
            "newstrail_alert_deliveries", "Alert deliveries by status.", labels=["status"]
        )
        for state, n in sorted(status.deliveries.items()):
            deliveries.add_metric([state], n)
        yield deliveries


def router() -> APIRouter:
    """The monitoring routes."""
    routes = APIRouter()

    @routes.get(
        "/healthz",
        summary="Store reachable, last watch pass, backlog",
        response_model=models.Health,
        responses={503: {"description": "The store is unreachable, or the watcher is down."}},
    )
    def healthz(
        request: Request,
        require: Annotated[str | None, Query(pattern="^watcher$")] = None,
    ) -> JSONResponse:
        settings: Settings = request.app.state.settings
        try:
            status = service_status(store_of(request))
        except StoreError as error:
            body = {"status": "down", "store": "unreachable", "error": str(error)}
            return JSONResponse(body, status_code=503)
        body = health(status, settings)
        if require == "watcher" and status.watcher_state(stale_after(settings)) != "ok":
            body["status"] = "down"
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    @routes.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def metrics(request: Request) -> Response:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(StoreCollector(store_of(request), request.app.state.settings))
        try:
            text = generate_latest(registry)
        except StoreError as error:
            return Response(f"# store unreachable: {error}\n", status_code=503)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return routes
