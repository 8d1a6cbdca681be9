"""The block segmentation and labelling behind ``bench.extraction_blocks``."""

from __future__ import annotations

import lxml.html

from bench.extraction_blocks import block_labels, kept_share
from bench.extraction_segments import FEATURE_NAMES, block_features, page_blocks

PAGE = """<html><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article class="story-body">
  <h1>Storm closes the harbour</h1>
  <p>The harbour was closed on Monday after a storm <a href="/x">damaged</a> the pier.</p>
  <div class="caption">A damaged pier. Photo: Jane Roe</div>
  <p>Ferries will resume on Wednesday, the port authority said in a statement.</p>
  <script>var x = "not text";</script>
</article>
<footer>Copyright 2026 Example News</footer>
</body></html>"""


def test_blocks_hold_their_own_text_with_context() -> None:
    blocks = page_blocks(lxml.html.fromstring(PAGE))
    texts = [block.text for block in blocks]
    assert texts == [
        "Home World",
        "Storm closes the harbour",
        "The harbour was closed on Monday after a storm damaged the pier.",
        "A damaged pier. Photo: Jane Roe",
        "Ferries will resume on Wednesday, the port authority said in a statement.",
        "Copyright 2026 Example News",
    ]
    navigation, _heading, first, caption, _second, footer = blocks
    assert navigation.in_furniture and navigation.link_chars == len("Home") + len("World")
    assert first.in_article and not first.in_furniture and first.link_chars == len("damaged")
    assert caption.in_caption and footer.in_furniture
    rows = block_features(blocks, "Storm closes the harbour")
    assert all(len(row) == len(FEATURE_NAMES) for row in rows)
    overlap = FEATURE_NAMES.index("headline_overlap")
    assert rows[1][overlap] == 1.0 and rows[4][overlap] < 0.1


def test_labels_and_votes_follow_the_text_they_are_given() -> None:
    blocks = page_blocks(lxml.html.fromstring(PAGE))
    gold = (
        "The harbour was closed on Monday after a storm damaged the pier.\n"
        "Ferries will resume on Wednesday, the port authority said in a statement."
    )
    assert block_labels(blocks, gold).tolist() == [0, 0, 1, 0, 1, 0]
    shares = kept_share(blocks, "Ferries will resume on Wednesday, the port authority said")
    assert shares[4] > 0.5 and shares[2] == 0.0
