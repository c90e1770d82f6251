"""The scoring engine: worked examples, validation, and properties (no database)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpath.measures.definitions import LIBRARY_DIR, Instrument, load_file
from peerpath.measures.scoring import (
    answer_matrix,
    reverse_code,
    round_half_up,
    score_one,
    score_range,
    score_responses,
)

NAN = math.nan
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def phq9() -> Instrument:
    return load_file(LIBRARY_DIR / "phq9.yaml")


def label(text: str) -> dict[str, str]:
    return {"en": text}


def make_instrument(
    items: list[dict[str, Any]],
    scores: list[dict[str, Any]],
    response_sets: dict[str, Any] | None = None,
    **extra: Any,
) -> Instrument:
    """A small inline instrument; the default response set ``agree`` is 1–5."""
    sets = response_sets or {
        "agree": {"options": [{"value": v, "label": label(str(v))} for v in range(1, 6)]}
    }
    for item in items:
        item.setdefault("response_set", next(iter(sets)))
    for score in scores:
        score.setdefault("label", label(score["id"]))
        score.setdefault("direction", "higher_is_better")
    return Instrument.model_validate(
        {
            "id": "inline",
            "version": 1,
            "short_name": "Inline",
            "name": label("Inline test instrument"),
            "domain": "testing",
            "response_sets": sets,
            "items": items,
            "scores": scores,
            "licence": {"wording_redistributable": True, "text": "test"},
            "citation": "none",
            "translations": {"en": {"status": "original"}},
            **extra,
        }
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


def test_answer_matrix_accepts_none_as_missing(phq9: Instrument) -> None:
    matrix = answer_matrix(phq9, [[0, None, 1, 2, 3, 0, 1, 2, 3]])

    assert math.isnan(matrix[0, 1])
