"""Reliable and clinically significant change (Jacobson & Truax 1991).

Pure Python and NumPy (no Django import); every function takes scalars or arrays
(NumPy broadcasting) and returns arrays.

- Reliable change index: ``SEm = SD·√(1 − r)``, ``S_diff = √2·SEm``,
  ``RCI = (post − pre) / S_diff``. ``|RCI| > 1.96`` is reliable change; the
  instrument's direction says whether it is an improvement (for a
  ``higher_is_worse`` score a decrease is an improvement). ``SD`` is the standard
  deviation of the reference (pre-treatment) sample, ``r`` the score's reliability.
- Cut-off c between the dysfunctional (clinical) and functional populations:
  ``c = (SD_clin·M_func + SD_func·M_clin) / (SD_clin + SD_func)`` — the point
  equally many SDs from both means (J&T's c, ``(s0·M1 + s1·M0)/(s0 + s1)`` with 0 =
  functional and 1 = dysfunctional).
- Clinically significant change, J&T's four categories: *recovered* (reliably
  improved and crossed the cut-off from the dysfunctional into the functional
  range), *improved* (reliably improved, not recovered), *unchanged*,
  *deteriorated* (reliably worse).
- A score exactly at the cut-off belongs to the **upper** side: the dysfunctional
  range of a ``higher_is_worse`` score (PHQ-9 ≥ 10 is clinical), the functional
  range of a ``higher_is_better`` one (WHO-5 raw < 13 is poor well-being), as
  published cut-offs are read.

``change_parameters`` and ``cutoff_for`` take the SD, reliability and cut-off from a
score's ``Norms``, with optional overrides (e.g. the programme's own baseline SD,
``baseline_sd``), and raise ``MissingNormsError`` naming what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .definitions import Direction, Score

RCI_CRITERION = 1.96  # two-tailed p < .05

FloatArray = NDArray[np.float64]
ObjectArray = NDArray[np.object_]


class ReliableChangeClass(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    DETERIORATED = "deteriorated"


class ClinicalChangeClass(StrEnum):
    RECOVERED = "recovered"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    DETERIORATED = "deteriorated"


class MissingNormsError(ValueError):
    """A score has neither the normative value nor an override for it."""


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def standard_error_of_measurement(sd: float, reliability: float) -> float:
    """``SEm = sd·√(1 − reliability)``."""
    sd = _positive("sd", sd)
    reliability = float(reliability)
    if not 0 < reliability < 1:
        raise ValueError(f"reliability must be between 0 and 1 (exclusive), got {reliability!r}")
    return float(sd * np.sqrt(1 - reliability))


def standard_error_of_difference(sd: float, reliability: float) -> float:
    """``S_diff = √2·SEm`` (= √(2·SEm²))."""
    return float(np.sqrt(2.0) * standard_error_of_measurement(sd, reliability))


@dataclass(frozen=True)
class ReliableChange:
    rci: FloatArray  # nan where pre or post is missing
    # ReliableChangeClass per pair, None where pre or post is missing
    classification: ObjectArray
    sem: float
    s_diff: float

    @property
    def minimum_reliable_change(self) -> float:
        """The smallest absolute change (in score units) that is reliable."""
        return RCI_CRITERION * self.s_diff


def _object_array(shape: tuple[int, ...], fill: object = None) -> ObjectArray:
    array: ObjectArray = np.empty(shape, dtype=object)
    array.fill(fill)
    return array


def reliable_change(
    pre: ArrayLike, post: ArrayLike, sd: float, reliability: float, direction: Direction | str
) -> ReliableChange:
    """Jacobson–Truax RCI and its classification (improved / unchanged /
    deteriorated by ``|RCI| > 1.96`` and ``direction``)."""
    direction = Direction(direction)
    pre_a = np.asarray(pre, dtype=np.float64)
    post_a = np.asarray(post, dtype=np.float64)
    sem = standard_error_of_measurement(sd, reliability)
    s_diff = standard_error_of_difference(sd, reliability)
    rci = np.asarray((post_a - pre_a) / s_diff)
    better = -rci if direction is Direction.HIGHER_IS_WORSE else rci  # > 0: improvement
    classification = _object_array(rci.shape)
    known = ~np.isnan(rci)
    classification[known] = ReliableChangeClass.UNCHANGED
    classification[known & (better > RCI_CRITERION)] = ReliableChangeClass.IMPROVED
    classification[known & (better < -RCI_CRITERION)] = ReliableChangeClass.DETERIORATED
    return ReliableChange(rci=rci, classification=classification, sem=sem, s_diff=s_diff)


def jt_cutoff_c(m_clin: float, sd_clin: float, m_func: float, sd_func: float) -> float:
    """J&T criterion c: ``(sd_clin·m_func + sd_func·m_clin) / (sd_clin + sd_func)``,
    the score as many clinical SDs from the clinical mean as functional SDs from the
    functional mean."""
    sd_clin = _positive("sd_clin", sd_clin)
    sd_func = _positive("sd_func", sd_func)
    return (sd_clin * float(m_func) + sd_func * float(m_clin)) / (sd_clin + sd_func)


def jt_cutoff_a(
    m_clin: float, sd_clin: float, direction: Direction | str, n_sd: float = 2.0
) -> float:
    """J&T criterion a: ``n_sd`` SDs beyond the clinical mean, towards better (J&T
    say two SDs; some software uses 1.96)."""
    step = _positive("n_sd", n_sd) * _positive("sd_clin", sd_clin)
    return float(m_clin) + (step if Direction(direction) is Direction.HIGHER_IS_BETTER else -step)


def jt_cutoff_b(
    m_func: float, sd_func: float, direction: Direction | str, n_sd: float = 2.0
) -> float:
    """J&T criterion b: ``n_sd`` SDs from the functional mean, towards worse."""
    step = _positive("n_sd", n_sd) * _positive("sd_func", sd_func)
    return float(m_func) + (-step if Direction(direction) is Direction.HIGHER_IS_BETTER else step)


def in_functional_range(
    values: ArrayLike, cutoff: float, direction: Direction | str
) -> NDArray[np.bool_]:
    """True where a score is on the functional side of ``cutoff`` (a score at the
    cut-off is on the upper side, see the module docstring); False where missing."""
    v = np.asarray(values, dtype=np.float64)
    if Direction(direction) is Direction.HIGHER_IS_WORSE:
        result: NDArray[np.bool_] = v < cutoff
    else:
        result = v >= cutoff
    return result


def clinically_significant(
    pre: ArrayLike, post: ArrayLike, cutoff: float, direction: Direction | str, rci_class: ArrayLike
) -> ObjectArray:
    """J&T categories per pair: recovered / improved / unchanged / deteriorated
    (``ClinicalChangeClass``; None where ``rci_class`` is None, i.e. pre or post
    missing). ``rci_class`` is ``ReliableChange.classification``."""
    classes = np.asarray(rci_class, dtype=object)
    pre_a = np.asarray(pre, dtype=np.float64)
    post_a = np.asarray(post, dtype=np.float64)
    shape = np.broadcast_shapes(classes.shape, pre_a.shape, post_a.shape)
    classes = np.broadcast_to(classes, shape)
    crossed = ~in_functional_range(pre_a, cutoff, direction) & ~np.isnan(pre_a)
    crossed = np.broadcast_to(crossed & in_functional_range(post_a, cutoff, direction), shape)
    result = _object_array(shape)
    known: NDArray[np.bool_] = classes != None  # noqa: E711 (elementwise on an object array)
    unknown = [
        c for c in np.unique(classes[known].astype(str)) if c not in set(ReliableChangeClass)
    ]
    if unknown:
        raise ValueError(f"rci_class: unknown classification(s) {unknown}")
    improved = known & (classes == ReliableChangeClass.IMPROVED)
    result[known & (classes == ReliableChangeClass.UNCHANGED)] = ClinicalChangeClass.UNCHANGED
    result[known & (classes == ReliableChangeClass.DETERIORATED)] = ClinicalChangeClass.DETERIORATED
    result[improved & crossed] = ClinicalChangeClass.RECOVERED
    result[improved & ~crossed] = ClinicalChangeClass.IMPROVED
    return result


# --- parameters from a score's norms ------------------------------------------------


def baseline_sd(pre: ArrayLike) -> float:
    """The sample SD (n − 1) of the baseline scores, missing ignored — the SD J&T
    used when no normative SD exists. Needs at least two scores."""
    values = np.asarray(pre, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    if values.size < 2:
        raise ValueError("baseline_sd needs at least two baseline scores")
    return float(np.std(values, ddof=1))


@dataclass(frozen=True)
class ChangeParameters:
    sd: float
    reliability: float
    sd_source: str  # "norms" or "override"
    reliability_source: str


def change_parameters(
    score: Score, *, sd: float | None = None, reliability: float | None = None
) -> ChangeParameters:
    """SD and reliability for the RCI of ``score``: an override wins, else the
    score's norms; ``MissingNormsError`` when neither exists."""
    norms = score.norms
    sd_value = sd if sd is not None else (norms.sd if norms else None)
    r_value = reliability if reliability is not None else (norms.reliability if norms else None)
    missing = []
    if sd_value is None:
        missing.append("an SD (norms.sd, or the programme's baseline SD as an override)")
    if r_value is None:
        missing.append("a reliability (norms.reliability, or an override)")
    if sd_value is None or r_value is None:
        raise MissingNormsError(
            f"score {score.id}: the reliable change index needs " + " and ".join(missing)
        )
    standard_error_of_measurement(sd_value, r_value)  # validates both
    return ChangeParameters(
        sd=float(sd_value),
        reliability=float(r_value),
        sd_source="override" if sd is not None else "norms",
        reliability_source="override" if reliability is not None else "norms",
    )


