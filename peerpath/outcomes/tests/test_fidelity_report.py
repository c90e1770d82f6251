"""The fidelity report: review history, the last review's items, and continuous
fidelity figures computed from records (checked by hand and with NumPy), in a
fixed number of queries; the page and its PDF in both languages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.employment.models import EmployerContact, JobSearchActivity
from peerpath.employment.tests.conftest import make_contact, make_employer, make_job
from peerpath.members.models import CareTeamAssignment
from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.fidelity import BELOW_CONFIRMED, ITEM_IDS, NO_DATA, NOT_RATED, RATED
from peerpath.outcomes.period import Period
from peerpath.outcomes.reports import fidelity as report
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.tests.factories import FidelityReviewFactory
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from tests.factories import MemberFactory, MembershipFactory

T = timezone.localdate()


def ago(n: int) -> dt.date:
    return T - dt.timedelta(days=n)


def scope_for(org, *, hide: bool = False, research_only: bool = False, end: int = 0) -> ReportScope:
    return ReportScope(organizations=(org,), period=Period(ago(89), ago(end)), today=T,
                       suppression=Suppression(hide or research_only, 5), research_only=research_only, language="en")


def lifelines_median(durations: list[float], observed: list[bool]) -> float:
    from lifelines import KaplanMeierFitter

    return float(KaplanMeierFitter().fit(durations, event_observed=observed).median_survival_time_)


def measure(data: dict, key: str) -> dict:
    return next(m for m in data["continuous"] if m["key"] == key)


@pytest.fixture
def programme(org_a, org_b) -> SimpleNamespace:
    """Two employment specialists and a period of 90 days ending today (see each test for the figures)."""
    org = org_a.org
    es1 = org_a.staff["professional"]
    es1.discipline = "es"
    es1.save(update_fields=["discipline"])
    es2 = MembershipFactory(organization=org, role="professional", discipline="es")
    other = org_a.users["admin"]  # no discipline: not a specialist
    employer = make_employer(org, other)

    def assign(member, user, *, ended=None):
        CareTeamAssignment.objects.create(organization=org, member=member, role="professional", professional=user,
                                          started_on=ago(150), ended_on=ended, assigned_by=other)

    def contact(member, by, day, kind="visit"):
        EmployerContact.objects.create(organization=org, employer=employer, member=member, contacted_on=day,
                                       kind=kind, by=by)

    def search(member, day, kind):
        JobSearchActivity.objects.create(organization=org, member=member, done_on=day, kind=kind, recorded_by=other)

    # Item 1: 6 + 2 members on specialists' caseloads today; one assignment ended, one to a non-specialist.
    caseload = [MemberFactory(organization=org) for _ in range(10)]
    for m in caseload[:6]:
        assign(m, es1.user)
    for m in caseload[6:8]:
        assign(m, es2.user)
    assign(caseload[8], es1.user, ended=ago(5))
    assign(caseload[9], other)
    # Item 15: four members enrolled in the period: 5, 40 and 1 days to a first face-to-face contact, one none yet.
    m1, m2, m3, m4 = (MemberFactory(organization=org, enrolment_date=ago(d)) for d in (80, 60, 50, 40))
    contact(m1, es1.user, ago(70))
    search(m1, ago(75), "employer_contact")
    search(m2, ago(20), "interview")
    search(m2, ago(58), "application")  # not an employer contact
    contact(m2, es1.user, ago(55), kind="phone")  # not face to face
    contact(m4, es1.user, ago(39), kind="meeting")
    contact(m4, es1.user, ago(45))  # before enrolment: not for item 15, but a job development contact
    # Item 17: 3 face-to-face contacts above + 5 generic by es2; by a non-specialist or before the period: not.
    for d in (10, 20, 30, 40, 50):
        contact(None, es2.user, ago(d))
    contact(None, other, ago(10))
    contact(None, es1.user, ago(100))
    # Item 21: three jobs held in the period, two competitive; one ended before it.
    m5, m6, m7, m8 = (MemberFactory(organization=org) for _ in range(4))
    make_job(m5, other, employer=employer, start=100)
    make_job(m6, other, employer=employer, start=50, ended=10)
    make_job(m7, other, employer=employer, start=30, competitive=False)
    make_job(m8, other, employer=employer, start=200, ended=120)
    # Items 22/23: m5 and m7 work today; m5 had support 3 days ago, m7 40 days ago.
    for d in (3, 10, 24):
        make_contact(m5, other, ago=d)
    make_contact(m5, other, ago=10, track="peer")  # same day, other track: one contact day
    for d in (40, 70, 100):
        make_contact(m7, other, ago=d)
    make_contact(m6, other, ago=15)
    # Reviews: an earlier and a last one here, one in organisation B.
    FidelityReviewFactory(organization=org, reviewed_on=ago(300), items={i: 3 for i in ITEM_IDS})
    last = FidelityReviewFactory(organization=org, reviewed_on=ago(30),
                                 items={**{i: 4 for i in ITEM_IDS}, "1": 3, "15": 5, "2": 5, "3": 5, "4": 5},
                                 notes={"1": "Caseloads high."})  # total 103: printed nowhere else
    FidelityReviewFactory(organization=org_b.org, reviewed_on=ago(20), items={i: 5 for i in ITEM_IDS})
    return SimpleNamespace(org=org, es1=es1, es2=es2, employer=employer, last=last, m1=m1)


@pytest.mark.django_db
def test_continuous_fidelity_figures_match_the_records(programme):
    data = report.build(scope_for(programme.org))
    caseload = measure(data, "caseload")
    assert caseload["value"].value == 8 / 2 and caseload["data"]["rating"].score == 5
    assert caseload["last"] == [3] and caseload["rating"] == "5"

    rapid = measure(data, "rapid_search")
    # 5, 40 and 1 days to a first contact; m3 (enrolled 50 days ago) still waits: censored at 50.
    assert rapid["value"].value == lifelines_median([5, 40, 50, 1], [True, True, False, True]) == 5
    assert rapid["data"]["entered"].value == 4 and rapid["data"]["with_contact"].value == 3
    assert rapid["data"]["without_contact"].value == 1
    # The mean is unknown while m3 waits (at least (5 + 40 + 50 + 1) / 4 = 24 days): not rated.
    assert rapid["data"]["rating"].status == NOT_RATED and rapid["rating"] == "not rated"

    contacts = measure(data, "employer_contacts")
    assert contacts["data"]["contacts"].value == 8
    assert contacts["value"].value == pytest.approx(8 / 2 / (90 / 7))
    assert contacts["data"]["rating"].status == BELOW_CONFIRMED

    competitive = measure(data, "competitive")
    assert competitive["value"].value == pytest.approx(2 / 3) and competitive["data"]["jobs"].value == 3
    assert competitive["data"]["rating"].status == BELOW_CONFIRMED

    recent = measure(data, "follow_along_recent")
    assert recent["value"].value == 0.5 and recent["data"]["working"].value == 2
    assert recent["data"]["rating"].status == NOT_RATED

    gap = measure(data, "follow_along_gap")
    assert gap["value"].value == np.median([14, 7, 30]) == 14 and gap["data"]["members"].value == 2


@pytest.mark.django_db
def test_rapid_search_counts_contacts_up_to_the_end_of_the_period_only(programme):
    """Period ending 30 days ago: m2's first contact (20 days ago) comes after it, so
    m2 is censored at the end (30 days) like m3 (20 days)."""
    rapid = measure(report.build(scope_for(programme.org, end=30)), "rapid_search")
    assert rapid["data"]["with_contact"].value == 2 and rapid["data"]["without_contact"].value == 2
    assert rapid["value"].value == lifelines_median([5, 30, 20, 1], [True, False, False, True]) == 5


@pytest.mark.django_db
def test_staff_load_items_count_every_member_of_the_organisation(programme):
    """Items 1 and 17 measure the specialists' load: a researcher (who counts only
    research-consented members, none here) sees the same figures as the staff."""
    data = report.build(scope_for(programme.org, research_only=True))
    caseload = measure(data, "caseload")
    assert caseload["value"].value == 8 / 2 and caseload["data"]["members"].value == 8
    assert measure(data, "employer_contacts")["data"]["contacts"].value == 8


@pytest.mark.django_db
def test_a_caseload_without_members_has_no_rating(programme):
    CareTeamAssignment.objects.filter(organization=programme.org).update(ended_on=ago(100))
    caseload = measure(report.build(scope_for(programme.org)), "caseload")
    assert caseload["value"].value is None and caseload["data"]["rating"].status == NO_DATA
    assert caseload["rating"] == "—"


@pytest.mark.django_db
def test_rapid_search_counts_are_hidden_together(programme):
    """10 enrolled, 9 with a contact, 1 without: the 1 is a small cell, and the other
    two would give it away by subtraction, so the 9 is hidden with it."""
    for _ in range(6):
        m = MemberFactory(organization=programme.org, enrolment_date=ago(30))
        EmployerContact.objects.create(organization=programme.org, employer=programme.employer, member=m,
                                       contacted_on=ago(29), kind="visit", by=programme.es1.user)
    scope = scope_for(programme.org, hide=True)
    rapid = measure(report.build(scope), "rapid_search")["data"]
    assert (rapid["entered"].value, rapid["with_contact"].value, rapid["without_contact"].value) == (10, 9, 1)
    assert rapid["with_contact"].hidden and rapid["without_contact"].hidden and rapid["value"].hidden
    assert scope.disclosure.audit() == []
    shown = measure(report.build(scope_for(programme.org)), "rapid_search")["data"]
    assert not (shown["entered"].hidden or shown["with_contact"].hidden or shown["without_contact"].hidden)


@pytest.mark.django_db
def test_researchers_see_no_reviewers_or_notes(programme, client_for):
    data = report.build(scope_for(programme.org, research_only=True))
    assert all(h["reviewers"] is None for h in data["reviews"])
    assert all(item["notes"] == [] for item in data["items"])
    page = get_report(client_for("researcher"), "fidelity").content.decode()
    assert "external: 2 IPS trainers" not in page and "Caseloads high." not in page
    assert f'href="/fidelity/reviews/{programme.last.pk}/"' not in page
    staff = get_report(client_for("coordinator"), "fidelity").content.decode()
    assert "external: 2 IPS trainers" in staff and "Caseloads high." in staff


@pytest.mark.django_db
def test_history_and_last_review_are_the_organisations_own(programme):
    data = report.build(scope_for(programme.org))
    assert [h["total"] for h in data["reviews"]] == [75, programme.last.total]
    assert [h["band"] for h in data["reviews"]] == ["Fair fidelity", "Good fidelity"]
    assert data["last_reviews"] == [programme.last]
    item1 = next(i for i in data["items"] if i["id"] == "1")
    assert item1["scores"] == [3] and item1["notes"] == ["Caseloads high."]
    assert "<svg" in data["chart"]


@pytest.mark.django_db
def test_a_specialist_filter_counts_only_that_specialists_work(programme):
    scope = scope_for(programme.org)
    scope.professional = programme.es2.user
    data = report.build(scope)
    assert measure(data, "caseload")["value"].value == 2 / 1
    assert measure(data, "employer_contacts")["data"]["contacts"].value == 5


@pytest.mark.django_db
def test_small_cells_hide_the_figure_and_its_rating(programme):
    data = report.build(scope_for(programme.org, hide=True))
    rapid = measure(data, "rapid_search")  # 3 members with a contact
    assert rapid["value"].hidden and rapid["rating"] == "—"
    assert measure(data, "competitive")["value"].hidden  # 3 members with jobs
    assert not measure(data, "caseload")["value"].hidden  # 8 members
    assert measure(data, "caseload")["data"]["rating"].status == RATED


def _queries(scope: ReportScope) -> int:
    with CaptureQueriesContext(connection) as ctx:
        report.build(scope)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_report_runs_a_fixed_number_of_queries(programme, django_assert_num_queries):
    scope = scope_for(programme.org)
    small = _queries(scope)
    for n in range(15):  # more of everything
        m = MemberFactory(organization=programme.org, enrolment_date=ago(n + 1))
        make_job(m, programme.es1.user, employer=programme.employer, start=n + 5)
        make_contact(m, programme.es1.user, ago=n + 1)
        make_contact(m, programme.es1.user, ago=n + 20)
        EmployerContact.objects.create(organization=programme.org, employer=programme.employer, member=m,
                                       contacted_on=ago(n), kind="visit", by=programme.es2.user)
        FidelityReviewFactory(organization=programme.org, reviewed_on=ago(400 + n))
    with django_assert_num_queries(small):
        report.build(scope_for(programme.org))  # a scope is one run
    assert small == 8


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "band"), [("en", "Good fidelity"), ("zh-hant", "良好忠誠度")])
def test_the_pdf_shows_total_and_band_in_both_languages(programme, client_for, language, band):
    response = get_report(client_for("coordinator"), "fidelity", language=language, pdf=True,
                          period=f"{ago(89).isoformat()}..{T.isoformat()}")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert programme.last.total == 103
    assert "103" in text and band in text
    assert "Caseloads" in text  # the last review's note on item 1


@pytest.mark.django_db
def test_the_page_links_to_reviews_for_those_who_may_record_them(programme, client_for):
    page = get_report(client_for("coordinator"), "fidelity").content.decode()
    assert f'href="/fidelity/reviews/{programme.last.pk}/"' in page
    assert 'href="/fidelity/reviews/new/"' in page
    researcher = get_report(client_for("researcher"), "fidelity").content.decode()
    assert 'href="/fidelity/reviews/new/"' not in researcher
