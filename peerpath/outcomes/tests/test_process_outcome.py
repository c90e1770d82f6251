"""The process→outcome report: participation windows, tertile curves, log-rank and
Cox figures against lifelines called directly on arrays built from the same rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test, proportional_hazard_test

from peerpath.groups.models import Attendance
from peerpath.members.models import Member
from peerpath.outcomes import participation, process_stats, survival
from peerpath.outcomes.reports import process_outcome
from peerpath.outcomes.templatetags.outcomes import format_value
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from peerpath.outcomes.tests.survival_data import (
    group,
    gses,
    helping,
    job,
    member,
    roster,
    scope_for,
    session,
)

D = dt.date
CENSOR = D(2026, 9, 30)
PERIOD = "2025Q1..2026Q3"
WINDOW = dt.timedelta(days=180)


# -- pure ---------------------------------------------------------------------------------------

def test_tertiles_cut_the_known_shares_and_leave_no_group_out():
    shares = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, np.nan, 0.9, 0.95])
    t = process_stats.tertiles(shares)
    assert t.bins == 3 and t.codes[6] == -1
    assert t.codes.tolist() == pd.qcut(shares[~np.isnan(shares)], 3, labels=False).tolist()[:6] + [-1] + [2, 2]


def test_tied_shares_merge_bins():
    t = process_stats.tertiles(np.array([1.0] * 6 + [0.2, 0.5]))
    assert t.bins < 3 and set(t.codes.tolist()) <= set(range(t.bins))


def test_cox_is_not_fitted_with_fewer_than_ten_events_per_covariate():
    n = 50
    frame, dropped, _centre = process_stats.cox_frame(
        np.arange(1, n + 1, dtype=float), np.arange(n) < 39, np.arange(n), np.arange(n) % 4, np.full(n, 4.0),
        np.arange(n) % 3, np.full(n, 25.0) + np.arange(n) % 5)
    result = process_stats.fit_cox(frame)
    assert isinstance(result, process_stats.CoxRefusal)
    assert result.reason == "few_events" and result.events == 39 and result.needed == 40 and dropped == 0


def test_the_fixed_model_codes_attending_and_the_rate_among_attenders():
    frame, dropped, centre = process_stats.cox_frame(
        np.array([10.0, 20, 30, 40]), np.array([True, False, True, True]), np.array([1, 2, 3, 4]),
        np.array([0, 3, 1, 2]), np.array([0, 4, 2, 2]), np.zeros(4), np.array([20.0, np.nan, 25, 30]))
    # job 2 (no GSES score) is dropped first; the attenders left have rates 0.5 and 1.0 (mean 0.75)
    assert dropped == 1 and centre == pytest.approx(0.75)
    assert frame["attended"].tolist() == [0, 1, 1]
    assert frame["attendance"].tolist() == pytest.approx([0, -2.5, 2.5])


def test_participation_share_is_attended_over_expected():
    assert participation.Participation(attended=6, expected=8).share == 0.75
    assert participation.Participation(attended=0, expected=0).share is None


def test_attendance_share_counts_attendance_rows_as_the_groups_app(org_a):
    """The groups app's rate (``groups.profile.rate``): present or late over present,
    late or absent marks, whatever the roster says; excused and unmarked sessions
    are not expected."""
    staff = org_a.users["professional"]
    m = member(org_a.org, D(2024, 6, 1))
    start = D(2025, 3, 1)
    job(m, staff, start)
    mine, other = group(org_a.org), group(org_a.org, "週五同儕支持團體")
    roster(mine, m, D(2024, 6, 1))
    for k, status in enumerate(["present", "present", "absent", "excused"]):
        session(mine, staff, start - dt.timedelta(days=10 + 7 * k), {m: status})
    session(other, staff, start - dt.timedelta(days=60))  # a session without a mark: not expected
    session(other, staff, start - dt.timedelta(days=5), {m: "present"})  # not on its roster: a mark counts
    session(mine, staff, start - dt.timedelta(days=200), {m: "absent"})  # before the 180-day window
    session(mine, staff, start, {m: "absent"})  # the job's first day: not before it
    scope = scope_for(org_a.org, PERIOD)
    jobs = survival.tenure_jobs(scope)
    cov = process_outcome.covariates(jobs, survival.job_tenure_rows(jobs))
    # attended: 2 present + 1 present elsewhere = 3; expected: those 3 + 1 absent = 4
    # (counting the sessions held while on the roster instead, 3 of 3 would be expected)
    assert cov["attendance"].tolist() == [0.75]


# -- data ---------------------------------------------------------------------------------------

@dataclass
class Expected:
    """What the report should find, computed here from the rows as they are created."""

    durations: list[float] = field(default_factory=list)
    observed: list[bool] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)
    attended: list[int] = field(default_factory=list)
    expected: list[int] = field(default_factory=list)
    helping: list[float] = field(default_factory=list)
    gses: list[float] = field(default_factory=list)
    starts: list[dt.date] = field(default_factory=list)
    # every session of a member's group while on the roster, with their mark; every helping contact given
    member_sessions: dict[int, list[tuple[dt.date, str]]] = field(default_factory=dict)
    member_help: dict[int, list[tuple[dt.date, int]]] = field(default_factory=dict)


def build_data(org, staff, membership, n: int, seed: int = 6) -> Expected:
    """``n`` members with one competitive job each (plus a second job for one),
    weekly sessions of one group, attendance, helping and GSES scores."""
    rng = np.random.default_rng(seed)
    g = group(org)
    session_days = [D(2024, 7, 1) + dt.timedelta(days=7 * k) for k in range(110)]
    sessions = [session(g, staff, day) for day in session_days]
    other = member(org, D(2024, 1, 1))
    exp = Expected()
    marks = []

    def add_job(m, start, end, joined, left, attend_p, gses_value, help_days):
        job(m, staff, start, end)
        ended = end is not None and end <= CENSOR
        exp.durations.append(float(((end if ended else CENSOR) - start).days + 1))  # the last day counts
        exp.observed.append(ended)
        exp.members.append(m.pk)
        exp.starts.append(start)
        attended = expected = 0
        for s, day in zip(sessions, session_days, strict=True):
            if joined is None or day < joined or (left is not None and day > left):
                continue
            in_window = start - WINDOW <= day < start
            status = rng.choice(["present", "late", "absent", "excused"],
                                p=[attend_p * 0.8, attend_p * 0.2, (1 - attend_p) * 0.8, (1 - attend_p) * 0.2])
            if (s.pk, m.pk) not in seen:
                seen.add((s.pk, m.pk))
                marks.append(Attendance(organization=org, session=s, member=m, status=str(status)))
                statuses[(s.pk, m.pk)] = str(status)
                exp.member_sessions.setdefault(m.pk, []).append((day, str(status)))
            status = statuses[(s.pk, m.pk)]
            if in_window:
                attended += status in ("present", "late")
                expected += status in ("present", "late", "absent")
        exp.shares.append(attended / expected if expected > 0 else np.nan)
        exp.attended.append(attended)
        exp.expected.append(expected)
        minutes = 0
        for days_before, mins in help_days:
            helping(m, other, staff, start - dt.timedelta(days=days_before), mins)
            exp.member_help.setdefault(m.pk, []).append((start - dt.timedelta(days=days_before), mins))
            if 1 <= days_before <= 180:
                minutes += mins
        exp.helping.append(minutes / 60)
        exp.gses.append(gses_value)

    seen: set[tuple[int, int]] = set()
    statuses: dict[tuple[int, int], str] = {}
    for i in range(n):
        m = member(org, D(2024, 6, 1))
        start = D(2025, 1, 15) + dt.timedelta(days=5 * i)
        attend_p = float(rng.uniform(0.2, 0.95))
        length = int(rng.exponential(120 + 300 * attend_p)) + 1
        end = start + dt.timedelta(days=length) if rng.random() < 0.85 else None
        joined = None if i % 9 == 0 else D(2024, 7, 1)
        left = D(2024, 10, 1) if i % 11 == 5 else None
        if joined is not None:
            roster(g, m, joined, left)
        if i % 10 == 3:
            gses_value = np.nan  # no score at all
        elif i % 10 == 7:
            gses_value = np.nan
            gses(m, membership, start + dt.timedelta(days=3), 30)  # only after the job started
        else:
            gses_value = float(rng.integers(15, 40))
            gses(m, membership, D(2024, 12, 1), int(gses_value))
            gses(m, membership, start - dt.timedelta(days=1), 40)  # later scores are not the baseline
        help_days = [(int(rng.integers(1, 400)), int(rng.integers(10, 120))) for _ in range(int(rng.integers(0, 4)))]
        add_job(m, start, end, joined, left, attend_p, gses_value, help_days)
        if i == 1:
            add_job(m, D(2026, 3, 1), None, joined, left, attend_p, gses_value, [(10, 60)])
    Attendance.objects.bulk_create(marks)
    return exp


def expected_frame(exp: Expected) -> pd.DataFrame:
    """The fixed model's rows: attended at least one session (0/1) and the rate
    among attenders per 10 points around their mean (0 for non-attenders)."""
    frame = pd.DataFrame({
        "duration": exp.durations, "event": exp.observed, "member": exp.members,
        "attended": [int(a > 0) for a in exp.attended],
        "rate": [a / e if a > 0 else 0.0 for a, e in zip(exp.attended, exp.expected, strict=True)],
        "helping": exp.helping, "gses": exp.gses,
    }).dropna(subset=["gses"]).reset_index(drop=True)
    centre = frame.loc[frame["attended"] == 1, "rate"].mean()
    rate = frame.pop("rate")
    frame.insert(4, "attendance", np.where(frame["attended"] == 1, (rate - centre) * 10, 0.0))
    return frame


def average_rank(durations: pd.Series, events: pd.Series, _weights: pd.Series) -> pd.Series:
    """R's ``cox.zph(transform="rank")``: average ranks of the event times."""
    from scipy.stats import rankdata

    out = pd.Series(np.nan, index=durations.index)
    out[events.to_numpy()] = rankdata(durations[events.to_numpy()])
    return out


