"""Each member's last completed date of each questionnaire (``LastCompleted``) is kept
by the database: after any way of writing questionnaires (paper entry, a link
finished, ``bulk_create`` and COPY, a queryset ``update``, deletes, raw SQL), its rows
are the latest completed date of each member and questionnaire, read from the
questionnaires themselves; concurrent writers on one member leave the later date."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from peerpath.exchange import bulk
from peerpath.measures import actions
from peerpath.measures.models import Administration, AdministrationStatus, LastCompleted, Mode
from tests.factories import MemberFactory
from tests.threads import overlapping

DAY = dt.date(2026, 3, 2)
PHQ9 = {str(i): 1 for i in range(1, 10)}


def by_the_questionnaires() -> dict[tuple[int, str], tuple[int, dt.date]]:
    rows = (Administration.objects.filter(status=AdministrationStatus.COMPLETED, taken_on__isnull=False)
            .values("organization_id", "member_id", "instrument_id").annotate(last=Max("taken_on")).order_by())
    return {(r["member_id"], r["instrument_id"]): (r["organization_id"], r["last"]) for r in rows}


def kept() -> dict[tuple[int, str], tuple[int, dt.date]]:
    return {(member, instrument): (org, day) for org, member, instrument, day in LastCompleted.objects.values_list(
        "organization_id", "member_id", "instrument_id", "taken_on")}


def assert_kept() -> None:
    assert kept() == by_the_questionnaires()


def _completed(tenant: Any, member: Any, instrument: str, day: dt.date, **fields: Any) -> Administration:
    values: dict[str, Any] = {"status": AdministrationStatus.COMPLETED, **fields}
    return Administration(organization=tenant.org, member=member, instrument_id=instrument, instrument_version=1,
                          mode=Mode.STAFF, taken_on=day, answers={}, **values)


@pytest.mark.django_db
def test_the_dates_follow_every_way_of_writing_questionnaires(org_a, org_b):
    coordinator, member = org_a.staff["coordinator"], org_a.member
    # Paper entry, as staff record it: the later date counts, whichever was entered first.
    actions.record_paper_form(coordinator, member, "phq9", answers=PHQ9, taken_on=DAY + dt.timedelta(days=9),
                              reason="periodic")
    earlier = actions.record_paper_form(coordinator, member, "phq9", answers=PHQ9, taken_on=DAY, reason="periodic")
    assert kept()[(member.pk, "phq9")] == (org_a.org.pk, DAY + dt.timedelta(days=9))
    # A link: nothing while it is open, its date once finished.
    administration, _token = actions.create_link(coordinator, member, "who5", reason="periodic")
    assert (member.pk, "who5") not in kept()
    for item in range(1, 6):
        actions.save_link_answer(administration, str(item), 1)
    actions.complete_link(administration)
    administration.refresh_from_db()
    assert kept()[(member.pk, "who5")] == (org_a.org.pk, administration.taken_on)
    # Many at once: bulk_create (on PostgreSQL one statement's rows), and the bulk loader (COPY there).
    others = [MemberFactory(organization=org_b.org, code=f"B01{n}") for n in range(3)]
    Administration.objects.bulk_create(
        _completed(org_b, m, "phq9", DAY + dt.timedelta(days=d)) for m in others for d in (3, 1, 2))
    with transaction.atomic():
        bulk.insert(Administration, {"organization_id": org_b.org.pk, "member_id": others[0].pk, "instrument_id": "who5",
                                     "instrument_version": 1, "mode": Mode.STAFF, "reason": "periodic",
                                     "status": AdministrationStatus.COMPLETED, "language": "zh-hant", "answers": {},
                                     "link_token_hash": "", "created_at": timezone.now()},
                    ["taken_on"], [[DAY + dt.timedelta(days=d)] for d in (5, 4)])
    assert kept()[(others[0].pk, "phq9")] == (org_b.org.pk, DAY + dt.timedelta(days=3))
    assert kept()[(others[0].pk, "who5")] == (org_b.org.pk, DAY + dt.timedelta(days=5))
    # Not completed, or with no date: not counted.
    Administration.objects.bulk_create([
        _completed(org_b, others[1], "who5", DAY + dt.timedelta(days=30), status=AdministrationStatus.EXPIRED)])
    assert (others[1].pk, "who5") not in kept()
    # The latest moved earlier by an update; then changed back from completed; then deleted.
    latest = Administration.objects.get(member=member, instrument_id="phq9", taken_on=DAY + dt.timedelta(days=9))
    Administration.objects.filter(pk=latest.pk).update(taken_on=DAY - dt.timedelta(days=1))
    assert kept()[(member.pk, "phq9")] == (org_a.org.pk, DAY)
    Administration.objects.filter(pk=earlier.pk).update(status=AdministrationStatus.EXPIRED)
    assert kept()[(member.pk, "phq9")] == (org_a.org.pk, DAY - dt.timedelta(days=1))
    Administration.objects.filter(pk=latest.pk).delete()
    assert (member.pk, "phq9") not in kept()
    # Raw SQL, as a database console would write.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE measures_administration SET status = 'completed' WHERE id = %s", [earlier.pk])
    assert kept()[(member.pk, "phq9")] == (org_a.org.pk, DAY)
    # A questionnaire moved to another instrument (a correction): both dates recomputed.
    Administration.objects.filter(pk=earlier.pk).update(instrument_id="who5")
    assert (member.pk, "phq9") not in kept()
    assert_kept()


@pytest.mark.django_db
def test_a_member_deleted_takes_their_dates_with_them(org_a):
    member = MemberFactory(organization=org_a.org, code="A0102")
    Administration.objects.bulk_create([_completed(org_a, member, "phq9", DAY), _completed(org_a, member, "who5", DAY)])
    assert {k for k in kept() if k[0] == member.pk} == {(member.pk, "phq9"), (member.pk, "who5")}
    member.delete()
    assert not LastCompleted.objects.filter(member_id=member.pk).exists()
    assert_kept()


@pytest.mark.django_db
def test_an_answer_saved_does_not_touch_the_dates(org_a):
    """Only a change of what the dates read (status, date, member, questionnaire)
    recomputes them: a marker written into the row stays through answers saved."""
    actions.record_paper_form(org_a.staff["coordinator"], org_a.member, "phq9", answers=PHQ9, taken_on=DAY,
                              reason="periodic")
    administration, _token = actions.create_link(org_a.staff["coordinator"], org_a.member, "phq9", reason="periodic")
    LastCompleted.objects.filter(member=org_a.member).update(taken_on=DAY - dt.timedelta(days=100))  # the marker
    actions.save_link_answer(administration, "1", 2)
    Administration.objects.filter(pk=administration.pk).update(answers={"1": 3})
    assert LastCompleted.objects.get(member=org_a.member).taken_on == DAY - dt.timedelta(days=100)


@pytest.mark.django_db
def test_the_migration_fills_the_dates_of_questionnaires_recorded_before_it(org_a, org_b):
    members = [MemberFactory(organization=tenant.org, code=f"{tenant.org.slug[-1].upper()}02{n}")
               for tenant in (org_a, org_b) for n in range(3)]
    Administration.objects.bulk_create(
        _completed(org_a if m.organization_id == org_a.org.pk else org_b, m, instrument, DAY + dt.timedelta(days=d))
        for m in members for instrument in ("phq9", "who5") for d in (2, 7, 4))
    before = kept()
    migration = importlib.import_module("peerpath.measures.migrations.0007_last_completed")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM measures_lastcompleted")
        cursor.execute(migration.FILL)
    assert kept() == before == by_the_questionnaires()
    assert len(before) == 12 and {day for _, day in before.values()} == {DAY + dt.timedelta(days=7)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_member_leave_the_later_date(org_a):
    """Two transactions change the same member's questionnaires at the same time: the
    first completes one on a later date and commits only after the second has started
    writing (it moves an earlier one's date). The date kept is the later one: the
    second transaction's trigger waited for the first to commit and counted its row."""
    member = org_a.member
    first_day = Administration.objects.create(organization=org_a.org, member=member, instrument_id="phq9",
                                              instrument_version=1, mode=Mode.STAFF, status=AdministrationStatus.COMPLETED,
                                              taken_on=DAY, answers={})
    pending = Administration.objects.create(organization=org_a.org, member=member, instrument_id="phq9",
                                            instrument_version=1, mode=Mode.STAFF, answers={})
    overlapping(
        lambda: Administration.objects.filter(pk=pending.pk).update(status=AdministrationStatus.COMPLETED,
                                                                    taken_on=DAY + dt.timedelta(days=10)),
        lambda: Administration.objects.filter(pk=first_day.pk).update(taken_on=DAY + dt.timedelta(days=5)),
    )
    assert LastCompleted.objects.get(member=member, instrument_id="phq9").taken_on == DAY + dt.timedelta(days=10)
    assert_kept()
