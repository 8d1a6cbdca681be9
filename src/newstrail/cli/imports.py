"""Commands that read files: ``import`` into the store and ``extract`` without one."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from rich.text import Text

from newstrail.cli.app import Context, ExitStatus, say
from newstrail.cli.options import json_option
from newstrail.cli.output import console, errors, print_json_lines

DAY = click.DateTime(["%Y-%m-%d"])


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option()
@click.option(
    "--jobs", type=click.IntRange(1, 64), help="WARC files imported in parallel [default: workers]."
)
@click.option(
    "--language", "languages", multiple=True, help="Keep only WARC pages in this language."
)
@click.option("--from", "date_from", type=DAY, help="Keep WARC pages from this day.")
@click.option("--to", "date_to", type=DAY, help="Keep WARC pages up to this day.")
# The options' former names, still accepted: --language, --from and --to are
# what `articles` and `stories` call the same filters.
@click.option("--lang", "former_languages", multiple=True, hidden=True)
@click.option("--since", "former_from", type=DAY, hidden=True)
@click.option("--until", "former_to", type=DAY, hidden=True)
@click.pass_obj
def import_command(
    obj: Context,
    paths: tuple[Path, ...],
    as_json: bool,
    jobs: int | None,
    languages: tuple[str, ...],
    date_from: datetime | None,
    date_to: datetime | None,
    former_languages: tuple[str, ...],
    former_from: datetime | None,
    former_to: datetime | None,
) -> None:
    """Import articles from .html(.gz), .txt, .jsonl and .warc(.gz) files or folders.

    WARC files stream with constant memory and resume where an interrupted
    import stopped.

    Example: newstrail import ~/captures/ feed-dump.jsonl crawl.warc.gz --language en
    """
    from newstrail.jobs.pipeline import import_all

    since, until = date_from or former_from, date_to or former_to

    summary = import_all(
        obj.store,
        list(paths),
        obj.settings,
        jobs=jobs or obj.settings.workers,
        languages=(*languages, *former_languages),
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
    from newstrail.serve.vocabulary import extraction_json

    failed = 0
    for extracted in extract_files(list(pages), url=url, jobs=jobs or obj.settings.workers):
        result = extraction_json(extracted)  # the article JSON's names (byline, published, …)
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
            console.print(Text(str(result.get("title") or "(no title)"), style="bold"))
            metadata = (result.get(key) for key in ("byline", "published", "site_name"))
            console.print("  ".join(str(value or "") for value in metadata))
            console.print(str(result.get("text", "")), markup=False, highlight=False)
    if failed == len(pages):
        sys.exit(ExitStatus.FAILED)
