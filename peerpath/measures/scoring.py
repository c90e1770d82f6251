"""The scoring engine: answers in, scores, bands, safety alerts and stages out.

Pure Python and NumPy (no Django import). ``score_responses`` scores many
responses to one instrument at once: the answers are a matrix (one row per
response, one column per item in the order of ``instrument.items``, ``nan`` =
missing) and every step is a vectorised operation over the rows; only items,
scores, bands and rules are looped over.

The rules, in order:

1. Every answer is validated: a value that is not one of the item's response
   options (or lies outside ``[low, high]`` of a continuous set), or an unknown
   item id, raises ``ValueError`` naming the response index (0-based), the item
   id and the value. Unscored items are validated too, then ignored.
2. Reverse-keyed items are recoded as ``low + high - value`` of their response
   set, before anything is combined. The response set of a reverse-keyed item
   must be symmetric (its values mirrored are its values), else ``ValueError``.
3. A score combines its items:
   - ``sum`` without ``prorate``: every item must be answered.
   - ``sum`` with ``prorate``: at least ``min_answered`` items; a response with
     missing items is scaled up to ``mean of answered × number of items``
     (``scale_up``; ``mean_of_answered`` means the same for a sum). With
     ``round_to: integer`` the scaled-up value is rounded **half up** (13.5 → 14,
     not Python's banker's 14/12 alternation). A complete response is never
     rounded: it is the plain sum.
   - ``mean``: the mean of the answered items, if at least ``min_answered``
     (without ``prorate``: all) are answered.
   - Then the value is multiplied by ``multiplier``.
   - With the instrument's ``max_missing``, a response with more unanswered
     scored items than that gets no score at all (``too_many_missing``).
4. Bands are matched on the final value by inclusive ``min``/``max`` with a
   tolerance of 1e-9 (so a mean band of 2.01–2.5 behaves); a value in no band (a
   gap between bands, or not scored) has no band.
5. Safety rules compare the answer *as given* (before reverse keying) with
   ``at_least``.
6. For an instrument with a stage rule, the stage is the stage score(s) with the
   highest value; ties are reported as all tied ids, never broken. When a stage
   score is not scorable the stage is undetermined (no ids).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .definitions import Band, Instrument, SafetyRule, Score

TOLERANCE = 1e-9
MAX_REPORTED_ERRORS = 10

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ScoreResult:
    """One score over all responses; every array has one entry per response."""

    score: Score
    value: FloatArray  # nan where not scorable
    n_answered: IntArray  # answered items of this score
    prorated: BoolArray  # scored with missing items
    valid: BoolArray  # scorable (value is not nan)
    band_index: IntArray  # index into score.bands, -1 when in no band or not scored
    flag: BoolArray  # the band needs attention; False when no band

    def band(self, response: int) -> Band | None:
        index = int(self.band_index[response])
        return self.score.bands[index] if index >= 0 else None

    def band_labels(self, language: str = "en") -> list[str | None]:
        """The band label of each response in ``language`` (None: no band)."""
        labels = [b.label.get(language) for b in self.score.bands]
        return [labels[i] if i >= 0 else None for i in self.band_index.tolist()]


@dataclass(frozen=True)
class ScoringResult:
    """All scores of ``n_responses`` responses to ``instrument``."""

    instrument: Instrument
    n_responses: int
    scores: dict[str, ScoreResult]
    # safety_hits[r, k]: rule ``instrument.safety[k]`` fired for response r.
    safety_hits: BoolArray
    # stage_ties[r, k]: stage score ``instrument.stage.scores[k]`` has the highest
    # value of response r (several True = a tie); None without a stage rule.
    stage_ties: BoolArray | None
    # More unanswered scored items than the instrument's max_missing: no scores.
    too_many_missing: BoolArray

    def __getitem__(self, score_id: str) -> ScoreResult:
        return self.scores[score_id]

    def safety_rules_fired(self, response: int) -> list[SafetyRule]:
        return [
            rule
            for rule, hit in zip(self.instrument.safety, self.safety_hits[response], strict=True)
            if hit
        ]

    def stage(self, response: int) -> tuple[str, ...]:
        """The stage score id(s) of a response: one id, several when tied, none when
        undetermined. Raises ``ValueError`` for an instrument without a stage rule."""
        if self.stage_ties is None or self.instrument.stage is None:
            raise ValueError(f"instrument {self.instrument.id} has no stage rule")
        ids = self.instrument.stage.scores
        return tuple(i for i, tied in zip(ids, self.stage_ties[response], strict=True) if tied)


# --- answers ------------------------------------------------------------------------


def _as_number(value: object, response: int, item_id: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"response {response}, item {item_id!r}: value {value!r} is not a number")
    return float(value)


def answer_matrix(instrument: Instrument, answers: Any) -> FloatArray:
    """The answers as a float matrix (n_responses × n_items, ``nan`` = missing), not
    yet validated against the response options. ``answers`` is a 2-D array-like in
    the order of ``instrument.items`` or a sequence of dicts item id → value (a
    missing key or ``None`` = missing)."""
    n_items = len(instrument.items)
    if isinstance(answers, Mapping):
        raise ValueError("answers: expected a list of responses; use score_one() for a single dict")
    if (
        isinstance(answers, Sequence)
        and not isinstance(answers, str)
        and answers
        and isinstance(answers[0], Mapping)
    ):
        column = {item.id: j for j, item in enumerate(instrument.items)}
        matrix = np.full((len(answers), n_items), np.nan)
        for r, response in enumerate(answers):  # parsing only; scoring is vectorised
            if not isinstance(response, Mapping):
                raise ValueError(
                    f"response {r}: expected a dict of item id → value, got {type(response).__name__}"
                )
            for item_id, value in response.items():
                if item_id not in column:
                    raise ValueError(
                        f"response {r}, item {item_id!r}: unknown item id for {instrument.id} (value {value!r})"
                    )
                matrix[r, column[item_id]] = _as_number(value, r, str(item_id))
        return matrix
    try:
        matrix = np.array(answers, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"answers: not a numeric matrix ({exc})") from exc
    if matrix.size == 0:
        return np.empty((0, n_items))
    if matrix.ndim != 2 or matrix.shape[1] != n_items:
        raise ValueError(
            f"answers: expected a matrix of n_responses × {n_items} items of {instrument.id}, got shape {matrix.shape}"
        )
    return matrix


def validate_answers(instrument: Instrument, matrix: FloatArray) -> None:
    """Raise ``ValueError`` listing the answers that are not valid for their item."""
    problems: list[str] = []
    total = 0
    for j, item in enumerate(instrument.items):
        column = matrix[:, j]
        response_set = instrument.response_sets[item.response_set]
        if response_set.continuous:
            ok = (column >= response_set.low - TOLERANCE) & (
                column <= response_set.high + TOLERANCE
            )
            allowed = f"a number from {response_set.low:g} to {response_set.high:g}"
        else:
            options = np.array(response_set.values)
            ok = (np.abs(column[:, None] - options[None, :]) <= TOLERANCE).any(axis=1)
            allowed = "one of " + ", ".join(f"{v:g}" for v in response_set.values)
        bad = np.flatnonzero(~ok & ~np.isnan(column))
        total += bad.size
        for r in bad[: MAX_REPORTED_ERRORS - len(problems)].tolist():
            problems.append(f"response {r}, item {item.id!r}: value {column[r]:g} is not {allowed}")
    if problems:
        more = f" (and {total - len(problems)} more)" if total > len(problems) else ""
        raise ValueError(f"{instrument.id}: invalid answers{more}:\n  " + "\n  ".join(problems))


def reverse_code(instrument: Instrument, matrix: FloatArray) -> FloatArray:
    """Recode the reverse-keyed columns as ``low + high - value`` (a new matrix).
    Applying it twice gives the original answers."""
    mirror = np.array(
        [
            instrument.response_sets[i.response_set].low
            + instrument.response_sets[i.response_set].high
            for i in instrument.items
        ]
    )
    reverse = np.array([i.reverse for i in instrument.items], dtype=bool)
    return np.where(reverse[None, :], mirror[None, :] - matrix, matrix)


# --- scores -----------------------------------------------------------------------


def round_half_up(values: FloatArray) -> FloatArray:
    """Round to the nearest integer, halves upwards (13.5 → 14, 12.5 → 13), with a
    1e-9 allowance for floating-point error. NumPy's and Python's ``round`` use
    banker's rounding (12.5 → 12), which is not how questionnaire manuals round."""
    return np.floor(values + 0.5 + TOLERANCE)


