"""The nightly purge, a background task: expired export files, uploads never
imported, expired report files, expired sessions, and finished task results older than
``KEEP_RESULTS`` (the tasks page shows the recent ones)."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from peerpath.exchange import actions as exchange
from peerpath.exports import actions as exports
from peerpath.outcomes import files as report_files

KEEP_RESULTS = dt.timedelta(days=30)


def purge(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    done = {"exports": exports.purge_expired(now)}
    done["imports"] = exchange.purge(now)
    done["report_files"] = report_files.purge_expired(now)
    done["sessions"] = Session.objects.filter(expire_date__lt=now).delete()[0]
    done["task_results"] = DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_RESULTS).delete()[0]
    return done


@task()
def nightly_purge() -> dict[str, int]:
    return purge()
