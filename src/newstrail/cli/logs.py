"""Logging, configured once for every command: ``-v``/``-q`` and ``--log-format``.

Library modules log through ``logging.getLogger(__name__)`` and never print;
this module decides where records go. Text (the default) is for people: an
INFO line is ``HH:MM:SS message`` and a warning or error reads like the CLI's
error lines, ``newstrail: message``. JSON is for log collectors (journald,
Loki, CloudWatch): one object per line with ``ts``, ``level``, ``logger``,
``message`` and the record's structured fields (``extra=`` values), so a
watcher's pass summary can be graphed without parsing prose.

The options are accepted on the root group and on every command alike
(``newstrail -v watch`` and ``newstrail watch -v``): ``main`` adds them to each
command. ``-v`` shows DEBUG records (each failed check, each delivery);
``-q`` hides INFO (a cron job then prints only what went wrong); ``-qq``
hides warnings too.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import click

from newstrail.errors import redact

LOG_FORMATS = ("text", "json")
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}


def structured_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra=`` values a record carries."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message and structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update(structured_fields(record))
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """``HH:MM:SS message`` for information, ``newstrail: message`` for problems."""

    def format(self, record: logging.LogRecord) -> str:
        message = redact(" ".join(record.getMessage().split()))  # one record, one line
        if record.levelno >= logging.WARNING:
            return f"newstrail: {message}"
        return f"{datetime.fromtimestamp(record.created):%H:%M:%S} {message}"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time, so a live status line
    (rich redirects stderr while it draws) stays below the log lines."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignored: the stream is always the current stderr."""


def log_level(verbose: int, quiet: int) -> int:
    """The level shown for ``-v`` and ``-q`` counts (INFO by default)."""
    steps = [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR]
    return steps[max(0, min(len(steps) - 1, 1 - verbose + quiet))]


def configure_logging(verbose: int = 0, quiet: int = 0, log_format: str = "text") -> None:
    """Send newstrail's log records to stderr at the chosen level and format."""
    logger = logging.getLogger("newstrail")
    for handler in list(logger.handlers):
        if isinstance(handler, StderrHandler):
            logger.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(log_level(verbose, quiet))
    logger.propagate = False  # the root logger's handlers (pytest's, a host app's) are not ours


class LogSettings:
    """The logging options seen so far on this command line (root, then command)."""

    def __init__(self) -> None:
        self.verbose = 0
        self.quiet = 0
        self.format = "text"


def _apply(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Record one logging option and reconfigure (root options, then the command's)."""
    root = ctx.find_root()
    seen: LogSettings = root.meta.setdefault("newstrail.logging", LogSettings())
    if param.name == "verbose":
        seen.verbose += int(value or 0)
    elif param.name == "quiet":
        seen.quiet += int(value or 0)
    elif value is not None:
        seen.format = str(value)
    configure_logging(seen.verbose, seen.quiet, seen.format)
    return value


def logging_options() -> list[click.Option]:
    """Fresh ``-v``, ``-q`` and ``--log-format`` options (one set per command)."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_apply,
            help="Say more: each failed check and delivery (DEBUG).",
        ),
        click.Option(
            ["-q", "--quiet"],
            count=True,
            expose_value=False,
            callback=_apply,
            help="Say less: only problems (-qq: only errors).",
        ),
        click.Option(
            ["--log-format"],
            type=click.Choice(LOG_FORMATS),
            default=None,
            envvar="NEWSTRAIL_LOG_FORMAT",
            expose_value=False,
            callback=_apply,
            help="Log lines as text or one JSON object per line. [env: NEWSTRAIL_LOG_FORMAT]",
        ),
    ]


def add_logging_options(command: click.Command) -> None:
    """Give ``command`` (and every subcommand of a group) the logging options."""
    command.params.extend(logging_options())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_logging_options(sub)
