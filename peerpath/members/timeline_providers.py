"""Timeline entries for what the members app records."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.members.models import (
    CareRole,
    CareTeamAssignment,
    Consent,
    Member,
    Stage,
)
from peerpath.members.timeline import TimelineEntry, Track, register
from peerpath.tenancy.models import display_name

CONTACT_FIELDS = ("name", "preferred_name", "phone", "email", "address", "emergency_contact", "national_id")


def _ts(value: object) -> tuple[str, ...]:
    return (str(value),)


@register
def enrolment(member: Member) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            date=member.enrolment_date,
            kind="member.enrolled",
            title=_("Enrolled in the programme"),
            detail=_("Referral source: %(source)s") % {"source": member.get_referral_source_display()},
            sort_key=("0",),
        )
    ]


@register
def consents(member: Member) -> list[TimelineEntry]:
    entries = []
    rows = Consent.objects.for_org(member.organization).filter(member=member).select_related(
        "recorded_by", "withdrawal_recorded_by"
    )
    for c in rows:
        entries.append(
            TimelineEntry(
                date=c.given_on,
                kind="consent.given",
                title=_("Consent given: %(kind)s") % {"kind": c.get_kind_display()},
                detail=_("Form version %(version)s") % {"version": c.version},
                by=display_name(c.recorded_by),
                sort_key=_ts(c.created_at),
            )
        )
        if c.withdrawn_on:
            entries.append(
                TimelineEntry(
                    date=c.withdrawn_on,
                    kind="consent.withdrawn",
                    title=_("Consent withdrawn: %(kind)s") % {"kind": c.get_kind_display()},
                    detail=_("Form version %(version)s") % {"version": c.version},
                    by=display_name(c.withdrawal_recorded_by) if c.withdrawal_recorded_by else "",
                    sort_key=_ts(c.created_at) + ("w",),
                )
            )
    return entries


@register
def stages(member: Member) -> list[TimelineEntry]:
    labels = dict(Stage.choices)
    return [
        TimelineEntry(
            date=s.changed_on,
            kind="stage.changed",
            title=_("Recovery stage: %(stage)s") % {"stage": labels.get(s.stage, s.stage)},
            detail=s.note,
            private_detail=True,  # a free-text note may hold clinical detail
            by=display_name(s.recorded_by),
            sort_key=_ts(s.created_at),
        )
        for s in member.stage_changes.all().select_related("recorded_by")
    ]


@register
def care_team(member: Member) -> list[TimelineEntry]:
    entries = []
    rows = CareTeamAssignment.objects.for_org(member.organization).filter(member=member).select_related(
        "professional", "mentor", "assigned_by"
    )
    for a in rows:
        if a.role == CareRole.PROFESSIONAL:
            who = display_name(a.professional)
            title = _("Professional assigned: %(name)s") % {"name": who}
            track = Track.PROFESSIONAL
        else:
            who = f"{a.mentor.code} {a.mentor.name}" if a.mentor else ""
            title = _("Peer mentor assigned: %(name)s") % {"name": who}
            track = Track.PEER
        entries.append(
            TimelineEntry(
                date=a.started_on, kind="care_team.assigned", title=title, track=track,
                by=display_name(a.assigned_by), sort_key=_ts(a.created_at),
            )
        )
        if a.ended_on:
            entries.append(
                TimelineEntry(
                    date=a.ended_on, kind="care_team.ended", track=track,
                    title=_("%(role)s ended: %(name)s") % {"role": a.get_role_display(), "name": who},
                    sort_key=_ts(a.created_at) + ("e",),
                )
            )
    return entries


@register
def detail_changes(member: Member) -> list[TimelineEntry]:
    """Changes to contact and personal details, from the field history (the
    timeline names the fields changed, never their old or new values)."""
    records = list(member.history.all().select_related("history_user").order_by("history_date"))
    entries = []
    labels = {f.name: str(f.verbose_name) for f in Member._meta.get_fields() if hasattr(f, "verbose_name")}
    for prev, cur in zip(records, records[1:], strict=False):
        delta = cur.diff_against(prev)
        names = [c.field for c in delta.changes]
        if not names:
            continue
        clinical = set(names) <= {"diagnosis", "clinical_notes"}
        entries.append(
            TimelineEntry(
                date=timezone.localdate(cur.history_date),
                kind="member.updated",
                title=_("Details updated"),
                detail=", ".join(labels.get(n, n) for n in names if n not in {"diagnosis", "clinical_notes"} or clinical),
                by=display_name(cur.history_user) if cur.history_user else "",
                clinical=clinical,
                sort_key=_ts(cur.history_date),
            )
        )
    return entries
