"""Quality gate: dev-set scores must stay above the floors in ``quality_baselines.json``.

Every floor names a score that ``bench.quality`` measures with the benches' own
loaders and scorers on a fixed dev subset (extraction, clustering, quotes, edit
classification, reuse; about 30 CPU-seconds for the module). A score under its
floor fails with the floor's name, the score, the floor and when it was set.

Updating a floor, only deliberately and in the same commit as the change that
moves the score, with the reason in the commit message too::

    .venv/bin/python -m bench.quality --set-floor NAME [NAME ...] --reason "why"

(``--set-floor all`` re-measures every floor). A drop is accepted only as a
trade-off someone can name; a rise may raise the floor the same way. The JSON's
"about" and "how_to_update" fields say the same. The scores need the gold data
in ``../shared/data`` (or ``$NEWSTRAIL_SHARED_DATA``); without it they skip.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Any

import pytest

from bench.quality import STAGES, Score, load_baselines

BASELINES = load_baselines()
FLOORS: dict[str, dict[str, Any]] = BASELINES["floors"]


@functools.cache
def measured(stage: str) -> dict[str, Score]:
    """Every gated score of one stage, measured once per test session."""
    return {score.name: score for score in STAGES[stage]()}


@pytest.fixture
def scores_of(shared_data: object) -> Any:
    """``measured``, once the gold data is known to be there (the tests skip otherwise)."""
    return measured


def test_every_floor_says_what_where_when_and_why() -> None:
    assert BASELINES["tolerance"] > 0 and BASELINES["how_to_update"]
    for name, floor in FLOORS.items():
        assert floor["stage"] in STAGES, name
        assert name.startswith(floor["stage"] + "."), name
        assert floor["metric"] and floor["subset"] and floor["reason"], name
        assert re.fullmatch(r"[0-9a-f]{40}", floor["commit"]), name
        date.fromisoformat(floor["set_on"])
        # The floor is the measured score minus the tolerance (rounded down to
        # 4 places, from the unrounded score): never hand-edited apart.
        expected = floor["measured"] - floor["tolerance"]
        assert expected - 0.0002 <= floor["floor"] <= expected + 0.0001, name


@pytest.mark.parametrize("name", list(FLOORS))
def test_score_stays_above_its_floor(name: str, scores_of: Any) -> None:
    floor = FLOORS[name]
    score = scores_of(floor["stage"]).get(name)
    assert score is not None, f"{name}: bench.quality no longer measures this score"
    assert score.subset == floor["subset"], (
        f"{name}: measured on '{score.subset}' now, but its floor was set on "
        f"'{floor['subset']}'; re-measure it: python -m bench.quality --set-floor {name} "
        "--reason '...'"
    )
    assert score.value >= floor["floor"], (
        f"quality floor broken: {name} = {score.value:.4f} < floor {floor['floor']:.4f} "
        f"({floor['metric']}, {floor['subset']}; measured {floor['measured']:.4f} on "
        f"{floor['set_on']} at {floor['commit'][:12]}). If this drop is a deliberate "
        f"trade-off, move the floor in the same commit: python -m bench.quality "
        f"--set-floor {name} --reason '...' (see tests/quality_baselines.json)"
    )


@pytest.mark.parametrize("stage", list(STAGES))
def test_every_gated_score_has_a_floor(stage: str, scores_of: Any) -> None:
    floored = {name for name, floor in FLOORS.items() if floor["stage"] == stage}
    assert set(scores_of(stage)) == floored
