"""Helpers shared by the pathway tests (the org/role fixtures are in the root conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.pathway.models import HelpingContact, Story
from peerpath.portal.models import MemberAccount
from tests.factories import ConsentFactory, MemberFactory, UserFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def portal_client_for(member, created_by) -> tuple[MemberAccount, Client]:
    """A member signed in to the portal."""
    user = UserFactory(username=f"portal-{member.code.lower()}-{member.organization_id}")
    account = MemberAccount.objects.create(organization=member.organization, member=member, user=user,
                                           created_by=created_by)
    client = Client()
    client.force_login(user)
    return account, client


@pytest.fixture
def portal(org_a) -> Client:
    """Org A's member A0001, signed in to the portal."""
    return portal_client_for(org_a.member, org_a.users["coordinator"])[1]


@pytest.fixture
def second(org_a):
    """Another member of organisation A (A0002)."""
    return MemberFactory(organization=org_a.org, code="A0002", name="林大同")


def log_contact(tenant, helper, helped, day: dt.date | None = None, minutes: int = 30, **fields) -> HelpingContact:
    return HelpingContact.objects.create(
        organization=tenant.org, helper=helper, helped=helped, kind=fields.pop("kind", "meeting"), minutes=minutes,
        date=day or days_ago(1), logged_by=tenant.users["peer_leader"], **fields,
    )


def story_consent(tenant, member, **fields):
    return ConsentFactory(member=member, kind="story", recorded_by=tenant.users["coordinator"], **fields)


STORY_DATA = {
    "pseudonym": "向日葵", "sector": "food_service", "recovery_stage": "rebuilding",
    "how_found": "就服員陪我找到早餐店的工作。", "what_helped": "每週的同儕團體。",
    "what_was_hard": "一開始很緊張。", "advice": "一步一步來。",
}


def make_story(tenant, member, status: str = "published", **fields) -> Story:
    data = {**STORY_DATA, **fields}
    return Story.objects.create(
        organization=tenant.org, member=member, status=status,
        published_at=timezone.now() if status == "published" else None, **data,
    )
