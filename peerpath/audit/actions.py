"""Appending to the audit log (always inside the caller's transaction)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connections, models, router, transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit.chain import GENESIS, entry_hash
from peerpath.audit.models import AccessLog, ChainHead, Event
from peerpath.ops.logs import current_request_id
from peerpath.tenancy.client_ip import client_ip
from peerpath.tenancy.models import Organization

SYSTEM_CHAIN = "system"


def chain_name(organization: Organization | None) -> str:
    return f"org:{organization.pk}" if organization is not None else SYSTEM_CHAIN


def _create_head(chain: str, using: str) -> None:
    try:
        with transaction.atomic(using=using):
            ChainHead.objects.using(using).create(chain=chain, seq=0, hash=GENESIS)
    except IntegrityError:
        pass  # created concurrently by another writer


class _Sql:
    """The three statements of an append, written once per database connection
    vendor: building them with the ORM cost more than running them (an append is
    read with every member page)."""

    _cache: dict[str, _Sql] = {}

    # Only quoted table and column names of the models go into the SQL; every value is a parameter.
    def __init__(self, connection: Any) -> None:
        qn = connection.ops.quote_name
        head = qn(ChainHead._meta.db_table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        self.select_head = f"SELECT {qn('id')}, {qn('seq')}, {qn('hash')} FROM {head} WHERE {qn('chain')} = %s{lock}"  # noqa: S608
        self.update_head = f"UPDATE {head} SET {qn('seq')} = %s, {qn('hash')} = %s WHERE {qn('id')} = %s"  # noqa: S608
        self.fields = [f for f in AccessLog._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(qn(f.column) for f in self.fields)
        values = ", ".join(["%s"] * len(self.fields))
        self.returning = connection.features.can_return_columns_from_insert
        self.insert = (
            f"INSERT INTO {qn(AccessLog._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
            + (f" RETURNING {qn('id')}" if self.returning else "")
        )

    @classmethod
    def of(cls, connection: Any) -> _Sql:
        sql = cls._cache.get(connection.vendor)
        if sql is None:
            sql = cls._cache[connection.vendor] = cls(connection)
        return sql


def _client(request: HttpRequest | None) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    ip = client_ip(request)
    agent = str(request.META.get("HTTP_USER_AGENT", ""))[:300]
    return ip, agent


def record(
    event: Event,
    *,
    actor: Any,
    organization: Organization | None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    extra: dict[str, Any] | None = None,
) -> AccessLog:
    """Append one entry. Joins the caller's transaction, so the entry is written
    if and only if the change it describes is."""
    ip, agent = _client(request)
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    chain = chain_name(organization)
    using = router.db_for_write(AccessLog)
    connection = connections[using]
    sql = _Sql.of(connection)
    # The head row is locked (PostgreSQL: FOR UPDATE; SQLite: the transaction is
    # BEGIN IMMEDIATE) until the outermost transaction ends.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(sql.select_head, [chain])
        row = cursor.fetchone()
        if row is None:
            _create_head(chain, using)
            cursor.execute(sql.select_head, [chain])
            row = cursor.fetchone()
        head_id, head_seq, head_hash = row
        entry = AccessLog(
            chain=chain,
            seq=head_seq + 1,
            created_at=timezone.now(),
            organization=organization,
            actor_id=actor_id,
            event=event,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            ip_address=ip,
            user_agent=agent,
            extra=extra or {},
            request_id=current_request_id(),
            prev_hash=head_hash,
        )
        entry.hash = entry_hash(entry.prev_hash, entry.chained_fields())
        cursor.execute(sql.insert, [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in sql.fields])
        entry.pk = cursor.fetchone()[0] if sql.returning else connection.ops.last_insert_id(
            cursor, AccessLog._meta.db_table, "id")
        cursor.execute(sql.update_head, [entry.seq, entry.hash, head_id])
    entry._state.adding = False
    entry._state.db = using
    return entry


def record_by(
    membership: Any,
    event: Event,
    *,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    extra: dict[str, Any] | None = None,
) -> AccessLog:
    """``record`` for an act of a staff membership, in its organisation."""
    return record(
        event, actor=membership.user, organization=membership.organization,
        target=target, request=request, extra=extra,
    )
