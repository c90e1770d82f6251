"""Member portal accounts: a member signs in to see their own questionnaires and progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.members.models import Member
from peerpath.tenancy.models import TenantModel


class MemberAccount(TenantModel):
    """Links a sign-in (a Django user without any staff membership) to one member.
    Such a user reaches the portal pages only, and only their own data."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="account")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_account")
    is_active = models.BooleanField(_("account enabled"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member portal account")

    def __str__(self) -> str:
        return f"portal account of {self.member_id}"
