"""Keeping a store sound: ``check-store`` and ``quarantine list``."""

from __future__ import annotations

import sys

import click

from newstrail.cli.app import Context, ExitStatus
from newstrail.cli.options import json_option
from newstrail.cli.output import console, print_json_lines


@click.command("check-store")
@json_option(per="problem")
@click.pass_obj
def check_store(obj: Context, as_json: bool) -> None:
    """Check the store: integrity, foreign keys, versions, leases, stories, quarantine.

    Prints one line per problem and exits with status 1 when there is any.

    Example: newstrail --db news.db check-store
    """
    from newstrail.jobs.integrity import check_store as run_checks

    problems = run_checks(obj.store)
    if as_json:
        print_json_lines({"check": p.check, "message": p.message} for p in problems)
    else:
        for problem in problems:
            console.print(problem.line(), markup=False, highlight=False)
        if not problems:
            console.print("store is sound: no problem found", highlight=False)
    if problems:
        sys.exit(ExitStatus.FAILED)


@click.group()
def quarantine() -> None:
    """Items kept but no longer processed: they failed twice or ran past their budget."""


@quarantine.command("list")
@click.option(
    "--all",
    "every_state",
    is_flag=True,
    help="Also list items that were truncated or failed once.",
)
@json_option(per="item")
@click.pass_obj
def quarantine_list(obj: Context, every_state: bool, as_json: bool) -> None:
    """List quarantined items and why (with --all, truncated and failing ones too).

    Example: newstrail quarantine list --all
    """
    from newstrail.jobs.quarantine import list_quarantine

    records = list_quarantine(obj.store, None if every_state else "quarantined")
    if as_json:
        print_json_lines(record.to_json() for record in records)
        return
    for record in records:
        console.print(record.line(), markup=False, highlight=False)
    if not records:
        console.print("nothing in quarantine", highlight=False)
