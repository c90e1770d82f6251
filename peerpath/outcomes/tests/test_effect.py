"""Paired statistics of the change report, checked against SciPy called directly
and an independent computation of Hedges' g (no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from peerpath.outcomes.effect import hedges_correction, hedges_g_paired, paired_summary

PRE = [20.0, 18.0, 15.0, 22.0, 17.0, 19.0, 24.0, 16.0]
POST = [14.0, 15.0, 13.0, 16.0, 15.0, 12.0, 20.0, 15.0]


def test_mean_change_ci_and_p_match_scipy_ttest_rel():
    s = paired_summary(PRE, POST)
    result = stats.ttest_rel(POST, PRE)
    ci = result.confidence_interval()
    assert s.n == 8
    assert s.mean_change == pytest.approx(np.mean(POST) - np.mean(PRE))
    assert s.mean_change == pytest.approx(-3.875)
    assert (s.change_low, s.change_high) == pytest.approx((ci.low, ci.high))
    assert s.p == pytest.approx(result.pvalue)


def test_ci_is_the_t_interval_of_the_differences():
    s = paired_summary(PRE, POST)
    diff = np.array(POST) - np.array(PRE)
    low, high = stats.t.interval(0.95, df=len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
    assert (s.change_low, s.change_high) == pytest.approx((low, high))


def test_means_and_sds_are_sample_statistics():
    s = paired_summary(PRE, POST)
    assert s.baseline_mean == pytest.approx(18.875)
    assert s.followup_mean == pytest.approx(15.0)
    assert s.baseline_sd == pytest.approx(np.std(PRE, ddof=1))
    assert s.followup_sd == pytest.approx(np.std(POST, ddof=1))


def test_hedges_g_matches_an_independent_worked_example():
    # Worked by hand from the definitions: variances, not SDs, and r from the
    # covariance, so nothing is shared with the implementation.
    a, b = np.array(PRE), np.array(POST)
    n = a.size
    var_a = ((a - a.mean()) ** 2).sum() / (n - 1)
    var_b = ((b - b.mean()) ** 2).sum() / (n - 1)
    cov = ((a - a.mean()) * (b - b.mean())).sum() / (n - 1)
    r = cov / math.sqrt(var_a * var_b)
    d_av = (b.mean() - a.mean()) / math.sqrt((var_a + var_b) / 2)
    j = 1 - 3 / (4 * n - 5)
    se = j * math.sqrt((1 / n + d_av**2 / (2 * n)) * 2 * (1 - r))
    effect = hedges_g_paired(PRE, POST)
    assert effect is not None
    assert effect.g == pytest.approx(j * d_av)
    assert (effect.low, effect.high) == pytest.approx((j * d_av - 1.959963984540054 * se, j * d_av + 1.959963984540054 * se))
    # Plain numbers of this example, so a change in the formula shows.
    assert effect.g == pytest.approx(-1.2585, abs=1e-4)
    assert effect.low < effect.g < effect.high < 0


def test_hedges_correction_is_hedges_j():
    assert hedges_correction(10) == pytest.approx(1 - 3 / 35)
    # Close to the exact gamma-function correction for df = 9.
    df = 9
    exact = math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))
    assert hedges_correction(10) == pytest.approx(exact, rel=2e-3)
    with pytest.raises(ValueError, match="at least 3 pairs"):
        hedges_correction(2)


def test_improvement_gives_a_positive_change_and_g():
    s = paired_summary(POST, PRE)
    assert s.mean_change > 0 and s.g is not None and s.g > 0


def test_too_few_pairs_leave_the_statistics_out():
    one = paired_summary([10.0], [12.0])
    assert one.n == 1 and one.mean_change == 2.0
    assert one.baseline_sd is None and one.p is None and one.change_low is None and one.g is None
    empty = paired_summary([], [])
    assert empty.n == 0 and empty.mean_change is None


def test_identical_changes_have_no_test_but_a_mean():
    s = paired_summary([10.0, 12.0, 14.0], [11.0, 13.0, 15.0])
    assert s.mean_change == pytest.approx(1.0)
    assert s.p is None and s.change_low is None


def test_unequal_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        paired_summary([1.0, 2.0], [1.0])


def test_the_report_modules_import_no_scipy_stats_pandas_or_lifelines():
    """They are imported when the server starts (the report registry): the heavy
    libraries (seconds to import) load when a report is run."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup()\n"
        "import peerpath.outcomes.effect, peerpath.outcomes.process_stats, peerpath.outcomes.timevarying\n"
        "import peerpath.outcomes.participation, peerpath.outcomes.survival\n"
        "import peerpath.outcomes.reports.process_outcome, peerpath.outcomes.reports.change\n"
        "import peerpath.outcomes.reports.tenure, peerpath.outcomes.reports.group_process\n"
        "print(sorted(m for m in ('pandas', 'scipy.stats', 'lifelines') if m in sys.modules))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "peerpath.settings")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dz_and_g_of_a_small_example_worked_by_hand():
    # pre 10 12 14 16, post 8 11 10 15 → changes −2 −1 −4 −1: mean −2, deviations
    # 0 1 −2 1, sum of squares 6, SD √(6/3) = √2, so d_z = −2/√2 = −1.41421.
    # Baseline SD² = 20/3, follow-up SD² = 26/3; the pooled SD g uses is
    # √((20/3 + 26/3)/2) = √(23/3) = 2.76887; d_av = −2/2.76887 = −0.72232;
    # J = 1 − 3/(4·3 − 1) = 8/11; g = −0.72232 · 8/11 = −0.52532.
    s = paired_summary([10.0, 12.0, 14.0, 16.0], [8.0, 11.0, 10.0, 15.0])
    assert s.change_sd == pytest.approx(math.sqrt(2))
    assert s.d_z == pytest.approx(-1.41421, abs=1e-5)
    assert s.g_sd == pytest.approx(2.76887, abs=1e-5)
    assert s.g == pytest.approx(-0.52532, abs=1e-5)


