"""The member's side: a safety answer is answered at once, in the member's
language, with the team's due time and the organisation's crisis lines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.audit.models import AccessLog
from peerpath.measures.models import Administration, PlanRule
from peerpath.portal.tests.test_portal import open_account
from peerpath.safety import actions, rules
from peerpath.safety.models import SafetyFollowUp, SafetyPlan, SafetySettings
from peerpath.safety.tests.conftest import answer_phq9, phq9_link


def test_a_safety_answer_by_link_shows_the_crisis_page_with_the_due_time_and_tap_to_call(team_a, settings):
    settings.LANGUAGE_CODE = "zh-hant"
    client = Client()
    page = answer_phq9(client, phq9_link(team_a), item9=3)
    assert page.status_code == 200
    html = page.content.decode()
    follow_up = SafetyFollowUp.objects.get(member=team_a.member)
    # In the member's language (zh-hant), before anything else: seen, by when, whom to call.
    assert "你的回答我們已經看到了" in html or "您的回答我們已經看到了" in html
    assert html.index("crisis") < html.index("tel:1925")
    due = timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d %H:%M")
    assert due in html
    for number in ("1925", "1995", "1980"):
        assert f'href="tel:{number}"' in html
    # Nothing repeats the answer: neither the questionnaire nor the option chosen.
    assert "PHQ" not in html and "幾乎每天" not in html and "Nearly every day" not in html


def test_the_follow_up_is_due_after_the_organisations_hours_and_weekends_do_not_stop_the_clock(team_a):
    friday_night = dt.datetime(2026, 12, 4, 22, 30, tzinfo=dt.UTC)
    assert friday_night.weekday() == 4
    assert rules.due_time(friday_night, 24) == dt.datetime(2026, 12, 5, 22, 30, tzinfo=dt.UTC)  # Saturday
    SafetySettings.objects.create(organization=team_a.org, follow_up_hours=4, updated_by=team_a.users["admin"])
    answer_phq9(Client(), phq9_link(team_a), item9=1)
    follow_up = SafetyFollowUp.objects.get(member=team_a.member)
    assert follow_up.due_at - follow_up.opened_at == dt.timedelta(hours=4)
    assert follow_up.first_due_at == follow_up.due_at


def test_without_a_safety_answer_the_member_sees_the_plain_thank_you_page(team_a):
    page = answer_phq9(Client(), phq9_link(team_a), item9=0)
    assert page.status_code == 200
    assert "tel:" not in page.content.decode()
    assert not SafetyFollowUp.objects.exists()


def test_in_the_portal_the_message_stays_on_the_home_page_until_staff_record_the_follow_up(team_a, client_for):
    PlanRule.objects.create(organization=team_a.org, instrument_id="phq9", trigger="intake")
    _account, member = open_account(team_a, client_for)
    path = member.post("/me/answer/phq9/")["Location"]
    crisis = answer_phq9(member, path, item9=2)
    assert 'href="tel:119"' in crisis.content.decode()
    assert "/me/" in crisis.content.decode()  # a way back to the portal
    home = member.get("/me/").content.decode()
    assert "/me/safety/" in home
    assert home.index("/me/safety/") < home.index("h-todo")  # before the questionnaires
    page = member.get("/me/safety/")
    assert page.status_code == 200 and 'href="tel:119"' in page.content.decode()
    follow_up = SafetyFollowUp.objects.get(member=team_a.member)
    actions.record_contact(team_a.staff["professional"], follow_up, contacted_at=timezone.now(), method="phone",
                           outcome="safe", next_attempt_at=None, plan="reviewed", note="")
    assert "h-portal-safety" not in member.get("/me/").content.decode()


def test_the_safety_plan_is_one_tap_from_the_crisis_page_and_prints_on_one_page(team_a, client_for):
    from io import BytesIO

    from pypdf import PdfReader

    PlanRule.objects.create(organization=team_a.org, instrument_id="phq9", trigger="intake")
    actions.save_plan(team_a.staff["professional"], team_a.member, steps={
        "warning_signs": "睡不著、不想出門\n" * 3, "coping": "散步、聽音樂", "distractions": "去社區咖啡館",
        "help_people": "姊姊 0900-000-123", "professionals": "個管師 0900-000-456", "environment": "藥交給姊姊保管",
        "reasons": "我的貓、下個月的工作面試",
    }, share_with_mentor=False)
    _account, member = open_account(team_a, client_for)
    path = member.post("/me/answer/phq9/")["Location"]
    crisis = answer_phq9(member, path, item9=1).content.decode()
    assert 'href="/me/safety-plan/"' in crisis
    plan_page = member.get("/me/safety-plan/").content.decode()
    assert "我的貓" in plan_page
    pdf = member.get("/me/safety-plan.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(pdf.content))
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "我的貓" in reader.pages[0].extract_text()


def test_an_organisations_own_crisis_list_replaces_the_default(team_a, client_for):
    client = client_for("admin")
    response = client.post("/safety/settings/", {
        "follow_up_hours": "12",
        "contacts-TOTAL_FORMS": "2", "contacts-INITIAL_FORMS": "0", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
        "contacts-0-name": "本會值班手機", "contacts-0-number": "0900-000-777", "contacts-0-hours": "09:00–21:00",
        "contacts-0-note": "", "contacts-1-name": "", "contacts-1-number": "",
    })
    assert response.status_code == 302
    page = answer_phq9(Client(), phq9_link(team_a), item9=1).content.decode()
    assert 'href="tel:0900000777"' in page and "本會值班手機" in page
    assert "tel:1925" not in page
    assert SafetyFollowUp.objects.get().due_at - SafetyFollowUp.objects.get().opened_at == dt.timedelta(hours=12)


@pytest.mark.parametrize("number,hours", [("call me", "12"), ("0900-000-777", "0"), ("0900-000-777", "200")])
def test_bad_settings_are_refused_whole_with_the_field_named(team_a, client_for, number, hours):
    client = client_for("admin")
    response = client.post("/safety/settings/", {
        "follow_up_hours": hours,
        "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0", "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20", "contacts-0-name": "值班", "contacts-0-number": number,
    })
    assert response.status_code == 400
    form, formset = response.context["form"], response.context["formset"]
    assert form.errors.get("follow_up_hours") or formset.forms[0].errors.get("number")
    assert not SafetySettings.objects.exists()


def test_at_the_kiosk_the_member_is_asked_to_see_a_facilitator_who_is_notified(
    org_a, client_for, django_capture_on_commit_callbacks
):
    from django.core import mail

    from peerpath.groups import actions as group_actions
    from peerpath.groups.actions import SessionInput
    from peerpath.groups.tests.conftest import days_ago, make_group
    from peerpath.safety.models import KioskCall

    group = make_group(org_a)
    org_a.users["peer_leader"].email = "leader@example.org"
    org_a.users["peer_leader"].save(update_fields=["email"])
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="group_session")
    session = group_actions.record_session(org_a.staff["peer_leader"], group.group, SessionInput(
        date=days_ago(0), theme="", facilitators=[org_a.users["peer_leader"]],
        attendance={m.pk: "present" for m in group.members}, observations=[], feedback=[], incidents=[],
    ))
    tablet = client_for("peer_leader")
    tablet.post(f"/groups/{group.group.pk}/sessions/{session.pk}/kiosk/")
    member = group.members[1]
    path = tablet.post(f"/kiosk/{member.code}/")["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        with_captured = answer_phq9(tablet, path, item9=2)
    html = with_captured.content.decode()
    assert with_captured.status_code == 200
    assert "kiosk-call" in html
    # Nothing on the shared screen says what was answered or why.
    assert "tel:" not in html and "PHQ" not in html and member.name not in html
    call = KioskCall.objects.get(member=member)
    assert call.session == session
    assert any("kiosk" in m.subject for m in mail.outbox)
    assert all(member.name not in m.body for m in mail.outbox)
    # The facilitator sees it first on their dashboard, with the member's code.
    leader = client_for("peer_leader")
    dashboard = leader.get(reverse("dashboard")).content.decode()
    assert member.code in dashboard and "h-urgent-kiosk" in dashboard
    leader.post(f"/safety/kiosk-calls/{call.pk}/answered/")
    call.refresh_from_db()
    assert call.answered_at is not None
    assert AccessLog.objects.filter(event="safety.kiosk_call_answered").count() == 1


def test_a_plan_versions_are_kept_and_the_newest_is_in_force(team_a):
    for text in ("第一版", "第二版"):
        actions.save_plan(team_a.staff["professional"], team_a.member, steps={"warning_signs": text},
                          share_with_mentor=False)
    versions = list(SafetyPlan.objects.filter(member=team_a.member).values_list("version", "warning_signs"))
    assert sorted(versions) == [(1, "第一版"), (2, "第二版")]
    from peerpath.safety.selectors import current_plan

    assert current_plan(team_a.member).warning_signs == "第二版"


def test_every_administration_with_a_safety_answer_gets_exactly_one_follow_up(team_a):
    answer_phq9(Client(), phq9_link(team_a), item9=3)
    administration = Administration.objects.get(member=team_a.member)
    assert SafetyFollowUp.objects.filter(administration=administration).count() == 1
    assert actions.open_follow_ups(team_a.org.pk, [administration.pk]) == []
    assert SafetyFollowUp.objects.count() == 1
