"""The coverage cues that bench/paraphrase_models.py measures beside the encoders."""

from __future__ import annotations

import numpy as np
import pytest

from bench.paraphrase_models import coverage_cues, load_encoder


def test_a_figure_written_two_ways_is_no_mismatch_but_another_figure_is() -> None:
    cues = coverage_cues(
        ["Sales rose 1,000 units in 2003.", "Sales rose 1,000 units in 2003."],
        ["In 2003 sales were up 1000 units.", "In 2003 sales were up 1,200 units."],
    )
    assert cues["number_mismatch"].tolist() == [0.0, 1.0]


def test_names_negations_and_length_are_compared_side_by_side() -> None:
    cues = coverage_cues(
        ["Shares of Microsoft fell on Monday.", "The deal was approved.", "He left."],
        ["Oracle shares fell on Monday.", "The deal wasn't approved.", "He left the firm at once."],
    )
    assert cues["name_mismatch"].tolist() == [1.0, 0.0, 0.0]
    assert cues["negation_mismatch"].tolist() == [0.0, 1.0, 0.0]
    assert np.allclose(cues["length_ratio"], [5 / 6, 4 / 5, 2 / 6])


def test_an_unknown_encoder_kind_is_refused() -> None:
    with pytest.raises(SystemExit, match="unknown encoder kind"):
        load_encoder("x=onnx:/nowhere")
