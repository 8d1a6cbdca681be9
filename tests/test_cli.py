"""The command line: each command's JSON output and its errors, in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newstrail.cli.main import cli
from newstrail.jobs.pipeline import bundled_corpus

PAGE = """<html><head><title>Floods close the valley road</title>
<meta property="og:site_name" content="Valley News"></head><body>
<nav>Home · Weather · Sport</nav><article><h1>Floods close the valley road</h1>
<p>Heavy rain closed the valley road on Sunday, the council said in a statement.</p>
<p>Crews expect to reopen it within {days} days, according to the roads department.</p>
<p>"We ask drivers to stay away from the river," the fire chief said.</p>
</article><footer>{footer}</footer></body></html>"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("cli") / "corpus.db")
    code, _, stderr = run("--db", db, "import", str(bundled_corpus()))
    assert code == 0, stderr
    return db


def test_compare_html_files_json(tmp_path: Path) -> None:
    old, template, edited = tmp_path / "old.html", tmp_path / "template.html", tmp_path / "new.html"
    old.write_text(PAGE.format(days=3, footer="Valley News"))
    template.write_text(PAGE.format(days=3, footer="Valley News · Privacy · Cookies · Contact us"))
    edited.write_text(PAGE.format(days=5, footer="Valley News"))
    code, out, _ = run("compare", str(old), str(template), "--json")
    (same,) = json_lines(out)
    assert code == 0 and same["changed"] is False and same["edits"] == []
    code, out, _ = run("compare", str(old), str(edited), "--json")
    (changed,) = json_lines(out)
    assert changed["changed"] is True and changed["title_changed"] is False
    assert {"type", "old", "new"} <= set(changed["edits"][0])  # type: ignore[index]
    assert "number_changed" in {e["type"] for e in changed["edits"]}  # type: ignore[union-attr]
    assert set(changed) >= {"changed", "trivial", "title_changed", "edits", "stats"}


def test_comparing_two_files_opens_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSTRAIL_DB", raising=False)
    (tmp_path / "a.txt").write_text("Floods close the valley road\n\nThe road is shut.\n")
    (tmp_path / "b.txt").write_text("Floods close the valley road\n\nThe road is open.\n")
    code, out, _ = run("compare", "a.txt", "b.txt", "--json")
    assert code == 0 and json_lines(out)[0]["changed"] is True
    assert not (tmp_path / "newstrail.db").exists()


def test_comparing_a_file_with_no_article_text_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Floods close the valley road\n\nThe road is shut.\n")
    (tmp_path / "blank.txt").write_text("\n \n")
    code, out, err = run("compare", str(tmp_path / "a.txt"), str(tmp_path / "blank.txt"))
    assert code != 0 and out == ""
    assert err.strip() == f"newstrail: {tmp_path / 'blank.txt'}: empty text"


def test_compare_stored_versions(corpus_db: str) -> None:
    code, out, _ = run("--db", corpus_db, "articles", "--json")
    rt = next(a for a in json_lines(out) if a["outlet"] == "RT")
    code, out, _ = run("--db", corpus_db, "versions", str(rt["id"]), "--json")
    first, second = json_lines(out)
    code, out, _ = run("--db", corpus_db, "compare", str(first["id"]), str(second["id"]), "--json")
    (comparison,) = json_lines(out)
    assert code == 0 and comparison["changed"] is True and comparison["title_changed"] is True
    assert second["description"] and "headline changed" in str(second["description"])


def test_stories_and_story_json(corpus_db: str) -> None:
    code, out, _ = run("--db", corpus_db, "stories", "--json")
    stories = json_lines(out)
    assert code == 0 and sorted(len(s["article_ids"]) for s in stories) == [1, 4]  # type: ignore[arg-type]
    big = next(s for s in stories if len(s["article_ids"]) == 4)  # type: ignore[arg-type]
    assert set(big["outlets"]) == {"Republic World", "WION", "South China Morning Post", "Newsweek"}  # type: ignore[arg-type]
    code, out, _ = run("--db", corpus_db, "story", str(big["id"]), "--json")
    (story,) = json_lines(out)
    assert {"id", "title", "articles", "quotes", "summary", "passages"} <= set(story)
    xi = [q for q in story["quotes"] if "not affected by changes" in q["text"]]  # type: ignore[union-attr]
    assert xi and xi[0]["speaker"] == "Xi Jinping"
    assert {"Republic World", "WION", "South China Morning Post"} <= set(xi[0]["outlets"])
    assert any(p["outlet"] == "Newsweek" for p in xi[0]["paraphrases"])


