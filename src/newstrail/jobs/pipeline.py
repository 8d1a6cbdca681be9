"""Whole jobs built from the stages: import (or watch), then place into stories
and refresh the stories' analyses.

The CLI, the watcher and the web app call these; each stage stays usable on its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from newstrail.jobs.importer import WARC_SUFFIXES, ImportReport, import_paths
from newstrail.store import schema
from newstrail.text.counts import counted

if TYPE_CHECKING:
    from newstrail.jobs.bulk import BulkReport
from newstrail.settings import Settings
from newstrail.store.database import Store
from newstrail.versions.kinds import latest_visible_numbers


def bundled_corpus() -> Path:
    """The sample corpus shipped inside the package (five seed articles)."""
    return Path(str(files("newstrail.demo") / "corpus"))


def _count_inputs(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        total += sum(1 for p in path.rglob("*") if p.is_file()) if path.is_dir() else 1
    return total


def place_and_analyse(
    store: Store,
    new_articles: Iterable[int],
    changed_articles: Iterable[int] = (),
    stories: Iterable[int] = (),
) -> set[int]:
    """Place new articles into stories, then re-analyse every story that changed.

    Args:
        store: the store.
        new_articles: articles to place into stories.
        changed_articles: articles with a new version: each is weighed against its
            story (``placement.revise_articles``), then its stories are re-analysed.
        stories: more stories to re-analyse (stale ones: their members' unweighed
            versions are weighed too).

    Returns:
        The ids of the stories analysed.
    """
    from newstrail.jobs.quarantine import analyse_within_budget
    from newstrail.stories.placement import changed_since_analysis, place_articles, revise_articles

    # Placed articles with a version placement has not weighed go first, so one
    # rewritten onto another story leaves its old one before new articles arrive.
    # A stale story's members are looked at too: a killed job's new versions.
    changed, stale = list(changed_articles), list(stories)
    revisions = revise_articles(store, changed_since_analysis(store, changed, stale))
    placements = place_articles(store, new_articles)
    touched = {p.story_id for p in placements} | set(stale)
    for revision in revisions:
        touched |= {revision.from_story, revision.to_story}
    for placement in placements:
        touched |= {m.to_story for m in placement.moves} | {m.from_story for m in placement.moves}
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
    analyse_within_budget(store, sorted(alive))
    return alive


def import_and_place(
    store: Store,
    paths: list[Path],
    settings: Settings,
    *,
    show_progress: bool = False,
    build_stories: bool = True,
    skip_suffixes: tuple[str, ...] = (),
) -> ImportReport:
    """Import ``paths`` (with a progress bar), then place new articles into stories."""
    if show_progress:
        columns = (
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False),
        )
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("", total=_count_inputs(paths))

            def advance(name: str) -> None:
                bar.update(task, advance=1, description=Path(name).name)

            report = import_paths(
                store, paths, settings, progress=advance, skip_suffixes=skip_suffixes
            )
    else:
        report = import_paths(store, paths, settings, skip_suffixes=skip_suffixes)
    if build_stories and report.article_ids:
        refresh_stories(store, report.article_ids)
    return report


def stale_stories(store: Store) -> list[int]:
    """Live stories whose stored analysis is not of their articles' current versions.

    A story is stale when an article got a version the analysis did not read,
    when its members changed since, or when it was never analysed. Every path
    that brings a version (watch, check, import, bulk import) ends with
    ``refresh_stories``, which analyses these, so a superseded sentence is never
    presented as current; a job killed before that step leaves the story
    stale, and the story's JSON says so (``stale``) until the next job refreshes it.
    """
    v, members, stories, analyses = (
        schema.versions,
        schema.story_articles,
        schema.stories,
        schema.story_analyses,
    )
    latest = latest_visible_numbers()
    current_versions: dict[int, set[int]] = {}
    with store.read() as connection:
        rows = connection.execute(
            sa.select(members.c.story_id, v.c.id)
            .join(latest, latest.c.article_id == members.c.article_id)
            .join(v, sa.and_(v.c.article_id == latest.c.article_id, v.c.number == latest.c.number))
            .join(stories, stories.c.id == members.c.story_id)
            .where(stories.c.state != "merged")
        )
        for row in rows:
            current_versions.setdefault(row.story_id, set()).add(row.id)
        covered = {
            row.story_id: set(row.version_ids)
            for row in connection.execute(sa.select(analyses.c.story_id, analyses.c.version_ids))
        }
    return sorted(
        story_id
        for story_id, version_ids in current_versions.items()
        if covered.get(story_id) != version_ids
    )


def refresh_stories(store: Store, changed_articles: Iterable[int] = ()) -> set[int]:
    """Place every unplaced article, then analyse every story that is not current.

    The end of each job that stores versions (import, bulk import, check): it
    finds its work in the store rather than trusting the job's own counts, so
    a version from any path, or one left by a killed job, is analysed.

    Returns:
        The ids of the stories analysed.
    """
    new = unplaced_articles(store)
    stale = stale_stories(store)
    changed = list(changed_articles)
    if not (new or stale or changed):
        return set()
    return place_and_analyse(store, new, changed, stale)


def unplaced_articles(store: Store) -> list[int]:
    """Articles with a visible version that no story holds yet."""
    a, v, placed = schema.articles, schema.versions, schema.story_articles
    has_version = sa.exists().where(v.c.article_id == a.c.id, v.c.kind.in_(("new", "flipflop")))
    in_story = sa.exists().where(placed.c.article_id == a.c.id)
    with store.read() as connection:
        return list(
            connection.execute(
                sa.select(a.c.id).where(has_version, ~in_story).order_by(a.c.id)
            ).scalars()
        )


@dataclass
class ImportSummary:
    """What ``import_all`` did: the file import and the bulk WARC import together."""

    files: ImportReport
    warcs: BulkReport | None

    @property
    def failures(self) -> list[str]:
        return self.files.failures + (self.warcs.failures if self.warcs else [])

    @property
    def succeeded(self) -> bool:
        imported = self.files.captures + (self.warcs.captures if self.warcs else 0)
        return (imported > 0 or not self.failures) and not self.found_nothing

    @property
    def found_nothing(self) -> bool:
        """No input file at all: an empty folder, or only files of other kinds."""
        warc_files = self.warcs.files if self.warcs else 0
        return self.files.inputs == 0 and warc_files == 0 and not self.failures

    def to_json(self) -> dict[str, object]:
        return {
            "files": {k: v for k, v in vars(self.files).items() if k != "article_ids"},
            "warcs": {k: v for k, v in vars(self.warcs).items()} if self.warcs else None,
        }

    def line(self) -> str:
        f, w = self.files, self.warcs
        text = (
            f"{counted(f.inputs, 'file')}: {counted(f.new_articles, 'new article')}, "
            f"{counted(f.new_versions, 'new version')}, "
            f"{f.trivial_versions} trivial, {counted(f.flipflops, 'flip-flop')}, "
            f"{f.unchanged} unchanged"
        )
        if w is not None and w.files:
            text += (
                f"; {counted(w.files, 'WARC file')}: {counted(w.captures, 'capture')}, "
                f"{counted(w.new_articles, 'new article')}, "
                f"{counted(w.new_versions, 'new version')}, {w.unchanged} unchanged"
                f"{', ' + str(w.files_resumed) + ' resumed' if w.files_resumed else ''}"
            )
        return text + f"; {len(self.failures)} failed"


def import_all(
    store: Store,
    paths: list[Path],
    settings: Settings,
    *,
    jobs: int = 1,
    languages: tuple[str, ...] = (),
    since: date | None = None,
    until: date | None = None,
    show_progress: bool = False,
) -> ImportSummary:
    """Import files and folders: WARCs through the resumable bulk importer, the
    rest file by file; then place every new article into stories."""
    from newstrail.jobs import bulk

    warc_paths = [p for p in paths if p.is_dir() or p.name.lower().endswith(WARC_SUFFIXES)]
    warcs = None
    if any(p.is_dir() or p.exists() for p in warc_paths):
        with contextlib.ExitStack() as stack:
            progress = stack.enter_context(bulk.progress_bar()) if show_progress else None
            warcs = bulk.import_warcs(
                store,
                warc_paths,
                settings,
                jobs=jobs,
                languages=languages,
                since=since,
                until=until,
                progress=progress,
            )
    files = import_and_place(
        store,
        paths,
        settings,
        show_progress=show_progress,
        build_stories=False,
        skip_suffixes=WARC_SUFFIXES,
    )
    refresh_stories(store, files.article_ids)
    return ImportSummary(files, warcs)
