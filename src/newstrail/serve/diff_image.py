"""A diff as a PNG to share: the changed paragraphs only, with headline, outlet and times.

diffengine and NYTdiff users post images of diffs; a cropped image of the
edit (edsu/diffengine #34) reads at a glance where a full page would not.
Drawn with Pillow, no browser, so it renders the same in CI and on a server
without Chromium. The font is DejaVu Sans, shipped in ``serve/fonts`` with
its licence (Bitstream Vera licence: redistribution allowed with the notice,
unmodified), so the image never depends on the fonts a machine happens to
have. Colours match the web diff (``del`` and ``ins`` in style.css).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from newstrail.serve.diff_rows import DiffRow, Segment, VersionDiff

if TYPE_CHECKING:
    from PIL.ImageDraw import ImageDraw
    from PIL.ImageFont import FreeTypeFont

WIDTH = 1000
MARGIN = 36
INK = (29, 29, 31)
MUTED = (102, 102, 102)
RULE = (221, 221, 221)
BACKGROUND = (255, 255, 255)
DELETED_BACKGROUND = (251, 211, 208)  # style.css del
DELETED_INK = (122, 28, 20)
INSERTED_BACKGROUND = (205, 238, 211)  # style.css ins
INSERTED_INK = (20, 83, 45)
MAX_LINES = 60  # a rewrite still gives an image a person can read; the rest is counted


@dataclass(frozen=True)
class _Word:
    """A word to draw with its tag, and the space after it."""

    text: str
    tag: str
    space: bool


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> FreeTypeFont:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    with resources.as_file(resources.files("newstrail.serve") / "fonts" / name) as path:
        return ImageFont.truetype(str(path), size)


def _words(segments: tuple[Segment, ...]) -> list[_Word]:
    """Segments split into words, each remembering whether a space follows."""
    words: list[_Word] = []
    for segment in segments:
        text = segment.text
        if words and text[:1].isspace():  # the space after the previous run
            words[-1] = _Word(words[-1].text, words[-1].tag, True)
        parts = text.split()
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            # A deletion is always followed by a gap, so it does not run into
            # the insertion that replaces it ("China-RussiaBeijing-Moscow").
            space = not last or text[-1:].isspace() or segment.tag == "delete"
            words.append(_Word(part, segment.tag, space))
    return words


def _lines(words: list[_Word], font: FreeTypeFont, width: int) -> list[list[tuple[_Word, float]]]:
    """Words wrapped to ``width`` pixels: each line a list of (word, x)."""
    space = font.getlength(" ")
    lines: list[list[tuple[_Word, float]]] = [[]]
    x = 0.0
    for word in words:
        length = font.getlength(word.text)
        if lines[-1] and x + length > width:
            lines.append([])
            x = 0.0
        lines[-1].append((word, x))
        x += length + (space if word.space else 0)
    return [line for line in lines if line]


class _Canvas:
    """Lines laid out first (to know the height), drawn afterwards."""

    def __init__(self) -> None:
        self.ops: list[tuple[str, float, list[tuple[_Word, float]] | str, FreeTypeFont]] = []
        self.y = float(MARGIN)
        self.lines = 0

    def text(self, text: str, font: FreeTypeFont, gap: float = 6) -> None:
        self.ops.append(("plain", self.y, text, font))
        self.y += font.size * 1.35 + gap

    def marked(self, segments: tuple[Segment, ...], font: FreeTypeFont, gap: float = 10) -> None:
        for line in _lines(_words(segments), font, WIDTH - 2 * MARGIN):
            self.ops.append(("marked", self.y, line, font))
            self.y += font.size * 1.5
            self.lines += 1
        self.y += gap

    def rule(self) -> None:
        self.ops.append(("rule", self.y, "", _font(12)))
        self.y += 14

    def draw(self, draw: ImageDraw) -> None:
        for kind, y, content, font in self.ops:
            if kind == "rule":
                draw.line([(MARGIN, y), (WIDTH - MARGIN, y)], fill=RULE, width=1)
            elif kind == "plain" and isinstance(content, str):
                draw.text((MARGIN, y), content, font=font, fill=INK if font.size > 16 else MUTED)
            elif isinstance(content, list):
                _draw_line(draw, content, y, font)


def _draw_line(
    draw: ImageDraw, line: list[tuple[_Word, float]], y: float, font: FreeTypeFont
) -> None:
    height = font.size * 1.3
    space = font.getlength(" ")
    for word, x in line:
        left = MARGIN + x
        length = font.getlength(word.text)
        ink = INK
        if word.tag in ("delete", "insert"):
            background = DELETED_BACKGROUND if word.tag == "delete" else INSERTED_BACKGROUND
            ink = DELETED_INK if word.tag == "delete" else INSERTED_INK
            right = left + length + (space if word.space else 0)
            draw.rectangle([left - 1, y - 2, right, y + height - 2], fill=background)
        draw.text((left, y), word.text, font=font, fill=ink)
        if word.tag == "delete":
            middle = y + height * 0.45
            draw.line([(left, middle), (left + length, middle)], fill=DELETED_INK, width=1)


def changed_groups(rows: list[DiffRow]) -> list[list[DiffRow]]:
    """The changed rows, in runs of adjacent ones (a gap between runs is drawn as …)."""
    groups: list[list[DiffRow]] = []
    previous = -2
    for index, row in enumerate(rows):
        if row.kind == "equal":
            continue
        if index != previous + 1 or not groups:
            groups.append([])
        groups[-1].append(row)
        previous = index
    return groups


def render_diff_png(diff: VersionDiff) -> bytes:
    """The diff as a PNG: outlet and times, the headline, then the changed paragraphs.

    Args:
        diff: two versions from ``serve.diff_rows.load_version_diff``.

    Returns:
        PNG bytes, ``WIDTH`` pixels wide and as tall as the changes need
        (at most ``MAX_LINES`` lines of changed text; the rest is counted).
    """
    from PIL import Image, ImageDraw

    canvas = _Canvas()
    when = (
        f"version {diff.old.number} ({diff.old.captured_at:%Y-%m-%d %H:%M} UTC) → "
        f"version {diff.new.number} ({diff.new.captured_at:%Y-%m-%d %H:%M} UTC)"
    )
    canvas.text(diff.outlet or "Unknown outlet", _font(24, bold=True), gap=2)
    canvas.text(when, _font(15), gap=10)
    canvas.marked(diff.headline.inline or (Segment("equal", "(no headline)"),), _font(26, True))
    canvas.rule()
    groups = changed_groups(diff.rows)
    shown = 0
    for number, group in enumerate(groups):
        if number and canvas.lines < MAX_LINES:
            canvas.text("…", _font(18))
        for row in group:
            if canvas.lines >= MAX_LINES:
                break
            canvas.marked(row.inline, _font(18))
            shown += 1
    changed = sum(len(group) for group in groups)
    if not changed:
        canvas.text("The text did not change.", _font(16))
    elif shown < changed:
        canvas.text(f"… and {changed - shown} more changed paragraphs", _font(16))
    canvas.rule()
    canvas.text(f"{diff.url} · newstrail", _font(13), gap=0)
    image = Image.new("RGB", (WIDTH, int(canvas.y + MARGIN)), BACKGROUND)
    canvas.draw(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
