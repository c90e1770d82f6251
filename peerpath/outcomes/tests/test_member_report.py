"""One member's progress report for a case conference: page and PDF, both languages,
access, audit, the period filter, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import math
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.employment.tests.conftest import make_contact, make_job
from peerpath.groups.models import Attendance, Session
from peerpath.groups.tests.conftest import make_group
from peerpath.measures.actions import record_paper_form
from peerpath.measures.library import instrument
from peerpath.outcomes.member_report_rules import (
    default_period,
    in_period,
    minutes_to_hours,
    report_language,
    shown_points,
)
from peerpath.outcomes.period import Period
from peerpath.outcomes.tests.helpers import pdf_text
from peerpath.pathway.models import HelperRole, HelpingContact
from tests.factories import CareTeamFactory, MemberFactory

WHO5_ITEMS = ["1", "2", "3", "4", "5"]


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def url(member, pdf: bool = False) -> str:
    return f"/members/{member.code}/report/{'pdf/' if pdf else ''}"


def who5(tenant: SimpleNamespace, each: int, ago: int, member=None) -> None:
    """A WHO-5 on paper with every answer ``each`` (raw score 5 × each)."""
    record_paper_form(tenant.staff["professional"], member or tenant.member, "who5",
                      answers=dict.fromkeys(WHO5_ITEMS, each), taken_on=days_ago(ago), reason="periodic")


def session(group, ago: int, staff, attended: list, absent: list = ()) -> Session:
    s = Session.objects.create(organization=group.organization, group=group, date=days_ago(ago), recorded_by=staff)
    for m in attended:
        Attendance.objects.create(organization=group.organization, session=s, member=m, status="present")
    for m in absent:
        Attendance.objects.create(organization=group.organization, session=s, member=m, status="absent")
    return s


@pytest.fixture
def story(org_a) -> SimpleNamespace:
    """Member A0001 over a year: two WHO-5 results (raw 5 → 20), a job now and one that
    ended long ago, support contacts of both tracks, a peer group (2 of 3 sessions
    attended), a helper role and helping given and received."""
    member, staff = org_a.member, org_a.users["professional"]
    member.preferred_language = "zh-hant"
    member.save(update_fields=["preferred_language"])
    CareTeamFactory(member=member, organization=org_a.org, professional=staff)
    who5(org_a, 1, 200)
    who5(org_a, 4, 20)
    make_job(member, staff, title="Barista assistant", start=120, hours="16")
    make_job(member, staff, title="Warehouse packer", start=900, ended=800, reason="laid_off")
    make_job(member, staff, title="Dish washer", start=300, ended=250, reason="quit", competitive=False)
    for ago in (10, 40):
        make_contact(member, staff, track="professional", ago=ago)
    make_contact(member, staff, track="peer", ago=15)
    make_contact(member, staff, track="peer", ago=500)  # before the period
    group = make_group(org_a, name="Work and life group")
    other = group.members[1]
    session(group.group, 30, staff, attended=[member])
    session(group.group, 23, staff, attended=[member])
    session(group.group, 16, staff, attended=[other], absent=[member])
    session(group.group, 600, staff, attended=[member])  # before the period
    HelperRole.objects.create(organization=org_a.org, member=member, role="buddy", started_on=days_ago(90),
                              recorded_by=staff)
    for minutes, ago in ((90, 12), (45, 60)):
        HelpingContact.objects.create(organization=org_a.org, helper=member, helped=other, kind="meeting",
                                      minutes=minutes, date=days_ago(ago), logged_by=staff)
    HelpingContact.objects.create(organization=org_a.org, helper=other, helped=member, kind="phone",
                                  minutes=30, date=days_ago(5), logged_by=staff)
    HelpingContact.objects.create(organization=org_a.org, helper=member, helped=other, kind="phone",
                                  minutes=600, date=days_ago(700), logged_by=staff)  # before the period
    return SimpleNamespace(member=member, group=group)


def expected_rci(pre: float, post: float) -> float:
    """Jacobson–Truax RCI from the WHO-5 raw score's published norms, computed here."""
    norms = instrument("who5").score("raw").norms
    assert norms is not None and norms.sd is not None and norms.reliability is not None
    s_diff = math.sqrt(2 * (norms.sd * math.sqrt(1 - norms.reliability)) ** 2)
    return (post - pre) / s_diff


