"""This app's pages cost a fixed number of queries however many rows they show
(the guard against N+1 queries), and the exact numbers are asserted so that any
new query shows up here. As in peerpath/members/tests/test_query_counts.py: 4
queries before the view (session, user, OTP device, membership), 3 after it
(session save), 5 for an audit entry."""

from __future__ import annotations

from peerpath.employment.models import (
    EmployerContact,
    JobOpening,
    JobSearchActivity,
    Referral,
    VocationalProfile,
)
from peerpath.members.tests.test_query_counts import (
    assert_count,
    assert_same_count,
    is_timeline,
    measure,
    statement,
)

from .conftest import days_ago, make_contact, make_employer, make_job

BEFORE, AFTER, AUDIT = 4, 3, 5
# member, then profiles, jobs (employer and ending joined), searches, contacts
EMPLOYMENT_PAGE = BEFORE + 1 + 4 + AUDIT + AFTER
# page count, the page of employers (figures as subqueries)
EMPLOYER_LIST = BEFORE + 2 + AUDIT + AFTER
# employer, contacts (member and staff joined), openings, jobs (member and ending joined)
EMPLOYER_DETAIL = BEFORE + 1 + 3 + AUDIT + AFTER
# page count, the page of referrals (member joined), the counts per state
REFERRAL_LIST = BEFORE + 2 + AUDIT + 1 + AFTER
# Queries that read the employment app's tables on the member page: the timeline's
# one query (which reads this app's sources with every other app's: profiles,
# jobs with endings, job search, support contacts, job development, referral) and
# the Work panel (jobs and the last contact per track, in one query since the two
# reads became one UNION ALL).
MEMBER_PAGE_EMPLOYMENT = 1 + 1


def add_rows(org_a, start: int, stop: int) -> None:
    staff = org_a.users["professional"]
    member = org_a.member
    for i in range(start, stop):
        employer = make_employer(org_a.org, staff, name=f"示範公司{i:03d}")
        make_job(member, staff, employer=employer, start=300 - i, ended=200 - i if i % 2 else None,
                 title=f"職務{i}")
        make_contact(member, staff, track="peer" if i % 2 else "professional", ago=i + 1, note="x")
        JobSearchActivity.objects.create(organization=org_a.org, member=member, done_on=days_ago(i + 1),
                                         kind="application", employer=employer, recorded_by=staff)
        VocationalProfile.objects.create(organization=org_a.org, member=member, recorded_on=days_ago(i + 1),
                                         sectors=["retail"], recorded_by=staff)
        EmployerContact.objects.create(organization=org_a.org, employer=employer, contacted_on=days_ago(i + 1),
                                       kind="visit", member=member, by=staff)
        JobOpening.objects.create(organization=org_a.org, employer=employer, title="x", posted_on=days_ago(i + 1),
                                  created_by=staff)
        Referral.objects.create(organization=org_a.org, source="clinic", person_name=f"轉介{i}",
                                received_on=days_ago(i + 30), contacted_on=days_ago(i + 20), recorded_by=staff)


PAGES = ["/members/A0001/employment/", "/employers/", "/referrals/"]


def test_pages_cost_the_same_with_3_or_30_rows(client_for, org_a):
    client = client_for("professional")
    add_rows(org_a, 0, 3)
    few = {url: measure(client, url) for url in PAGES}
    add_rows(org_a, 3, 30)
    many = {url: measure(client, url) for url in PAGES}
    for url in PAGES:
        assert_same_count(few[url], many[url])
    assert len(client.get("/members/A0001/employment/").context["jobs"]) == 30


def test_an_employer_with_3_or_30_contacts_and_jobs_costs_the_same(client_for, org_a):
    from tests.factories import MemberFactory

    client = client_for("professional")
    staff = org_a.users["professional"]
    employer = make_employer(org_a.org, staff, name="示範大型超市")

    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            member = MemberFactory(organization=org_a.org, code=f"E{i:04d}")
            make_job(member, staff, employer=employer, ended=5 if i % 2 else None)
            EmployerContact.objects.create(organization=org_a.org, employer=employer, contacted_on=days_ago(i),
                                           kind="visit", member=member, by=staff)
            JobOpening.objects.create(organization=org_a.org, employer=employer, title="x", posted_on=days_ago(i),
                                      created_by=staff)

    url = f"/employers/{employer.pk}/"
    add(0, 3)
    few = measure(client, url)
    add(3, 30)
    many = measure(client, url)
    assert_same_count(few, many)
    assert_count(many, EMPLOYER_DETAIL)


def test_pages_cost_a_known_number_of_queries(client_for, org_a):
    client = client_for("professional")
    add_rows(org_a, 0, 30)
    assert_count(measure(client, "/members/A0001/employment/"), EMPLOYMENT_PAGE)
    assert_count(measure(client_for("peer_leader"), "/members/A0001/employment/"), EMPLOYMENT_PAGE)
    assert_count(measure(client, "/employers/"), EMPLOYER_LIST)
    assert_count(measure(client, "/referrals/"), REFERRAL_LIST)
    assert_count(measure(client, "/referrals/?state=open&page=2"), REFERRAL_LIST)


def test_the_member_page_costs_this_app_a_fixed_number_of_queries(client_for, org_a):
    """The number set for this app in peerpath/members/tests/test_query_counts.py."""
    from peerpath.members.tests.test_query_counts import (
        APP_DETAIL_QUERIES,
        APP_DETAIL_QUERIES_PEER_LEADER,
    )

    add_rows(org_a, 0, 3)
    for role, expected in (("coordinator", APP_DETAIL_QUERIES), ("peer_leader", APP_DETAIL_QUERIES_PEER_LEADER)):
        client = client_for(role)
        few = [q for q in measure(client, "/members/A0001/") if "employment_" in statement(q) or is_timeline(q)]
        assert len(few) == MEMBER_PAGE_EMPLOYMENT == expected["employment"], "\n".join(q["sql"] for q in few)
    add_rows(org_a, 3, 30)
    many = [q for q in measure(client_for("coordinator"), "/members/A0001/") if "employment_" in statement(q) or is_timeline(q)]
    assert len(many) == MEMBER_PAGE_EMPLOYMENT
