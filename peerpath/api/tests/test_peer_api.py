"""Groups, sessions, attendance, incidents, helping contacts and alerts through
the API: peer leaders see their own groups and no clinical alerts, as on pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.alerts.tests.factories import AlertFactory
from peerpath.groups.models import Attendance, CriticalIncident, IncidentCoding, PeerGroup, Session
from peerpath.pathway.models import HelpingContact
from tests.factories import MemberFactory

V1 = "/api/v1/"


def today() -> dt.date:
    return timezone.localdate()


def group(tenant, name: str = "職場支持團體", *, led_by: str = "peer_leader") -> PeerGroup:
    return PeerGroup.objects.create(organization=tenant.org, name=name, kind="job_retention",
                                    peer_leader=tenant.users[led_by] if led_by else None,
                                    started_on=today() - dt.timedelta(days=90))


def session(tenant, of: PeerGroup, day: dt.date, statuses: dict | None = None) -> Session:
    made = Session.objects.create(organization=tenant.org, group=of, date=day, recorded_by=tenant.users["peer_leader"])
    for member, status in (statuses or {tenant.member: "present"}).items():
        Attendance.objects.create(organization=tenant.org, session=made, member=member, status=status)
    return made


def incident(tenant, at: Session, text: str = "聽到別人找到工作，我也有希望。") -> CriticalIncident:
    made = CriticalIncident.objects.create(organization=tenant.org, session=at, member=tenant.member, text=text,
                                           recorded_by=tenant.users["peer_leader"])
    IncidentCoding.objects.create(organization=tenant.org, incident=made, coder=tenant.users["professional"], rank=1,
                                  code_set="yalom", factors=["hope"], coded_at=timezone.now())
    return made


def results(client, path: str) -> list[dict]:
    response = client.get(V1 + path)
    assert response.status_code == 200, response.content
    rows: list[dict] = response.json()["results"]
    return rows


def test_peer_leaders_see_only_the_groups_they_facilitate(org_a, org_b, api_for):
    mine = group(org_a, "我帶的團體")
    other = group(org_a, "別人的團體", led_by="")
    group(org_b, "另一個協會")
    assert [g["name"] for g in results(api_for("peer_leader"), "groups/")] == ["我帶的團體"]
    assert {g["id"] for g in results(api_for("professional"), "groups/")} == {mine.pk, other.pk}


def test_sessions_come_with_their_attendance_and_follow_the_groups_one_sees(org_a, api_for):
    mine, other = group(org_a, "我帶的團體"), group(org_a, "別人的團體", led_by="")
    late = MemberFactory(organization=org_a.org, code="A0002")
    session(org_a, mine, dt.date(2025, 1, 6), {org_a.member: "present", late: "late"})
    session(org_a, other, dt.date(2025, 1, 7))
    rows = results(api_for("peer_leader"), "sessions/")
    assert [(r["group"], r["date"]) for r in rows] == [(mine.pk, "2025-01-06")]
    assert rows[0]["attendance"] == [{"member": "A0001", "status": "present"}, {"member": "A0002", "status": "late"}]
    assert len(results(api_for("professional"), "sessions/?from=2025-01-07")) == 1


def test_attendance_rows_filter_by_member_group_and_dates(org_a, api_for):
    first = group(org_a)
    other = MemberFactory(organization=org_a.org, code="A0002")
    session(org_a, first, dt.date(2025, 1, 6), {org_a.member: "present", other: "absent"})
    session(org_a, first, dt.date(2025, 2, 3), {org_a.member: "excused"})
    client = api_for("coordinator")
    assert [(r["date"], r["status"]) for r in results(client, "attendance/?member=A0001")] == [
        ("2025-02-03", "excused"), ("2025-01-06", "present")]
    assert [r["member"] for r in results(client, "attendance/?to=2025-01-31")] == ["A0001", "A0002"]
    assert len(results(client, f"attendance/?group={first.pk}")) == 3


def test_incidents_come_with_their_codings(org_a, api_for):
    at = session(org_a, group(org_a), dt.date(2025, 1, 6))
    incident(org_a, at)
    row = results(api_for("peer_leader"), "incidents/")[0]
    assert row["text"] == "聽到別人找到工作，我也有希望。" and row["member"] == "A0001"
    assert [(c["rank"], c["factors"]) for c in row["codings"]] == [(1, ["hope"])]


def test_another_organisations_group_filters_to_nothing(org_a, org_b, api_for):
    theirs = group(org_b)
    at = session(org_b, theirs, dt.date(2025, 1, 6))
    incident(org_b, at)
    client = api_for("admin")
    for path in ("sessions/", "attendance/", "incidents/"):
        assert results(client, f"{path}?group={theirs.pk}") == []
        assert results(client, path) == []


@pytest.mark.parametrize("path", ["groups/", "sessions/", "attendance/", "incidents/", "helping-contacts/",
                                  "alerts/"])
def test_researchers_get_none_of_the_peer_track(org_a, api_for, path):
    assert api_for("researcher").get(V1 + path).status_code == 403


@pytest.mark.parametrize("query,parameter", [("?group=abc", "group"), ("?group=0", "group"),
                                             ("?from=2025-02-30", "from")])
def test_a_bad_filter_is_a_400_naming_the_parameter(org_a, api_for, query, parameter):
    response = api_for("coordinator").get(V1 + "sessions/" + query)
    assert response.status_code == 400 and parameter in response.json()


def test_helping_contacts_are_listed_without_notes(org_a, api_for):
    helper = MemberFactory(organization=org_a.org, code="A0002")
    HelpingContact.objects.create(organization=org_a.org, helper=helper, helped=org_a.member, kind="phone",
                                  minutes=30, date=dt.date(2025, 1, 6), note="私人的事",
                                  logged_by=org_a.users["peer_leader"])
    rows = results(api_for("peer_leader"), "helping-contacts/?member=A0001")
    assert [(r["helper"], r["helped"], r["minutes"], r["logged_by_member"]) for r in rows] == [
        ("A0002", "A0001", 30, False)]
    assert "私人的事" not in str(rows) and "note" not in rows[0]
    assert results(api_for("peer_leader"), "helping-contacts/?kind=meeting") == []


def test_peer_leaders_see_only_non_clinical_alerts_of_the_peer_track(org_a, api_for):
    AlertFactory(member=org_a.member)  # a job ending: both tracks
    AlertFactory(member=org_a.member, rule="safety", clinical=True)
    client = api_for("peer_leader")
    assert [a["rule"] for a in results(client, "alerts/")] == ["job_ended"]
    assert {a["rule"] for a in results(api_for("professional"), "alerts/")} == {"job_ended", "safety"}
    row = results(client, "alerts/")[0]
    assert row["reason"] and row["state"] == "open" and row["member"] == "A0001"


def test_alerts_filter_by_state_and_rule(org_a, api_for):
    AlertFactory(member=org_a.member)
    AlertFactory(member=org_a.member, rule="safety", clinical=True, state="resolved")
    client = api_for("professional")
    assert [a["rule"] for a in results(client, "alerts/?state=resolved")] == ["safety"]
    assert [a["rule"] for a in results(client, "alerts/?rule=job_ended")] == ["job_ended"]
    assert client.get(V1 + "alerts/?state=closed").status_code == 400


@pytest.mark.parametrize("path", ["sessions/?page_size=200", "incidents/?page_size=200", "attendance/?page_size=200"])
def test_peer_lists_make_the_same_number_of_queries_for_3_and_30_sessions(org_a, api_for, path):
    client = api_for("peer_leader")
    mine = group(org_a)
    start = dt.date(2024, 1, 1)
    for i in range(3):
        incident(org_a, session(org_a, mine, start + dt.timedelta(days=i)))
    client.get(V1 + path)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(V1 + path).status_code == 200
        return len(queries)

    few = count()
    for i in range(3, 30):
        incident(org_a, session(org_a, mine, start + dt.timedelta(days=i)))
    assert count() == few
    prefetches = 0 if path.startswith("attendance") else 1
    assert few == 2 + 2 + prefetches + 5
