"""``migrate``: bring a store's schema up to date, on its own (before an upgrade's restart)."""

from __future__ import annotations

import click

from newstrail.cli.app import Context
from newstrail.cli.output import console


@click.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Apply pending schema migrations and print the store's revision.

    Every command migrates the store it opens; run this once after an upgrade,
    before restarting several watchers, so they do not queue on it.

    Example: newstrail --db postgresql://newstrail@db/newstrail migrate
    """
    console.print(f"store at revision {obj.store.schema_revision()}", highlight=False)
