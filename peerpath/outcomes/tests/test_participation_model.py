"""The statistics of the process→outcome report that lifelines does not give
(``peerpath.outcomes.cox``), against published values and independent
computations: R's ``cox.zph`` on the lung data, lifelines' log-rank test,
statsmodels' Cox score test and cluster-robust standard errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_lung, load_rossi
from lifelines.statistics import logrank_test, proportional_hazard_test
from statsmodels.duration.hazard_regression import PHReg

from peerpath.outcomes import cox


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# -- participation coding -----------------------------------------------------------------------

def test_attendance_terms_separate_attending_from_the_rate_among_attenders():
    terms = cox.attendance_terms(np.array([0, 3, 1, 0, 2]), np.array([0, 4, 4, 5, 2]))
    # attenders: rates 0.75, 0.25, 1.0 (mean 2/3); the member expected at 5 sessions who came to none did not attend
    assert terms.attended.tolist() == [0, 1, 1, 0, 1]
    assert terms.centre == pytest.approx(2 / 3)
    np.testing.assert_allclose(terms.attendance, [0, (0.75 - 2 / 3) * 10, (0.25 - 2 / 3) * 10, 0, (1 - 2 / 3) * 10])


def test_no_attender_has_no_centre():
    terms = cox.attendance_terms(np.zeros(3), np.array([0, 2, 1]))
    assert terms.centre is None and terms.attended.tolist() == [0, 0, 0] and terms.attendance.tolist() == [0, 0, 0]


# -- proportional hazards -----------------------------------------------------------------------

def test_global_ph_test_matches_r_cox_zph_on_the_lung_data():
    """R (survival before 3.0): ``cox.zph(coxph(Surv(time, status) ~ age + sex +
    wt.loss, data = lung))`` prints age 0.378, sex 2.349, wt.loss 0.024 and
    GLOBAL 2.846 (p 0.416) — the example of STHDA's "Cox model assumptions"."""
    lung = load_lung()[["time", "status", "age", "sex", "wt.loss"]].dropna()
    cph = CoxPHFitter().fit(lung, "time", "status")
    tests = cox.ph_tests(cph, lung, transform="km")
    assert tests.statistic == pytest.approx(2.846, abs=5e-4) and tests.df == 3
    assert tests.p == pytest.approx(0.416, abs=5e-4)
    got = {name: round(s, 3) for name, (s, _p) in tests.per_covariate.items()}
    assert got == {"age": 0.378, "sex": 2.349, "wt.loss": 0.024}


def test_per_covariate_ph_tests_match_lifelines_without_tied_times():
    rossi = load_rossi()
    rossi = rossi.assign(week=rossi["week"] + np.arange(len(rossi)) * 1e-4)  # break the ties
    cph = CoxPHFitter().fit(rossi, "week", "arrest")
    mine = cox.ph_tests(cph, rossi, transform="rank")
    theirs = proportional_hazard_test(cph, rossi, time_transform="rank").summary
    for name, (statistic, p) in mine.per_covariate.items():
        assert statistic == pytest.approx(theirs.loc[name, "test_statistic"])
        assert p == pytest.approx(theirs.loc[name, "p"])
    assert mine.df == 7 and 0 < mine.p < 1


def test_a_single_covariate_global_test_is_its_own_test():
    rossi = load_rossi()[["week", "arrest", "age"]]
    tests = cox.ph_tests(CoxPHFitter().fit(rossi, "week", "arrest"), rossi, transform="km")
    assert tests.statistic == pytest.approx(tests.per_covariate["age"][0])


# -- log-rank test for trend --------------------------------------------------------------------

def test_trend_test_with_two_groups_is_the_log_rank_test():
    rossi = load_rossi()
    g = rossi["fin"].to_numpy()
    trend = cox.logrank_trend(rossi["week"].to_numpy(), rossi["arrest"].to_numpy(dtype=bool), g)
    w, e = rossi["week"], rossi["arrest"]
    lr = logrank_test(w[g == 0], w[g == 1], e[g == 0], e[g == 1])
    assert trend is not None
    assert trend.statistic == pytest.approx(lr.test_statistic) and trend.p == pytest.approx(lr.p_value)


