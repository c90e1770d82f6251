"""Each member's current state (``MemberState``) is kept by the database: after any
way of writing a member, their stage changes, consents or care team (the ORM,
``bulk_create``, a queryset ``update``, deletes, raw SQL), their state row is what
the application's rules give, read member by member; concurrent writers on one
member leave the state of both their writes."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from peerpath.members import state
from peerpath.members.models import (
    CareRole,
    CareTeamAssignment,
    Consent,
    Member,
    MemberState,
    MemberStateCount,
    StageChange,
    Status,
)
from peerpath.members.selectors import (
    NO_SERVICE_CONSENT,
    current_stage_subquery,
    has_current,
    research_consent_in_force,
    service_consent_annotations,
)
from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory, StageChangeFactory
from tests.threads import overlapping, together

DAY = dt.date(2026, 3, 2)


def by_the_rules() -> dict[int, tuple[Any, ...]]:
    """Every member's state as the application's rules define it, member by member."""
    research = set(research_consent_in_force(Member.objects.all()).values_list("pk", flat=True))
    no_service = set(Member.objects.annotate(**service_consent_annotations()).filter(NO_SERVICE_CONSENT)
                     .values_list("pk", flat=True))
    rows = Member.objects.annotate(
        stage=current_stage_subquery(), pro=has_current(CareRole.PROFESSIONAL), peer=has_current(CareRole.PEER_MENTOR),
    ).values_list("pk", "organization_id", "status", "enrolment_date", "stage", "pro", "peer")
    return {pk: (org, status, enrolled, stage, pk not in no_service, pk in research, pro, peer)
            for pk, org, status, enrolled, stage, pro, peer in rows}


def stored() -> dict[int, tuple[Any, ...]]:
    return {pk: tuple(rest) for pk, *rest in MemberState.objects.values_list(
        "member_id", "organization_id", "status", "enrolment_date", "stage", "service_consent", "research_consent",
        "professional", "mentor")}


def assert_kept() -> None:
    assert stored() == by_the_rules()


@pytest.mark.django_db
def test_a_new_member_has_a_state_with_nothing_recorded(org_a):
    member = MemberFactory(organization=org_a.org, code="A0100", enrolment_date=DAY)
    assert MemberState.objects.get(member=member).stage is None
    assert stored()[member.pk] == (org_a.org.pk, Status.ACTIVE, DAY, None, False, False, False, False)
    assert_kept()


@pytest.mark.django_db
def test_the_state_follows_every_way_of_writing(org_a, org_b):
    by = org_a.users["coordinator"]
    member = org_a.member
    # Created through the ORM, one at a time: the latest stage by date, not by insertion.
    later = StageChangeFactory(member=member, stage="growth", changed_on=DAY + dt.timedelta(days=9), recorded_by=by)
    StageChangeFactory(member=member, stage="awareness", changed_on=DAY, recorded_by=by)
    assert MemberState.objects.get(member=member).stage == "growth"
    # Deleted: the one before counts again.
    later.delete()
    assert MemberState.objects.get(member=member).stage == "awareness"
    # Changed by a queryset update (no save(), no signal).
    StageChange.objects.filter(member=member).update(stage="preparation")
    assert MemberState.objects.get(member=member).stage == "preparation"
    # Many members' rows at once (bulk_create: no save(), no signal).
    others = [MemberFactory(organization=org_b.org, code=f"B09{n}") for n in range(3)]
    Consent.objects.bulk_create(Consent(organization=org_b.org, member=m, kind="service", version="1", given_on=DAY,
                                        recorded_by=by) for m in others)
    CareTeamAssignment.objects.bulk_create(
        CareTeamAssignment(organization=org_b.org, member=m, role=CareRole.PROFESSIONAL,
                           professional=org_b.users["professional"], started_on=DAY, assigned_by=by) for m in others)
    assert all(MemberState.objects.get(member=m).service_consent for m in others)
    assert all(MemberState.objects.get(member=m).professional for m in others)
    # Withdrawn, then given again; an assignment ended; a peer mentor.
    consent = ConsentFactory(member=member, given_on=DAY, recorded_by=by)
    assert MemberState.objects.get(member=member).service_consent
    Consent.objects.filter(pk=consent.pk).update(withdrawn_on=DAY + dt.timedelta(days=1))
    assert not MemberState.objects.get(member=member).service_consent
    ConsentFactory(member=member, given_on=DAY + dt.timedelta(days=2), recorded_by=by)
    assert MemberState.objects.get(member=member).service_consent
    ConsentFactory(member=member, kind="research", given_on=DAY, recorded_by=by)
    assert MemberState.objects.get(member=member).research_consent
    assignment = CareTeamFactory(member=member, professional=org_a.users["professional"], started_on=DAY, assigned_by=by)
    CareTeamFactory(member=member, role=CareRole.PEER_MENTOR, professional=None,
                    mentor=MemberFactory(organization=org_a.org, code="A0101"), started_on=DAY, assigned_by=by)
    assert (MemberState.objects.get(member=member).professional, MemberState.objects.get(member=member).mentor) == (
        True, True)
    assignment.ended_on = DAY + dt.timedelta(days=3)
    assignment.save()
    assert not MemberState.objects.get(member=member).professional
    # The member's own row: a status and an enrolment date changed by save() and by update().
    member.status = Status.INACTIVE
    member.save()
    Member.objects.filter(pk=member.pk).update(enrolment_date=DAY)
    assert stored()[member.pk][1:3] == (Status.INACTIVE, DAY)
    # Raw SQL, as an import by COPY or a database console would write.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE members_consent SET withdrawn_on = %s WHERE member_id = %s AND kind = 'research'",
                       [DAY, member.pk])
    assert not MemberState.objects.get(member=member).research_consent
    assert_kept()


@pytest.mark.django_db
def test_a_member_deleted_takes_their_state_with_them(org_a):
    by = org_a.users["coordinator"]
    member = MemberFactory(organization=org_a.org, code="A0102")
    StageChangeFactory(member=member, stage="growth", changed_on=DAY, recorded_by=by)
    ConsentFactory(member=member, given_on=DAY, recorded_by=by)
    CareTeamFactory(member=member, professional=org_a.users["professional"], started_on=DAY, assigned_by=by)
    member.delete()  # its stage changes, consents and care team go first: their triggers find no member
    assert not MemberState.objects.filter(member_id=member.pk).exists()
    assert_kept()


@pytest.mark.django_db
def test_a_change_the_state_does_not_read_leaves_it_as_it_was(org_a):
    """A note or a name edited does not recompute the state (the triggers' WHEN): the
    row is not rewritten, as a raw change to it shows."""
    by = org_a.users["coordinator"]
    change = StageChangeFactory(member=org_a.member, stage="growth", changed_on=DAY, recorded_by=by)
    MemberState.objects.filter(member=org_a.member).update(stage="moratorium")  # a marker, not a real state
    change.note = "spoke about work"
    change.save()
    org_a.member.name = "王大明"
    org_a.member.save()
    assert MemberState.objects.get(member=org_a.member).stage == "moratorium"
    change.changed_on = DAY + dt.timedelta(days=1)  # a column the state reads: recomputed
    change.save()
    assert MemberState.objects.get(member=org_a.member).stage == "growth"


@pytest.mark.django_db
def test_the_migration_fills_the_state_of_members_recorded_before_it(org_a, org_b):
    """The statement the migration fills the table with (for members recorded before
    it ran) gives what the triggers keep."""
    from peerpath.workspace.tests.test_dashboard_perf import _tricky

    _tricky(org_a, "A9")
    _tricky(org_b, "B9")
    kept = stored()
    migration = importlib.import_module("peerpath.members.migrations.0006_member_state")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM members_memberstate")
        cursor.execute(f"INSERT INTO members_memberstate ({migration._COLUMNS}) {migration._STATE.format(where='TRUE')}")
    assert stored() == kept == by_the_rules()
    assert len(kept) == Member.objects.count() == 18  # two of the fixtures, eight of each _tricky


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_member_leave_the_state_of_both(org_a):
    """Two transactions record a stage change of the same member at the same time: the
    first records the later date and commits only after the second has started
    writing. The state is the later one: the second transaction's trigger waited for
    the first to commit and counted its row (a state computed before that would
    have kept the second's earlier date)."""
    by = org_a.users["coordinator"]
    member = org_a.member
    StageChangeFactory(member=member, stage="awareness", changed_on=DAY, recorded_by=by)

    def record(stage: str, days: int) -> Callable[[], None]:
        return lambda: StageChange.objects.create(organization=org_a.org, member=member, stage=stage,
                                                  changed_on=DAY + dt.timedelta(days=days), recorded_by=by)

    overlapping(record("growth", 10), record("preparation", 5))
    assert StageChange.objects.filter(member=member).count() == 3
    assert MemberState.objects.get(member=member).stage == "growth"
    assert_kept()


def counted(organization_id: int) -> dict[tuple[Any, ...], int]:
    """``state.counts`` as a mapping of each state to its count."""
    return {(c.status, c.stage, c.enrolled_month, c.service_consent, c.research_consent, c.professional, c.mentor): c.n
            for c in state.counts(organization_id)}


def recounted(organization_id: int) -> dict[tuple[Any, ...], int]:
    """The members of each state, counted from their state rows one by one."""
    found: dict[tuple[Any, ...], int] = {}
    for s in MemberState.objects.filter(organization_id=organization_id):
        key = (s.status, s.stage, s.enrolment_date.replace(day=1), s.service_consent, s.research_consent,
               s.professional, s.mentor)
        found[key] = found.get(key, 0) + 1
    return found


def count_rows(organization_id: int) -> int:
    return MemberStateCount.objects.filter(organization_id=organization_id).count()


@pytest.mark.django_db
def test_the_counts_are_the_states_counted_and_many_changes_are_added_up(org_a, org_b):
    """Every change of state adds rows (on PostgreSQL); once they are many more than
    the states, reading the counts replaces them by their sums, with the same counts."""
    by = org_a.users["coordinator"]
    members = [MemberFactory(organization=org_a.org, code=f"A02{n:02d}", enrolment_date=DAY - dt.timedelta(days=40 * n))
               for n in range(12)]
    MemberFactory(organization=org_b.org, code="B0200")
    assert counted(org_a.org.pk) == recounted(org_a.org.pk)
    for round_ in range(12):  # 144 stage changes, consents withdrawn and given again
        for m in members:
            StageChangeFactory(member=m, stage=("awareness", "growth")[round_ % 2],
                               changed_on=DAY + dt.timedelta(days=round_), recorded_by=by)
        Consent.objects.filter(member__in=members[: round_ + 1]).update(withdrawn_on=DAY)
        Consent.objects.bulk_create(Consent(organization=org_a.org, member=m, kind="service", version=str(round_),
                                            given_on=DAY + dt.timedelta(days=round_), recorded_by=by)
                                    for m in members[round_:])
    before = count_rows(org_a.org.pk)
    assert counted(org_a.org.pk) == recounted(org_a.org.pk)
    assert sum(counted(org_a.org.pk).values()) == 13  # the fixture's member and twelve
    if connection.vendor == "postgresql":
        assert before > 2 * len(counted(org_a.org.pk)) + state.SLACK  # many rows: the read above added them up
        assert count_rows(org_a.org.pk) == len(recounted(org_a.org.pk))
        assert counted(org_b.org.pk) == recounted(org_b.org.pk) == {next(iter(recounted(org_b.org.pk))): 2}
    else:
        assert before == 0  # SQLite counts the states themselves
    assert_kept()


@pytest.mark.django_db(transaction=True)
def test_counts_added_up_while_others_write_stay_right(org_a):
    """Two readers add an organisation's rows up at the same time as two writers record
    stage changes and consents: the counts are then the states counted."""
    by = org_a.users["coordinator"]
    members = [MemberFactory(organization=org_a.org, code=f"A03{n:02d}") for n in range(10)]

    def writer(n: int) -> Callable[[], None]:
        def write() -> None:
            for i in range(30):
                m = members[(n * 5 + i) % len(members)]
                with transaction.atomic():
                    StageChange.objects.create(organization=org_a.org, member=m, stage=("growth", "rebuilding")[i % 2],
                                               changed_on=DAY + dt.timedelta(days=i), recorded_by=by)
                    Consent.objects.create(organization=org_a.org, member=m, kind="research", version=str(i),
                                           given_on=DAY + dt.timedelta(days=i),
                                           withdrawn_on=DAY + dt.timedelta(days=i) if i % 3 else None, recorded_by=by)
        return write

    def reader() -> None:
        for _ in range(30):
            state.compact(org_a.org.pk)

    together(writer(0), writer(1), reader, reader)
    assert StageChange.objects.filter(organization=org_a.org).count() == 60
    assert counted(org_a.org.pk) == recounted(org_a.org.pk)
    assert_kept()
