"""The command line behaves as a conventional one: fast start, -h, python -m, safe messages.

Start-up speed itself is measured in ``bench/startup.py``; here the tests check
the behaviour that makes it fast (which modules a command imports) and the
conventions a user expects: ``-h``, ``python -m newstrail``, a read command
refusing a store that does not exist, no password or token in any message, a
busy port failing before an API token is spent, "1 article" not "1 articles".
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newstrail.cli.logs import JsonFormatter, TextFormatter
from newstrail.cli.main import cli
from newstrail.errors import redact
from newstrail.text.counts import counted, plural

HEAVY = ("sqlalchemy", "alembic", "fastapi", "trafilatura", "lxml", "PIL", "spacy", "uvicorn")
# What `articles` needs is the store (sqlalchemy); nothing of extraction, migration or the web.
NOT_FOR_READING = ("alembic", "fastapi", "trafilatura", "spacy", "uvicorn", "PIL", "mako")


def imported_after(args: list[str], env_db: Path | None = None) -> tuple[set[str], str]:
    """Run ``newstrail ARGS`` in a fresh interpreter; the top-level modules it imported."""
    program = (
        "import sys, json\n"
        "from newstrail.cli.main import cli\n"
        "try:\n"
        f"    cli({args!r}, prog_name='newstrail')\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    last = done.stderr.strip().splitlines()[-1]
    return set(json.loads(last)), done.stdout


@pytest.mark.parametrize("args", [["--version"], ["-h"], ["articles", "-h"]])
def test_version_and_help_import_no_heavy_library(args: list[str]) -> None:
    modules, stdout = imported_after(args)
    assert stdout.strip(), "the command printed nothing"
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_listing_articles_imports_the_store_but_not_extraction_or_the_web(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "migrate"]).exit_code == 0
    modules, _ = imported_after(["--db", str(db), "articles"])
    assert "sqlalchemy" in modules  # it did read the store
    assert not modules & set(NOT_FOR_READING), sorted(modules & set(NOT_FOR_READING))


def test_python_dash_m_and_dash_h() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newstrail", "-h"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: newstrail" in done.stdout and "articles" in done.stdout
    version = subprocess.run(
        [sys.executable, "-m", "newstrail", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and version.stdout.startswith("newstrail, version ")


@pytest.mark.parametrize(
    "command",
    [["articles"], ["search", "lane"], ["stories"], ["show", "1"], ["sources", "list"]],
)
def test_read_commands_refuse_a_store_that_does_not_exist(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "nesw.db"
    result = CliRunner().invoke(cli, ["--db", str(typo), *command])
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"newstrail: no store at {typo}"), lines
    assert not typo.exists(), "a read command created an empty store"


def test_write_commands_still_create_a_new_store(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "migrate"])
    assert result.exit_code == 0, result.output
    assert db.is_file()
    assert CliRunner().invoke(cli, ["--db", str(db), "articles"]).exit_code == 0


def test_a_failing_postgresql_url_never_prints_its_password() -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://reporter:hunter2-s3cret@127.0.0.1:{port}/news"
    result = CliRunner().invoke(cli, ["--db", url, "articles"])
    assert result.exit_code == 4, result.output
    assert "hunter2" not in result.output + result.stderr
    assert "reporter:***@127.0.0.1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("cannot open postgresql+psycopg://u:pa55word@db:5432/x: refused", "pa55word"),
        ("webhook https://hooks.example/send?token=abc123XYZ&x=1 failed", "abc123XYZ"),
        ("dsn host=db password=topsecret user=u", "topsecret"),
        ("sent Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi"),
    ],
)
def test_redact_hides_passwords_and_tokens(message: str, secret: str) -> None:
    cleaned = redact(message)
    assert secret not in cleaned and "***" in cleaned
    assert redact("no secret in 12 articles, token created") == (
        "no secret in 12 articles, token created"
    )


def test_log_lines_are_redacted_in_text_and_json() -> None:
    record = logging.LogRecord(
        "newstrail.jobs",
        logging.WARNING,
        __file__,
        1,
        "store %s down",
        ("postgresql://u:pw9@h/db",),
        None,
    )
    assert "pw9" not in TextFormatter().format(record)
    assert "pw9" not in JsonFormatter().format(record)
    assert "u:***@h" in TextFormatter().format(record)


def test_serve_on_a_busy_port_fails_in_one_line_and_spends_no_token(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "migrate"]).exit_code == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "newstrail", "--db", str(db), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], lines
    assert "API token" not in done.stdout
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM api_tokens").fetchone() == (0,)


def test_counts_agree_with_their_nouns() -> None:
    assert counted(1, "article") == "1 article"
    assert counted(0, "article") == "0 articles"
    assert counted(2, "story") == "2 stories"
    assert counted(1, "new version") == "1 new version"
    assert counted(3, "new version") == "3 new versions"
    assert plural("entry", 5) == "entries"


def test_import_summary_says_one_article(tmp_path: Path) -> None:
    page = tmp_path / "one.html"
    page.write_text(
        "<html><head><title>Lanes closed on the bridge</title></head><body><article>"
        "<h1>Lanes closed on the bridge</h1>"
        + "<p>The city closed two lanes of the bridge on Monday for repairs to the deck.</p>" * 6
        + "</article></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "n.db"), "import", str(page)])
    assert result.exit_code == 0, result.output
    assert "1 file: 1 new article, 0 new versions" in " ".join(result.output.split())
