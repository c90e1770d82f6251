"""Request ids: taken from a well-formed X-Request-ID or made, returned, written in
every JSON log line and in the audit entries of the request (hashed with them)."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from peerpath.audit.models import AccessLog, Event
from peerpath.audit.tests.test_audit_log import _tamper
from peerpath.ops import logs


def _line(message: str, **extra: object) -> dict:
    record = logging.LogRecord("peerpath.test", logging.WARNING, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    logs.RequestIdFilter().filter(record)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_json_line_has_the_time_level_message_and_request_id():
    token = logs.set_request_id("req-123")
    try:
        line = _line("export %s failed", status=500)
    finally:
        logs.reset_request_id(token)
    assert line["level"] == "WARNING" and line["logger"] == "peerpath.test"
    assert line["message"] == "export %s failed"
    assert line["request_id"] == "req-123" and line["status"] == 500
    assert line["time"].endswith("+00:00")


def test_a_json_line_outside_a_request_has_an_empty_request_id():
    assert _line("nightly purge")["request_id"] == ""


@pytest.mark.parametrize("header,kept", [
    ("4f1c2a9e-7b3d-4e8a-9c1f-2d6b8a0e5f13", True),
    ("lb.01_abc-DEF", True),
    ("bad id with spaces", False),
    ("x" * 65, False),
    ("id\nInjected: header", False),
])
def test_a_well_formed_request_id_is_kept_and_any_other_replaced(header, kept):
    assert (logs.request_id_from(header) == header) is kept
    made = logs.request_id_from(None)
    assert len(made) == 32 and made != logs.request_id_from(None)


@pytest.mark.django_db
def test_the_response_carries_the_request_id_and_the_request_logs_one_json_line(caplog):
    with caplog.at_level(logging.INFO, logger="peerpath.request"):
        response = Client().get("/healthz/", HTTP_X_REQUEST_ID="probe-42")
    assert response["X-Request-ID"] == "probe-42"
    records = [r for r in caplog.records if r.name == "peerpath.request"]
    assert len(records) == 1
    line = json.loads(logs.JsonFormatter().format(records[0]))
    assert line["request_id"] == "probe-42" and line["route"] == "healthz" and line["status"] == 200
    assert line["method"] == "GET" and line["path"] == "/healthz/" and line["queries"] == 1


@pytest.mark.django_db
def test_a_query_string_never_reaches_the_log(caplog):
    with caplog.at_level(logging.INFO):
        Client().get("/members/?q=王小明")
    text = "\n".join(logs.JsonFormatter().format(r) for r in caplog.records)
    assert "王小明" not in text and "q=" not in text


def test_the_audit_entry_of_a_request_carries_its_id(org_a, coordinator):
    coordinator.get(f"/members/{org_a.member.code}/", HTTP_X_REQUEST_ID="trace-abc")
    entry = AccessLog.objects.filter(event=Event.MEMBER_VIEW).order_by("-pk").first()
    assert entry.request_id == "trace-abc"
    assert entry.chained_fields()["request_id"] == "trace-abc"


def test_an_entry_written_outside_a_request_hashes_as_before(org_a):
    from peerpath.audit import actions

    entry = actions.record_by(org_a.staff["coordinator"], Event.REPORT_VIEW, extra={"report": "programme"})
    assert entry.request_id == "" and "request_id" not in entry.chained_fields()


def test_verify_passes_with_request_ids_and_catches_a_changed_one(org_a, coordinator, capsys):
    for n in range(3):
        coordinator.get(f"/members/{org_a.member.code}/", HTTP_X_REQUEST_ID=f"req-{n}")
    call_command("audit", "verify")
    assert "BROKEN" not in capsys.readouterr().out
    chain = f"org:{org_a.org.pk}"
    target = AccessLog.objects.filter(chain=chain, request_id="req-1").get()
    _tamper("UPDATE audit_accesslog SET request_id = %s WHERE id = %s", ["req-9", target.pk])
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    assert f"{chain}: BROKEN at entry {target.seq}" in capsys.readouterr().out
