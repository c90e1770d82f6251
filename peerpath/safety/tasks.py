"""Background task of the safety app: escalating overdue follow-ups, every five
minutes (enqueued by ``peerpath tasks enqueue-periodic``; ``peerpath safety
escalate`` does the same at once)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from peerpath.measures.models import FlagKind, ResultFlag
from peerpath.safety.actions import escalate_overdue, open_follow_ups


def escalate() -> tuple[int, int]:
    """Open a follow-up for any safety answer that has none, then escalate every
    follow-up past its due time (once each: a conditional update, so several runs
    at once e-mail its coordinators once). Returns (opened, escalated)."""
    missing = (
        ResultFlag.objects.filter(kind=FlagKind.SAFETY, followed_up_at__isnull=True,
                                  administration__safety_follow_up__isnull=True)
        .values_list("organization_id", "administration_id")
    )
    by_org: dict[int, list[int]] = {}
    for organization_id, administration_id in missing:
        by_org.setdefault(organization_id, []).append(administration_id)
    opened = 0
    for organization_id, ids in sorted(by_org.items()):
        with transaction.atomic():
            opened += len(open_follow_ups(organization_id, ids))
    return opened, escalate_overdue()


@task()
def escalate_safety() -> list[int]:
    opened, escalated = escalate()
    return [opened, escalated]
