"""The policy module, without a database."""

from types import SimpleNamespace

from peerpath.tenancy.policy import (
    ROLE_PERMS,
    Perm,
    can,
    member_visible_fields,
    needs_second_factor,
)


def _m(role: str, active: bool = True):
    return SimpleNamespace(role=role, is_active=active)


def test_peer_leaders_never_see_clinical_fields_or_identifiers():
    fields = member_visible_fields(_m("peer_leader"))
    assert {"diagnosis", "clinical_notes", "national_id", "address"}.isdisjoint(fields)
    assert {"name", "phone", "stage"} <= fields


def test_professionals_see_clinical_fields():
    assert {"diagnosis", "clinical_notes", "national_id"} <= member_visible_fields(_m("professional"))


def test_researchers_cannot_open_member_records():
    assert not can(_m("researcher"), Perm.MEMBER_VIEW)
    assert not can(_m("researcher"), Perm.MEMBER_LIST)
    assert can(_m("researcher"), Perm.RESEARCH_DATA)


def test_an_inactive_membership_can_do_nothing():
    assert not any(can(_m("admin", active=False), p) for p in Perm)


def test_an_unknown_role_can_do_nothing():
    assert not any(can(_m("visitor"), p) for p in Perm)


def test_only_admins_manage_staff():
    assert [r for r, perms in ROLE_PERMS.items() if Perm.STAFF_MANAGE in perms] == ["admin"]


def test_roles_that_see_identifiable_data_need_a_second_factor():
    for role, perms in ROLE_PERMS.items():
        if Perm.MEMBER_VIEW in perms:
            assert needs_second_factor(_m(role)), role
    assert not needs_second_factor(_m("researcher"))


def test_an_action_refuses_an_object_of_another_organisation(org_a, org_b):
    import pytest
    from django.core.exceptions import PermissionDenied

    from peerpath.tenancy.policy import require_same_organisation

    require_same_organisation(org_a.staff["coordinator"], org_a.member, None)
    with pytest.raises(PermissionDenied):
        require_same_organisation(org_a.staff["coordinator"], org_a.member, org_b.member)
