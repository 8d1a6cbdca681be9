"""Bulk WARC import: resumable after kill -9, bounded memory, filters, damage, parallel."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.jobs.bulk import guess_language, import_warcs, progress_bar
from newstrail.jobs.warc import read_warc
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store

SETTINGS = Settings(workers=1)
SUBJECTS = ["council", "hospital", "railway", "harbour", "university", "museum", "court"]
ENGLISH = (
    "The {subject} in district {n} said on Monday that the plan for item {n} would go ahead. "
    "Officials told reporters that the work was expected to take {weeks} weeks and that "
    "residents had been consulted about the changes to the {subject} budget for phase {phase}."
)
FRENCH = (
    "Le {subject} du quartier {n} a annoncé lundi que le projet numéro {n} serait lancé. "
    "Les responsables ont indiqué que les travaux dureraient {weeks} semaines et que les "
    "habitants ont été consultés sur la question du budget de la phase {phase} dans la ville."
)


def page(
    n: int, edit: int = 0, *, french: bool = False, declare: bool = True, published: str = ""
) -> bytes:
    """An HTML article page; ``edit`` changes its text to make a new version."""
    template = FRENCH if french else ENGLISH
    paragraphs = "".join(
        "<p>"
        + template.format(
            subject=SUBJECTS[(n + k) % len(SUBJECTS)], n=n, weeks=k + 2 + edit, phase=k + 1
        )
        + "</p>"
        for k in range(4)
    )
    lang = (' lang="fr"' if french else ' lang="en"') if declare else ""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f"<html{lang}><head><title>Story {n}</title>{meta}</head><body><article>"
        f"<h1>Story {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


def write_warc(path: Path, records: list[tuple[str, bytes, str]], gzip: bool = True) -> None:
    """A WARC of response records (url, html, WARC-Date), one gzip member each."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzip)
        for url, html, warc_date in records:
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(html),
                length=len(html),  # a known length spares warcio an unclosed temp file
                http_headers=http,
                warc_headers_dict={"WARC-Date": warc_date},
            )
            writer.write_record(record)


def two_versions(count: int, host: str = "news.example.com") -> list[tuple[str, bytes, str]]:
    """``count`` articles captured twice, all first captures before all second ones."""
    first = [(f"https://{host}/a/{n}", page(n), "2024-03-01T10:00:00Z") for n in range(count)]
    second = [
        (f"https://{host}/a/{n}", page(n, edit=1), "2024-03-02T10:00:00Z") for n in range(count)
    ]
    return first + second


def version_rows(store: Store) -> list[tuple[str, int, str]]:
    """Every stored version as (url, number, text hash), sorted."""
    with store.read() as connection:
        rows = connection.execute(
            sa.select(
                schema.articles.c.url, schema.versions.c.number, schema.versions.c.text_sha256
            ).join(schema.articles, schema.articles.c.id == schema.versions.c.article_id)
        ).all()
    return sorted((row[0], row[1], row[2]) for row in rows)


def checkpoint(store: Store, path: Path) -> tuple[int, bool] | None:
    table = schema.import_checkpoints
    with store.read() as connection:
        row = connection.execute(
            sa.select(table.c.offset, table.c.done).where(table.c.path == str(path.resolve()))
        ).first()
    return None if row is None else (int(row.offset), bool(row.done))


KILLER = """
import os, signal, sys
from pathlib import Path
from newstrail.jobs.bulk import import_warcs
from newstrail.settings import Settings
from newstrail.store.database import Store

seen = []
def progress(name, done, total):
    seen.append(done)
    if len(seen) == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)

import_warcs(Store(sys.argv[1]), [Path(sys.argv[2])], Settings(workers=1),
             progress=progress, batch_size=50)
"""


