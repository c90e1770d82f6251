"""Group pages as each role sees them, and the one-page session recording."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.groups.models import (
    Attendance,
    CriticalIncident,
    FeedbackNote,
    IncidentCoding,
    Norm,
    RosterEntry,
    Session,
)
from peerpath.groups.tests.conftest import days_ago, make_group


def recording_post(g, day=None, **overrides) -> dict[str, str]:
    """The session page as submitted: everyone present but the third member (late),
    the first norm upheld, one feedback note and one incident."""
    day = day or days_ago(1)
    data = {
        "s-date": day.isoformat(), "s-theme": "和主管溝通",
        "att-TOTAL_FORMS": str(len(g.members)), "att-INITIAL_FORMS": str(len(g.members)),
        "norm-TOTAL_FORMS": str(len(g.norms)), "norm-INITIAL_FORMS": str(len(g.norms)),
        "fb-TOTAL_FORMS": "3", "fb-INITIAL_FORMS": "0",
        "inc-TOTAL_FORMS": "3", "inc-INITIAL_FORMS": "0",
    }
    for i, m in enumerate(g.members):
        data[f"att-{i}-member"] = str(m.pk)
        data[f"att-{i}-status"] = "late" if i == 2 else "present"
    for i, n in enumerate(g.norms):
        data[f"norm-{i}-norm"] = str(n.pk)
        data[f"norm-{i}-observation"] = "upheld" if i == 0 else ""
    data.update({"fb-0-giver": str(g.members[0].pk), "fb-0-receiver": str(g.members[1].pk), "fb-0-note": "說得很清楚"})
    data.update({"inc-0-member": str(g.members[1].pk), "inc-0-text": "大家都有一樣的緊張"})
    data.update(overrides)
    return data


def test_a_peer_leader_sees_only_the_groups_they_facilitate(client_for, org_a, group_a):
    other = make_group(org_a, name="求職加油站", peer_leader=False)
    other.group.co_facilitator = None
    other.group.save()
    leader = client_for("peer_leader")
    response = leader.get("/groups/")
    assert [g.name for g in response.context["groups"]] == ["職場續航團體"]
    assert leader.get(f"/groups/{other.group.pk}/").status_code == 404
    assert leader.get(f"/groups/{other.group.pk}/sessions/new/").status_code == 404
    assert client_for("coordinator").get(f"/groups/{other.group.pk}/").status_code == 200


def test_a_peer_leader_does_not_see_the_group_climate(client_for, group_a):
    assert client_for("peer_leader").get(f"/groups/{group_a.group.pk}/").context["climate"] is None
    assert client_for("professional").get(f"/groups/{group_a.group.pk}/").context["climate"] is not None


def test_the_session_page_lists_the_roster_with_present_preselected(client_for, group_a):
    response = client_for("peer_leader").get(f"/groups/{group_a.group.pk}/sessions/new/")
    html = response.content.decode()
    assert html.count('value="present"') == 4 and html.count("checked") == 4 + 2 + 2  # + two facilitators, two norms "not noted"
    page = response.context["page"]
    assert [f["status"].value() for f in page.attendance.forms] == ["present"] * 4
    assert [m.code for m, _f in page.attendance_rows()] == sorted(m.code for m in group_a.members)


def test_a_peer_leader_records_a_whole_session_in_one_post(client_for, group_a):
    response = client_for("peer_leader").post(f"/groups/{group_a.group.pk}/sessions/new/", recording_post(group_a))
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/groups/{group_a.group.pk}/sessions/{session.pk}/"
    assert dict(Attendance.objects.values_list("member_id", "status")) == {
        m.pk: "late" if i == 2 else "present" for i, m in enumerate(group_a.members)
    }
    assert session.norm_observations.get().norm == group_a.norms[0]
    assert FeedbackNote.objects.get().note == "說得很清楚"
    assert CriticalIncident.objects.get().member == group_a.members[1]


@pytest.mark.parametrize("overrides,message", [
    ({"fb-1-note": "只有內容"}, "Feedback note 2: Giver: choose who gave the feedback"),
    ({"fb-1-giver": "999999", "fb-1-receiver": "1", "fb-1-note": "x"}, "Feedback note 2: Giver: must be a member on the roster"),
    ({"inc-2-text": "沒有寫是誰"}, "Critical incident 3: Member: choose the member who wrote it"),
    ({"att-1-status": "away"}, "Attendance row 2: "),
])
def test_errors_name_the_row_and_nothing_is_saved(client_for, group_a, overrides, message):
    response = client_for("peer_leader").post(f"/groups/{group_a.group.pk}/sessions/new/",
                                              recording_post(group_a, **overrides))
    assert response.status_code == 200
    assert any(message in text for _id, text in response.context["page"].row_errors), response.context["page"].row_errors
    assert message.split(":")[0] in response.content.decode()
    assert not Session.objects.exists() and not Attendance.objects.exists() and not CriticalIncident.objects.exists()


def test_an_incident_of_a_member_marked_absent_is_refused_by_row(client_for, group_a):
    data = recording_post(group_a, **{"att-1-status": "absent"})
    response = client_for("peer_leader").post(f"/groups/{group_a.group.pk}/sessions/new/", data)
    assert any("Critical incident 1: Member: the member must be marked present or late" in t
               for _i, t in response.context["page"].row_errors)
    assert not Session.objects.exists()


def test_a_changed_roster_is_caught_before_saving(client_for, org_a, group_a):
    data = recording_post(group_a)
    RosterEntry.objects.filter(member=group_a.members[3]).update(left_on=days_ago(5))
    response = client_for("peer_leader").post(f"/groups/{group_a.group.pk}/sessions/new/", data)
    assert response.context["page"].page_errors
    assert not Session.objects.exists()


def test_researchers_and_members_get_nothing(client_for, group_a):
    assert client_for("researcher").get(f"/groups/{group_a.group.pk}/").status_code == 403
    assert client_for("researcher").get("/groups/").status_code == 403


def test_a_peer_leader_changes_roster_and_norms_of_their_group_but_not_the_group(client_for, org_a, group_a):
    from tests.factories import MemberFactory

    leader = client_for("peer_leader")
    newcomer = MemberFactory(organization=org_a.org, code="A0100")
    response = leader.post(f"/groups/{group_a.group.pk}/roster/",
                           {"action": "add", "member": newcomer.pk, "joined_on": days_ago(0).isoformat()})
    assert response.status_code == 302 and RosterEntry.objects.filter(member=newcomer).exists()
    response = leader.post(f"/groups/{group_a.group.pk}/norms/", {
        "action": "propose", "text": "準時開始", "proposed_by": "團體", "proposed_on": days_ago(0).isoformat(),
        "agreed": "on"})
    assert response.status_code == 302 and Norm.objects.get(text="準時開始").state == "agreed"
    assert leader.get(f"/groups/{group_a.group.pk}/edit/").status_code == 403


def test_a_roster_form_error_names_the_field(client_for, group_a):
    response = client_for("peer_leader").post(f"/groups/{group_a.group.pk}/roster/",
                                              {"action": "add", "member": "", "joined_on": "2999-01-01"})
    form = response.context["add_form"]
    assert "member" in form.errors and "joined_on" in form.errors


def test_the_group_page_shows_the_factor_profile_and_attendance(client_for, org_a, group_a):
    client = client_for("peer_leader")
    client.post(f"/groups/{group_a.group.pk}/sessions/new/", recording_post(group_a))
    incident = CriticalIncident.objects.get()
    response = client.post(f"/groups/{group_a.group.pk}/incidents/{incident.pk}/code/", {"factors": ["universality"]})
    assert response.status_code == 302
    assert IncidentCoding.objects.get().factors == ["universality"]
    page = client.get(f"/groups/{group_a.group.pk}/")
    profile = page.context["profile"]
    assert profile["latest"].shares["universality"] == 1.0
    month, attended, expected, rate = page.context["attendance"]["rows"][0]
    assert (attended, expected, rate) == (4, 4, 1.0)
    html = page.content.decode()
    assert "<svg" in html and "Universality" in html


def test_a_coding_without_factors_names_the_field(client_for, org_a, group_a):
    client = client_for("coordinator")
    client.post(f"/groups/{group_a.group.pk}/sessions/new/", recording_post(group_a))
    incident = CriticalIncident.objects.get()
    response = client.post(f"/groups/{group_a.group.pk}/incidents/{incident.pk}/code/", {"factors": []})
    assert "factors" in response.context["form"].errors
    assert not IncidentCoding.objects.exists()


def test_a_member_sees_only_their_own_reflections(org_a, group_a):
    from django.test import Client

    from peerpath.groups import actions
    from peerpath.groups.actions import IncidentInput, SessionInput
    from peerpath.portal.models import MemberAccount
    from tests.factories import UserFactory

    client = Client()
    actions.record_session(org_a.staff["peer_leader"], group_a.group, SessionInput(
        date=days_ago(1), theme="", facilitators=[], attendance={m.pk: "present" for m in group_a.members},
        observations=[], feedback=[],
        incidents=[IncidentInput(group_a.members[0], "我的反思"), IncidentInput(group_a.members[1], "別人的反思")],
    ))
    user = UserFactory(username="member_reflections")
    MemberAccount.objects.create(organization=org_a.org, member=group_a.members[0], user=user,
                                 created_by=org_a.users["coordinator"])
    client.force_login(user)
    html = client.get("/me/groups/reflections/").content.decode()
    assert "我的反思" in html and "別人的反思" not in html and group_a.group.name in html
    home = client.get("/me/").content.decode()
    assert group_a.group.name in home and "/me/groups/reflections/" in home


# -- the date in the one form -----------------------------------------------------------


def test_the_date_saved_is_the_date_in_the_form(client_for, group_a):
    """Typing another date without showing that day's roster saves that date (the
    roster is the same), not the day the page was opened for."""
    url = f"/groups/{group_a.group.pk}/sessions/new/"
    client = client_for("peer_leader")
    page = client.get(url, {"date": days_ago(1).isoformat()}).content.decode()
    assert 'type="date" name="s-date"' in page
    response = client.post(url, recording_post(group_a, day=days_ago(3), **{"s-shown": days_ago(1).isoformat()}))
    assert response.status_code == 302
    assert Session.objects.get().date == days_ago(3)


def test_a_date_whose_roster_differs_is_not_saved_and_shows_that_days_roster(client_for, org_a, group_a):
    RosterEntry.objects.filter(member=group_a.members[3]).update(joined_on=days_ago(2))
    url = f"/groups/{group_a.group.pk}/sessions/new/"
    response = client_for("peer_leader").post(
        url, recording_post(group_a, day=days_ago(5), **{"s-shown": days_ago(1).isoformat()}))
    assert response.status_code == 200 and not Session.objects.exists()
    errors = response.context["page"].page_errors
    assert any(days_ago(5).isoformat() in e and days_ago(1).isoformat() in e for e in errors), errors
    assert len(response.context["page"].attendance.forms) == 3
    assert f'name="s-shown" value="{days_ago(5).isoformat()}"' in response.content.decode()


def test_show_the_roster_of_that_day_saves_nothing_and_opens_that_day(client_for, group_a):
    url = f"/groups/{group_a.group.pk}/sessions/new/"
    response = client_for("peer_leader").post(url, {**recording_post(group_a, day=days_ago(4)), "show_roster": "1"})
    assert response.status_code == 302 and response["Location"] == f"{url}?date={days_ago(4).isoformat()}"
    assert not Session.objects.exists()


def _weekday_ago(weekday: int, min_days: int = 1):
    day = days_ago(min_days)
    while day.weekday() != weekday:
        day -= dt.timedelta(days=1)
    return day


def test_a_day_the_group_does_not_meet_is_warned_about_not_refused(client_for, group_a):
    """The group meets on Wednesdays (每週三); a Thursday session is saved with a warning."""
    url = f"/groups/{group_a.group.pk}/sessions/new/"
    client = client_for("peer_leader")
    thursday, wednesday = _weekday_ago(3), _weekday_ago(2)
    assert "this group meets on Wednesday" in client.get(url, {"date": thursday.isoformat()}).content.decode()
    assert "this group meets on" not in client.get(url, {"date": wednesday.isoformat()}).content.decode()
    response = client.post(url, recording_post(group_a, day=thursday), follow=True)
    assert Session.objects.get().date == thursday
    assert any("this group meets on Wednesday" in str(m) for m in response.context["messages"])


def test_saving_from_a_list_returns_to_it(client_for, group_a):
    url = f"/groups/{group_a.group.pk}/sessions/new/"
    response = client_for("peer_leader").post(url, {**recording_post(group_a), "next": "/dashboard/#group-1"})
    assert response["Location"] == "/dashboard/#group-1"


def test_the_save_button_sits_in_a_summary_bar(client_for, group_a):
    page = client_for("peer_leader").get(f"/groups/{group_a.group.pk}/sessions/new/").content.decode()
    bar = page[page.index('class="actions form-bar"'):]
    assert "4 members on the roster" in bar[:600] and "Save the session" in bar[:800]
