"""Commands that watch the web: sources, the watcher, and checking URLs now."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from newstrail.cli.app import Context, ExitStatus, say
from newstrail.cli.options import (
    allow_private_option,
    json_option,
    source_options,
    source_options_given,
)
from newstrail.cli.output import console, print_json_lines

if TYPE_CHECKING:
    from newstrail.jobs.onboarding import ImportOutcome

log = logging.getLogger(__name__)


@click.group()
def sources() -> None:
    """Manage watched sources: feeds, sitemaps and article URLs."""


@sources.command("add")
@click.argument("url")
@click.option("--name", help="Outlet name [default: from the URL's domain].")
@source_options
@click.pass_context
def sources_add(ctx: click.Context, /, url: str, name: str | None, **_flags: Any) -> None:
    """Watch a feed, sitemap or article URL (its kind is detected by fetching it).

    The options given here are kept with the source, so `watch` fetches it the
    same way (--allow-private, --user-agent, intervals, include/exclude).

    Example: newstrail sources add https://www.example.com/rss.xml --name Example
    """
    from newstrail.jobs.sources import add_source

    obj: Context = ctx.obj
    options = source_options_given(ctx.params)
    import asyncio

    source_id, kind = asyncio.run(add_source(obj.store, obj.settings, url, name, options))
    console.print(f"source {source_id}: {kind} {url}", highlight=False)


@sources.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", help="Outlet name for every source [default: the file's, else the domain].")
@click.option(
    "--no-check",
    is_flag=True,
    help="Do not fetch the URLs now; the first poll learns each one's kind.",
)
@source_options
@json_option(per="source")
@click.pass_context
def sources_import(
    ctx: click.Context,
    /,
    file: Path,
    name: str | None,
    no_check: bool,
    as_json: bool,
    **_flags: Any,
) -> None:
    """Watch every feed an OPML file, a list of URLs or a [[sources]] TOML file names.

    Each entry gets one line: added, skipped (already watched, or listed
    twice) or refused (not a URL, unreachable, an HTTP error, a page with no
    feed). Options given here apply to every source the file does not
    set them for. The exit status is 1 when entries were refused and none
    of the file's sources is watched.

    Example: newstrail sources import feeds.opml --user-agent "newstrail (desk@example.org)"
    """
    from newstrail.jobs.onboarding import import_sources, read_source_file

    obj: Context = ctx.obj
    entries, refused = read_source_file(file)
    outcomes = list(refused)
    shown: list[ImportOutcome] = []

    def show(outcome: ImportOutcome) -> None:
        shown.append(outcome)
        if as_json:
            print_json_lines([outcome.to_json()])
        else:
            click.echo(outcome.line())  # one line each, never wrapped (grep, pipes)

    for outcome in refused:
        show(outcome)
    outcomes += import_sources(
        obj.store,
        obj.settings,
        entries,
        defaults=source_options_given(ctx.params),
        name=name,
        check=not no_check,
        on_outcome=show,
    )
    counts: Counter[str] = Counter(outcome.status for outcome in outcomes)
    say_line = ", ".join(f"{counts[s]} {s}" for s in ("added", "skipped", "refused"))
    log.info("%s: %s", file, say_line, extra=dict(counts))
    watched = counts["added"] or any(o.source_id for o in outcomes if o.status == "skipped")
    if counts["refused"] and not watched:  # nothing from this file is watched
        sys.exit(ExitStatus.FAILED)


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
    table = Table(
        "id", "kind", "outlet", "url", "active", "checks", "errors", "last error", "extraction"
    )
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
            f"degraded: {s.extraction_degraded}" if s.extraction_degraded else "ok",
        )
    console.print(table)


@sources.command("report")
@click.option("--source", "source_id", type=int, help="One outlet (its id) [default: all].")
@json_option(per="outlet")
@click.pass_obj
def sources_report(obj: Context, source_id: int | None, as_json: bool) -> None:
    """The silent-edit record per outlet: factual edits and how many carried a notice.

    Outlets are ranked by the share of their factual edits (numbers, quotes,
    names, headline) published without a correction or update notice; --json
    lists the articles behind every figure.

    Example: newstrail sources report --json
    """
    from newstrail.serve.silent_edits import RANK_MIN_FACTUAL, outlet_records

    records = outlet_records(obj.store, source_id)
    if as_json:
        print_json_lines(r.to_json() for r in records)
        return
    table = Table("outlet", "edits", "substantive", "factual", "noticed", "silent", "silent %")
    for r in records:
        share = r.silent_share
        shown = f"{share * 100:.0f} %" if share is not None else "—"
        if share is not None and len(r.factual) < RANK_MIN_FACTUAL:
            shown += " (few)"
        table.add_row(
            f"{r.name} ({r.source_id})",
            str(len(r.entries)),
            str(len(r.substantive)),
            str(len(r.factual)),
            str(len(r.noticed)),
            str(len(r.silent)),
            shown,
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
@click.option(
    "--force",
    is_flag=True,
    help="Poll every feed now, and re-check now every article whose last check failed.",
)
@allow_private_option
@click.pass_obj
def watch(obj: Context, once: bool, force: bool, allow_private: bool | None) -> None:
    """Poll sources and re-check articles on their decaying schedule until stopped.

    Each pass logs one summary line (polls, checks, new versions, errors by
    kind, suspect hosts); alerts are delivered beside it. Ctrl-C (SIGINT) or
    SIGTERM lets checks in flight finish, then exits. With --once the exit
    status is 1 when nothing at all could be fetched (every poll and check
    failed), so cron notices; one dead outlet among many is not a failure.

    Example: newstrail watch --once --force -q
    """
    from newstrail.jobs.service import run_watch
    from newstrail.jobs.sources import save_configured_sources

    settings = obj.settings.with_overrides(allow_private=allow_private)
    if obj.config_path is not None:
        save_configured_sources(obj.store, obj.config_path)
    report = run_watch(obj.store, settings, once=once, console=console, force=force)
    if report is not None and not report.succeeded:  # --once; its summary said why
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
        import asyncio

        report = asyncio.run(watcher.check_urls(list(urls)))
    finally:
        watcher.close()
    for error in report.errors:
        say(error)
    console.print(report.line(), highlight=False)
    if report.errors and len(report.errors) >= len(urls):
        sys.exit(ExitStatus.FAILED)
