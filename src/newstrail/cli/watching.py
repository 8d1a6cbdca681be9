"""Commands that watch the web: sources, the watcher, and checking URLs now."""

from __future__ import annotations

import asyncio
import sys

import click
from rich.table import Table

from newstrail.cli.app import Context, ExitStatus, say
from newstrail.cli.options import allow_private_option, json_option
from newstrail.cli.output import console, print_json_lines

# A pass over a dead outlet can fail hundreds of checks the same way.
MAX_ERRORS_SHOWN = 20


@click.group()
def sources() -> None:
    """Manage watched sources: feeds, sitemaps and article URLs."""


@sources.command("add")
@click.argument("url")
@click.option("--name", help="Outlet name [default: from the URL's domain].")
@click.option("--include", multiple=True, help="Regex an article URL must match (repeatable).")
@click.option("--exclude", multiple=True, help="Regex that drops an article URL (repeatable).")
@allow_private_option
@click.pass_obj
def sources_add(
    obj: Context,
    url: str,
    name: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    allow_private: bool | None,
) -> None:
    """Watch a feed, sitemap or article URL (its kind is detected by fetching it).

    Example: newstrail sources add https://www.example.com/rss.xml --name Example
    """
    from newstrail.jobs.sources import add_source

    settings = obj.settings.with_overrides(allow_private=allow_private)
    source_id, kind = asyncio.run(
        add_source(
            obj.store, settings, url, name, {"include": list(include), "exclude": list(exclude)}
        )
    )
    console.print(f"source {source_id}: {kind} {url}", highlight=False)


@sources.command("list")
@json_option(per="source")
@click.pass_obj
def sources_list(obj: Context, as_json: bool) -> None:
    """List watched sources with their health.

    Example: newstrail sources list --json
    """
    from newstrail.jobs.sources import list_sources

    found = list_sources(obj.store)
    if as_json:
        print_json_lines(s.to_json() for s in found)
        return
    table = Table("id", "kind", "outlet", "url", "active", "checks", "errors", "last error")
    for s in found:
        table.add_row(
            str(s.id),
            s.kind,
            s.outlet or "",
            s.url,
            "yes" if s.active else "no",
            str(s.check_count),
            str(s.error_count),
            s.last_error or "",
        )
    console.print(table)


@sources.command("remove")
@click.argument("source")
@click.pass_obj
def sources_remove(obj: Context, source: str) -> None:
    """Stop watching a source (by id or URL); its articles are kept.

    Example: newstrail sources remove 3
    """
    from newstrail.jobs.sources import remove_source

    remove_source(obj.store, source)
    console.print(f"stopped watching {source}", highlight=False)


@click.command()
@click.option("--once", is_flag=True, help="One pass over what is due, then exit.")
@allow_private_option
@click.pass_obj
def watch(obj: Context, once: bool, allow_private: bool | None) -> None:
    """Poll sources and re-check articles on their decaying schedule until stopped.

    Ctrl-C (SIGINT) or SIGTERM lets checks in flight finish, then exits.

    Example: newstrail watch --once
    """
    from newstrail.jobs.sources import save_configured_sources
    from newstrail.jobs.watch import run_watch

    settings = obj.settings.with_overrides(allow_private=allow_private)
    if obj.config_path is not None:
        save_configured_sources(obj.store, obj.config_path)
    report = run_watch(obj.store, settings, once=once, console=console)
    if report is not None:  # --once
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            say(error)
        if not report.succeeded:
            sys.exit(ExitStatus.FAILED)


@click.command()
@click.argument("urls", nargs=-1, required=True)
@allow_private_option
@click.pass_obj
def check(obj: Context, urls: tuple[str, ...], allow_private: bool | None) -> None:
    """Check these article URLs now, regardless of schedule.

    Example: newstrail check https://www.example.com/news/1
    """
    from newstrail.jobs.watch import Watcher

    settings = obj.settings.with_overrides(allow_private=allow_private)
    watcher = Watcher(obj.store, settings)
    try:
        report = asyncio.run(watcher.check_urls(list(urls)))
    finally:
        watcher.close()
    for error in report.errors:
        say(error)
    console.print(report.line(), highlight=False)
    if report.errors and len(report.errors) >= len(urls):
        sys.exit(ExitStatus.FAILED)
