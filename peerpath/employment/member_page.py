"""What the employment app adds to the member page: timeline sources (read with
every other app's in the timeline's one query, a window at a time) and the "Work"
panel."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Case,
    CharField,
    DateField,
    DecimalField,
    F,
    Max,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.employment import rules
from peerpath.employment.labels import status_label
from peerpath.employment.models import (
    Disclosure,
    Employer,
    EmployerContact,
    Job,
    JobEnding,
    JobSearchActivity,
    Referral,
    Sector,
    SupportContact,
    SupportTrack,
    VocationalProfile,
)
from peerpath.employment.selectors import hours_label
from peerpath.employment.status import EmploymentStatus, status_on, tenure_days
from peerpath.members import panels, precompiled
from peerpath.members.models import Member
from peerpath.members.timeline import (
    Source,
    TimelineEntry,
    Track,
    label,
    plain,
    register,
    staff_columns,
    staff_name,
)
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


def _json_list(value: Any) -> list[Any]:
    """A JSON list column read inside the timeline's JSON (text on SQLite)."""
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@register
def vocational_profiles(member: Member) -> list[Source]:
    rows = VocationalProfile.objects.filter(organization_id=member.organization_id, member=member)
    first = rows.order_by("recorded_on", "created_at").values("pk")[:1]

    def render(d: dict[str, Any]) -> TimelineEntry:
        labels = dict(Sector.choices)
        wants = ", ".join(str(labels.get(x, x)) for x in _json_list(d["sectors"]))
        if d["hours"]:
            hours = _("%(hours)s hours a week") % {"hours": d["hours"]}
            wants = f"{wants} · {hours}" if wants else hours
        return TimelineEntry(
            date=d["_date"], kind="employment.profile",
            title=_("Vocational profile recorded") if d["first"] else _("Vocational profile updated"),
            detail=wants, by=staff_name(d, "by"),
        )

    return [Source(
        name="employment.profile", queryset=rows, date=F("recorded_on"), track=Track.PROFESSIONAL, render=render,
        columns={"sectors": F("sectors"), "hours": F("hours_per_week"),
                 "first": Case(When(pk=Subquery(first), then=Value(True)), default=Value(False)),
                 **staff_columns("by", "recorded_by")},
    )]


@register
def jobs(member: Member) -> list[Source]:
    """Job starts and endings."""
    rows = Job.objects.filter(organization_id=member.organization_id, member=member)
    columns = {"title": F("title"), "employer": F("employer__name"), "hours": F("hours_per_week"),
               "community": F("in_community"), "open": F("open_to_anyone"), "wage": F("minimum_wage_or_more"),
               "disclosure": F("disclosure")}

    def where(d: dict[str, Any]) -> dict[str, Any]:
        return {"title": d["title"], "employer": d["employer"]}

    def started(d: dict[str, Any]) -> TimelineEntry:
        competitive = rules.is_competitive(bool(d["community"]), bool(d["open"]), bool(d["wage"]))
        kind = _("competitive job") if competitive else _("not a competitive job")
        detail = _("%(hours)s hours a week · %(kind)s · %(disclosure)s") % {
            "hours": hours_label(_decimal(d["hours"])), "kind": kind, "disclosure": Disclosure(d["disclosure"]).label,
        }
        return TimelineEntry(date=d["_date"], kind="employment.job_started",
                             title=_("Job started: %(title)s, %(employer)s") % where(d), detail=detail,
                             by=staff_name(d, "by"))

    def ended(d: dict[str, Any]) -> TimelineEntry:
        how = _("planned") if d["planned"] else _("unplanned")
        return TimelineEntry(
            date=d["_date"], kind="employment.job_ended",
            title=_("Job ended: %(title)s, %(employer)s (%(reason)s, %(how)s)") % {
                **where(d), "reason": label(JobEnding, "reason", d["reason"]), "how": how,
            },
            detail=plain(d["lessons"]), private_detail=True,  # free text: professional staff only
            by=staff_name(d, "eby"),
        )

    return [
        Source(name="employment.job_started", queryset=rows, date=F("start_date"), track=Track.PROFESSIONAL,
               columns={**columns, **staff_columns("by", "created_by")}, render=started),
        Source(name="employment.job_ended", queryset=rows.filter(ending__isnull=False), date=F("ending__ended_on"),
               at=F("ending__created_at"), track=Track.PROFESSIONAL, render=ended,
               columns={**columns, "planned": F("ending__planned"), "reason": F("ending__reason"),
                        "lessons": F("ending__lessons"), **staff_columns("eby", "ending__recorded_by")}),
    ]


