"""Survival statistics of the process→outcome report that lifelines does not give
(pure: no Django; numpy and SciPy on lifelines' fitted models).

- ``attendance_terms``: the coding of group participation shared by the fixed and
  the time-varying Cox models — "attended groups" (0/1: at least one session
  attended, present or late, in the window) and the attendance rate among
  attenders, per 10 percentage points, centred at the attenders' mean rate (0 for
  non-attenders), so that the hazard ratio of "attended groups" compares an
  attender at the attenders' mean rate with a non-attender.
- ``ph_tests``: the Grambsch–Therneau test of proportional hazards from the
  Schoenfeld residuals, per covariate and global (the test R's ``cox.zph`` gave
  before survival 3.0, the one lifelines' ``proportional_hazard_test`` gives per
  covariate), with the model-based variance.
- ``logrank_trend``: the log-rank test for trend across ordered groups (Peto;
  Collett, *Modelling Survival Data in Medical Research*, §2.6): scores
  ``w_j``, ``U = Σ w_j (O_j − E_j)``, ``V = w' V w`` with the hypergeometric
  variance–covariance matrix of the log-rank test, ``U² / V`` against χ² with 1 df.
- ``cluster_robust_tv``: robust (sandwich) standard errors clustered by member for
  a Cox model on (start, stop] rows, which lifelines' ``CoxTimeVaryingFitter``
  does not provide (``robust=True`` raises ``NotImplementedError`` in lifelines
  0.30): the Lin–Wei score residuals of each row, with risk sets of the rows
  whose interval contains the event time, summed by member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_BAND_ENDINGS = 5  # the log-rank tests are shown only when every band has this many ended jobs
Z95 = 1.959963984540054


@dataclass(frozen=True)
class AttendanceTerms:
    attended: np.ndarray  # 0/1 per row
    attendance: np.ndarray  # (rate − centre) × 10 for attenders, 0 for the others
    centre: float | None  # the attenders' mean rate (0–1); None without an attender


def attendance_terms(attended: np.ndarray, expected: np.ndarray) -> AttendanceTerms:
    """The two participation terms from attended and expected session counts per
    row (a job, or a job's interval): attended at least one session, and the rate
    attended ÷ expected among those who did, centred at its mean over them."""
    attended = np.asarray(attended, dtype=float)
    expected = np.asarray(expected, dtype=float)
    did = attended > 0
    rate = np.divide(attended, expected, out=np.zeros_like(attended), where=expected > 0)
    centre = float(rate[did].mean()) if did.any() else None
    centred = np.where(did, (rate - (centre or 0.0)) * 10, 0.0)
    return AttendanceTerms(did.astype(float), centred, centre)


# -- proportional hazards -----------------------------------------------------------------------

@dataclass(frozen=True)
class PHTests:
    per_covariate: dict[str, tuple[float, float]]  # name: (χ², p), 1 df each
    statistic: float  # global χ²
    df: int
    p: float


def transformed_times(event_times: np.ndarray, durations: np.ndarray, observed: np.ndarray,
                      transform: str) -> np.ndarray:
    """The event times as R's ``cox.zph`` (before survival 3.0) transforms them:
    ``rank`` (average ranks of the event times), ``km`` (1 − the Kaplan–Meier
    estimate just before each event time) or ``identity``."""
    from scipy.stats import rankdata

    if transform == "rank":
        return np.asarray(rankdata(event_times), dtype=float)
    if transform == "identity":
        return event_times.astype(float)
    if transform != "km":
        raise ValueError(f"transform: unknown {transform!r}")
    times = np.unique(durations[observed])
    at_risk = np.array([(durations >= t).sum() for t in times], dtype=float)
    deaths = np.array([((durations == t) & observed).sum() for t in times], dtype=float)
    survival = np.cumprod(1 - deaths / at_risk)
    before = np.concatenate([[1.0], survival[:-1]])  # left-continuous
    return np.asarray(1 - before[np.searchsorted(times, event_times)], dtype=float)


def ph_tests(cph: Any, frame: Any, transform: str = "rank") -> PHTests:
    """Grambsch–Therneau tests of a fitted lifelines ``CoxPHFitter`` on ``frame``
    (the data it was fitted on), with ``g`` the transformed event times centred,
    ``R`` the Schoenfeld residuals (one row per event), ``V`` the model-based
    variance and ``d`` the number of events:
    per covariate ``(g'R V)_j² d / (V_jj g'g)``, global ``(g'R) V (g'R)' d / g'g``
    with as many df as covariates."""
    from scipy.stats import chi2

    residuals = cph.compute_residuals(frame, kind="schoenfeld")
    duration, event = cph.duration_col, cph.event_col
    event_times = frame.loc[residuals.index, duration].to_numpy(dtype=float)
    g = transformed_times(event_times, frame[duration].to_numpy(dtype=float),
                          frame[event].to_numpy(dtype=bool), transform)
    g = g - g.mean()
    names = list(residuals.columns)
    variance = cph.variance_matrix_.loc[names, names].to_numpy(dtype=float)
    d = len(residuals)
    test = g @ residuals.to_numpy(dtype=float)
    scale = d / float(g @ g)
    per = (test @ variance) ** 2 * scale / np.diag(variance)
    statistic = float(test @ variance @ test * scale)
    return PHTests(
        per_covariate={name: (float(s), float(chi2.sf(s, 1))) for name, s in zip(names, per, strict=True)},
        statistic=statistic, df=len(names), p=float(chi2.sf(statistic, len(names))),
    )


# -- log-rank test for trend --------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    statistic: float  # χ², 1 df
    p: float
    u: float  # Σ w_j (O_j − E_j)
    variance: float


def logrank_trend(durations: np.ndarray, observed: np.ndarray, groups: np.ndarray,
                  scores: np.ndarray | None = None) -> Trend | None:
    """The log-rank test for trend across the groups ``0 … k−1`` of ``groups``
    (ordered), with scores ``1 … k`` unless given; None with fewer than two
    groups or no event."""
    from scipy.stats import chi2

    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    groups = np.asarray(groups, dtype=int)
    levels = np.unique(groups)
    if len(levels) < 2 or not observed.any():
        return None
    w = np.arange(1, len(levels) + 1, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    times = np.unique(durations[observed])
    # at risk (duration ≥ t) and events (= t) per time and group
    at_risk = np.array([[(durations[groups == j] >= t).sum() for j in levels] for t in times], dtype=float)
    events = np.array([[((durations[groups == j] == t) & observed[groups == j]).sum() for j in levels]
                       for t in times], dtype=float)
    n = at_risk.sum(1)
    d = events.sum(1)
    share = at_risk / n[:, None]
    expected = d[:, None] * share
    u = float(w @ (events - expected).sum(0))
    factor = np.divide(d * (n - d), n - 1, out=np.zeros_like(d), where=n > 1)
    # Σ_t factor_t (diag(p_t) − p_t p_t'), contracted with w on both sides
    wp = share @ w
    variance = float((factor * ((share * w**2).sum(1) - wp**2)).sum())
    if variance <= 0:
        return None
    statistic = u**2 / variance
    return Trend(float(statistic), float(chi2.sf(statistic, 1)), u, variance)


# -- cluster-robust standard errors for (start, stop] rows --------------------------------------

def score_residuals(x: np.ndarray, beta: np.ndarray, start: np.ndarray, stop: np.ndarray,
                    event: np.ndarray) -> np.ndarray:
    """Lin–Wei (Breslow) score residuals of each (start, stop] row of a Cox model
    with coefficients ``beta``: a row is at risk at event times ``t`` with
    ``start < t ≤ stop``."""
    x = np.asarray(x, dtype=float)
    event = np.asarray(event, dtype=bool)
    risk = np.exp(x @ beta)
    out = np.zeros_like(x)
    for t in np.unique(stop[event]):
        at_risk = (start < t) & (stop >= t)
        dying = event & (stop == t)
        s0 = risk[at_risk].sum()
        mean = risk[at_risk] @ x[at_risk] / s0
        out[dying] += x[dying] - mean
        out[at_risk] -= (risk[at_risk] * dying.sum() / s0)[:, None] * (x[at_risk] - mean)
    return out


def cluster_robust_tv(x: np.ndarray, beta: np.ndarray, variance: np.ndarray, start: np.ndarray,
                      stop: np.ndarray, event: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """The robust variance matrix ``D' D``, ``D`` the score residuals times the
    model-based ``variance`` summed by cluster (Lin & Wei 1989), as lifelines
    computes it for ``CoxPHFitter(cluster_col=…)``."""
    import pandas as pd  # type: ignore[import-untyped]

    delta = score_residuals(x, beta, start, stop, event) @ variance
    summed = pd.DataFrame(delta).groupby(np.asarray(clusters)).sum().to_numpy()
    return np.asarray(summed.T @ summed, dtype=float)


@dataclass(frozen=True)
class RobustRow:
    hazard_ratio: float
    low: float
    high: float
    p: float
    se: float


def robust_rows(beta: np.ndarray, robust_variance: np.ndarray) -> list[RobustRow]:
    """Hazard ratios with Wald 95% intervals and p-values from robust standard errors."""
    from scipy.stats import norm

    se = np.sqrt(np.diag(robust_variance))
    return [RobustRow(float(np.exp(b)), float(np.exp(b - Z95 * s)), float(np.exp(b + Z95 * s)),
                      float(2 * norm.sf(abs(b / s))), float(s)) for b, s in zip(beta, se, strict=True)]
