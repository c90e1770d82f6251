"""Background work on Django's Tasks API (the ``django-tasks`` backport).

Tasks are queued in Peerpath's own database (``django-tasks-db``) and run by
``peerpath worker`` (see :mod:`peerpath.tasks.worker` and docs/deployment.md,
"Background work"). Each app keeps its tasks in its own ``tasks.py``; this app
holds the worker, its heartbeats, the reaper of tasks whose worker died, the
periodic schedule and the administrators' page of recent tasks.

The two functions below are cheap counts for health checks and metrics.
"""

from __future__ import annotations

import datetime as dt


def backlog() -> int:
    """The number of tasks waiting to run now (queued and due). Always 0 when
    tasks run immediately (``PEERPATH_TASKS=immediate``): nothing waits."""
    from django.conf import settings

    if settings.TASKS_MODE == "rq":
        import django_rq

        return int(django_rq.get_queue("default").count)
    if settings.TASKS_MODE != "database":
        return 0
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()


def failures_recent(hours: int = 24) -> int:
    """The number of tasks that failed (for good: after their last attempt) in the
    last ``hours`` hours."""
    from django.conf import settings
    from django.utils import timezone

    if settings.TASKS_MODE == "rq":  # RQ's failed-job registry of the default queue
        import django_rq
        from rq.job import Job

        queue = django_rq.get_queue("default")
        since = timezone.now() - dt.timedelta(hours=hours)
        jobs = Job.fetch_many(queue.failed_job_registry.get_job_ids(), connection=queue.connection)
        return sum(1 for job in jobs if job is not None and job.ended_at is not None
                   and job.ended_at.replace(tzinfo=dt.UTC) >= since)
    if settings.TASKS_MODE != "database":
        return 0
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - dt.timedelta(hours=hours)
    return DBTaskResult.objects.failed().filter(finished_at__gte=since).count()
