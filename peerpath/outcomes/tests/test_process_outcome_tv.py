"""The time-varying Cox model of the process→outcome report: interval splitting and
window binning on a hand-worked example, and the fitted figures against lifelines'
``CoxTimeVaryingFitter`` called directly on a long table built here, with plain
loops, from the rows the test data created."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxTimeVaryingFitter
from scipy.stats import norm

from peerpath.outcomes import process_stats, timevarying
from peerpath.outcomes.reports import process_outcome
from peerpath.outcomes.templatetags.outcomes import format_value
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from peerpath.outcomes.tests.survival_data import scope_for
from peerpath.outcomes.tests.test_process_outcome import PERIOD, Expected, build_data

DAY = dt.timedelta(days=1)


# -- pure ---------------------------------------------------------------------------------------

def test_a_200_day_job_is_split_into_three_intervals_with_the_event_in_the_last():
    t = timevarying.split_intervals(np.array([200.0, 180.0, 0.0, 0.0]), np.array([True, False, True, False]))
    assert t[["row", "start", "stop", "event"]].values.tolist() == [
        [0, 0.0, 90.0, False], [0, 90.0, 180.0, False], [0, 180.0, 200.0, True],
        [1, 0.0, 90.0, False], [1, 90.0, 180.0, False],
        [2, 0.0, 0.5, True],  # ended on its first day; censored on its first day: no row
    ]


def _hand_worked() -> pd.DataFrame:
    s = 740_000  # job start, as a day number
    jobs = pd.DataFrame({"job": [11, 12, 13], "member": [1, 2, 2], "start_day": [s, s, s + 400],
                         "duration": [200.0, 90.0, 30.0], "event": [True, False, False],
                         "gses": [25.0, 30.0, np.nan]})
    # member 1's attendance rows: (day offset, mark); an excused absence is not expected
    sessions = [(-91, "present"), (-90, "absent"), (-10, "late"), (5, "excused"), (50, "absent"), (89, "present"),
                (90, "present")]
    marks = pd.DataFrame({"member": 1, "day": [s + d for d, _ in sessions],
                          "attended": [m in ("present", "late") for _, m in sessions],
                          "expected": [m != "excused" for _, m in sessions]})
    helping = pd.DataFrame({"member": [1, 1, 1, 2], "day": [s - 1, s + 179, s + 180, s + 400],
                            "minutes": [60, 30, 45, 90]})
    return timevarying.long_table(jobs, marks, helping)


def test_each_interval_counts_the_90_days_before_it():
    table = _hand_worked()
    first = table[table["job"] == 11]
    # 0–90: days -90..-1 → sessions -90 (absent), -10 (late); 60 minutes of helping on day -1
    # 90–180: days 0..89 → 5 (excused, not expected), 50 (absent), 89 (present)
    # 180–200: days 90..179 → 90 (present); 30 minutes on day 179 (day 180 is in no window)
    assert first[["start", "stop", "n_expected", "n_attended"]].values.tolist() == [
        [0, 90, 2, 1], [90, 180, 2, 1], [180, 200, 1, 1]]
    assert first["rate"].tolist() == [0.5, 0.5, 1.0]
    assert first["helping"].tolist() == [1.0, 0.0, 0.5]
    assert first["event"].tolist() == [False, False, True]


def test_another_members_records_do_not_count_and_no_session_means_no_group():
    table = _hand_worked()
    second = table[table["job"] == 12]
    assert second[["start", "stop", "n_expected", "rate", "helping"]].values.tolist() == [[0, 90, 0, 0, 0]]
    third = table[table["job"] == 13]  # member 2 helped 90 minutes on the job's first day: not before it
    assert third["helping"].tolist() == [0.0]


def test_jobs_without_a_baseline_score_are_left_out_of_the_model():
    kept, dropped, centre = timevarying.model_rows(_hand_worked())
    assert dropped == 1 and sorted(set(kept["job"])) == [11, 12]


def test_participation_terms_are_coded_as_in_the_fixed_model():
    kept, _dropped, centre = timevarying.model_rows(_hand_worked())
    # the attender intervals of job 11 have rates 0.5, 0.5 and 1.0 (mean 2/3); job 12 attended none
    assert centre == pytest.approx(2 / 3)
    assert kept["attended"].tolist() == [1, 1, 1, 0]
    np.testing.assert_allclose(kept["attendance"], [(0.5 - 2 / 3) * 10, (0.5 - 2 / 3) * 10, (1 - 2 / 3) * 10, 0])


def test_time_varying_model_needs_ten_events_per_covariate():
    n = 60
    table = pd.DataFrame({"job": np.arange(n), "member": np.arange(n), "start": 0.0,
                          "stop": np.arange(1, n + 1, dtype=float), "event": np.arange(n) < 39,
                          "attendance": np.linspace(0, 10, n), "attended": np.arange(n) % 2,
                          "helping": np.zeros(n) + np.arange(n) % 3, "gses": np.full(n, 25.0) + np.arange(n) % 5})
    result = timevarying.fit_cox_tv(table)
    assert isinstance(result, process_stats.CoxRefusal)
    assert result.events == 39 and result.needed == 40


def test_a_covariate_the_same_in_every_interval_is_left_out():
    rng = np.random.default_rng(3)
    n = 80
    table = pd.DataFrame({"job": np.arange(n), "member": np.arange(n), "start": 0.0,
                          "stop": rng.integers(1, 400, n).astype(float), "event": rng.random(n) < 0.8,
                          "attendance": rng.uniform(0, 10, n), "attended": 1, "helping": rng.uniform(0, 3, n),
                          "gses": rng.integers(15, 40, n).astype(float)})
    result = timevarying.fit_cox_tv(table)
    assert isinstance(result, process_stats.CoxResult)
    assert result.constant == ["attended"] and [c.name for c in result.covariates] == ["attendance", "helping", "gses"]


# -- against lifelines --------------------------------------------------------------------------

def expected_long(exp: Expected) -> pd.DataFrame:
    """The long table written out with loops over each job's intervals and the
    member's sessions and helping as created."""
    rows = []
    for k, (start, duration, ended, m, g) in enumerate(
            zip(exp.starts, exp.durations, exp.observed, exp.members, exp.gses, strict=True)):
        if np.isnan(g):
            continue
        days = int(duration)
        spans = [(a, min(a + 90, days)) for a in range(0, days, 90)]
        for a, b in spans:
            low, high = start + (a - 90) * DAY, start + (a - 1) * DAY
            marks = [status for day, status in exp.member_sessions.get(m, []) if low <= day <= high]
            attended = sum(status in ("present", "late") for status in marks)
            expected = sum(status in ("present", "late", "absent") for status in marks)
            minutes = sum(mins for day, mins in exp.member_help.get(m, []) if low <= day <= high)
            rows.append({"job": k, "start": float(a), "stop": float(b), "event": ended and b == days,
                         "attended": int(attended > 0), "rate": attended / expected if attended > 0 else 0.0,
                         "helping": minutes / 60, "gses": g, "member": m})
    long = pd.DataFrame(rows)
    centre = long.loc[long["attended"] == 1, "rate"].mean()
    long["attendance"] = np.where(long["attended"] == 1, (long.pop("rate") - centre) * 10, 0.0)
    return long