@register
def job_search(member: Member) -> list[Source]:
    rows = JobSearchActivity.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        where = ", ".join(x for x in (d["position"], d["employer"] or "") if x)
        title = _("Job search: %(kind)s") % {"kind": label(JobSearchActivity, "kind", d["kind"])}
        if where:
            title = f"{title} · {where}"
        return TimelineEntry(
            date=d["_date"], kind="employment.search",
            title=f"{title} ({label(JobSearchActivity, 'outcome', d['outcome'])})", detail=plain(d["note"]),
            private_detail=True, by=staff_name(d, "by"),
        )

    return [Source(
        name="employment.search", queryset=rows, date=F("done_on"), track=Track.PROFESSIONAL, render=render,
        columns={"position": F("position"), "employer": F("employer__name"), "kind": F("kind"),
                 "outcome": F("outcome"), "note": F("note"), **staff_columns("by", "recorded_by")},
    )]


@register
def support_contacts(member: Member) -> list[Source]:
    """Support from both tracks, each entry on the track it came from."""
    rows = SupportContact.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="employment.support",
            title=_("Support: %(kind)s, %(place)s, %(minutes)s min") % {
                "kind": label(SupportContact, "kind", d["kind"]), "place": label(SupportContact, "place", d["place"]),
                "minutes": d["minutes"],
            },
            detail=plain(d["note"]), private_detail=True, by=staff_name(d, "by"),
        )

    track = Case(When(track=SupportTrack.PEER, then=Value(Track.PEER)), default=Value(Track.PROFESSIONAL),
                 output_field=CharField())
    return [Source(
        name="employment.support", queryset=rows, date=F("contacted_on"), track=track, render=render,
        columns={"kind": F("kind"), "place": F("place"), "minutes": F("minutes"), "note": F("note"),
                 **staff_columns("by", "by")},
    )]


@register
def job_development(member: Member) -> list[Source]:
    """Contacts the employment specialist made with an employer for this member."""
    rows = EmployerContact.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="employment.job_development",
            title=_("Job development: %(kind)s, %(employer)s") % {
                "kind": label(EmployerContact, "kind", d["kind"]), "employer": d["employer"],
            },
            detail=plain(d["outcome"]), private_detail=True, by=staff_name(d, "by"),
        )

    return [Source(
        name="employment.job_development", queryset=rows, date=F("contacted_on"), track=Track.PROFESSIONAL,
        render=render, columns={"kind": F("kind"), "employer": F("employer__name"), "outcome": F("outcome"),
                                **staff_columns("by", "by")},
    )]


@register
def referral(member: Member) -> list[Source]:
    """The referral that brought the member in: received, first contact, intake."""
    rows = Referral.objects.filter(organization_id=member.organization_id, member=member)

    def received(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="referral.received",
                             title=_("Referral received: %(source)s") % {"source": label(Referral, "source", d["source"])})

    def contacted(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="referral.contacted", title=_("First contact after referral"))

    def intake(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="referral.intake", title=_("Intake meeting"))

    return [
        Source(name="referral.received", queryset=rows, date=F("received_on"), track=Track.ADMIN,
               columns={"source": F("source")}, render=received),
        Source(name="referral.contacted", queryset=rows.filter(contacted_on__isnull=False), date=F("contacted_on"),
               track=Track.PROFESSIONAL, render=contacted),
        Source(name="referral.intake", queryset=rows.filter(intake_on__isnull=False), date=F("intake_on"),
               track=Track.PROFESSIONAL, render=intake),
    ]


_JOB, _CONTACT = 0, 1  # the kind of a Work panel row
_COLUMNS = ("kind", "job_title", "employer_name", "start", "end", "hours", "community", "anyone", "wage", "reason",
            "job")


def _panel_rows(organization: int, member: int, today: dt.date) -> QuerySet[Any]:
    """The Work panel's one query (compiled once: ``precompiled``): the member's jobs
    (latest start first), then the latest support contact of each track up to
    ``today`` (the track in ``job_title``, its date in ``start``)."""
    jobs = (Job.objects.for_org(organization).filter(member_id=member).order_by()
            .annotate(kind=Value(_JOB), job_title=F("title"), employer_name=F("employer__name"), start=F("start_date"),
                      end=F("end_date"), hours=F("hours_per_week"), community=F("in_community"),
                      anyone=F("open_to_anyone"), wage=F("minimum_wage_or_more"), reason=F("ending__reason"),
                      job=F("pk")))
    contacts = (SupportContact.objects.for_org(organization).filter(member_id=member, contacted_on__lte=today)
                .order_by().values("track")
                .annotate(kind=Value(_CONTACT), job_title=F("track"), employer_name=Value(""),
                          start=Max("contacted_on"), end=Value(None, output_field=DateField()),
                          hours=Value(None, output_field=DecimalField()), community=Value(False),
                          anyone=Value(False), wage=Value(False), reason=Value(""), job=Value(0)))
    return (jobs.values_list(*_COLUMNS).union(contacts.values_list(*_COLUMNS), all=True)
            .order_by("kind", "-start", "-job"))


