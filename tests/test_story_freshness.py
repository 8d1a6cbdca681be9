"""A story shows only what its articles say now, whichever path brought the new version.

Three outlets report one court ruling; then one of them publishes a version
that drops its first paragraphs and corrects two figures (7-2 → 6-3, $4.2
million → $4.5 million). After the new version arrives by import, bulk WARC
import, a URL check, a watch pass or ``stories --rebuild``, no sentence,
quote or passage the story presents may come from the superseded text.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.cli.main import cli
from newstrail.jobs.pipeline import import_all, refresh_stories, stale_stories
from newstrail.jobs.watch import Watcher
from newstrail.serve.models import StoryMove
from newstrail.serve.stories import get_story
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.versions.recording import Capture, record_capture
from servers import PageServer

SETTINGS = Settings(
    allow_private=True,
    per_host_delay=0.0,
    connect_timeout=2,
    read_timeout=2,
    total_timeout=4,
    retries=1,
    workers=1,
)

COMMON = (
    "The Supreme Court on Tuesday upheld the state's new river protection law, ending a "
    "three-year fight between farmers and the water agency over pumping limits in the valley.",
    "The law caps how much groundwater farms may pump during droughts and sets fines for "
    "those who exceed the limits, which the agency says protect the river's salmon.",
)
OUTLETS: dict[str, tuple[str, ...]] = {
    "Valley Herald": (
        "Justice Maria Alvarez wrote for the majority that the legislature acted within its "
        "powers.",
        "“The river belongs to everyone in this state, not only to those who pump the most "
        "water from it,” Alvarez wrote.",
        "Farm groups said they would ask lawmakers to soften the fines next year.",
    ),
    "River Times": (
        "The justices voted 7-2 in favour of the agency.",
        "The agency will receive $4.2 million in penalties withheld during the appeal.",
        "“We are disappointed, but we will keep working with the agency on fair rules for "
        "every family farm,” said Tom Becker, president of the Valley Farm Bureau.",
        "Becker added that many growers had already cut their pumping by a third.",
    ),
    "Coast Daily": (
        "The court's decision was 7-2, with two justices warning that the fines were too harsh "
        "for small growers.",
        "Governor Ellen Park said in a statement that the ruling was “a victory for every "
        "family that depends on clean water.”",
        "The water agency's director, Sam Ortiz, told reporters the limits would take effect "
        "in the spring.",
    ),
}
# The River Times' second version: its first paragraphs are gone and two figures corrected.
REVISED = {
    "River Times": (
        "The justices voted 6-3 in favour of the agency, a correction to an earlier report.",
        "The agency will receive $4.5 million in penalties withheld during the appeal.",
        "Becker added that many growers had already cut their pumping by a third.",
    )
}
DROPPED = ("7-2", "4.2 million", "We are disappointed", "keep working with the agency")


def _body(outlet: str, revised: bool) -> list[str]:
    own = REVISED[outlet] if revised and outlet in REVISED else COMMON + OUTLETS[outlet]
    return list(own)


def _html(outlet: str, revised: bool = False) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in _body(outlet, revised))
    return (
        f"<html><head><title>Court upholds river law</title>"
        f'<meta property="og:site_name" content="{outlet}"></head>'
        f"<body><article><h1>Court upholds river law</h1>{paragraphs}</article></body></html>"
    ).encode()


def _slug(outlet: str) -> str:
    return outlet.lower().replace(" ", "-")


def _jsonl(path: Path, base: str, revised: bool) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for outlet in OUTLETS:
            if revised and outlet not in REVISED:
                continue
            record = {
                "url": f"{base}/{_slug(outlet)}",
                "title": "Court upholds river law",
                "text": "\n\n".join(_body(outlet, revised)),
                "source": outlet,
                "date": "2024-05-07",
            }
            out.write(json.dumps(record) + "\n")
    return path


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _presented(story: dict[str, Any]) -> list[tuple[int, str]]:
    """Every (article id, text) the story presents as what an article says."""
    items: list[tuple[int, str]] = []
    for sentence in story["summary"]:
        items.append((int(sentence["article_id"]), sentence["text"]))
    for group in story["quotes"]:
        for variant in group["variants"] + group["paraphrases"]:
            items.append((int(variant["article_id"]), variant["text"]))
    for article_id, found in story["exclusive"].items():
        for sentence in found.get("sentences", []):
            items.append((int(article_id), sentence["text"]))
    for passage in story["passages"]:
        items.append((int(passage["target_article_id"]), passage["text"]))
    for discrepancy in story.get("discrepancies", []):
        for value in discrepancy["values"]:
            for sentence in value.get("sentences", []):
                items.append((int(sentence["article_id"]), sentence["text"]))
    return items


def _assert_current(store: Store, story_id: int) -> dict[str, Any]:
    """The story's analysis read only current versions and presents nothing superseded."""
    story = get_story(store, story_id).to_json()
    assert story["stale"] is False and story["analysed_at"]
    with store.read() as connection:
        v = schema.versions
        current: dict[int, tuple[int, str]] = {}
        for row in connection.execute(
            sa.select(v.c.article_id, v.c.id, v.c.text).order_by(v.c.number)
        ):
            current[row.article_id] = (row.id, row.text)
    assert sorted(story["analysed_version_ids"]) == sorted(
        current[a["id"]][0] for a in story["articles"]
    )
    presented = _presented(story)
    assert presented  # the story has a summary, quotes and exclusives to check
    for article_id, text in presented:
        assert _words(text) in _words(current[article_id][1]), (article_id, text)
    river_times = next(a["id"] for a in story["articles"] if "river-times" in a["url"])
    for article_id, text in presented:
        if article_id == river_times:
            assert not any(dropped in text for dropped in DROPPED), text
    # The corrected outlet is cited for no old figure, and the correction shows.
    for sentence in story["summary"]:
        if "7-2" in sentence["text"] or "4.2 million" in sentence["text"]:
            cited = {c["article_id"] for c in sentence["citations"]}
            assert river_times not in cited, sentence
    (vote,) = [d for d in story["discrepancies"] if d["kind"] == "vote"]
    slug = {
        a["id"]: next(_slug(o) for o in OUTLETS if _slug(o) in a["url"]) for a in story["articles"]
    }
    assert {v["text"]: [slug[i] for i in v["article_ids"]] for v in vote["values"]} == {
        "6-3": ["river-times"],
        "7-2": ["coast-daily"],
    }
    assert [(c["from"], c["to"]) for c in vote["corrected"]] == [("7-2", "6-3")]
    return story