def fit_expected(exp: Expected) -> tuple[pd.DataFrame, CoxTimeVaryingFitter]:
    long = expected_long(exp)
    ctv = CoxTimeVaryingFitter().fit(long.drop(columns=["member"]), id_col="job", event_col="event",
                                     start_col="start", stop_col="stop")
    return long, ctv


def robust_errors(long: pd.DataFrame, ctv: CoxTimeVaryingFitter) -> pd.Series:
    """Lin–Wei robust errors clustered by member, written out for this test: per
    row, the score residual sums over the event times within its interval."""
    names = list(ctv.params_.index)
    x, beta = long[names].to_numpy(float), ctv.params_.to_numpy()
    risk = np.exp(x @ beta)
    resid = np.zeros_like(x)
    for t in sorted(set(long.loc[long["event"], "stop"])):
        at = ((long["start"] < t) & (long["stop"] >= t)).to_numpy()
        dead = (long["event"] & (long["stop"] == t)).to_numpy()
        mean = (risk[at, None] * x[at]).sum(0) / risk[at].sum()
        for i in np.flatnonzero(at):
            resid[i] -= risk[i] * dead.sum() / risk[at].sum() * (x[i] - mean)
        for i in np.flatnonzero(dead):
            resid[i] += x[i] - mean
    delta = pd.DataFrame(resid @ ctv.variance_matrix_.to_numpy()).groupby(long["member"].to_numpy()).sum()
    return pd.Series(np.sqrt(np.diag(delta.T.to_numpy() @ delta.to_numpy())), index=names)


@pytest.fixture
def tv_data(org_a):
    return build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 80)


