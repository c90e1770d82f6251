"""Background tasks of the alerts app: recomputing every organisation's alerts
(every 15 minutes) and the e-mail digest (weekday mornings), both enqueued by
``peerpath tasks enqueue-periodic`` and run by ``peerpath worker``."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from peerpath.alerts.compute import compute_alerts
from peerpath.alerts.digest import send_digests
from peerpath.tenancy.models import Organization


def compute_every_organisation(slug: str | None = None) -> list[tuple[str, int, int, int]]:
    """Compute the alerts of every organisation (or one), each in its own
    transaction; returns (slug, raised, cleared, open) per organisation."""
    today = timezone.localdate()
    orgs = Organization.objects.order_by("pk")
    done = []
    for org in orgs.filter(slug=slug) if slug else orgs:
        result = compute_alerts(org, today)
        done.append((org.slug, result.raised, result.cleared, result.open))
    return done


@task()
def recompute_alerts() -> int:
    """Every organisation's alerts (safe to run again: a computation is idempotent).
    Returns the number of alerts open."""
    return sum(row[3] for row in compute_every_organisation())


@task()
def recompute_member_alerts(organization_id: int, member_ids: list[int]) -> int:
    """The alerts of these members of one organisation, after a write that concerned
    too many of them to refresh within its request (``alerts.triggers``). Safe to
    run again. Returns the organisation's alerts open."""
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:  # deleted since
        return 0
    return compute_alerts(org, timezone.localdate(), member_ids=set(member_ids)).open


@task()
def send_alert_digests() -> int:
    """Compute, then e-mail each staff member of each organisation a digest of their
    open alerts, with links to ``PEERPATH_BASE_URL``. Returns the e-mails sent."""
    compute_every_organisation()
    sent = 0
    for org in Organization.objects.order_by("pk"):
        ok, _failed = send_digests(org, settings.PEERPATH_BASE_URL, settings.LANGUAGE_CODE)
        sent += ok
    return sent
