"""Helping contacts: logged by staff, or by the helper in the portal; hours given
and received; the functions other apps call."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog
from peerpath.pathway import actions, selectors
from peerpath.pathway.models import HelpingContact
from peerpath.pathway.tests.conftest import days_ago, log_contact, portal_client_for
from tests.factories import CareTeamFactory, MemberFactory


def staff_form(helper_member, helped_member, **changes) -> dict[str, object]:
    return {"helper": helper_member.pk, "helped": helped_member.pk, "kind": "accompany_interview", "minutes": "90",
            "date": days_ago(2).isoformat(), "note": "陪同到超商面試", **changes}


# -- staff ----------------------------------------------------------------------


def test_a_peer_leader_logs_a_contact(client_for, org_a, second):
    response = client_for("peer_leader").post("/helping/new/", staff_form(second, org_a.member))
    assert response.status_code == 302
    contact = HelpingContact.objects.get()
    assert (contact.helper, contact.helped, contact.minutes, contact.kind) == (
        second, org_a.member, 90, "accompany_interview")
    assert contact.logged_by == org_a.users["peer_leader"] and contact.logged_by_member is None
    assert contact.note == "陪同到超商面試"
    assert AccessLog.objects.filter(event="pathway.helping_logged", target_id=str(contact.pk)).exists()


def test_the_note_is_encrypted_at_rest(org_a, second):
    from django.db import connection

    contact = log_contact(org_a, second, org_a.member, note="陪同面試")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM pathway_helpingcontact WHERE id = %s", [contact.pk])
        stored = cursor.fetchone()[0]
    assert "陪同" not in stored


@pytest.mark.parametrize("changes,field", [
    ({"minutes": "0"}, "minutes"),
    ({"minutes": "601"}, "minutes"),
    ({"date": days_ago(-1).isoformat()}, "date"),
    ({"date": days_ago(300).isoformat()}, "date"),  # before the members enrolled (200 days ago)
    ({"kind": "gossip"}, "kind"),
    ({"helped": ""}, "helped"),
])
def test_bad_contacts_name_the_field_and_save_nothing(client_for, org_a, second, changes, field):
    response = client_for("peer_leader").post("/helping/new/", staff_form(second, org_a.member, **changes))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not HelpingContact.objects.exists()


def test_helping_oneself_is_refused(client_for, org_a):
    response = client_for("peer_leader").post("/helping/new/", staff_form(org_a.member, org_a.member))
    assert "helped" in response.context["form"].errors
    with pytest.raises(ValueError):
        actions.log_helping(org_a.staff["peer_leader"], helper=org_a.member, helped=org_a.member, kind="phone",
                            minutes=10, date=days_ago(1))
    assert not HelpingContact.objects.exists()


def test_a_member_of_another_organisation_is_refused(client_for, org_a, org_b):
    response = client_for("peer_leader").post("/helping/new/", staff_form(org_b.member, org_a.member))
    assert "helper" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        actions.log_helping(org_a.staff["peer_leader"], helper=org_b.member, helped=org_a.member, kind="phone",
                            minutes=10, date=days_ago(1))
    assert not HelpingContact.objects.exists()


def test_researchers_cannot_log(org_a, second):
    with pytest.raises(PermissionDenied):
        actions.log_helping(org_a.staff["researcher"], helper=second, helped=org_a.member, kind="phone",
                            minutes=10, date=days_ago(1))


def test_the_list_shows_codes_and_never_notes(client_for, org_a, second):
    log_contact(org_a, second, org_a.member, note="私人細節")
    page = client_for("peer_leader").get("/helping/").content.decode()
    assert "A0002" in page and "A0001" in page
    assert "私人細節" not in page and second.name not in page


def test_notes_show_on_the_member_page_to_clinical_staff_only(client_for, org_a, second):
    log_contact(org_a, second, org_a.member, note="私人細節")
    assert "私人細節" in client_for("professional").get("/members/A0001/pathway/").content.decode()
    assert "私人細節" not in client_for("peer_leader").get("/members/A0001/pathway/").content.decode()


# -- the member portal ----------------------------------------------------------


@pytest.fixture
def mentee(org_a):
    """A0003, whom A0001 mentors."""
    member = MemberFactory(organization=org_a.org, code="A0003", name="陳小華", preferred_name="小華")
    CareTeamFactory(member=member, role="peer_mentor", professional=None, mentor=org_a.member,
                    assigned_by=org_a.users["coordinator"])
    return member


def own_form(helped, **changes) -> dict[str, object]:
    return {"helped": helped.pk, "kind": "phone", "minutes": "20", "date": days_ago(1).isoformat(), **changes}


def test_a_member_logs_help_given_to_their_mentee(portal, org_a, mentee, second):
    page = portal.get("/me/helping/")
    assert page.status_code == 200
    assert [label for _pk, label in page.context["form"].fields["helped"].choices[1:]] == ["小華"]
    assert portal.post("/me/helping/", own_form(mentee)).status_code == 302
    contact = HelpingContact.objects.get()
    assert (contact.helper, contact.helped, contact.logged_by, contact.logged_by_member) == (
        org_a.member, mentee, None, org_a.member)
    log = AccessLog.objects.get(event="pathway.helping_logged")
    assert log.actor.member_account.member == org_a.member


def test_a_member_cannot_log_help_for_anyone_else(portal, org_a, second, org_b):
    for other in (second, org_b.member):
        response = portal.post("/me/helping/", own_form(other))
        assert "helped" in response.context["form"].errors
    assert not HelpingContact.objects.exists()


def test_the_action_refuses_someone_not_offered(org_a, second):
    account, _client = portal_client_for(org_a.member, org_a.users["coordinator"])
    with pytest.raises(PermissionDenied):
        actions.log_own_helping(account, helped=second, allowed=set(), kind="phone", minutes=10, date=days_ago(1))


def test_group_co_members_can_be_chosen(portal, org_a, second):
    from peerpath.groups.models import PeerGroup, RosterEntry

    group = PeerGroup.objects.create(organization=org_a.org, name="週三就業支持團體", started_on=days_ago(60))
    for member in (org_a.member, second):
        RosterEntry.objects.create(organization=org_a.org, group=group, member=member, joined_on=days_ago(30))
    page = portal.get("/me/helping/")
    assert [pk for pk, _label in page.context["form"].fields["helped"].choices[1:]] == [second.pk]


def test_a_member_logs_only_recent_help(portal, mentee):
    response = portal.post("/me/helping/", own_form(mentee, date=days_ago(120).isoformat()))
    assert "date" in response.context["form"].errors
    assert not HelpingContact.objects.exists()


def test_the_portal_home_shows_role_and_hours(portal, org_a, mentee, second):
    log_contact(org_a, org_a.member, mentee, minutes=90, day=days_ago(5))
    log_contact(org_a, org_a.member, mentee, minutes=60, day=days_ago(150))
    log_contact(org_a, second, org_a.member, minutes=30, day=days_ago(2))
    page = portal.get("/me/").content.decode()
    assert "In the last 90 days you gave 1.5 hours of help and received 0.5 hours." in page
    assert "Since you joined: 2.5 given, 0.5 received." in page
    assert "Participant" in page


# -- hours and the functions other apps call ------------------------------------


def test_minutes_given_and_received_per_member(org_a, second, mentee, django_assert_num_queries):
    log_contact(org_a, org_a.member, mentee, minutes=45, day=days_ago(5))
    log_contact(org_a, org_a.member, second, minutes=15, day=days_ago(100))
    log_contact(org_a, second, org_a.member, minutes=30, day=days_ago(2))
    ids = [org_a.member.pk, second.pk, mentee.pk]
    with django_assert_num_queries(2):
        everything = selectors.helping_minutes(org_a.org.pk, ids)
    assert everything == {org_a.member.pk: (60, 30), second.pk: (30, 15), mentee.pk: (0, 45)}
    with django_assert_num_queries(2):
        recent = selectors.helping_minutes(org_a.org.pk, ids, since=days_ago(10))
    assert recent == {org_a.member.pk: (45, 30), second.pk: (30, 0), mentee.pk: (0, 45)}


def test_the_latest_help_received_per_member(org_a, org_b, second, mentee, django_assert_num_queries):
    log_contact(org_a, org_a.member, mentee, day=days_ago(9))
    log_contact(org_a, second, mentee, day=days_ago(3))
    log_contact(org_a, mentee, second, day=days_ago(7))
    log_contact(org_b, org_b.member, MemberFactory(organization=org_b.org, code="B0002"), day=days_ago(1))
    with django_assert_num_queries(1):
        latest = selectors.last_helping_received(org_a.org.pk, [org_a.member.pk, second.pk, mentee.pk])
    assert latest == {mentee.pk: days_ago(3), second.pk: days_ago(7)}
