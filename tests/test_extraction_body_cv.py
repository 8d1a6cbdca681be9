"""The body cross-validation bench: choices made on training pages, the extractor left as found."""

from __future__ import annotations

from typing import Any

from bench.extraction_body_cv import GRID, cascade_config, choose
from newstrail.extract import article
from newstrail.extract.article import extract_html

PAGE = (
    "<html><head><title>Harbour closed</title></head><body><article><h1>Harbour closed</h1>"
    + "".join(
        f"<p>The harbour stayed closed on day {n} after the storm damaged the pier, the port "
        "authority said, and ferries will not sail until the repairs are done.</p>"
        for n in range(6)
    )
    + "</article></body></html>"
)


def test_choose_picks_the_best_config_on_the_given_pages_only() -> None:
    perfect, useless = (1.0, 0.0, 0.0), (0.0, 1.0, 1.0)
    counts = {config: [useless, useless, useless] for config in GRID}
    counts[GRID[3]] = [perfect, perfect, useless]
    counts[GRID[5]] = [useless, useless, perfect]
    assert choose(counts, [0, 1]) == GRID[3]
    assert choose(counts, [2]) == GRID[5]


def test_cascade_config_memoises_passes_and_restores_the_extractor() -> None:
    original_pass, original_share = article._trafilatura_text, article._MIN_PARAGRAPH_SHARE
    memo: dict[tuple[object, ...], Any] = {}
    with cascade_config((False, 0.5), memo):
        assert article._MIN_PARAGRAPH_SHARE == 0.5
        first = extract_html(PAGE).text
        # Balanced mode: the first pass ran without favor_precision.
        assert (True, False, False) in memo
        assert extract_html(PAGE).text == first
    assert article._trafilatura_text is original_pass
    assert original_share == article._MIN_PARAGRAPH_SHARE
    assert "day 3 after the storm" in first
