"""Reads of the tasks page: recent tasks as administrators see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from peerpath.tasks.models import WorkerHeartbeat

RECENT = 100  # rows on the page

# The name of each task on the page, in the reader's language.
LABELS: dict[str, str | Promise] = {
    "peerpath.exports.tasks.build_export": _("Build an export"),
    "peerpath.exports.tasks.purge_exports": _("Delete expired exports"),
    "peerpath.alerts.tasks.recompute_alerts": _("Recompute alerts"),
    "peerpath.alerts.tasks.recompute_member_alerts": _("Recompute alerts after a large change"),
    "peerpath.alerts.tasks.send_alert_digests": _("E-mail the alert digest"),
    "peerpath.safety.tasks.escalate_safety": _("Escalate overdue safety follow-ups"),
    "peerpath.tasks.housekeeping.nightly_purge": _("Nightly purge"),
    "peerpath.measures.tasks.rescore_scores": _("Rescore questionnaires"),
    "peerpath.exchange.tasks.commit_import": _("Import a file"),
    "peerpath.outcomes.tasks.render_report_file": _("Make a report PDF"),
}
STATES: dict[str, str | Promise] = {
    "READY": _("Waiting"),
    "RUNNING": _("Running"),
    "SUCCESSFUL": _("Done"),
    "FAILED": _("Failed"),
}


@dataclass(frozen=True)
class TaskRow:
    label: str | Promise
    state: str  # READY, RUNNING, SUCCESSFUL or FAILED
    state_label: str | Promise
    attempts: int
    enqueued_at: dt.datetime
    finished_at: dt.datetime | None
    error: str  # the kind of error only (its class), never the message or traceback


def recent_tasks(limit: int = RECENT) -> list[TaskRow]:
    """The most recently queued tasks, newest first, in one query. The page shows
    no argument and no traceback (they are for the worker's log): every
    organisation's tasks share the queue."""
    rows = DBTaskResult.objects.order_by("-enqueued_at").only(
        "task_path", "status", "worker_ids", "enqueued_at", "finished_at", "exception_class_path")[:limit]
    return [
        TaskRow(
            label=LABELS.get(r.task_path, r.task_path.rsplit(".", 1)[-1]),
            state=r.status,
            state_label=STATES.get(r.status, r.status),
            attempts=len(r.worker_ids or []),
            enqueued_at=r.enqueued_at,
            finished_at=r.finished_at,
            error=r.exception_class_path.rsplit(".", 1)[-1] if r.exception_class_path else "",
        )
        for r in rows
    ]


def live_workers() -> int:
    since = timezone.now() - dt.timedelta(seconds=settings.PEERPATH_TASK_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen__gte=since).count()
