"""The ``newstrail`` command: the root group with every command attached, lazily.

Each command collects its options, calls one library function and prints the
result as a table for people or, with ``--json``, as JSON for programs. The
commands live in one module per area; this module only says where each one
is. A command's module is imported when that command runs (or when ``-h``
lists them all): ``newstrail articles`` then imports neither the web app nor
the watcher (click's "lazily loading subcommands" pattern).
"""

from __future__ import annotations

from newstrail.cli.app import cli
from newstrail.cli.logs import add_logging_options

__all__ = ["COMMANDS", "cli", "main"]

# Command name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "import": "newstrail.cli.imports:import_command",
    "extract": "newstrail.cli.imports:extract",
    "articles": "newstrail.cli.archive:articles",
    "show": "newstrail.cli.archive:show",
    "versions": "newstrail.cli.archive:versions",
    "diff": "newstrail.cli.archive:diff",
    "compare": "newstrail.cli.archive:compare",
    "search": "newstrail.cli.archive:search",
    "export": "newstrail.cli.archive:export",
    "reindex": "newstrail.cli.archive:reindex",
    "stories": "newstrail.cli.stories:stories",
    "story": "newstrail.cli.stories:story",
    "cluster": "newstrail.cli.stories:cluster",
    "quotes": "newstrail.cli.stories:quotes",
    "sources": "newstrail.cli.watching:sources",
    "watch": "newstrail.cli.watching:watch",
    "check": "newstrail.cli.watching:check",
    "follow": "newstrail.cli.follows:follow",
    "alerts": "newstrail.cli.alerts:alerts",
    "migrate": "newstrail.cli.operations:migrate",
    "serve": "newstrail.cli.web:serve",
    "token": "newstrail.cli.web:token",
    "demo": "newstrail.cli.demo:demo",
    "fixture-site": "newstrail.cli.demo:fixture_site",
    "check-store": "newstrail.cli.upkeep:check_store",
    "quarantine": "newstrail.cli.upkeep:quarantine",
}

add_logging_options(cli)  # -v, -q and --log-format on the root (commands get them on load)
for name, where in COMMANDS.items():
    cli.add_lazy_command(name, where)


def main() -> None:
    """Entry point of the ``newstrail`` script."""
    cli(prog_name="newstrail")


if __name__ == "__main__":
    main()