@pytest.fixture
def data(org_a):
    return build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 80)


# -- figures ------------------------------------------------------------------------------------

def test_covariates_per_job_follow_the_window_and_the_roster(org_a, data):
    scope = scope_for(org_a.org, PERIOD)
    jobs = survival.tenure_jobs(scope)
    cov = process_outcome.covariates(jobs, survival.job_tenure_rows(jobs))
    np.testing.assert_allclose(cov["attendance"], data.shares, equal_nan=True)
    np.testing.assert_allclose(cov["helping"], data.helping)
    np.testing.assert_allclose(cov["gses"], data.gses, equal_nan=True)


def test_tertile_curves_and_logrank_match_lifelines(org_a, data):
    r = process_outcome.build(scope_for(org_a.org, PERIOD))
    durations, observed = np.array(data.durations), np.array(data.observed)
    shares = np.array(data.shares)
    known = ~np.isnan(shares)
    codes = pd.qcut(shares[known], 3, labels=False)
    test = multivariate_logrank_test(durations[known], codes, observed[known])
    assert r["logrank"]["statistic"].value == pytest.approx(test.test_statistic)
    assert r["logrank"]["p"].value == pytest.approx(test.p_value)
    assert r["logrank"]["df"] == 2
    for k in range(3):
        mask = codes == k
        kmf = KaplanMeierFitter().fit(durations[known][mask], observed[known][mask])
        group_figures = r["groups"][k]
        assert group_figures["rows"].value == int(mask.sum())
        expected_median = kmf.median_survival_time_
        got = group_figures["median"].value
        assert (got is None and np.isinf(expected_median)) or got == pytest.approx(expected_median)
    assert r["groups"][3]["rows"].value == int((~known).sum())


