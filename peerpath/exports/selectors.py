"""Scoped reads of export jobs: which exports each role may see.

Researchers see their own research exports, coordinators every research export of
the organisation, administrators every export (they may download any, and only
they request identifiable ones). Another organisation's export, or one the role
may not see, answers 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from peerpath.exports.models import ExportJob, ExportKind, ResearchProject
from peerpath.tenancy.models import Membership, Role
from peerpath.tenancy.policy import Perm, can


def require_export_role(membership: Membership) -> None:
    """403 unless the role may make some kind of export."""
    if not (can(membership, Perm.EXPORT_RESEARCH) or can(membership, Perm.EXPORT_IDENTIFIABLE)):
        raise PermissionDenied("no export capability")


def visible_jobs(membership: Membership) -> QuerySet[ExportJob]:
    require_export_role(membership)
    qs = ExportJob.objects.for_org(membership.organization).select_related("project", "requested_by")
    if can(membership, Perm.EXPORT_IDENTIFIABLE):
        return qs
    qs = qs.filter(kind=ExportKind.RESEARCH)
    if membership.role == Role.RESEARCHER:
        qs = qs.filter(requested_by=membership.user)
    return qs


def get_job(membership: Membership, pk: int) -> ExportJob:
    try:
        return visible_jobs(membership).get(pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404("No such export") from None


def projects(membership: Membership) -> QuerySet[ResearchProject]:
    return ResearchProject.objects.for_org(membership.organization).order_by("name")
