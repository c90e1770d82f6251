"""The scoring engine: PHQ-9 worked examples, reverse keying, methods, bands and stages
(no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from peerpath.measures.definitions import Instrument
from peerpath.measures.scoring import (
    reverse_code,
    score_one,
    score_range,
    score_responses,
)
from peerpath.measures.tests._scoring_helpers import (
    NAN,
    label,
    make_instrument,
)

# --- PHQ-9 worked examples -------------------------------------------------------


def test_phq9_all_threes_score_27_in_the_severe_band(phq9: Instrument) -> None:
    result = score_one(phq9, {str(i): 3 for i in range(1, 10)})

    total = result["scores"]["total"]
    assert total["value"] == 27
    assert total["band_label"] == {"en": "Severe", "zh-hant": "重度"}
    assert total["flag"] is True
    assert total["prorated"] is False


def test_phq9_known_vector_sums_to_its_band(phq9: Instrument) -> None:
    result = score_responses(
        phq9, [[1, 2, 0, 1, 3, 0, 2, 1, 0], [0] * 9, [1, 1, 1, 1, 0, 0, 0, 0, 0]]
    )

    total = result["total"]
    assert total.value.tolist() == [10, 0, 4]
    assert total.band_labels() == ["Moderate", "Minimal", "Minimal"]
    assert total.flag.tolist() == [True, False, False]
    assert score_range(phq9, "total") == (0, 27)


def test_phq9_item_9_above_zero_fires_the_safety_rule(phq9: Instrument) -> None:
    result = score_responses(phq9, [[0] * 8 + [1], [0] * 9, [0] * 8 + [NAN], [3] * 8 + [0]])

    assert result.safety_hits[:, 0].tolist() == [True, False, False, False]
    assert [r.item for r in result.safety_rules_fired(0)] == ["9"]
    assert score_one(phq9, {"9": 2})["safety"][0]["item"] == "9"


def test_phq9_eight_answered_items_are_prorated_and_rounded_half_up(phq9: Instrument) -> None:
    # 4 over 8 answered items: 4 / 8 × 9 = 4.5, rounded half up to 5 (banker's
    # rounding would give 4, and a different band).
    result = score_one(phq9, {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0, "6": 0, "7": 0, "8": 0})

    total = result["scores"]["total"]
    assert total == {
        "value": 5.0,
        "n_answered": 8,
        "prorated": True,
        "valid": True,
        "band_index": 1,
        "band_label": {"en": "Mild", "zh-hant": "輕度"},
        "flag": False,
    }


def test_phq9_seven_answered_items_are_not_scorable(phq9: Instrument) -> None:
    result = score_responses(phq9, [[3, 3, 3, 3, 3, 3, 3, NAN, NAN]])

    total = result["total"]
    assert math.isnan(total.value[0])
    assert total.valid.tolist() == [False]
    assert total.n_answered.tolist() == [7]
    assert total.band(0) is None
    assert total.band_labels() == [None]
    assert total.flag.tolist() == [False]


def test_list_of_dicts_and_matrix_give_the_same_scores(phq9: Instrument) -> None:
    rows = [[1, 2, 0, 1, 3, 0, 2, 1, 0], [0, 1, 2, 3, 0, 1, 2, NAN, 3]]
    dicts = [{str(i + 1): v for i, v in enumerate(row) if not math.isnan(v)} for row in rows]

    np.testing.assert_array_equal(
        score_responses(phq9, rows)["total"].value, score_responses(phq9, dicts)["total"].value
    )


def test_no_responses_give_empty_arrays(phq9: Instrument) -> None:
    result = score_responses(phq9, [])

    assert result.n_responses == 0
    assert result["total"].value.shape == (0,)


# --- reverse keying, unscored items, methods ------------------------------------


def test_reverse_keyed_items_are_recoded_before_summing() -> None:
    inst = make_instrument(
        items=[{"id": "a"}, {"id": "b", "reverse": True}, {"id": "c"}],
        scores=[
            {"id": "total", "items": ["a", "b", "c"], "method": "sum"},
            {"id": "average", "items": ["a", "b", "c"], "method": "mean"},
        ],
    )

    result = score_responses(inst, [[5, 5, 5], [1, 2, 3]])

    assert result["total"].value.tolist() == [11, 8]  # 5 + (1 + 5 − 5) + 5; 1 + 4 + 3
    assert result["average"].value.tolist() == pytest.approx([11 / 3, 8 / 3])
    assert reverse_code(inst, np.array([[5.0, 5.0, 5.0]])).tolist() == [[5, 1, 5]]


def test_unscored_items_are_validated_but_ignored() -> None:
    inst = make_instrument(
        items=[{"id": "a"}, {"id": "filler", "scored": False}, {"id": "b"}],
        scores=[{"id": "total", "items": ["a", "b"], "method": "sum"}],
    )

    assert score_one(inst, {"a": 2, "filler": 5, "b": 3})["scores"]["total"]["value"] == 5
    assert score_one(inst, {"a": 2, "b": 3})["scores"]["total"]["n_answered"] == 2
    with pytest.raises(ValueError, match="'filler': value 9"):
        score_one(inst, {"a": 2, "filler": 9, "b": 3})


def test_mean_score_uses_the_answered_items_when_enough_are_answered() -> None:
    inst = make_instrument(
        items=[{"id": str(i)} for i in range(1, 5)],
        scores=[
            {
                "id": "m",
                "items": ["1", "2", "3", "4"],
                "method": "mean",
                "prorate": {"min_answered": 3, "method": "mean_of_answered"},
            }
        ],
    )

    result = score_responses(inst, [[4, 2, 3, NAN], [4, NAN, NAN, 1], [1, 2, 3, 4]])["m"]

    assert result.value[0] == 3 and result.prorated[0]
    assert math.isnan(result.value[1]) and not result.valid[1]
    assert result.value[2] == 2.5 and not result.prorated[2]


def test_sum_without_prorate_needs_every_item() -> None:
    inst = make_instrument(
        items=[{"id": "a"}, {"id": "b"}], scores=[{"id": "t", "items": ["a", "b"], "method": "sum"}]
    )

    assert score_one(inst, {"a": 3})["scores"]["t"]["value"] is None


def test_multiplier_applies_after_combining_and_to_the_range() -> None:
    sets = {"zero5": {"options": [{"value": v, "label": label(str(v))} for v in range(6)]}}
    inst = make_instrument(
        response_sets=sets,
        items=[{"id": str(i)} for i in range(1, 6)],
        scores=[
            {
                "id": "percent",
                "items": [str(i) for i in range(1, 6)],
                "method": "sum",
                "multiplier": 4,
            }
        ],
    )

    assert score_one(inst, {str(i): 3 for i in range(1, 6)})["scores"]["percent"]["value"] == 60
    assert score_range(inst, "percent") == (0, 100)


def test_prorated_range_of_items_with_different_scales_reaches_past_the_complete_sum() -> None:
    sets = {
        "binary": {
            "options": [{"value": 0, "label": label("no")}, {"value": 1, "label": label("yes")}]
        },
        "vas": {
            "continuous": True,
            "options": [{"value": 0, "label": label("0")}, {"value": 10, "label": label("10")}],
        },
    }
    inst = make_instrument(
        response_sets=sets,
        items=[{"id": "a", "response_set": "binary"}, {"id": "b", "response_set": "vas"}],
        scores=[{"id": "t", "items": ["a", "b"], "method": "sum", "prorate": {"min_answered": 1}}],
    )

    assert score_range(inst, "t") == (0, 20)
    assert score_one(inst, {"b": 10})["scores"]["t"]["value"] == 20
    assert score_one(inst, {"a": 1, "b": 7.25})["scores"]["t"]["value"] == 8.25


def test_more_missing_than_max_missing_leaves_every_score_unscored() -> None:
    inst = make_instrument(
        items=[{"id": str(i)} for i in range(1, 7)] + [{"id": "filler", "scored": False}],
        scores=[
            {"id": "x", "items": ["1", "2", "3"], "method": "mean", "prorate": {"min_answered": 1}},
            {"id": "y", "items": ["4", "5", "6"], "method": "mean", "prorate": {"min_answered": 1}},
        ],
        max_missing=2,
    )

    result = score_responses(inst, [[1, NAN, NAN, 4, 5, 5, NAN], [1, NAN, NAN, NAN, 5, 5, 3]])

    assert result.too_many_missing.tolist() == [False, True]  # the unscored filler does not count
    assert result["x"].value[0] == 1 and result["y"].value[0] == pytest.approx(14 / 3)
    assert not result["x"].valid[1] and not result["y"].valid[1]
    assert not result["x"].prorated[1]


def test_a_reverse_keyed_item_needs_a_symmetric_response_set() -> None:
    sets = {"odd": {"options": [{"value": v, "label": label(str(v))} for v in (0, 1, 3)]}}
    inst = make_instrument(
        response_sets=sets,
        items=[{"id": "a", "reverse": True}],
        scores=[{"id": "t", "items": ["a"], "method": "sum"}],
    )

    with pytest.raises(
        ValueError, match="item a is reverse-keyed but response set 'odd' is not symmetric"
    ):
        score_one(inst, {"a": 1})


def test_integer_rounding_of_a_mean_score_is_refused() -> None:
    inst = make_instrument(
        items=[{"id": "a"}, {"id": "b"}],
        scores=[
            {
                "id": "m",
                "items": ["a", "b"],
                "method": "mean",
                "prorate": {"min_answered": 1, "round_to": "integer"},
            }
        ],
    )

    with pytest.raises(ValueError, match="round_to: integer is defined for sum scores only"):
        score_range(inst, "m")


# --- bands ---------------------------------------------------------------------


def ismi_like() -> Instrument:
    bands = [
        {"min": 1, "max": 2, "label": label("minimal")},
        {"min": 2.01, "max": 2.5, "label": label("mild")},
        {"min": 2.51, "max": 3, "label": label("moderate"), "flag": True},
        {"min": 3.01, "max": 4, "label": label("severe"), "flag": True},
    ]
    sets = {"agree4": {"options": [{"value": v, "label": label(str(v))} for v in range(1, 5)]}}
    return make_instrument(
        response_sets=sets,
        items=[{"id": str(i)} for i in range(1, 4)],
        scores=[
            {
                "id": "mean",
                "items": ["1", "2", "3"],
                "method": "mean",
                "bands": bands,
                "direction": "higher_is_worse",
            }
        ],
    )


def test_mean_bands_are_inclusive_at_both_ends() -> None:
    result = score_responses(
        ismi_like(), [[2, 2, 2], [2, 2, 3], [3, 3, 2], [3, 3, 3], [4, 4, 2], [1, 1, 1]]
    )["mean"]

    # 2.0, 2.33, 2.67, 3.0, 3.33, 1.0
    assert result.band_labels() == ["minimal", "mild", "moderate", "moderate", "severe", "minimal"]
    assert result.flag.tolist() == [False, False, True, True, True, False]


def test_band_edges_tolerate_floating_point_error() -> None:
    # 3 × 0.7 is 2.0999999999999996 in floating point: still in the band from 2.1.
    inst = make_instrument(
        items=[{"id": "a"}, {"id": "b"}],
        scores=[
            {
                "id": "t",
                "items": ["a", "b"],
                "method": "sum",
                "multiplier": 0.7,
                "bands": [{"min": 2.1, "max": 7, "label": label("in")}],
            }
        ],
    )

    assert score_one(inst, {"a": 1, "b": 2})["scores"]["t"]["band_label"] == {"en": "in"}


def test_a_value_in_a_gap_between_bands_has_no_band() -> None:
    inst = make_instrument(
        items=[{"id": "a"}, {"id": "b"}],
        scores=[
            {
                "id": "m",
                "items": ["a", "b"],
                "method": "mean",
                "bands": [
                    {"min": 1, "max": 2, "label": label("low")},
                    {"min": 3, "max": 5, "label": label("high")},
                ],
            }
        ],
    )

    assert score_one(inst, {"a": 2, "b": 3})["scores"]["m"]["band_index"] is None


# --- stages ----------------------------------------------------------------------


def stage_instrument() -> Instrument:
    return make_instrument(
        items=[{"id": str(i)} for i in range(1, 7)],
        scores=[
            {"id": "moratorium", "items": ["1", "2"], "method": "sum"},
            {"id": "awareness", "items": ["3", "4"], "method": "sum"},
            {"id": "growth", "items": ["5", "6"], "method": "sum"},
        ],
        stage={"scores": ["moratorium", "awareness", "growth"]},
    )


def test_stage_is_the_highest_stage_score_and_ties_are_all_reported() -> None:
    result = score_responses(
        stage_instrument(),
        [[1, 1, 5, 5, 2, 2], [5, 4, 1, 1, 4, 5], [1, 1, 1, 1, 1, 1], [5, 5, NAN, 1, 1, 1]],
    )

    assert result.stage(0) == ("awareness",)
    assert result.stage(1) == ("moratorium", "growth")
    assert result.stage(2) == ("moratorium", "awareness", "growth")
    assert result.stage(3) == ()  # awareness not scorable: stage undetermined


def test_score_one_reports_the_stage_and_none_without_a_stage_rule(phq9: Instrument) -> None:
    assert score_one(stage_instrument(), {"1": 1, "2": 1, "3": 1, "4": 1, "5": 5, "6": 5})[
        "stage"
    ] == ["growth"]
    assert score_one(phq9, {"1": 0})["stage"] is None
    with pytest.raises(ValueError, match="no stage rule"):
        score_responses(phq9, [[0] * 9]).stage(0)
