"""``demo`` and ``fixture-site``: newstrail on bundled data and a local news site."""

from __future__ import annotations

from pathlib import Path

import click

from newstrail.cli.app import Context
from newstrail.cli.output import console


@click.command()
@click.option(
    "--db-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".newstrail/demo.db"),
    show_default=True,
    help="Where the demo store lives.",
)
@click.option(
    "--watch/--no-watch", default=True, show_default=True, help="Also watch the fixture site."
)
@click.option(
    "--serve/--no-serve", default=False, show_default=True, help="Then serve the web app."
)
@click.pass_obj
def demo(obj: Context, db_file: Path, watch: bool, serve: bool) -> None:
    """Run newstrail on the bundled sample corpus and the local fixture news site.

    Example: newstrail demo --serve
    """
    from newstrail.demo.walkthrough import run_demo

    served = run_demo(db_file, obj.settings, console, watch=watch)
    if serve:
        from newstrail.serve.web.app import serve as serve_app
        from newstrail.store.database import Store

        settings = obj.settings.with_overrides(db=str(served))
        console.print(
            f"Serving {served} at http://{settings.host}:{settings.port}/  (Ctrl-C stops)"
        )
        serve_app(Store(served), settings)


@click.command("fixture-site")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option(
    "--synthetic", type=click.IntRange(0), default=0, help="Also serve N generated articles."
)
@click.option("--step-interval", type=float, help="Advance the site's timeline every N seconds.")
def fixture_site(host: str, port: int, synthetic: int, step_interval: float | None) -> None:
    """Serve the fixture news site (sample outlets whose articles change over time).

    Example: newstrail fixture-site --port 8765 --step-interval 10
    """
    from newstrail.demo.fixture_site import serve_fixture_site

    serve_fixture_site(host, port, synthetic, step_interval)
