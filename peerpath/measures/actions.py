"""Writes of questionnaire data: each a durable transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.change import (
    MissingNormsError,
    ReliableChangeClass,
    change_parameters,
    reliable_change,
)
from peerpath.measures.definitions import Instrument
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.models import (
    Administration,
    AdministrationStatus,
    FlagKind,
    Mode,
    ResultFlag,
    StoredScore,
)
from peerpath.measures.scoring import score_one
from peerpath.measures.stats import programme_baseline_sd
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_answers(instrument: Instrument, answers: dict[str, Any]) -> dict[str, float]:
    """Numeric answers keyed by item id; raises ValueError naming a bad item or value."""
    cleaned: dict[str, float] = {}
    for item_id, value in answers.items():
        if value is None or value == "":
            continue
        cleaned[str(item_id)] = float(value)
    score_one(instrument, cleaned)  # validates every answer against the definition
    return cleaned


def store_scores(administration: Administration, instrument: Instrument, *, new: bool) -> dict[str, Any]:
    """(Re)compute the scores of a completed administration from its answers.
    Flags (safety answers, reliable deterioration of the primary score since the
    member's previous result) are raised only when the answers are first scored."""
    if administration.taken_on is None:
        raise ValueError("a completed administration needs the date it was answered")
    taken_on: dt.date = administration.taken_on
    result = score_one(instrument, administration.answers)
    StoredScore.objects.filter(administration=administration).delete()
    now = timezone.now()
    StoredScore.objects.bulk_create(
        StoredScore(
            organization_id=administration.organization_id,
            administration=administration,
            member_id=administration.member_id,
            instrument_id=instrument.id,
            score_id=score_id,
            value=None if s["value"] is None or math.isnan(s["value"]) else float(s["value"]),
            n_answered=s["n_answered"],
            prorated=bool(s["prorated"]),
            band_index=s["band_index"] if s["band_index"] is not None and s["band_index"] >= 0 else None,
            flag=bool(s["flag"]),
            taken_on=taken_on,
            definition_version=instrument.version,
            computed_at=now,
        )
        for score_id, s in result["scores"].items()
    )
    if new:
        ResultFlag.objects.bulk_create(
            ResultFlag(
                organization_id=administration.organization_id,
                administration=administration,
                member_id=administration.member_id,
                item_id=hit["item"],
                value=float(administration.answers[hit["item"]]),
                raised_at=now,
            )
            for hit in result["safety"]
        )
        deterioration = _deterioration(administration, instrument, result, now)
        if deterioration is not None:
            deterioration.save(force_insert=True)
    return result


def _deterioration(
    administration: Administration, instrument: Instrument, result: dict[str, Any], now: dt.datetime
) -> ResultFlag | None:
    """A flag when the primary score reliably deteriorated since the previous result
    (only the primary score, so that subscales do not multiply alerts)."""
    score = instrument.primary_score
    value = result["scores"][score.id]["value"]
    if value is None or math.isnan(value):
        return None
    previous = (
        StoredScore.objects.filter(
            organization_id=administration.organization_id, member_id=administration.member_id,
            instrument_id=instrument.id, score_id=score.id, value__isnull=False,
            taken_on__lte=administration.taken_on,
        )
        .exclude(administration=administration)
        .order_by("-taken_on", "-administration_id")
        .first()
    )
    if previous is None or previous.value is None:
        return None
    sd = None
    if score.norms is None or score.norms.sd is None:
        sd = programme_baseline_sd(administration.organization_id, instrument.id, score.id)
    try:
        parameters = change_parameters(score, sd=sd)
    except MissingNormsError:
        return None
    change = reliable_change([previous.value], [value], parameters.sd, parameters.reliability, score.direction)
    if change.classification[0] != ReliableChangeClass.DETERIORATED:
        return None
    return ResultFlag(
        organization_id=administration.organization_id, administration=administration,
        member_id=administration.member_id, kind=FlagKind.DETERIORATION, score_id=score.id,
        value=float(value), previous_value=float(previous.value), rci=float(change.rci[0]), raised_at=now,
    )


@transaction.atomic(durable=True)
def record_paper_form(
    membership: Membership,
    member: Member,
    instrument_id: str,
    *,
    answers: dict[str, Any],
    taken_on: dt.date,
    reason: str,
    request: HttpRequest | None = None,
) -> Administration:
    """A questionnaire answered on paper and entered by staff."""
    require(membership, Perm.MEASURE_RECORD)
    instrument = get_instrument(instrument_id)
    administration = Administration.objects.create(
        organization=membership.organization,
        member=member,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        mode=Mode.STAFF,
        reason=reason,
        status=AdministrationStatus.COMPLETED,
        language=member.preferred_language,
        taken_on=taken_on,
        answers=clean_answers(instrument, answers),
        created_by=membership.user,
        completed_at=timezone.now(),
    )
    store_scores(administration, instrument, new=True)
    audit.record_by(
        membership, Event.MEASURE_RECORDED, target=administration, request=request,
        extra={"member": member.pk, "instrument": instrument.id},
    )
    return administration


@transaction.atomic(durable=True)
def create_link(
    membership: Membership,
    member: Member,
    instrument_id: str,
    *,
    reason: str,
    request: HttpRequest | None = None,
) -> tuple[Administration, str]:
    """A signed, single-use, expiring self-report link. Returns the administration
    and the token (shown once; only its hash is stored)."""
    require(membership, Perm.MEASURE_RECORD)
    instrument = get_instrument(instrument_id)
    token = secrets.token_urlsafe(24)
    administration = Administration.objects.create(
        organization=membership.organization,
        member=member,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        mode=Mode.LINK,
        reason=reason,
        language=member.preferred_language,
        link_token_hash=token_hash(token),
        link_expires_at=timezone.now() + dt.timedelta(hours=settings.PEERPATH_LINK_HOURS),
        created_by=membership.user,
    )
    audit.record_by(
        membership, Event.MEASURE_LINK_CREATED, target=administration, request=request,
        extra={"member": member.pk, "instrument": instrument.id},
    )
    return administration, token


def administration_for_token(token: str) -> tuple[Administration | None, str]:
    """The open administration of a link, or None and why: 'unknown', 'expired' or 'used'."""
    found = (
        Administration.objects.select_related("organization", "member")
        .filter(link_token_hash=token_hash(token), mode__in=[Mode.LINK, Mode.PORTAL, Mode.KIOSK])
        .first()
    )
    if found is None:
        return None, "unknown"
    if found.status == AdministrationStatus.COMPLETED:
        return None, "used"
    if found.status == AdministrationStatus.EXPIRED or (
        found.link_expires_at is not None and found.link_expires_at <= timezone.now()
    ):
        return None, "expired"
    return found, ""


@transaction.atomic(durable=True)
def save_link_answer(administration: Administration, item_id: str, value: float) -> None:
    """Keep one answer of a self-report in progress (so it can be resumed)."""
    instrument = get_instrument(administration.instrument_id)
    answers = {**administration.answers, str(item_id): float(value)}
    administration.answers = clean_answers(instrument, answers)
    administration.status = AdministrationStatus.IN_PROGRESS
    administration.save(update_fields=["answers", "status"])


@transaction.atomic(durable=True)
def complete_link(administration: Administration, request: HttpRequest | None = None) -> dict[str, Any]:
    """Finish a self-report: score it and make the link unusable."""
    instrument = get_instrument(administration.instrument_id)
    administration.status = AdministrationStatus.COMPLETED
    administration.taken_on = timezone.localdate()
    administration.completed_at = timezone.now()
    administration.save(update_fields=["status", "taken_on", "completed_at"])
    result = store_scores(administration, instrument, new=True)
    audit.record(
        Event.MEASURE_LINK_COMPLETED, actor=None, organization=administration.organization,
        target=administration, request=request, extra={"member": administration.member_id},
    )
    return result


@transaction.atomic(durable=True)
def follow_up_flag(membership: Membership, flag: ResultFlag, request: HttpRequest | None = None) -> None:
    require(membership, Perm.MEASURE_RECORD)
    flag.followed_up_by = membership.user
    flag.followed_up_at = timezone.now()
    flag.save(update_fields=["followed_up_by", "followed_up_at"])
    audit.record_by(
        membership, Event.FLAG_FOLLOWED_UP, target=flag, request=request, extra={"member": flag.member_id}
    )
