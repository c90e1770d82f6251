"""Peer-track covariates of each job, fixed at the job's start (for the
process→outcome report). Each selector is one query aggregated in the database,
keyed by job id.

Window: the ``WINDOW_DAYS`` days before the job's start (the start day itself
excluded), i.e. dates ``start - 180`` to ``start - 1``.

Attendance share: the groups app's rate (``peerpath.groups.profile.rate``) over
the member's ``Attendance`` rows of sessions in the window: attended (present or
late) over expected (present, late or absent; an excused absence is not
expected).

``timeline`` fetches the dated records themselves (two queries) for the
time-varying covariates, binned by ``peerpath.outcomes.timevarying``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from peerpath.employment.models import Job
from peerpath.groups.models import ATTENDED, EXPECTED
from peerpath.groups.profile import rate

WINDOW_DAYS = 180
GSES_INSTRUMENT, GSES_SCORE = "gses", "total"


@dataclass(frozen=True)
class Participation:
    attended: int  # attendance rows present or late in the window
    expected: int  # … present, late or absent (an excused absence is not expected)

    @property
    def share(self) -> float | None:
        """Attended / expected sessions (0–1); None when no session was expected
        ("no group")."""
        return rate(self.attended, self.expected)


def _window(qs: QuerySet[Job], date_path: str) -> QuerySet[Job]:
    """Rows of ``qs`` joined to ``date_path`` (already joined in one ``filter``)
    restricted to the window before the job start."""
    return qs.alias(gap=F("start_date") - F(date_path)).filter(gap__lte=dt.timedelta(days=WINDOW_DAYS))


def participation(jobs: QuerySet[Job]) -> dict[int, Participation]:
    """Per job: the member's attendance rows attended and expected in the window
    (one query)."""
    mark = "member__group_attendance"
    rows = _window(
        Job.objects.filter(pk__in=jobs.values("pk"), **{f"{mark}__session__date__lt": F("start_date")}),
        f"{mark}__session__date",
    ).values("pk").annotate(
        attended=Count(mark, filter=Q(**{f"{mark}__status__in": ATTENDED})),
        expected=Count(mark, filter=Q(**{f"{mark}__status__in": EXPECTED})),
    ).order_by()
    return {r["pk"]: Participation(r["attended"], r["expected"]) for r in rows}


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
    """Every dated peer-track record of the members of some jobs in a span of
    days; dates as day numbers (``date.toordinal()``), for ``timevarying.long_table``."""

    marks: Any  # pandas DataFrame: member, day, attended, expected
    helping: Any  # member, day, minutes


def timeline(jobs: QuerySet[Job], org_ids: list[int], since: dt.date, until: dt.date) -> Timeline:
    """The attendance rows and the helping given as helper of the members of
    ``jobs``, dated from ``since`` to the day before ``until``. Two queries,
    whatever the number of jobs; the binning into windows is done in pandas."""
    import pandas as pd  # type: ignore[import-untyped]

    from peerpath.groups.models import Attendance
    from peerpath.pathway.models import HelpingContact

    members = jobs.values("member_id")
    marks: Any = Attendance.objects.filter(
        organization_id__in=org_ids, member_id__in=members, session__date__gte=since, session__date__lt=until,
        status__in=EXPECTED,
    ).values_list("member_id", "session__date", "status").order_by()
    given: Any = HelpingContact.objects.filter(
        organization_id__in=org_ids, helper_id__in=members, date__gte=since, date__lt=until,
    ).values_list("helper_id", "date", "minutes").order_by()
    attended = {str(s) for s in ATTENDED}
    return Timeline(
        marks=pd.DataFrame([(m, d.toordinal(), status in attended, True) for m, d, status in marks],
                           columns=["member", "day", "attended", "expected"]),
        helping=pd.DataFrame([(m, d.toordinal(), minutes) for m, d, minutes in given],
                             columns=["member", "day", "minutes"]),
    )
