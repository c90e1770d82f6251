"""Personal API tokens: one person's key to the REST API in one organisation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.tenancy.models import TenantModel


class ApiToken(TenantModel):
    """A token carries the organisation it was created in and acts as its user's
    membership there, with exactly the rights that membership has on pages.
    Only a hash of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("token prefix"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} (pp_{self.prefix}_…)"

    def is_usable(self, now: dt.datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and self.expires_at > now

    def state(self, now: dt.datetime) -> str:
        """``active``, ``revoked`` or ``expired`` (for the token list)."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > now else "expired"
