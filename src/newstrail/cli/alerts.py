"""``alerts``: be told when a watched article changes, by webhook or email."""

from __future__ import annotations

import click
from rich.table import Table

from newstrail.cli.app import Context
from newstrail.cli.options import json_option
from newstrail.cli.output import console, print_json_lines

ONLY = click.Choice(["substantive", "headline", "follows"])
ONLY_HELP = (
    "Only substantive changes, only headline changes, or only articles matching a "
    "follow (new ones too) [default: every change]."
)


@click.group()
def alerts() -> None:
    """Alerts: webhooks and email told of changes as `watch` finds them."""


@alerts.group("add")
def alerts_add() -> None:
    """Add a receiver: a webhook URL or an email address."""


@alerts_add.command("webhook")
@click.argument("url")
@click.option("--secret", help="Key for the HMAC-SHA256 signature [default: a new random one].")
@click.option("--only", type=ONLY, help=ONLY_HELP)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Let URL be a private, loopback or link-local address (a receiver on this host).",
)
@click.pass_obj
def alerts_add_webhook(
    obj: Context, url: str, secret: str | None, only: str | None, allow_private: bool
) -> None:
    """POST a signed JSON alert to URL for each change (header X-Newstrail-Signature).

    Example: newstrail alerts add webhook https://hooks.example.org/newstrail --only substantive
    """
    from newstrail.jobs.alerts.outbox import add_alert

    alert, generated = add_alert(
        obj.store,
        obj.settings,
        "webhook",
        url,
        secret=secret,
        only=only,
        allow_private=allow_private,
    )
    console.print(f"alert {alert.id}: webhook {alert.target}", highlight=False, markup=False)
    if generated:
        console.print(f"signing secret (shown once, keep it): {generated}", highlight=False)


@alerts_add.command("email")
@click.argument("address")
@click.option("--only", type=ONLY, help=ONLY_HELP)
@click.pass_obj
def alerts_add_email(obj: Context, address: str, only: str | None) -> None:
    """Mail each change, with its word diff, to ADDRESS (needs smtp_host in the config).

    Example: newstrail alerts add email desk@example.org --only headline
    """
    from newstrail.jobs.alerts.outbox import add_alert

    alert, _ = add_alert(obj.store, obj.settings, "email", address, only=only)
    console.print(f"alert {alert.id}: email {alert.target}", highlight=False, markup=False)


@alerts.command("list")
@json_option(per="alert")
@click.pass_obj
def alerts_list(obj: Context, as_json: bool) -> None:
    """List alert receivers.

    Example: newstrail alerts list --json
    """
    from newstrail.jobs.alerts.outbox import list_alerts

    found = list_alerts(obj.store)
    if as_json:
        print_json_lines(alert.to_json() for alert in found)
        return
    table = Table("id", "channel", "target", "only", "signed")
    for alert in found:
        signed = "yes" if alert.signed else ""
        table.add_row(str(alert.id), alert.channel, alert.target, alert.only or "all", signed)
    console.print(table)


@alerts.command("remove")
@click.argument("alert_id", type=int)
@click.pass_obj
def alerts_remove(obj: Context, alert_id: int) -> None:
    """Remove a receiver (by id from `alerts list`) and its queued deliveries.

    Example: newstrail alerts remove 2
    """
    from newstrail.jobs.alerts.outbox import remove_alert

    remove_alert(obj.store, alert_id)
    console.print(f"removed alert {alert_id}", highlight=False)


@alerts.command("log")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option(per="delivery")
@click.pass_obj
def alerts_log(obj: Context, limit: int, as_json: bool) -> None:
    """The latest deliveries: sent, skipped (filter), pending (retrying) or failed.

    Example: newstrail alerts log --limit 20
    """
    from newstrail.jobs.alerts.delivery import recent_deliveries

    deliveries = recent_deliveries(obj.store, limit)
    if as_json:
        print_json_lines(deliveries)
        return
    table = Table("id", "alert", "article", "event", "status", "attempts", "last error")
    for d in deliveries:
        table.add_row(
            str(d["id"]),
            str(d["alert_id"]),
            str(d["article_id"]),
            d["event"],
            d["status"],
            str(d["attempts"]),
            d["last_error"] or "",
        )
    console.print(table)


@alerts.command("deliver")
@click.pass_obj
def alerts_deliver(obj: Context) -> None:
    """Send the deliveries that are due now (`watch` does this on its own).

    Example: newstrail alerts deliver
    """
    import asyncio

    from newstrail.jobs.alerts.delivery import deliver_due

    report = asyncio.run(deliver_due(obj.store, obj.settings))
    console.print(report.line(), highlight=False)
