"""Computing an organisation's alerts: snapshots of every active member in a fixed
number of queries, the rules over them, and the stored alerts brought up to date.

- A finding without an alert raises one (state open).
- An open or acknowledged alert whose finding is gone is resolved automatically
  ("condition cleared").
- An alert resolved by hand stays resolved while the same episode (same key)
  persists: no nagging. One cleared automatically is reopened if its episode
  comes back (a mentor assignment that ended again, a contact deleted).

Run by ``peerpath alerts`` (see the management command), by the "recompute now"
button and by the demo. One transaction and one audit entry per organisation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from peerpath.alerts import rules, sources
from peerpath.alerts.models import UNRESOLVED, Alert, Resolution, State
from peerpath.alerts.selectors import thresholds_of
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.models import ResultFlag
from peerpath.measures.selectors import due_of
from peerpath.members import precompiled
from peerpath.members.models import CareRole, Member, Status
from peerpath.members.selectors import has_current
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Organization

PEER = "peer"  # the peer track's key in EmploymentFacts.last_contact

# What each source of ``snapshots`` feeds: the rules that read it. A refresh of some
# rules (``compute_alerts(rule_ids=...)``) reads only the sources those rules need.
_CONTACT_RULES = frozenset({rules.NO_CONTACT, rules.JOB_ENDED, rules.ISOLATED})  # read last_contact
NEEDS: dict[str, frozenset[str]] = {
    "flags": frozenset({rules.SAFETY, rules.DETERIORATION}),
    "overdue": frozenset({rules.OVERDUE}),
    "employment": _CONTACT_RULES,  # jobs, job endings, the last support contact per track
    "helping": _CONTACT_RULES,  # a helping contact received is a peer-track contact
    "attendance": frozenset({rules.MISSED_SESSIONS}),
    "isolation": frozenset({rules.ISOLATED}),
    "mentor": frozenset({rules.NO_MENTOR}),  # whether the member has a current peer mentor
}


@dataclass(frozen=True)
class ComputeResult:
    raised: int  # new alerts (and automatically cleared ones reopened)
    cleared: int  # alerts resolved because their condition cleared
    open: int  # unresolved alerts after the run


def snapshots(
    organization: Organization,
    today: dt.date,
    thresholds: rules.Thresholds,
    member_ids: Collection[int] | None = None,
    rule_ids: Collection[str] | None = None,
) -> list[rules.MemberSnapshot]:
    """One snapshot per active member of the organisation (or of ``member_ids``
    among them), in a fixed number of queries however many members there are.
    With ``rule_ids``, only what those rules read is filled in (the rest is left
    at its default: the other rules must not be evaluated on these snapshots)."""

    def needed(source: str) -> bool:
        return rule_ids is None or not NEEDS[source].isdisjoint(rule_ids)

    org_id = organization.pk
    mentor = needed("mentor")  # whether each has a current peer mentor: for no_mentor only
    # One member (the refresh after a write about them): their reads are compiled once.
    one = next(iter(member_ids)) if member_ids is not None and len(member_ids) == 1 else None
    if one is not None:
        members = precompiled.objects(("alerts.snapshot_member", mentor),
                                      lambda organization, member: _members(organization, [member], mentor),
                                      {"organization": org_id, "member": one}, prepared=True)
    else:
        members = list(_members(org_id, None if member_ids is None else list(member_ids), mentor))
    if not members:
        return []
    ids = [m.pk for m in members]
    flags: dict[int, list[rules.OpenFlag]] = defaultdict(list)
    if needed("flags"):
        rows: Iterable[tuple[Any, ...]]
        if one is not None:
            rows = precompiled.tuples(("alerts.snapshot_flags",), lambda organization, member: _open_flags(
                organization, [member]), {"organization": org_id, "member": one}, prepared=True)
        else:
            rows = _open_flags(org_id, ids)
        for pk, member_id, kind, raised_at, instrument_id in rows:
            flags[member_id].append(rules.OpenFlag(pk, kind, timezone.localdate(raised_at), instrument_id))
    overdue: dict[int, list[rules.OverdueQuestionnaire]] = defaultdict(list)
    if thresholds.overdue and needed("overdue"):
        for member, due in due_of(org_id, members, today):
            overdue[member.pk] = [rules.OverdueQuestionnaire(d.instrument_id, d.due_on) for d in due if d.overdue]
    facts = sources.employment_facts(org_id, ids, today) if needed("employment") else {}
    attendance = sources.recent_attendance(org_id, ids, thresholds.missed_sessions) if needed("attendance") else {}
    helping = sources.last_helping_received(org_id, ids) if needed("helping") else {}
    isolated = (sources.isolated_member_ids(org_id, today, thresholds.isolation_days) if needed("isolation")
                else set())
    found = []
    for m in members:
        f = facts.get(m.pk)
        contact: dict[str, dt.date] = dict(f.last_contact) if f is not None else {}
        if m.pk in helping:  # a helping contact received counts as a peer-track contact
            contact[PEER] = max(contact.get(PEER, helping[m.pk]), helping[m.pk])
        found.append(rules.MemberSnapshot(
            member_id=m.pk,
            enrolment_date=m.enrolment_date,
            today=today,
            employed=bool(f and f.employed),
            current_job_starts=tuple(f.current_job_starts) if f else (),
            last_job_end=f.last_job_end if f else None,
            last_job_end_reason=f.last_job_end_reason if f else "",
            last_contact=contact,
            recent_attendance=tuple(attendance.get(m.pk, ())),
            open_flags=tuple(flags.get(m.pk, ())),
            overdue=tuple(overdue.get(m.pk, ())),
            has_peer_mentor=bool(getattr(m, "has_mentor", False)),
            isolated=m.pk in isolated,
        ))
    return found


def _members(organization: int, member_ids: list[int] | None, mentor: bool) -> QuerySet[Member]:
    """The active members of the organisation (or of ``member_ids`` among them),
    with whether each has a current peer mentor when ``mentor``."""
    chosen = Member.objects.for_org(organization).filter(status=Status.ACTIVE)
    if member_ids is not None:
        chosen = chosen.filter(pk__in=member_ids)
    if mentor:
        chosen = chosen.annotate(has_mentor=has_current(CareRole.PEER_MENTOR))
    return chosen.only("id", "organization_id", "enrolment_date").order_by("pk")


def _open_flags(organization: int, member_ids: list[int]) -> QuerySet[ResultFlag, tuple[Any, ...]]:
    """The members' flags not yet followed up, with their instrument."""
    return (
        ResultFlag.objects.for_org(organization)
        .filter(followed_up_at__isnull=True, member_id__in=member_ids)
        .values_list("id", "member_id", "kind", "raised_at", "administration__instrument_id")
    )


