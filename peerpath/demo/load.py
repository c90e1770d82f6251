"""Writing a demo plan to the database in one transaction."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.demo.generator import EXTENSIONS, DemoPlan
from peerpath.measures.actions import store_scores
from peerpath.measures.library import library
from peerpath.measures.models import Administration, AdministrationStatus, PlanRule, ResultFlag
from peerpath.members import rules
from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
from peerpath.members.search import refresh_tokens
from peerpath.portal.models import MemberAccount
from peerpath.tenancy.models import Membership, Organization


def _questionnaires(member: Member, p: Any, recorded_by: Any) -> None:
    """Completed questionnaires (written together), scored by the engine like any
    other, in the order they were taken (a deterioration flag compares with the
    previous score). Safety answers are marked as followed up by ``_followed_up``."""
    now = timezone.now()
    instruments = library()
    administrations = Administration.objects.bulk_create([
        Administration(
            organization=member.organization, member=member, instrument_id=q.instrument_id,
            instrument_version=instruments[q.instrument_id].version, mode=q.mode, reason=q.reason,
            status=AdministrationStatus.COMPLETED, language=member.preferred_language, taken_on=q.taken_on,
            answers={k: float(v) for k, v in q.answers.items()}, created_by=recorded_by, completed_at=now,
        )
        for q in p.questionnaires
    ])
    for administration in administrations:
        store_scores(administration, instruments[administration.instrument_id], new=True)


def _followed_up(orgs: list[Organization]) -> None:
    """Flags on questionnaires older than a week are marked as followed up by whoever
    recorded the questionnaire (one update)."""
    from django.db.models import OuterRef, Subquery

    recorder = Administration.objects.filter(pk=OuterRef("administration_id")).values("created_by_id")[:1]
    ResultFlag.objects.filter(
        organization__in=orgs, administration__taken_on__lt=timezone.localdate() - dt.timedelta(days=7)
    ).update(followed_up_by_id=Subquery(recorder), followed_up_at=timezone.now())


# The demo's measurement plan: the questionnaires the generator fills in.
DEMO_PLAN = [
    ("phq9", "intake", None), ("who5", "intake", None), ("gses", "intake", None), ("ismi29", "intake", None),
    ("phq9", "every", 90), ("who5", "every", 90), ("gses", "every", 90), ("ismi29", "every", 180),
]


@dataclass
class LoadContext:
    """What the core demo wrote, for the domain apps' ``load`` functions."""

    orgs: dict[str, Organization]  # plan key ("main", "harbour") → organisation
    users: dict[str, Any]  # username → user
    members: dict[tuple[str, str], Member]  # (org key, member code) → member
    coordinators: dict[int, Any]  # organisation id → its coordinator (a user)


def demo_exists() -> bool:
    return Organization.objects.exists()


def load(plan: DemoPlan, password: str | None = None) -> dict[str, Any]:
    """Create the planned organisations, staff and members. Returns the logins.

    Alerts are not refreshed after each write here: the alerts app's part of the
    demo computes them once, at the end."""
    from peerpath.alerts.triggers import paused
    from peerpath.safety.actions import notifications_paused

    with paused(), notifications_paused():
        return _load(plan, password)


@transaction.atomic
def broken_rules(plan: DemoPlan, today: Any = None) -> list[str]:
    """Every value of the plan that the rules of ``members.rules`` refuse (the rules the
    forms, the API and the imports use): a demo never holds what a user could not enter."""
    today = today or timezone.localdate()
    found: list[str] = []
    codes: dict[tuple[str, str], str] = {}
    for p in plan.members:
        key = (p.org, rules.member_code_key(p.code))
        if key in codes:
            found.append(f"{p.org}/{p.code}: the member code is also {codes[key]!r}")
        codes.setdefault(key, p.code)
        dates = [("enrolment_date", p.enrolment_date, rules.past_date(p.enrolment_date, today))]
        dates += [("consent given_on", c.given_on, rules.past_date(c.given_on, today)) for c in p.consents]
        dates += [(f"{q.instrument_id} taken_on", q.taken_on, rules.answered_date(q.taken_on, p.enrolment_date, today))
                  for q in p.questionnaires]
        found += [f"{p.org}/{p.code}: {name} {value}: {broken.field_message}"
                  for name, value, broken in dates if broken is not None]
    return found


