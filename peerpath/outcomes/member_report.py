"""One member's progress report for a case conference: the reads that assemble it.

``build_member_report`` is called inside ``translation.override(language)`` (the
member's or the viewer's language): timeline titles, labels and chart text are made
in that language. It reads in a fixed number of queries whatever the member's
history: one per timeline provider, one per questionnaire score without published
norms (the programme's baseline SD), and one each for jobs, support contacts, groups,
helper roles and helping contacts. The caller has fetched the member through
``peerpath.members.selectors.get_member`` (404 for another organisation, audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import HttpRequest
from django.utils.translation import gettext as _

from peerpath.employment.models import Job, SupportContact, SupportTrack
from peerpath.groups.models import ATTENDED, Attendance, RosterEntry, Session
from peerpath.members.models import CareRole, Member, Stage
from peerpath.members.selectors import current_care_team
from peerpath.members.timeline import TimelineEntry, build_timeline
from peerpath.outcomes.employment_figures import held_between
from peerpath.outcomes.member_report_rules import (
    in_period,
    minutes_to_hours,
    shown_points,
)
from peerpath.outcomes.period import Period
from peerpath.pathway.models import HelperRole, HelperRoleKind
from peerpath.pathway.selectors import helping_summary
from peerpath.tenancy.models import Membership, display_name
from peerpath.tenancy.policy import Perm, can, require


@dataclass
class ScoreRow:
    date: dt.date
    value: float
    band: str
    flag: bool
    prorated: bool
    baseline: bool
    rci: float | None
    change: str | None  # improved / unchanged / deteriorated (reliable change against the first result)
    change_label: str
    clinical: str | None  # recovered / improved / unchanged / deteriorated (J&T), when a cut-off exists
    clinical_label: str


@dataclass
class ScoreBlock:
    label: str
    primary: bool
    rows: list[ScoreRow]
    svg: str = ""
    rci_basis: str = ""


@dataclass
class InstrumentBlock:
    short_name: str
    name: str
    scores: list[ScoreBlock] = field(default_factory=list)


def change_label(change: str | None) -> str:
    """The reliable change category in words (the same words as the results page)."""
    return {
        "improved": _("reliably improved"),
        "unchanged": _("no reliable change"),
        "deteriorated": _("reliably deteriorated"),
    }.get(change or "", "")


def clinical_label(clinical: str | None) -> str:
    """The Jacobson–Truax clinical significance category in words."""
    return {
        "recovered": _("recovered: crossed into the non-clinical range"),
        "improved": _("improved, still in the clinical range"),
        "unchanged": _("no clinically significant change"),
        "deteriorated": _("deteriorated"),
    }.get(clinical or "", "")


def _header(member: Member, membership: Membership, *, clinical: bool) -> dict[str, Any]:
    team = []
    for a in current_care_team(member):
        if a.role == CareRole.PROFESSIONAL and a.professional is not None:
            who = display_name(a.professional)
        elif a.mentor is not None:
            who = f"{a.mentor.code} {a.mentor.preferred_name or a.mentor.name}"
        else:
            who = ""
        team.append({"role": str(a.get_role_display()), "who": who, "since": a.started_on})
    show_clinical = clinical and can(membership, Perm.MEMBER_VIEW_CLINICAL)
    stage = getattr(member, "current_stage", None) or ""
    return {
        "code": member.code,
        "name": member.name,
        "enrolment_date": member.enrolment_date,
        "status": str(member.get_status_display()),
        "stage": str(dict(Stage.choices).get(stage, "")) if stage else "",
        "care_team": team,
        "show_clinical": show_clinical,
        "diagnosis": member.diagnosis if show_clinical else None,
    }


def _timeline(member: Member, membership: Membership, period: Period, *, clinical: bool) -> list[TimelineEntry]:
    """Both tracks' entries in the period, oldest first. Clinical entries and
    free-text details marked private stay out unless the clinical details were asked
    for (``build_timeline`` leaves them out)."""
    entries = in_period(build_timeline(member, membership, clinical=clinical), period)
    entries.reverse()  # build_timeline gives newest first; a case conference reads forward
    return entries


def _scores(membership: Membership, member: Member, period: Period, language: str,
            request: HttpRequest | None) -> list[InstrumentBlock]:
    """Each questionnaire score: the first result (baseline) and the results in the
    period, with band, reliable change against the first result and clinical
    significance; a chart of each instrument's primary score."""
    from peerpath.measures.charts import progress_svg  # matplotlib loads only when a chart is drawn
    from peerpath.measures.scoring import score_range
    from peerpath.measures.selectors import member_results

    if not can(membership, Perm.MEASURE_VIEW):
        return []
    blocks = []
    for result in member_results(membership, member, language, request=request):
        instrument = result.instrument
        block = InstrumentBlock(instrument.short_name, instrument.name.get(language) or "")
        for series in result.series:
            points = shown_points([p for p in series.points if p.value is not None], period)
            if not points:
                continue
            rows = [
                ScoreRow(
                    date=p.date, value=float(p.value or 0.0), band=p.band, flag=p.flag, prorated=p.prorated,
                    baseline=index == 0, rci=p.rci, change=p.change,
                    change_label=change_label(p.change), clinical=p.clinical, clinical_label=clinical_label(p.clinical),
                )
                for index, p in enumerate(points)
            ]
            score = series.score
            primary = score.id == instrument.primary_score.id
            svg = ""
            if primary:
                svg = progress_svg(
                    [(r.date, r.value, r.band or None, r.change) for r in rows], score=score, language=language,
                    title=f"{instrument.short_name} · {score.label.get(language)}",
                    score_range=score_range(instrument, score.id),
                )
            block.scores.append(ScoreBlock(score.label.get(language) or score.id, primary, rows, svg, series.rci_basis))
        if block.scores:
            blocks.append(block)
    return blocks