def has_score_row(text: str, ago: int, score: int) -> bool:
    """Whether a PDF's text has a questionnaire result's row: its date (the first
    result marked as the baseline in brackets), then its score."""
    return re.search(rf"{days_ago(ago):%Y-%m-%d}\s+(\([^)]*\)\s+)?{score}\s", text) is not None


# -- the page ------------------------------------------------------------------------


def test_the_page_shows_scores_with_reliable_change_jobs_and_the_peer_track(story, client_for):
    response = client_for("professional").get(url(story.member), {"language": "staff"},
                                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    r = response.context["r"]
    raw = next(s for s in r["instruments"][0].scores if s.primary)
    assert [(row.value, row.change) for row in raw.rows] == [(5.0, None), (20.0, "improved")]
    assert raw.rows[1].rci == pytest.approx(expected_rci(5, 20))
    assert raw.rows[1].clinical == "recovered"
    assert "<svg" in raw.svg
    page = response.content.decode()
    assert f"{expected_rci(5, 20):.2f}" in page and "reliably improved" in page
    assert "recovered: crossed into the non-clinical range" in page
    # Jobs in the period only: the current one and the one that ended 250 days ago.
    assert [j["title"] for j in r["jobs"]] == ["Dish washer", "Barista assistant"]
    assert "Warehouse packer" not in page
    dish = r["jobs"][0]
    assert not dish["competitive"] and dish["missing"] == ["open to anyone"] and dish["ending_reason"] == "Quit"
    assert {s["track"]: s["contacts"] for s in r["support"]} == {"professional": 2, "peer": 1}
    assert r["groups"] == [{"name": "Work and life group", "held": 3, "attended": 2}]
    assert [role["label"] for role in r["roles"]] == ["Peer buddy"]
    assert r["helping"]["given_hours"] == minutes_to_hours(90 + 45) and r["helping"]["given_contacts"] == 2
    assert r["helping"]["received_hours"] == minutes_to_hours(30) and r["helping"]["received_contacts"] == 1
    assert "2.3" in page and "0.5" in page  # hours given (135 min) and received (30 min)


def test_the_timeline_holds_both_tracks_within_the_period_oldest_first(story, client_for):
    r = client_for("professional").get(url(story.member), HTTP_ACCEPT_LANGUAGE="en").context["r"]
    dates = [e.date for e in r["timeline"]]
    assert dates == sorted(dates) and all(r["period"].contains(d) for d in dates)
    assert {"professional", "peer"} <= {e.track for e in r["timeline"]}
    assert days_ago(600) not in dates  # the group session before the period


def test_the_default_period_is_the_last_twelve_months(story, client_for):
    r = client_for("professional").get(url(story.member)).context["r"]
    assert r["period"] == Period(days_ago(364), days_ago(0))


def test_a_period_or_dates_choose_what_is_shown(story, client_for):
    client = client_for("professional")
    r = client.get(url(story.member), {"start": days_ago(60).isoformat(), "end": days_ago(0).isoformat()}).context["r"]
    assert [j["title"] for j in r["jobs"]] == ["Barista assistant"]
    # The first result stays as the baseline though it is older than the period.
    raw = next(s for s in r["instruments"][0].scores if s.primary)
    assert [row.value for row in raw.rows] == [5.0, 20.0] and raw.rows[0].baseline
    assert raw.rows[0].date == days_ago(200) < r["period"].start
    year = days_ago(850).year
    r = client.get(url(story.member), {"period": str(year)}).context["r"]
    assert r["period"] == Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"period": "2026Q5"}, "period", "is not a period"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "end", "The end date is before the start date."),
        ({"period": "2026Q1", "start": "2026-01-01"}, "period", "Give either a period or from/to dates, not both."),
        ({"start": "2026-02-30"}, "start", "Enter a valid date."),
        ({"language": "klingon"}, "language", "Select a valid choice."),
    ],
)
def test_bad_options_name_the_field_and_produce_nothing(story, client_for, params, field, message):
    for pdf in (False, True):
        response = client_for("professional").get(url(story.member, pdf), params, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert any(message in e for e in response.context["form"].errors[field])
        assert "r" not in response.context
    assert not AccessLog.objects.filter(event=Event.MEMBER_REPORT).exists()


# -- languages and the PDF ------------------------------------------------------------


def test_the_pdf_in_english_has_the_code_a_score_the_change_and_a_job(story, client_for):
    response = client_for("professional").get(url(story.member, pdf=True), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"peerpath-progress-{story.member.code}-" in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (story.member.code, "Progress report", "reliably improved", "Barista assistant",
                     f"{expected_rci(5, 20):.2f}", "Work and life group"):
        assert expected in text, expected
    assert has_score_row(text, 20, 20) and has_score_row(text, 200, 5)
    assert not has_score_row(text, 20, 5)  # the check can fail


def test_the_pdf_and_page_in_chinese(story, client_for):
    client = client_for("professional")
    response = client.get(url(story.member, pdf=True), HTTP_ACCEPT_LANGUAGE="zh-hant")
    text = pdf_text(response.content)
    for expected in (story.member.code, "可信改善", "Barista assistant", "工作", "同儕軌"):
        assert expected in text, expected
    assert has_score_row(text, 20, 20) and has_score_row(text, 200, 5)
    assert "reliably improved" not in text
    page = client.get(url(story.member), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert "可信改善" in page and "Barista assistant" in page


def test_the_report_is_written_in_the_members_or_the_staffs_language(story, client_for):
    """The member prefers Chinese; the professional works in English."""
    client = client_for("professional")
    staff = client.get(url(story.member), {"language": "staff"}, HTTP_ACCEPT_LANGUAGE="en")
    member = client.get(url(story.member), {"language": "member"}, HTTP_ACCEPT_LANGUAGE="en")
    assert staff.context["report_language"] == "en" and member.context["report_language"] == "zh-hant"
    assert "reliably improved" in staff.content.decode() and "可信改善" not in staff.content.decode()
    body = member.content.decode().split('<div class="report"', 1)[1]
    assert "可信改善" in body and "reliably improved" not in body
    assert "Download PDF" in member.content.decode()  # the page around the report stays in English
    pdf = pdf_text(client.get(url(story.member, pdf=True), {"language": "member"},
                              HTTP_ACCEPT_LANGUAGE="en").content)
    assert "可信改善" in pdf and "reliably improved" not in pdf


def test_the_diagnosis_and_private_notes_are_shown_only_when_asked_for(story, client_for):
    client = client_for("professional")
    make_contact(story.member, story.group.group.co_facilitator, ago=2, note="談到睡眠問題")
    assert "談到睡眠問題" not in client.get(url(story.member)).content.decode()
    assert "談到睡眠問題" in client.get(url(story.member), {"clinical": "1"}).content.decode()
    assert "思覺失調症" not in client.get(url(story.member)).content.decode()
    assert "思覺失調症" not in pdf_text(client.get(url(story.member, pdf=True)).content)
    assert "思覺失調症" in client.get(url(story.member), {"clinical": "1"}).content.decode()
    assert "思覺失調症" in pdf_text(client.get(url(story.member, pdf=True), {"clinical": "1"}).content)


def test_without_the_clinical_details_no_clinical_timeline_entry_is_shown(story, client_for):
    """Clinical entries (questionnaires, clinical alerts) leave the report with the
    diagnosis, whatever the viewer may see elsewhere."""
    client = client_for("professional")
    full = client.get(url(story.member), {"clinical": "1"}).context["r"]["timeline"]
    assert "questionnaire.completed" in {e.kind for e in full}  # the WHO-5 20 days ago
    plain = client.get(url(story.member)).context["r"]["timeline"]
    assert plain and not [e for e in plain if e.clinical]
    assert "questionnaire.completed" not in {e.kind for e in plain}
    pdf = pdf_text(client.get(url(story.member, pdf=True), HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Questionnaire: WHO-5" not in pdf


def test_build_timeline_leaves_clinical_entries_out_when_asked(story, org_a):
    from peerpath.members.timeline import build_timeline

    coordinator = org_a.staff["coordinator"]
    kinds = {e.kind for e in build_timeline(story.member, coordinator)}
    assert "questionnaire.completed" in kinds
    plain = build_timeline(story.member, coordinator, clinical=False)
    assert plain and not [e for e in plain if e.clinical or (e.private_detail and e.detail)]


# -- access and audit -------------------------------------------------------------------


def test_another_organisations_member_is_not_found(story, org_b, client_for):
    client = client_for("professional")
    for pdf in (False, True):
        assert client.get(url(org_b.member, pdf)).status_code == 404
    assert not AccessLog.objects.filter(event=Event.MEMBER_REPORT).exists()


@pytest.mark.parametrize("role", ["peer_leader", "researcher"])
def test_peer_leaders_and_researchers_are_refused(story, client_for, role):
    for pdf in (False, True):
        assert client_for(role).get(url(story.member, pdf)).status_code == 403


@pytest.mark.parametrize("role", ["admin", "coordinator", "professional"])
def test_clinical_staff_may_produce_it(story, client_for, role):
    assert client_for(role).get(url(story.member)).status_code == 200


def test_each_report_is_audited_as_a_member_read_and_a_report(story, org_a, client_for):
    client = client_for("professional")
    client.get(url(story.member, pdf=True), {"period": "2026Q1", "language": "member"}, HTTP_ACCEPT_LANGUAGE="en")
    entry = AccessLog.objects.get(event=Event.MEMBER_REPORT)
    assert (entry.actor, entry.organization, entry.target_type, entry.target_id) == (
        org_a.users["professional"], org_a.org, "members.member", str(story.member.pk))
    assert entry.extra == {"format": "pdf", "period": "2026Q1", "language": "zh-hant"}
    assert AccessLog.objects.filter(event=Event.MEMBER_VIEW, target_id=str(story.member.pk)).exists()
    assert AccessLog.objects.filter(event=Event.MEASURE_VIEW, target_id=str(story.member.pk)).exists()


def test_the_member_page_links_to_the_report_for_clinical_staff(story, client_for):
    link = f'href="{url(story.member)}"'
    assert link in client_for("professional").get(f"/members/{story.member.code}/").content.decode()
    assert link not in client_for("peer_leader").get(f"/members/{story.member.code}/").content.decode()


# -- queries ---------------------------------------------------------------------------------


def _history(org_a, n: int, member, group) -> None:
    """``n`` questionnaire results, support contacts, sessions and helping contacts."""
    staff, other = org_a.users["professional"], group.members[1]
    for i in range(n):
        who5(org_a, 1 + i % 4, 10 + 10 * i, member=member)
        make_contact(member, staff, track=("peer", "professional")[i % 2], ago=5 + i)
        session(group.group, 3 + 7 * i, staff, attended=[member])
        HelpingContact.objects.create(organization=org_a.org, helper=member, helped=other, kind="phone",
                                      minutes=20, date=days_ago(4 + i), logged_by=staff)
        make_job(member, staff, title=f"Job {i}", start=300 - i, ended=200 - i if i % 2 else None)


def test_the_report_takes_a_fixed_number_of_queries(org_a, client_for, django_assert_num_queries):
    client = client_for("professional")
    small = MemberFactory(organization=org_a.org, code="Q0003")
    large = MemberFactory(organization=org_a.org, code="Q0030")
    _history(org_a, 3, small, make_group(org_a, name="Small group"))
    _history(org_a, 30, large, make_group(org_a, name="Large group"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(small)).status_code == 200
    assert len(few) < 60
    with django_assert_num_queries(len(few)):
        response = client.get(url(large))
    raw = next(s for s in response.context["r"]["instruments"][0].scores if s.primary)
    assert len(raw.rows) == 30 and len(response.context["r"]["jobs"]) == 30


# -- the rules, without the database -------------------------------------------------------


def test_default_period_is_365_days_up_to_today() -> None:
    assert default_period(dt.date(2026, 3, 1)) == Period(dt.date(2025, 3, 2), dt.date(2026, 3, 1))


def test_shown_points_are_the_baseline_and_the_period() -> None:
    p = [SimpleNamespace(date=dt.date(2025, m, 1)) for m in (1, 4, 7, 10)]
    period = Period(dt.date(2025, 6, 1), dt.date(2025, 8, 31))
    assert shown_points(list(reversed(p)), period) == [p[0], p[2]]
    assert shown_points(p, Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == []
    assert shown_points([], period) == []
    assert in_period(p, period) == [p[2]]


def test_language_and_hours() -> None:
    assert report_language("member", member_language="zh-hant", staff_language="en") == "zh-hant"
    assert report_language("staff", member_language="zh-hant", staff_language="en") == "en"
    assert str(minutes_to_hours(135)) == "2.3" and str(minutes_to_hours(None)) == "0.0"

