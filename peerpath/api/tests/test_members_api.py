"""Members and consents through the API: the same rules as the member pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.members.models import Consent, Member
from tests.factories import ConsentFactory, MemberFactory, StageChangeFactory

MEMBERS = "/api/v1/members/"
CLINICAL = {"diagnosis", "clinical_notes"}
IDENTIFIERS = {"national_id", "address", "emergency_contact"}


def today() -> dt.date:
    return timezone.localdate()


# ---- reading ------------------------------------------------------------------------------------


def test_the_list_holds_the_organisations_members_only(org_a, org_b, api_for):
    body = api_for("coordinator").get(MEMBERS).json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "code": "A0001", "name": "王小明A", "status": "active",
        "enrolment_date": org_a.member.enrolment_date.isoformat(), "stage": None,
    }


def test_the_list_filters_by_status_and_enrolment_dates(org_a, api_for):
    MemberFactory(organization=org_a.org, code="A0002", enrolment_date=dt.date(2024, 1, 10))
    MemberFactory(organization=org_a.org, code="A0003", enrolment_date=dt.date(2024, 3, 1), status="closed")
    client = api_for("coordinator")

    def codes(query: str) -> list[str]:
        return [m["code"] for m in client.get(MEMBERS + query).json()["results"]]

    assert codes("?from=2024-01-01&to=2024-01-31") == ["A0002"]
    assert codes("?from=2024-01-10&to=2024-03-01") == ["A0002", "A0003"]  # both bounds inclusive
    assert codes("?status=closed") == ["A0003"]
    assert codes("?to=2023-12-31") == []


@pytest.mark.parametrize("query,parameter", [("?from=2024-13-01", "from"), ("?to=yesterday", "to"),
                                             ("?from=2024-02-01&to=2024-01-01", "to"), ("?status=gone", "status")])
def test_a_bad_filter_is_a_400_naming_the_parameter(org_a, api_for, query, parameter):
    response = api_for("coordinator").get(MEMBERS + query)
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_the_list_is_paginated_with_a_maximum_page_size(org_a, api_for):
    for i in range(2, 7):
        MemberFactory(organization=org_a.org, code=f"A{i:04d}")
    client = api_for("coordinator")
    first = client.get(MEMBERS + "?page_size=2").json()
    assert first["count"] == 6 and len(first["results"]) == 2 and first["next"].endswith("page=2&page_size=2")
    assert len(client.get(MEMBERS + "?page_size=100000").json()["results"]) == 6
    assert client.get(MEMBERS + "?page=99").status_code == 404


def test_a_member_in_detail_shows_the_current_stage(org_a, api_for):
    StageChangeFactory(member=org_a.member, stage="rebuilding", recorded_by=org_a.users["professional"])
    body = api_for("professional").get(MEMBERS + "A0001/").json()
    assert body["stage"] == "rebuilding"
    assert body["diagnosis"] == org_a.member.diagnosis
    assert IDENTIFIERS | CLINICAL <= set(body)


def test_peer_leaders_never_get_identifiers_or_clinical_fields(org_a, api_for):
    body = api_for("peer_leader").get(MEMBERS + "A0001/").json()
    assert body["code"] == "A0001" and body["phone"] == org_a.member.phone
    assert not (IDENTIFIERS | CLINICAL) & set(body)
    assert "思覺失調症" not in str(body)


@pytest.mark.parametrize("path", [MEMBERS, MEMBERS + "A0001/", MEMBERS + "A0001/consents/"])
def test_researchers_get_no_member_records(org_a, api_for, path):
    assert api_for("researcher").get(path).status_code == 403


@pytest.mark.parametrize("path", [MEMBERS + "B0001/", MEMBERS + "B0001/consents/", MEMBERS + "NOPE/",
                                  MEMBERS + "%00/"])
def test_another_organisations_member_is_not_found(org_a, org_b, api_for, path):
    assert api_for("admin").get(path).status_code == 404


def test_every_read_is_audited_once_with_the_endpoint_and_count(org_a, api_for):
    client = api_for("professional")
    before = AccessLog.objects.count()
    client.get(MEMBERS)
    client.get(MEMBERS + "A0001/")
    entries = list(AccessLog.objects.order_by("seq")[before:].values("event", "extra", "target_id"))
    assert [e["event"] for e in entries] == [Event.API_READ, Event.API_READ]
    assert entries[0]["extra"] == {"endpoint": "api_members", "count": 1}
    assert entries[1]["extra"]["endpoint"] == "api_member" and entries[1]["target_id"] == str(org_a.member.pk)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MEMBERS + "?page_size=200").status_code == 200
    return len(queries)


def test_the_list_makes_the_same_number_of_queries_for_3_and_30_members(org_a, api_for):
    client = api_for("coordinator")
    for i in range(2, 4):
        MemberFactory(organization=org_a.org, code=f"A{i:04d}")
    client.get(MEMBERS)  # the token's first use is recorded on it (one more query, at most once a minute)
    few = _list_queries(client)
    for i in range(4, 31):
        StageChangeFactory(member=MemberFactory(organization=org_a.org, code=f"A{i:04d}"),
                           recorded_by=org_a.users["coordinator"])
    assert _list_queries(client) == few
    # token + membership, count + page, and the audit entry (savepoint, head, insert, head, release)
    assert few == 2 + 2 + 5


# ---- writing members ----------------------------------------------------------------------------


def new_member(**fields) -> dict:
    return {"name": "陳大文", "enrolment_date": today().isoformat(), **fields}


def test_a_member_is_created_like_on_the_form_and_audited(org_a, api_for):
    response = api_for("professional").post(MEMBERS, new_member(stage="awareness", phone="0912 345 678",
                                                                national_id="a123456789"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    member = Member.objects.get(code=body["code"])
    assert (member.name, member.national_id, body["stage"]) == ("陳大文", "A123456789", "awareness")
    assert body["gender"] == "undisclosed" and body["status"] == "active"
    events = set(AccessLog.objects.filter(target_id=str(member.pk)).values_list("event", flat=True))
    assert {Event.MEMBER_CREATE, Event.API_WRITE} <= events


@pytest.mark.parametrize("fields,field", [
    ({"name": "  "}, "name"),
    ({"national_id": "A123456788"}, "national_id"),
    ({"phone": "call me"}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"birth_year": 2024}, "birth_year"),
    ({"enrolment_date": "2999-01-01"}, "enrolment_date"),
    ({"gender": "other"}, "gender"),
    ({"stage": "done"}, "stage"),
    ({"name": ["a", "list"]}, "name"),
    ({"name": "a\x00b"}, "name"),
    ({"code": "X1"}, "code"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
])
def test_bad_input_is_a_400_keyed_by_field_and_saves_nothing(org_a, api_for, fields, field):
    before = Member.objects.count()
    response = api_for("professional").post(MEMBERS, new_member(**fields), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Member.objects.count() == before


def test_a_missing_name_and_date_are_both_named(org_a, api_for):
    response = api_for("professional").post(MEMBERS, {}, format="json")
    assert response.status_code == 400
    assert {"name", "enrolment_date"} <= set(response.json())


@pytest.mark.parametrize("role", ["peer_leader", "researcher"])
def test_roles_without_the_capability_may_not_create(org_a, api_for, role):
    assert api_for(role).post(MEMBERS, new_member(), format="json").status_code == 403
    assert Member.objects.count() == 1


def test_a_partial_update_changes_only_the_fields_sent(org_a, api_for):
    response = api_for("professional").patch(MEMBERS + "A0001/", {"phone": "02-1234-5678", "status": "inactive"},
                                             format="json")
    assert response.status_code == 200, response.json()
    member = Member.objects.get(pk=org_a.member.pk)
    assert (member.phone, member.status, member.name) == ("02-1234-5678", "inactive", "王小明A")
    update = AccessLog.objects.get(event=Event.MEMBER_UPDATE)
    assert update.extra == {"fields": ["phone", "status"]}
    assert AccessLog.objects.get(event=Event.API_WRITE).extra["fields"] == ["phone", "status"]


def test_a_bad_update_changes_nothing(org_a, api_for):
    response = api_for("professional").patch(MEMBERS + "A0001/", {"phone": "02-1234-5678", "national_id": "bad"},
                                             format="json")
    assert response.status_code == 400 and list(response.json()) == ["national_id"]
    assert Member.objects.get(pk=org_a.member.pk).phone == org_a.member.phone


def test_an_update_of_another_organisations_member_is_404_and_changes_nothing(org_a, org_b, api_for):
    response = api_for("admin").patch(MEMBERS + "B0001/", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert Member.objects.get(pk=org_b.member.pk).name == "王小明B"


def test_peer_leaders_may_not_update(org_a, api_for):
    assert api_for("peer_leader").patch(MEMBERS + "A0001/", {"name": "x"}, format="json").status_code == 403


# ---- consents -----------------------------------------------------------------------------------


def consents(code: str = "A0001") -> str:
    return f"{MEMBERS}{code}/consents/"


def test_consents_are_listed_newest_first_notes_only_for_those_who_record_them(org_a, api_for):
    ConsentFactory(member=org_a.member, kind="research", given_on=today(), note="signed at home",
                   recorded_by=org_a.users["professional"])
    rows = api_for("professional").get(consents()).json()["results"]
    assert [r["kind"] for r in rows] == ["research"] and rows[0]["in_force"] and rows[0]["note"] == "signed at home"
    peer = api_for("peer_leader").get(consents()).json()["results"]
    assert [r["kind"] for r in peer] == ["research"] and "note" not in peer[0]


def test_a_consent_is_recorded_and_withdrawn(org_a, api_for):
    client = api_for("professional")
    given = today() - dt.timedelta(days=3)
    created = client.post(consents(), {"kind": "research", "version": " 2026-2 ", "given_on": given.isoformat()},
                          format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == "2026-2"
    pk = created.json()["id"]
    withdrawn = client.post(f"{consents()}{pk}/withdraw/", {"withdrawn_on": today().isoformat()}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    again = client.post(f"{consents()}{pk}/withdraw/", {"withdrawn_on": today().isoformat()}, format="json")
    assert again.status_code == 400 and "withdrawn_on" in again.json()
    events = list(AccessLog.objects.values_list("event", flat=True))
    assert events.count(Event.CONSENT_GIVEN) == events.count(Event.CONSENT_WITHDRAWN) == 1


@pytest.mark.parametrize("data,field", [
    ({"kind": "marketing", "version": "1", "given_on": "2026-01-01"}, "kind"),
    ({"kind": "research", "version": "  ", "given_on": "2026-01-01"}, "version"),
    ({"kind": "research", "version": "1", "given_on": "2999-01-01"}, "given_on"),
    ({"kind": "research", "version": "1"}, "given_on"),
])
def test_a_bad_consent_names_the_field_and_saves_nothing(org_a, api_for, data, field):
    response = api_for("professional").post(consents(), data, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Consent.objects.exists()


def test_a_withdrawal_before_the_consent_was_given_is_refused(org_a, api_for):
    consent = ConsentFactory(member=org_a.member, given_on=today(), recorded_by=org_a.users["professional"])
    response = api_for("professional").post(f"{consents()}{consent.pk}/withdraw/",
                                            {"withdrawn_on": (today() - dt.timedelta(days=1)).isoformat()},
                                            format="json")
    assert response.status_code == 400 and "withdrawn_on" in response.json()
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_another_organisations_consent_cannot_be_recorded_or_withdrawn(org_a, org_b, api_for):
    theirs = ConsentFactory(member=org_b.member, recorded_by=org_b.users["professional"])
    client = api_for("admin")
    assert client.post(consents("B0001"), {"kind": "research", "version": "1", "given_on": "2026-01-01"},
                       format="json").status_code == 404
    # B's consent under A's member, and under B's member: both not found
    assert client.post(f"{consents()}{theirs.pk}/withdraw/", {"withdrawn_on": today().isoformat()},
                       format="json").status_code == 404
    assert client.post(f"{consents('B0001')}{theirs.pk}/withdraw/", {"withdrawn_on": today().isoformat()},
                       format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_on is None and Consent.objects.count() == 1


def test_peer_leaders_may_not_record_consent(org_a, api_for):
    response = api_for("peer_leader").post(consents(), {"kind": "research", "version": "1", "given_on": "2026-01-01"},
                                           format="json")
    assert response.status_code == 403