def check_definition(instrument: Instrument) -> None:
    """Raise ``ValueError`` for rules the engine cannot apply: a reverse-keyed item
    whose response set is not symmetric (``low + high - value`` would not be an
    option), or ``round_to: integer`` on a mean score."""
    for item in instrument.items:
        response_set = instrument.response_sets[item.response_set]
        if item.reverse and not response_set.continuous:
            values = np.sort(response_set.values)
            if not np.allclose(
                values, response_set.low + response_set.high - values[::-1], atol=TOLERANCE
            ):
                raise ValueError(
                    f"{instrument.id}: item {item.id} is reverse-keyed but response set "
                    f"{item.response_set!r} is not symmetric"
                )
    for score in instrument.scores:
        if (
            score.method == "mean"
            and score.prorate is not None
            and score.prorate.round_to == "integer"
        ):
            raise ValueError(
                f"{instrument.id}: score {score.id}: round_to: integer is defined for sum scores only"
            )


def _combine(score: Score, items: FloatArray) -> tuple[FloatArray, IntArray, BoolArray]:
    """Value before multiplier, number answered and prorated flag of one score."""
    k = items.shape[1]
    answered = ~np.isnan(items)
    n_answered = answered.sum(axis=1).astype(np.int64)
    total = np.where(answered, items, 0.0).sum(axis=1)
    needed = score.prorate.min_answered if score.prorate else k
    scorable = n_answered >= needed
    complete = n_answered == k
    prorated = scorable & ~complete
    safe_n = np.maximum(n_answered, 1)
    if score.method == "mean":
        value = total / safe_n
    else:
        scaled = total * k / safe_n  # = mean of answered × k; exact for halves
        if score.prorate is not None and score.prorate.round_to == "integer":
            scaled = round_half_up(scaled)
        value = np.where(complete, total, scaled)
    return np.where(scorable, value, np.nan), n_answered, prorated


