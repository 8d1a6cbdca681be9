"""``follow``: people, topics and outlets for a personal feed of stories and changes."""

from __future__ import annotations

import click

from newstrail.cli.app import Context
from newstrail.cli.options import json_option
from newstrail.cli.output import console, print_json_lines


@click.group()
def follow() -> None:
    """Follow people, topics or outlets for a personal feed of stories and changes."""


@follow.command("add")
@click.argument("kind", type=click.Choice(["person", "topic", "outlet"]))
@click.argument("value")
@click.pass_obj
def follow_add(obj: Context, kind: str, value: str) -> None:
    """Follow a person, topic (words) or outlet.

    Example: newstrail follow add person "Xi Jinping"
    """
    from newstrail.serve.follows import add_follow

    followed = add_follow(obj.store, kind, value)
    console.print(
        f"following {followed.kind} {followed.value!r} (id {followed.id})", highlight=False
    )


@follow.command("list")
@json_option(per="follow")
@click.pass_obj
def follow_list(obj: Context, as_json: bool) -> None:
    """List what you follow.

    Example: newstrail follow list
    """
    from newstrail.serve.follows import list_follows

    follows = list_follows(obj.store)
    if as_json:
        print_json_lines(f.to_json() for f in follows)
        return
    for followed in follows:
        console.print(f"{followed.id}  {followed.kind:7} {followed.value}", highlight=False)


@follow.command("remove")
@click.argument("follow_id", type=int)
@click.pass_obj
def follow_remove(obj: Context, follow_id: int) -> None:
    """Stop following (by id from `follow list`).

    Example: newstrail follow remove 2
    """
    from newstrail.serve.follows import remove_follow

    remove_follow(obj.store, follow_id)
    console.print(f"removed follow {follow_id}")