@transaction.atomic  # all or nothing (the writers of the exchange app require a transaction)
def _load(plan: DemoPlan, password: str | None = None) -> dict[str, Any]:
    password = password or settings.DEMO_PASSWORD
    if found := broken_rules(plan):
        raise ValueError("the demo plan breaks the rules of members.rules:\n" + "\n".join(found))
    User = get_user_model()
    # The published demo password, hashed once for every demo login (hashing is slow on purpose).
    hashed = make_password(password)
    orgs = {
        o.key: Organization.objects.create(name=o.name, slug=o.slug) for o in plan.orgs
    }
    users: dict[str, Any] = {}
    for s in plan.staff:
        user = User.objects.create_user(
            username=s.username, password=None, first_name=s.given_name, last_name=s.family_name,
            email=f"{s.username}@example.org",
        )
        user.password = hashed
        user.save(update_fields=["password"])
        users[s.username] = user
        for key in s.orgs:
            Membership.objects.create(user=user, organization=orgs[key], role=s.role, discipline=s.discipline)
    coordinators = {m.organization_id: m.user for m in Membership.objects.filter(role="coordinator")}
    by_code: dict[tuple[str, str], Member] = {}
    for p in plan.members:
        org = orgs[p.org]
        member = Member.objects.create(
            organization=org, code=p.code, name=p.name, birth_year=p.birth_year, gender=p.gender,
            enrolment_date=p.enrolment_date, status=p.status, referral_source=p.referral_source,
            phone=p.phone, email=p.email, address=p.address, diagnosis=p.diagnosis,
            preferred_language=p.language,
        )
        refresh_tokens(member)
        by_code[(p.org, p.code)] = member
        intake_by = users[p.professional[0][1]] if p.professional else coordinators[org.pk]
        for day, stage in p.stages:
            StageChange.objects.create(
                organization=org, member=member, stage=stage, changed_on=day, recorded_by=intake_by
            )
        for c in p.consents:
            Consent.objects.create(
                organization=org, member=member, kind=c.kind, version=c.version, given_on=c.given_on,
                withdrawn_on=c.withdrawn_on, recorded_by=intake_by,
                withdrawal_recorded_by=intake_by if c.withdrawn_on else None,
            )
        _questionnaires(member, p, intake_by)
        for i, (start, username) in enumerate(p.professional):
            end = p.professional[i + 1][0] if i + 1 < len(p.professional) else None
            CareTeamAssignment.objects.create(
                organization=org, member=member, role="professional", professional=users[username],
                started_on=start, ended_on=end, assigned_by=intake_by,
            )
    for p in plan.members:
        if p.mentor_code and p.mentor_from:
            member = by_code[(p.org, p.code)]
            CareTeamAssignment.objects.create(
                organization=member.organization, member=member, role="peer_mentor",
                mentor=by_code[(p.org, p.mentor_code)], started_on=p.mentor_from,
                assigned_by=coordinators.get(member.organization_id, users["coordinator"]),
            )
    # A member who uses the portal: an active member of the main organisation with
    # questionnaires coming due, so that the portal has something to show.
    active = [p for p in plan.members if p.org == "main" and p.status == "active"]
    first_active = next(
        (p for p in active if p.questionnaires and (plan.today - max(q.taken_on for q in p.questionnaires)).days >= 80),
        active[0],
    )
    portal_user = User.objects.create_user(username="member", password=None)
    portal_user.password = hashed
    portal_user.save(update_fields=["password"])
    MemberAccount.objects.create(
        organization=orgs["main"], member=by_code[("main", first_active.code)], user=portal_user,
        created_by=users["coordinator"],
    )
    for org in orgs.values():
        for instrument_id, trigger, days in DEMO_PLAN:
            PlanRule.objects.create(organization=org, instrument_id=instrument_id, trigger=trigger, interval_days=days)
    _followed_up(list(orgs.values()))
    ctx = LoadContext(orgs=orgs, users=users, members=by_code, coordinators=coordinators)
    for module in EXTENSIONS:
        importlib.import_module(module).load(plan, ctx)
    for org in orgs.values():
        audit.record(Event.DEMO_LOADED, actor=None, organization=org, extra={"seed": plan.seed})
    return {
        "password": password,
        "logins": [(s.username, s.role, [orgs[k].name for k in s.orgs]) for s in plan.staff]
        + [("member", f"member portal ({first_active.code})", [orgs["main"].name])],
    }