def test_kill_9_mid_file_then_resume_stores_every_capture_exactly_once(tmp_path: Path) -> None:
    warc = tmp_path / "news.warc.gz"
    write_warc(warc, two_versions(120))  # 240 records
    db = tmp_path / "store.db"
    Store(db).close()
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(db), str(warc), "130"],
        capture_output=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    assert killed.returncode == -9, killed.stderr.decode()
    with Store(db) as store:
        saved = len(version_rows(store))
        mark = checkpoint(store, warc)
        # Batches of 50: two committed before the kill at record 130, the third lost.
        assert saved == 100
        assert mark is not None and mark[0] > 0 and not mark[1]
        resumed = import_warcs(store, [warc], SETTINGS, batch_size=50)
        assert resumed.files_resumed == 1
        assert resumed.records_read == 240 - saved  # nothing before the checkpoint re-read
        rows = version_rows(store)
        # Each record exactly once: a repeated first capture would add a flip-flop version.
        assert len(rows) == 240
        assert {number for _, number, _ in rows} == {1, 2}
        assert checkpoint(store, warc) == (warc.stat().st_size, True)

        again = import_warcs(store, [warc], SETTINGS)
        assert (again.files_finished_before, again.records_read) == (1, 0)

        # A file that changed since its checkpoint is read again from byte 0.
        write_warc(warc, two_versions(120)[:10])
        changed = import_warcs(store, [warc], SETTINGS)
        assert (changed.files_resumed, changed.records_read) == (0, 10)


def test_memory_holds_one_batch_whatever_the_file_size(tmp_path: Path) -> None:
    warc = tmp_path / "big.warc"
    write_warc(warc, two_versions(60), gzip=False)  # uncompressed WARC works the same
    with Store(tmp_path / "store.db") as store:
        seen: list[tuple[int, int]] = []
        report = import_warcs(
            store, [warc], SETTINGS, batch_size=16, progress=lambda _, *done: seen.append(done)
        )
        size = warc.stat().st_size
        assert len(seen) == 121 and seen[-1] == (size, size)  # per record, then the end
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        assert report.captures == report.records_read == 120
        assert report.most_held == 16  # never more than one batch of captures in memory
        assert report.bytes_read == warc.stat().st_size
        assert len(version_rows(store)) == 120
    # The reader is lazy: taking one entry reads one record, not the file.
    entries = read_warc(warc, SETTINGS)
    first = next(entries)
    assert 0 < first.end_offset < warc.stat().st_size // 50
    entries.close()


def test_language_and_date_filters(tmp_path: Path, store: Store) -> None:
    records = [
        ("https://a.example/en-declared", page(1), "2024-05-10T00:00:00Z"),
        ("https://a.example/en-guessed", page(2, declare=False), "2024-05-11T00:00:00Z"),
        ("https://a.example/fr-declared", page(3, french=True), "2024-05-10T00:00:00Z"),
        ("https://a.example/fr-guessed", page(4, french=True, declare=False), "2024-05-12T00:00Z"),
        ("https://a.example/en-old", page(5), "2023-01-01T00:00:00Z"),
        ("https://a.example/en-late", page(6), "2024-07-01T00:00:00Z"),
        # Archived late, published in range: the publication date decides.
        ("https://a.example/en-published", page(7, published="2024-05-20"), "2024-09-01T00:00Z"),
        ("https://a.example/en-stale", page(8, published="2022-02-02"), "2024-05-10T00:00Z"),
    ]
    warc = tmp_path / "mixed.warc.gz"
    write_warc(warc, records)
    report = import_warcs(
        store, [warc], SETTINGS, languages={"en"}, since=date(2024, 5, 1), until=date(2024, 6, 1)
    )
    assert [url for url, _, _ in version_rows(store)] == [
        "https://a.example/en-declared",
        "https://a.example/en-guessed",
        "https://a.example/en-published",
    ]
    assert (report.skipped_language, report.skipped_date, report.captures) == (2, 3, 3)


