"""Whole jobs built from the stages: import (or watch), then place into stories.

The CLI and the web app call these; each stage stays usable on its own.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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


def import_and_place(
    store: Store, paths: list[Path], settings: Settings, *, show_progress: bool = False
) -> ImportReport:
    """Import ``paths`` with a progress bar, then place new articles into stories."""
    if not show_progress:
        return import_paths(store, paths, settings)
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("", total=_count_inputs(paths))

        def advance(name: str) -> None:
            bar.update(task, advance=1, description=Path(name).name)

        return import_paths(store, paths, settings, progress=advance)
