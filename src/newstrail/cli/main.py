"""The ``newstrail`` command: a thin shell over the library.

Each command collects its options, calls one library function and prints the
result as a table for people or, with ``--json``, as JSON for programs.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from newstrail import __version__
from newstrail.errors import NewstrailError
from newstrail.serve.archive import get_article, list_articles, to_json
from newstrail.settings import Settings, config_file, load_settings
from newstrail.store.database import Store

F = TypeVar("F", bound=Callable[..., Any])
console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one error, one line, however long


class Context:
    """What every command gets: resolved settings and a lazily opened store."""

    def __init__(self, settings: Settings, config_path: Path | None = None) -> None:
        self.settings = settings
        self.config_path = config_path
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
    ctx.obj = Context(load_settings(config_path, db=db), config_file(config_path))


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--jobs", type=click.IntRange(1, 64), help="WARC files imported in parallel [default: workers]."
)
@click.option("--lang", multiple=True, help="Keep only WARC pages in this language (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Keep WARC pages from this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Keep WARC pages up to this day.")
@click.pass_obj
@fail_cleanly
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
    for failure in summary.failures:
        errors.print(f"skipped: {failure}", markup=False, highlight=False)
    if as_json:
        print_json_lines([summary.to_json()])
    else:
        console.print(summary.line(), highlight=False)
    if not summary.succeeded:
        sys.exit(1)


@cli.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", help="URL the page(s) came from (helps metadata and canonical links).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page and line.")
@click.option(
    "--jobs", type=click.IntRange(1, 64), help="Processes to use [default: workers setting]."
)
@click.pass_obj
@fail_cleanly
def extract(
    obj: Context, pages: tuple[Path, ...], url: str | None, as_json: bool, jobs: int | None
) -> None:
    """Extract article text and metadata from HTML pages (.html or .html.gz).

    Example: newstrail extract page.html.gz --url https://example.com/a --json
    """
    from newstrail.extract.article import extract_files

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
@click.option(
    "--db-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".newstrail/demo.db"),
    show_default=True,
    help="Where the demo store lives.",
)
@click.option(
    "--watch/--no-watch", default=True, show_default=True, help="Also watch the fixture site."
)
@click.option(
    "--serve/--no-serve", default=False, show_default=True, help="Then serve the web app."
)
@click.pass_obj
@fail_cleanly
def demo(obj: Context, db_file: Path, watch: bool, serve: bool) -> None:
    """Run newstrail on the bundled sample corpus and the local fixture news site.

    Example: newstrail demo --serve
    """
    from newstrail.demo.walkthrough import run_demo

    served = run_demo(db_file, obj.settings, console, watch=watch)
    if serve:
        from newstrail.serve.web.app import serve as serve_app

        settings = obj.settings.with_overrides(db=str(served))
        console.print(
            f"Serving {served} at http://{settings.host}:{settings.port}/  (Ctrl-C stops)"
        )
        serve_app(Store(served), settings)


# -- stories -------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story and line.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--rebuild", is_flag=True, help="Recompute every story from the store first.")
@click.pass_obj
@fail_cleanly
def stories(obj: Context, as_json: bool, limit: int, rebuild: bool) -> None:
    """List stories: articles from different outlets about one event.

    Example: newstrail stories --json
    """
    from newstrail.stories.placement import rebuild_stories
    from newstrail.stories.reading import list_stories

    if rebuild:
        from newstrail.coverage.analysis import analyse_stories

        rebuild_stories(obj.store)
        analyse_stories(obj.store, [s.id for s in list_stories(obj.store, limit=10**9)])
    found = list_stories(obj.store, limit=limit)
    if as_json:
        print_json_lines(s.to_json() for s in found)
        return
    table = Table("id", "title", "first seen", "last seen", "articles", "outlets")
    for story in found:
        table.add_row(
            str(story.id),
            story.title or "",
            story.first_seen.strftime("%Y-%m-%d") if story.first_seen else "",
            story.last_seen.strftime("%Y-%m-%d") if story.last_seen else "",
            ", ".join(map(str, story.article_ids)),
            ", ".join(story.outlets),
        )
    console.print(table)


@cli.command()
@click.argument("story_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
@fail_cleanly
def story(obj: Context, story_id: int, as_json: bool) -> None:
    """Show one story: its articles, quotes, reused passages and cited summary.

    Example: newstrail story 1
    """
    from newstrail.serve.stories import get_story
    from newstrail.serve.terminal import print_story

    detail = get_story(obj.store, story_id)
    if as_json:
        print_json_lines([detail.to_json()])
    else:
        print_story(console, detail)


@cli.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@fail_cleanly
def cluster(input_path: Path, output_path: Path) -> None:
    """Cluster a JSON Lines stream of articles into stories (no store involved).

    Input lines have id, title, text and optionally date, source, url, lang;
    output lines are {"id": ..., "story": ...}.

    Example: newstrail cluster --input articles.jsonl --output stories.jsonl
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from newstrail.stories.clustering.streams import BadRecord, cluster_jsonl

    columns = (TextColumn("clustering"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    count = 0
    with (
        Progress(*columns, console=errors, transient=True) as bar,
        output_path.open("w", encoding="utf-8") as out,
    ):
        task = bar.add_task("", total=None)

        def advance(placed: int, total: int) -> None:
            bar.update(task, completed=placed, total=total)

        try:
            for article_id, story_id in cluster_jsonl(input_path, progress=advance):
                out.write(json.dumps({"id": article_id, "story": story_id}) + "\n")
                count += 1
        except BadRecord as error:
            raise click.BadParameter(str(error), param_hint="--input") from error
    errors.print(f"{count} articles clustered into {output_path}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per file.")
@fail_cleanly
def quotes(files: tuple[Path, ...], as_json: bool) -> None:
    """Extract quotes with their speakers and cue verbs from text files.

    Offsets index the file's text as Python reads it (UTF-8, newline='').

    Example: newstrail quotes article.txt --json
    """
    from newstrail.coverage.quoting import quotes_for_files

    for result in quotes_for_files(list(files)):
        if as_json:
            print_json_lines([result])
            continue
        console.rule(str(result["path"]))
        if "error" in result:
            errors.print(f"skipped: {result['path']}: {result['error']}", markup=False)
            continue
        with open(str(result["path"]), encoding="utf-8", newline="") as file:
            text = file.read()
        found: list[dict[str, Any]] = result["quotes"]  # type: ignore[assignment]
        for quote in found:
            start, end = quote["quote"]
            console.print(
                f"[bold]{quote.get('speaker_name') or '?'}[/bold]: {text[start:end]}",
                highlight=False,
            )


# -- versions and diffs ------------------------------------------------------------


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.pass_obj
@fail_cleanly
def compare(obj: Context, old: str, new: str, as_json: bool) -> None:
    """Compare two versions: HTML files, text files or stored version ids.

    Example: newstrail compare before.html after.html --json
    """
    from newstrail.serve.terminal import load_version_text, print_comparison
    from newstrail.versions.edits import compare_versions

    comparison = compare_versions(load_version_text(obj, old), load_version_text(obj, new))
    if as_json:
        print_json_lines([comparison.to_json()])
    else:
        print_comparison(console, comparison)


@cli.command()
@click.argument("article")
@click.option(
    "--from",
    "from_number",
    type=click.IntRange(1),
    help="Older version number [default: previous].",
)
@click.option(
    "--to", "to_number", type=click.IntRange(1), help="Newer version number [default: latest]."
)
@click.pass_obj
@fail_cleanly
def diff(obj: Context, article: str, from_number: int | None, to_number: int | None) -> None:
    """Show a coloured side-by-side word diff of two versions of an article.

    Example: newstrail diff 5 --from 1 --to 2
    """
    from newstrail.serve.terminal import render_side_by_side, version_pair
    from newstrail.versions.diff import diff_versions

    old, new, labels = version_pair(obj.store, article, from_number, to_number)
    console.print(labels)
    console.print(render_side_by_side(diff_versions(old, new), console.width))


@cli.command()
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per version and line.")
@click.option("--all", "show_all", is_flag=True, help="Include trivial versions.")
@click.pass_obj
@fail_cleanly
def versions(obj: Context, article: str, as_json: bool, show_all: bool) -> None:
    """List an article's versions with time, kind and size of change.

    Example: newstrail versions https://example.com/news/1 --json
    """
    from newstrail.serve.terminal import version_rows

    rows = version_rows(obj.store, article, include_trivial=show_all)
    if as_json:
        print_json_lines(rows)
        return
    table = Table("version", "captured", "kind", "words", "changed", "what changed")
    for row in rows:
        table.add_row(
            str(row["number"]),
            str(row["captured_at"])[:16].replace("T", " "),
            row["kind"],
            str(row["words"]),
            f"{row['share_changed']:.0%}" if row.get("share_changed") is not None else "",
            row.get("description") or "",
        )
    console.print(table)


# -- watching --------------------------------------------------------------------


@cli.group()
def sources() -> None:
    """Manage watched sources: feeds, sitemaps and article URLs."""


@sources.command("add")
@click.argument("url")
@click.option("--name", help="Outlet name [default: from the URL's domain].")
@click.option("--include", multiple=True, help="Regex an article URL must match (repeatable).")
@click.option("--exclude", multiple=True, help="Regex that drops an article URL (repeatable).")
@click.option(
    "--allow-private", is_flag=True, default=None, help="Allow private/loopback addresses."
)
@click.pass_obj
@fail_cleanly
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
    from newstrail.jobs.watch import add_source

    settings = obj.settings.with_overrides(allow_private=allow_private)
    source_id, kind = asyncio.run(
        add_source(
            obj.store, settings, url, name, {"include": list(include), "exclude": list(exclude)}
        )
    )
    console.print(f"source {source_id}: {kind} {url}", highlight=False)


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source and line.")
@click.pass_obj
@fail_cleanly
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
@fail_cleanly
def sources_remove(obj: Context, source: str) -> None:
    """Stop watching a source (by id or URL); its articles are kept.

    Example: newstrail sources remove 3
    """
    from newstrail.jobs.sources import remove_source

    remove_source(obj.store, source)
    console.print(f"stopped watching {source}", highlight=False)


@cli.command()
@click.option("--once", is_flag=True, help="One pass over what is due, then exit.")
@click.option(
    "--allow-private", is_flag=True, default=None, help="Allow private/loopback addresses."
)
@click.pass_obj
@fail_cleanly
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
    run_watch(obj.store, settings, once=once, console=console)


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--allow-private", is_flag=True, default=None, help="Allow private/loopback addresses."
)
@click.pass_obj
@fail_cleanly
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
        errors.print(f"error: {error}", markup=False, highlight=False)
    console.print(report.line(), highlight=False)
    if report.errors and len(report.errors) >= len(urls):
        sys.exit(1)


@cli.command("fixture-site")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option(
    "--synthetic", type=click.IntRange(0), default=0, help="Also serve N generated articles."
)
@click.option("--step-interval", type=float, help="Advance the site's timeline every N seconds.")
@fail_cleanly
def fixture_site(host: str, port: int, synthetic: int, step_interval: float | None) -> None:
    """Serve the fixture news site (sample outlets whose articles change over time).

    Example: newstrail fixture-site --port 8765 --step-interval 10
    """
    from newstrail.demo.fixture_site import serve_fixture_site

    serve_fixture_site(host, port, synthetic, step_interval)


# -- serving, search, exports, follows ----------------------------------------------


@cli.command()
@click.option("--host", help="Address to bind [default: 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: 8080].")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (one per core serves the most requests).",
)
@click.pass_obj
@fail_cleanly
def serve(obj: Context, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web UI and JSON API (every page also at .json).

    Example: newstrail --db news.db serve --port 8080 --workers 2
    """
    from newstrail.serve.web.app import serve as serve_app

    try:
        serve_app(obj.store, obj.settings.with_overrides(host=host, port=port), workers=workers)
    except ValueError as error:  # several workers over an in-memory store
        raise click.UsageError(str(error)) from error


@cli.command()
@click.argument("text")
@click.option("--source", help="Only this outlet.")
@click.option("--story", "story_id", type=int, help="Only this story.")
@click.option("--kind", type=click.Choice(["article", "quote"]), help="Only articles or quotes.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit and line.")
@click.pass_obj
@fail_cleanly
def search(
    obj: Context,
    text: str,
    source: str | None,
    story_id: int | None,
    kind: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Full-text search over articles and quotes.

    Example: newstrail search "Sino-Russian relations" --kind quote
    """
    from dataclasses import asdict

    from newstrail.store.search import SearchFilters
    from newstrail.store.search import search as run_search

    filters = SearchFilters(source=source, story_id=story_id, kind=kind)
    hits = run_search(obj.store, text, filters, limit=limit)
    if as_json:
        print_json_lines(asdict(hit) for hit in hits)
        return
    table = Table("kind", "article", "source", "title", "snippet")
    for hit in hits:
        snippet = " ".join(hit.snippet.split())
        table.add_row(hit.kind, str(hit.article_id), hit.source or "", hit.title or "", snippet)
    console.print(table)


@cli.command()
@click.argument("kind", type=click.Choice(["articles", "versions", "stories", "quotes", "warc"]))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="For records (not WARC).",
)
@click.option("--story", "story_id", type=int, help="Only this story.")
@click.option("--article", "article_id", type=int, help="Only this article.")
@click.option("--limit", type=click.IntRange(1), help="At most this many records.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file [default: standard output; required for warc].",
)
@click.pass_obj
@fail_cleanly
def export(
    obj: Context,
    kind: str,
    output_format: str,
    story_id: int | None,
    article_id: int | None,
    limit: int | None,
    output: Path | None,
) -> None:
    """Export records as JSON Lines or CSV, or captures as WARC (re-importable).

    Example: newstrail export versions --article 3 --format csv -o versions.csv
    """
    from newstrail.serve.export import export_csv, export_jsonl, write_warc

    if kind == "warc":
        if output is None or (story_id is None) == (article_id is None):
            raise click.UsageError("warc needs -o FILE and exactly one of --article or --story")
        written = write_warc(obj.store, output, article_id=article_id, story_id=story_id)
        errors.print(f"wrote {written} bytes to {output}")
        return
    writer = export_csv if output_format == "csv" else export_jsonl
    chunks = writer(obj.store, kind, story_id=story_id, article_id=article_id, limit=limit)
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    with output.open("w", encoding="utf-8", newline="") as out:
        for chunk in chunks:
            out.write(chunk)


