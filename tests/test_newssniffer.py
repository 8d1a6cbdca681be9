"""Reading NewsSniffer side-by-side change pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from newstrail.extract.newssniffer import is_newssniffer_page, parse_newssniffer, split_side_by_side


@pytest.mark.parametrize(
    ("line", "old", "new"),
    [
        ("Same words here. Same words here.", "Same words here.", "Same words here."),
        (
            "They met third parties.They met third parties.",
            "They met third parties.",
            "They met third parties.",
        ),
        (
            "China responds to Biden’s claim about ties China responds to Biden’s claim on ties",
            "China responds to Biden’s claim about ties",
            "China responds to Biden’s claim on ties",
        ),
        ("a point.”\xa0China has", "a point.”", "China has"),
    ],
)
def test_split_side_by_side(line: str, old: str, new: str) -> None:
    assert split_side_by_side(line) == (old, new)


def test_seed_page_gives_two_versions(seeds_dir: Path) -> None:
    text = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    assert is_newssniffer_page(text)
    page = parse_newssniffer(text)
    assert page.source == "rtcom"
    assert page.url == "https://www.rt.com/news/566347-china-russia-relations-biden/"
    assert page.numbers == (1, 2)
    assert page.titles == (
        "China responds to Biden’s claim about ties with Moscow",
        "China responds to Biden’s claim on ties with Moscow",
    )
    assert page.delay == timedelta(hours=3)
    old, new = page.paragraphs
    assert len(old) == len(new) == 7
    # Unchanged paragraphs come out identical; edited ones differ in a few words.
    assert old[2] == new[2] and old[4] == new[4]
    assert (
        "asserted that the two powers" in new[0] and "after a claim by the US president" in old[0]
    )
    assert "denying a statement by" in new[1] and "denying an assertion by" in old[1]
    assert old[6].startswith("In late October, Chinese") and new[6].startswith(
        "In late October, the Chinese"
    )


def test_ordinary_text_is_not_a_newssniffer_page(seeds_dir: Path) -> None:
    text = next(seeds_dir.glob("001_*.txt")).read_text(encoding="utf-8")
    assert not is_newssniffer_page(text)
    with pytest.raises(ValueError, match="not a NewsSniffer"):
        parse_newssniffer(text)


def test_an_imported_newssniffer_page_has_no_version_from_the_future(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from newstrail.jobs.importer import import_paths
    from newstrail.jobs.pipeline import bundled_corpus
    from newstrail.settings import Settings
    from newstrail.store import schema
    from newstrail.store.database import Store

    store = Store(tmp_path / "n.db")
    before = datetime.now(UTC)
    import_paths(store, [bundled_corpus() / "004_4194502402888506.txt"], Settings())
    after = datetime.now(UTC)
    with store.read() as connection:
        seen = (
            connection.execute(
                sa.select(schema.versions.c.captured_at).order_by(schema.versions.c.number)
            )
            .scalars()
            .all()
        )
    seen = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in seen]  # SQLite gives naive UTC
    assert len(seen) == 2
    assert seen[1] - seen[0] == timedelta(hours=3)  # what the page says
    assert before <= seen[1] <= after  # the later version is dated at import, not 3 h ahead
