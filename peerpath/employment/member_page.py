"""What the employment app adds to the member page: timeline providers (one query
each, whatever the history) and the "Work" panel."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.employment.labels import status_label
from peerpath.employment.models import (
    Disclosure,
    EmployerContact,
    Job,
    JobSearchActivity,
    Referral,
    SupportContact,
    SupportTrack,
    VocationalProfile,
)
from peerpath.employment.selectors import hours_label, last_contacts
from peerpath.employment.status import EmploymentStatus, status_on, tenure_days
from peerpath.members import panels
from peerpath.members.models import Member
from peerpath.members.timeline import TimelineEntry, Track, register
from peerpath.tenancy.models import Membership, display_name
from peerpath.tenancy.policy import Perm, can


def _ts(value: object, suffix: str = "") -> tuple[str, ...]:
    return (str(value), suffix) if suffix else (str(value),)


@register
def vocational_profiles(member: Member) -> list[TimelineEntry]:
    rows = (
        VocationalProfile.objects.for_org(member.organization).filter(member=member)
        .select_related("recorded_by").defer("goals", "work_history", "benefits_concerns")
        .order_by("recorded_on", "created_at")
    )
    entries = []
    for i, p in enumerate(rows):
        wants = ", ".join(p.sector_labels())
        if p.hours_per_week:
            hours = _("%(hours)s hours a week") % {"hours": p.hours_per_week}
            wants = f"{wants} · {hours}" if wants else hours
        entries.append(
            TimelineEntry(
                date=p.recorded_on, kind="employment.profile",
                title=_("Vocational profile recorded") if i == 0 else _("Vocational profile updated"),
                detail=wants, track=Track.PROFESSIONAL, by=display_name(p.recorded_by), sort_key=_ts(p.created_at),
            )
        )
    return entries


@register
def jobs(member: Member) -> list[TimelineEntry]:
    """Job starts and endings (one query: jobs with employer and ending)."""
    rows = (
        Job.objects.for_org(member.organization).filter(member=member)
        .select_related("employer", "created_by", "ending", "ending__recorded_by")
        .defer("accommodations", "hourly_wage", "employer__contact_person", "employer__phone", "employer__email",
               "employer__address", "employer__note")
    )
    entries = []
    for job in rows:
        where = {"title": job.title, "employer": job.employer.name}
        kind = _("competitive job") if job.is_competitive else _("not a competitive job")
        detail = _("%(hours)s hours a week · %(kind)s · %(disclosure)s") % {
            "hours": hours_label(job.hours_per_week), "kind": kind,
            "disclosure": Disclosure(job.disclosure).label,
        }
        entries.append(
            TimelineEntry(
                date=job.start_date, kind="employment.job_started",
                title=_("Job started: %(title)s, %(employer)s") % where, detail=detail,
                track=Track.PROFESSIONAL, by=display_name(job.created_by), sort_key=_ts(job.created_at),
            )
        )
        ending = getattr(job, "ending", None)
        if ending is not None:
            how = _("planned") if ending.planned else _("unplanned")
            entries.append(
                TimelineEntry(
                    date=ending.ended_on, kind="employment.job_ended",
                    title=_("Job ended: %(title)s, %(employer)s (%(reason)s, %(how)s)") % {
                        **where, "reason": ending.get_reason_display(), "how": how,
                    },
                    detail=ending.lessons, private_detail=True,  # free text: professional staff only
                    track=Track.PROFESSIONAL, by=display_name(ending.recorded_by),
                    sort_key=_ts(ending.created_at),
                )
            )
    return entries


@register
def job_search(member: Member) -> list[TimelineEntry]:
    rows = (
        JobSearchActivity.objects.for_org(member.organization).filter(member=member)
        .select_related("employer", "recorded_by")
        .only("organization_id", "member_id", "done_on", "kind", "position", "outcome", "note", "created_at",
              "employer__name", "recorded_by__username", "recorded_by__first_name", "recorded_by__last_name")
    )
    entries = []
    for a in rows:
        where = ", ".join(x for x in (a.position, a.employer.name if a.employer else "") if x)
        title = _("Job search: %(kind)s") % {"kind": a.get_kind_display()}
        if where:
            title = f"{title} · {where}"
        entries.append(
            TimelineEntry(
                date=a.done_on, kind="employment.search",
                title=f"{title} ({a.get_outcome_display()})", detail=a.note, private_detail=True,
                track=Track.PROFESSIONAL, by=display_name(a.recorded_by), sort_key=_ts(a.created_at),
            )
        )
    return entries


@register
def support_contacts(member: Member) -> list[TimelineEntry]:
    """Support from both tracks, each entry on the track it came from."""
    rows = SupportContact.objects.for_org(member.organization).filter(member=member).select_related("by")
    return [
        TimelineEntry(
            date=c.contacted_on, kind="employment.support",
            title=_("Support: %(kind)s, %(place)s, %(minutes)s min") % {
                "kind": c.get_kind_display(), "place": c.get_place_display(), "minutes": c.minutes,
            },
            detail=c.note, private_detail=True,
            track=Track.PEER if c.track == SupportTrack.PEER else Track.PROFESSIONAL,
            by=display_name(c.by), sort_key=_ts(c.created_at),
        )
        for c in rows
    ]


@register
def job_development(member: Member) -> list[TimelineEntry]:
    """Contacts the employment specialist made with an employer for this member."""
    rows = (
        EmployerContact.objects.for_org(member.organization).filter(member=member)
        .select_related("employer", "by")
        .only("organization_id", "member_id", "employer__name", "contacted_on", "kind", "outcome", "created_at",
              "by__username", "by__first_name", "by__last_name")
    )
    return [
        TimelineEntry(
            date=c.contacted_on, kind="employment.job_development",
            title=_("Job development: %(kind)s, %(employer)s") % {
                "kind": c.get_kind_display(), "employer": c.employer.name,
            },
            detail=c.outcome, private_detail=True, track=Track.PROFESSIONAL, by=display_name(c.by),
            sort_key=_ts(c.created_at),
        )
        for c in rows
    ]


@register
def referral(member: Member) -> list[TimelineEntry]:
    """The referral that brought the member in: received, first contact, intake."""
    rows = (
        Referral.objects.for_org(member.organization).filter(member=member)
        .only("organization_id", "member_id", "source", "received_on", "contacted_on", "intake_on", "created_at")
    )
    entries = []
    for r in rows:
        entries.append(TimelineEntry(
            date=r.received_on, kind="referral.received",
            title=_("Referral received: %(source)s") % {"source": r.get_source_display()},
            track=Track.ADMIN, sort_key=_ts(r.created_at, "1"),
        ))
        if r.contacted_on:
            entries.append(TimelineEntry(
                date=r.contacted_on, kind="referral.contacted", title=_("First contact after referral"),
                track=Track.PROFESSIONAL, sort_key=_ts(r.created_at, "2"),
            ))
        if r.intake_on:
            entries.append(TimelineEntry(
                date=r.intake_on, kind="referral.intake", title=_("Intake meeting"),
                track=Track.PROFESSIONAL, sort_key=_ts(r.created_at, "3"),
            ))
    return entries


@panels.register
def work_panel(member: Member, membership: Membership) -> panels.Panel | None:
    """Current work, and the last support contact from each track (two queries)."""
    if not can(membership, Perm.EMPLOYMENT_VIEW):
        return None
    today = timezone.localdate()
    rows = list(
        Job.objects.for_org(membership.organization).filter(member=member)
        .select_related("employer", "ending")
        .only("organization_id", "member_id", "title", "start_date", "end_date", "hours_per_week", "in_community",
              "open_to_anyone", "minimum_wage_or_more", "disclosure", "employer__name",
              "ending__ended_on", "ending__reason", "ending__job_id")
        .order_by("-start_date", "-pk")
    )
    status = status_on([j.span() for j in rows], today)
    current = [(j, tenure_days(j.span(), today)) for j in rows if j.span().holds_on(today)]
    ended = [j for j in rows if j.end_date is not None and j.end_date <= today]
    last_ended = max(ended, key=lambda j: j.end_date or today, default=None)
    contacts = last_contacts(membership.organization_id, [member.pk], today).get(member.pk, {})
    return panels.Panel(
        template="employment/panel_work.html",
        title=_("Work"),
        context={
            "status": status,
            "status_label": status_label(status),
            "working": status is not EmploymentStatus.NOT_EMPLOYED,
            "current": current,
            "last_ended": last_ended if status is EmploymentStatus.NOT_EMPLOYED else None,
            "last_professional": contacts.get(SupportTrack.PROFESSIONAL.value),
            "last_peer": contacts.get(SupportTrack.PEER.value),
            "today": today,
        },
    )
