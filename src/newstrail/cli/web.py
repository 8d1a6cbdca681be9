"""Commands for the web app: serve it, and mint API tokens for its write actions."""

from __future__ import annotations

import click

from newstrail.cli.app import Context
from newstrail.cli.output import console


@click.command()
@click.option("--host", help="Address to bind [default: 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: 8080].")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes (one per core serves the most requests).",
)
@click.pass_obj
def serve(obj: Context, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web UI and JSON API (every page also at .json).

    Example: newstrail --db news.db serve --port 8080 --workers 2
    """
    from newstrail.serve.web.app import serve as serve_app

    serve_app(obj.store, obj.settings.with_overrides(host=host, port=port), workers=workers)


@click.command()
@click.pass_obj
def token(obj: Context) -> None:
    """Create a new API token for the web app's write actions (shown once).

    Example: newstrail token
    """
    from newstrail.serve.web.security import create_token

    console.print(create_token(obj.store), highlight=False)
