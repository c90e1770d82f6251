"""Appending to the audit log (always inside the caller's transaction)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
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


def _locked_head(chain: str) -> ChainHead:
    try:
        return ChainHead.objects.select_for_update().get(chain=chain)
    except ChainHead.DoesNotExist:
        try:
            with transaction.atomic():
                ChainHead.objects.create(chain=chain, seq=0, hash=GENESIS)
        except IntegrityError:
            pass  # created concurrently by another writer
        return ChainHead.objects.select_for_update().get(chain=chain)


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
    with transaction.atomic():
        chain = chain_name(organization)
        head = _locked_head(chain)
        entry = AccessLog(
            chain=chain,
            seq=head.seq + 1,
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
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry.prev_hash, entry.chained_fields())
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
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
