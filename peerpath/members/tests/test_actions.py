"""Writes to member records: codes, audit rows, consent status, care team."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from peerpath.audit import actions as audit_actions
from peerpath.audit.models import AccessLog, Event
from peerpath.members import actions, selectors
from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def member_data(name: str = "陳美玲") -> dict[str, object]:
    return {"name": name, "enrolment_date": days_ago(30), "birth_year": 1990}


def audit_rows(event: Event) -> list[AccessLog]:
    return list(AccessLog.objects.filter(event=event).order_by("seq"))


# -- create_member -----------------------------------------------------------


def test_it_numbers_new_members_m0001_then_m0002(coordinator_membership):
    first = actions.create_member(coordinator_membership, member_data("陳美玲"))
    second = actions.create_member(coordinator_membership, member_data("林志豪"))
    assert (first.code, second.code) == ("M0001", "M0002")


def test_it_continues_numbering_after_the_highest_code_numerically(coordinator_membership, org_a):
    MemberFactory(organization=org_a.org, code="M0009")
    MemberFactory(organization=org_a.org, code="M0002")
    assert actions.create_member(coordinator_membership, member_data()).code == "M0010"


def test_it_numbers_members_per_organisation(coordinator_membership, org_b):
    MemberFactory(organization=org_b.org, code="M0041")
    assert actions.create_member(coordinator_membership, member_data()).code == "M0001"


def test_it_keeps_a_code_given_by_the_caller(coordinator_membership):
    member = actions.create_member(coordinator_membership, {**member_data(), "code": "X-7"})
    assert member.code == "X-7"


def test_it_creates_the_member_in_the_acting_organisation(coordinator_membership, org_a):
    member = actions.create_member(coordinator_membership, member_data())
    assert Member.objects.get(pk=member.pk).organization == org_a.org


def test_it_audits_a_new_member(coordinator_membership):
    member = actions.create_member(coordinator_membership, member_data())
    [row] = audit_rows(Event.MEMBER_CREATE)
    assert (row.actor_id, row.target_type, row.target_id) == (
        coordinator_membership.user_id, "members.member", str(member.pk)
    )


def test_it_records_the_stage_at_enrolment(coordinator_membership):
    member = actions.create_member(coordinator_membership, member_data(), stage="awareness")
    assert list(StageChange.objects.filter(member=member).values_list("stage", "changed_on")) == [
        ("awareness", member.enrolment_date)
    ]


def test_it_records_no_stage_when_none_was_assessed(coordinator_membership):
    member = actions.create_member(coordinator_membership, member_data())
    assert not StageChange.objects.filter(member=member).exists()


def test_it_makes_a_new_member_findable_by_name(coordinator_membership):
    member = actions.create_member(coordinator_membership, member_data("陳美玲"))
    assert list(selectors.member_list(coordinator_membership, query="美玲")) == [member]


def test_it_refuses_to_create_a_member_for_a_peer_leader(org_a):
    with pytest.raises(PermissionDenied):
        actions.create_member(org_a.staff["peer_leader"], member_data())


# -- update_member -----------------------------------------------------------


def test_it_returns_the_names_of_the_fields_that_changed(coordinator_membership, org_a):
    changed = actions.update_member(
        coordinator_membership, org_a.member, {"phone": "0933-111-222", "birth_year": 1985}
    )
    assert changed == ["phone"]


def test_it_writes_one_audit_row_naming_the_changed_fields(coordinator_membership, org_a):
    actions.update_member(
        coordinator_membership, org_a.member, {"phone": "0933-111-222", "diagnosis": "憂鬱症"}
    )
    [row] = audit_rows(Event.MEMBER_UPDATE)
    assert row.extra == {"fields": ["diagnosis", "phone"]}
    assert row.target_id == str(org_a.member.pk)


def test_it_keeps_the_new_values_out_of_the_audit_row(coordinator_membership, org_a):
    actions.update_member(coordinator_membership, org_a.member, {"diagnosis": "憂鬱症"})
    [row] = audit_rows(Event.MEMBER_UPDATE)
    assert "憂鬱症" not in str(row.chained_fields())


def test_it_saves_the_changed_values(coordinator_membership, org_a):
    actions.update_member(coordinator_membership, org_a.member, {"phone": "0933-111-222"})
    assert Member.objects.get(pk=org_a.member.pk).phone == "0933-111-222"


def test_it_writes_nothing_when_nothing_changed(coordinator_membership, org_a):
    history_before = org_a.member.history.count()
    changed = actions.update_member(
        coordinator_membership, org_a.member, {"phone": org_a.member.phone, "birth_year": 1985}
    )
    assert changed == []
    assert audit_rows(Event.MEMBER_UPDATE) == []
    assert org_a.member.history.count() == history_before


def test_it_refuses_an_update_by_a_peer_leader(org_a):
    with pytest.raises(PermissionDenied):
        actions.update_member(org_a.staff["peer_leader"], org_a.member, {"phone": "0933-111-222"})


# -- consent -----------------------------------------------------------------


def test_it_records_a_consent_with_who_recorded_it(coordinator_membership, org_a):
    consent = actions.record_consent(
        coordinator_membership, org_a.member, kind="research", version="2026-1", given_on=days_ago(1)
    )
    stored = Consent.objects.get(pk=consent.pk)
    assert (stored.kind, stored.version, stored.given_on, stored.recorded_by) == (
        "research", "2026-1", days_ago(1), org_a.users["coordinator"]
    )
    assert stored.in_force


def test_it_audits_a_consent_without_its_note(coordinator_membership, org_a):
    actions.record_consent(
        coordinator_membership, org_a.member, kind="research", version="2026-1",
        given_on=days_ago(1), note="母親陪同簽署",
    )
    [row] = audit_rows(Event.CONSENT_GIVEN)
    assert row.extra == {"member": org_a.member.pk, "kind": "research", "version": "2026-1"}


def test_it_records_a_withdrawal_with_who_recorded_it(coordinator_membership, org_a):
    consent = ConsentFactory(member=org_a.member, given_on=days_ago(10))
    actions.withdraw_consent(coordinator_membership, consent, withdrawn_on=days_ago(2))
    stored = Consent.objects.get(pk=consent.pk)
    assert (stored.withdrawn_on, stored.withdrawal_recorded_by) == (days_ago(2), org_a.users["coordinator"])
    assert len(audit_rows(Event.CONSENT_WITHDRAWN)) == 1


def status_of(member: Member) -> dict[str, Consent | None]:
    return selectors.consent_status(selectors.consents_of(member))


def test_it_takes_the_newest_consent_of_a_kind_as_the_one_in_force(org_a):
    ConsentFactory(member=org_a.member, version="2025-1", given_on=days_ago(100))
    newest = ConsentFactory(member=org_a.member, version="2026-1", given_on=days_ago(5))
    assert status_of(org_a.member)["service"] == newest


def test_it_has_no_consent_in_force_when_the_newest_was_withdrawn(org_a):
    ConsentFactory(member=org_a.member, version="2025-1", given_on=days_ago(100))
    ConsentFactory(member=org_a.member, version="2026-1", given_on=days_ago(5), withdrawn_on=days_ago(1))
    assert status_of(org_a.member)["service"] is None


def test_it_keeps_each_kind_of_consent_separate(org_a):
    research = ConsentFactory(member=org_a.member, kind="research", given_on=days_ago(5))
    ConsentFactory(member=org_a.member, kind="service", given_on=days_ago(3), withdrawn_on=days_ago(1))
    assert status_of(org_a.member) == {"service": None, "research": research, "data_sharing": None, "story": None}


def test_it_takes_the_later_recorded_consent_of_the_same_day(org_a):
    ConsentFactory(member=org_a.member, version="2025-1", given_on=days_ago(5))
    later = ConsentFactory(member=org_a.member, version="2026-1", given_on=days_ago(5))
    assert status_of(org_a.member)["service"] == later


def test_it_shows_the_consent_in_force_on_the_member_page(coordinator, org_a):
    ConsentFactory(member=org_a.member, version="2025-1", given_on=days_ago(100))
    ConsentFactory(member=org_a.member, version="2026-1", given_on=days_ago(5), withdrawn_on=days_ago(1))
    status = dict(coordinator.get("/members/A0001/").context["consent_status"])
    assert status["Service"] is None


# -- stage -------------------------------------------------------------------


def test_it_makes_a_recorded_stage_the_current_stage(coordinator_membership, org_a):
    actions.change_stage(coordinator_membership, org_a.member, stage="awareness", changed_on=days_ago(20))
    actions.change_stage(coordinator_membership, org_a.member, stage="rebuilding", changed_on=days_ago(2))
    assert selectors.get_member(coordinator_membership, "A0001").current_stage == "rebuilding"


def test_it_audits_a_stage_change(coordinator_membership, org_a):
    actions.change_stage(coordinator_membership, org_a.member, stage="growth", changed_on=days_ago(2))
    [row] = audit_rows(Event.STAGE_CHANGED)
    assert row.extra == {"stage": "growth"}


# -- care team ---------------------------------------------------------------


@pytest.fixture
def first_professional(org_a):
    return CareTeamFactory(
        member=org_a.member, professional=org_a.users["professional"], started_on=days_ago(60)
    )


def test_it_ends_the_previous_assignment_on_the_new_start_date(
    coordinator_membership, org_a, first_professional
):
    actions.assign_care_team(
        coordinator_membership, org_a.member,
        changes={"professional": org_a.users["coordinator"]}, started_on=days_ago(7),
    )
    assert CareTeamAssignment.objects.get(pk=first_professional.pk).ended_on == days_ago(7)


def test_it_makes_the_new_person_the_current_one(coordinator_membership, org_a, first_professional):
    actions.assign_care_team(
        coordinator_membership, org_a.member,
        changes={"professional": org_a.users["coordinator"]}, started_on=days_ago(7),
    )
    [current] = selectors.current_care_team(org_a.member)
    assert (current.professional, current.started_on) == (org_a.users["coordinator"], days_ago(7))


def test_it_ends_a_role_without_a_successor(coordinator_membership, org_a, first_professional):
    actions.assign_care_team(
        coordinator_membership, org_a.member, changes={"professional": None}, started_on=days_ago(7)
    )
    assert selectors.current_care_team(org_a.member) == []
    assert CareTeamAssignment.objects.get(pk=first_professional.pk).ended_on == days_ago(7)


def test_it_leaves_the_other_role_alone(coordinator_membership, org_a, first_professional):
    mentor = MemberFactory(organization=org_a.org, code="A0002")
    actions.assign_care_team(
        coordinator_membership, org_a.member, changes={"peer_mentor": mentor}, started_on=days_ago(7)
    )
    current = {a.role: a for a in selectors.current_care_team(org_a.member)}
    assert current["professional"] == first_professional
    assert current["peer_mentor"].mentor == mentor


def test_it_audits_each_care_team_change(coordinator_membership, org_a):
    mentor = MemberFactory(organization=org_a.org, code="A0002")
    actions.assign_care_team(
        coordinator_membership, org_a.member,
        changes={"professional": org_a.users["professional"], "peer_mentor": mentor},
        started_on=days_ago(7),
    )
    assert [r.extra for r in audit_rows(Event.CARE_TEAM_CHANGED)] == [
        {"role": "professional", "person": org_a.users["professional"].pk},
        {"role": "peer_mentor", "person": mentor.pk},
    ]


def test_it_refuses_an_unknown_care_role(coordinator_membership, org_a):
    with pytest.raises(ValueError, match="unknown care role"):
        actions.assign_care_team(
            coordinator_membership, org_a.member, changes={"driver": None}, started_on=days_ago(7)
        )


def test_it_rolls_back_every_care_team_change_when_a_later_one_fails(
    coordinator_membership, org_a, first_professional
):
    mentor = MemberFactory(organization=org_a.org, code="A0002")
    real_record = audit_actions.record
    calls = []

    def fail_on_second_change(*args, **kwargs):
        calls.append(kwargs.get("extra"))
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_record(*args, **kwargs)

    with (
        mock.patch.object(audit_actions, "record", autospec=True, side_effect=fail_on_second_change),
        pytest.raises(RuntimeError, match="database went away"),
    ):
        actions.assign_care_team(
            coordinator_membership, org_a.member,
            changes={"professional": org_a.users["coordinator"], "peer_mentor": mentor},
            started_on=days_ago(7),
        )

    assert len(calls) == 2  # the first change got as far as its audit row
    assert CareTeamAssignment.objects.get(pk=first_professional.pk).ended_on is None
    assert list(CareTeamAssignment.objects.filter(member=org_a.member)) == [first_professional]
    assert audit_rows(Event.CARE_TEAM_CHANGED) == []


def test_a_withdrawal_hook_runs_inside_the_withdrawal_and_can_undo_it(org_a):
    """An app whose data depends on a consent reacts to its withdrawal in the same
    transaction: if the app fails, the withdrawal is not recorded either."""
    consent = actions.record_consent(
        org_a.staff["coordinator"], org_a.member, kind="story", version="1", given_on=org_a.member.enrolment_date
    )

    def failing_hook(membership, withdrawn):
        assert withdrawn.pk == consent.pk and withdrawn.withdrawn_on is not None
        raise RuntimeError("the story could not be unpublished")

    actions.on_consent_withdrawn(failing_hook)
    try:
        with pytest.raises(RuntimeError):
            actions.withdraw_consent(org_a.staff["coordinator"], consent, withdrawn_on=org_a.member.enrolment_date)
    finally:
        actions._withdrawal_hooks.remove(failing_hook)
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_an_action_composed_into_another_lands_or_fails_with_it(org_a):
    from django.db import transaction

    from peerpath.members.models import Member

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.create_member.within(
            org_a.staff["coordinator"], {"name": "甲乙", "enrolment_date": org_a.member.enrolment_date}
        )
        raise RuntimeError("the enclosing action failed")
    assert Member.objects.count() == 1  # only A0001
    with pytest.raises(RuntimeError, match="durable"):
        with transaction.atomic():
            actions.create_member(org_a.staff["coordinator"], {"name": "甲乙", "enrolment_date": org_a.member.enrolment_date})
