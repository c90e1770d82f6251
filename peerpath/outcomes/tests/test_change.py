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
from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.reports import change
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from tests.factories import ConsentFactory, MemberFactory

D = dt.date
BASE_DAY, MID_DAY, FOLLOW_DAY = D(2025, 1, 10), D(2025, 3, 1), D(2025, 6, 1)
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


def new_member(org, **kwargs):
    return MemberFactory(organization=org, enrolment_date=D(2024, 6, 1), **kwargs)


def who5_members(org, pre=WHO5_PRE, post=WHO5_POST, *, research: bool = False) -> list:
    members = []
    for a, b in zip(pre, post, strict=True):
        m = new_member(org)
        if research:
            ConsentFactory(member=m, kind="research")
        add_score(m, "who5", BASE_DAY, a)
        add_score(m, "who5", MID_DAY, (a + b) / 2 + 3)  # neither baseline nor follow-up
        add_score(m, "who5", FOLLOW_DAY, b)
        members.append(m)
    return members


def scope_of(org, *, research_only: bool = False, suppress: bool = False, **options) -> ReportScope:
    return ReportScope(
        organizations=(org,), period=parse_period("2025"), today=D(2026, 1, 15),
        suppression=Suppression(suppress or research_only, 5), research_only=research_only,
        language="en", options=options,
    )


def row_of(data: dict, instrument_id: str) -> dict:
    return next(r for r in data["rows"] if r["id"] == instrument_id)


@pytest.fixture
def who5(org_a, org_b) -> SimpleNamespace:
    members = who5_members(org_a.org)
    # Not counted: follow-up only 20 days after the baseline; no follow-up; another organisation;
    # a follow-up after the period (the last score in the period is then the follow-up).
    short = new_member(org_a.org)
    add_score(short, "who5", D(2025, 5, 1), 5.0)
    add_score(short, "who5", D(2025, 5, 21), 25.0)
    alone = new_member(org_a.org)
    add_score(alone, "who5", D(2025, 2, 1), 7.0)
    add_score(new_member(org_b.org), "who5", BASE_DAY, 3.0)
    late = members[0]
    add_score(late, "who5", D(2026, 2, 1), 0.0)
    return SimpleNamespace(members=members, short=short, alone=alone)


def test_mean_change_ci_and_p_match_scipy_on_the_same_pairs(who5, org_a):
    row = row_of(change.build(scope_of(org_a.org)), "who5")
    assert row["n"].value == 8
    result = stats.ttest_rel(WHO5_POST, WHO5_PRE)
    ci = result.confidence_interval()
    assert row["change"].value == pytest.approx(np.mean(WHO5_POST) - np.mean(WHO5_PRE)) == pytest.approx(2.5)
    assert (row["change_low"].value, row["change_high"].value) == pytest.approx((ci.low, ci.high))
    assert row["p"].value == pytest.approx(result.pvalue)
    assert row["baseline_mean"].value == pytest.approx(12.375)
    assert row["baseline_sd"].value == pytest.approx(np.std(WHO5_PRE, ddof=1))
    assert row["followup_mean"].value == pytest.approx(14.875)


def test_hedges_g_matches_an_independent_computation(who5, org_a):
    row = row_of(change.build(scope_of(org_a.org)), "who5")
    a, b, n = np.array(WHO5_PRE), np.array(WHO5_POST), len(WHO5_PRE)
    s_av = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    j = 1 - 3 / (4 * (n - 1) - 1)
    g = j * (b - a).mean() / s_av
    r = np.corrcoef(a, b)[0, 1]
    se = j * math.sqrt((1 / n + (g / j) ** 2 / (2 * n)) * 2 * (1 - r))
    assert row["g"].value == pytest.approx(g)
    assert (row["g_low"].value, row["g_high"].value) == pytest.approx((g - 1.96 * se, g + 1.96 * se), abs=1e-3)


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


def test_a_longer_minimum_interval_drops_short_pairs(org_a):
    m = new_member(org_a.org)
    add_score(m, "who5", D(2025, 3, 1), 10.0)
    add_score(m, "who5", D(2025, 4, 15), 20.0)  # 45 days later
    assert row_of(change.build(scope_of(org_a.org)), "who5")["n"].value == 1
    assert change.build(scope_of(org_a.org, min_days="90"))["rows"] == []


def test_an_unknown_minimum_interval_is_refused(org_a):
    with pytest.raises(ValueError, match="min_days"):
        change.build(scope_of(org_a.org, min_days="7"))


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
    bad = get_report(client, "change", period="2025", opt_min_days="7")
    assert bad.status_code == 400
    assert "Days between baseline and follow-up" in bad.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_contains_the_figures_and_hides_small_cells(who5, org_a, client_for, language):
    who5_members(org_a.org)
    who5_members(org_a.org)  # 24 pairs: 9 improved, 12 unchanged, 3 deteriorated
    response = get_report(client_for("coordinator"), "change", pdf=True, language=language, period="2025")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "WHO-5" in text
    # 24 pairs, as the Pairs column of both tables (not a date's digits)
    assert re.search(r"\n24 12\.38 \(3\.72\) 14\.88 \(3\.21\) 2\.50 ", text)
    # 3 deteriorated: a small cell in an exported report; 24 − 9 improved − 12
    # unchanged would give it away, so unchanged is hidden with it (improved cannot
    # cover it: the 9 recovered are among the improved).
    hidden = "hidden" if language == "en" else "已隱藏"
    assert re.search(rf"\nWHO-5 24 37\.5% {hidden} < 5 37\.5% ", text)
    assert "2.50" in text  # mean change
    assert "37.5%" in text  # reliably improved, recovered
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
    assert small["rows"] == [] and len(large["rows"]) == 1  # PHQ-9 members gave no research consent
    # PHQ-9 has no normative SD: one more query fetches the organisation's baseline SD
    with django_assert_num_queries(2):
        assert len(change.build(scope_of(org_a.org))["rows"]) == 2
