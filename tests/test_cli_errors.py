"""Every command that takes a URL or a path, given a bad one: one line on stderr, no traceback.

Bad URLs are unreachable (a loopback port nothing listens on, with
--allow-private), refused by the address guard, or malformed; bad paths are
missing, a directory, or run through a regular file (unreadable whatever the
user's rights: these tests run as root on CI, where chmod 000 reads fine). No
URL here leaves the machine: the guard below fails any test that looks up a
host name, so every refusal happens before DNS and every connection goes to
127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newstrail.cli.main import cli
from newstrail.store.database import Store


@pytest.fixture(scope="module")
def dead_port() -> int:
    """A loopback port nothing listens on (bound once to find it, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def no_name_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test if anything resolves a host name (only IP literals may be looked up)."""
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def literal_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            ipaddress.ip_address(str(host).split("%", 1)[0])
        except ValueError:
            # Not an IP literal. inet_aton's forms (0x7f000001) are numeric too:
            # resolve those without DNS, refuse anything else.
            try:
                socket.inet_aton(str(host))
            except OSError:
                looked_up.append(str(host))
                message = "name lookups are off in this test"
                raise socket.gaierror(socket.EAI_NONAME, message) from None
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", literal_only)
    yield looked_up
    assert looked_up == [], f"looked up host names: {looked_up}"


@pytest.fixture
def where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory: a file, a directory, bad inputs; commands use ./store.db."""
    (tmp_path / "a-file.txt").write_text("Floods close the valley road\n\nThe road is shut.\n")
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "nothing-importable").mkdir()
    (tmp_path / "nothing-importable" / "empty.html").write_text("")
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "title": "T", "text": "x"}\n{"id": \n')
    (tmp_path / "bad.toml").write_text("workers = [[[\n")
    (tmp_path / "not-a-db.db").write_bytes(b"this is not a sqlite database" * 100)
    Store(tmp_path / "store.db").close()  # read commands refuse a store that does not exist
    monkeypatch.chdir(tmp_path)
    for name in ("NEWSTRAIL_DB", "NEWSTRAIL_DATABASE_URL", "NEWSTRAIL_CONFIG", "NEWSTRAIL_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    """Run ``newstrail --db store.db ARGS`` in-process (a later --db wins)."""
    result = CliRunner().invoke(cli, ["--db", "store.db", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def assert_one_line(code: int, err: str, expected: int) -> None:
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.strip(), f"stderr was {err!r}"
    assert code == expected, f"exit status {code}, not {expected}: {err}"


REFUSED = ["http://127.0.0.1/feed.xml", "http://0x7f000001/", "http://0.0.0.0/"]
MALFORMED = ["http://0177.0.0.1/", "http://exa mple.com", "ftp://x", "not a url"]
BAD_URLS = [*REFUSED, *MALFORMED, "unreachable"]


def url_for(url: str, dead_port: int) -> tuple[str, ...]:
    """The URL (and flag) to pass: "unreachable" is a dead loopback port, allowed."""
    if url == "unreachable":
        return (f"http://127.0.0.1:{dead_port}/feed.xml", "--allow-private")
    return (url,)


@pytest.mark.parametrize("url", BAD_URLS)
def test_sources_add_a_bad_url(where: Path, dead_port: int, url: str) -> None:
    code, out, err = run("sources", "add", *url_for(url, dead_port))
    assert_one_line(code, err, 5)
    assert err.startswith("newstrail: ") and out == ""


@pytest.mark.parametrize("url", BAD_URLS)
def test_check_a_bad_url(where: Path, dead_port: int, url: str) -> None:
    code, _, err = run("check", *url_for(url, dead_port))
    assert_one_line(code, err, 1)  # a batch: every URL failed


@pytest.mark.parametrize("url", BAD_URLS)
def test_watch_once_with_a_bad_source(where: Path, dead_port: int, url: str) -> None:
    address, *flags = url_for(url, dead_port)
    (where / "sources.toml").write_text(f'[[sources]]\nurl = "{address}"\n')
    code, _, err = run("--config", "sources.toml", "watch", "--once", *flags)
    assert_one_line(code, err, 1)  # the pass's summary line, naming the first error
    assert err.startswith("newstrail: pass: 1 feed polled (1 failed)")
    assert f"first error: {address}" in err


PATH_CASES = [
    # (arguments, exit status): missing, directory, through a file, malformed content
    (["import", "missing.html"], 1),
    (["import", "a-file.txt/inner.html"], 1),
    (["import", "nothing-importable"], 1),
    (["import", "a-dir"], 1),  # an empty folder: "nothing to import", not "0 files"
    (["extract", "missing.html"], 1),
    (["extract", "a-dir"], 1),
    (["extract", "a-file.txt/inner.html"], 1),
    (["quotes", "missing.txt"], 1),
    (["quotes", "a-dir"], 1),
    (["quotes", "a-file.txt/inner.txt"], 1),
    (["compare", "missing.html", "a-file.txt"], 3),
    (["compare", "a-file.txt", "a-dir"], 2),
    (["compare", "a-file.txt/inner.html", "a-file.txt"], 3),
    (["compare", "a-file.txt", "999999"], 3),
    (["cluster", "--input", "missing.jsonl", "--output", "out.jsonl"], 2),
    (["cluster", "--input", "a-dir", "--output", "out.jsonl"], 2),
    (["cluster", "--input", "bad.jsonl", "--output", "out.jsonl"], 2),
    (["cluster", "--input", "bad.jsonl", "--output", "a-dir"], 2),
    (["cluster", "--input", "bad.jsonl", "--output", "no-dir/out.jsonl"], 1),
    (["export", "articles", "-o", "a-dir"], 2),
    (["export", "articles", "-o", "no-dir/articles.jsonl"], 1),
    (["export", "warc", "--article", "1", "-o", "no-dir/captures.warc.gz"], 3),
    # A read command given a store that does not exist: "no store at …" (and no file made).
    (["--db", "no-dir/news.db", "articles"], 3),
    (["--db", "a-file.txt/news.db", "articles"], 3),
    (["--db", "no-dir/news.db", "import", "a-file.txt"], 4),
    (["--db", "a-file.txt/news.db", "import", "a-file.txt"], 4),
    (["--db", "not-a-db.db", "articles"], 4),
    (["--config", "missing.toml", "articles"], 2),
    (["--config", "bad.toml", "articles"], 2),
    (["--config", "a-dir", "articles"], 2),
    (["show", "999999"], 3),
    (["show", "https://nowhere.test/none"], 3),
    (["diff", "999999"], 3),
    (["versions", "999999"], 3),
    (["story", "999999"], 3),
    (["sources", "remove", "999999"], 3),
    (["follow", "remove", "999999"], 3),
]


@pytest.mark.parametrize(("args", "status"), PATH_CASES, ids=[" ".join(a) for a, _ in PATH_CASES])
def test_a_bad_path_or_id(where: Path, args: list[str], status: int) -> None:
    code, _, err = run(*args)
    assert_one_line(code, err, status)


def test_a_failed_export_leaves_no_file(where: Path) -> None:
    code, _, err = run("export", "warc", "--article", "999999", "-o", "captures.warc.gz")
    assert_one_line(code, err, 3)
    code, _, err = run("export", "nonsense", "-o", "records.jsonl")
    assert_one_line(code, err, 2)
    assert not (where / "captures.warc.gz").exists() and not (where / "records.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["sources", "add", "http://127.0.0.1:9/feed.xml"], 5),  # refused: no --allow-private
        (["--config", "missing.toml", "articles"], 2),
    ],
)
def test_the_installed_command_fails_in_one_line_too(
    where: Path, args: list[str], status: int
) -> None:
    """As a user runs it: a real process, its real stderr (`python -m newstrail`)."""
    command = [sys.executable, "-m", "newstrail", "--db", "store.db", *args]
    done = subprocess.run(command, cwd=where, capture_output=True, text=True, timeout=120)
    assert_one_line(done.returncode, done.stderr, status)
    assert done.stderr.startswith("newstrail: ")


@pytest.fixture(scope="module")
def site() -> Iterator[Any]:
    from servers import running_site

    with running_site() as running:
        yield running


@pytest.mark.parametrize("command", ["check", "sources add"])
def test_a_refusal_by_the_server_is_one_line_that_says_what_happened(
    where: Path, site: Any, command: str
) -> None:
    """429 with a Retry-After of 31 years, 503 for ever: one line each, and no long wait."""
    (where / "fast.toml").write_text("retries = 2\nper_host_delay = 0.0\n")
    status = 1 if command == "check" else 5
    cases = {
        f"{site.base_url}/_hostile/retry-after?n=99&after=999999999&key={command}": (
            "HTTP 429, the server asks to wait 11574 days (more than the 30 s newstrail "
            "waits); not retried"
        ),
        f"{site.base_url}/_hostile/status?n=503": "HTTP 503 after 3 attempts",
    }
    for url, expected in cases.items():
        code, _, err = run("--config", "fast.toml", *command.split(), url, "--allow-private")
        assert_one_line(code, err, status)
        assert expected in err, err


def test_an_unreachable_robots_txt_is_reported_as_unreachable(where: Path, dead_port: int) -> None:
    url = f"http://127.0.0.1:{dead_port}/news/story.html"
    code, _, err = run("check", url, "--allow-private")
    assert_one_line(code, err, 1)
    assert "robots.txt unreachable" in err and "disallowed" not in err, err
