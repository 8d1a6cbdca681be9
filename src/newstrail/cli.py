"""The ``newstrail`` command: a thin shell over the library.

Each command collects its options, calls one library function and prints the
result as a table for people or, with ``--json``, as JSON for programs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from newstrail import __version__
from newstrail.archive import archive_counts, get_article, list_articles, to_json
from newstrail.errors import NewstrailError
from newstrail.settings import Settings, load_settings
from newstrail.store import Store

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
errors = Console(stderr=True)


class Context:
    """What every command gets: resolved settings and a lazily opened store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db)
        return self._store


def fail_cleanly(command: F) -> F:
    """Turn newstrail's own errors into one line on stderr and exit status 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NewstrailError as error:
            errors.print(f"error: {error}", markup=False, highlight=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def print_json_lines(records: Iterable[Any]) -> None:
    """One JSON object per line, flushed as it goes (for pipelines)."""
    for record in records:
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@click.group()
@click.version_option(__version__, prog_name="newstrail")
@click.option(
    "--db",
    envvar="NEWSTRAIL_DB",
    help="Store: SQLite file path or database URL. [env: NEWSTRAIL_DB; default: newstrail.db]",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config file. [env: NEWSTRAIL_CONFIG]",
)
@click.pass_context
@fail_cleanly
def cli(ctx: click.Context, db: str | None, config_path: Path | None) -> None:
    """Follow news stories across outlets and through time.

    Example: newstrail --db news.db import articles/ && newstrail --db news.db articles
    """
    ctx.obj = Context(load_settings(config_path, db=db))


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@fail_cleanly
def import_command(obj: Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import articles from .html(.gz), .txt, .jsonl and .warc(.gz) files or folders.

    Example: newstrail import ~/captures/ feed-dump.jsonl crawl.warc.gz
    """
    from newstrail.pipeline import import_and_place

    report = import_and_place(obj.store, list(paths), obj.settings, show_progress=not as_json)
    for failure in report.failures:
        errors.print(f"skipped: {failure}", markup=False, highlight=False)
    if as_json:
        print_json_lines([{k: v for k, v in vars(report).items()}])
    else:
        console.print(
            f"{report.inputs} inputs: {report.new_articles} new articles, "
            f"{report.new_versions} new versions, {report.trivial_versions} trivial, "
            f"{report.flipflops} flip-flops, {report.unchanged} unchanged, "
            f"{len(report.failures)} failed"
        )
    if not report.succeeded:
        sys.exit(1)


@cli.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", help="URL the page(s) came from (helps metadata and canonical links).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page and line.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Processes to use [default: workers setting].")
@click.pass_obj
@fail_cleanly
def extract(obj: Context, pages: tuple[Path, ...], url: str | None, as_json: bool, jobs: int | None) -> None:
    """Extract article text and metadata from HTML pages (.html or .html.gz).

    Example: newstrail extract page.html.gz --url https://example.com/a --json
    """
    from newstrail.extract import extract_files

    failed = 0
    for result in extract_files(list(pages), url=url, jobs=jobs or obj.settings.workers):
        if "error" in result:
            failed += 1
            errors.print(f"skipped: {result['path']}: {result['error']}", markup=False, highlight=False)
            if not as_json:
                continue
        if as_json:
            print_json_lines([result])
        else:
            console.rule(str(result["path"]))
            console.print(f"[bold]{result.get('title') or '(no title)'}[/bold]")
            console.print(f"{result.get('author') or ''}  {result.get('date') or ''}  {result.get('site') or ''}")
            console.print(str(result.get("text", "")), markup=False, highlight=False)
    if failed == len(pages):
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article and line.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@click.option("--source", help="Only articles from this source (outlet) name.")
@click.pass_obj
@fail_cleanly
def articles(obj: Context, as_json: bool, limit: int, source: str | None) -> None:
    """List stored articles, newest first.

    Example: newstrail articles --source WION --json
    """
    found = list_articles(obj.store, limit=limit, source=source)
    if as_json:
        print_json_lines(to_json(found))
        return
    table = Table("id", "source", "title", "published", "versions", "state", "story")
    for article in found:
        table.add_row(
            str(article.id),
            article.source or "",
            article.title or article.url,
            article.published or "",
            str(article.versions),
            article.state,
            str(article.story_id or ""),
        )
    console.print(table)


@cli.command()
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
@fail_cleanly
def show(obj: Context, article: str, as_json: bool) -> None:
    """Show one article (by id or URL): metadata, current text and versions.

    Example: newstrail show 3
    """
    detail = get_article(obj.store, article)
    if as_json:
        print_json_lines([detail.to_json()])
        return
    a = detail.article
    console.print(f"[bold]{a.title or '(no title)'}[/bold]", highlight=False)
    console.print(
        f"{a.source or 'unknown source'} · published {a.published or 'unknown'} · {a.url}",
        markup=False,
        highlight=False,
    )
    if detail.byline:
        console.print(f"by {detail.byline}", markup=False, highlight=False)
    console.print()
    console.print(detail.text, markup=False, highlight=False)
    console.print()
    table = Table("version", "captured", "kind", "words", "title")
    for version in detail.versions:
        table.add_row(
            str(version.number),
            version.captured_at.strftime("%Y-%m-%d %H:%M"),
            version.kind,
            str(version.words),
            version.title or "",
        )
    console.print(table)


@cli.command()
@click.option("--db-file", type=click.Path(path_type=Path), default=Path(".newstrail/demo.db"),
              show_default=True, help="Where the demo store lives.")
@click.pass_obj
@fail_cleanly
def demo(obj: Context, db_file: Path) -> None:
    """Import the bundled sample corpus into a demo store and report what was stored.

    Example: newstrail demo
    """
    from newstrail.pipeline import bundled_corpus, import_and_place

    store = Store(db_file)
    report = import_and_place(store, [bundled_corpus()], obj.settings, show_progress=True)
    for failure in report.failures:
        errors.print(f"skipped: {failure}", markup=False, highlight=False)
    console.print(
        f"Imported the sample corpus into {db_file}: {report.new_articles} new articles, "
        f"{report.new_versions} new versions, {report.unchanged} unchanged."
    )
    counts = archive_counts(store)
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()))
    table = Table("id", "source", "title", "published", "versions", "story", title="Articles")
    for article in list_articles(store):
        table.add_row(
            str(article.id),
            article.source or "",
            article.title or "",
            article.published or "",
            str(article.versions),
            str(article.story_id or ""),
        )
    console.print(table)


def main() -> None:
    """Entry point of the ``newstrail`` script."""
    cli(prog_name="newstrail")