def _only_story(store: Store) -> int:
    with store.read() as connection:
        ids = set(connection.execute(sa.select(schema.story_articles.c.story_id)).scalars())
    assert len(ids) == 1, ids
    return ids.pop()


def test_import_of_a_new_version_refreshes_the_story(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    import_all(store, [_jsonl(tmp_path / "v1.jsonl", "https://news.test", False)], SETTINGS)
    story_id = _only_story(store)
    before = get_story(store, story_id).to_json()
    assert any("7-2" in s["text"] for s in before["summary"] + _all_exclusive(before))
    summary = import_all(
        store, [_jsonl(tmp_path / "v2.jsonl", "https://news.test", True)], SETTINGS
    )
    assert summary.files.new_versions == 1
    _assert_current(store, story_id)
    store.close()


def _all_exclusive(story: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for found in story["exclusive"].values() for s in found.get("sentences", [])]


def _warc(path: Path, base: str, revised: bool) -> Path:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for outlet in OUTLETS:
            if revised and outlet not in REVISED:
                continue
            html = _html(outlet, revised)
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                f"https://{_slug(outlet)}.test/court-ruling",  # one host per outlet
                "response",
                payload=io.BytesIO(html),
                length=len(html),
                http_headers=http,
                warc_headers_dict={
                    "WARC-Date": "2024-05-08T10:00:00Z" if revised else "2024-05-07T10:00:00Z"
                },
            )
            writer.write_record(record)
    return path


