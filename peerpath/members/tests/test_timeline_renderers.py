"""The timeline keeps each source's ``render`` per language, made once for a
stand-in member: no ``render`` may depend on the member its provider was called
with, and entries must come out in the viewer's language and for the member shown."""

from __future__ import annotations

import datetime as dt
import types
from typing import Any

import pytest
from django.utils import timezone, translation

from peerpath.members import timeline
from peerpath.members.models import Member
from tests.factories import MemberFactory, StageChangeFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _captured(fn: Any, seen: set[int]) -> list[Any]:
    """Every value a function's closure holds, following closures of closures."""
    if id(fn) in seen:
        return []
    seen.add(id(fn))
    found = []
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        found.append(value)
        if isinstance(value, types.FunctionType):
            found += _captured(value, seen)
    return found


def test_no_render_function_holds_the_member_it_was_made_for():
    member = Member(pk=123_456, organization_id=654_321)
    for provider in timeline._providers:
        for source in provider(member):
            held = _captured(source.render, set())
            assert not any(isinstance(v, Member) for v in held), source.name


def test_renderers_are_kept_per_language():
    with translation.override("en"):
        en = timeline._renderers()
    with translation.override("zh-hant"):
        zh = timeline._renderers()
    assert en is not zh
    with translation.override("en"):
        assert timeline._renderers() is en


def _titles(client, kind: str, code: str = "A0001") -> list[str]:
    response = client.get(f"/members/{code}/")
    assert response.status_code == 200
    return [e.title for e in response.context["timeline"] if e.kind == kind]


def test_entries_come_in_the_viewers_language(coordinator, org_a):
    StageChangeFactory(member=org_a.member, stage="rebuilding", changed_on=days_ago(3))
    assert _titles(coordinator, "stage.changed") == ["Recovery stage: Rebuilding"]
    assert coordinator.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"}).status_code == 302
    zh = _titles(coordinator, "stage.changed")
    assert len(zh) == 1 and zh[0] != "Recovery stage: Rebuilding"
    assert coordinator.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert _titles(coordinator, "stage.changed") == ["Recovery stage: Rebuilding"]


@pytest.mark.django_db
def test_feedback_and_helping_entries_name_the_other_member_from_each_side(coordinator, org_a):
    """Both entries depend on whose timeline it is: from the row's member id."""
    from peerpath.groups.models import FeedbackNote, PeerGroup, Session
    from peerpath.pathway.models import HelpingContact

    other = MemberFactory(organization=org_a.org, code="A0002")
    group = PeerGroup.objects.create(organization=org_a.org, name="G", started_on=days_ago(30))
    session = Session.objects.create(organization=org_a.org, group=group, date=days_ago(2),
                                     recorded_by=org_a.users["peer_leader"])
    FeedbackNote.objects.create(organization=org_a.org, session=session, giver=org_a.member, receiver=other,
                                note="x")
    HelpingContact.objects.create(organization=org_a.org, helper=org_a.member, helped=other, kind="phone",
                                  minutes=20, date=days_ago(1), logged_by=org_a.users["peer_leader"])
    assert _titles(coordinator, "group.feedback") == ["Gave here-and-now feedback to A0002 in G"]
    assert _titles(coordinator, "group.feedback", "A0002") == [
        f"Received here-and-now feedback from {org_a.member.code} in G"]
    assert _titles(coordinator, "pathway.helping") == ["Helped A0002: Phone call, 20 min"]
    assert _titles(coordinator, "pathway.helping", "A0002") == [f"Helped by {org_a.member.code}: Phone call, 20 min"]
