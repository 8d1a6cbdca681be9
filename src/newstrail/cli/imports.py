"""Commands that read files: ``import`` into the store and ``extract`` without one."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from newstrail.cli.app import Context, ExitStatus, say
from newstrail.cli.options import json_option
from newstrail.cli.output import console, errors, print_json_lines


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option()
@click.option(
    "--jobs", type=click.IntRange(1, 64), help="WARC files imported in parallel [default: workers]."
)
@click.option("--lang", multiple=True, help="Keep only WARC pages in this language (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Keep WARC pages from this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Keep WARC pages up to this day.")
@click.pass_obj
def import_command(
    obj: Context,
    paths: tuple[Path, ...],
    as_json: bool,
    jobs: int | None,
    lang: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
) -> None:
    """Import articles from .html(.gz), .txt, .jsonl and .warc(.gz) files or folders.

    WARC files stream with constant memory and resume where an interrupted
    import stopped.

    Example: newstrail import ~/captures/ feed-dump.jsonl crawl.warc.gz --lang en
    """
    from newstrail.jobs.pipeline import import_all

    summary = import_all(
        obj.store,
        list(paths),
        obj.settings,
        jobs=jobs or obj.settings.workers,
        languages=lang,
        since=since.date() if since else None,
        until=until.date() if until else None,
        show_progress=not as_json,
    )
    if summary.found_nothing:
        # An empty folder is almost always a wrong path: say so instead of "0 files".
        from newstrail.jobs.importer import (
            HTML_SUFFIXES,
            JSONL_SUFFIXES,
            TEXT_SUFFIXES,
            WARC_SUFFIXES,
        )

        kinds = ", ".join((*HTML_SUFFIXES, *TEXT_SUFFIXES, *JSONL_SUFFIXES, *WARC_SUFFIXES))
        where = ", ".join(str(path) for path in paths)
        say(f"nothing to import in {where}: no {kinds} files")
        sys.exit(ExitStatus.FAILED)
    for failure in summary.failures:
        errors.print(f"skipped: {failure}", markup=False, highlight=False)
    if as_json:
        print_json_lines([summary.to_json()])
    else:
        console.print(summary.line(), highlight=False)
    if not summary.succeeded:
        sys.exit(ExitStatus.FAILED)


@click.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", help="URL the page(s) came from (helps metadata and canonical links).")
@json_option(per="page")
@click.option(
    "--jobs", type=click.IntRange(1, 64), help="Processes to use [default: workers setting]."
)
@click.pass_obj
def extract(
    obj: Context, pages: tuple[Path, ...], url: str | None, as_json: bool, jobs: int | None
) -> None:
    """Extract article text and metadata from HTML pages (.html or .html.gz).

    Example: newstrail extract page.html.gz --url https://example.com/a --json
    """
    from newstrail.extract.files import extract_files

    failed = 0
    for result in extract_files(list(pages), url=url, jobs=jobs or obj.settings.workers):
        if "error" in result:
            failed += 1
            errors.print(
                f"skipped: {result['path']}: {result['error']}", markup=False, highlight=False
            )
            if not as_json:
                continue
        if as_json:
            print_json_lines([result])
        else:
            console.rule(str(result["path"]))
            console.print(f"[bold]{result.get('title') or '(no title)'}[/bold]")
            console.print(
                "  ".join(str(result.get(key) or "") for key in ("author", "date", "site")),
            )
            console.print(str(result.get("text", "")), markup=False, highlight=False)
    if failed == len(pages):
        sys.exit(ExitStatus.FAILED)