def test_import_filters_are_named_as_the_listing_filters(tmp_path: Path) -> None:
    # --language, --from, --to as `articles` has them; --lang, --since, --until still work.
    from click.testing import CliRunner

    from newstrail.cli.main import cli

    records = [
        ("https://a.example/en", page(1), "2024-05-10T00:00:00Z"),
        ("https://a.example/fr", page(2, french=True), "2024-05-10T00:00:00Z"),
        ("https://a.example/en-old", page(3), "2023-01-01T00:00:00Z"),
    ]
    warc = tmp_path / "mixed.warc.gz"
    write_warc(warc, records)
    runner = CliRunner()
    kept = []
    for name, options in {
        "new": ["--language", "en", "--from", "2024-05-01", "--to", "2024-06-01"],
        "former": ["--lang", "en", "--since", "2024-05-01", "--until", "2024-06-01"],
    }.items():
        db = tmp_path / f"{name}.db"
        result = runner.invoke(cli, ["--db", str(db), "-q", "import", str(warc), *options])
        assert result.exit_code == 0, result.output
        with Store(db) as store:
            kept.append([url for url, _, _ in version_rows(store)])
    assert kept == [["https://a.example/en"]] * 2
    shown = runner.invoke(cli, ["import", "-h"]).output
    assert "--language" in shown and "--lang " not in shown and "--since" not in shown


def test_guess_language_needs_enough_evidence() -> None:
    assert guess_language(page(7, declare=False).decode()) == "en"
    assert guess_language(page(7, french=True).decode()) == "fr"
    assert guess_language("Merkel Macron Biden") is None


def test_corrupt_gzip_member_is_one_error_line_and_keeps_what_came_before(tmp_path: Path) -> None:
    warc = tmp_path / "damaged.warc.gz"
    write_warc(warc, two_versions(15))  # 30 records
    ends = [entry.end_offset for entry in read_warc(warc, SETTINGS)]
    data = bytearray(warc.read_bytes())
    middle = (ends[11] + ends[12]) // 2  # inside record 13's gzip member
    data[middle : middle + 40] = b"\x00" * 40
    warc.write_bytes(bytes(data))
    with Store(tmp_path / "store.db") as store:
        report = import_warcs(store, [warc], SETTINGS, batch_size=5)
        assert len(report.failures) == 1
        assert "\n" not in report.failures[0]
        assert str(warc) in report.failures[0] and str(ends[11]) in report.failures[0]
        assert report.captures == 12
        assert len(version_rows(store)) == 12
        assert checkpoint(store, warc) == (ends[11], False)


def test_a_gzip_file_of_other_content_is_no_silent_empty_archive(tmp_path: Path) -> None:
    # warcio reads a gzip stream it cannot parse as an archive with no records.
    warc = tmp_path / "other.warc.gz"
    warc.write_bytes(b"\x1f\x8b\x08\x00garbage")
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    with Store(tmp_path / "store.db") as store:
        report = import_warcs(store, [warc, empty], SETTINGS, batch_size=5)
    assert report.failures == [f"{warc}: no WARC record in it (not a WARC file?)"]
    assert report.captures == 0


def test_parallel_over_three_files_matches_serial(tmp_path: Path) -> None:
    files = []
    for number in range(3):
        warc = tmp_path / f"part-{number}.warc.gz"
        # The same URLs in two files: parallel workers must not trip over each other.
        write_warc(warc, two_versions(20, host=f"site{number % 2}.example"))
        files.append(warc)
    with Store(tmp_path / "serial.db") as serial, Store(tmp_path / "parallel.db") as parallel:
        one = import_warcs(serial, files, SETTINGS, jobs=1)
        many = import_warcs(parallel, files, SETTINGS, jobs=3)
        assert one.failures == many.failures == []
        assert (one.files, one.records_read, one.captures) == (3, 120, 120)
        assert (many.files, many.records_read, many.captures) == (3, 120, 120)
        assert version_rows(serial) == version_rows(parallel)
        assert all(checkpoint(parallel, path) == (path.stat().st_size, True) for path in files)


def test_progress_bar_shows_bytes_of_each_file(tmp_path: Path) -> None:
    warc = tmp_path / "small.warc.gz"
    write_warc(warc, two_versions(3))
    screen = io.StringIO()
    console = Console(file=screen, width=100, force_terminal=False)
    with progress_bar(console) as progress, Store(":memory:") as store:
        # The same file named twice is imported once.
        report = import_warcs(store, [warc, tmp_path], SETTINGS, progress=progress)
    assert (report.files, report.captures) == (1, 6)
    shown = screen.getvalue()
    kilobytes = warc.stat().st_size / 1000
    assert "small.warc.gz" in shown
    assert f"{kilobytes:.1f}/{kilobytes:.1f} kB" in shown  # the whole file was read
