"""Audit rows for reads and writes, and `peerpath audit verify` on tampering."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from peerpath.audit.models import AccessLog, Event


def test_reading_a_member_writes_one_access_row(org_a, coordinator):
    before = AccessLog.objects.filter(event=Event.MEMBER_VIEW).count()
    response = coordinator.get(f"/members/{org_a.member.code}/")
    assert response.status_code == 200
    rows = AccessLog.objects.filter(event=Event.MEMBER_VIEW)
    assert rows.count() == before + 1
    row = rows.order_by("-pk").first()
    assert row.actor == org_a.users["coordinator"]
    assert row.organization == org_a.org
    assert row.target_type == "members.member" and row.target_id == str(org_a.member.pk)
    assert row.ip_address == "127.0.0.1"


def test_a_denied_read_writes_no_member_view(org_a, client_for):
    before = AccessLog.objects.filter(event=Event.MEMBER_VIEW).count()
    assert client_for("researcher").get(f"/members/{org_a.member.code}/").status_code == 403
    assert AccessLog.objects.filter(event=Event.MEMBER_VIEW).count() == before


def test_login_and_failed_login_are_recorded(org_a, client):
    user = org_a.users["professional"]
    client.post("/account/login/", {"username": user.username, "password": "wrong password"})
    assert AccessLog.objects.filter(event=Event.LOGIN_FAILED, extra__username=user.username).exists()
    client.post("/account/login/", {"username": user.username, "password": "correct horse battery"})
    assert AccessLog.objects.filter(event=Event.LOGIN, actor=user, organization=org_a.org).exists()


def test_a_change_and_its_audit_row_are_written_together(org_a, coordinator, monkeypatch):
    from peerpath.audit import actions as audit_actions

    def broken_record(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit_actions, "record", broken_record)
    with pytest.raises(RuntimeError):
        coordinator.post(
            f"/members/{org_a.member.code}/stage/",
            {"stage": "growth", "changed_on": org_a.member.enrolment_date.isoformat()},
        )
    assert not org_a.member.stage_changes.exists()


def test_rows_cannot_be_changed_or_deleted_through_the_orm(org_a, coordinator):
    coordinator.get(f"/members/{org_a.member.code}/")
    row = AccessLog.objects.first()
    row.event = Event.LOGIN
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(event="x")


def test_verify_passes_on_an_untouched_log(org_a, coordinator, capsys):
    for _ in range(3):
        coordinator.get(f"/members/{org_a.member.code}/")
    call_command("audit", "verify")
    assert "audit log verified" in capsys.readouterr().out


def _tamper(sql: str, params: list) -> None:
    """Change the log behind the application's back (as an intruder with database
    access would; on PostgreSQL that first needs the immutability triggers off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only")
def test_postgresql_itself_refuses_to_change_the_log(org_a, coordinator):
    from django.db import DatabaseError, transaction

    coordinator.get(f"/members/{org_a.member.code}/")
    row = AccessLog.objects.first()
    for sql in ("UPDATE audit_accesslog SET event = 'x' WHERE id = %s", "DELETE FROM audit_accesslog WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [row.pk])
    assert AccessLog.objects.filter(pk=row.pk, event=row.event).exists()


def test_verify_reports_the_first_altered_row(org_a, coordinator, capsys):
    for _ in range(4):
        coordinator.get(f"/members/{org_a.member.code}/")
    chain = f"org:{org_a.org.pk}"
    target = AccessLog.objects.filter(chain=chain).order_by("seq")[1]
    _tamper("UPDATE audit_accesslog SET target_id = %s WHERE id = %s", ["12345", target.pk])
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"{chain}: BROKEN at entry {target.seq}" in out


def test_verify_reports_a_deleted_row(org_a, coordinator, capsys):
    for _ in range(4):
        coordinator.get(f"/members/{org_a.member.code}/")
    chain = f"org:{org_a.org.pk}"
    target = AccessLog.objects.filter(chain=chain).order_by("seq")[2]
    _tamper("DELETE FROM audit_accesslog WHERE id = %s", [target.pk])
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    assert f"BROKEN at entry {target.seq}" in capsys.readouterr().out


def test_verify_reports_rows_removed_from_the_end(org_a, coordinator, capsys):
    for _ in range(3):
        coordinator.get(f"/members/{org_a.member.code}/")
    chain = f"org:{org_a.org.pk}"
    last = AccessLog.objects.filter(chain=chain).order_by("-seq").first()
    _tamper("DELETE FROM audit_accesslog WHERE id = %s", [last.pk])
    with pytest.raises(CommandError):
        call_command("audit", "verify")
    assert "chain head records" in capsys.readouterr().out


def test_each_organisation_has_its_own_chain(org_a, org_b, client_for):
    client_for("coordinator").get(f"/members/{org_a.member.code}/")
    client_for("coordinator", org_b).get(f"/members/{org_b.member.code}/")
    chains = set(AccessLog.objects.values_list("chain", flat=True))
    assert {f"org:{org_a.org.pk}", f"org:{org_b.org.pk}"} <= chains
    for chain in chains:
        seqs = list(AccessLog.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))


