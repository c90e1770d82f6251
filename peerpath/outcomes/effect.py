"""Paired (pre/post) statistics of one measure (pure Python, NumPy and SciPy; no Django).

For members with a baseline and a follow-up score:

- means and sample SDs (n − 1) of both occasions;
- the mean change (follow-up − baseline) with its t-based 95% confidence interval
  and the two-sided p of the paired t-test (``scipy.stats.ttest_rel``);
- Hedges' g for paired data, ``g_av`` (Cumming 2012; Lakens 2013, *Front Psychol*
  4:863, eq. 10 with the root mean square of the two SDs), with a 95% confidence
  interval by the normal approximation for paired designs (Borenstein, Hedges,
  Higgins & Rothstein 2009, *Introduction to Meta-Analysis*, eq. 4.28):

  .. code-block:: text

      s_av = √((s_pre² + s_post²) / 2)
      d_av = mean(post − pre) / s_av
      J    = 1 − 3 / (4·(n − 1) − 1)            (Hedges' small-sample correction)
      g_av = J · d_av
      r    = Pearson correlation of pre and post
      V_d  = (1/n + d_av² / (2n)) · 2(1 − r)
      V_g  = J² · V_d
      95% CI = g_av ± z₀.₉₇₅ · √V_g

  ``s_av`` is the pooled SD of the baseline and follow-up scores (with as many
  scores on both occasions, the root mean square of the two SDs is the pooled SD),
  so g_av is on the scale of the scores' spread between people. Hedges' J uses
  the paired t-test's degrees of freedom, n − 1 (Borenstein et al. 2009, ch. 4, for
  matched groups); Lakens's spreadsheet takes 2(n − 1), which gives a g_av a little
  closer to d_av.

- the change-score effect size ``d_z`` (Cohen 1988; Lakens 2013, eq. 6): the mean
  change divided by the SD (n − 1) of the changes, ``d_z = mean(post − pre) /
  s_change``, equal to t / √n of the paired t-test; no small-sample correction.
  It is on the scale of how much people's change varies, so it grows with the
  correlation of the two occasions; g_av does not.

  No library in the environment (SciPy, statsmodels, lifelines) computes g for
  paired data, hence the formula here; the tests check it against an independent
  computation and the published example of Lakens (2013, Table 1).

A figure that cannot be computed (too few pairs, no variation) is ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedSummary:
    n: int
    baseline_mean: float | None
    baseline_sd: float | None
    followup_mean: float | None
    followup_sd: float | None
    mean_change: float | None  # follow-up − baseline
    change_low: float | None  # 95% CI of the mean change
    change_high: float | None
    p: float | None  # two-sided, paired t-test
    g: float | None  # Hedges' g_av
    g_low: float | None
    g_high: float | None
    change_sd: float | None = None  # SD (n − 1) of the changes
    d_z: float | None = None  # mean change / change_sd
    g_sd: float | None = None  # s_av, the SD g_av divides by


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def hedges_correction(n: int) -> float:
    """Hedges' J for ``n`` pairs (df = n − 1): ``1 − 3 / (4·(n − 1) − 1)``."""
    if n < 3:
        raise ValueError(f"Hedges' correction needs at least 3 pairs, got {n}")
    return 1.0 - 3.0 / (4.0 * (n - 1) - 1.0)


@dataclass(frozen=True)
class EffectSize:
    g: float
    low: float
    high: float
    d: float = math.nan  # d_av, before Hedges' correction
    sd: float = math.nan  # s_av


def cohens_dz(pre: ArrayLike, post: ArrayLike) -> float | None:
    """``d_z``: the mean change over the SD (n − 1) of the changes; None with fewer
    than 2 pairs or when every change is the same."""
    a = np.asarray(pre, dtype=np.float64)
    b = np.asarray(post, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("pre and post must have the same length")
    if a.size < 2:
        return None
    diff = b - a
    sd = float(np.std(diff, ddof=1))
    return float(np.mean(diff)) / sd if sd > 0 else None


def hedges_g_paired(pre: ArrayLike, post: ArrayLike, confidence: float = CONFIDENCE) -> EffectSize | None:
    """Hedges' ``g_av`` of paired scores with its normal-approximation CI (see the
    module docstring); None with fewer than 3 pairs or without variation."""
    a = np.asarray(pre, dtype=np.float64)
    b = np.asarray(post, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("pre and post must have the same length")
    n = int(a.size)
    if n < 3:
        return None
    s_pre, s_post = float(np.std(a, ddof=1)), float(np.std(b, ddof=1))
    s_av = math.sqrt((s_pre**2 + s_post**2) / 2)
    if s_av == 0:
        return None
    from scipy import stats  # imported here: 1.5 s at start-up

    d = float(np.mean(b - a)) / s_av
    # Pearson r; with one occasion constant r is undefined: take r = 0 (independent).
    r = float(stats.pearsonr(a, b).statistic) if s_pre > 0 and s_post > 0 else 0.0
    j = hedges_correction(n)
    var_d = (1 / n + d**2 / (2 * n)) * 2 * (1 - r)
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * j * math.sqrt(max(var_d, 0.0))
    g = j * d
    return EffectSize(g=g, low=g - half, high=g + half, d=d, sd=s_av)


def paired_summary(pre: ArrayLike, post: ArrayLike, confidence: float = CONFIDENCE) -> PairedSummary:
    """Every paired figure of the change report for one measure."""
    a = np.asarray(pre, dtype=np.float64)
    b = np.asarray(post, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("pre and post must have the same length")
    n = int(a.size)
    if n == 0:
        return PairedSummary(0, *([None] * 11))
    mean_pre, mean_post = float(np.mean(a)), float(np.mean(b))
    sd_pre = float(np.std(a, ddof=1)) if n > 1 else None
    sd_post = float(np.std(b, ddof=1)) if n > 1 else None
    change = mean_post - mean_pre
    p = low = high = None
    diff = b - a
    if n > 1 and float(np.std(diff, ddof=1)) > 0:
        from scipy import stats

        result = stats.ttest_rel(b, a)
        ci = result.confidence_interval(confidence_level=confidence)
        p = _finite(result.pvalue)
        low, high = _finite(ci.low), _finite(ci.high)
    effect = hedges_g_paired(a, b, confidence)
    return PairedSummary(
        n=n, baseline_mean=mean_pre, baseline_sd=sd_pre, followup_mean=mean_post, followup_sd=sd_post,
        mean_change=change, change_low=low, change_high=high, p=p,
        g=effect.g if effect else None, g_low=effect.low if effect else None,
        g_high=effect.high if effect else None,
        change_sd=float(np.std(diff, ddof=1)) if n > 1 else None, d_z=cohens_dz(a, b),
        g_sd=effect.sd if effect else None,
    )
