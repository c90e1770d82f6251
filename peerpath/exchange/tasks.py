"""Background task of the exchange app: importing a large checked file (ids only
in the arguments: the batch and the membership that asked)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_tasks import TaskContext, task

from peerpath.exchange import actions
from peerpath.exchange.models import ImportBatch, State
from peerpath.tenancy.models import Membership


def _back_to_checked(batch_id: int) -> None:
    """Nothing was imported: the file is back to "checked", its page offers the
    preview again (which names any problem)."""
    ImportBatch.objects.filter(pk=batch_id, state=State.COMMITTING).update(state=State.PREVIEWED)


@task(takes_context=True)
def commit_import(context: TaskContext, batch_id: int, membership_id: int) -> str:
    """Import a file queued by ``actions.queue_commit``: one transaction, so a
    worker that dies mid-way leaves nothing and the next attempt imports it; a
    file already imported is not imported again."""
    batch = ImportBatch.objects.filter(pk=batch_id, state=State.COMMITTING).first()
    if batch is None:
        return "nothing to import"
    membership = Membership.objects.select_related("organization", "user").filter(pk=membership_id).first()
    if membership is None or not membership.is_active:
        _back_to_checked(batch_id)
        return "refused"
    last = settings.TASKS_MODE != "database" or context.attempt >= settings.PEERPATH_TASK_MAX_ATTEMPTS
    try:
        actions.commit(membership, batch)
    except (actions.ImportRefused, ValueError, PermissionDenied):
        _back_to_checked(batch_id)
        return "refused"
    except Exception:
        if last:  # no attempt left: let the user try again
            _back_to_checked(batch_id)
        raise
    return "imported"