def test_show_and_search(corpus_db: str) -> None:
    code, out, _ = run("--db", corpus_db, "search", "Sino-Russian relations", "--json")
    hits = json_lines(out)
    assert code == 0 and hits and {h["kind"] for h in hits} <= {"article", "quote"}
    code, out, _ = run("--db", corpus_db, "show", str(hits[0]["article_id"]), "--json")
    (article,) = json_lines(out)
    assert article["versions"] and "Sino-Russian" in str(article["text"])


def test_extract_and_quotes_json(tmp_path: Path, seeds_dir: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE.format(days=3, footer="©"))
    code, out, _ = run("extract", str(page), "--json")
    (extracted,) = json_lines(out)
    assert code == 0 and extracted["title"] == "Floods close the valley road"
    assert "Home · Weather" not in str(extracted["text"])
    seed = next(seeds_dir.glob("001_*.txt"))
    code, out, _ = run("quotes", str(seed), "--json")
    (result,) = json_lines(out)
    with seed.open(encoding="utf-8", newline="") as file:
        text = file.read()
    for quote in result["quotes"]:  # type: ignore[union-attr]
        start, end = quote["quote_span"]
        assert 0 <= start < end <= len(text)
        assert quote["speaker"]  # statements: every quote has its speaker
    code, out, _ = run("quotes", str(seed), "--json", "--all-attributions")
    (every,) = json_lines(out)
    assert len(every["quotes"]) >= len(result["quotes"])  # type: ignore[arg-type]


