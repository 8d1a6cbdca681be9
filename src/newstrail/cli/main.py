"""The ``newstrail`` command: the root group with every command group attached.

Each command collects its options, calls one library function and prints the
result as a table for people or, with ``--json``, as JSON for programs. The
commands live in one module per area; this module only assembles them.
"""

from __future__ import annotations

from newstrail.cli import (
    alerts,
    archive,
    demo,
    follows,
    imports,
    operations,
    stories,
    upkeep,
    watching,
    web,
)
from newstrail.cli.app import cli
from newstrail.cli.logs import add_logging_options

__all__ = ["cli", "main"]

for command in (
    imports.import_command,
    imports.extract,
    archive.articles,
    archive.show,
    archive.versions,
    archive.diff,
    archive.compare,
    archive.search,
    archive.export,
    archive.reindex,
    stories.stories,
    stories.story,
    stories.cluster,
    stories.quotes,
    watching.sources,
    watching.watch,
    watching.check,
    follows.follow,
    alerts.alerts,
    operations.migrate,
    web.serve,
    web.token,
    demo.demo,
    demo.fixture_site,
    upkeep.check_store,
    upkeep.quarantine,
):
    cli.add_command(command)
add_logging_options(cli)  # -v, -q and --log-format on the root and on every command


def main() -> None:
    """Entry point of the ``newstrail`` script."""
    cli(prog_name="newstrail")


if __name__ == "__main__":
    main()