def test_cox_hazard_ratios_match_lifelines(org_a, data):
    r = process_outcome.build(scope_for(org_a.org, PERIOD))
    frame = expected_frame(data)
    cph = CoxPHFitter().fit(frame, duration_col="duration", event_col="event", cluster_col="member")
    # the proportional hazards tests use the model-based variance: lifelines' test on the fit without clusters
    naive = CoxPHFitter().fit(frame.drop(columns="member"), duration_col="duration", event_col="event")
    ph = proportional_hazard_test(naive, frame.drop(columns="member"), time_transform=average_rank)
    cox = r["cox"]
    assert cox["fitted"], cox.get("message")
    assert cox["jobs"].value == len(frame) and cox["dropped"].value == len(data.durations) - len(frame)
    assert cox["events"].value == int(frame["event"].sum())
    assert cox["concordance"].value == pytest.approx(cph.concordance_index_)
    for row in cox["rows"]:
        s = cph.summary.loc[row["name"]]
        assert row["hr"].value == pytest.approx(s["exp(coef)"])
        assert row["low"].value == pytest.approx(s["exp(coef) lower 95%"])
        assert row["high"].value == pytest.approx(s["exp(coef) upper 95%"])
        assert row["p"].value == pytest.approx(s["p"])
        assert row["ph_p"].value == pytest.approx(ph.summary.loc[row["name"], "p"])
    # the global test: (g'R) V (g'R)' d / g'g, g the centred average ranks of the event times
    resid = naive.compute_residuals(frame.drop(columns="member"), kind="schoenfeld")
    from scipy.stats import chi2, rankdata
    g = rankdata(frame.loc[resid.index, "duration"])
    g = g - g.mean()
    test = g @ resid.to_numpy()
    statistic = test @ naive.variance_matrix_.to_numpy() @ test * len(resid) / (g @ g)
    assert cox["ph_global"]["statistic"].value == pytest.approx(statistic)
    assert cox["ph_global"]["p"].value == pytest.approx(chi2.sf(statistic, 4)) and cox["ph_global"]["df"] == 4
    rates = [a / e for a, e, score in zip(data.attended, data.expected, data.gses, strict=True)
             if a > 0 and not np.isnan(score)]
    assert cox["centre"].value == pytest.approx(np.mean(rates))