def test_trend_test_is_the_cox_score_test_of_the_band_score():
    """Without tied times the log-rank trend statistic is the score test of a Cox
    model with the band score (1, 2, 3) as its covariate (statsmodels, at β = 0)."""
    rng = np.random.default_rng(11)
    n = 90
    band = rng.integers(0, 3, n)
    durations = rng.exponential(100 / (1 + 0.4 * band)) + rng.uniform(0, 1e-3, n)
    observed = rng.random(n) < 0.75
    trend = cox.logrank_trend(durations, observed, band)
    model = PHReg(durations, (band + 1.0)[:, None], status=observed.astype(int), ties="breslow")
    score = model.score(np.zeros(1))[0]
    information = -model.hessian(np.zeros(1))[0, 0]
    assert trend is not None
    assert trend.u == pytest.approx(score)
    assert trend.statistic == pytest.approx(score**2 / information)


def test_trend_needs_two_groups():
    assert cox.logrank_trend(np.array([1.0, 2.0]), np.array([True, True]), np.array([0, 0])) is None


# -- cluster-robust standard errors -------------------------------------------------------------

def clustered_data(seed: int = 3, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    member = rng.integers(0, 40, n)
    x1, x2 = rng.normal(size=n), (rng.random(n) < 0.5).astype(float)
    frailty = rng.normal(scale=0.8, size=40)[member]
    t = rng.exponential(1 / np.exp(0.4 * x1 - 0.5 * x2 + frailty)) * 100  # no tied times
    return pd.DataFrame({"t": t, "e": rng.random(n) < 0.8, "x1": x1, "x2": x2, "m": member})


def test_fixed_model_cluster_robust_errors_match_statsmodels():
    """lifelines' ``cluster_col`` sandwich (used by ``fit_cox``) against
    statsmodels' ``PHReg.fit(groups=…)``; both differ from the model-based errors."""
    data = clustered_data()
    cph = CoxPHFitter().fit(data, "t", "e", cluster_col="m")
    reference = PHReg(data["t"].to_numpy(), data[["x1", "x2"]].to_numpy(), status=data["e"].to_numpy(dtype=int),
                      ties="breslow").fit(groups=data["m"].to_numpy())
    np.testing.assert_allclose(cph.params_.to_numpy(), reference.params, rtol=1e-6)
    np.testing.assert_allclose(cph.standard_errors_.to_numpy(), reference.bse, rtol=1e-6)
    naive = CoxPHFitter().fit(data.drop(columns="m"), "t", "e").standard_errors_.to_numpy()
    assert not np.allclose(naive, reference.bse, rtol=0.01)


def test_time_varying_robust_errors_of_split_rows_equal_the_unsplit_model():
    """Splitting each job into 30-day rows with the same covariates changes
    nothing: the time-varying fit's robust errors clustered by member equal
    lifelines' cluster-robust errors of the one-row-per-job model."""
    data = clustered_data()
    unsplit = CoxPHFitter().fit(data, "t", "e", cluster_col="m")
    rows = []
    for i, row in data.iterrows():
        a = 0.0
        while a < row["t"]:
            b = min(a + 30.0, row["t"])
            rows.append((i, row["m"], a, b, bool(row["e"]) and b == row["t"], row["x1"], row["x2"]))
            a = b
    long = pd.DataFrame(rows, columns=["id", "m", "start", "stop", "e", "x1", "x2"])
    assert len(long) > 2 * len(data)
    ctv = CoxTimeVaryingFitter().fit(long.drop(columns="m"), id_col="id", event_col="e", start_col="start",
                                     stop_col="stop")
    variance = cox.cluster_robust_tv(long[["x1", "x2"]].to_numpy(), ctv.params_.to_numpy(),
                                     ctv.variance_matrix_.to_numpy(), long["start"].to_numpy(),
                                     long["stop"].to_numpy(), long["e"].to_numpy(), long["m"].to_numpy())
    np.testing.assert_allclose(np.sqrt(np.diag(variance)), unsplit.standard_errors_.to_numpy(), rtol=1e-6)
    rows_out = cox.robust_rows(ctv.params_.to_numpy(), variance)
    summary = unsplit.summary
    for row, name in zip(rows_out, ["x1", "x2"], strict=True):
        assert row.low == pytest.approx(summary.loc[name, "exp(coef) lower 95%"], rel=1e-5)
        assert row.high == pytest.approx(summary.loc[name, "exp(coef) upper 95%"], rel=1e-5)
        assert row.p == pytest.approx(summary.loc[name, "p"], rel=1e-4)

