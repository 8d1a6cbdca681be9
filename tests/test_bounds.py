"""Hostile inputs: each is refused in one line, in bounded time and memory, and the rest goes on.

The batch test runs ``newstrail import`` as a user would, in a child process
under a wall-clock limit and an address-space cap: before these bounds a FIFO
hung the import for ever, ``/dev/zero`` and a gzip bomb ate gigabytes, and a
truncated ``.jsonl.gz`` or a wrongly typed JSON Lines field was a traceback
that stopped the good files beside it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.errors import ImportFailure
from newstrail.jobs.importer import import_paths
from newstrail.jobs.inputs import LimitedGzipLines, open_regular, read_limited
from newstrail.settings import Settings
from newstrail.store.database import Store

GOOD_PAGE = (
    "<html><head><title>Floods close the valley road</title></head><body><article>"
    "<h1>Floods close the valley road</h1>"
    + "<p>The valley road was closed on Tuesday after heavy rain flooded it, the council said."
    " Residents were moved to the school hall overnight.</p>" * 4 + "</article></body></html>"
)
MEMORY_CAP = 3 * 1024**3


def _gzip_bomb(path: Path, megabytes: int, prefix: bytes = b"") -> None:
    """A gzip file of ``prefix`` then ``megabytes`` MB of zeros (about 1,000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = b"\0" * (1 << 20)
    with path.open("wb") as out:
        out.write(compressor.compress(prefix))
        for _ in range(megabytes):
            out.write(compressor.compress(chunk))
        out.write(compressor.flush())


def _warc_bomb(path: Path, megabytes: int) -> None:
    """A .warc.gz with one good record, then one whose member inflates to ``megabytes`` MB."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        "https://example.org/good",
        "response",
        payload=io.BytesIO(GOOD_PAGE.encode()),
        http_headers=headers,
    )
    writer.write_record(record)
    record.raw_stream.close()  # warcio spools the payload to a temp file
    path.write_bytes(buffer.getvalue())
    header = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/bomb\r\n"
        b"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        + f"Content-Length: {megabytes * (1 << 20) + 45}\r\n\r\n".encode()
        + b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    )
    bomb = path.with_suffix(".part")
    _gzip_bomb(bomb, megabytes, header)
    with path.open("ab") as out:
        out.write(bomb.read_bytes())
    bomb.unlink()


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def test_a_batch_of_hostile_files_is_refused_line_by_line_and_the_good_file_imported(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-good.html").write_text(GOOD_PAGE, encoding="utf-8")
    os.mkfifo(folder / "b-pipe.html")
    (folder / "c-zero.html").symlink_to("/dev/zero")
    _gzip_bomb(folder / "d-bomb.html.gz", 200)  # the limit is max_page_bytes, 20 MB
    _warc_bomb(folder / "e-bomb.warc.gz", 300)  # the record limit is 100 MB
    good_lines = "".join(
        json.dumps({"url": f"https://example.org/{i}", "title": "T", "text": GOOD_PAGE[200:]})
        + "\n"
        for i in range(40)
    ).encode()
    compressed = gzip.compress(good_lines)
    (folder / "f-cut.jsonl.gz").write_bytes(compressed[: len(compressed) // 2])
    (folder / "g-types.jsonl").write_text(
        '{"url": "https://example.org/x", "html": 42}\n'
        '{"url": "https://example.org/y", "title": ["a"], "text": "Some words here."}\n'
        '{"url": "https://example.org/z", "source": {"a": 1}, "text": "Some words here."}\n',
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if k != "NEWSTRAIL_DEBUG"}
    database = str(tmp_path / "s.db")
    completed = subprocess.run(
        [sys.executable, "-m", "newstrail", "--db", database, "import", "--json", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_cap_memory,
        env=environment,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode == 0, completed.stderr
    lines = completed.stderr.strip().splitlines()
    named = {
        name: [line for line in lines if name in line]
        for name in (
            "b-pipe.html",
            "c-zero.html",
            "d-bomb.html.gz",
            "e-bomb.warc.gz",
            "f-cut.jsonl.gz",
            "g-types.jsonl",
        )
    }
    assert all(len(found) == 1 for found in named.values()), lines
    assert "named pipe" in named["b-pipe.html"][0]
    assert "character device" in named["c-zero.html"][0]
    assert "too large" in named["d-bomb.html.gz"][0]
    assert "limit" in named["e-bomb.warc.gz"][0]
    assert "truncated" in named["f-cut.jsonl.gz"][0]
    assert "line 1: field 'html'" in named["g-types.jsonl"][0]
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    # The good page, the WARC's good record and the lines before the cut.
    assert summary["files"]["new_articles"] >= 2 and summary["warcs"]["captures"] == 1


def test_jsonl_fields_of_the_wrong_type_name_file_line_and_field(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "typed.jsonl"
    path.write_text(
        '{"url": "https://example.org/a", "title": "Fine", "text": "The road is shut today."}\n'
        '{"url": "https://example.org/b", "html": 42}\n'
        '{"url": "https://example.org/c", "title": ["a", "list"], "text": "Words."}\n'
        '{"url": "https://example.org/d", "source": {"a": 1}, "text": "Words."}\n'
        "[1, 2]\n"
        '{"url": "https://example.org/e", "title": "' + "t" * 3000 + '", "text": "Words."}\n',
        encoding="utf-8",
    )
    report = import_paths(store, [path], Settings())
    assert report.captures == 1
    (failure,) = report.failures
    assert failure.startswith(f"{path}: line 2: field 'html': Input should be a valid string")
    assert "(+4 more bad lines); 1 lines imported" in failure


def test_over_long_jsonl_line_is_skipped_without_being_held(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"text": "' + b"x" * 5000 + b'"}\n{"text": "short"}\n')
    lines = list(LimitedGzipLines(path, line_limit=1000, total_limit=10_000))
    assert lines == [(1, None), (2, b'{"text": "short"}\n')]
    with pytest.raises(ImportFailure, match="too large"):
        list(LimitedGzipLines(path, line_limit=1000, total_limit=2000))


def test_read_limited_refuses_bombs_and_non_files(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.gz"
    _gzip_bomb(bomb, 50)
    with pytest.raises(ImportFailure, match="too large once decompressed"):
        read_limited(bomb, 1_000_000)
    cut = tmp_path / "cut.html.gz"
    cut.write_bytes(gzip.compress(GOOD_PAGE.encode() * 50)[:200])
    with pytest.raises(ImportFailure, match="corrupt gzip"):
        read_limited(cut, 1_000_000)
    pipe = tmp_path / "pipe.html"
    os.mkfifo(pipe)
    with pytest.raises(ImportFailure, match="named pipe"):
        open_regular(pipe)
    link = tmp_path / "zero.html"
    link.symlink_to("/dev/zero")
    with pytest.raises(ImportFailure, match="character device"):
        read_limited(link, 1000)


def test_extract_refuses_pipes_and_devices_in_one_line_and_extracts_the_good_page(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.html"
    good.write_text(GOOD_PAGE, encoding="utf-8")
    pipe = tmp_path / "pipe.html"
    os.mkfifo(pipe)  # before: the read blocked for ever
    zero = tmp_path / "zero.html"
    zero.symlink_to("/dev/zero")  # before: an endless read
    completed = subprocess.run(
        [sys.executable, "-m", "newstrail", "extract", "--json", str(pipe), str(zero), str(good)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_cap_memory,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    refusals = [line for line in completed.stderr.splitlines() if "not a regular file" in line]
    assert len(refusals) == 2
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    extracted = [r for r in records if "error" not in r]
    assert [r["title"] for r in extracted] == ["Floods close the valley road"]


# -- bounded work per item: caps, budgets, quarantine ----------------------------


def _story_text(characters: int, topic: str) -> str:
    """Quote-rich prose about ``topic``, no paragraph repeated."""
    paragraphs, i = [], 0
    while sum(len(p) + 1 for p in paragraphs) < characters:
        paragraphs.append(
            f'"We will reopen {topic} by day {i}," said Ana Silva {i}, the mayor. '
            f"The council met on day {i + 1} and {i * 7} residents were moved from {topic}."
        )
        i += 1
    return "\n".join(paragraphs)[:characters]


def test_an_over_long_article_is_truncated_and_noted(store: Store, tmp_path: Path) -> None:
    from newstrail.jobs.quarantine import list_quarantine

    path = tmp_path / "long.jsonl"
    text = _story_text(60_000, "the valley road")
    path.write_text(json.dumps({"url": "https://example.org/long", "text": text}) + "\n")
    report = import_paths(store, [path], Settings(max_text_chars=20_000))
    assert report.captures == 1 and not report.failures
    with store.read() as connection:
        stored = connection.exec_driver_sql("SELECT text FROM versions").scalar_one()
    assert 15_000 < len(stored) <= 20_000 and stored.split()[:200] == text.split()[:200]
    (noted,) = list_quarantine(store, None)
    assert (noted.state, noted.stage, noted.article_id) == ("truncated", "record", 1)
    assert "60,000 characters" in noted.reason and "limits 20,000 characters" in noted.reason
    assert list_quarantine(store) == []  # truncated is not quarantined


def test_analysis_past_its_budget_quarantines_the_longest_article_only(tmp_path: Path) -> None:
    """The analysis runs in a child killed at its budget; the story is analysed without it."""
    import sqlalchemy as sa

    from newstrail.jobs.leases import claim_due
    from newstrail.jobs.quarantine import analyse_within_budget, list_quarantine
    from newstrail.store import schema
    from newstrail.store.database import utcnow
    from newstrail.stories.placement import place_articles

    store = Store(tmp_path / "s.db")
    path = tmp_path / "two.jsonl"
    records = [
        {"url": "https://example.org/long", "text": _story_text(45_000, "the valley road")},
        {"url": "https://example.org/short", "text": _story_text(600, "the valley road")},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = import_paths(store, [path], Settings())
    placements = place_articles(store, report.article_ids)
    stories = sorted({p.story_id for p in placements})
    with store.write() as connection:  # both due now: the watcher would claim them
        connection.execute(schema.articles.update().values(next_check_at=utcnow()))
    problems = analyse_within_budget(store, stories, seconds=2)
    assert problems[0].endswith("analysis over its 2 s budget")
    quarantined = list_quarantine(store)
    assert [(q.kind, q.article_id, q.stage) for q in quarantined] == [("article", 1, "analysis")]
    assert "its longest article (45," in quarantined[0].reason
    claimed = claim_due(store, "w", utcnow(), limit=10)
    assert [c.article_id for c in claimed] == [2]  # the quarantined one is not checked
    if len(stories) == 1:  # analysed again without it, within the budget
        with store.read() as connection:
            analysed = connection.execute(sa.select(schema.story_analyses.c.story_id)).all()
        assert analysed
    store.close()


def test_a_long_newssniffer_line_and_a_tag_with_many_attributes_are_bounded() -> None:
    from newstrail.extract.newssniffer import split_side_by_side
    from newstrail.jobs.limits import bound_html, extract_html_bounded

    half = " ".join(f"word{i % 997}" for i in range(12_000))
    old, new = split_side_by_side(f"{half} {half}")  # 400 s before: O(n²) scoring
    assert old and new and len(old) + len(new) >= 2 * len(half)
    attributes = " ".join(f'data-a{i}="{i}"' for i in range(200_000))
    page = (
        f"<html><head><title>Many</title></head><body {attributes}><article>"
        + "<p>The valley road was closed on Tuesday after the rain.</p>" * 5
        + "</article></body></html>"
    )
    bounded = bound_html(page)
    assert bounded.reason and "1 tag(s)" in bounded.reason and "<body><article>" in bounded.value
    assert "valley road" in extract_html_bounded(page, None).text
    assert bound_html(GOOD_PAGE).value == GOOD_PAGE


def test_check_store_names_each_problem_and_fails(tmp_path: Path) -> None:
    from datetime import timedelta

    from click.testing import CliRunner

    from newstrail.cli.main import cli
    from newstrail.store import schema
    from newstrail.store.database import utcnow

    db = tmp_path / "s.db"
    store = Store(db)
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"url": "https://example.org/a", "text": "The road is shut."}) + "\n"
    )
    import_paths(store, [path], Settings())
    runner = CliRunner()
    clean = runner.invoke(cli, ["--db", str(db), "check-store"])
    # One imported article, not yet placed into a story: that is the only problem.
    assert clean.exit_code == 1 and "stories: 1 article in no story: 1" in clean.stdout
    with store.write() as connection:
        version = dict(
            connection.execute(schema.versions.select()).mappings().one(), id=None, number=2
        )
        connection.execute(schema.versions.insert().values(**version))
        connection.execute(
            schema.articles.update().values(
                lease_owner="ghost", lease_expires_at=utcnow() + timedelta(days=30)
            )
        )
    result = runner.invoke(cli, ["--db", str(db), "check-store"])
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 1
    assert any(line.startswith("versions: 1 article with two consecutive equal") for line in lines)
    assert any(line.startswith("versions: version_count wrong on 1 article") for line in lines)
    assert any(line.startswith("leases: 1 article leased more than a day ahead") for line in lines)
    store.close()


def test_a_truncated_page_checked_again_unchanged_is_not_a_new_version(tmp_path: Path) -> None:
    """Found by the soak: the second check of the cut poison article was stored as a
    flip-flop, because the article row (made at discovery) had no extractor pinned, so
    the stored bytes were re-extracted, uncut, and compared with the cut capture."""
    import asyncio
    from datetime import timedelta

    import sqlalchemy as sa

    from newstrail.jobs.sources import save_source
    from newstrail.jobs.watch import Watcher
    from newstrail.store import schema
    from newstrail.store.database import utcnow
    from servers import running_site

    store = Store(tmp_path / "s.db")
    settings = Settings(allow_private=True, per_host_delay=0.0, max_text_chars=5_000, workers=1)
    later = utcnow()
    with running_site() as site:
        url = f"{site.base_url}/_hostile/poison-article?chars=30000&attributes=1000"
        save_source(store, url, "article")
        for _ in range(2):
            watcher = Watcher(store, settings, clock=lambda at=later: at, analyse=False)
            try:
                asyncio.run(watcher.run_once())
            finally:
                watcher.close()
            later += timedelta(days=2)
            with store.write() as connection:  # due again, and the feed too
                connection.execute(schema.articles.update().values(next_check_at=later))
                connection.execute(schema.feeds.update().values(next_check_at=later))
    with store.read() as connection:
        kinds = connection.execute(sa.select(schema.versions.c.kind)).scalars().all()
        checks = (
            connection.execute(
                sa.select(schema.checks.c.outcome).where(schema.checks.c.article_id.is_not(None))
            )
            .scalars()
            .all()
        )
    assert kinds == ["new"] and sorted(checks) == ["new", "unchanged"]
    store.close()


def test_quarantine_list_shows_items_and_reasons(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from newstrail.cli.main import cli
    from newstrail.jobs.quarantine import record_failure

    db = tmp_path / "s.db"
    store = Store(db)
    path = tmp_path / "long.jsonl"
    text = _story_text(30_000, "the port")
    path.write_text(json.dumps({"url": "https://example.org/long", "text": text}) + "\n")
    import_paths(store, [path], Settings(max_text_chars=10_000))
    assert record_failure(store, "article", 1, "extract", "boom once", 1) == "failing"
    assert record_failure(store, "article", 1, "extract", "boom twice", 1) == "quarantined"
    store.close()
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(db), "quarantine", "list"])
    assert listed.exit_code == 0
    assert listed.stdout.strip() == "quarantined article 1 [extract]: boom twice"
    every = runner.invoke(cli, ["--db", str(db), "quarantine", "list", "--all", "--json"])
    states = sorted(json.loads(line)["state"] for line in every.stdout.splitlines())
    assert states == ["quarantined", "truncated"]
