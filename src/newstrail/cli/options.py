"""Options that several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(per: str | None = None) -> Callable[[F], F]:
    """``--json`` (as ``as_json``): one JSON object per ``per`` and line, or one object."""
    help = f"One JSON object per {per} and line." if per else "Print as JSON."
    return click.option("--json", "as_json", is_flag=True, help=help)


# None when not given, so a config file's allow_private = true is not overridden.
allow_private_option = click.option(
    "--allow-private", is_flag=True, default=None, help="Allow private/loopback addresses."
)

db_option = click.option(
    "--db",
    envvar="NEWSTRAIL_DB",
    help="Store: SQLite file path or database URL. [env: NEWSTRAIL_DB; default: newstrail.db]",
)


def source_options(function: F) -> F:
    """A source's own options, kept in the store (``sources add`` and ``sources import``)."""
    decorators = [
        click.option(
            "--include", multiple=True, help="Regex an article URL must match (repeatable)."
        ),
        click.option(
            "--exclude", multiple=True, help="Regex that drops an article URL (repeatable)."
        ),
        click.option(
            "--allow-private",
            is_flag=True,
            default=None,
            help="Allow this source's host at a private or loopback address (kept for watch).",
        ),
        click.option(
            "--user-agent", help="User-Agent for this source's host; put a contact in it."
        ),
        click.option(
            "--feed-interval",
            type=click.FloatRange(min=0, min_open=True),
            help="Minutes between polls of this feed.",
        ),
        click.option(
            "--first-interval",
            type=click.FloatRange(min=0, min_open=True),
            help="Minutes before re-checking an article after a change.",
        ),
        click.option(
            "--retire-after",
            type=click.FloatRange(min=0, min_open=True),
            help="Days after which an unchanging article is retired.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def source_options_given(params: dict[str, Any]) -> dict[str, Any]:
    """The source options a command line set (``source_options``), keyed as stored."""
    names = {
        "include": "include",
        "exclude": "exclude",
        "allow_private": "allow_private",
        "user_agent": "user_agent",
        "feed_interval": "feed_interval_minutes",
        "first_interval": "first_interval_minutes",
        "retire_after": "retire_after_days",
    }
    given = {stored: params.get(flag) for flag, stored in names.items()}
    given["include"] = list(given["include"] or [])
    given["exclude"] = list(given["exclude"] or [])
    return {key: value for key, value in given.items() if value not in (None, [])}
