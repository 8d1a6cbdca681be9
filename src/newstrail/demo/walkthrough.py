"""The demo: everything newstrail does, on the bundled corpus, with no network.

1. Import the five sample articles and show what was stored: articles,
   outlets, the RT article's two versions, the story they form, its quotes.
2. Start the fixture news site on 127.0.0.1 and watch it for a simulated
   afternoon: articles arrive through feeds and sitemaps, then edits, a
   correction, a flip-flop, a deletion and a redirect appear as versions
   and events. Each outlet's feed is added under the outlet's name, as a
   user would with ``sources add URL --name``: the site lives at 127.0.0.1,
   which has no registered domain to name an outlet after. The watched
   articles are then placed into stories and analysed.
3. ``make demo`` then serves the watched store in the web app, so the edits
   the terminal showed are there too. (The watched store is kept apart from
   the imported one: the fixture site republishes the same seed texts, which
   would otherwise sit beside the imported copies as duplicates.)
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newstrail.jobs.pipeline import bundled_corpus, import_and_place
from newstrail.serve.archive import archive_counts, get_article, list_articles
from newstrail.settings import Settings
from newstrail.store.database import Store


def import_demo(store: Store, settings: Settings, console: Console) -> None:
    """Import the bundled corpus into ``store`` and print what was stored."""
    from newstrail.serve.stories import get_story
    from newstrail.serve.terminal import print_story
    from newstrail.stories.reading import list_stories

    report = import_and_place(store, [bundled_corpus()], settings, show_progress=True)
    for failure in report.failures:
        console.print(f"skipped: {failure}", markup=False, highlight=False)
    console.rule("1. Import the sample corpus")
    console.print(
        f"{report.new_articles} new articles, {report.new_versions} new versions, "
        f"{report.unchanged} unchanged (already stored)."
    )
    counts = archive_counts(store)
    console.print("Store holds " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    table = Table("id", "source", "title", "published", "versions", "story", title="Articles")
    for article in list_articles(store):
        table.add_row(
            str(article.id),
            article.outlet or "",
            article.title or "",
            article.published or "",
            str(article.version_count),
            str(article.story_id or ""),
        )
    console.print(table)
    for article in list_articles(store):
        if article.version_count > 1:
            detail = get_article(store, article.id)
            console.print(
                Text.assemble(
                    (article.outlet or "unknown source", "bold"),
                    f" article {article.id} has {article.version_count} versions:",
                )
            )
            for version in detail.versions:
                console.print(f"  version {version.number}: {version.title}", highlight=False)
    console.rule("Stories")
    for story in list_stories(store):
        print_story(console, get_story(store, story.id))
        console.print()


def watch_demo(store: Store, settings: Settings, console: Console, steps: int = 7) -> None:
    """Watch the fixture news site through its timeline and print what appeared."""
    from newstrail.demo.fixture_site import FixtureSite
    from newstrail.demo.fixture_site.timeline import OUTLETS
    from newstrail.jobs.pipeline import place_and_analyse, unplaced_articles
    from newstrail.jobs.sources import add_source
    from newstrail.jobs.watch import Watcher
    from newstrail.serve.terminal import version_rows

    console.rule("2. Watch the fixture news site (127.0.0.1, no network)")
    settings = settings.with_overrides(allow_private=True, per_host_delay=0.0, workers=1)
    simulated = [datetime(2024, 5, 1, 9, 0, tzinfo=UTC)]
    with FixtureSite() as site:
        for outlet in OUTLETS:
            feed = site.base_url + outlet.feed_path
            asyncio.run(add_source(store, settings, feed, outlet.name, {}))
        watcher = Watcher(store, settings, clock=lambda: simulated[0], analyse=False)
        try:
            for _ in range(steps + 1):
                report = asyncio.run(watcher.run_once())
                console.print(Text.assemble((f"{simulated[0]:%H:%M}", "dim"), f" {report.line()}"))
                site.advance()
                simulated[0] += timedelta(hours=1)
        finally:
            watcher.close()
    placed = place_and_analyse(store, unplaced_articles(store))
    console.print(f"Placed the watched articles into {len(placed)} analysed stories.")
    table = Table("article", "versions", "state", "latest change", title="What the watcher kept")
    for article in list_articles(store):
        rows = version_rows(store, str(article.id), include_trivial=True)
        change = next((r["description"] for r in reversed(rows) if r["description"]), "")
        table.add_row(article.title or article.url, str(len(rows)), article.state, change)
    console.print(table)


def run_demo(db_file: Path, settings: Settings, console: Console, *, watch: bool = True) -> Path:
    """The whole demo; returns the store to serve: the watched one when it watched."""
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with Store(db_file) as store:
        import_demo(store, settings, console)
    if watch:
        watch_file = db_file.with_name(db_file.stem + "-watch.db")
        watch_file.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(watch_file) + suffix).unlink(missing_ok=True)
        with Store(watch_file) as store:
            watch_demo(store, settings, console)
        console.print(f"Watched articles are in {watch_file}: newstrail --db {watch_file} articles")
        return watch_file
    return db_file