def cutoff_for(
    score: Score,
    *,
    cutoff: float | None = None,
    clinical_mean: float | None = None,
    clinical_sd: float | None = None,
) -> float:
    """The cut-off for clinically significant change of ``score``: ``cutoff`` if
    given; else J&T's c from functional norms and the clinical mean/SD (overrides
    or ``norms.mean``/``norms.sd``); else the published ``norms.clinical_cutoff``;
    ``MissingNormsError`` when none can be had."""
    if cutoff is not None:
        return float(cutoff)
    norms = score.norms
    m_clin = clinical_mean if clinical_mean is not None else (norms.mean if norms else None)
    sd_clin = clinical_sd if clinical_sd is not None else (norms.sd if norms else None)
    if norms and norms.functional_mean is not None and norms.functional_sd is not None:
        if m_clin is not None and sd_clin is not None:
            return jt_cutoff_c(m_clin, sd_clin, norms.functional_mean, norms.functional_sd)
    if norms and norms.clinical_cutoff is not None:
        return float(norms.clinical_cutoff)
    raise MissingNormsError(
        f"score {score.id}: no cut-off for clinically significant change (give one, set norms.clinical_cutoff, "
        "or norms.functional_mean/functional_sd with a clinical mean and SD)"
    )


@dataclass(frozen=True)
class ChangeAssessment:
    reliable: ReliableChange
    parameters: ChangeParameters
    cutoff: float | None
    clinical: ObjectArray | None  # None when no cut-off could be had


def assess_change(
    score: Score,
    pre: ArrayLike,
    post: ArrayLike,
    *,
    sd: float | None = None,
    reliability: float | None = None,
    cutoff: float | None = None,
) -> ChangeAssessment:
    """RCI and J&T categories for ``score`` with its norms and direction; the
    clinical categories are left out (None) when the score has no cut-off."""
    parameters = change_parameters(score, sd=sd, reliability=reliability)
    reliable = reliable_change(pre, post, parameters.sd, parameters.reliability, score.direction)
    try:
        c: float | None = cutoff_for(score, cutoff=cutoff)
    except MissingNormsError:
        c = None
    clinical = (
        None
        if c is None
        else clinically_significant(pre, post, c, score.direction, reliable.classification)
    )
    return ChangeAssessment(reliable=reliable, parameters=parameters, cutoff=c, clinical=clinical)