def _bands(score: Score, value: FloatArray) -> tuple[IntArray, BoolArray]:
    index = np.full(value.shape, -1, dtype=np.int64)
    flag = np.zeros(value.shape, dtype=bool)
    for b, band in enumerate(score.bands):
        inside = (value >= band.min - TOLERANCE) & (value <= band.max + TOLERANCE) & (index < 0)
        index[inside] = b
        flag[inside] = band.flag
    return index, flag


def _score(
    instrument: Instrument, score: Score, recoded: FloatArray, blocked: BoolArray
) -> ScoreResult:
    columns = {item.id: j for j, item in enumerate(instrument.items)}
    items = recoded[:, [columns[i] for i in score.items]]
    raw, n_answered, prorated = _combine(score, items)
    value = np.where(blocked, np.nan, raw * score.multiplier)
    prorated = prorated & ~blocked
    band_index, flag = _bands(score, value)
    return ScoreResult(
        score=score,
        value=value,
        n_answered=n_answered,
        prorated=prorated,
        valid=~np.isnan(value),
        band_index=band_index,
        flag=flag,
    )


def _stage_ties(instrument: Instrument, scores: dict[str, ScoreResult]) -> BoolArray | None:
    if instrument.stage is None:
        return None
    values = np.column_stack([scores[s].value for s in instrument.stage.scores])
    determined = ~np.any(np.isnan(values), axis=1, keepdims=True)
    top = np.where(np.isnan(values), -np.inf, values).max(axis=1, initial=-np.inf)
    ties: BoolArray = (np.abs(values - top[:, None]) <= TOLERANCE) & determined
    return ties


