"""The member page's timeline: what it shows, and what a peer leader never sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.members import actions
from peerpath.members.timeline import TimelineEntry
from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory, StageChangeFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def timeline(client, code: str = "A0001") -> list[TimelineEntry]:
    response = client.get(f"/members/{code}/")
    assert response.status_code == 200
    return response.context["timeline"]


def of_kind(entries: list[TimelineEntry], kind: str) -> list[TimelineEntry]:
    return [e for e in entries if e.kind == kind]


def edit(client, member, **changes: str):
    """Change fields through the edit page, as a coordinator would."""
    data = {
        "name": member.name, "preferred_name": member.preferred_name,
        "birth_year": str(member.birth_year or ""), "gender": member.gender,
        "preferred_language": member.preferred_language,
        "enrolment_date": member.enrolment_date.isoformat(), "status": member.status,
        "referral_source": member.referral_source, "phone": member.phone, "email": member.email,
        "address": member.address, "emergency_contact": member.emergency_contact,
        "national_id": member.national_id, "diagnosis": member.diagnosis,
        "clinical_notes": member.clinical_notes, **changes,
    }
    response = client.post(f"/members/{member.code}/edit/", data)
    assert response.status_code == 302


# -- what it shows -----------------------------------------------------------


def test_it_shows_the_enrolment(coordinator, org_a):
    [entry] = of_kind(timeline(coordinator), "member.enrolled")
    assert entry.date == org_a.member.enrolment_date
    assert entry.detail == "Referral source: Hospital occupational therapy"


def test_it_shows_a_consent_given(coordinator, org_a):
    ConsentFactory(member=org_a.member, kind="research", version="2026-1", given_on=days_ago(9))
    [entry] = of_kind(timeline(coordinator), "consent.given")
    assert (entry.date, entry.title, entry.detail) == (
        days_ago(9), "Consent given: Research", "Form version 2026-1"
    )


def test_it_shows_a_consent_withdrawn(coordinator, org_a):
    ConsentFactory(member=org_a.member, kind="research", given_on=days_ago(9), withdrawn_on=days_ago(2))
    [entry] = of_kind(timeline(coordinator), "consent.withdrawn")
    assert (entry.date, entry.title) == (days_ago(2), "Consent withdrawn: Research")


def test_it_shows_who_recorded_a_withdrawal(coordinator, org_a):
    consent = ConsentFactory(member=org_a.member, given_on=days_ago(9))
    coordinator.post(
        f"/members/A0001/consents/{consent.pk}/withdraw/", {"withdrawn_on": days_ago(1).isoformat()}
    )
    [entry] = of_kind(timeline(coordinator), "consent.withdrawn")
    assert entry.by == org_a.users["coordinator"].get_full_name()


def test_it_shows_each_stage_change(coordinator, org_a):
    StageChangeFactory(member=org_a.member, stage="awareness", changed_on=days_ago(100))
    StageChangeFactory(member=org_a.member, stage="preparation", changed_on=days_ago(10))
    titles = [e.title for e in of_kind(timeline(coordinator), "stage.changed")]
    assert titles == ["Recovery stage: Preparation", "Recovery stage: Awareness"]


def test_it_shows_a_professional_assigned_and_ended(coordinator, org_a):
    pro = org_a.users["professional"]
    CareTeamFactory(member=org_a.member, professional=pro, started_on=days_ago(50), ended_on=days_ago(5))
    entries = timeline(coordinator)
    name = pro.get_full_name()
    assert [(e.date, e.title) for e in of_kind(entries, "care_team.assigned")] == [
        (days_ago(50), f"Professional assigned: {name}")
    ]
    assert [(e.date, e.title) for e in of_kind(entries, "care_team.ended")] == [
        (days_ago(5), f"Professional ended: {name}")
    ]


def test_it_shows_a_peer_mentor_by_code_and_name_on_the_peer_track(coordinator, org_a):
    mentor = MemberFactory(organization=org_a.org, code="A0002", name="林志豪")
    CareTeamFactory(member=org_a.member, role="peer_mentor", professional=None, mentor=mentor,
                    assigned_by=org_a.users["coordinator"], started_on=days_ago(20))
    [entry] = of_kind(timeline(coordinator), "care_team.assigned")
    assert (entry.title, entry.track) == ("Peer mentor assigned: A0002 林志豪", "peer")


def test_it_shows_the_newest_entries_first(coordinator, org_a):
    StageChangeFactory(member=org_a.member, stage="awareness", changed_on=days_ago(100))
    ConsentFactory(member=org_a.member, given_on=days_ago(10))
    dates = [e.date for e in timeline(coordinator)]
    assert dates == sorted(dates, reverse=True)
    assert dates[-1] == org_a.member.enrolment_date


def test_it_shows_details_updated_naming_the_fields(coordinator, org_a):
    edit(coordinator, org_a.member, phone="0933-111-222", preferred_name="小明")
    [entry] = of_kind(timeline(coordinator), "member.updated")
    assert entry.title == "Details updated"
    assert set(entry.detail.split(", ")) == {"phone", "preferred name"}


def test_it_shows_who_updated_the_details(coordinator, org_a):
    edit(coordinator, org_a.member, phone="0933-111-222")
    [entry] = of_kind(timeline(coordinator), "member.updated")
    assert entry.by == org_a.users["coordinator"].get_full_name()


def test_it_never_shows_old_or_new_values_in_details_updated(coordinator, org_a):
    edit(coordinator, org_a.member, phone="0933-111-222", national_id="A123456789")
    [entry] = of_kind(timeline(coordinator), "member.updated")
    for value in ("0900-000-001", "0933-111-222", "A123456789"):
        assert value not in entry.detail
        assert value not in entry.title


def test_it_never_shows_a_replaced_value_anywhere_on_the_page(coordinator, org_a):
    edit(coordinator, org_a.member, phone="0933-111-222")
    assert "0900-000-001" not in coordinator.get("/members/A0001/").content.decode()


def test_it_shows_one_entry_per_save(coordinator, coordinator_membership, org_a):
    actions.update_member(coordinator_membership, org_a.member, {"phone": "0933-111-222"})
    actions.update_member(coordinator_membership, org_a.member, {"birth_year": 1986})
    details = [e.detail for e in of_kind(timeline(coordinator), "member.updated")]
    assert details == ["birth year", "phone"]


# -- clinical entries and the peer leader -------------------------------------


@pytest.fixture
def diagnosis_changed(coordinator, org_a):
    edit(coordinator, org_a.member, diagnosis="雙相情緒障礙")


def test_it_shows_a_diagnosis_only_change_to_a_coordinator(coordinator, diagnosis_changed):
    [entry] = of_kind(timeline(coordinator), "member.updated")
    assert (entry.detail, entry.clinical) == ("diagnosis", True)


def test_it_hides_a_diagnosis_only_change_from_a_peer_leader(client_for, diagnosis_changed):
    assert of_kind(timeline(client_for("peer_leader")), "member.updated") == []


def test_it_shows_a_mixed_change_to_a_peer_leader_without_the_clinical_field(
    coordinator, client_for, org_a
):
    edit(coordinator, org_a.member, diagnosis="雙相情緒障礙", phone="0933-111-222")
    [entry] = of_kind(timeline(client_for("peer_leader")), "member.updated")
    assert entry.detail == "phone"


def test_it_shows_the_rest_of_the_timeline_to_a_peer_leader(client_for, org_a):
    StageChangeFactory(member=org_a.member, stage="preparation", changed_on=days_ago(10))
    kinds = {e.kind for e in timeline(client_for("peer_leader"))}
    assert kinds == {"member.enrolled", "stage.changed"}


@pytest.fixture
def identified(org_a):
    org_a.member.national_id = "A123456789"
    org_a.member.diagnosis = "雙相情緒障礙"
    org_a.member.clinical_notes = "每週回診"
    org_a.member.address = "台北市信義路五段7號"
    org_a.member.save()
    return org_a.member


@pytest.mark.parametrize("secret", ["A123456789", "雙相情緒障礙", "每週回診", "台北市信義路五段7號"])
def test_it_never_shows_identifiers_or_clinical_fields_to_a_peer_leader(client_for, identified, secret):
    body = client_for("peer_leader").get("/members/A0001/").content.decode()
    assert secret not in body


@pytest.mark.parametrize("secret", ["A123456789", "雙相情緒障礙", "每週回診", "台北市信義路五段7號"])
def test_it_shows_identifiers_and_clinical_fields_to_a_coordinator(coordinator, identified, secret):
    assert secret in coordinator.get("/members/A0001/").content.decode()


def test_it_shows_a_peer_leader_the_phone_number(client_for, identified):
    assert "0900-000-001" in client_for("peer_leader").get("/members/A0001/").content.decode()


def test_a_stage_note_is_hidden_from_peer_leaders_but_the_stage_is_not(client_for, org_a):
    StageChangeFactory(member=org_a.member, stage="rebuilding", changed_on=days_ago(3),
                       note="聽幻覺增加，已轉介門診調藥")
    for role, sees_note in (("coordinator", True), ("peer_leader", False)):
        [entry] = [e for e in timeline(client_for(role)) if e.kind == "stage.changed"]
        assert entry.title == "Recovery stage: Rebuilding", role
        assert (entry.detail == "聽幻覺增加，已轉介門診調藥") is sees_note, role
        html = client_for(role).get(f"/members/{org_a.member.code}/").content.decode()
        assert ("聽幻覺增加" in html) is sees_note, role


def test_the_timeline_can_show_one_track(coordinator, org_a):
    mentor = MemberFactory(organization=org_a.org, code="A0003", name="張雅婷")
    CareTeamFactory(member=org_a.member, role="peer_mentor", professional=None, mentor=mentor,
                    assigned_by=org_a.users["coordinator"], started_on=days_ago(20))
    CareTeamFactory(member=org_a.member, professional=org_a.users["professional"], started_on=days_ago(30))
    peer = coordinator.get(f"/members/{org_a.member.code}/?track=peer").context["timeline"]
    assert peer and {e.track for e in peer} == {"peer"}
    both = coordinator.get(f"/members/{org_a.member.code}/?track=bogus").context["timeline"]
    assert {"peer", "professional", "admin"} <= {e.track for e in both}


# -- the latest entries first, the rest on demand ---------------------------------


def long_history(org_a, steps: int) -> None:
    """Per step, on a day of its own (some days twice): a stage change, a consent and
    a professional who came and went; several on the same day, so that pages end
    inside a day too."""
    staff = org_a.users["coordinator"]
    for i in range(steps):
        day = days_ago(400 - 7 * (i // 2))
        StageChangeFactory(member=org_a.member, changed_on=day, recorded_by=staff)
        ConsentFactory(member=org_a.member, given_on=day, recorded_by=staff)
        CareTeamFactory(member=org_a.member, professional=org_a.users["professional"], started_on=day,
                        ended_on=day, assigned_by=staff)


def walk(client, code: str = "A0001", track: str = "") -> tuple[list[TimelineEntry], int]:
    """Every entry, page after page, following each page's "Show earlier" cursor as
    HTMX does; and the number of pages."""
    suffix = f"?track={track}" if track else ""
    response = client.get(f"/members/{code}/{suffix}")
    entries, pages = list(response.context["timeline"]), 1
    cursor = response.context["next_cursor"]
    while cursor is not None:
        more = client.get(f"/members/{code}/timeline/", {"before": str(cursor), "track": track},
                          HTTP_HX_REQUEST="true")
        assert more.status_code == 200
        assert "<html" not in more.content.decode()  # the list items only
        entries += more.context["timeline"]
        cursor = more.context["next_cursor"]
        pages += 1
        assert pages < 50
    return entries, pages


def test_the_member_page_shows_the_latest_25_entries_and_a_link_to_earlier_ones(coordinator, org_a):
    long_history(org_a, 20)  # 20 × 4 entries, and the enrolment
    response = coordinator.get("/members/A0001/")
    shown = response.context["timeline"]
    assert len(shown) == 25
    from peerpath.members.timeline import build_timeline

    everything = build_timeline(org_a.member, org_a.staff["coordinator"])
    assert shown == everything[:25]
    html = response.content.decode()
    assert "Show earlier entries" in html
    assert 'href="/members/A0001/timeline/?before=' in html and 'hx-get="/members/A0001/timeline/?before=' in html


def test_following_show_earlier_to_the_end_gives_every_entry_once_in_order(coordinator, org_a):
    long_history(org_a, 20)
    entries, pages = walk(coordinator)
    from peerpath.members.timeline import build_timeline

    everything = build_timeline(org_a.member, org_a.staff["coordinator"])
    assert len(everything) == 20 * 4 + 1
    assert entries == everything
    assert pages == 4  # 25 + 25 + 25 + 6


def test_earlier_pages_keep_to_the_track_shown(coordinator, org_a):
    long_history(org_a, 20)
    entries, _ = walk(coordinator, track="professional")
    assert len(entries) == 40 and {e.track for e in entries} == {"professional"}


def test_show_earlier_works_without_javascript_as_a_page(coordinator, org_a):
    long_history(org_a, 20)
    cursor = coordinator.get("/members/A0001/").context["next_cursor"]
    response = coordinator.get("/members/A0001/timeline/", {"before": str(cursor)})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert len(response.context["timeline"]) == 25
    assert "Back to A0001" in html and "Show earlier entries" in html


def test_an_earlier_page_is_a_read_of_the_member_record_in_the_audit_log(coordinator, org_a):
    from peerpath.audit.models import AccessLog, Event

    long_history(org_a, 10)
    cursor = coordinator.get("/members/A0001/").context["next_cursor"]
    before = AccessLog.objects.filter(event=Event.MEMBER_VIEW).count()
    coordinator.get("/members/A0001/timeline/", {"before": str(cursor)}, HTTP_HX_REQUEST="true")
    assert AccessLog.objects.filter(event=Event.MEMBER_VIEW).count() == before + 1


def test_a_peer_leader_pages_through_the_timeline_without_clinical_entries(client_for, org_a):
    long_history(org_a, 10)
    actions.update_member(org_a.staff["coordinator"], org_a.member, {"diagnosis": "思覺失調症"})
    entries, _ = walk(client_for("peer_leader"))
    assert entries and not any(e.clinical for e in entries)
    assert not [e for e in entries if e.kind == "member.updated"]


def test_a_bad_cursor_shows_the_latest_entries(coordinator, org_a):
    long_history(org_a, 10)
    response = coordinator.get("/members/A0001/timeline/", {"before": "not-a-cursor"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["timeline"] == coordinator.get("/members/A0001/").context["timeline"]


def test_each_member_and_organisation_sees_only_their_own_entries(coordinator, org_a, org_b, client_for):
    """The timeline's SQL is compiled once per kind of page and reused: with each
    member's own values."""
    other = MemberFactory(organization=org_a.org, code="A0009")
    StageChangeFactory(member=org_a.member, stage="rebuilding", changed_on=days_ago(3))
    StageChangeFactory(member=other, stage="growth", changed_on=days_ago(4))
    StageChangeFactory(member=org_b.member, stage="awareness", changed_on=days_ago(5))
    mine = [e.title for e in of_kind(timeline(coordinator), "stage.changed")]
    theirs = [e.title for e in of_kind(timeline(coordinator, "A0009"), "stage.changed")]
    from conftest import verified_client

    b = [e.title for e in of_kind(timeline(verified_client(org_b.users["coordinator"]), "B0001"), "stage.changed")]
    assert mine == ["Recovery stage: Rebuilding"]
    assert theirs == ["Recovery stage: Growth"]
    assert b == ["Recovery stage: Awareness"]
