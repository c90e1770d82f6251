"""Writes of questionnaire data: each a durable transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Func, JSONField, Q, QuerySet, Value
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures import completion
from peerpath.measures.change import (
    MissingNormsError,
    ReliableChangeClass,
    change_parameters,
    reliable_change,
)
from peerpath.measures.definitions import Direction, Instrument
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
from peerpath.members import precompiled
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AnswerError(ValueError):
    """An answer that cannot be kept, naming its item (``item_id``)."""

    def __init__(self, item_id: str, message: str) -> None:
        super().__init__(message)
        self.item_id = item_id


def clean_answers(instrument: Instrument, answers: dict[str, Any]) -> dict[str, float]:
    """Numeric answers keyed by item id; the one rule for answers however they come
    in (self-report pages, paper form, API). Raises ``AnswerError`` (a ValueError)
    naming the item for a value that is not a finite number (``nan``, ``inf``,
    ``1e999``), and ValueError naming the item for a value that is not one of the
    item's answers. A blank or ``None`` answer is left out (not answered)."""
    cleaned: dict[str, float] = {}
    for item_id, value in answers.items():
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            raise AnswerError(
                str(item_id),
                _("Item %(item)s: %(value)s is not an answer (an answer is a finite number).")
                % {"item": item_id, "value": str(value)[:40]},
            )
        cleaned[str(item_id)] = number
    try:
        score_one(instrument, cleaned)  # validates every answer against the definition
    except ValueError as exc:
        for item_id, number in cleaned.items():  # name the first answer the engine refuses
            try:
                score_one(instrument, {item_id: number})
            except ValueError:
                raise AnswerError(
                    item_id, _("Item %(item)s: %(value)s is not one of its answers.")
                    % {"item": item_id, "value": f"{number:g}"},
                ) from exc
        raise
    return cleaned


def store_scores(administration: Administration, instrument: Instrument, *, new: bool) -> dict[str, Any]:
    """(Re)compute the scores of a completed administration from its answers.
    Flags (safety answers, reliable deterioration of the primary score since the
    member's previous result) are raised only when the answers are first scored
    (``new``: the administration has no scores yet)."""
    if administration.taken_on is None:
        raise ValueError("a completed administration needs the date it was answered")
    taken_on: dt.date = administration.taken_on
    result = score_one(instrument, administration.answers)
    if not new:
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
        # Read before the safety follow-ups are opened: opening one appends to the
        # organisation's audit chain, whose head stays locked until the commit.
        deterioration = _deterioration(administration, instrument, result, now)
        flags = [
            ResultFlag(
                organization_id=administration.organization_id,
                administration=administration,
                member_id=administration.member_id,
                item_id=hit["item"],
                value=float(administration.answers[hit["item"]]),
                raised_at=now,
            )
            # one flag per item (the database allows no more), however many rules name it
            for hit in {hit["item"]: hit for hit in result["safety"]}.values()
        ]
        if deterioration is not None:
            flags.append(deterioration)  # written with them, after them (one INSERT)
        # A bulk insert sends no post_save: the administration's own save stands for
        # its flags (alerts.triggers refreshes its member's questionnaire rules).
        ResultFlag.objects.bulk_create(flags)
        if result["safety"]:  # last: the audit chain's head is locked from here to the commit
            completion.safety_flags_raised(administration.organization_id, [administration.pk])
    return result


def _worse(direction: Direction | str, before: float, after: float) -> bool:
    """Whether ``after`` is worse than ``before``: only then can the change be a
    reliable deterioration (an RCI beyond the criterion in the worse direction)."""
    return after > before if Direction(direction) is Direction.HIGHER_IS_WORSE else after < before


def _previous_score(organization_id: int, member_id: int, instrument_id: str, score_id: str, taken_on: dt.date,
                    administration_id: int) -> QuerySet[StoredScore, tuple[Any, ...]]:
    """The member's latest earlier value of one score (answered on or before
    ``taken_on``, another questionnaire than ``administration_id``)."""
    return (
        StoredScore.objects.filter(
            organization_id=organization_id, member_id=member_id, instrument_id=instrument_id, score_id=score_id,
            value__isnull=False, taken_on__lte=taken_on,
        )
        .exclude(administration_id=administration_id)
        .order_by("-taken_on", "-administration_id")
        .values_list("value")[:1]
    )