def test_cluster_command(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    records = [
        {
            "id": "a",
            "title": "Storm floods valley road",
            "text": "Heavy rain flooded the valley road on Sunday.",
        },
        {
            "id": "b",
            "title": "Valley road flooded by storm",
            "text": "A storm flooded the valley road on Sunday.",
        },
        {
            "id": "c",
            "title": "Chess champion retains title",
            "text": "The champion won the final game in Oslo.",
        },
    ]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    output = tmp_path / "out.jsonl"
    code, _, _ = run("cluster", "--input", str(source), "--output", str(output))
    assigned = {r["id"]: r["story"] for r in json_lines(output.read_text())}
    assert code == 0 and set(assigned) == {"a", "b", "c"}
    assert assigned["a"] != assigned["c"]
    source.write_text(json.dumps(records[0]) + "\n" + '{"id": "b", "title": \n')
    code, _, err = run("cluster", "--input", str(source), "--output", str(output))
    assert code == 2 and "line 2: not JSON" in err and "Traceback" not in err
    source.write_bytes(b"\x96\xff binary\n")
    code, _, err = run("cluster", "--input", str(source), "--output", str(output))
    assert code == 2 and err.strip().endswith("line 1: not UTF-8 text")


@pytest.mark.parametrize(
    "args",
    [
        ["show", "999999"],
        ["story", "999999"],
        ["versions", "https://nowhere.example/none"],
        ["compare", "/no/such/file.html", "/no/such/other.html"],
        ["sources", "add", "https://[menu]/feed.xml"],  # urlsplit raises on the host
        ["sources", "add", "ftp://news.example.com/feed.xml"],
    ],
)
def test_bad_arguments_give_one_clear_line(corpus_db: str, args: list[str]) -> None:
    code, out, err = run("--db", corpus_db, *args)
    assert code != 0 and out == ""
    assert err.startswith("newstrail: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_bad_option_values_are_usage_errors() -> None:
    code, _, err = run("articles", "--limit", "zero")
    assert code == 2 and "--limit" in err


def test_import_warc_through_the_cli_resumes_and_places_stories(tmp_path: Path) -> None:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, days in enumerate((3, 4, 5)):
            html = PAGE.format(days=days, footer="Valley News").encode()
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                "https://valley.example.com/floods",
                "response",
                payload=io.BytesIO(html),
                length=len(html),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": f"2024-03-0{n + 1}T10:00:00Z"},
            )
            writer.write_record(record)
    db = str(tmp_path / "w.db")
    code, out, err = run("--db", db, "import", str(warc), "--json")
    (summary,) = json_lines(out)
    assert code == 0, err
    assert summary["warcs"]["captures"] == 3 and summary["warcs"]["new_versions"] == 2  # type: ignore[index]
    code, out, _ = run("--db", db, "stories", "--json")
    assert [s["article_ids"] for s in json_lines(out)] == [[1]]
    code, out, _ = run("--db", db, "import", str(warc), "--json")
    (again,) = json_lines(out)
    assert again["warcs"]["files_finished_before"] == 1  # type: ignore[index]


def test_exit_statuses_are_documented_in_the_readme_and_the_help() -> None:
    from newstrail.cli.app import ExitStatus

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    code, out, _ = run("-h")
    assert code == 0 and "Exit status:" in out
    for status in ExitStatus:
        assert f"\n| {status.value} | " in readme, f"exit status {status.value} not in README"
        assert re.search(rf"^\s+{status.value}  \S", out, re.M), f"{status.value} not in -h"
    assert run("--help")[1] == out


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import newstrail.serve.browse

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(newstrail.serve.browse, "browse_articles", broken)
    db = str(tmp_path / "x.db")
    assert run("--db", db, "migrate")[0] == 0
    code, out, err = run("--db", db, "articles")
    assert code == 70 and out == "" and "Traceback" not in err
    assert err.splitlines() == [
        "newstrail: internal error: ZeroDivisionError: division by zero"
        " (re-run as 'newstrail --debug …' for the traceback)"
    ]
    code, _, err = run("--db", db, "--debug", "articles")
    assert code == 70 and err.startswith("Traceback") and "in broken" in err
    assert err.splitlines()[-1] == "newstrail: internal error: ZeroDivisionError: division by zero"
    monkeypatch.setenv("NEWSTRAIL_DEBUG", "1")
    assert "Traceback" in run("--db", db, "articles")[2]


def test_page_text_that_looks_like_terminal_markup_is_printed_as_written(tmp_path: Path) -> None:
    # rich reads "[/b]" as a closing tag (and raised on it) and dropped "[menu]".
    title = "Floods [menu] close the [/b] valley road"
    page = PAGE.format(days=3, footer="Valley News").replace("Floods close the valley road", title)
    html = tmp_path / "floods.html"
    html.write_text(page, encoding="utf-8")
    db = str(tmp_path / "m.db")
    code, _, err = run("--db", db, "import", str(html))
    assert code == 0, err
    for command in (["articles"], ["show", "1"], ["story", "1"], ["extract", str(html)]):
        code, out, err = run("--db", db, *command)
        assert code == 0, (command, err)
        assert "[menu]" in " ".join(out.split()) and "[/b]" in out, command


def test_check_stores_nothing_for_a_malformed_url(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    code, out, err = run("--db", db, "check", "https://[menu]/a")
    assert code != 0 and "https://[menu]/a: malformed URL" in err and "Traceback" not in err
    assert "0 new articles" in " ".join(out.split())
    code, out, _ = run("--db", db, "articles", "--json")
    assert code == 0 and json_lines(out) == []


def test_a_missing_version_is_named_alone_and_a_missing_file_plainly(
    corpus_db: str, tmp_path: Path
) -> None:
    code, _, err = run("--db", corpus_db, "diff", "1", "--from", "9", "--to", "1")
    assert code != 0 and err.strip() == "newstrail: article 1 has no version 9"
    code, _, err = run("quotes", str(tmp_path / "missing.txt"))
    assert f"{tmp_path / 'missing.txt'}: no such file or directory" in err
    assert "Error" not in err


def test_compare_and_quotes_refuse_oversized_files_in_one_line(tmp_path: Path) -> None:
    import gzip

    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * 25_000_000))  # 25 MB from 25 KB
    small = tmp_path / "small.txt"
    small.write_text("The council met on Tuesday to discuss the budget.\n", encoding="utf-8")
    code, _, err = run("compare", str(bomb), str(small))
    assert code != 0 and "too large once decompressed" in err and "Traceback" not in err
    huge = tmp_path / "huge.txt"
    huge.write_text("a" * 20_000_001, encoding="utf-8")
    code, _, err = run("quotes", str(huge))
    assert code != 0 and f"{huge}: too large (> 20 million characters)" in err
