"""The worker heartbeats (so that a task whose worker died can be found) and the
last enqueueing of each periodic task (so that two timers enqueue it once)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A running ``peerpath worker``: written at start and every
    ``PEERPATH_TASK_HEARTBEAT_SECONDS``, deleted at a clean stop."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class PeriodicRun(models.Model):
    """When a periodic task (by its schedule name) was last enqueued."""

    name = models.CharField(max_length=64, primary_key=True)
    last_enqueued_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name
