"""The hope library: a member writes their work story, a coordinator reviews it,
members and staff read it under a pseudonym; withdrawing consent unpublishes it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog
from peerpath.members import actions as member_actions
from peerpath.pathway import actions, stories
from peerpath.pathway.models import Story
from peerpath.pathway.tests.conftest import (
    STORY_DATA,
    days_ago,
    make_story,
    portal_client_for,
    story_consent,
)


@pytest.fixture
def consent(org_a):
    return story_consent(org_a, org_a.member, given_on=days_ago(20))


def listed(client, url: str = "/me/stories/") -> list[str]:
    return [s.pseudonym for s in client.get(url).context["stories"]]


def test_a_member_writes_submits_and_a_coordinator_publishes(portal, coordinator, org_a, consent, second):
    assert portal.post("/me/story/", {**STORY_DATA, "action": "save"}).status_code == 302
    story = Story.objects.get()
    assert (story.status, story.pseudonym) == ("draft", "向日葵")
    portal.post("/me/story/", {**STORY_DATA, "action": "submit"})
    story.refresh_from_db()
    assert story.status == "submitted" and story.submitted_at is not None
    assert [s.pseudonym for s in coordinator.get("/stories/review/").context["stories"]] == ["向日葵"]
    assert coordinator.post(f"/stories/{story.pk}/review/", {"decision": "publish"}).status_code == 302
    story.refresh_from_db()
    assert (story.status, story.reviewed_by) == ("published", org_a.users["coordinator"])
    # another member of the organisation reads it in the portal, under the pseudonym only
    _account, reader = portal_client_for(second, org_a.users["coordinator"])
    assert listed(reader) == ["向日葵"]
    page = reader.get(f"/me/stories/{story.pk}/").content.decode()
    assert "向日葵" in page and "早餐店" in page
    assert org_a.member.name not in page and org_a.member.code not in page
    assert AccessLog.objects.filter(event="pathway.story_view", target_id=str(story.pk)).exists()
    assert AccessLog.objects.filter(event="pathway.story_reviewed").count() == 1


def test_stories_are_browsed_by_sector(portal, org_a, second):
    for member, sector, name in ((org_a.member, "food_service", "甲"), (second, "retail", "乙")):
        story_consent(org_a, member)
        make_story(org_a, member, sector=sector, pseudonym=name)
    assert sorted(listed(portal)) == ["乙", "甲"]
    assert listed(portal, "/me/stories/?sector=retail") == ["乙"]
    assert listed(portal, "/me/stories/?sector=nonsense") != []  # an unknown sector shows all


def test_without_consent_a_member_cannot_write(portal, org_a):
    page = portal.get("/me/story/")
    assert "first give your consent" in page.content.decode()
    portal.post("/me/story/", {**STORY_DATA, "action": "submit"})
    assert not Story.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.save_story(org_a.staff["coordinator"], org_a.member, STORY_DATA, submit=True)


@pytest.mark.parametrize("pseudonym", ["王小明A", "小明", "a0001"])
def test_the_pseudonym_is_not_the_writers_name_or_code(portal, org_a, consent, pseudonym):
    # org_a.member is called 王小明A with code A0001
    response = portal.post("/me/story/", {**STORY_DATA, "pseudonym": pseudonym, "action": "save"})
    assert "pseudonym" in response.context["form"].errors
    assert not Story.objects.exists()


@pytest.mark.parametrize("field", ["how_found", "what_helped", "what_was_hard", "advice", "sector", "recovery_stage"])
def test_every_part_of_the_story_is_asked_for(portal, consent, field):
    response = portal.post("/me/story/", {**STORY_DATA, field: "", "action": "submit"})
    assert field in response.context["form"].errors
    assert not Story.objects.exists()


def test_the_story_text_is_encrypted_at_rest(org_a, consent):
    from django.db import connection

    story = make_story(org_a, org_a.member)
    with connection.cursor() as cursor:
        cursor.execute("SELECT how_found, advice FROM pathway_story WHERE id = %s", [story.pk])
        how_found, advice = cursor.fetchone()
    assert "早餐店" not in how_found and "一步" not in advice


def test_returning_needs_a_note_the_member_then_reads(portal, coordinator, org_a, consent):
    story = make_story(org_a, org_a.member, status="submitted")
    response = coordinator.post(f"/stories/{story.pk}/review/", {"decision": "return", "note": " "})
    assert "note" in response.context["form"].errors
    coordinator.post(f"/stories/{story.pk}/review/", {"decision": "return", "note": "請拿掉店名"})
    story.refresh_from_db()
    assert story.status == "returned"
    assert "請拿掉店名" in portal.get("/me/story/").content.decode()


def test_only_a_submitted_story_is_reviewed(coordinator, org_a, consent):
    story = make_story(org_a, org_a.member, status="draft")
    page = coordinator.get(f"/stories/{story.pk}/review/")
    assert page.context["form"] is None
    coordinator.post(f"/stories/{story.pk}/review/", {"decision": "publish"})
    story.refresh_from_db()
    assert story.status == "draft"
    with pytest.raises(ValueError):
        actions.review_story(org_a.staff["coordinator"], story, publish=True)


def test_changing_a_published_story_takes_it_off_until_reviewed_again(portal, org_a, consent):
    story = make_story(org_a, org_a.member)
    portal.post("/me/story/", {**STORY_DATA, "advice": "別放棄", "action": "submit"})
    story.refresh_from_db()
    assert (story.status, story.advice) == ("submitted", "別放棄")
    assert story.unpublished_at is not None
    assert listed(portal) == []


def test_a_member_takes_their_story_down(portal, org_a, consent):
    story = make_story(org_a, org_a.member)
    assert portal.post("/me/story/", {"action": "take_down"}).status_code == 302
    story.refresh_from_db()
    assert story.status == "draft" and story.unpublished_at is not None
    assert listed(portal) == []


def test_staff_type_a_story_on_the_members_behalf(client_for, org_a, consent):
    client = client_for("professional")
    assert client.post("/members/A0001/pathway/story/", {**STORY_DATA, "action": "submit"}).status_code == 302
    assert Story.objects.get().status == "submitted"
    log = AccessLog.objects.get(event="pathway.story_changed")
    assert log.actor == org_a.users["professional"]


# -- consent ---------------------------------------------------------------------


def test_withdrawing_the_story_consent_unpublishes_at_once(client_for, portal, org_a, consent):
    story = make_story(org_a, org_a.member)
    assert listed(portal) == ["向日葵"]
    response = client_for("coordinator").post(f"/members/A0001/consents/{consent.pk}/withdraw/",
                                              {"withdrawn_on": days_ago(0).isoformat()})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == "withdrawn" and story.unpublished_at is not None
    assert listed(portal) == []
    assert portal.get(f"/me/stories/{story.pk}/").status_code == 404
    titles = [e.title for e in client_for("coordinator").get("/members/A0001/").context["timeline"]]
    assert "Work story taken off the hope library" in titles


def test_withdrawing_another_kind_of_consent_leaves_the_story(org_a, consent):
    from tests.factories import ConsentFactory

    story = make_story(org_a, org_a.member)
    research = ConsentFactory(member=org_a.member, kind="research", recorded_by=org_a.users["coordinator"])
    member_actions.withdraw_consent(org_a.staff["coordinator"], research, withdrawn_on=days_ago(0))
    story.refresh_from_db()
    assert story.status == "published"


def test_withdrawing_a_superseded_consent_leaves_the_story(org_a, consent):
    story = make_story(org_a, org_a.member)
    story_consent(org_a, org_a.member, given_on=days_ago(5), version="2026-2")
    member_actions.withdraw_consent(org_a.staff["coordinator"], consent, withdrawn_on=days_ago(0))
    story.refresh_from_db()
    assert story.status == "published"


def test_the_library_shows_a_story_only_while_the_consent_is_in_force(portal, client_for, org_a, consent):
    """Belt and braces: even if a withdrawal reached the database without the hook
    (an import, a fix by hand), the library no longer shows the story."""
    from peerpath.members.models import Consent

    story = make_story(org_a, org_a.member)
    Consent.objects.filter(pk=consent.pk).update(withdrawn_on=days_ago(0))
    assert list(stories.published_stories(org_a.org.pk)) == []
    assert listed(portal) == []
    assert client_for("peer_leader").get(f"/stories/{story.pk}/").status_code == 404
    Story.objects.filter(pk=story.pk).update(status="submitted")
    with pytest.raises(PermissionDenied):  # and it cannot be published again
        actions.review_story(org_a.staff["coordinator"], story, publish=True)


def test_another_organisations_stories_are_never_shown(portal, org_a, org_b):
    story_consent(org_b, org_b.member)
    theirs = make_story(org_b, org_b.member, pseudonym="別人")
    assert listed(portal) == []
    assert portal.get(f"/me/stories/{theirs.pk}/").status_code == 404


def test_staff_read_the_library_without_names(client_for, org_a, consent):
    story = make_story(org_a, org_a.member)
    for role in ("peer_leader", "professional"):
        page = client_for(role).get("/stories/").content.decode()
        assert "向日葵" in page and org_a.member.name not in page
        detail = client_for(role).get(f"/stories/{story.pk}/").content.decode()
        assert org_a.member.name not in detail and "A0001" not in detail
