"""The caseload page: one row per active member of a professional's caseload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.alerts.compute import compute_alerts
from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions as employment
from peerpath.measures.models import PlanRule
from tests.factories import CareTeamFactory, MemberFactory, StageChangeFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def on_caseload(org_a, code: str, professional_role: str = "professional", enrolled: int = 300):
    member = MemberFactory(organization=org_a.org, code=code, enrolment_date=days_ago(enrolled))
    CareTeamFactory(member=member, professional=org_a.users[professional_role], started_on=days_ago(enrolled),
                    assigned_by=org_a.users["coordinator"])
    return member


def start_job(org_a, member, started: int, **more):
    return employment.start_job(
        org_a.staff["professional"], member, new_employer={"name": f"示範公司{member.code}", "sector": "retail"},
        title="店員", start_date=days_ago(started), hours_per_week=Decimal("20"), hourly_wage=Decimal("190"),
        in_community=True, open_to_anyone=True, minimum_wage_or_more=True, disclosure="none", **more,
    )


def contact(org_a, member, ago: int, track: str = "professional"):
    kind = "follow_along" if track == "professional" else "peer_checkin"
    role = "professional" if track == "professional" else "peer_leader"
    return employment.log_support_contact(
        org_a.staff[role], member, contacted_on=days_ago(ago), track=track, kind=kind, place="workplace", minutes=30,
    )


def rows(client, url: str = "/caseload/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["rows"]


def test_a_professional_sees_their_own_active_members_with_stage_work_contact_due_and_alerts(client_for, org_a):
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
    working = on_caseload(org_a, "A0101")
    StageChangeFactory(member=working, stage="rebuilding", changed_on=days_ago(200), recorded_by=org_a.users["coordinator"])
    start_job(org_a, working, started=60)
    contact(org_a, working, ago=20)
    quiet = on_caseload(org_a, "A0102")
    on_caseload(org_a, "A0103", professional_role="coordinator")  # someone else's caseload
    compute_alerts(org_a.org, timezone.localdate())

    client = client_for("professional")
    found = {r.member.code: r for r in rows(client)}
    assert set(found) == {"A0101", "A0102"}
    row = found["A0101"]
    assert row.stage == "rebuilding"
    assert row.facts.employed and row.facts.competitive
    assert row.days_since_contact == 20
    assert row.next_due.instrument_id == "phq9" and row.next_due.overdue
    assert [a.rule for a in row.alerts if a.rule == "no_contact"] == ["no_contact"]
    assert found[quiet.code].days_since_contact is None
    page = client.get("/caseload/").content.decode()
    assert "Working (competitive job)" in page and "20 days" in page and "No contact yet" in page


def test_it_sorts_by_days_since_contact_longest_first_by_default_and_by_any_column(client_for, org_a):
    recent, old, never = (on_caseload(org_a, c) for c in ("A0201", "A0202", "A0203"))
    contact(org_a, recent, ago=2)
    contact(org_a, old, ago=40, track="peer")
    client = client_for("professional")
    assert [r.member.code for r in rows(client)] == ["A0203", "A0202", "A0201"]
    assert [r.member.code for r in rows(client, "/caseload/?sort=contact&dir=asc")] == ["A0201", "A0202", "A0203"]
    assert [r.member.code for r in rows(client, "/caseload/?sort=code&dir=desc")] == ["A0203", "A0202", "A0201"]
    assert never.code == "A0203"


def test_a_peer_track_contact_and_a_helping_contact_count_as_contact(client_for, org_a):
    from peerpath.pathway.models import HelpingContact

    member = on_caseload(org_a, "A0301")
    helper = MemberFactory(organization=org_a.org, code="A0302")
    HelpingContact.objects.create(organization=org_a.org, helper=helper, helped=member, kind="phone", minutes=20,
                                  date=days_ago(3), logged_by=org_a.users["peer_leader"])
    [row] = rows(client_for("professional"))
    assert row.days_since_contact == 3


def test_a_coordinator_chooses_whose_caseload_and_an_unknown_choice_shows_everyone(client_for, org_a):
    on_caseload(org_a, "A0401")
    on_caseload(org_a, "A0402", professional_role="coordinator")
    client = client_for("coordinator")
    pro = org_a.users["professional"].pk
    assert [r.member.code for r in rows(client, f"/caseload/?professional={pro}&sort=code")] == ["A0401"]
    everyone = [r.member.code for r in rows(client, "/caseload/?professional=999999&sort=code")]
    assert everyone == ["A0001", "A0401", "A0402"]


def test_viewing_the_caseload_is_audited(client_for, org_a):
    on_caseload(org_a, "A0501")
    rows(client_for("professional"))
    entry = AccessLog.objects.filter(event=Event.CASELOAD_VIEW).get()
    assert entry.extra["shown"] == 1


def _queries(client) -> int:
    client.get("/caseload/")
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/caseload/").status_code == 200
    return len(ctx.captured_queries)


def _fill(org_a, start: int, stop: int) -> None:
    for i in range(start, stop):
        member = on_caseload(org_a, f"A{i:04d}")
        StageChangeFactory(member=member, recorded_by=org_a.users["coordinator"])
        if i % 2:
            start_job(org_a, member, started=30)
            contact(org_a, member, ago=20, track="peer")


# session, user, OTP device, membership; professionals' names not needed; the plan
# rules; members (stage, latest support contact of each track, latest helping contact
# received and latest completed date of each planned questionnaire as subqueries: one
# statement, not four); the caseload's jobs (the caseload as a subquery); open
# alerts; audit entry (5); session save (3)
CASELOAD_QUERIES = 4 + 1 + 1 + 1 + 1 + 5 + 3


@pytest.mark.django_db
def test_the_caseload_costs_the_same_queries_for_3_or_30_members(client_for, org_a, without_urgent_panels):
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="every", interval_days=90)
    client = client_for("professional")
    _fill(org_a, 1000, 1003)
    few = _queries(client)
    _fill(org_a, 1003, 1030)
    many = _queries(client)
    assert len(rows(client)) == 30
    assert few == many == CASELOAD_QUERIES


def test_the_rows_written_in_python_escape_what_comes_from_data(client_for, org_a):
    member = on_caseload(org_a, "A0601")
    member.name = '<script>alert("x")</script>'
    member.save()
    page = client_for("professional").get("/caseload/").content.decode()
    assert "<script>alert" not in page
    assert "A0601 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_each_row_shows_the_open_alerts_of_its_member_as_the_member_page_reads_them(client_for, org_a):
    # The caseload reads its alerts with the caseload as a subquery (one prepared
    # statement): the same alerts, member by member, as the viewer's unresolved alerts
    # (``unresolved_visible_to``) of the rows' ids give, newest first, for a
    # professional's own caseload and for everyone's.
    from peerpath.alerts.models import Alert, State
    from peerpath.alerts.selectors import unresolved_visible_to

    mine = [on_caseload(org_a, f"A06{n:02d}", enrolled=400) for n in range(3)]
    theirs = on_caseload(org_a, "A0690", professional_role="coordinator", enrolled=400)
    compute_alerts(org_a.org, timezone.localdate())
    resolved = Alert.objects.filter(member=mine[1]).first()
    assert resolved is not None  # no contact for 400 days
    Alert.objects.filter(pk=resolved.pk).update(state=State.RESOLVED)
    pro = org_a.users["professional"].pk
    for role, url in (("professional", "/caseload/"), ("coordinator", "/caseload/?professional=999999"),
                      ("coordinator", f"/caseload/?professional={pro}")):
        client = client_for(role)
        found = {r.member.pk: [a.pk for a in r.alerts] for r in rows(client, url)}
        expected = list(unresolved_visible_to(org_a.staff[role]).filter(member_id__in=list(found)))
        assert found == {pk: [a.pk for a in expected if a.member_id == pk] for pk in found}
        assert any(found.values()) and resolved.pk not in sum(found.values(), [])
        assert (theirs.pk in found) == (url.endswith("999999"))