def test_bulk_warc_import_of_a_new_version_refreshes_the_story(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    import_all(store, [_warc(tmp_path / "one.warc.gz", "https://news.test", False)], SETTINGS)
    story_id = _only_story(store)
    import_all(store, [_warc(tmp_path / "two.warc.gz", "https://news.test", True)], SETTINGS)
    story = _assert_current(store, story_id)
    assert len(story["analysed_version_ids"]) == 3
    store.close()


class _Pages(PageServer):
    """A loopback site whose pages the test can revise."""

    def __init__(self) -> None:
        self.revised = False
        super().__init__(self._page)

    def _page(self, path: str) -> bytes | None:
        outlet = next((o for o in OUTLETS if path == f"/{_slug(o)}"), None)
        return None if outlet is None else _html(outlet, self.revised)


@pytest.fixture
def pages() -> Iterator[_Pages]:
    site = _Pages()
    yield site
    site.close()


@pytest.mark.parametrize("path", ["check", "watch"])
def test_checked_or_watched_new_version_refreshes_the_story(
    pages: _Pages, tmp_path: Path, path: str
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    import_all(store, [_jsonl(tmp_path / "v1.jsonl", pages.base, False)], SETTINGS)
    story_id = _only_story(store)
    pages.revised = True
    river = f"{pages.base}/{_slug('River Times')}"
    watcher = Watcher(store, SETTINGS)
    try:
        if path == "check":
            report = asyncio.run(watcher.check_urls([river]))
        else:
            with store.write() as connection:  # every article due now
                connection.execute(
                    schema.articles.update().values(
                        next_check_at=datetime(2000, 1, 1, tzinfo=UTC), state="active"
                    )
                )
            report = asyncio.run(watcher.run_once())
    finally:
        watcher.close()
    assert report.changed_articles, report.line()
    _assert_current(store, story_id)
    store.close()


def test_rebuild_and_a_stopped_job_leave_nothing_superseded(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    store = Store(f"sqlite:///{db}")
    import_all(store, [_jsonl(tmp_path / "v1.jsonl", "https://news.test", False)], SETTINGS)
    story_id = _only_story(store)
    # As a job killed between storing a version and analysing its story leaves it.
    with store.read() as connection:
        url = connection.execute(
            sa.select(schema.articles.c.url).where(schema.articles.c.url.like("%river-times"))
        ).scalar_one()
    record_capture(store, _capture(url, "\n\n".join(_body("River Times", True))))
    assert stale_stories(store) == [story_id]
    stale = get_story(store, story_id).to_json()
    assert stale["stale"] is True  # the page says so until a job refreshes it
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "stories", "--rebuild", "--json"])
    assert result.exit_code == 0, result.output
    store = Store(f"sqlite:///{db}")
    _assert_current(store, _only_story(store))
    store.close()


def test_refresh_finds_what_a_killed_job_left(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    import_all(store, [_jsonl(tmp_path / "v1.jsonl", "https://news.test", False)], SETTINGS)
    story_id = _only_story(store)
    with store.read() as connection:
        url = connection.execute(
            sa.select(schema.articles.c.url).where(schema.articles.c.url.like("%river-times"))
        ).scalar_one()
    record_capture(store, _capture(url, "\n\n".join(_body("River Times", True))))
    assert refresh_stories(store) == {story_id}
    assert stale_stories(store) == []
    _assert_current(store, story_id)
    store.close()


def _capture(url: str, text: str) -> Capture:
    from newstrail.extract.records import Extracted

    extracted = Extracted(
        title="Court upholds river law",
        author=None,
        date="2024-05-08",
        site="River Times",
        text=text,
        url=url,
        language="en",
        extractor="test/1",
    )
    return Capture(
        url=url,
        extracted=extracted,
        origin="test",
        captured_at=datetime(2024, 5, 8, 10, tzinfo=UTC),
        raw=text.encode(),
    )


def test_migration_0007_leaves_every_story_to_be_analysed_again(tmp_path: Path) -> None:
    from alembic import command

    db = tmp_path / "news.db"
    store = Store(f"sqlite:///{db}")
    import_all(store, [_jsonl(tmp_path / "v1.jsonl", "https://news.test", False)], SETTINGS)
    story_id = _only_story(store)
    with store.write() as connection:
        command.downgrade(store._alembic_config(connection), "0006_extraction_evidence")
    store.close()
    store = Store(f"sqlite:///{db}")  # migrates to head again
    with store.read() as connection:
        quotes = connection.execute(sa.select(sa.func.count()).select_from(schema.quotes))
        assert quotes.scalar_one() == 0  # extracted again, as statements, by the next job
    assert stale_stories(store) == [story_id]
    assert get_story(store, story_id).to_json()["stale"] is True
    refresh_stories(store)
    story = _assert_current_v1(store, story_id)
    assert story["quotes"]
    store.close()


def _assert_current_v1(store: Store, story_id: int) -> dict[str, Any]:
    story = get_story(store, story_id).to_json()
    assert story["stale"] is False and story["discrepancies"] == []
    return story


# -- an article rewritten onto another story leaves its old one ------------------

FIRE = (
    "A wildfire in the northern hills forced the evacuation of 2,000 homes near Pine Ridge "
    "on Tuesday as strong winds pushed the flames toward the town.",
    "Fire chief Dana Morales said crews had contained a tenth of the blaze by nightfall and "
    "that two firefighters were treated for smoke inhalation.",
    "The county opened shelters at Pine Ridge High School and the fairgrounds for families "
    "who fled the flames with their animals.",
)
FIRE_OUTLETS = {
    "Valley Herald": FIRE,
    "Coast Daily": (
        "Flames driven by gusting winds forced 2,000 households around Pine Ridge to evacuate "
        "on Tuesday as the wildfire in the northern hills spread toward the town.",
        "Crews had contained about a tenth of the Pine Ridge blaze by Tuesday night, fire chief "
        "Dana Morales said; two firefighters were treated for smoke inhalation.",
        "Evacuated families and their animals found shelter at Pine Ridge High School and at "
        "the county fairgrounds.",
    ),
}
# The River Times' court article, replaced by its own report of the wildfire.
REWRITTEN = (
    "Wildfire forces Pine Ridge evacuations",
    (
        "Strong winds pushed a wildfire in the northern hills toward Pine Ridge on Tuesday, "
        "and 2,000 homes near the town were evacuated.",
        "Fire chief Dana Morales said a tenth of the blaze was contained by nightfall; two "
        "firefighters were treated for smoke inhalation.",
        "Shelters opened at Pine Ridge High School and the county fairgrounds.",
    ),
)


def _page(title: str, outlet: str, paragraphs: tuple[str, ...]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>"
        f'<meta property="og:site_name" content="{outlet}"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def _two_stories(rewritten: bool) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Path → (title, outlet, paragraphs): the court story, the fire story, and the
    River Times court page as first published or rewritten onto the fire."""
    pages: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for outlet in OUTLETS:
        pages[f"/{_slug(outlet)}"] = (
            "Court upholds river law",
            outlet,
            tuple(_body(outlet, False)),
        )
    for outlet, paragraphs in FIRE_OUTLETS.items():
        pages[f"/{_slug(outlet)}-fire"] = ("Wildfire near Pine Ridge", outlet, paragraphs)
    if rewritten:
        pages["/river-times"] = (REWRITTEN[0], "River Times", REWRITTEN[1])
    return pages


def _write_jsonl(path: Path, base: str, pages: dict[str, tuple[str, str, tuple[str, ...]]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for page, (title, outlet, paragraphs) in pages.items():
            record = {
                "url": base + page,
                "title": title,
                "text": "\n\n".join(paragraphs),
                "source": outlet,
                "date": "2024-05-07",
            }
            out.write(json.dumps(record) + "\n")
    return path


def _write_warc(path: Path, pages: dict[str, tuple[str, str, tuple[str, ...]]], day: str) -> Path:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for page, (title, outlet, paragraphs) in pages.items():
            html = _page(title, outlet, paragraphs)
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            host = page.strip("/").removesuffix("-fire")
            record = writer.create_warc_record(
                f"https://{host}.test{page}",
                "response",
                payload=io.BytesIO(html),
                length=len(html),
                http_headers=http,
                warc_headers_dict={"WARC-Date": f"{day}T10:00:00Z"},
            )
            writer.write_record(record)
    return path


class _TwoStorySite(PageServer):
    """A loopback site with both stories, whose River Times page can be rewritten."""

    def __init__(self) -> None:
        self.rewritten = False
        super().__init__(self._page)

    def _page(self, path: str) -> bytes | None:
        found = _two_stories(self.rewritten).get(path)
        return None if found is None else _page(*found)


def _story_of(store: Store, url_part: str) -> int:
    a, members = schema.articles, schema.story_articles
    with store.read() as connection:
        return int(
            connection.execute(
                sa.select(members.c.story_id)
                .join(a, a.c.id == members.c.article_id)
                .where(a.c.url.like(f"%{url_part}"))
            ).scalar_one()
        )


def _assert_moved_to_fire(store: Store, court: int, fire: int) -> None:
    """The rewritten article is in the fire story; both stories re-analysed; move recorded."""
    assert _story_of(store, "river-times") == fire
    assert _story_of(store, "coast-daily") == court  # the court story lives on
    assert stale_stories(store) == []
    court_story = get_story(store, court).to_json()
    fire_story = get_story(store, fire).to_json()
    assert not any("river-times" in a["url"] for a in court_story["articles"])
    assert any("river-times" in a["url"] for a in fire_story["articles"])
    for story in (court_story, fire_story):
        assert story["stale"] is False
        members = {a["id"] for a in story["articles"]}
        assert {int(s["article_id"]) for s in story["summary"]} <= members
    (move,) = [m for m in fire_story["moves"] if m["reason"] == "rewritten"]
    assert (move["from_story_id"], move["to_story_id"]) == (court, fire)
    StoryMove.model_validate(move)  # named as the rest of the API: <thing>_id, <event>_at
    assert move in court_story["moves"]


@pytest.mark.parametrize("path", ["import", "bulk", "check", "watch"])
def test_an_article_rewritten_onto_another_story_moves_there(tmp_path: Path, path: str) -> None:
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    site = _TwoStorySite() if path in ("check", "watch") else None
    try:
        if path == "bulk":
            first = _write_warc(tmp_path / "one.warc.gz", _two_stories(False), "2024-05-07")
        else:
            base = site.base if site else "https://news.test"
            first = _write_jsonl(tmp_path / "v1.jsonl", base, _two_stories(False))
        import_all(store, [first], SETTINGS)
        court, fire = _story_of(store, "river-times"), _story_of(store, "valley-herald-fire")
        assert court != fire and _story_of(store, "coast-daily") == court
        if path == "import":
            rewritten = {"/river-times": _two_stories(True)["/river-times"]}
            import_all(
                store,
                [_write_jsonl(tmp_path / "v2.jsonl", "https://news.test", rewritten)],
                SETTINGS,
            )
        elif path == "bulk":
            rewritten = {"/river-times": _two_stories(True)["/river-times"]}
            import_all(
                store, [_write_warc(tmp_path / "two.warc.gz", rewritten, "2024-05-08")], SETTINGS
            )
        else:
            assert site is not None
            site.rewritten = True
            watcher = Watcher(store, SETTINGS)
            try:
                if path == "check":
                    asyncio.run(watcher.check_urls([f"{site.base}/river-times"]))
                else:
                    with store.write() as connection:  # every article due now
                        connection.execute(
                            schema.articles.update().values(
                                next_check_at=datetime(2000, 1, 1, tzinfo=UTC), state="active"
                            )
                        )
                    asyncio.run(watcher.run_once())
            finally:
                watcher.close()
        _assert_moved_to_fire(store, court, fire)
    finally:
        if site is not None:
            site.close()
        store.close()


def test_a_light_edit_leaves_the_article_in_its_story(tmp_path: Path) -> None:
    """The River Times' correction (first paragraphs dropped, two figures changed) stays."""
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    import_all(
        store,
        [_write_jsonl(tmp_path / "v1.jsonl", "https://news.test", _two_stories(False))],
        SETTINGS,
    )
    court = _story_of(store, "river-times")
    import_all(store, [_jsonl(tmp_path / "v2.jsonl", "https://news.test", True)], SETTINGS)
    assert _story_of(store, "river-times") == court
    with store.read() as connection:
        reasons = set(connection.execute(sa.select(schema.story_moves.c.reason)).scalars())
    assert "rewritten" not in reasons
    _assert_current(store, court)
    store.close()


def test_refresh_moves_an_article_a_killed_job_left_rewritten(tmp_path: Path) -> None:
    from newstrail.extract.records import Extracted

    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    import_all(
        store,
        [_write_jsonl(tmp_path / "v1.jsonl", "https://news.test", _two_stories(False))],
        SETTINGS,
    )
    court, fire = _story_of(store, "river-times"), _story_of(store, "valley-herald-fire")
    url = "https://news.test/river-times"
    text = "\n\n".join(REWRITTEN[1])
    extracted = Extracted(
        title=REWRITTEN[0],
        author=None,
        date="2024-05-08",
        site="River Times",
        text=text,
        url=url,
        language="en",
        extractor="test/1",
    )
    # Stored, then the job is killed before placement and analysis.
    record_capture(
        store,
        Capture(
            url=url,
            extracted=extracted,
            origin="test",
            captured_at=datetime(2024, 5, 8, 10, tzinfo=UTC),
            raw=text.encode(),
        ),
    )
    assert _story_of(store, "river-times") == court and stale_stories(store) == [court]
    refresh_stories(store)
    _assert_moved_to_fire(store, court, fire)
    store.close()


def test_both_story_pages_show_the_move_of_a_rewritten_article(tmp_path: Path) -> None:
    """A reader of either story sees that the River Times article moved, and why."""
    import httpx

    from newstrail.serve.web import create_app

    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    base = "https://news.test"
    import_all(store, [_write_jsonl(tmp_path / "v1.jsonl", base, _two_stories(False))], SETTINGS)
    court, fire = _story_of(store, "river-times"), _story_of(store, "valley-herald-fire")
    rewritten = {"/river-times": _two_stories(True)["/river-times"]}
    import_all(store, [_write_jsonl(tmp_path / "v2.jsonl", base, rewritten)], SETTINGS)

    async def pages() -> tuple[str, str]:
        transport = httpx.ASGITransport(app=create_app(store, SETTINGS))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            left = await client.get(f"/stories/{court}")
            joined = await client.get(f"/stories/{fire}")
        assert left.status_code == joined.status_code == 200
        return left.text, joined.text

    left, joined = asyncio.run(pages())
    assert f'left for <a href="/stories/{fire}">story {fire}</a>' in left
    assert f'joined from <a href="/stories/{court}">story {court}</a>' in joined
    assert "its new version is about another story" in joined
    store.close()
