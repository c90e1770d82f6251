"""The scoring engine: hypothesis properties over generated instruments (no database)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerpath.measures.definitions import Instrument
from peerpath.measures.scoring import (
    reverse_code,
    score_range,
    score_responses,
)
from peerpath.measures.tests._scoring_helpers import (
    NAN,
    PROPERTY,
    label,
    make_instrument,
)

# --- properties ----------------------------------------------------------------

HALVES = st.integers(-4, 12).map(lambda v: v / 2)


@st.composite
def instruments(
    draw: st.DrawFn, exact: bool = False, all_reversed: bool = False, prorate: bool | None = None
) -> Instrument:
    """A random instrument: 1–3 response sets (continuous ones unless ``exact``),
    1–6 items, a sum or mean score over them (optionally prorated) with a
    multiplier, and one unscored item now and then."""
    sets: dict[str, Any] = {}
    for s in range(draw(st.integers(1, 3))):
        if not exact and draw(st.booleans()):
            low = draw(HALVES)
            values = [low, low + draw(st.integers(1, 20)) / 2]
            sets[f"s{s}"] = {
                "continuous": True,
                "options": [{"value": v, "label": label(str(v))} for v in values],
            }
        else:  # evenly spaced, as a reverse-keyed item's options must be symmetric
            low, step = draw(HALVES), draw(st.sampled_from([0.5, 1, 2]))
            values = [low + step * i for i in range(draw(st.integers(2, 6)))]
            if draw(st.booleans()):
                values.reverse()  # options listed high to low
            sets[f"s{s}"] = {"options": [{"value": v, "label": label(str(v))} for v in values]}
    n = draw(st.integers(1, 6))
    items = [
        {
            "id": f"i{j}",
            "response_set": draw(st.sampled_from(sorted(sets))),
            "reverse": all_reversed or draw(st.booleans()),
        }
        for j in range(n)
    ]
    if draw(st.booleans()):
        items.append({"id": "filler", "response_set": "s0", "scored": False})
    method = draw(st.sampled_from(["sum", "mean"]))
    score: dict[str, Any] = {"id": "s", "items": [f"i{j}" for j in range(n)], "method": method}
    score["multiplier"] = draw(st.sampled_from([1, 1, 4, 0.5]))
    if prorate is not False and (prorate or draw(st.booleans())):
        rounding = "none" if method == "mean" else draw(st.sampled_from(["none", "integer"]))
        score["prorate"] = {
            "min_answered": draw(st.integers(1, n)),
            "method": "scale_up",
            "round_to": rounding,
        }
    return make_instrument(response_sets=sets, items=items, scores=[score])


def answers_for(draw: st.DrawFn, inst: Instrument, rows: int, complete: bool = False) -> np.ndarray:
    matrix = np.full((rows, len(inst.items)), NAN)
    for r in range(rows):
        for j, item in enumerate(inst.items):
            response_set = inst.response_sets[item.response_set]
            if not complete and draw(st.integers(0, 4)) == 0:
                continue
            if response_set.continuous:
                matrix[r, j] = draw(st.floats(response_set.low, response_set.high, allow_nan=False))
            else:
                matrix[r, j] = draw(st.sampled_from(response_set.values))
    return matrix


@st.composite
def scored_cases(draw: st.DrawFn, **kwargs: Any) -> tuple[Instrument, np.ndarray]:
    complete = kwargs.pop("complete", False)
    inst = draw(instruments(**kwargs))
    return inst, answers_for(draw, inst, draw(st.integers(1, 6)), complete=complete)


@PROPERTY
@given(scored_cases())
def test_scores_stay_within_the_theoretical_range(case: tuple[Instrument, np.ndarray]) -> None:
    inst, answers = case
    low, high = score_range(inst, "s")
    values = score_responses(inst, answers)["s"].value
    values = values[~np.isnan(values)]
    assert np.all((values >= low - 1e-9) & (values <= high + 1e-9))


@PROPERTY
@given(scored_cases())
def test_vectorised_scoring_equals_scoring_each_row_alone(
    case: tuple[Instrument, np.ndarray],
) -> None:
    inst, answers = case
    together = score_responses(inst, answers)["s"]
    for r in range(answers.shape[0]):
        alone = score_responses(inst, answers[r : r + 1])["s"]
        np.testing.assert_array_equal(alone.value, together.value[r : r + 1])
        assert alone.n_answered[0] == together.n_answered[r]
        assert alone.prorated[0] == together.prorated[r]
        assert alone.band_index[0] == together.band_index[r]


@PROPERTY
@given(scored_cases())
def test_reverse_coding_twice_gives_the_original_answers(
    case: tuple[Instrument, np.ndarray],
) -> None:
    inst, answers = case
    np.testing.assert_allclose(reverse_code(inst, reverse_code(inst, answers)), answers, atol=1e-9)


@PROPERTY
@given(scored_cases(all_reversed=True, prorate=False, complete=True))
def test_a_response_and_its_mirror_image_sum_to_min_plus_max(
    case: tuple[Instrument, np.ndarray],
) -> None:
    inst, answers = case
    mirror = reverse_code(inst, answers)  # every scored item is reversed: low + high − value
    low, high = score_range(inst, "s")
    total = score_responses(inst, answers)["s"].value + score_responses(inst, mirror)["s"].value
    np.testing.assert_allclose(total, low + high, atol=1e-9)


@PROPERTY
@given(scored_cases(exact=True, prorate=True, complete=True))
def test_scale_up_of_a_complete_response_equals_the_plain_sum(
    case: tuple[Instrument, np.ndarray],
) -> None:
    inst, answers = case
    score = inst.score("s")
    result = score_responses(inst, answers)["s"]
    recoded = reverse_code(inst, answers)[:, : len(score.items)]
    combined = recoded.sum(axis=1) if score.method == "sum" else recoded.mean(axis=1)
    np.testing.assert_allclose(result.value, combined * score.multiplier, atol=1e-9)
    assert not result.prorated.any()


@PROPERTY
@given(scored_cases(exact=True, prorate=True))
def test_prorated_sums_follow_the_rule_exactly(case: tuple[Instrument, np.ndarray]) -> None:
    inst, answers = case
    score = inst.score("s")
    assert score.prorate is not None
    result = score_responses(inst, answers)["s"]
    recoded = reverse_code(inst, answers)[:, : len(score.items)]
    k = len(score.items)
    for r, row in enumerate(recoded.tolist()):
        answered = [Fraction(v) for v in row if not math.isnan(v)]
        if len(answered) < score.prorate.min_answered:
            assert math.isnan(result.value[r])
            continue
        if score.method == "mean":
            expected = sum(answered) / len(answered)
        elif len(answered) == k:
            expected = sum(answered, Fraction(0))
        else:
            expected = sum(answered, Fraction(0)) * k / len(answered)
            if score.prorate.round_to == "integer":
                expected = Fraction(math.floor(expected + Fraction(1, 2)))
        assert result.value[r] == pytest.approx(
            float(expected * Fraction(score.multiplier)), abs=1e-9
        )
        assert bool(result.prorated[r]) == (len(answered) < k)
