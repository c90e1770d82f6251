"""Background tasks of the outcomes app (run by ``peerpath worker``): report PDFs
of ``peerpath report --queue``. A task receives ids, a report's name and its
options only (never personal data: the arguments are stored in the queue)."""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, task

from peerpath.outcomes import files


@task(takes_context=True)
def render_report_file(context: TaskContext, organization_id: int, report: str, period: str, language: str,
                       options: dict[str, Any]) -> int | None:
    """Store one organisation's report PDF, exactly once per task (the task's id is
    unique among stored files). Returns the file's id (None: nothing to report on)."""
    stored = files.store_report(str(context.task_result.id), organization_id, report, period, language, options)
    return stored.pk if stored else None