def test_time_varying_hazard_ratios_match_lifelines(org_a, tv_data):
    long, ctv = fit_expected(tv_data)
    assert long["attended"].nunique() == 2 and long["attendance"].nunique() > 10  # the data vary in time
    assert (long.groupby("job")["attendance"].nunique() > 1).any()
    tv = process_outcome.build(scope_for(org_a.org, PERIOD))["cox_tv"]
    assert tv["fitted"], tv.get("message")
    assert tv["intervals"].value == len(long)
    assert tv["jobs"].value == long["job"].nunique()
    assert tv["members"].value == long["member"].nunique()
    assert tv["events"].value == int(long["event"].sum())
    assert tv["dropped"].value == len(tv_data.durations) - long["job"].nunique()
    assert [row["name"] for row in tv["rows"]] == ["attended", "attendance", "helping", "gses"]
    robust = robust_errors(long, ctv)
    assert (robust != ctv.standard_errors_).all()  # the intervals are not lifelines' model-based ones
    for row in tv["rows"]:
        coef, se = ctv.params_[row["name"]], robust[row["name"]]
        assert row["hr"].value == pytest.approx(np.exp(coef))
        assert row["low"].value == pytest.approx(np.exp(coef - 1.959964 * se))
        assert row["high"].value == pytest.approx(np.exp(coef + 1.959964 * se))
        assert row["p"].value == pytest.approx(2 * norm.sf(abs(coef / se)))


def test_time_varying_model_with_too_few_endings_says_why(org_a):
    build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 12)
    tv = process_outcome.build(scope_for(org_a.org, PERIOD))["cox_tv"]
    assert not tv["fitted"]
    assert "needs at least 40" in tv["message"]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_shows_the_time_varying_hazard_ratios(client_for, tv_data, language):
    response = get_report(client_for("coordinator"), "process_outcome", language=language, pdf=True, period=PERIOD)
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    long, ctv = fit_expected(tv_data)
    robust = robust_errors(long, ctv)
    for name in ("attended", "attendance", "gses"):
        coef, se = ctv.params_[name], robust[name]
        hr, low, high = (format_value(v, "num2") for v in np.exp([coef, coef - 1.959964 * se, coef + 1.959964 * se]))
        assert f"{hr} {low} – {high} {format_value(2 * norm.sf(abs(coef / se)), 'p')}" in text


def test_a_report_without_jobs_says_the_model_was_not_fitted(client_for):
    response = get_report(client_for("coordinator"), "process_outcome", period=PERIOD)
    assert response.status_code == 200
    assert "The time-varying Cox model was not fitted: 0 jobs ended among the 0 jobs" in response.content.decode()


def test_page_explains_time_varying_and_reverse_causation(client_for, org_a, tv_data):
    response = get_report(client_for("coordinator"), "process_outcome", period=PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Time-varying Cox model of job ending" in html
    assert "participation is measured as the job goes on" in html
    assert "may stop coming to groups" in html
    tv = process_outcome.build(scope_for(org_a.org, PERIOD))["cox_tv"]
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert (f"robust standard errors clustered by member ({tv['members'].value} members, {tv['jobs'].value} jobs). "
            "The package lifelines does not compute them for time-varying models") in text


def test_the_timeline_fetches_only_the_days_the_windows_can_reach(org_a):
    from peerpath.outcomes import participation, survival
    from peerpath.outcomes.tests.survival_data import group, helping, job, member, roster, session

    staff = org_a.users["professional"]
    m, other = member(org_a.org, dt.date(2023, 1, 1)), member(org_a.org, dt.date(2023, 1, 1))
    start = dt.date(2025, 6, 1)
    job(m, staff, start)
    g = group(org_a.org, started=dt.date(2023, 1, 1))
    roster(g, m, dt.date(2023, 1, 1))
    since = start - 90 * DAY
    for day, status in ((since - DAY, "present"), (since, "late"), (start, "absent"), (start + 10 * DAY, "excused")):
        session(g, staff, day, {m: status})
    helping(m, other, staff, since - DAY, 30)
    helping(m, other, staff, since, 45)
    scope = scope_for(org_a.org, PERIOD)
    t = participation.timeline(survival.tenure_jobs(scope), scope.org_ids, since, dt.date(2025, 9, 1))
    # the excused absence is not expected: not fetched
    assert sorted(t.marks.values.tolist()) == [[m.pk, since.toordinal(), True, True],
                                       [m.pk, start.toordinal(), False, True]]
    assert t.helping.values.tolist() == [[m.pk, since.toordinal(), 45]]
