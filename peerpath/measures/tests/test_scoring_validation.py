"""The scoring engine: invalid answers, rounding, the answer matrix, and every library
instrument scoring its extremes within range (no database)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from peerpath.measures.definitions import LIBRARY_DIR, Instrument, load_file
from peerpath.measures.scoring import (
    answer_matrix,
    reverse_code,
    round_half_up,
    score_one,
    score_range,
    score_responses,
)
from peerpath.measures.tests._scoring_helpers import (
    label,
    make_instrument,
)

# --- invalid answers -----------------------------------------------------------


def test_an_answer_outside_the_options_names_response_item_and_value(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match=r"response 1, item '4': value 4 is not one of 0, 1, 2, 3"):
        score_responses(phq9, [[0] * 9, [0, 0, 0, 4, 0, 0, 0, 0, 0]])


def test_a_fractional_answer_to_a_discrete_item_is_rejected(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match=r"response 0, item '2': value 1.5"):
        score_one(phq9, {"2": 1.5})


def test_an_unknown_item_id_is_rejected(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match=r"response 2, item '10': unknown item id .* \(value 1\)"):
        score_responses(phq9, [{"1": 0}, {"1": 0}, {"10": 1}])


def test_a_continuous_answer_out_of_range_is_rejected() -> None:
    sets = {
        "vas": {
            "continuous": True,
            "options": [{"value": 0, "label": label("0")}, {"value": 10, "label": label("10")}],
        }
    }
    inst = make_instrument(
        response_sets=sets,
        items=[{"id": "v"}],
        scores=[{"id": "t", "items": ["v"], "method": "sum"}],
    )

    assert score_one(inst, {"v": 7.3})["scores"]["t"]["value"] == 7.3
    with pytest.raises(
        ValueError, match=r"response 0, item 'v': value 10.5 is not a number from 0 to 10"
    ):
        score_one(inst, {"v": 10.5})


@pytest.mark.parametrize("value", ["2", True, [1]])
def test_a_non_numeric_answer_is_rejected(phq9: Instrument, value: object) -> None:
    with pytest.raises(ValueError, match=r"response 0, item '3': value .* is not a number"):
        score_one(phq9, {"3": value})  # type: ignore[dict-item]


def test_a_matrix_of_the_wrong_width_is_rejected(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match="n_responses × 9 items"):
        score_responses(phq9, [[0] * 8])


def test_every_invalid_answer_is_counted(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match=r"\(and 8 more\)"):
        score_responses(phq9, [[7] * 9] * 2)


def test_round_half_up_is_not_bankers_rounding() -> None:
    assert round_half_up(np.array([0.5, 1.5, 2.5, 12.5, 2.4999, -0.5])).tolist() == [
        1,
        2,
        3,
        13,
        2,
        0,
    ]


# --- the library -----------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(LIBRARY_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_library_instrument_scores_its_extremes_within_range(path: Any) -> None:
    inst = load_file(path)
    sets = [inst.response_sets[i.response_set] for i in inst.items]
    lowest = [s.low for s in sets]
    highest = [s.high for s in sets]
    result = score_responses(inst, [lowest, highest, reverse_code(inst, np.array([lowest]))[0]])
    for score in inst.scores:
        low, high = score_range(inst, score.id)
        values = result[score.id].value
        assert np.all((values >= low - 1e-9) & (values <= high + 1e-9)), score.id
        assert result[score.id].valid.all(), score.id


def test_answer_matrix_accepts_none_as_missing(phq9: Instrument) -> None:
    matrix = answer_matrix(phq9, [[0, None, 1, 2, 3, 0, 1, 2, 3]])

    assert math.isnan(matrix[0, 1])
