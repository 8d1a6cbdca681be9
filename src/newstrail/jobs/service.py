"""The watcher as a service: a live status line, clean stops, alerts beside it.

``run_watch`` is what ``newstrail watch`` runs: it optionally makes
everything due now (``--force``), logs what it is about to watch, runs one
pass or passes until SIGINT/SIGTERM, and delivers alerts from the outbox in a
task of its own, so a slow or failing receiver never delays or fails a pass.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from newstrail.jobs.polling import WatchReport
from newstrail.jobs.watch import Watcher
from newstrail.settings import Settings
from newstrail.store.database import Store
from newstrail.text.counts import counted

log = logging.getLogger(__name__)


def run_watch(
    store: Store, settings: Settings, *, once: bool, console: Any, force: bool = False
) -> WatchReport | None:
    """Run the watcher with a live status line; SIGINT/SIGTERM stop it cleanly.

    Each pass logs one summary line (``Watcher.run_once``). Alerts queued by a
    pass are delivered beside the watcher (``jobs/alerts``): a slow or failing
    receiver delays no pass and fails none.

    Args:
        store: the store to watch into.
        settings: resolved settings.
        once: one pass, then deliver what it queued, then return.
        console: where the live status line is drawn (when it is a terminal).
        force: make every feed and every article whose last check failed due now.

    Returns:
        With ``once``, the pass's report; otherwise None, once stopped.
    """
    import signal

    from rich.status import Status

    from newstrail.jobs.sources import force_due, watch_summary

    if force:
        feeds, articles = force_due(store)
        log.info(
            "forced: %s and %s due now",
            counted(feeds, "feed"),
            counted(articles, "failed article"),
        )
    # Once: the pass's summary line is the whole story (cron mails what is printed).
    log.log(logging.DEBUG if once else logging.INFO, watch_summary(store))
    watcher: Watcher
    with Status("watching…", console=console) as status:
        watcher = Watcher(store, settings, on_progress=lambda line: status.update(line))
        try:
            if once:
                report = asyncio.run(watcher.run_once())
                _deliver_alerts_once(store, settings)
                return report

            async def forever() -> None:
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(signum, stop.set)
                await asyncio.gather(
                    watcher.run_forever(stop), _deliver_alerts_forever(store, settings, stop)
                )

            asyncio.run(forever())
            log.info("stopped: checks in flight finished")
            return None
        finally:
            watcher.close()


def _deliver_alerts_once(store: Store, settings: Settings) -> None:
    """Deliver what the pass queued (one attempt each); a failure only reschedules it."""
    from newstrail.jobs.alerts.delivery import deliver_due

    asyncio.run(deliver_due(store, settings))


async def _deliver_alerts_forever(store: Store, settings: Settings, stop: asyncio.Event) -> None:
    from newstrail.jobs.alerts.delivery import deliver_forever

    await deliver_forever(store, settings, stop)
