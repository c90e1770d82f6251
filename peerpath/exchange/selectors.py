"""Scoped reads of imports: the acting organisation's only (404 for any other)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from peerpath.exchange.models import ImportBatch
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def batches(membership: Membership) -> QuerySet[ImportBatch]:
    """The organisation's imports, newest first, with who brought each in."""
    require(membership, Perm.DATA_IMPORT)
    return ImportBatch.objects.for_org(membership.organization).select_related("created_by").order_by(
        "-created_at", "-pk"
    )


def get_batch(membership: Membership, pk: int) -> ImportBatch:
    """One import of the acting organisation (404 for any other)."""
    require(membership, Perm.DATA_IMPORT)
    try:
        return ImportBatch.objects.for_org(membership.organization).select_related("created_by").get(pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404("No such import") from None


def earlier_imports_of(batch: ImportBatch) -> list[ImportBatch]:
    """Committed imports of the same file in the same organisation (a re-import)."""
    return list(
        ImportBatch.objects.filter(organization_id=batch.organization_id)
        .filter(file_sha256=batch.file_sha256, state="committed")
        .exclude(pk=batch.pk)
        .order_by("-committed_at")[:3]
    )
