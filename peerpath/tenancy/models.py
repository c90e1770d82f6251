"""Organisations (tenants) and staff memberships with a role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Organization(models.Model):
    name = models.CharField(_("organisation name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    PROFESSIONAL = "professional", _("Professional")
    PEER_LEADER = "peer_leader", _("Peer leader")
    RESEARCHER = "researcher", _("Researcher")


class Discipline(models.TextChoices):
    NONE = "", _("—")
    OCCUPATIONAL_THERAPIST = "ot", _("Occupational therapist")
    EMPLOYMENT_SPECIALIST = "es", _("Employment specialist")
    SOCIAL_WORKER = "sw", _("Social worker")
    NURSE = "nurse", _("Nurse")
    PEER_SPECIALIST = "peer", _("Peer specialist")


class TenantQuerySet(models.QuerySet):
    """Every read of a tenant-owned model starts from ``for_org``."""

    def for_org(self, organization: Organization | int) -> TenantQuerySet:
        return self.filter(organization=organization)


class TenantModel(models.Model):
    """Base for every row that belongs to an organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(models.Model):
    """A staff user's role in one organisation (a user may belong to several)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    discipline = models.CharField(_("discipline"), max_length=10, choices=Discipline.choices, blank=True)
    is_active = models.BooleanField(_("account enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: Any = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @classmethod
    def stand_in(cls, organization_id: int, role: str, user_id: int | None = None) -> Membership:
        """An unsaved membership of ``role``, to build a query once per role
        (``members.precompiled``): the policy reads only the role, the organisation
        and, where a query names them, the user."""
        viewer = cls(organization=Organization(pk=organization_id), role=role, is_active=True)
        viewer.user_id = user_id  # type: ignore[assignment]  # None: no user (the query does not name one)
        return viewer

    @property
    def staff_user(self) -> User:
        return self.user

    @property
    def role_label(self) -> str:
        """``get_role_display()`` (the layout shows it on every page) without
        translating every role's label to find this one's."""
        try:
            return str(Role(self.role).label)
        except ValueError:
            return self.role  # as get_role_display() shows a value that is not a role


def display_name(user: Any) -> str:
    """A staff user's name as shown in the UI."""
    full = f"{user.last_name}{user.first_name}".strip() if _is_cjk_name(user) else user.get_full_name()
    return full or user.get_username()


def _is_cjk_name(user: Any) -> bool:
    text = f"{user.last_name}{user.first_name}"
    return bool(text) and all("\u4e00" <= c <= "\u9fff" for c in text)
