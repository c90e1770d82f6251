"""Login, logout and failed-login events go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event


def _org_of(user: Any) -> Any:
    membership = user.memberships.filter(is_active=True).select_related("organization").first()
    return membership.organization if membership else None


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record(Event.LOGIN, actor=user, organization=_org_of(user), request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(Event.LOGOUT, actor=user, organization=_org_of(user), request=request)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    audit.record(
        Event.LOGIN_FAILED,
        actor=None,
        organization=None,
        request=request,
        extra={"username": str(credentials.get("username", ""))[:150]},
    )
