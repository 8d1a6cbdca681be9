"""Commands about stories: list and show them, cluster a stream, extract quotes."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from newstrail.cli.app import Context, ExitStatus
from newstrail.cli.options import json_option
from newstrail.cli.output import console, errors, print_json_lines
from newstrail.text.counts import counted


@click.command()
@json_option(per="story")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--outlet", "outlets", multiple=True, help="Only stories this outlet carries.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Seen on or after.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Seen on or before.")
@click.option("--min-articles", type=click.IntRange(1), help="At least this many articles.")
@click.option("--max-articles", type=click.IntRange(1), help="At most this many articles.")
@click.option(
    "--sort",
    default="-last_seen_at",
    show_default=True,
    help="last_seen_at, first_seen_at, article_count, outlet_count or title; - for descending.",
)
@click.option("--rebuild", is_flag=True, help="Recompute every story from the store first.")
@click.pass_obj
def stories(
    obj: Context,
    as_json: bool,
    limit: int,
    page: int,
    outlets: tuple[str, ...],
    date_from: datetime | None,
    date_to: datetime | None,
    min_articles: int | None,
    max_articles: int | None,
    sort: str,
    rebuild: bool,
) -> None:
    """List stories (articles from different outlets about one event) with /stories' filters.

    Example: newstrail stories --outlet WION --min-articles 3 --json
    """
    from newstrail.cli.archive import listing_footer
    from newstrail.serve.browse import browse_stories, model_json
    from newstrail.serve.listings import StoryFilters
    from newstrail.stories.reading import list_stories

    if rebuild:
        # Imported only here: the clusterer pulls in numpy and scikit-learn
        # (~1.7 s of CPU that listing does not need; bench/startup.py).
        from newstrail.coverage.analysis import analyse_stories
        from newstrail.stories.placement import rebuild_stories

        rebuild_stories(obj.store)
        analyse_stories(obj.store, [s.id for s in list_stories(obj.store, limit=10**9)])
    filters = StoryFilters(
        outlets=list(outlets),
        seen_from=date_from.date() if date_from else None,
        seen_to=date_to.date() if date_to else None,
        min_articles=min_articles,
        max_articles=max_articles,
    )
    found = browse_stories(obj.store, filters, sort=sort, page=page, per_page=limit)
    if as_json:
        print_json_lines(model_json(story) for story in found.stories)
        return
    table = Table("id", "title", "first seen", "last seen", "articles", "outlets")
    for story in found.stories:
        table.add_row(
            str(story.id),
            story.title or "",
            story.first_seen_at.strftime("%Y-%m-%d") if story.first_seen_at else "",
            story.last_seen_at.strftime("%Y-%m-%d") if story.last_seen_at else "",
            str(story.article_count),
            ", ".join(story.outlets),
        )
    console.print(table)
    console.print(
        listing_footer(len(found.stories), found.story_count, "story", page), highlight=False
    )


@click.command()
@click.argument("story_id", type=int)
@json_option()
@click.pass_obj
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


@click.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
def cluster(input_path: Path, output_path: Path) -> None:
    """Cluster a JSON Lines stream of articles into stories (no store involved).

    Input lines have id, title, text and optionally published, outlet, url,
    language (date, source and lang, their former names, still work); output
    lines are {"id": ..., "story": ...}.

    Example: newstrail cluster --input articles.jsonl --output stories.jsonl
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from newstrail.stories.clustering.streams import cluster_jsonl

    columns = (TextColumn("clustering"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    count = 0
    with (
        # Only on a terminal: elsewhere the bar's last refresh leaves a blank line.
        Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as bar,
        output_path.open("w", encoding="utf-8") as out,
    ):
        task = bar.add_task("", total=None)

        def advance(placed: int, total: int) -> None:
            bar.update(task, completed=placed, total=total)

        for article_id, story_id in cluster_jsonl(input_path, progress=advance):
            out.write(json.dumps({"id": article_id, "story": story_id}) + "\n")
            count += 1
    errors.print(f"{counted(count, 'article')} clustered into {output_path}")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option(per="file")
@click.option(
    "--all-attributions",
    is_flag=True,
    help="Also beliefs, plans and unnamed sources (every attribution PolNeAR annotates).",
)
def quotes(files: tuple[Path, ...], as_json: bool, all_attributions: bool) -> None:
    """Extract quotes with their speakers and cue verbs from text files.

    By default, statements: what a named person or organisation said or wrote,
    through a speech verb, "according to" or a speaker label. Offsets index the
    file's text as Python reads it (UTF-8, newline='').

    Example: newstrail quotes article.txt --json
    """
    from newstrail.coverage.quoting import quotes_for_files

    failed = 0
    for result in quotes_for_files(list(files), statements_only=not all_attributions):
        if "error" in result:
            failed += 1
            errors.print(f"skipped: {result['path']}: {result['error']}", markup=False)
        if as_json:
            print_json_lines([result])
            continue
        if "error" in result:
            continue
        console.rule(str(result["path"]))
        with open(str(result["path"]), encoding="utf-8", newline="") as file:
            text = file.read()
        found: list[dict[str, Any]] = result["quotes"]  # type: ignore[assignment]
        for quote in found:
            start, end = quote["quote_span"]
            speaker = quote.get("speaker") or "?"
            console.print(Text.assemble((speaker, "bold"), f": {text[start:end]}"))
    if failed == len(files):
        sys.exit(ExitStatus.FAILED)
