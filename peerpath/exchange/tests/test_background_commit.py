"""A large import is committed by a background worker: the request returns at
once, the import's page says so and updates itself, and the file is imported
all or nothing, exactly once."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from peerpath.audit.models import AccessLog, Event
from peerpath.exchange.models import ImportBatch, State
from peerpath.exchange.tasks import commit_import
from peerpath.members.models import Member
from peerpath.tasks.worker import run_pending

from .test_views import MEMBERS, upload

MAPPING = {"col_0": "code", "col_1": "name", "col_2": "enrolment_date", "col_3": "gender"}


def _checked(coordinator) -> ImportBatch:  # type: ignore[no-untyped-def]
    upload(coordinator, MEMBERS.encode())
    batch = ImportBatch.objects.get()
    coordinator.post(f"/imports/{batch.pk}/mapping/", MAPPING)
    coordinator.get(f"/imports/{batch.pk}/preview/")
    return batch


def test_a_large_import_returns_at_once_and_a_worker_imports_it(coordinator, org_a, settings):
    settings.PEERPATH_IMPORT_SYNC_ROWS = 1  # two rows: "large"
    batch = _checked(coordinator)
    response = coordinator.post(f"/imports/{batch.pk}/commit/", follow=True)
    assert "The import has started" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == State.COMMITTING
    assert not Member.objects.filter(code__startswith="N").exists()
    page = coordinator.get(f"/imports/{batch.pk}/").content.decode()
    assert "Importing…" in page and 'hx-trigger="every 3s"' in page
    row = DBTaskResult.objects.get()
    assert row.args_kwargs == {"args": [batch.pk, org_a.staff["coordinator"].pk], "kwargs": {}}  # ids only

    assert run_pending() == 1
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED and batch.result
    assert set(Member.objects.filter(code__startswith="N").values_list("code", flat=True)) == {"N0001", "N0002"}
    page = coordinator.get(f"/imports/{batch.pk}/").content.decode()
    assert "Importing…" not in page and "hx-trigger" not in page and "Members added" in page


def test_a_second_run_of_the_task_imports_nothing_more(coordinator, org_a, settings):
    settings.PEERPATH_IMPORT_SYNC_ROWS = 1
    batch = _checked(coordinator)
    coordinator.post(f"/imports/{batch.pk}/commit/")
    commit_import.enqueue(batch.pk, org_a.staff["coordinator"].pk)  # as if a dead worker's attempt came back
    assert run_pending() == 2
    assert Member.objects.filter(code__startswith="N").count() == 2
    assert AccessLog.objects.filter(event=Event.IMPORT_COMMITTED).count() == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == ["imported", "nothing to import"]


def test_an_import_refused_by_the_worker_goes_back_to_checked_with_nothing_written(coordinator, org_a, settings):
    settings.PEERPATH_IMPORT_SYNC_ROWS = 1
    batch = _checked(coordinator)
    coordinator.post(f"/imports/{batch.pk}/commit/")
    org_a.staff["coordinator"].is_active = False  # the requester's account was disabled meanwhile
    org_a.staff["coordinator"].save(update_fields=["is_active"])
    assert run_pending() == 1
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED
    assert not Member.objects.filter(code__startswith="N").exists()


def test_a_small_import_is_still_committed_during_the_request(coordinator, org_a):
    batch = _checked(coordinator)
    coordinator.post(f"/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED and not DBTaskResult.objects.exists()
