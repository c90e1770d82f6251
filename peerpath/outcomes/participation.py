"""Peer-track covariates of each job, fixed at the job's start (for the
process→outcome report). Each selector is one query aggregated in the database,
keyed by job id.

Window: the ``WINDOW_DAYS`` days before the job's start (the start day itself
excluded), i.e. dates ``start - 180`` to ``start - 1``.

``timeline`` fetches the dated records themselves (three queries) for the
time-varying covariates, binned by ``peerpath.outcomes.timevarying``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from peerpath.employment.models import Job
from peerpath.groups.models import ATTENDED, AttendanceStatus

WINDOW_DAYS = 180
GSES_INSTRUMENT, GSES_SCORE = "gses", "total"


@dataclass(frozen=True)
class Participation:
    held: int  # sessions of the member's groups held in the window while they were on the roster
    attended: int  # of those … attended (present or late)
    excused: int  # … excused (not expected)

    @property
    def expected(self) -> int:
        return max(0, self.held - self.excused)

    @property
    def share(self) -> float | None:
        """Attended / expected sessions (0–1); None when no session was expected
        ("no group")."""
        return min(1.0, self.attended / self.expected) if self.expected else None


def _window(qs: QuerySet[Job], date_path: str) -> QuerySet[Job]:
    """Rows of ``qs`` joined to ``date_path`` (already joined in one ``filter``)
    restricted to the window before the job start."""
    return qs.alias(gap=F("start_date") - F(date_path)).filter(gap__lte=dt.timedelta(days=WINDOW_DAYS))


def participation(jobs: QuerySet[Job]) -> dict[int, Participation]:
    """Per job: group sessions held while on a roster, attended and excused, in the
    window (two queries)."""
    session = "member__group_roster_entries__group__sessions"
    entry = "member__group_roster_entries"
    held_rows = _window(
        Job.objects.filter(
            Q(pk__in=jobs.values("pk")),
            Q(**{f"{session}__date__lt": F("start_date")}),
            Q(**{f"{session}__date__gte": F(f"{entry}__joined_on")}),
            Q(**{f"{entry}__left_on__isnull": True}) | Q(**{f"{entry}__left_on__gte": F(f"{session}__date")}),
        ),
        f"{session}__date",
    ).values("pk").annotate(held=Count(session, distinct=True)).order_by()
    mark = "member__group_attendance"
    marked_rows = _window(
        Job.objects.filter(pk__in=jobs.values("pk"), **{f"{mark}__session__date__lt": F("start_date")}),
        f"{mark}__session__date",
    ).values("pk").annotate(
        attended=Count(f"{mark}__session", filter=Q(**{f"{mark}__status__in": ATTENDED}), distinct=True),
        excused=Count(f"{mark}__session", filter=Q(**{f"{mark}__status": AttendanceStatus.EXCUSED}),
                      distinct=True),
    ).order_by()
    held = {r["pk"]: r["held"] for r in held_rows}
    marked = {r["pk"]: (r["attended"], r["excused"]) for r in marked_rows}
    return {pk: Participation(held.get(pk, 0), *marked.get(pk, (0, 0))) for pk in held.keys() | marked.keys()}


def helping_minutes(jobs: QuerySet[Job]) -> dict[int, int]:
    """Per job: minutes of helping contacts the member gave as helper in the window (one query)."""
    given = "member__helping_given"
    rows = _window(
        Job.objects.filter(pk__in=jobs.values("pk"), **{f"{given}__date__lt": F("start_date")}), f"{given}__date"
    ).values("pk").annotate(minutes=Sum(f"{given}__minutes")).order_by()
    return {r["pk"]: int(r["minutes"] or 0) for r in rows}


def baseline_gses(jobs: QuerySet[Job]) -> dict[int, float]:
    """Per job: the member's first GSES total score taken on or before the job's
    start (jobs without one are left out). One query."""
    from peerpath.measures.models import StoredScore

    first = StoredScore.objects.filter(
        member_id=OuterRef("member_id"), instrument_id=GSES_INSTRUMENT, score_id=GSES_SCORE,
        taken_on__lte=OuterRef("start_date"), value__isnull=False,
    ).order_by("taken_on", "pk").values("value")[:1]
    rows: Any = Job.objects.filter(pk__in=jobs.values("pk")).annotate(gses=Subquery(first)).filter(
        gses__isnull=False).values_list("pk", "gses")
    return {pk: float(value) for pk, value in rows}


# Rows for the time-varying covariates ---------------------------------------------------------

@dataclass(frozen=True)
class Timeline:
    """Every dated peer-track record of the members of some jobs, before a day;
    dates as day numbers (``date.toordinal()``), for ``timevarying.long_table``."""

    held: Any  # pandas DataFrame: member, session, day
    marks: Any  # member, session, day, attended, excused
    helping: Any  # member, day, minutes


def timeline(jobs: QuerySet[Job], org_ids: list[int], until: dt.date) -> Timeline:
    """The sessions of their groups held while on the roster, their attendance
    marks (attended or excused) and the helping they gave as helpers, dated
    before ``until``, of the members of ``jobs``. Three queries, whatever the
    number of jobs; the binning into windows is done in pandas."""
    import pandas as pd  # type: ignore[import-untyped]

    from peerpath.groups.models import Attendance, Session
    from peerpath.pathway.models import HelpingContact

    members = jobs.values("member_id")
    held: Any = Session.objects.filter(
        Q(organization_id__in=org_ids), Q(date__lt=until), Q(group__roster__member_id__in=members),
        Q(date__gte=F("group__roster__joined_on")),
        Q(group__roster__left_on__isnull=True) | Q(group__roster__left_on__gte=F("date")),
    ).values_list("group__roster__member_id", "pk", "date").distinct().order_by()
    marks: Any = Attendance.objects.filter(
        organization_id__in=org_ids, member_id__in=members, session__date__lt=until,
        status__in=[*ATTENDED, AttendanceStatus.EXCUSED],
    ).values_list("member_id", "session_id", "session__date", "status").order_by()
    given: Any = HelpingContact.objects.filter(
        organization_id__in=org_ids, helper_id__in=members, date__lt=until,
    ).values_list("helper_id", "date", "minutes").order_by()
    attended = {str(s) for s in ATTENDED}
    return Timeline(
        held=pd.DataFrame([(m, s, d.toordinal()) for m, s, d in held], columns=["member", "session", "day"]),
        marks=pd.DataFrame(
            [(m, s, d.toordinal(), status in attended, status == AttendanceStatus.EXCUSED)
             for m, s, d, status in marks],
            columns=["member", "session", "day", "attended", "excused"],
        ),
        helping=pd.DataFrame([(m, d.toordinal(), minutes) for m, d, minutes in given],
                             columns=["member", "day", "minutes"]),
    )
