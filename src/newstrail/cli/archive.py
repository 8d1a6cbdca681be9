"""Commands that read the archive: articles, their versions and diffs, search, export."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from newstrail.cli.app import Context
from newstrail.cli.options import json_option
from newstrail.cli.output import console, errors, print_json_lines

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@json_option(per="article")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
@click.option("--source", "sources", multiple=True, hidden=True)  # the option's former name
@click.option("--from", "date_from", type=DAY, help="Published (or first seen) on or after.")
@click.option("--to", "date_to", type=DAY, help="Published (or first seen) on or before.")
@click.option("--language", help="Language of the latest version, e.g. en.")
@click.option("--changed/--unchanged", default=None, help="Only articles with (or without) edits.")
@click.option("--state", type=click.Choice(["active", "retired", "deleted", "moved"]))
@click.option("--story", "story_id", type=click.IntRange(1), help="Only this story's articles.")
@click.option(
    "--sort",
    default="-last_changed_at",
    show_default=True,
    help=(
        "last_changed_at, first_seen_at, published, version_count, title or outlet; "
        "- for descending."
    ),
)
@click.pass_obj
def articles(
    obj: Context,
    as_json: bool,
    limit: int,
    page: int,
    outlets: tuple[str, ...],
    sources: tuple[str, ...],
    date_from: datetime | None,
    date_to: datetime | None,
    language: str | None,
    changed: bool | None,
    state: str | None,
    story_id: int | None,
    sort: str,
) -> None:
    """List stored articles with the web's /articles filters, most recently changed first.

    Example: newstrail articles --outlet WION --changed --from 2024-05-01 --json
    """
    from newstrail.serve.browse import browse_articles, model_json
    from newstrail.serve.listings import ArticleFilters

    filters = ArticleFilters(
        outlets=[*outlets, *sources],
        published_from=date_from.date() if date_from else None,
        published_to=date_to.date() if date_to else None,
        language=language,
        has_changes=changed,
        state=state,
        story_id=story_id,
    )
    found = browse_articles(obj.store, filters, sort=sort, page=page, per_page=limit)
    if as_json:
        print_json_lines(model_json(row) for row in found.articles)
        return
    table = Table("id", "outlet", "title", "published", "versions", "state", "story")
    for article in found.articles:
        table.add_row(
            str(article.id),
            article.outlet or "",
            article.title or article.url,
            str(article.published or ""),
            str(article.version_count),
            article.state,
            str(article.story_id or ""),
        )
    console.print(table)
    # Not highlighted: compiling rich's number and URL patterns cost ~0.03 s (bench/startup.py).
    console.print(
        listing_footer(len(found.articles), found.article_count, "article", page), highlight=False
    )


def listing_footer(shown: int, total: int, noun: str, page: int) -> str:
    """``3 of 12 articles (page 1)``, with the plural only where it belongs."""
    plural = noun if total == 1 else ("stories" if noun == "story" else noun + "s")
    return f"{shown} of {total} {plural}" + (f" (page {page})" if page > 1 or shown < total else "")


@click.command()
@click.argument("article")
@json_option()
@click.pass_obj
def show(obj: Context, article: str, as_json: bool) -> None:
    """Show one article (by id or URL): metadata, current text and versions.

    Example: newstrail show 3
    """
    from newstrail.serve.archive import get_article

    detail = get_article(obj.store, article)
    if as_json:
        print_json_lines([detail.to_json()])
        return
    a = detail.article
    console.print(Text(a.title or "(no title)", style="bold"))
    how = detail.evidence.get("published_source")
    published = f"{a.published} ({how})" if a.published and how else a.published
    console.print(
        f"{a.outlet or 'unknown source'} · published {published or 'unknown'} · {a.url}",
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
            str(version.word_count),
            version.title or "",
        )
    console.print(table)


@click.command()
@click.argument("old")
@click.argument("new")
@json_option()
@click.pass_obj
def compare(obj: Context, old: str, new: str, as_json: bool) -> None:
    """Compare two versions: HTML files, text files or stored version ids.

    Example: newstrail compare before.html after.html --json
    """
    from newstrail.serve.terminal import load_version_text, print_comparison
    from newstrail.versions.edits import compare_versions

    versions = [load_version_text(reference, lambda: obj.store) for reference in (old, new)]
    comparison = compare_versions(*versions)
    if as_json:
        print_json_lines([comparison.to_json()])
    else:
        print_comparison(console, comparison)


@click.command()
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
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["side", "text", "unified", "json"]),
    help="side: coloured columns [default on a terminal]; text: [-deleted-]{+inserted+} "
    "markers [default when piped]; unified: a unified diff of paragraphs; json.",
)
@click.option(
    "--png",
    "png_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the diff as a PNG to share, cropped to the changed paragraphs.",
)
@click.pass_obj
def diff(
    obj: Context,
    article: str,
    from_number: int | None,
    to_number: int | None,
    output_format: str | None,
    png_file: Path | None,
) -> None:
    """Show the word diff of two versions of an article (by id or URL).

    Example: newstrail diff 5 --from 1 --to 2 --format text --png edit.png
    """
    from newstrail.serve.diff_rows import as_text, as_unified, load_version_diff

    found = load_version_diff(obj.store, article, from_number, to_number)
    if png_file is not None:
        from newstrail.serve.diff_image import render_diff_png

        png_file.write_bytes(render_diff_png(found))
        errors.print(f"wrote {png_file}", markup=False, highlight=False)
    output_format = output_format or ("side" if sys.stdout.isatty() else "text")
    if output_format == "json":
        print_json_lines([found.to_json()])
    elif output_format == "text":
        sys.stdout.write(as_text(found))
    elif output_format == "unified":
        sys.stdout.write(as_unified(found))
    else:
        from newstrail.serve.terminal import render_side_by_side, version_pair
        from newstrail.versions.diff import diff_versions

        old, new, labels = version_pair(obj.store, article, found.old.number, found.new.number)
        console.print(labels)
        console.print(render_side_by_side(diff_versions(old, new), console.width))


@click.command()
@click.argument("article")
@json_option(per="version")
@click.option("--all", "show_all", is_flag=True, help="Include trivial versions.")
@click.pass_obj
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
            str(row["word_count"]),
            f"{row['share_changed']:.0%}" if row.get("share_changed") is not None else "",
            row.get("description") or "",
        )
    console.print(table)


@click.command()
@click.argument("text")
@click.option(
    "--outlet",
    "--source",
    "outlets",
    multiple=True,
    help="Only this outlet (name or source id); repeat for any of several.",
)
@click.option("--story", "story_id", type=int, help="Only this story.")
@click.option("--kind", type=click.Choice(["article", "quote"]), help="Only articles or quotes.")
@click.option(
    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after."
)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, help="Hits to skip (paging).")
@click.option("--facets", is_flag=True, help="Also count hits by outlet, story and month.")
@json_option(per="hit")
@click.pass_obj
def search(
    obj: Context,
    text: str,
    outlets: tuple[str, ...],
    story_id: int | None,
    kind: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    limit: int,
    offset: int,
    facets: bool,
    as_json: bool,
) -> None:
    """Full-text search over articles (current and earlier text) and quotes.

    Words are all required and stemmed ("lane" finds "lanes"); "a phrase" keeps
    words together; OR accepts either side; -word or NOT word excludes; word*
    matches a prefix. A hit only in text the article no longer carries is
    marked superseded. With --json, one hit per line (--facets: one object with
    the count, the facets and the hits).

    Example: newstrail search '"lane closures" OR detour -bridge' --outlet WION --from 2024-01-01
    """
    from newstrail.store.search import SearchFilters, find

    filters = SearchFilters(
        outlets=outlets,
        story_id=story_id,
        kind=kind,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    results = find(obj.store, text, filters, limit=limit, offset=offset)
    for note in results.notes:
        errors.print(f"newstrail: {note}", markup=False, highlight=False)
    if as_json:
        if facets:
            print_json_lines([results.to_json()])
        else:
            print_json_lines(hit.to_json() for hit in results.hits)
        return
    from newstrail.serve.searching import print_search_results

    print_search_results(console, results, offset=offset, facets=facets)


@click.command()
@click.pass_obj
def reindex(obj: Context) -> None:
    """Rebuild the full-text search index from the store.

    Example: newstrail reindex
    """
    from newstrail.store.search import rebuild_index

    console.print(f"indexed {rebuild_index(obj.store)} articles and quotes")


@click.command()
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
    from newstrail.serve.export import export_csv, export_jsonl, write_records, write_warc

    if kind == "warc":
        if output is None or (story_id is None) == (article_id is None):
            raise click.UsageError("warc needs -o FILE and exactly one of --article or --story")
        written = write_warc(obj.store, output, article_id=article_id, story_id=story_id)
        errors.print(f"wrote {written} bytes to {output}")
        return
    filters = {"story_id": story_id, "article_id": article_id, "limit": limit}
    if output is not None:
        write_records(obj.store, kind, output, output_format=output_format, **filters)
        return
    writer = export_csv if output_format == "csv" else export_jsonl
    for chunk in writer(obj.store, kind, **filters):
        sys.stdout.write(chunk)
