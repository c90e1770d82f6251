"""The change-on-measures report: pairs chosen as defined, figures as SciPy and the
Jacobson–Truax module compute them on the same pairs, small cells hidden for
researchers, the PDF in both languages, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats

from peerpath.measures.change import reliable_change
from peerpath.measures.library import instrument
from peerpath.measures.models import Administration, StoredScore
from peerpath.measures.stats import Spread, pooled_sd
from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.reports import change
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from tests.factories import ConsentFactory, MemberFactory

D = dt.date
DAY = dt.timedelta(days=1)
# Enrolled on 1 September 2024: the 6-month follow-up falls due on 2 March 2025 and the
# 12-month one on 1 September 2025, both in the period 2025, both windows closed by
# the day of the report (15 January 2026).
ENROL = D(2024, 9, 1)
BASE_DAY = ENROL + 5 * DAY
MID_DAY = ENROL + 100 * DAY  # in no window: after the baseline one, before the 6-month one (day 137)
FOLLOW_DAY = ENROL + 192 * DAY  # 10 days after the 6-month target
TODAY = D(2026, 1, 15)
# WHO-5 raw: higher is better; norms SD 5.3, reliability .81 → reliable change needs |Δ| > 6.40; cut-off 13.
WHO5_PRE = [8.0, 10.0, 12.0, 15.0, 9.0, 11.0, 20.0, 14.0]
WHO5_POST = [16.0, 12.0, 19.0, 14.0, 10.0, 18.0, 12.0, 18.0]


def add_score(member, instrument_id: str, day: dt.date, value: float) -> None:
    inst = instrument(instrument_id)
    admin = Administration.objects.create(
        organization=member.organization, member=member, instrument_id=instrument_id,
        instrument_version=inst.version, mode="staff", status="completed", taken_on=day,
    )
    StoredScore.objects.create(
        organization=member.organization, administration=admin, member=member, instrument_id=instrument_id,
        score_id=inst.primary_score.id, value=value, n_answered=len(inst.items), taken_on=day,
        definition_version=inst.version, computed_at=timezone.now(),
    )


def new_member(org, enrolled: dt.date = ENROL, **kwargs):
    return MemberFactory(organization=org, enrolment_date=enrolled, **kwargs)


def who5_members(org, pre=WHO5_PRE, post=WHO5_POST, *, research: bool = False) -> list:
    members = []
    for a, b in zip(pre, post, strict=True):
        m = new_member(org)
        if research:
            ConsentFactory(member=m, kind="research")
        add_score(m, "who5", BASE_DAY, a)
        add_score(m, "who5", MID_DAY, (a + b) / 2 + 3)  # neither baseline nor follow-up
        add_score(m, "who5", FOLLOW_DAY, b)
        add_score(m, "who5", FOLLOW_DAY + 30 * DAY, b + 4)  # in the window, farther from the target
        members.append(m)
    return members


def scope_of(org, *, research_only: bool = False, suppress: bool = False, orgs=None, **options) -> ReportScope:
    return ReportScope(
        organizations=orgs or (org,), period=parse_period("2025"), today=TODAY,
        suppression=Suppression(suppress or research_only, 5), research_only=research_only,
        language="en", options=options,
    )


def row_of(data: dict, instrument_id: str, months: int = 6) -> dict:
    return next(r for r in data["rows"] if r["id"] == instrument_id and r["months"] == months)


@pytest.fixture
def who5(org_a, org_b) -> SimpleNamespace:
    members = who5_members(org_a.org)
    # Not counted: due outside the period (enrolled in 2025-08: 6 months due in 2026);
    # never answered WHO-5; another organisation.
    late = new_member(org_a.org, D(2025, 8, 1))
    add_score(late, "who5", D(2025, 8, 1), 5.0)
    add_score(late, "who5", D(2025, 11, 1), 25.0)
    new_member(org_a.org)
    other = new_member(org_b.org)
    add_score(other, "who5", BASE_DAY, 3.0)
    add_score(other, "who5", FOLLOW_DAY, 20.0)
    return SimpleNamespace(members=members)


def test_mean_change_ci_and_p_match_scipy_on_the_same_pairs(who5, org_a):
    row = row_of(change.build(scope_of(org_a.org)), "who5")
    assert row["n"].value == 8 and row["counted"].value == 8
    result = stats.ttest_rel(WHO5_POST, WHO5_PRE)
    ci = result.confidence_interval()
    assert row["change"].value == pytest.approx(np.mean(WHO5_POST) - np.mean(WHO5_PRE)) == pytest.approx(2.5)
    assert (row["change_low"].value, row["change_high"].value) == pytest.approx((ci.low, ci.high))
    assert row["p"].value == pytest.approx(result.pvalue)
    assert row["baseline_mean"].value == pytest.approx(12.375)
    assert row["baseline_sd"].value == pytest.approx(np.std(WHO5_PRE, ddof=1))
    assert row["followup_mean"].value == pytest.approx(14.875)


def test_hedges_g_and_dz_match_an_independent_computation(who5, org_a):
    row = row_of(change.build(scope_of(org_a.org)), "who5")
    a, b, n = np.array(WHO5_PRE), np.array(WHO5_POST), len(WHO5_PRE)
    s_av = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    j = 1 - 3 / (4 * (n - 1) - 1)
    g = j * (b - a).mean() / s_av
    r = np.corrcoef(a, b)[0, 1]
    se = j * math.sqrt((1 / n + (g / j) ** 2 / (2 * n)) * 2 * (1 - r))
    assert row["g"].value == pytest.approx(g)
    assert row["g_sd"].value == pytest.approx(s_av)
    assert (row["g_low"].value, row["g_high"].value) == pytest.approx((g - 1.96 * se, g + 1.96 * se), abs=1e-3)
    # By hand: changes 8 2 7 −1 1 7 −8 4, mean 2.5; squared deviations from it sum to
    # 30.25 + 0.25 + 20.25 + 12.25 + 2.25 + 20.25 + 110.25 + 2.25 = 198, SD √(198/7) = 5.3184;
    # d_z = 2.5 / 5.3184 = 0.4701.
    assert row["change_sd"].value == pytest.approx(5.3184, abs=1e-4)
    assert row["d_z"].value == pytest.approx(0.4701, abs=1e-4)


def test_reliable_change_shares_follow_the_measures_module(who5, org_a):
    row = row_of(change.build(scope_of(org_a.org)), "who5")
    classes = list(reliable_change(WHO5_PRE, WHO5_POST, 5.3, 0.81, "higher_is_better").classification)
    # By hand: |Δ| > 6.40 is reliable: +8, +7, +7 improved; −8 deteriorated; the rest unchanged.
    assert [str(c) for c in classes].count("improved") == 3
    assert row["improved"].value == pytest.approx(3 / 8)
    assert row["deteriorated"].value == pytest.approx(1 / 8)
    assert row["unchanged"].value == pytest.approx(4 / 8)
    # Recovered: improved and crossed from below 13 to 13 or more: 8→16, 12→19, 11→18.
    assert row["recovered"].value == pytest.approx(3 / 8)
    assert row["rci_basis"] == "norms"


def test_the_12_month_follow_up_is_its_own_row(who5, org_a):
    """The WHO-5 members have no score near 12 months: all 8 are counted there and
    excluded for lacking a follow-up in the window."""
    row = row_of(change.build(scope_of(org_a.org)), "who5", months=12)
    assert (row["counted"].value, row["n"].value, row["no_baseline"].value, row["no_followup"].value) == (8, 0, 0, 8)
    assert row["change"].value is None


def test_baseline_and_follow_up_are_the_scores_closest_to_their_targets(org_a):
    m = new_member(org_a.org)
    add_score(m, "who5", ENROL - 40 * DAY, 1.0)  # before the baseline window
    add_score(m, "who5", ENROL - 10 * DAY, 2.0)
    add_score(m, "who5", ENROL + 8 * DAY, 4.0)  # closest to the enrolment date
    add_score(m, "who5", ENROL + 182 * DAY - 20 * DAY, 10.0)
    add_score(m, "who5", ENROL + 182 * DAY + 15 * DAY, 12.0)  # closest to the 6-month target
    add_score(m, "who5", ENROL + 365 * DAY + 50 * DAY, 20.0)  # outside the 12-month window (± 45)
    tie = new_member(org_a.org)
    add_score(tie, "who5", ENROL - 6 * DAY, 6.0)  # as close as the next: the earlier one is taken
    add_score(tie, "who5", ENROL + 6 * DAY, 7.0)
    add_score(tie, "who5", ENROL + 182 * DAY + 3 * DAY, 9.0)
    data = change.build(scope_of(org_a.org))
    six = row_of(data, "who5", 6)
    assert six["n"].value == 2
    assert six["baseline_mean"].value == pytest.approx((4.0 + 6.0) / 2)
    assert six["followup_mean"].value == pytest.approx((12.0 + 9.0) / 2)
    twelve = row_of(data, "who5", 12)
    assert (twelve["n"].value, twelve["no_followup"].value) == (0, 2)
    # a wider follow-up window takes the score 50 days after the 12-month target in
    wider = row_of(change.build(scope_of(org_a.org, followup_window="60")), "who5", 12)
    assert wider["n"].value == 1 and wider["followup_mean"].value == pytest.approx(20.0)


def test_members_without_a_baseline_or_a_follow_up_in_the_window_are_counted_as_excluded(org_a):
    late_baseline = new_member(org_a.org)
    add_score(late_baseline, "who5", ENROL + 40 * DAY, 10.0)  # after the baseline window (30 days)
    add_score(late_baseline, "who5", FOLLOW_DAY, 14.0)
    lost = new_member(org_a.org)
    add_score(lost, "who5", BASE_DAY, 10.0)
    add_score(lost, "who5", ENROL + 182 * DAY + 60 * DAY, 14.0)  # after the 6-month window (45 days)
    paired = new_member(org_a.org)
    add_score(paired, "who5", BASE_DAY, 10.0)
    add_score(paired, "who5", FOLLOW_DAY, 15.0)
    due_later = new_member(org_a.org, D(2025, 7, 7))  # 6 months due in January 2026: not counted in 2025
    add_score(due_later, "who5", due_later.enrolment_date, 9.0)
    row = row_of(change.build(scope_of(org_a.org)), "who5")
    assert (row["counted"].value, row["n"].value, row["no_baseline"].value, row["no_followup"].value) == (3, 1, 1, 1)
    # a longer baseline window takes in the score 40 days after enrolment
    longer = row_of(change.build(scope_of(org_a.org, baseline_after="45")), "who5")
    assert (longer["n"].value, longer["no_baseline"].value) == (2, 0)


def test_a_follow_up_whose_window_is_still_open_is_not_counted_yet(org_a):
    # 6-month target 2025-12-20, window open until 2026-02-03: after the day of the report
    m = new_member(org_a.org, D(2025, 12, 20) - 182 * DAY)
    add_score(m, "who5", m.enrolment_date, 9.0)
    assert change.build(scope_of(org_a.org))["rows"] == []
    later = ReportScope(organizations=(org_a.org,), period=parse_period("2025"), today=D(2026, 2, 4),
                        suppression=Suppression(False, 5), language="en", options={})
    row = row_of(change.build(later), "who5")
    assert (row["counted"].value, row["no_followup"].value) == (1, 1)


@pytest.mark.parametrize(("name", "value", "label"), [
    ("baseline_before", "91", "Baseline: days before enrolment"),
    ("baseline_after", "-1", "Baseline: days after enrolment"),
    ("followup_window", "six", "Follow-up: days either side of 6 and 12 months"),
    ("followup_window", "5", "Follow-up: days either side of 6 and 12 months"),
])
def test_a_window_out_of_range_is_refused_naming_the_field(org_a, name, value, label):
    with pytest.raises(ValueError, match=re.escape(label)):
        change.build(scope_of(org_a.org, **{name: value}))


def test_empty_window_options_are_the_defaults(who5, org_a):
    data = change.build(scope_of(org_a.org, baseline_before="", baseline_after=None, followup_window=""))
    assert (data["windows"].before, data["windows"].after, data["windows"].window) == (30, 30, 45)
    assert row_of(data, "who5")["n"].value == 8


def test_without_a_normative_sd_the_baseline_sd_of_ten_members_is_used(org_a):
    # PHQ-9: reliability .89 and cut-off 10 on record, no SD.
    baselines = [12.0, 15.0, 9.0, 18.0, 20.0, 11.0, 14.0, 16.0, 7.0, 13.0]
    followups = {0: 4.0, 1: 14.0, 3: 8.0, 4: 26.0, 5: 9.0, 6: 5.0}
    for i, value in enumerate(baselines):
        m = new_member(org_a.org)
        add_score(m, "phq9", BASE_DAY, value)
        if i in followups:
            add_score(m, "phq9", FOLLOW_DAY, followups[i])
    row = row_of(change.build(scope_of(org_a.org)), "phq9")
    pre = [baselines[i] for i in followups]
    post = list(followups.values())
    expected = reliable_change(pre, post, float(np.std(baselines, ddof=1)), 0.89, "higher_is_worse")
    shares = {c: [str(x) for x in expected.classification].count(c) / 6 for c in ("improved", "deteriorated")}
    assert row["rci_basis"] == "baseline"
    assert row["n"].value == 6
    assert row["improved"].value == pytest.approx(shares["improved"])
    assert row["deteriorated"].value == pytest.approx(shares["deteriorated"])
    # By hand: SD 3.98, so |Δ| > 3.66 is reliable: 12→4, 18→8, 14→5 improved (and all three ended
    # below the cut-off 10: recovered); 20→26 deteriorated; 15→14 and 11→9 unchanged.
    assert row["improved"].value == pytest.approx(3 / 6)
    assert row["deteriorated"].value == pytest.approx(1 / 6)
    assert row["recovered"].value == pytest.approx(3 / 6)


def test_the_baseline_sd_is_the_organisations_whoever_asks(org_a):
    """As on the member's page (``measures.stats.programme_baseline_sd``): the SD of
    every member's first score in the organisation, not of the members a report
    may count, so a researcher sees the same categories as the staff."""
    baselines = [12.0, 15.0, 9.0, 18.0, 20.0, 11.0, 14.0, 16.0, 7.0, 13.0]
    followups = {0: 4.0, 1: 14.0, 3: 8.0, 4: 26.0, 5: 9.0, 6: 5.0}
    for i, value in enumerate(baselines):
        m = new_member(org_a.org)
        add_score(m, "phq9", BASE_DAY, value)
        if i in followups:
            ConsentFactory(member=m, kind="research")
            add_score(m, "phq9", FOLLOW_DAY, followups[i])
    staff = row_of(change.build(scope_of(org_a.org)), "phq9")
    research = row_of(change.build(scope_of(org_a.org, research_only=True)), "phq9")
    # only the 6 consented members are counted: 6 baselines, yet the SD is of all 10
    assert research["n"].value == 6 and research["rci_basis"] == staff["rci_basis"] == "baseline"
    expected = reliable_change([baselines[i] for i in followups], list(followups.values()),
                               float(np.std(baselines, ddof=1)), 0.89, "higher_is_worse")
    assert [str(c) for c in expected.classification].count("improved") == 3
    for key, count in (("improved", 3), ("deteriorated", 1), ("unchanged", 2), ("recovered", 3)):
        assert research[key].value == staff[key].value == pytest.approx(count / 6)


def test_with_fewer_than_ten_baselines_and_no_sd_no_reliable_change_is_shown(org_a):
    for value in (12.0, 15.0, 9.0):
        m = new_member(org_a.org)
        add_score(m, "phq9", BASE_DAY, value)
        add_score(m, "phq9", FOLLOW_DAY, value - 5)
    row = row_of(change.build(scope_of(org_a.org)), "phq9")
    assert row["n"].value == 3
    assert row["rci_basis"] is None and row["improved"] is None
    assert row["rci_missing"] == "few_baselines" and row["lacking"] == [org_a.org.name]


def test_researchers_count_consented_members_and_small_cells_are_hidden(org_a):
    who5_members(org_a.org, WHO5_PRE[:4], WHO5_POST[:4], research=True)
    who5_members(org_a.org, WHO5_PRE[4:], WHO5_POST[4:])
    staff = row_of(change.build(scope_of(org_a.org)), "who5")
    assert staff["n"].value == 8 and not staff["change"].hidden
    row = row_of(change.build(scope_of(org_a.org, research_only=True)), "who5")
    assert row["n"].value == 4
    assert row["n"].hidden and row["change"].hidden and row["g"].hidden and row["improved"].hidden
    assert row["change"].shown is None


def test_researcher_page_shows_less_than_five(org_a, client_for):
    who5_members(org_a.org, WHO5_PRE[:4], WHO5_POST[:4], research=True)
    response = get_report(client_for("researcher"), "change", period="2025")
    assert response.status_code == 200
    html = response.content.decode()
    assert "WHO-5" in html and "&lt; 5" in html
    assert "2.50" not in html


def test_page_shows_the_figures_and_a_bad_option_names_the_field(who5, client_for):
    client = client_for("coordinator")
    html = get_report(client, "change", period="2025").content.decode()
    assert "WHO-5" in html and "2.50" in html and "37.5%" in html
    assert "d_z" in html and "0.47" in html  # d_z of the WHO-5 pairs
    bad = get_report(client, "change", period="2025", opt_followup_window="5")
    assert bad.status_code == 400
    assert "Follow-up: days either side of 6 and 12 months: enter a whole number from 7 to 90" in bad.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_contains_the_figures_and_hides_small_cells(who5, org_a, client_for, language):
    who5_members(org_a.org)
    who5_members(org_a.org)  # 24 pairs: 9 improved, 12 unchanged, 3 deteriorated
    response = get_report(client_for("coordinator"), "change", pdf=True, language=language, period="2025")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "WHO-5" in text
    six, twelve = ("6 months", "12 months") if language == "en" else ("6 個月", "12 個月")
    # who is counted: 24 at 6 months, all paired; 24 at 12 months, none with a follow-up
    assert f"\nWHO-5 · {six} 24 0 0 24\n" in text
    assert f"\nWHO-5 · {twelve} 24 0 24 0\n" in text
    # 24 pairs, as the Pairs column (not a date's digits); d_z 0.49 with the SD of the changes 5.08
    assert re.search(r"\n24 12\.38\s\(3\.72\)\s14\.88", text)
    assert "0.49 (5.08)" in text
    # 3 deteriorated: a small cell in an exported report; 24 − 9 improved − 12
    # unchanged would give it away, so unchanged is hidden with it (improved cannot
    # cover it: the 9 recovered are among the improved).
    hidden = "hidden" if language == "en" else "已隱藏"
    assert re.search(rf"\n24 37\.5% {hidden} < 5 37\.5% ", text)
    assert "2.50" in text  # mean change
    assert "50.0%" not in text  # unchanged


def test_query_count_is_fixed_whatever_the_data_size(org_a, django_assert_num_queries):
    who5_members(org_a.org, WHO5_PRE[:3], WHO5_POST[:3])
    with django_assert_num_queries(1):
        small = change.build(scope_of(org_a.org, research_only=True))
    who5_members(org_a.org, research=True)
    for i in range(12):
        m = new_member(org_a.org)
        add_score(m, "phq9", BASE_DAY, 10.0 + i)
        add_score(m, "phq9", FOLLOW_DAY, 5.0 + i)
    with django_assert_num_queries(1):
        large = change.build(scope_of(org_a.org, research_only=True))
    # WHO-5 at 6 and 12 months; PHQ-9 members gave no research consent
    assert small["rows"] == [] and len(large["rows"]) == 2
    # PHQ-9 has no normative SD: one more query fetches the organisations' baseline SDs
    with django_assert_num_queries(2):
        assert len(change.build(scope_of(org_a.org))["rows"]) == 4


def test_combined_organisations_keep_reliable_change_when_one_lacks_a_baseline_sd(org_a, org_b):
    """PHQ-9 has a reliability (.89) on record and no normative SD. Organisation A has
    ten members' first scores (an SD of its own), B only three: combining them must
    not print "no reliability or SD on record" for PHQ-9. B's pairs are judged with
    the pooled within-organisation SD, A's with A's own."""
    for value in [12.0, 15.0, 9.0, 18.0, 20.0, 11.0, 14.0, 16.0, 7.0, 13.0]:
        m = new_member(org_a.org)
        add_score(m, "phq9", BASE_DAY, value)
        add_score(m, "phq9", FOLLOW_DAY, value - 6)
    for value, change_ in ((14.0, -3.7), (10.0, -4.0), (19.0, 5.0)):
        m = new_member(org_b.org)
        add_score(m, "phq9", BASE_DAY, value)
        add_score(m, "phq9", FOLLOW_DAY, value + change_)
    row = row_of(change.build(scope_of(org_a.org, orgs=(org_a.org, org_b.org))), "phq9")
    assert row["rci_basis"] == "baseline" and row["pooled_for"] == [org_b.org.name]
    # By hand. A: mean 13.5, squared deviations sum to 142.5 (SD² 15.83, SD 3.979);
    # B: 14, 10, 19, mean 14.33, squared deviations 40.67 (SD² 20.33).
    # Pooled SD = √((142.5 + 40.67) / (9 + 2)) = √16.652 = 4.0806.
    # Reliable change beyond 1.96·√2·SD·√(1 − .89): with A's SD 3.658, pooled 3.751,
    # B's own 4.145. A: every change −6 → 10 improved. B: −3.7 unchanged (it would be
    # improved with A's SD), −4.0 improved (unchanged with B's own), +5 deteriorated.
    assert pooled_sd([Spread(10, math.sqrt(142.5 / 9)), Spread(3, math.sqrt(40.6667 / 2))]) == pytest.approx(
        4.0806, abs=1e-4)
    assert row["n"].value == 13
    assert row["improved"].value == pytest.approx(11 / 13)
    assert row["unchanged"].value == pytest.approx(1 / 13)
    assert row["deteriorated"].value == pytest.approx(1 / 13)


def test_without_enough_baselines_even_pooled_the_organisation_is_named(org_a, org_b):
    for org, values in ((org_a.org, (12.0, 15.0, 9.0, 18.0)), (org_b.org, (14.0, 10.0, 19.0))):
        for value in values:
            m = new_member(org)
            add_score(m, "phq9", BASE_DAY, value)
            add_score(m, "phq9", FOLLOW_DAY, value - 6)
    row = row_of(change.build(scope_of(org_a.org, orgs=(org_a.org, org_b.org))), "phq9")
    assert row["rci_basis"] is None and row["rci_missing"] == "few_baselines"
    assert sorted(row["lacking"]) == sorted([org_a.org.name, org_b.org.name])


def test_combined_page_says_which_organisation_lacks_an_sd_and_never_the_wrong_reason(org_a, org_b):
    from django.template.loader import render_to_string

    for value in (14.0, 10.0, 19.0):
        m = new_member(org_b.org)
        add_score(m, "phq9", BASE_DAY, value)
        add_score(m, "phq9", FOLLOW_DAY, value - 6)
    scope = scope_of(org_a.org, orgs=(org_a.org, org_b.org))
    html = render_to_string("outcomes/reports/change.html", {"r": change.build(scope), "scope": scope})
    assert "no reliability" not in html
    assert f"fewer than 10 members' first scores in {org_b.org.name}, even pooled" in html


def test_the_report_command_refuses_a_window_out_of_range_naming_the_field(org_a):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="followup_window: Follow-up: days either side of 6 and 12 months: enter a "
                                           "whole number from 7 to 90"):
        call_command("report", "change", "--option", "followup_window=5", "--language", "en", "-o", "-")


def test_the_filter_form_shows_the_default_windows(org_a, client_for):
    html = get_report(client_for("coordinator"), "change", period="2025").content.decode()
    for name, value in (("opt_baseline_before", 30), ("opt_baseline_after", 30), ("opt_followup_window", 45)):
        assert re.search(rf'<input type="number" name="{name}" value="{value}"', html), name
