"""Background tasks of the exports app (run by ``peerpath worker``).

A task receives ids only (never personal data: the arguments are stored in the
queue and shown on the tasks page)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import TaskContext, task

from peerpath.exports import actions
from peerpath.exports.models import ExportJob


@task(takes_context=True)
def build_export(context: TaskContext, job_id: int) -> str:
    """Build a queued export. Safe to run again: a worker that died mid-way left
    the export running, and the next attempt builds it anew; an export already
    finished (or failed) is left as it is, so it completes exactly once. A
    database error before the last attempt is raised for the worker to retry."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    retry = settings.TASKS_MODE == "database" and context.attempt < settings.PEERPATH_TASK_MAX_ATTEMPTS
    return str(actions.run_job(job, resume=True, raise_transient=retry).state)


@task()
def purge_exports() -> int:
    """Delete the files of expired exports (nightly)."""
    return actions.purge_expired()
