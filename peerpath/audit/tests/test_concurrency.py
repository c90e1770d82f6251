"""Concurrent writers keep each hash chain intact (one writer at a time per chain)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from peerpath.audit import actions as audit
from peerpath.audit.models import AccessLog, Event
from peerpath.audit.verify import verify_all
from tests.factories import OrganizationFactory

WRITERS = 4
EACH = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_leave_every_chain_intact():
    orgs = [OrganizationFactory(), OrganizationFactory()]
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                audit.record(Event.MEMBER_LIST, actor=None, organization=orgs[(n + i) % 2], extra={"w": n, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert AccessLog.objects.count() == WRITERS * EACH
    reports = verify_all()
    assert all(r.broken is None for r in reports), reports
    assert sum(r.entries for r in reports) == WRITERS * EACH