def test_audit_page_shows_only_own_organisation(org_a, org_b, client_for):
    client_for("coordinator", org_b).get(f"/members/{org_b.member.code}/")
    response = client_for("admin").get("/audit/")
    assert response.status_code == 200
    orgs = {row.organization_id for row in response.context["page"].object_list}
    assert orgs == {org_a.org.pk}


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (1, "203.0.113.9", "203.0.113.9"),  # one proxy appended the client's address
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the client sent a spoofed entry
        (2, "203.0.113.9, 10.0.0.5", "203.0.113.9"),  # two proxies in a row
        (1, "", "10.0.0.2"),  # no header: the connection's address
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_behind_a_proxy_the_client_address_is_the_one_the_trusted_proxy_saw(
    org_a, settings, proxies, forwarded, expected
):
    from conftest import verified_client

    settings.PEERPATH_BEHIND_PROXY = True
    settings.PEERPATH_PROXY_COUNT = proxies
    client = verified_client(org_a.users["coordinator"])
    client.get(f"/members/{org_a.member.code}/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    row = AccessLog.objects.filter(event=Event.MEMBER_VIEW).order_by("-pk").first()
    assert row.ip_address == expected


def test_without_a_proxy_forwarded_headers_are_ignored(org_a, coordinator, settings):
    settings.PEERPATH_BEHIND_PROXY = False
    coordinator.get(f"/members/{org_a.member.code}/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    row = AccessLog.objects.filter(event=Event.MEMBER_VIEW).order_by("-pk").first()
    assert row.ip_address == "127.0.0.1"


def test_lockout_behind_a_proxy_is_per_client_not_per_proxy(org_a, settings):
    from django.test import Client

    settings.PEERPATH_BEHIND_PROXY = True
    settings.PEERPATH_PROXY_COUNT = 1
    user = org_a.users["professional"]
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/account/login/", {"username": user.username, "password": "wrong"})
    assert attacker.post("/account/login/", {"username": user.username, "password": "wrong"}).status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.20")
    response = owner.post("/account/login/", {"username": user.username, "password": "correct horse battery"})
    assert response.status_code == 302


def test_heads_prints_each_chain_with_its_last_hash(org_a, coordinator, capsys):
    coordinator.get(f"/members/{org_a.member.code}/")
    call_command("audit", "heads")
    out = capsys.readouterr().out
    last = AccessLog.objects.filter(chain=f"org:{org_a.org.pk}").order_by("-seq").first()
    assert f"org:{org_a.org.pk}\t{last.seq}\t{last.hash}" in out


def test_an_appended_entry_reads_back_as_it_was_hashed(org_a):
    """``record`` writes its three statements itself (no ORM query building): the row
    read back has the fields, id and hash it returned, and the chain verifies."""
    from django.test import RequestFactory

    from peerpath.audit import actions as audit_actions
    from peerpath.audit.verify import verify_all

    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Büro 瀏覽器")
    first = audit_actions.record(Event.MEMBER_VIEW, actor=org_a.users["coordinator"], organization=org_a.org,
                                 target=org_a.member, request=request, extra={"名": ["一", 2, None], "n": 1.5})
    second = audit_actions.record(Event.MEMBER_LIST, actor=None, organization=org_a.org)
    for entry in (first, second):
        stored = AccessLog.objects.get(pk=entry.pk)
        assert stored.chained_fields() == entry.chained_fields() and stored.hash == entry.hash
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    assert all(report.broken is None for report in verify_all())
