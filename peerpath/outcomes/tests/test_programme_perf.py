"""The programme report over many organisations: the same number of queries for two
organisations as for five (settings, plans, answers and contacts are read for all
of them at once), with the figures the per-organisation selectors give."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.employment.selectors import last_contacts as support_contacts
from peerpath.measures.models import PlanRule
from peerpath.measures.selectors import due_of
from peerpath.members.models import Member, Status
from peerpath.outcomes import employment_figures as figures
from peerpath.outcomes import survival
from peerpath.outcomes.reports import programme
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import scope_of
from peerpath.pathway.selectors import last_helping_received
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory

ROLES = ("coordinator", "professional", "peer_leader")


def organisation(label: str) -> SimpleNamespace:
    """An organisation with the programme data of ``programme_data`` and its plan
    (WHO-5 every 90 days), as the tests of one organisation build it."""
    org = OrganizationFactory(name=f"Association {label}", slug=f"assoc-{label.lower()}")
    users = {role: MembershipFactory(organization=org, role=role, user__username=f"{role}_{label.lower()}").user
             for role in ROLES}
    tenant = SimpleNamespace(org=org, users=users)
    tenant.member = MemberFactory(organization=org, code=f"{label}0001", enrolment_date=data.D(2026, 1, 1))
    tenant.programme = data.programme(tenant)
    data.plan(tenant, tenant.programme)
    return tenant


def scope_over(tenants: list[SimpleNamespace], period: str = "2026Q2..2026Q3"):
    scope = scope_of(tenants[0], period)
    scope.organizations = tuple(t.org for t in tenants)
    return scope


def queries_of(tenants: list[SimpleNamespace]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        programme.build(scope_over(tenants))
    return [q["sql"] for q in captured.captured_queries]


def test_the_report_runs_as_many_queries_for_five_organisations_as_for_two(db):
    tenants = [organisation(label) for label in "ABCDE"]
    two, five = queries_of(tenants[:2]), queries_of(tenants)
    assert len(two) == len(five), "\n".join(five)
    assert len(five) == 18  # as for one organisation (test_programme)


def test_the_figures_of_several_organisations_add_up_to_each_one_alone(db):
    tenants = [organisation(label) for label in "ABC"]
    alone = [programme.build(scope_over([t])) for t in tenants]
    together = programme.build(scope_over(tenants))
    assert together["due"]["due"].value == sum(r["due"]["due"].value for r in alone)
    assert together["due"]["overdue"].value == sum(r["due"]["overdue"].value for r in alone)
    for key in ("members", "already_working"):
        assert together["first_job"][key].value == sum(r["first_job"][key].value for r in alone)
    followed = [survival.time_to_first_job(scope_over([t])) for t in tenants]
    both = survival.time_to_first_job(scope_over(tenants))
    by_member = dict(zip(both.durations.member_ids.tolist(), zip(both.durations.durations.tolist(),
                                                                  both.ends.tolist(), strict=True), strict=True))
    for one in followed:
        for pk, days, why in zip(one.durations.member_ids.tolist(), one.durations.durations.tolist(),
                                 one.ends.tolist(), strict=True):
            assert by_member[pk] == (days, why)


def test_questionnaires_due_are_those_due_of_finds_in_each_organisation(db):
    tenants = [organisation(label) for label in "ABC"]
    # B also asks for the GSES after a job start (an event source read for B alone): P20 started
    # a job 3 days ago; P02's start on 2026-08-01 is more than 60 days ago.
    PlanRule.objects.create(organization=tenants[1].org, instrument_id="gses", trigger="job_start")
    recent = data.member(tenants[1], "P20", data.D(2026, 1, 1))
    data.job(tenants[1], recent, timezone.localdate() - dt.timedelta(days=3))
    # C has no plan: none of its members is due.
    PlanRule.objects.filter(organization=tenants[2].org).delete()
    scope = scope_over(tenants)
    expected = {"due": 0, "overdue": 0}
    for t in tenants:
        active = list(Member.objects.filter(organization=t.org, status=Status.ACTIVE,
                                            enrolment_date__lte=scope.period.end))
        for _member, items in due_of(t.org.pk, active, scope.today):
            expected["due"] += 1
            expected["overdue"] += any(d.overdue for d in items)
    assert figures.questionnaires_due(scope) == expected
    # A: 6 due, 5 overdue; B the same and P20 (GSES due, WHO-5 overdue); C none.
    assert expected == {"due": 13, "overdue": 11}


def test_last_contacts_are_those_the_selectors_find_in_each_organisation(db):
    tenants = [organisation(label) for label in "AB"]
    until = data.Q3_END
    members = Member.objects.filter(organization__in=[t.org for t in tenants])
    expected: dict[int, dt.date] = {}
    for t in tenants:
        ids = [m.pk for m in members if m.organization_id == t.org.pk]
        for pk, tracks in support_contacts(t.org.pk, ids, until).items():
            expected[pk] = max(tracks.values())
        for pk, day in last_helping_received(t.org.pk, ids, until=until).items():
            expected[pk] = max(expected.get(pk, day), day)
    assert survival.last_contacts(members, until) == expected
    assert expected  # the data has contacts


def test_another_organisations_contacts_and_answers_are_not_read_for_a_member(db):
    a, b = organisation("A"), organisation("B")
    # Rows recorded in B for A's member (never made by the application) count for neither.
    stray = a.programme.m11
    data.contact(b, stray, data.D(2026, 9, 20))
    data.helping(b, b.programme.m1, stray, data.D(2026, 9, 21), 30)
    data.completed(b, stray, 5)
    assert survival.last_contacts(Member.objects.filter(pk=stray.pk), data.Q3_END) == {}
    scope = scope_over([a, b])
    assert figures.questionnaires_due(scope) == {"due": 12, "overdue": 10}  # stray still overdue in A
