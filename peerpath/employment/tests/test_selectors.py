"""The functions other apps call: a fixed number of queries for any number of
members, every member present, nothing from another organisation."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.employment.models import VocationalProfile
from peerpath.employment.selectors import current_profiles, employment_facts, jobs_of
from peerpath.measures.events import events_of
from tests.factories import MemberFactory

from .conftest import days_ago, make_contact, make_job


def members_with_work(org_a, n: int, start: int = 0) -> list[int]:
    staff = org_a.users["professional"]
    ids = []
    for i in range(start, start + n):
        member = MemberFactory(organization=org_a.org, code=f"W{i:04d}")
        make_job(member, staff, start=200, ended=100, reason="laid_off")
        make_job(member, staff, start=50, competitive=i % 2 == 0)
        make_contact(member, staff, track="professional", ago=7)
        make_contact(member, staff, track="peer", ago=3)
        VocationalProfile.objects.create(organization=org_a.org, member=member, recorded_on=days_ago(300),
                                         sectors=["retail"], hours_per_week=10, recorded_by=staff)
        VocationalProfile.objects.create(organization=org_a.org, member=member, recorded_on=days_ago(30),
                                         sectors=["it", "office"], hours_per_week=20, recorded_by=staff)
        ids.append(member.pk)
    return ids


def queries(fn, *args) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn(*args)
    return result, len(ctx.captured_queries)


def test_employment_facts_cost_two_queries_for_3_or_30_members(org_a):
    today = timezone.localdate()
    few = members_with_work(org_a, 3)
    _, n_few = queries(employment_facts, org_a.org.pk, few, today)
    many = few + members_with_work(org_a, 27, start=3)
    facts, n_many = queries(employment_facts, org_a.org.pk, many, today)
    assert n_few == n_many == 2
    first = facts[many[0]]
    assert first.employed and first.competitive and first.current_job_starts == (days_ago(50),)
    assert (first.last_job_end, first.last_job_end_reason) == (days_ago(100), "laid_off")
    assert first.last_contact == {"professional": days_ago(7), "peer": days_ago(3)}
    assert not facts[many[1]].competitive and facts[many[1]].employed


def test_every_member_is_in_the_facts_and_other_organisations_count_for_nothing(org_a, org_b):
    make_job(org_b.member, org_b.users["professional"], start=10)
    facts = employment_facts(org_a.org.pk, [org_a.member.pk, org_b.member.pk], timezone.localdate())
    assert set(facts) == {org_a.member.pk, org_b.member.pk}
    assert not facts[org_b.member.pk].employed and facts[org_a.member.pk].last_contact == {}


def test_current_profiles_are_the_latest_versions_in_one_query(org_a):
    ids = members_with_work(org_a, 3)
    profiles, n = queries(current_profiles, org_a.org.pk, ids)
    assert n == 1 and set(profiles) == set(ids)
    assert profiles[ids[0]].sectors == ("it", "office") and profiles[ids[0]].hours == 20
    assert org_a.member.pk not in current_profiles(org_a.org.pk, [org_a.member.pk])


def test_jobs_of_lists_spans_in_one_query(org_a):
    ids = members_with_work(org_a, 3)
    spans, n = queries(jobs_of, org_a.org.pk, [*ids, org_a.member.pk])
    assert n == 1 and spans[org_a.member.pk] == []
    assert [(s.start, s.end) for s in spans[ids[0]]] == [(days_ago(200), days_ago(100)), (days_ago(50), None)]


def test_job_starts_and_ends_trigger_questionnaires(org_a):
    ids = members_with_work(org_a, 2)
    events, n = queries(events_of, org_a.org.pk, ids, ["job_start", "job_end"])
    assert n == 2
    assert sorted(events[ids[0]]["job_start"]) == [days_ago(200), days_ago(50)]
    assert events[ids[0]]["job_end"] == [days_ago(100)]