def test_effect_sizes_of_the_published_example_of_lakens_2013():
    """Lakens (2013, Front Psychol 4:863, Table 1): ten people rate two movies.
    Published: t(9) = 4.74, Cohen's d_z = 1.50, d_av = 1.13. Lakens's Hedges' g_av
    (1.08) corrects with df = 2(n − 1) = 18: 1.13 · (1 − 3/71); ours, as Borenstein
    et al. (2009) for matched groups, with df = n − 1 = 9: d_av · (1 − 3/35)."""
    movie_1 = [9.0, 7.0, 8.0, 9.0, 8.0, 9.0, 9.0, 10.0, 9.0, 9.0]
    movie_2 = [9.0, 6.0, 7.0, 8.0, 7.0, 9.0, 8.0, 8.0, 8.0, 7.0]
    # the change from movie 1 to movie 2 is a loss of one point on average
    s = paired_summary(movie_1, movie_2)
    assert round(abs(stats.ttest_rel(movie_1, movie_2).statistic), 2) == 4.74
    assert round(abs(s.d_z), 2) == 1.50
    effect = hedges_g_paired(movie_1, movie_2)
    assert effect is not None
    assert round(abs(effect.d), 2) == 1.13
    assert round(abs(effect.d) * (1 - 3 / 71), 2) == 1.08  # Lakens's correction gives the published g_av
    assert abs(effect.g) == pytest.approx(abs(effect.d) * (1 - 3 / 35))
    assert round(abs(effect.g), 2) == 1.03


def test_dz_needs_two_pairs_and_some_variation_in_the_changes():
    assert paired_summary([10.0], [12.0]).d_z is None
    assert paired_summary([10.0, 12.0, 14.0], [11.0, 13.0, 15.0]).d_z is None