def test_too_few_events_says_why(org_a):
    build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 12)
    r = process_outcome.build(scope_for(org_a.org, PERIOD))
    assert not r["cox"]["fitted"]
    assert "needs at least 40" in r["cox"]["message"]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_shows_a_hazard_ratio_and_a_median(client_for, org_a, data, language):
    response = get_report(client_for("coordinator"), "process_outcome", language=language, pdf=True, period=PERIOD)
    assert response.status_code == 200
    text = pdf_text(response.content)
    frame = expected_frame(data)
    cph = CoxPHFitter().fit(frame, duration_col="duration", event_col="event", cluster_col="member")
    assert f"{cph.summary.loc['attended', 'exp(coef)']:.2f}" in text
    durations, observed, shares = np.array(data.durations), np.array(data.observed), np.array(data.shares)
    known = ~np.isnan(shares)
    codes = pd.qcut(shares[known], 3, labels=False)
    medians = [KaplanMeierFitter().fit(durations[known][codes == k], observed[known][codes == k])
               .median_survival_time_ for k in range(3)]
    finite = [m for m in medians if np.isfinite(m)]
    assert finite
    for median in finite:
        assert format_value(median, "days") in text


def test_page_states_the_association_is_not_causal(client_for, org_a, data):
    response = get_report(client_for("coordinator"), "process_outcome", period=PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "An observational association, not a cause." in html
    assert "<svg" in html and "Log-rank test across the attendance thirds" in html


def test_page_says_the_intervals_are_clustered_by_member(client_for, org_a, data):
    html = get_report(client_for("coordinator"), "process_outcome", period=PERIOD).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    frame = expected_frame(data)
    assert (f"robust standard errors clustered by member ({frame['member'].nunique()} members, {len(frame)} jobs)"
            in text)
    assert "Global test (all covariates together)" in text
    assert "Log-rank test for trend across the thirds in their order" in text


def test_trend_test_matches_an_independent_computation(org_a, data):
    """The report's trend statistic against the log-rank trend formula written
    out here over the tertiles: U = Σ w (O − E), V = Σ_t d(n−d)/(n−1) (Σ w² p − (Σ w p)²)."""
    r = process_outcome.build(scope_for(org_a.org, PERIOD))
    durations, observed, shares = np.array(data.durations), np.array(data.observed), np.array(data.shares)
    known = ~np.isnan(shares)
    codes = np.asarray(pd.qcut(shares[known], 3, labels=False))
    t_all, e_all = durations[known], observed[known]
    u = v = 0.0
    for t in sorted(set(t_all[e_all])):
        n_j = np.array([(t_all[codes == j] >= t).sum() for j in range(3)], dtype=float)
        d_j = np.array([((t_all[codes == j] == t) & e_all[codes == j]).sum() for j in range(3)], dtype=float)
        n, d = n_j.sum(), d_j.sum()
        w, p = np.array([1.0, 2.0, 3.0]), n_j / n
        u += w @ (d_j - d * p)
        v += d * (n - d) / (n - 1) * ((w**2) @ p - (w @ p) ** 2) if n > 1 else 0.0
    assert r["logrank"]["shown"]
    assert r["logrank"]["trend"].value == pytest.approx(u**2 / v)


def test_log_rank_tests_are_withheld_when_a_third_has_fewer_than_five_endings(client_for, org_a, data):
    from peerpath.employment.models import Job

    shares = np.array(data.shares)
    known = ~np.isnan(shares)
    codes = np.full(len(shares), -1)
    codes[known] = pd.qcut(shares[known], 3, labels=False)
    lowest = [k for k in range(len(shares)) if codes[k] == 0 and data.observed[k]]
    # reopen all but 3 of the lowest third's ended jobs (same jobs, same bands)
    jobs = list(Job.objects.filter(organization=org_a.org).order_by("pk"))
    for k in lowest[3:]:
        jobs[k].end_date = None
        jobs[k].save(update_fields=["end_date"])
    r = process_outcome.build(scope_for(org_a.org, PERIOD))
    assert not r["logrank"]["shown"] and "statistic" not in r["logrank"]
    assert [band["events"].value for band in r["logrank"]["short"]] == [3]
    html = get_report(client_for("coordinator"), "process_outcome", period=PERIOD).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "Log-rank test across the attendance thirds" not in text
    assert "they need at least 5 ended jobs in every attendance third, and these have fewer" in text
    assert f"{r['logrank']['short'][0]['label']}, 3 ended." in text


@pytest.mark.parametrize("size", [12, 24])
def test_fixed_number_of_queries(org_a, django_assert_num_queries, size):
    build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], size)
    with django_assert_num_queries(6):
        process_outcome.build(scope_for(org_a.org, PERIOD, research_only=True))


