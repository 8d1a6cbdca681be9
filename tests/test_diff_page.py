"""Diffs people read and share: aligned rows, marked headline, folds, text formats, PNG."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from lxml import html as lxml_html
from PIL import Image

from newstrail.serve.diff_image import DELETED_BACKGROUND, INSERTED_BACKGROUND, RULE, WIDTH
from newstrail.serve.diff_rows import as_text, as_unified, diff_rows, load_version_diff
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store
from test_cli import json_lines, run
from test_web_support import T0, _article, _version

PARAGRAPHS = [
    f"Paragraph {n} tells part {n} of the budget story in words of its own, "
    f"with detail number {n * 7} that no other paragraph repeats."
    for n in range(1, 31)
]


def seed(store: Store) -> int:
    """An article whose v2 inserts a paragraph, edits a word far below and changes the headline."""
    new = list(PARAGRAPHS)
    new.insert(2, "An inserted paragraph about the weather, which nobody expected here.")
    new[20] = new[20].replace("budget story", "budget saga")
    with store.write() as connection:
        article = _article(connection, "https://wire.example/long", None, "Budget passes", count=2)
        _version(connection, article, 1, "new", "Budget passes", "\n".join(PARAGRAPHS), T0)
        _version(
            connection,
            article,
            2,
            "new",
            "Budget fails after late vote",
            "\n".join(new),
            T0 + timedelta(hours=3),
        )
    return int(article)


def get(store: Store, *paths: str) -> list[httpx.Response]:
    app = create_app(store, Settings())

    async def fetch() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [await client.get(path) for path in paths]

    return asyncio.run(fetch())


def test_an_inserted_paragraph_does_not_shift_the_rows_after_it() -> None:
    old = "\n".join(PARAGRAPHS[:5])
    new = "\n".join([*PARAGRAPHS[:2], "A new paragraph on another subject.", *PARAGRAPHS[2:5]])
    new = new.replace("detail number 21", "detail number 22")  # paragraph 3 edited too
    rows = diff_rows(old, new)
    assert [row.kind for row in rows] == ["equal", "equal", "added", "changed", "equal", "equal"]
    assert rows[3].old_text.startswith("Paragraph 3") and rows[3].new_text.startswith("Paragraph 3")


def test_page_marks_the_headline_folds_unchanged_text_and_has_an_inline_mode(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "d.db") as store:
        article = seed(store)
        side, inline, data = get(
            store,
            f"/articles/{article}/diff",
            f"/articles/{article}/diff?mode=inline",
            f"/articles/{article}/diff.json",
        )
    tree = lxml_html.fromstring(side.text)
    title_row = tree.xpath("//div[@class='row titles']")[0]
    assert [d.text for d in title_row.xpath("./div[@class='old']//del")] == ["passes"]
    assert "fails after late vote" in " ".join(
        i.text for i in title_row.xpath("./div[@class='new']//ins")
    )
    folds = [int(s.text.split()[0]) for s in tree.xpath("//details[@class='fold']/summary")]
    # 31 rows: the insert (row 3) and the edit (row 21) keep one paragraph open on each
    # side; rows 5-19 and 23-31 fold, row 1 alone is not worth a fold.
    assert folds == [15, 9]
    changed = tree.xpath("//div[@class='row changed']")
    assert len(changed) == 1 and "saga" in changed[0].xpath("./div[@class='new']")[0].text_content()
    assert len(tree.xpath("//div[@class='row added']")) == 1
    # Folded rows are whole rows: each holds version a, version b and the inline view.
    assert all(len(row) == 3 for row in tree.xpath("//details[@class='fold']/div"))
    assert 'class="diff mode-inline"' in inline.text
    payload = data.json()
    assert payload["title_changed"] is True
    assert [p["kind"] for p in payload["paragraphs"]].count("equal") == 29
    assert payload["from"]["captured_at"].endswith("+00:00")


def test_cli_formats_mark_changes_without_colour(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with Store(db) as store:
        article = seed(store)
        found = load_version_diff(store, article)
    code, out, err = run("--db", str(db), "diff", str(article))  # piped: text by default
    assert code == 0, err
    assert out == as_text(found) and "\x1b[" not in out
    assert "headline: Budget [-passes-]{+fails after late vote+}" in out
    assert "[-story-]{+saga+}" in out and "(29 unchanged paragraphs not shown)" in out
    code, out, _ = run("--db", str(db), "diff", str(article), "--format", "unified")
    assert (
        out == as_unified(found) and "\n-# Budget passes\n+# Budget fails after late vote\n" in out
    )
    code, out, _ = run("--db", str(db), "diff", str(article), "--format", "json")
    (payload,) = json_lines(out)
    assert payload["added_word_count"] == found.words_added and json.dumps(payload)
    code, _, err = run("--db", str(db), "diff", str(article), "--png", str(tmp_path / "d.png"))
    assert code == 0 and "wrote" in err
    with Image.open(tmp_path / "d.png") as written:
        assert written.size[0] == WIDTH


def rows_with(image: Image.Image, colour: tuple[int, int, int]) -> set[int]:
    """The y of every pixel row holding ``colour``."""
    pixels = image.load()
    return {
        y for y in range(image.height) for x in range(0, image.width, 2) if pixels[x, y] == colour
    }


def test_the_image_is_cropped_to_the_changes_and_marks_the_changed_words(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        article = seed(store)
        (response,) = get(store, f"/articles/{article}/diff.png?from=1&to=2")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as opened:
        image = opened.convert("RGB")
    # 31 paragraphs of ~25 words would be ~1,900 px tall; only the changes are drawn.
    assert image.width == WIDTH and 250 < image.height < 700
    deleted, inserted = rows_with(image, DELETED_BACKGROUND), rows_with(image, INSERTED_BACKGROUND)
    pixels = image.load()
    rules = [  # rows drawn as a rule: RULE across most of the width
        y
        for y in range(image.height)
        if sum(pixels[x, y] == RULE for x in range(image.width)) > image.width * 0.8
    ]
    headline_end = rules[0]  # the rule under the headline
    # The headline's change is marked above the rule, the text's below it.
    assert any(y < headline_end for y in deleted) and any(y < headline_end for y in inserted)
    below = [y for y in inserted if y > headline_end]
    assert below, "the inserted paragraph and word are marked"
    # "story" -> "saga" sits on one line: its deletion and insertion share those rows.
    text_deleted = {y for y in deleted if y > headline_end}
    assert text_deleted and text_deleted <= set(below)
    # No highlight in the outlet and times lines above the headline.
    first_mark = min(deleted | inserted)
    assert first_mark > 60


def test_a_missing_version_is_a_clean_404(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        article = seed(store)
        missing, absent = get(
            store, f"/articles/{article}/diff.png?from=1&to=9", "/articles/999/diff.png"
        )
    assert missing.status_code == 404 and absent.status_code == 404


def test_an_article_with_one_version_says_so_instead_of_an_empty_diff(tmp_path: Path) -> None:
    with Store(tmp_path / "one.db") as store:
        with store.write() as connection:
            article = _article(connection, "https://wire.example/one", None, "Budget passes")
            _version(connection, article, 1, "new", "Budget passes", "One paragraph.", T0)
        two = seed(store)
        single, same = get(store, f"/articles/{article}/diff", f"/articles/{two}/diff?from=2&to=2")
    page = lxml_html.fromstring(single.text)
    assert single.status_code == 200
    assert "Only one version" in page.text_content()
    # Nothing to pick, compare or share: no form, no table, no image link.
    assert not page.cssselect("form.pick, .diff, a.share")
    picked = lxml_html.fromstring(same.text)
    assert "the same version" in picked.text_content() and not picked.cssselect("a.share")
    assert picked.cssselect("form.pick")  # a second version can still be picked


@pytest.mark.parametrize("tag", ["<script>alert(1)</script>", "a & b < c"])
def test_marked_text_is_escaped_on_the_page(tmp_path: Path, tag: str) -> None:
    with Store(tmp_path / "x.db") as store:
        with store.write() as connection:
            article = _article(connection, "https://x.example/a", None, "T", count=2)
            _version(connection, article, 1, "new", "T", "Plain words here.", T0)
            _version(connection, article, 2, "new", "T", f"Plain words {tag} here.", T0)
        (page,) = get(store, f"/articles/{article}/diff")
    assert tag not in page.text and "<ins>" in page.text
