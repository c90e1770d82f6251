"""The periodic schedule: which task is due when, and enqueueing the due ones.

One timer runs ``peerpath tasks enqueue-periodic`` every five minutes (a cron
line or a systemd timer, docs/deployment.md "Background work"); each run enqueues
the tasks that are due and records when, so that several servers' timers, or a
late run, enqueue each task once per period:

- safety escalation every 5 minutes;
- alerts recomputed every 15 minutes;
- the alert digest on weekday mornings at 07:30 (local time, ``PEERPATH_TIME_ZONE``);
- the purge (expired exports, stale uploads, sessions, old task results) nightly at 02:30.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from peerpath.tasks.models import PeriodicRun

# A timer fires a little late or early: an interval counts as elapsed this much before its end.
SLACK = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # dotted path of the task
    every: dt.timedelta = dt.timedelta(days=1)
    at: dt.time | None = None  # daily tasks: not before this local time
    weekdays: frozenset[int] | None = None  # daily tasks: only these days (Monday = 0)


SCHEDULE = (
    Periodic("safety-escalation", "peerpath.safety.tasks.escalate_safety", every=dt.timedelta(minutes=5)),
    Periodic("alerts", "peerpath.alerts.tasks.recompute_alerts", every=dt.timedelta(minutes=15)),
    Periodic("alert-digest", "peerpath.alerts.tasks.send_alert_digests", at=dt.time(7, 30),
             weekdays=frozenset(range(5))),
    Periodic("purge", "peerpath.tasks.housekeeping.nightly_purge", at=dt.time(2, 30)),
)


def is_due(entry: Periodic, last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether ``entry`` is due at ``now``, last enqueued at ``last`` (None: never)."""
    if entry.at is None:
        return last is None or now - last >= entry.every - SLACK
    local = timezone.localtime(now)
    if entry.weekdays is not None and local.weekday() not in entry.weekdays:
        return False
    if local.time() < entry.at:
        return False
    return last is None or timezone.localtime(last).date() < local.date()


def enqueue_periodic(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every task of the schedule that is due; returns their names. Each
    entry is decided under a row lock, so runs at the same time enqueue it once."""
    now = now or timezone.now()
    PeriodicRun.objects.bulk_create([PeriodicRun(name=e.name) for e in SCHEDULE], ignore_conflicts=True)
    enqueued = []
    for entry in SCHEDULE:
        with transaction.atomic():
            run = PeriodicRun.objects.select_for_update().get(name=entry.name)
            if not is_due(entry, run.last_enqueued_at, now):
                continue
            run.last_enqueued_at = now
            run.save(update_fields=["last_enqueued_at"])
            import_string(entry.task).enqueue()
        enqueued.append(entry.name)
    return enqueued
