"""Queries compiled once per shape (``precompiled``), as ``get_member`` uses them:
each run has its own values (member, organisation), the columns a role may see are
part of the shape, and nothing read is kept (only SQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from peerpath.members import precompiled, selectors
from peerpath.members.models import Member
from tests.factories import ConsentFactory, MemberFactory


def test_each_organisation_reads_its_own_member_with_the_same_code(org_a, org_b):
    MemberFactory(organization=org_a.org, code="X0001", name="甲")
    MemberFactory(organization=org_b.org, code="X0001", name="乙")
    a = selectors.get_member(org_a.staff["coordinator"], "X0001", cards=True)
    b = selectors.get_member(org_b.staff["coordinator"], "X0001", cards=True)
    assert (a.name, a.organization_id, a.organization) == ("甲", org_a.org.pk, org_a.org)
    assert (b.name, b.organization_id, b.organization) == ("乙", org_b.org.pk, org_b.org)


def test_another_organisations_member_is_not_found(org_a, org_b):
    selectors.get_member(org_a.staff["coordinator"], "A0001", cards=True)
    with pytest.raises(Http404):
        selectors.get_member(org_b.staff["coordinator"], "A0001", cards=True)
    with pytest.raises(Http404):
        selectors.get_member(org_a.staff["coordinator"], "B0001")


def test_the_fields_a_role_may_not_see_stay_unread_whoever_read_first(org_a):
    org_a.member.diagnosis = "思覺失調症"
    org_a.member.save()
    for role in ("peer_leader", "coordinator", "peer_leader"):
        member = selectors.get_member(org_a.staff[role], "A0001", cards=True)
        deferred = member.get_deferred_fields()
        if role == "peer_leader":
            assert {"diagnosis", "clinical_notes", "national_id"} <= deferred
        else:
            assert "diagnosis" not in deferred
            with CaptureQueriesContext(connection) as queries:
                assert member.diagnosis == "思覺失調症"
            assert len(queries) == 0


def test_every_read_sees_the_latest_data(org_a):
    membership = org_a.staff["coordinator"]
    assert selectors.get_member(membership, "A0001", cards=True).name == "王小明A"
    org_a.member.name = "王大明"
    org_a.member.save()
    ConsentFactory(member=org_a.member, kind="service", recorded_by=org_a.users["coordinator"])
    member = selectors.get_member(membership, "A0001", cards=True)
    assert member.name == "王大明"
    assert selectors.consent_cards(member)["service"] is not None


def test_each_read_is_one_query_and_audited(org_a):
    from peerpath.audit.models import AccessLog

    before = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        selectors.get_member(org_a.staff["coordinator"], "A0001", cards=True)
    assert sum(1 for q in queries if "members_member" in q["sql"] and q["sql"].startswith("SELECT")) == 1
    assert AccessLog.objects.count() == before + 1


@pytest.mark.django_db
def test_a_value_that_is_not_a_parameter_makes_the_shape_unusable():
    assert precompiled.sql(("test.unused",), lambda code: Member.objects.all(), {"code": "A0001"}) is None
    found = precompiled.sql(("test.used",), lambda code: Member.objects.filter(code=code), {"code": "A0001"})
    assert found is not None and found[1] == ["A0001"]
    again = precompiled.sql(("test.used",), lambda code: Member.objects.filter(code=code), {"code": "B0002"})
    assert again is not None and again[1] == ["B0002"]