# -- small cells --------------------------------------------------------------------------------

def test_a_hidden_row_is_not_the_total_minus_the_shown_rows(org_a):
    data = build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 24)
    r = process_outcome.build(scope_for(org_a.org, PERIOD, suppress=True))
    no_group = r["groups"][-1]
    shares = np.array(data.shares)
    # members 0, 9 and 18 were on no roster, member 16 had left it: 4 jobs of 4 members, a small cell
    assert no_group["rows"].value == int(np.isnan(shares).sum()) == 4 and no_group["rows"].hidden
    assert not r["jobs"].hidden and r["jobs"].value == len(data.durations) == 25
    thirds = r["groups"][:-1]
    assert all(g["members"].value >= 5 for g in thirds)
    hidden = [g for g in r["groups"] if g["rows"].hidden]
    # the smallest third is hidden too, with every figure of it
    smallest = min(thirds, key=lambda g: g["members"].value)
    assert len(hidden) == 2 and smallest in hidden
    assert smallest["median"].hidden and smallest["events"].hidden and smallest["curve"][1] == []
    assert smallest["points"][0]["at_risk"].hidden  # at the start, every row is at risk
    assert all(p["estimate"].hidden for p in smallest["points"])
    # staff see every row
    staff = process_outcome.build(scope_for(org_a.org, PERIOD))
    assert not any(g["rows"].hidden for g in staff["groups"])


def test_a_few_jobs_left_out_of_the_cox_model_are_hidden_with_the_rest(org_a):
    data = build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 12)
    dropped = int(np.isnan(np.array(data.gses)).sum())
    assert dropped == 2  # members 3 and 7: no baseline GSES score
    scope = scope_for(org_a.org, PERIOD, suppress=True)
    r = process_outcome.build(scope)
    cox = r["cox"]
    assert cox["dropped"].value == 2 and cox["dropped"].hidden
    # 13 jobs in all, 11 kept: the two together would give the 2 away
    assert (r["jobs"].value, cox["jobs"].value) == (13, 11)
    assert r["jobs"].hidden or cox["jobs"].hidden
    assert cox["events"].hidden
    assert scope.disclosure.audit() == []
    assert not cox["fitted"] and cox["message"] == "The Cox model was not fitted: too few jobs ended."
    staff = process_outcome.build(scope_for(org_a.org, PERIOD))["cox"]
    assert not staff["dropped"].hidden and "needs at least 40" in staff["message"]


def test_researcher_page_hides_the_few_jobs_left_out(client_for, org_a):
    from tests.factories import ConsentFactory

    build_data(org_a.org, org_a.users["professional"], org_a.staff["professional"], 12)
    for m in Member.objects.filter(organization=org_a.org):
        ConsentFactory(member=m, kind="research", given_on=D(2024, 1, 1))
    html = get_report(client_for("researcher"), "process_outcome", period=PERIOD).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "&lt; 5 jobs left out because the member had no self-efficacy (GSES) score" in text
    assert not re.search(r"(?<!&lt; )\b\d+ jobs left out", text)
    assert not re.search(r"\b\d+ jobs ended among", text)
    # the thirds have fewer than 5 endings: the tests are withheld, and the few endings are not printed
    assert "The log-rank tests are not shown" in text and "Log-rank test across" not in text
    assert re.search(r"&lt; 5 ended", text) and not re.search(r"(?<!&lt; )\b\d+ ended[;.]", text)
