"""The import pages as a coordinator uses them: upload, mapping, preview, commit."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AccessLog, Event
from peerpath.exchange import actions, views
from peerpath.exchange.models import ImportBatch, ImportFile, State
from peerpath.exchange.tests._helpers import counts
from peerpath.members.models import Member

MEMBERS = "會員編號,姓名,收案日期,性別\nN0001,陳小華,2026-01-05,女\nN0002,林美,2026-01-06,男\n"


def upload(client, data: bytes, kind: str = "members", name: str = "members.csv", **extra):
    return client.post("/imports/new/", {"kind": kind, "encoding": "auto", "instrument": "",
                                         "file": SimpleUploadedFile(name, data), **extra})


def test_the_whole_flow_from_upload_to_imported_members(coordinator, org_a):
    response = upload(coordinator, MEMBERS.encode())
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/mapping/"
    page = coordinator.get(f"/imports/{batch.pk}/mapping/")
    assert page.status_code == 200
    assert page.context["form"]["col_0"].initial == "code" and page.context["form"]["col_3"].initial == "gender"
    form = {"col_0": "code", "col_1": "name", "col_2": "enrolment_date", "col_3": "gender"}
    response = coordinator.post(f"/imports/{batch.pk}/mapping/", form)
    assert response["Location"] == f"/imports/{batch.pk}/preview/"
    preview = coordinator.get(f"/imports/{batch.pk}/preview/")
    assert preview.status_code == 200 and preview.context["check"].n_new == 2
    assert "Import 2 rows" in preview.content.decode()
    response = coordinator.post(f"/imports/{batch.pk}/commit/")
    assert response["Location"] == f"/imports/{batch.pk}/"
    assert set(Member.objects.filter(organization=org_a.org).values_list("code", flat=True)) == {
        "A0001", "N0001", "N0002"}
    detail = coordinator.get(f"/imports/{batch.pk}/")
    assert "Members added" in detail.content.decode()
    listing = coordinator.get("/imports/")
    assert "members.csv" in listing.content.decode()


def test_the_mapping_form_names_the_column_mapped_twice_and_the_required_field_missing(coordinator):
    upload(coordinator, MEMBERS.encode())
    batch = ImportBatch.objects.get()
    response = coordinator.post(f"/imports/{batch.pk}/mapping/", {"col_0": "code", "col_1": "code"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["col_1"] == ["'Member code' is already the column '會員編號': each field comes from one column."]
    assert "Choose the column that holds 'Enrolment date' (it is required)." in form.non_field_errors()


def test_a_malformed_file_is_refused_on_upload_with_its_rows_named_and_nothing_kept(coordinator):
    before = counts()
    response = upload(coordinator, b'code,name\nM1,"unclosed\n')
    assert response.status_code == 400
    assert "not well-formed CSV" in response.content.decode() and "Nothing was stored" in response.content.decode()
    assert counts() == before


def test_the_preview_lists_every_problem_and_offers_no_import(coordinator):
    upload(coordinator, "會員編號,姓名,收案日期\nN1,,2026-01-05\nN2,x,someday\n".encode())
    batch = ImportBatch.objects.get()
    coordinator.post(f"/imports/{batch.pk}/mapping/", {"col_0": "code", "col_1": "name", "col_2": "enrolment_date"})
    preview = coordinator.get(f"/imports/{batch.pk}/preview/")
    text = preview.content.decode()
    assert "Enter the member&#x27;s name." in text and "&#x27;someday&#x27; is not a date" in text
    assert "/commit/" not in text
    response = coordinator.post(f"/imports/{batch.pk}/commit/")
    assert response["Location"] == f"/imports/{batch.pk}/preview/"
    assert Member.objects.filter(code__in=["N1", "N2"]).count() == 0


def test_problems_are_shown_through_the_translation_catalogue(monkeypatch):
    from peerpath.exchange import labels
    from peerpath.exchange.tabular import Problem

    monkeypatch.setattr(labels, "gettext", lambda message: message.replace("is not a number", "不是數字"))
    problem = Problem(3, "phq9_1", "%(value)r is not a number", {"value": "x"})
    assert labels.problem_text(problem) == "'x' 不是數字"
    assert str(problem) == "row 3, column 'phq9_1': 'x' is not a number"


def test_discarding_deletes_the_file_and_imports_nothing(coordinator):
    upload(coordinator, MEMBERS.encode())
    batch = ImportBatch.objects.get()
    response = coordinator.post(f"/imports/{batch.pk}/discard/")
    assert response["Location"] == "/imports/"
    batch.refresh_from_db()
    assert batch.state == State.DISCARDED and not ImportFile.objects.exists()
    assert coordinator.get(f"/imports/{batch.pk}/mapping/")["Location"] == f"/imports/{batch.pk}/"


def test_the_stored_file_is_encrypted(coordinator):
    upload(coordinator, MEMBERS.encode())
    stored = bytes(ImportFile.objects.get().content)
    assert "陳小華".encode() not in stored and b"N0001" not in stored
    assert actions.load_table(ImportBatch.objects.get()).rows[0][1][1] == "陳小華"


def test_a_file_over_the_limit_is_refused_as_it_streams_in(coordinator, settings):
    settings.PEERPATH_IMPORT_MAX_BYTES = 1024
    before = counts()
    response = upload(coordinator, b"code,name\n" + b"M1,x\n" * 2000)
    assert response.status_code == 413 and "larger than 1 KB" in response.content.decode()
    assert counts() == before


class Unreadable(io.RawIOBase):
    def read(self, *args):  # pragma: no cover - the point is that it is never called
        raise AssertionError("the body was read")

    def readinto(self, *args):  # pragma: no cover
        raise AssertionError("the body was read")


def test_a_200_mb_upload_is_refused_from_its_length_without_reading_the_body(org_a, settings):
    request = RequestFactory().post("/imports/new/", data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(200 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    request.user = org_a.users["coordinator"]
    request.membership = org_a.staff["coordinator"]
    request.session = {}
    settings.PEERPATH_REQUIRE_2FA = False
    response = views.import_upload(request)
    assert response.status_code == 413 and "larger than 20 MB" in response.content.decode()


@pytest.mark.parametrize("role", ["professional", "peer_leader", "researcher"])
def test_other_roles_cannot_upload(client_for, role):
    response = upload(client_for(role), MEMBERS.encode())
    assert response.status_code == 403 and not ImportBatch.objects.exists()


def test_the_audit_log_records_each_step(coordinator, org_a):
    upload(coordinator, MEMBERS.encode())
    batch = ImportBatch.objects.get()
    coordinator.post(f"/imports/{batch.pk}/mapping/", {"col_0": "code", "col_1": "name", "col_2": "enrolment_date"})
    coordinator.get(f"/imports/{batch.pk}/preview/")
    coordinator.post(f"/imports/{batch.pk}/commit/")
    steps = [(e.event, e.extra.get("step")) for e in AccessLog.objects.filter(
        organization=org_a.org, event__in=[Event.IMPORT_PREVIEWED, Event.IMPORT_COMMITTED]).order_by("seq")]
    assert steps == [(Event.IMPORT_PREVIEWED, "uploaded"), (Event.IMPORT_PREVIEWED, "mapped"),
                     (Event.IMPORT_PREVIEWED, "checked"), (Event.IMPORT_COMMITTED, None)]
    committed = AccessLog.objects.get(event=Event.IMPORT_COMMITTED)
    assert committed.extra["created"] == {"members": 2, "consents": 0}


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/imports/").status_code == 200
    return len(captured)


# session, user, OTP device, membership + count + page of imports (with their uploader) + session save
LIST_QUERIES = 4 + 1 + 1 + 3


def test_the_imports_list_costs_the_same_queries_for_3_or_30_imports(coordinator, org_a):
    for n in range(3):
        actions.upload(org_a.staff["coordinator"], kind="members", file_name=f"{n}.csv", data=MEMBERS.encode())
    assert _list_queries(coordinator) == LIST_QUERIES
    for n in range(27):
        actions.upload(org_a.staff["admin"], kind="members", file_name=f"{n}.csv", data=MEMBERS.encode())
    assert _list_queries(coordinator) == LIST_QUERIES


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _members_file(n: int) -> bytes:
    rows = "".join(f"N{i:04d},姓名{i},2026-01-05\n" for i in range(n))
    return ("會員編號,姓名,收案日期\n" + rows + "A0001,已在,2026-01-05\n").encode()


# before the view 4; the import (with its uploader); its stored file; the member codes already there; the
# transaction that records the check: savepoint, lock, update, audit entry (5), release; earlier imports
# of the same file; after 3
PREVIEW_QUERIES = 4 + 1 + 1 + 1 + 3 + 5 + 1 + 1 + 3


@pytest.mark.parametrize("n", [3, 30])
def test_the_preview_costs_the_same_queries_for_3_or_30_rows(coordinator, org_a, n):
    batch = actions.upload(org_a.staff["coordinator"], kind="members", file_name="m.csv", data=_members_file(n))
    assert _queries(coordinator, f"/imports/{batch.pk}/preview/") == PREVIEW_QUERIES


# before 4; batch (with its uploader); after 3
DETAIL_QUERIES = 4 + 1 + 3


def test_the_result_page_costs_a_fixed_number_of_queries(coordinator, org_a):
    batch = actions.upload(org_a.staff["coordinator"], kind="members", file_name="m.csv", data=_members_file(30))
    actions.preview(org_a.staff["coordinator"], batch)
    batch.refresh_from_db()
    actions.commit(org_a.staff["coordinator"], batch)
    assert _queries(coordinator, f"/imports/{batch.pk}/") == DETAIL_QUERIES