def score_responses(instrument: Instrument, answers: Any) -> ScoringResult:
    """Score many responses at once (see the module docstring for the rules).

    ``answers``: a 2-D array-like, n_responses × n_items in the order of
    ``instrument.items`` with ``nan`` (or ``None``) for a missing answer, or a list
    of dicts item id → value.
    """
    check_definition(instrument)
    matrix = answer_matrix(instrument, answers)
    validate_answers(instrument, matrix)
    recoded = reverse_code(instrument, matrix)
    n = matrix.shape[0]
    scored = [j for j, item in enumerate(instrument.items) if item.scored]
    if instrument.max_missing is None:
        blocked = np.zeros(n, dtype=bool)
    else:
        blocked = np.isnan(matrix[:, scored]).sum(axis=1) > instrument.max_missing
    scores = {s.id: _score(instrument, s, recoded, blocked) for s in instrument.scores}
    columns = {item.id: j for j, item in enumerate(instrument.items)}
    if instrument.safety:
        raw = matrix[:, [columns[rule.item] for rule in instrument.safety]]
        thresholds = np.array([rule.at_least for rule in instrument.safety])
        safety_hits: BoolArray = ~np.isnan(raw) & (raw >= thresholds[None, :] - TOLERANCE)
    else:
        safety_hits = np.zeros((n, 0), dtype=bool)
    return ScoringResult(
        instrument=instrument,
        n_responses=n,
        scores=scores,
        safety_hits=safety_hits,
        stage_ties=_stage_ties(instrument, scores),
        too_many_missing=blocked,
    )


def score_one(instrument: Instrument, answers: Mapping[str, float | None]) -> dict[str, Any]:
    """Score a single response given as item id → value, as plain Python values::

        {"scores": {score_id: {"value": float | None, "n_answered": int,
                               "prorated": bool, "valid": bool,
                               "band_index": int | None,
                               "band_label": {"en": ..., "zh-hant": ...} | None,
                               "flag": bool}},
         "safety": [{"item": "9", "at_least": 1.0, "message": {...}}],
         "stage": ["growth"] | [] | None}  # None: the instrument has no stage rule
    """
    result = score_responses(instrument, [dict(answers)])
    scores: dict[str, dict[str, Any]] = {}
    for score_id, s in result.scores.items():
        band = s.band(0)
        scores[score_id] = {
            "value": float(s.value[0]) if s.valid[0] else None,
            "n_answered": int(s.n_answered[0]),
            "prorated": bool(s.prorated[0]),
            "valid": bool(s.valid[0]),
            "band_index": int(s.band_index[0]) if band is not None else None,
            "band_label": band.label.model_dump(by_alias=True, exclude_none=True) if band else None,
            "flag": bool(s.flag[0]),
        }
    safety = [
        {
            "item": r.item,
            "at_least": r.at_least,
            "message": r.message.model_dump(by_alias=True, exclude_none=True),
        }
        for r in result.safety_rules_fired(0)
    ]
    stage = list(result.stage(0)) if instrument.stage is not None else None
    return {"scores": scores, "safety": safety, "stage": stage}


# --- theoretical range ------------------------------------------------------------


def score_range(instrument: Instrument, score_id: str) -> tuple[float, float]:
    """The lowest and highest value ``score_id`` can take, from the response sets of
    its items (reverse keying keeps an item's range), the prorating rule (a
    scaled-up sum of items with different ranges can reach past the complete
    sums) and the multiplier."""
    check_definition(instrument)
    score = instrument.score(score_id)
    k = len(score.items)
    sets = [instrument.response_sets[instrument.item(i).response_set] for i in score.items]
    lows = sorted(s.low for s in sets)
    highs = sorted((s.high for s in sets), reverse=True)
    smallest = score.prorate.min_answered if score.prorate else k

    def extreme(ordered: list[float], pick: Any) -> float:
        candidates = []
        for m in range(smallest, k + 1):
            total = sum(ordered[:m])  # the m most extreme items answered, as _combine does
            if score.method == "mean":
                candidates.append(total / m)
            elif m == k:
                candidates.append(float(total))
            elif score.prorate is not None and score.prorate.round_to == "integer":
                candidates.append(float(round_half_up(np.array([total * k / m]))[0]))
            else:
                candidates.append(total * k / m)
        return float(pick(candidates))

    low, high = extreme(lows, min) * score.multiplier, extreme(highs, max) * score.multiplier
    return (min(low, high), max(low, high))