def _deterioration(
    administration: Administration, instrument: Instrument, result: dict[str, Any], now: dt.datetime
) -> ResultFlag | None:
    """A flag when the primary score reliably deteriorated since the previous result
    (only the primary score, so that subscales do not multiply alerts). The previous
    result is read by SQL compiled once, prepared on PostgreSQL (every finished
    questionnaire asks)."""
    score = instrument.primary_score
    value = result["scores"][score.id]["value"]
    if value is None or math.isnan(value):
        return None
    assert administration.taken_on is not None
    found = precompiled.rows(("measures.previous_score",), _previous_score, {
        "organization_id": administration.organization_id, "member_id": administration.member_id,
        "instrument_id": instrument.id, "score_id": score.id, "taken_on": administration.taken_on,
        "administration_id": administration.pk,
    }, prepared=True)
    if not found or found[0][0] is None:
        return None
    previous_value = float(found[0][0])
    if not _worse(score.direction, previous_value, value):
        return None  # not deteriorated whatever the SD: the programme's is not read
    sd = None
    if score.norms is None or score.norms.sd is None:
        sd = programme_baseline_sd(administration.organization_id, instrument.id, score.id)
    try:
        parameters = change_parameters(score, sd=sd)
    except MissingNormsError:
        return None
    change = reliable_change([previous_value], [value], parameters.sd, parameters.reliability, score.direction)
    if change.classification[0] != ReliableChangeClass.DETERIORATED:
        return None
    return ResultFlag(
        organization_id=administration.organization_id, administration=administration,
        member_id=administration.member_id, kind=FlagKind.DETERIORATION, score_id=score.id,
        value=float(value), previous_value=previous_value, rci=float(change.rci[0]), raised_at=now,
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


OPEN = (AdministrationStatus.PENDING, AdministrationStatus.IN_PROGRESS)


def _token_rows(token_hash: str) -> QuerySet[Administration]:
    return Administration.objects.filter(link_token_hash=token_hash, mode__in=[Mode.LINK, Mode.PORTAL, Mode.KIOSK])[:1]


def _by_token(token: str) -> Administration | None:
    """The administration of a link (read on every page of a questionnaire: its SQL
    is compiled once, and on PostgreSQL prepared once per connection; the
    organisation and member are read only when used)."""
    found = precompiled.objects(("measures.by_token",), _token_rows, {"token_hash": token_hash(token)}, prepared=True)
    return found[0] if found else None


def _expired(administration: Administration) -> bool:
    return administration.link_expires_at is not None and administration.link_expires_at <= timezone.now()


def administration_for_token(token: str) -> tuple[Administration | None, str]:
    """The open administration of a link, or None and why: 'unknown', 'expired' or 'used'."""
    found = _by_token(token)
    if found is None:
        return None, "unknown"
    if found.status == AdministrationStatus.COMPLETED:
        return None, "used"
    if found.status == AdministrationStatus.EXPIRED or _expired(found):
        return None, "expired"
    return found, ""


def completed_for_token(token: str) -> Administration | None:
    """The administration of a link that was completed and whose link has not expired
    yet, as stored: a request that lost the race to finish it shows the same page."""
    found = _by_token(token)
    if found is None or found.status != AdministrationStatus.COMPLETED or _expired(found):
        return None
    return found


class _MergedAnswers(Func):
    """The stored answers with those given merged in (theirs win), computed by the
    database from the row as it is when the UPDATE writes it."""

    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" || ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="json_patch", **extra)


def save_link_answer(administration: Administration, item_id: str, value: Any) -> bool:
    """Keep one answer of a self-report in progress (so it can be resumed). Only an
    open administration takes answers: False (nothing written) when it was finished
    or closed meanwhile. Raises ``AnswerError`` naming the item for a bad value.
    Joins the caller's transaction, if any.

    One UPDATE merges the answer into the answers stored, if the row is still open:
    the database applies it to the row as the last writer left it (a concurrent
    write is waited for, then the condition and the merge are evaluated again), so
    answers sent at the same time are all kept and an answer never reopens a
    finished questionnaire. That one statement is its own transaction (no BEGIN and
    COMMIT around it: an answer is a tap on a phone, and there are many)."""
    answer = clean_answers(get_instrument(administration.instrument_id), {str(item_id): value})
    rows = Administration.objects.filter(pk=administration.pk, status__in=OPEN)
    if answer:
        kept = rows.update(answers=_MergedAnswers(F("answers"), Value(answer, output_field=JSONField())),
                           status=AdministrationStatus.IN_PROGRESS)
        if not kept:
            return False
        administration.answers = {**administration.answers, **answer}
    else:  # a blank answer takes the item's answer back: the row is locked, read and written
        with transaction.atomic():
            stored = rows.select_for_update().values_list("answers", flat=True).first()
            if stored is None:
                return False
            answers = {k: v for k, v in stored.items() if k != str(item_id)}
            rows.update(answers=answers, status=AdministrationStatus.IN_PROGRESS)
        administration.answers = answers
    administration.status = AdministrationStatus.IN_PROGRESS
    return True


@transaction.atomic(durable=True)
def complete_link(administration: Administration, request: HttpRequest | None = None) -> dict[str, Any] | None:
    """Finish a self-report exactly once: score it and make the link unusable.

    One conditional UPDATE moves the administration from open to completed; the
    database lets exactly one of several simultaneous requests do so (the others
    wait for its row lock and then match no row, or run after it). Only that one
    stores scores, flags and the audit entry. Returns the scores, or None when the
    administration was no longer open (another request finished it first, or it
    expired): then nothing is written. When it returns the scores, ``administration``
    is as stored (completed), with its organisation and member."""
    now = timezone.now()
    finished = (
        Administration.objects.filter(pk=administration.pk, status__in=OPEN)
        .filter(Q(link_expires_at__isnull=True) | Q(link_expires_at__gt=now))
        .update(status=AdministrationStatus.COMPLETED, taken_on=timezone.localdate(), completed_at=now)
    )
    if not finished:
        return None
    _refresh(administration)  # the answers as stored, not as read before the update
    # An UPDATE sends no post_save: announce the change as a save would (alerts follow it).
    post_save.send(
        sender=Administration, instance=administration, created=False, raw=False,
        using=administration._state.db, update_fields=frozenset({"status", "taken_on", "completed_at"}),
    )
    instrument = get_instrument(administration.instrument_id)
    result = store_scores(administration, instrument, new=True)
    audit.record(
        Event.MEASURE_LINK_COMPLETED, actor=None, organization=administration.organization,
        target=administration, request=request, extra={"member": administration.member_id},
    )
    return result


def _with_owner(pk: int) -> QuerySet[Administration]:
    return Administration.objects.filter(pk=pk).select_related("organization", "member")


def stored_with_owner(pk: int) -> Administration | None:
    """An administration as stored, with its organisation and member (one read, its
    SQL compiled once and prepared on PostgreSQL: every finished self-report reads it)."""
    found = precompiled.objects(("measures.stored_with_owner",), _with_owner, {"pk": pk}, prepared=True)
    return found[0] if found else None


def _refresh(administration: Administration) -> None:
    """``administration.refresh_from_db()``, with its organisation and member read in
    the same statement (and kept: what the finishing request uses next)."""
    stored = stored_with_owner(administration.pk)
    if stored is None:
        raise Administration.DoesNotExist(f"administration {administration.pk} is gone")
    for field in Administration._meta.concrete_fields:
        setattr(administration, field.attname, getattr(stored, field.attname))
    administration._state.fields_cache = dict(stored._state.fields_cache)  # organization, member; nothing else
    administration._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    administration._state.db = stored._state.db


@transaction.atomic(durable=True)
def follow_up_flag(membership: Membership, flag: ResultFlag, request: HttpRequest | None = None) -> None:
    require(membership, Perm.MEASURE_RECORD)
    flag.followed_up_by = membership.user
    flag.followed_up_at = timezone.now()
    flag.save(update_fields=["followed_up_by", "followed_up_at"])
    audit.record_by(
        membership, Event.FLAG_FOLLOWED_UP, target=flag, request=request, extra={"member": flag.member_id}
    )