def _job(title: str, employer: str, start: dt.date, end: dt.date | None, hours: Decimal, community: bool,
         anyone: bool, wage: bool, reason: str | None) -> Job:
    """A job of the Work panel, as its template and the status rules read it."""
    job = Job(title=title, employer=Employer(name=employer), start_date=start, end_date=end, hours_per_week=hours,
              in_community=community, open_to_anyone=anyone, minimum_wage_or_more=wage)
    Job.ending.related.set_cached_value(job, None if reason is None else JobEnding(reason=reason))
    return job


@panels.register
def work_panel(member: Member, membership: Membership) -> panels.Panel | None:
    """Current work, and the last support contact from each track (one query, run
    as a prepared statement)."""
    if not can(membership, Perm.EMPLOYMENT_VIEW):
        return None
    today = timezone.localdate()
    found = precompiled.tuples(("employment.panel",), _panel_rows,
                               {"organization": membership.organization_id, "member": member.pk, "today": today},
                               prepared=True)
    rows = [_job(*row[1:10]) for row in found if row[0] == _JOB]
    contacts = {row[1]: row[3] for row in found if row[0] == _CONTACT}
    status = status_on([j.span() for j in rows], today)
    current = [(j, tenure_days(j.span(), today)) for j in rows if j.span().holds_on(today)]
    ended = [j for j in rows if j.end_date is not None and j.end_date <= today]
    last_ended = max(ended, key=lambda j: j.end_date or today, default=None)
    title = _("Work")
    context = {
        "status": status,
        "status_label": status_label(status),
        "working": status is not EmploymentStatus.NOT_EMPLOYED,
        "current": current,
        "last_ended": last_ended if status is EmploymentStatus.NOT_EMPLOYED else None,
        "last_professional": contacts.get(SupportTrack.PROFESSIONAL.value),
        "last_peer": contacts.get(SupportTrack.PEER.value),
        "today": today,
    }
    return panels.Panel(template="employment/panel_work.html", title=title, context=context,
                        html=work_html(title, context, member, can(membership, Perm.SUPPORT_LOG)))


def work_html(title: str, c: dict[str, Any], member: Member, may_log: bool) -> SafeString:
    """What ``employment/panel_work.html`` renders, written in Python (tests compare
    the two): every value from data escaped as the template's autoescaping did (its
    translations of literals are not escaped); the msgids are the template's."""
    if c["current"]:
        items = "".join(
            f"<li>{escape(job.title)}, {escape(job.employer.name)}\n"
            '      <span class="muted">'
            f'{ngettext("since %(d)s (%(n)s day)", "since %(d)s (%(n)s days)", days) % {"d": job.start_date.isoformat(), "n": days}}'
            "</span></li>"
            for job, days in c["current"])
        jobs = f'<ul class="plain">\n    {items}\n  </ul>'
    elif c["last_ended"]:
        job = c["last_ended"]
        ending = cast("JobEnding | None", Job.ending.related.get_cached_value(job, default=None))
        reason = escape(ending.get_reason_display()) if ending is not None else ""
        jobs = (f'<p class="muted">{_("Last job ended %(d)s: %(reason)s") % {"d": job.end_date.isoformat(), "reason": reason}}'
                "</p>")
    else:
        jobs = ""

    def last(day: dt.date | None) -> str:
        return _("last support %(d)s") % {"d": day.isoformat()} if day else _("no support contact yet")

    log = ""
    if may_log:
        log = (f' · <a href="{escape(reverse("support_contact_create", kwargs={"code": member.code}))}">'
               f'{_("Log a support contact")}</a>')
    return mark_safe(  # noqa: S308  # every value from data is escaped
        '\n<section class="card" aria-labelledby="h-work">\n'
        f'  <h2 id="h-work">{escape(title)}</h2>\n  \n  <p><strong>{escape(c["status_label"])}</strong></p>\n'
        f'  {jobs}\n  <dl class="facts">\n'
        f'    <dt><span class="track track-professional">{_("Professional track")}</span></dt>\n'
        f'    <dd>{last(c["last_professional"])}</dd>\n'
        f'    <dt><span class="track track-peer">{_("Peer track")}</span></dt>\n'
        f'    <dd>{last(c["last_peer"])}</dd>\n  </dl>\n  \n'
        f'  <p><a href="{escape(reverse("employment_member", kwargs={"code": member.code}))}">'
        f'{_("Employment record")}</a>\n  {log}</p>\n</section>\n'
    )
