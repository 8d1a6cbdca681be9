"""The root ``newstrail`` group, the context every command gets, and how errors leave.

Every error leaves as exactly one line on stderr, ``newstrail: <message>``, and
an exit status from ``ExitStatus``; a traceback is printed only with
``--debug`` (or ``NEWSTRAIL_DEBUG=1``). Commands therefore never catch
newstrail's errors themselves: they let them rise to ``NewstrailGroup``.
"""

from __future__ import annotations

import errno
import importlib
import sys
import traceback
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from newstrail import __version__
from newstrail.cli.logs import add_logging_options
from newstrail.cli.options import db_option
from newstrail.errors import (
    ConfigError,
    InvalidInput,
    NewstrailError,
    NotFound,
    StoreError,
    redact,
)
from newstrail.fetch.errors import FetchError
from newstrail.settings import Settings, config_file, load_settings

if TYPE_CHECKING:
    # Imported where a store is opened: sqlalchemy costs ~0.3 s of CPU that
    # --version, -h and usage errors do not need (bench/startup.py).
    from newstrail.store.database import Store


class ExitStatus(IntEnum):
    """What ``newstrail``'s exit status means (documented in the README and ``-h``)."""

    OK = 0
    FAILED = 1  # the work could not be done: nothing imported, every URL failed, a file unwritable
    USAGE = 2  # a bad command line, config file or input: fix the call, then retry
    NOT_FOUND = 3  # no such article, version, story, source, follow or file
    STORE = 4  # the store cannot be opened, migrated or written
    FETCH = 5  # a URL could not be fetched: refused, malformed, unreachable, HTTP error, robots.txt
    INTERNAL = 70  # a bug in newstrail (sysexits' EX_SOFTWARE): re-run with --debug and report it


# Most specific first: the first class an error is an instance of gives its status.
EXIT_STATUSES: tuple[tuple[type[NewstrailError], ExitStatus], ...] = (
    (NotFound, ExitStatus.NOT_FOUND),
    (StoreError, ExitStatus.STORE),
    (FetchError, ExitStatus.FETCH),
    (ConfigError, ExitStatus.USAGE),
    (InvalidInput, ExitStatus.USAGE),
    (NewstrailError, ExitStatus.FAILED),
)


def exit_status(error: NewstrailError) -> ExitStatus:
    """The exit status for one of newstrail's errors."""
    return next(status for cls, status in EXIT_STATUSES if isinstance(error, cls))


def exit_status_help() -> str:
    """The exit statuses as the root command's help epilog (``\\b`` keeps click from rewrapping)."""
    meanings = {
        ExitStatus.OK: "success",
        ExitStatus.FAILED: "the work could not be done (nothing imported, every URL failed, …)",
        ExitStatus.USAGE: "bad command line, config file or input",
        ExitStatus.NOT_FOUND: "no such article, version, story, source, follow or file",
        ExitStatus.STORE: "the store cannot be opened, migrated or written",
        ExitStatus.FETCH: "a URL could not be fetched (refused, malformed, unreachable, …)",
        ExitStatus.INTERNAL: "a bug: re-run with --debug for the traceback",
    }
    lines = [f"  {status.value:>2}  {meanings[status]}" for status in ExitStatus]
    return "\b\nExit status:\n" + "\n".join(lines)


def say(message: str) -> None:
    """One line on stderr, ``newstrail: <message>``, with any password or token redacted."""
    click.echo("newstrail: " + redact(" ".join(message.split())), err=True)


def report(error: BaseException, *, debug: bool) -> ExitStatus:
    """Tell the user about ``error`` in one line (after its traceback with ``debug``)."""
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    if isinstance(error, NewstrailError):
        say(str(error))
        return exit_status(error)
    if isinstance(error, OSError):
        # The operating system refused a file (or socket): not a bug, and its
        # message already says what and why.
        where = f"{error.filename}: " if error.filename is not None else ""
        say(f"{where}{error.strerror or error}")
        return ExitStatus.FAILED
    hint = "" if debug else " (re-run as 'newstrail --debug …' for the traceback)"
    say(f"internal error: {type(error).__name__}: {error}{hint}")
    return ExitStatus.INTERNAL


