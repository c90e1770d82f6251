"""The administrators' page of background tasks."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from peerpath.tasks import backlog, failures_recent, selectors
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


# Administrators (those who manage staff): the queue is the deployment's, shared by
# its organisations, so the page shows tasks by name and state only.
@staff_view(Perm.STAFF_MANAGE)
@require_http_methods(["GET"])
def task_list(request: HttpRequest) -> HttpResponse:
    database = settings.TASKS_MODE == "database"
    return render(request, "tasks/list.html", {
        "database": database,
        "rq": settings.TASKS_MODE == "rq",
        "rows": selectors.recent_tasks() if database else [],
        "waiting": backlog(),
        "failed": failures_recent(),
        "workers": selectors.live_workers() if database else 0,
    })