def _stored(organization: int, member_ids: list[int] | None, keys: Collection[str], found: Collection[int]
            ) -> QuerySet[Alert]:
    """The unresolved alerts of the organisation (or of ``member_ids``), and those of
    the episodes ``keys`` of the members ``found``, whatever their state."""
    stored = Alert.objects.for_org(organization)
    if member_ids is not None:
        stored = stored.filter(member_id__in=member_ids)
    return stored.filter(Q(state__in=UNRESOLVED) | Q(key__in=keys, member_id__in=found)).only(
        "id", "member_id", "rule", "key", "state", "resolution")


def _existing(organization: int, member_ids: Collection[int] | None, keys: set[str],
              findings: Collection[tuple[int, str, str]]) -> list[Alert]:
    """``_stored`` for these findings. For one member (the refresh after a write) its
    SQL is compiled once per number of keys, rounded up to a power of two (the last
    key repeated: the same condition)."""
    found = {m for m, _r, _k in findings}
    if member_ids is None or len(member_ids) != 1:
        return list(_stored(organization, None if member_ids is None else list(member_ids), keys, found))
    (member,) = member_ids
    ordered = sorted(keys)
    size = 1 << (len(ordered) - 1).bit_length() if ordered else 0
    values: dict[str, Any] = {"organization": organization, "member": member}
    values.update({f"key{i}": ordered[min(i, len(ordered) - 1)] for i in range(size)})

    def build(organization: int, member: int, **keyed: str) -> QuerySet[Alert]:
        return _stored(organization, [member], [keyed[f"key{i}"] for i in range(size)], [member] if size else [])

    return precompiled.objects(("alerts.existing", size), build, values, prepared=True)


