"""Writes of the member portal, each with its audit entry."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.actions import token_hash
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.models import Administration, AdministrationStatus, Mode
from peerpath.members import rules
from peerpath.members.models import Member
from peerpath.portal.models import MemberAccount
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


@transaction.atomic(durable=True)
def create_account(membership: Membership, member: Member, request: HttpRequest | None = None) -> tuple[MemberAccount, str]:
    """A portal sign-in for the member; returns the account and the path of a
    one-time link on which the member chooses a password."""
    require(membership, Perm.MEMBER_EDIT)
    username = portal_username(membership.organization.slug, member.code)
    # Any user of any organisation may already have the name (a staff user, or another
    # organisation's "a-b" + "c" against "a" + "b-c"): a clear message, never a 500.
    if (broken := rules.username_taken(username)) is not None:
        raise broken.error()
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=username)
    except IntegrityError:  # taken between the check and the insert
        raise rules.username_taken(username).error() from None  # type: ignore[union-attr]
    user.set_unusable_password()
    user.save(update_fields=["password"])
    account = MemberAccount.objects.create(
        organization=membership.organization, member=member, user=user, created_by=membership.user
    )
    audit.record_by(membership, Event.PORTAL_ACCOUNT_CREATED, target=member, request=request)
    return account, password_link(account)


def portal_username(slug: str, code: str) -> str:
    """The user name of a member's portal account: the organisation's slug and the code."""
    return f"{slug}-{code}".lower()


def password_link(account: MemberAccount) -> str:
    uid = urlsafe_base64_encode(force_bytes(account.user_id))
    return f"/account/reset/{uid}/{default_token_generator.make_token(account.user)}/"


@durable_action
def start_questionnaire(account: MemberAccount, instrument_id: str, request: HttpRequest | None = None) -> str:
    """Begin a questionnaire the member chose in the portal, or resume the one of that
    instrument they left part-way (open, not expired); returns the token of its
    one-question-per-screen page (the same pages as a self-report link), which opens
    at the first unanswered question. Only a token's hash is stored, so a resumed
    questionnaire gets a fresh token (the old link stops working) and a fresh expiry."""
    instrument = get_instrument(instrument_id)
    # one portal questionnaire per instrument even when the member taps twice at once
    list(Member.objects.select_for_update().filter(pk=account.member_id).values_list("pk", flat=True))
    now = timezone.now()
    token = secrets.token_urlsafe(24)
    expires = now + dt.timedelta(hours=settings.PEERPATH_LINK_HOURS)
    resumed = (
        Administration.objects.for_org(account.organization)
        .filter(member_id=account.member_id, instrument_id=instrument.id, mode=Mode.PORTAL,
                status__in=[AdministrationStatus.PENDING, AdministrationStatus.IN_PROGRESS],
                link_expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if resumed is not None:
        resumed.link_token_hash = token_hash(token)
        resumed.link_expires_at = expires
        resumed.save(update_fields=["link_token_hash", "link_expires_at"])
    else:
        Administration.objects.create(
            organization_id=account.organization_id, member=account.member, instrument_id=instrument.id,
            instrument_version=instrument.version, mode=Mode.PORTAL, status=AdministrationStatus.PENDING,
            language=account.member.preferred_language, link_token_hash=token_hash(token), link_expires_at=expires,
        )
    extra: dict[str, object] = {"instrument": instrument.id}
    if resumed is not None:
        extra["resumed"] = resumed.pk
    audit.record(
        Event.PORTAL_ANSWER_STARTED, actor=account.user, organization=account.organization,
        target=account.member, request=request, extra=extra,
    )
    return token
