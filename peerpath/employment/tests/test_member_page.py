"""The member's employment page, the timeline entries and the "Work" panel: what
each role sees, and that peer leaders never see wages, accommodations, benefits,
work history or notes."""

from __future__ import annotations

from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions
from peerpath.employment.models import JobSearchActivity

from .conftest import days_ago, make_contact, make_job

PAGE = "/members/A0001/employment/"
SECRETS = ("每兩小時休息十分鐘", "需要更多休息時間", "主管反映表現穩定", "擔心失去身障補助", "曾在工廠工作", "面試時緊張")


def with_record(org_a) -> None:
    staff = org_a.users["professional"]
    actions.record_profile(
        org_a.staff["professional"], org_a.member, recorded_on=days_ago(200), sectors=["food_service", "retail"],
        hours_per_week=20, location="板橋", shifts=["weekday_day"], disclosure_preference="partial",
        goals="想在麵包店工作", work_history="曾在工廠工作", benefits_concerns="擔心失去身障補助",
    )
    make_job(org_a.member, staff, start=150, ended=60, reason="laid_off", title="倉儲助理")
    make_job(org_a.member, staff, start=30, accommodations="每兩小時休息十分鐘", title="廚房助手")
    make_contact(org_a.member, staff, track="professional", ago=5, note="主管反映表現穩定")
    make_contact(org_a.member, org_a.users["peer_leader"], track="peer", ago=2)
    JobSearchActivity.objects.create(
        organization=org_a.org, member=org_a.member, done_on=days_ago(40), kind="interview", position="廚房助手",
        note="面試時緊張", recorded_by=staff,
    )


def test_professionals_see_the_whole_record(client_for, org_a):
    with_record(org_a)
    response = client_for("professional").get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for text in SECRETS:
        assert text in html, text
    assert "196.00 TWD" in html
    assert "Working in a competitive job" in html
    assert AccessLog.objects.filter(event=Event.EMPLOYMENT_VIEW, target_id=str(org_a.member.pk)).exists()


def test_peer_leaders_see_jobs_and_disclosure_but_nothing_clinical(client_for, org_a):
    with_record(org_a)
    response = client_for("peer_leader").get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "廚房助手" in html and "倉儲助理" in html and "Laid off" in html
    assert "Not disclosed: do not mention it at work" in html
    assert "想在麵包店工作" in html  # goals are the member's own, shared with the peer track
    for text in SECRETS:
        assert text not in html, text
    assert "196" not in html
    record = response.context["record"]
    assert all(j.hourly_wage is None and j.accommodations is None for j in record.jobs)
    assert all(c.note is None for c in record.contacts)
    assert record.profile.work_history is None and record.profile.benefits_concerns is None


def test_researchers_and_portal_members_see_nothing(client_for, org_a):
    assert client_for("researcher").get(PAGE).status_code == 403


def test_another_organisations_member_is_not_found(client_for, org_b):
    assert client_for("professional").get("/members/B0001/employment/").status_code == 404


def timeline(client):
    return client.get("/members/A0001/").context["timeline"]


def test_the_timeline_shows_jobs_endings_search_and_support_on_their_tracks(client_for, org_a):
    with_record(org_a)
    entries = {e.kind: e for e in timeline(client_for("professional"))}
    started = [e for e in timeline(client_for("professional")) if e.kind == "employment.job_started"]
    assert {e.title for e in started} == {
        "Job started: 廚房助手, 示範餐飲有限公司", "Job started: 倉儲助理, 示範餐飲有限公司",
    }
    ended = entries["employment.job_ended"]
    assert ended.title == "Job ended: 倉儲助理, 示範餐飲有限公司 (Laid off, unplanned)"
    assert ended.date == days_ago(60) and ended.track == "professional" and ended.detail == "需要更多休息時間"
    support = [e for e in timeline(client_for("professional")) if e.kind == "employment.support"]
    assert {e.track for e in support} == {"professional", "peer"}
    assert entries["employment.search"].title == "Job search: Interview · 廚房助手 (Waiting for an answer)"
    assert entries["employment.profile"].title == "Vocational profile recorded"


def test_the_timeline_hides_notes_from_peer_leaders(client_for, org_a):
    with_record(org_a)
    entries = timeline(client_for("peer_leader"))
    kinds = {e.kind for e in entries}
    assert {"employment.job_started", "employment.job_ended", "employment.support", "employment.search"} <= kinds
    for e in entries:
        assert not any(secret in e.detail or secret in e.title for secret in SECRETS), e


def test_the_work_panel_shows_status_and_the_last_contact_of_each_track(client_for, org_a):
    with_record(org_a)
    response = client_for("peer_leader").get("/members/A0001/")
    [panel] = [p for p in response.context["panels"] if p.template == "employment/panel_work.html"]
    assert panel.context["working"] and panel.context["status_label"] == "Working in a competitive job"
    assert [job.title for job, _ in panel.context["current"]] == ["廚房助手"]
    assert (panel.context["last_professional"], panel.context["last_peer"]) == (days_ago(5), days_ago(2))
    assert "Work" in response.content.decode()


def test_the_work_panel_shows_the_last_ending_when_not_working(client_for, org_a):
    make_job(org_a.member, org_a.users["professional"], start=150, ended=60, reason="fired")
    response = client_for("professional").get("/members/A0001/")
    [panel] = [p for p in response.context["panels"] if p.template == "employment/panel_work.html"]
    assert not panel.context["working"] and panel.context["last_ended"].ending.reason == "fired"
    assert f"Last job ended {days_ago(60).isoformat()}: Fired" in response.content.decode()


def test_the_referral_shows_on_the_timeline(client_for, org_a):
    from peerpath.employment.models import Referral

    Referral.objects.create(
        organization=org_a.org, source="day_ward", person_name="x", received_on=days_ago(230),
        contacted_on=days_ago(225), intake_on=days_ago(210), enrolled_on=days_ago(200), member=org_a.member,
        recorded_by=org_a.users["professional"],
    )
    kinds = [e.kind for e in timeline(client_for("coordinator"))]
    assert {"referral.received", "referral.contacted", "referral.intake"} <= set(kinds)