def report_usage(error: click.ClickException) -> int:
    """A click usage error in one line, pointing at the command's help."""
    context = getattr(error, "ctx", None)
    hint = f" (see '{context.command_path} -h')" if isinstance(context, click.Context) else ""
    say(error.format_message() + hint)
    return error.exit_code


class NewstrailGroup(click.Group):
    """The root group: every error leaves as one line on stderr and a documented status.

    Commands may be attached lazily (``add_lazy_command``): their module is
    imported only when the command runs or ``-h`` lists it, so a listing does
    not pay for the web app's or the watcher's imports (bench/startup.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, str] = {}

    def add_lazy_command(self, name: str, where: str) -> None:
        """Attach the command ``name``, found at ``where`` ("module:attribute") on first use."""
        self.lazy_commands[name] = where

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, attached or lazy, sorted (as ``-h`` lists them)."""
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, importing its module the first time it is asked for."""
        where = self.lazy_commands.pop(cmd_name, None)
        if where is not None:
            module, attribute = where.split(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{where} is not a click command")
            add_logging_options(command)  # -v, -q and --log-format, as on the root
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the root options; a bad one is reported in one line."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # plain `newstrail`: click prints the help
        except click.ClickException as error:
            raise click.exceptions.Exit(report_usage(error)) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; whatever it raises becomes one line and an exit status."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.exceptions.NoArgsIsHelpError):
            raise  # click's own ways out: --help, --version, Ctrl-C, `newstrail sources`
        except click.ClickException as error:
            ctx.exit(report_usage(error))
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # `newstrail articles | head`: click exits quietly
            ctx.exit(report(error, debug=bool(ctx.params.get("debug"))))
        except Exception as error:
            ctx.exit(report(error, debug=bool(ctx.params.get("debug"))))


# Commands that only read: they refuse a SQLite file that does not exist rather
# than create an empty store and answer "nothing found" for a mistyped --db.
READ_COMMANDS = frozenset(
    {
        "articles",
        "show",
        "versions",
        "diff",
        "compare",
        "search",
        "export",
        "stories",
        "story",
        "sources list",
        "sources report",
        "alerts list",
        "alerts log",
        "follow list",
        "check-store",
        "quarantine list",
    }
)


def is_read_command(ctx: click.Context | None) -> bool:
    """Whether the running command (below the root) only reads the store."""
    if ctx is None:
        return False
    path = ctx.command_path.split(" ", 1)
    return len(path) == 2 and path[1] in READ_COMMANDS


class Context:
    """What every command gets: resolved settings and a lazily opened store."""

    def __init__(self, settings: Settings, config_path: Path | None = None) -> None:
        self.settings = settings
        self.config_path = config_path
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        """The store; a read command refuses one that does not exist (exit status 3)."""
        if self._store is None:
            from newstrail.store.database import Store

            create = not is_read_command(click.get_current_context(silent=True))
            self._store = Store(self.settings.db, create=create)
        return self._store


@click.group(
    cls=NewstrailGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=exit_status_help(),
)
@click.version_option(__version__, prog_name="newstrail")
@db_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config file. [env: NEWSTRAIL_CONFIG]",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar="NEWSTRAIL_DEBUG",
    help="Print the traceback of an error. [env: NEWSTRAIL_DEBUG]",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, config_path: Path | None, debug: bool) -> None:
    """Follow news stories across outlets and through time.

    Example: newstrail --db news.db import articles/ && newstrail --db news.db articles

    Errors are one line on stderr, "newstrail: <what went wrong>", and the
    exit status says what kind of error it was.
    """
    ctx.obj = Context(load_settings(config_path, db=db), config_file(config_path))
