"""Alerts follow the records: a write that can raise or clear an alert brings
the alerts of the members it concerns up to date when its transaction commits.

So a professional who logs a workplace visit, or records a job ending, sees the
alert appear or clear at once; the periodic task (`peerpath.alerts.tasks.recompute_alerts`,
every 15 minutes) still runs for what changes with the passing of time alone (14 days without contact, a questionnaire
becoming overdue). Writes of one transaction are gathered: a session's
attendance for fifteen members refreshes those fifteen once. A write that
concerns more than ``PEERPATH_ALERTS_SYNC_MEMBERS`` members of an organisation
(an import, a bulk update) does not make its request wait: their refresh is
queued as a task (``recompute_member_alerts``) for a background worker.

A write that only some rules read refreshes only those rules' alerts (``FEEDS``): a
questionnaire completed on a phone brings its member's questionnaire alerts (safety,
deterioration, overdue) up to date without reading their jobs, contacts,
attendance and the organisation's helping network again. What the other rules
find changes only by other writes (which refresh every rule) or with time (the
periodic task).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from peerpath.alerts import rules
from peerpath.members import precompiled

_local = threading.local()

# model label → the member fields of a row that an alert rule reads about
WATCHED: dict[str, tuple[str, ...]] = {
    "employment.Job": ("member_id",),
    "employment.JobEnding": ("job__member_id",),
    "employment.SupportContact": ("member_id",),
    "groups.Attendance": ("member_id",),
    "pathway.HelpingContact": ("helper_id", "helped_id"),
    "members.CareTeamAssignment": ("member_id",),
    "members.Member": ("id",),
    "measures.Administration": ("member_id",),
    "measures.ResultFlag": ("member_id",),
}
# Rows whose saves concern the rules only in some states: a self-report saves each
# answer as the member goes, but only a completed questionnaire changes what is due.
RELEVANT: dict[str, Callable[[Any], bool]] = {
    "measures.Administration": lambda row: row.status == "completed",
}
# model label → the rules that read its rows, for those that not every rule reads
# (the others refresh every rule). A questionnaire completed raises its flags
# (safety, deterioration) with a bulk insert, which sends no signal: its own save
# stands for them.
_FLAG_RULES = frozenset({rules.SAFETY, rules.DETERIORATION})
FEEDS: dict[str, frozenset[str]] = {
    "measures.Administration": _FLAG_RULES | {rules.OVERDUE},
    "measures.ResultFlag": _FLAG_RULES,
}


def _members_of(instance: Any, fields: Iterable[str]) -> set[int]:
    found = set()
    for name in fields:
        if name == "job__member_id":
            value = getattr(getattr(instance, "job", None), "member_id", None)
        else:
            value = getattr(instance, name, None)
        if value is not None:
            found.add(value)
    return found


@dataclass
class _Refresh:
    """What an organisation's refresh covers: members, and rules (None: every rule)."""

    members: set[int] = field(default_factory=set)
    rule_ids: set[str] | None = field(default_factory=set)

    def add(self, members: Iterable[int], rule_ids: Iterable[str] | None) -> None:
        self.members.update(members)
        if rule_ids is None or self.rule_ids is None:
            self.rule_ids = None
        else:
            self.rule_ids.update(rule_ids)


def _pending() -> dict[int, _Refresh]:
    if getattr(_local, "pending", None) is None:
        _local.pending = defaultdict(_Refresh)
    pending: dict[int, _Refresh] = _local.pending
    return pending


def forget_pending() -> None:
    """Drop what has been gathered and not yet refreshed (the writes of a transaction
    that was rolled back): for tests, each of which runs in a transaction rolled back
    at its end, so that one test's writes are not refreshed by the next test's commit."""
    _local.pending = None


def refresh_pending() -> None:
    """Recompute the alerts of the members gathered so far (one run per organisation)."""
    from peerpath.alerts.compute import compute_alerts
    from peerpath.tenancy.models import Organization

    pending, _local.pending = _pending(), None
    if not pending:
        return
    today = timezone.localdate()
    if len(pending) == 1:  # most writes concern one organisation: its read is compiled once
        (only,) = pending
        organizations = precompiled.objects(("alerts.organization",), _organization, {"pk": only}, prepared=True)
    else:
        organizations = list(Organization.objects.filter(pk__in=list(pending)))
    for org in organizations:
        refresh = pending[org.pk]
        if len(refresh.members) > settings.PEERPATH_ALERTS_SYNC_MEMBERS:
            from peerpath.alerts.tasks import recompute_member_alerts

            recompute_member_alerts.enqueue(org.pk, sorted(refresh.members))  # ids only; every rule
        else:
            compute_alerts(org, today, member_ids=refresh.members, rule_ids=refresh.rule_ids)


def _organization(pk: int) -> QuerySet[Any]:
    from peerpath.tenancy.models import Organization

    return Organization.objects.filter(pk=pk)


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(_local, "paused", False) or kwargs.get("raw"):
        return
    label = sender._meta.label
    if label in RELEVANT and not RELEVANT[label](instance):
        return
    refresh_after_commit(instance.organization_id, _members_of(instance, WATCHED[label]), FEEDS.get(label))


def refresh_after_commit(
    organization_id: int, member_ids: Iterable[int], rule_ids: Iterable[str] | None = None
) -> None:
    """Bring these members' alerts up to date when the current transaction commits:
    for writes that send no signal (a queryset ``update``). ``rule_ids``: only the
    alerts of these rules, when the write concerns no others (default: every rule)."""
    members = set(member_ids)
    if not members or getattr(_local, "paused", False):
        return
    _pending()[organization_id].add(members, rule_ids)
    # Runs after the outermost commit (at once outside a transaction). The first
    # callback of a transaction refreshes every member gathered; the others find
    # nothing left. A rolled-back write leaves its members gathered for the next
    # refresh, which is harmless.
    transaction.on_commit(refresh_pending)


class paused:  # noqa: N801 - used as a context manager, like a function
    """``with paused():`` no refresh after writes (the demo computes alerts itself)."""

    def __enter__(self) -> None:
        self.before = getattr(_local, "paused", False)
        _local.paused = True

    def __exit__(self, *exc: object) -> None:
        _local.paused = self.before


def connect() -> None:
    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"alerts-refresh-{label}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"alerts-refresh-{label}-delete")
