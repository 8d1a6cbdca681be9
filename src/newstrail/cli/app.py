"""The root ``newstrail`` group and the context every command gets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from newstrail import __version__
from newstrail.cli.options import db_option
from newstrail.cli.output import errors
from newstrail.errors import NewstrailError
from newstrail.settings import Settings, config_file, load_settings
from newstrail.store.database import Store

F = TypeVar("F", bound=Callable[..., Any])


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


@click.group()
@click.version_option(__version__, prog_name="newstrail")
@db_option
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
