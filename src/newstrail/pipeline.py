"""Whole jobs built from the stages: import (or watch), then place into stories
and refresh the stories' analyses.

The CLI, the watcher and the web app call these; each stage stays usable on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from newstrail import schema
from newstrail.importer import ImportReport, import_paths
from newstrail.settings import Settings
from newstrail.store import Store


def bundled_corpus() -> Path:
    """The sample corpus shipped inside the package (five seed articles)."""
    return Path(str(files("newstrail") / "corpus"))


def _count_inputs(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        total += sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 1
    return total


def place_and_analyse(
    store: Store, new_articles: Iterable[int], changed_articles: Iterable[int] = ()
) -> set[int]:
    """Place new articles into stories, then re-analyse every story that changed.

    Returns:
        The ids of the stories analysed.
    """
    from newstrail.analysis import analyse_stories
    from newstrail.stories import place_articles

    placements = place_articles(store, new_articles)
    touched = {p.story_id for p in placements}
    for placement in placements:
        touched |= {m.to_story for m in placement.moves} | {m.from_story for m in placement.moves}
    changed = list(changed_articles)
    if changed:
        with store.read() as connection:
            touched |= set(
                connection.execute(
                    sa.select(schema.story_articles.c.story_id).where(
                        schema.story_articles.c.article_id.in_(changed)
                    )
                ).scalars()
            )
    with store.read() as connection:
        alive: set[int] = set(
            connection.execute(
                sa.select(schema.stories.c.id).where(
                    schema.stories.c.id.in_(touched), schema.stories.c.state != "merged"
                )
            ).scalars()
        )
    analyse_stories(store, sorted(alive))
    return alive


def import_and_place(
    store: Store,
    paths: list[Path],
    settings: Settings,
    *,
    show_progress: bool = False,
    build_stories: bool = True,
) -> ImportReport:
    """Import ``paths`` (with a progress bar), then place new articles into stories."""
    if show_progress:
        columns = (
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
        )
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("", total=_count_inputs(paths))

            def advance(name: str) -> None:
                bar.update(task, advance=1, description=Path(name).name)

            report = import_paths(store, paths, settings, progress=advance)
    else:
        report = import_paths(store, paths, settings)
    if build_stories and report.article_ids:
        place_and_analyse(store, report.article_ids, report.article_ids)
    return report
