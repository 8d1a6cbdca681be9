"""Import of every format, idempotence, bad inputs and crash safety."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.jobs.importer import import_paths
from newstrail.jobs.pipeline import bundled_corpus
from newstrail.serve.archive import get_article, list_articles
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Harbour bridge reopens after repairs | Example Times</title>
<meta property="og:site_name" content="Example Times">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-05T10:00:00Z">
<link rel="canonical" href="https://www.example-times.com/news/harbour-bridge">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Tuesday after eight months of repairs that cost
the city 42 million euros, officials said.</p>
<p>Engineers replaced the main cables and resurfaced the deck, according to the
city's transport department.</p>
<p>"We are proud to give the bridge back to the people," the mayor told reporters
at the opening ceremony.</p>
</article><footer>© Example Times. All rights reserved.</footer></body></html>"""


def count(store: Store, table: sa.Table) -> int:
    with store.read() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_bundled_corpus_imports_five_articles_and_two_rt_versions(store: Store) -> None:
    report = import_paths(store, [bundled_corpus()], Settings())
    assert report.failures == []
    assert report.new_articles == 5
    articles = {a.outlet: a for a in list_articles(store)}
    assert set(articles) == {"Republic World", "WION", "South China Morning Post", "Newsweek", "RT"}
    rt = get_article(store, articles["RT"].id)
    assert [v.title for v in rt.versions] == [
        "China responds to Biden’s claim about ties with Moscow",
        "China responds to Biden’s claim on ties with Moscow",
    ]
    assert rt.article.url == "https://www.rt.com/news/566347-china-russia-relations-biden/"
    wion = get_article(store, articles["WION"].id)
    assert (
        wion.article.title
        == "In message to US, Xi Jinping says China-Russia ties will not be broken"
    )
    assert wion.article.published == "2020-12-29"
    for boilerplate in ("ugc_banner", "main img", "Photograph:(Reuters)"):
        assert boilerplate not in wion.text


def test_reimport_creates_nothing_new(store: Store) -> None:
    import_paths(store, [bundled_corpus()], Settings())
    before = (
        count(store, schema.articles),
        count(store, schema.versions),
        count(store, schema.blobs),
    )
    again = import_paths(store, [bundled_corpus()], Settings())
    assert again.new_articles == again.new_versions == 0 and again.unchanged == 6
    assert (
        count(store, schema.articles),
        count(store, schema.versions),
        count(store, schema.blobs),
    ) == before


def test_html_and_gzipped_html(store: Store, tmp_path: Path) -> None:
    tmp_path = tmp_path / "inputs"
    tmp_path.mkdir()
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.html.gz").write_bytes(
        gzip.compress(PAGE.replace("42 million", "43 million").encode())
    )
    report = import_paths(store, [tmp_path], Settings())
    assert report.failures == []
    assert report.new_articles == 1 and report.new_versions == 1  # same canonical URL: two versions
    (article,) = list_articles(store)
    assert article.url == "https://www.example-times.com/news/harbour-bridge"
    assert article.outlet == "Example Times"  # the page names its outlet: not the bare host
    detail = get_article(store, article.id)
    assert "43 million euros" in detail.text and "All rights reserved" not in detail.text
    assert detail.byline == "Jane Doe"


def test_jsonl_lines_and_bad_lines(store: Store, tmp_path: Path) -> None:
    lines = [
        {
            "url": "https://www.scmp.com/a",
            "title": "T1",
            "text": "First article text. " * 20,
            "date": "2021-01-02",
        },
        {
            "url": "https://www.wionews.com/b",
            "title": "T2",
            "text": "Second article text. " * 20,
            "source": "WION",
        },
        "this is not json",
        {"url": "https://x.example/c", "title": "no text"},
    ]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    report = import_paths(store, [path], Settings())
    assert report.new_articles == 2
    assert (
        len(report.failures) == 1
        and "dump.jsonl" in report.failures[0]
        and "line 3" in report.failures[0]
    )
    by_url = {a.url: a for a in list_articles(store)}
    assert by_url["https://www.scmp.com/a"].outlet == "South China Morning Post"
    assert by_url["https://www.scmp.com/a"].published == "2021-01-02"


def test_jsonl_and_manifests_name_the_outlet_outlet_or_source(store: Store, tmp_path: Path) -> None:
    # ``outlet``, ``language`` and ``published`` as in every output; ``source``,
    # ``lang`` and ``date``, their former names, still read, and the same record
    # under either name is the same capture (nothing new stored on re-import).
    old = {"url": "https://x.example/a", "text": "Alpha text. " * 20, "source": "Old Name"}
    old["lang"], old["date"] = "en", "2021-01-02"
    new = {"url": "https://x.example/b", "text": "Beta text. " * 20, "outlet": "New Name"}
    new["language"], new["published"] = "en", "2021-01-03"
    (tmp_path / "lines.jsonl").write_text(json.dumps(old) + "\n" + json.dumps(new) + "\n")
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "c.txt").write_text("Gamma text is here. " * 20)
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "files": {
                    "c.txt": {
                        "outlet": "Manifest Outlet",
                        "url": "https://m.example/c",
                        "published": "2021-01-04",
                    }
                }
            }
        )
    )
    report = import_paths(store, [tmp_path / "lines.jsonl", folder], Settings())
    assert report.new_articles == 3, report.failures
    outlets = {a.url: a.outlet for a in list_articles(store)}
    assert outlets == {
        "https://x.example/a": "Old Name",
        "https://x.example/b": "New Name",
        "https://m.example/c": "Manifest Outlet",
    }
    published = {a.url: a.published for a in list_articles(store)}
    assert published == {
        "https://x.example/a": "2021-01-02",
        "https://x.example/b": "2021-01-03",
        "https://m.example/c": "2021-01-04",
    }
    renamed = {**old, "outlet": old["source"], "language": "en", "published": old["date"]}
    del renamed["source"], renamed["lang"], renamed["date"]
    (tmp_path / "again.jsonl").write_text(json.dumps(renamed) + "\n")
    again = import_paths(store, [tmp_path / "again.jsonl"], Settings())
    assert again.new_articles == 0 and again.new_versions == 0