def _new_alert(organization: Organization, member_id: int, finding: rules.Finding, now: dt.datetime) -> Alert:
    return Alert(
        organization=organization, member_id=member_id, rule=finding.rule, key=finding.key,
        started_on=finding.started_on, raised_at=now, state=State.OPEN, clinical=finding.clinical,
        audience=list(finding.audience), peer_track=bool(set(finding.audience) & rules.PEER_TRACK),
        message=finding.message, params=dict(finding.params),
    )


@durable_action
def compute_alerts(
    organization: Organization,
    today: dt.date,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    member_ids: Collection[int] | None = None,
    rule_ids: Collection[str] | None = None,
) -> ComputeResult:
    """Bring the organisation's alerts up to date with its records as of ``today``
    (one transaction; ``compute_alerts.within`` joins the caller's). ``actor`` is
    the staff user who asked for it, or ``None`` for the command and for the
    refresh after a write. ``member_ids``: only these members (after a write that
    concerns them); their alerts, and no one else's, are brought up to date.
    ``rule_ids``: only the alerts of these rules (after a write that only they
    read, e.g. a questionnaire completed); the others' are left as they are, and
    count in ``open`` as they stand."""
    thresholds = thresholds_of(organization)
    findings: dict[tuple[int, str, str], rules.Finding] = {
        (s.member_id, f.rule, f.key): f
        for s in snapshots(organization, today, thresholds, member_ids, rule_ids)
        for f in rules.evaluate(s, thresholds, rule_ids)
    }
    keys = {key for _member, _rule, key in findings}
    existing = {(a.member_id, a.rule, a.key): a for a in _existing(organization.pk, member_ids, keys, findings)}
    now = timezone.now()
    new = [_new_alert(organization, ident[0], f, now) for ident, f in findings.items() if ident not in existing]
    reopen = [
        a.pk for ident, a in existing.items()
        if ident in findings and a.state == State.RESOLVED and a.resolution == Resolution.CLEARED
    ]
    cleared = [
        a.pk for ident, a in existing.items()
        if ident not in findings and a.state in UNRESOLVED and (rule_ids is None or a.rule in rule_ids)
    ]
    if new:
        Alert.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent run may have raised one already
    if reopen:
        Alert.objects.for_org(organization).filter(pk__in=reopen).update(
            state=State.OPEN, raised_at=now, resolution=Resolution.NONE, resolved_at=None, resolved_by=None,
            acknowledged_at=None, acknowledged_by=None, acknowledge_note="", note="",
        )
    if cleared:
        Alert.objects.for_org(organization).filter(pk__in=cleared).update(
            state=State.RESOLVED, resolution=Resolution.CLEARED, resolved_at=now, resolved_by=None,
        )
    still_open = sum(1 for a in existing.values() if a.state in UNRESOLVED) - len(cleared)
    result = ComputeResult(raised=len(new) + len(reopen), cleared=len(cleared), open=still_open + len(new) + len(reopen))
    audit.record(
        Event.ALERTS_COMPUTED, actor=actor, organization=organization, request=request,
        extra={
            "date": today.isoformat(), "raised": result.raised, "cleared": result.cleared, "open": result.open,
            **({"members": sorted(member_ids)} if member_ids is not None else {}),
        },
    )
    return result