def _jobs(member: Member, period: Period) -> list[dict[str, Any]]:
    rows = (
        Job.objects.for_org(member.organization).filter(held_between(period.start, period.end), member=member)
        .select_related("employer", "ending").order_by("start_date", "created_at")
    )
    jobs = []
    for job in rows:
        ending = getattr(job, "ending", None)
        jobs.append({
            "title": job.title,
            "employer": job.employer.name,
            "start": job.start_date,
            "end": job.end_date,
            "hours": job.hours_per_week,
            "competitive": job.is_competitive,
            "missing": job.missing_criteria(),
            "ending_reason": str(ending.get_reason_display()) if ending else "",
            "planned": bool(ending and ending.planned),
        })
    return jobs


def _support(member: Member, period: Period) -> list[dict[str, Any]]:
    """Support contacts in the period by track (both tracks listed, zero included)."""
    counts = {
        row["track"]: row
        for row in SupportContact.objects.for_org(member.organization)
        .filter(member=member, contacted_on__range=(period.start, period.end))
        .values("track").annotate(n=Count("pk"), minutes=Sum("minutes")).order_by("track")
    }
    return [
        {"track": track.value, "label": str(track.label), "contacts": int(counts.get(track.value, {}).get("n") or 0),
         "hours": minutes_to_hours(counts.get(track.value, {}).get("minutes"))}
        for track in SupportTrack
    ]


def _groups(member: Member, period: Period) -> list[dict[str, Any]]:
    """Per group: sessions held in the period while the member was on its roster (or
    that the member came to), and sessions attended (present or late). One query."""
    on_roster = RosterEntry.objects.filter(member=member, group=OuterRef("group"), joined_on__lte=OuterRef("date")).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=OuterRef("date"))
    )
    recorded = Attendance.objects.filter(member=member, session=OuterRef("pk"))
    attended = recorded.filter(status__in=ATTENDED)
    rows = (
        Session.objects.for_org(member.organization).filter(date__range=(period.start, period.end))
        .filter(Exists(on_roster) | Exists(recorded))
        .annotate(came=Exists(attended))
        .values("group_id", "group__name")
        .annotate(held=Count("pk"), attended=Count("pk", filter=Q(came=True)))
        .order_by("group__name", "group_id")
    )
    return [{"name": r["group__name"], "held": r["held"], "attended": r["attended"]} for r in rows]


def _roles(member: Member, period: Period) -> list[dict[str, Any]]:
    labels = dict(HelperRoleKind.choices)
    rows = (
        HelperRole.objects.for_org(member.organization).filter(member=member, started_on__lte=period.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start)).order_by("started_on", "created_at")
    )
    return [{"label": str(labels.get(r.role, r.role)), "start": r.started_on, "end": r.ended_on} for r in rows]


def _helping(member: Member, period: Period) -> dict[str, Decimal | int]:
    totals = helping_summary(member, since=period.start, until=period.end)
    return {
        "given_hours": minutes_to_hours(totals.given), "received_hours": minutes_to_hours(totals.received),
        "given_contacts": totals.given_contacts, "received_contacts": totals.received_contacts,
    }


def build_member_report(
    membership: Membership, member: Member, period: Period, *, language: str, clinical: bool,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    """The report's content (see the module docstring). ``clinical``: the diagnosis
    and private free-text details were asked for (shown only to roles that may read
    clinical fields)."""
    require(membership, Perm.MEMBER_REPORT)
    clinical = clinical and can(membership, Perm.MEMBER_VIEW_CLINICAL)
    return {
        "member": _header(member, membership, clinical=clinical),
        "period": period,
        "timeline": _timeline(member, membership, period, clinical=clinical),
        "instruments": _scores(membership, member, period, language, request),
        "jobs": _jobs(member, period),
        "support": _support(member, period),
        "groups": _groups(member, period),
        "roles": _roles(member, period),
        "helping": _helping(member, period),
    }
