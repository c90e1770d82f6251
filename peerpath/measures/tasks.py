"""Background task of the measures app: rescoring every stored score after an
instrument definition changed (``peerpath rescore --queue``; the command alone
runs it at once, with a progress bar)."""

from __future__ import annotations

from django_tasks import task

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures import rescore
from peerpath.measures.library import library


def rescore_and_audit(only: list[str] | None = None, chunk: int = rescore.CHUNK) -> rescore.Rescored:
    """Rescore (each chunk one transaction, so a second run redoes the same and no
    more) and write the audit entry."""
    done = rescore.rescore(library(), only=only, chunk=chunk)
    audit.record(Event.RESCORED, actor=None, organization=None,
                 extra={"rescored": done.rescored, "skipped": done.skipped})
    return done


@task()
def rescore_scores(instruments: list[str] | None = None, chunk: int = rescore.CHUNK) -> list[int]:
    """Returns [administrations rescored, skipped]."""
    done = rescore_and_audit(instruments or None, chunk)
    return [done.rescored, done.skipped]