def _warc(path: Path, captures: list[tuple[str, str, str]]) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, date, html in captures:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(html.encode()),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)
            record.raw_stream.close()  # warcio spools the payload to a temp file


def test_warc_captures_become_versions(store: Store, tmp_path: Path) -> None:
    url = "https://www.example-times.com/news/harbour-bridge"
    edited = PAGE.replace("eight months", "nine months")
    _warc(
        tmp_path / "crawl.warc.gz",
        [(url, "2024-03-05T10:00:00Z", PAGE), (url, "2024-03-05T12:00:00Z", edited)],
    )
    report = import_paths(store, [tmp_path / "crawl.warc.gz"], Settings())
    assert report.failures == [] and report.new_articles == 1 and report.new_versions == 1
    (article,) = list_articles(store)
    versions = get_article(store, article.id).versions
    assert [v.captured_at.hour for v in versions] == [10, 12]


def test_bad_inputs_each_get_one_line_and_the_rest_goes_on(store: Store, tmp_path: Path) -> None:
    tmp_path = tmp_path / "inputs"
    tmp_path.mkdir()
    (tmp_path / "good.html").write_text(PAGE)
    (tmp_path / "binary.html").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "empty.html").write_text("")
    (tmp_path / "blank.html").write_text("<html><body><nav>menu</nav></body></html>")
    (tmp_path / "latin1.txt").write_bytes("Café owners said prices rose.\n\n".encode("cp1252") * 20)
    (tmp_path / "huge.html").write_bytes(b"<p>" + b"x" * 2_000_000 + b"</p>")
    (tmp_path / "broken.warc.gz").write_bytes(b"WARC/1.0\r\nnot really a warc" * 3)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    settings = Settings(max_page_bytes=1_000_000)
    report = import_paths(store, [tmp_path, tmp_path / "missing.html"], settings)
    failed = {line.split(":")[0].rsplit("/", 1)[-1] for line in report.failures}
    assert failed == {
        "binary.html",
        "empty.html",
        "blank.html",
        "huge.html",
        "broken.warc.gz",
        "notes.pdf",
        "missing.html",
    }
    assert all(len(line.splitlines()) == 1 for line in report.failures)
    assert report.new_articles == 2 and report.succeeded
    texts = [get_article(store, a.id).text for a in list_articles(store)]
    assert any("Café owners" in t for t in texts)


def test_nothing_importable_fails_the_command(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_text("")
    db = tmp_path / "x.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "newstrail.cli.main",
            "--db",
            str(db),
            "import",
            str(tmp_path / "empty.html"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "empty.html" in result.stderr and "Traceback" not in result.stderr


def test_killed_import_leaves_a_consistent_store_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:04}.html").write_text(
            PAGE.replace("harbour-bridge", f"story-{n}").replace("42", str(n))
        )
    db = tmp_path / "k.db"
    env = dict(os.environ, NEWSTRAIL_DB=str(db))
    process = subprocess.Popen(
        [sys.executable, "-m", "newstrail.cli.main", "import", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db) as probe:
                    if probe.execute("SELECT count(*) FROM versions").fetchone()[0] >= 20:
                        break
            except sqlite3.OperationalError:
                continue
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        articles, versions = connection.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM versions)"
        ).fetchone()
        orphans = connection.execute(
            "SELECT count(*) FROM articles a "
            "WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.article_id = a.id)"
        ).fetchone()[0]
    assert 0 < articles < 300 and versions == articles and orphans == 0
    with Store(db) as store:
        report = import_paths(store, [folder], Settings())
        assert report.new_articles == 300 - articles and report.unchanged == articles


def test_a_manifest_named_among_the_files_is_read_once_and_not_imported(
    store: Store, tmp_path: Path
) -> None:
    # ``import folder/*`` lists the manifest beside the files it describes.
    for name, words in (("v1.txt", "Gamma text is here. "), ("v2.txt", "Gamma text was here. ")):
        (tmp_path / name).write_text(words * 20)
    entry = {"url": "https://m.example/c", "outlet": "Manifest Outlet"}
    files = {
        "v1.txt": {**entry, "captured_at": "2021-01-04T09:00:00Z"},
        "v2.txt": {**entry, "captured_at": "2021-01-04T10:00:00Z"},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"files": files}))
    paths = [tmp_path / "v1.txt", tmp_path / "v2.txt", tmp_path / "manifest.json"]
    report = import_paths(store, paths, Settings())
    assert report.failures == []
    assert (report.new_articles, report.new_versions) == (1, 1)
    (tmp_path / "manifest.json").write_text("{not json")
    report = import_paths(store, paths, Settings())
    assert report.failures == [
        f'{tmp_path / "manifest.json"}: ignored, not a manifest ({{"files": {{…}}}})'
    ]