@cli.group()
def follow() -> None:
    """Follow people, topics or outlets for a personal feed of stories and changes."""


@follow.command("add")
@click.argument("kind", type=click.Choice(["person", "topic", "outlet"]))
@click.argument("value")
@click.pass_obj
@fail_cleanly
def follow_add(obj: Context, kind: str, value: str) -> None:
    """Follow a person, topic (words) or outlet.

    Example: newstrail follow add person "Xi Jinping"
    """
    from newstrail.serve.follows import add_follow

    try:
        followed = add_follow(obj.store, kind, value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    console.print(
        f"following {followed.kind} {followed.value!r} (id {followed.id})", highlight=False
    )


@follow.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per follow and line.")
@click.pass_obj
@fail_cleanly
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
@fail_cleanly
def follow_remove(obj: Context, follow_id: int) -> None:
    """Stop following (by id from `follow list`).

    Example: newstrail follow remove 2
    """
    from newstrail.serve.follows import remove_follow

    remove_follow(obj.store, follow_id)
    console.print(f"removed follow {follow_id}")


@cli.command()
@click.pass_obj
@fail_cleanly
def token(obj: Context) -> None:
    """Create a new API token for the web app's write actions (shown once).

    Example: newstrail token
    """
    from newstrail.serve.web.security import create_token

    console.print(create_token(obj.store), highlight=False)


@cli.command()
@click.pass_obj
@fail_cleanly
def reindex(obj: Context) -> None:
    """Rebuild the full-text search index from the store.

    Example: newstrail reindex
    """
    from newstrail.store.search import rebuild_index

    console.print(f"indexed {rebuild_index(obj.store)} articles and quotes")


def main() -> None:
    """Entry point of the ``newstrail`` script."""
    cli(prog_name="newstrail")


if __name__ == "__main__":
    main()
