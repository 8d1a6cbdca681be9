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
