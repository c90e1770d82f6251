"""Fidelity: the IPS-25 reviews (history and the last review's items) and
*continuous fidelity*, the items routine data can measure, computed over the
period and shown beside the last review's rating of the same item.

Definitions (``end`` = the period's last day, or today when the period runs on):

- item 1, caseload: members of the organisations on an employment specialist's
  caseload on ``end`` (an open professional care-team assignment to a staff member
  whose discipline is employment specialist), divided by the organisations' enabled
  employment specialists. A staff-load figure: every member counts, whatever the
  viewer may count elsewhere (group filter, research consent); no member on a
  caseload: no data;
- item 15, rapid job search: members of the scope enrolled in the period, days from
  enrolment to their first face-to-face employer contact (a job development contact
  for them of kind visit or meeting, or a job search activity "employer contact" or
  "interview") from enrolment to ``end``; members without one by ``end`` are
  censored there. The figure is the Kaplan–Meier median (lifelines); the anchor
  reads "on average", so the rating needs the mean, known only as far as
  ``fidelity.rapid_search_rating_censored`` says;
- item 17, job development: face-to-face job development contacts (visit, meeting)
  made by employment specialists in the period, per specialist per week (a
  staff-load figure: contacts for any member or none);
- item 21, competitive jobs: of the jobs scope members held during the period, the
  share that are competitive (in the community, open to anyone, at least the
  minimum wage);
- items 22/23, follow-along: of the scope members working on ``end``, the share
  with a support contact (either track) in the 30 days up to ``end``; and the
  median days between consecutive support-contact days of a member in the period.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.employment.models import (
    ContactKind,
    EmployerContact,
    Job,
    JobSearchActivity,
    SearchKind,
    SupportContact,
    competitive_q,
)
from peerpath.members.models import CareRole, CareTeamAssignment
from peerpath.outcomes import fidelity
from peerpath.outcomes.actions import band_label, band_ranges
from peerpath.outcomes.cells import Cell
from peerpath.outcomes.charts import line_chart
from peerpath.outcomes.employment_figures import held_between, reference_day
from peerpath.outcomes.models import FidelityReview
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.survival import kaplan_meier, make_durations
from peerpath.tenancy.models import Discipline, Membership

SPEC = ReportSpec(
    slug="fidelity",
    title=gettext_lazy("Fidelity"),
    summary=gettext_lazy(
        "IPS-25 fidelity reviews (total, band, history, the last review's items) and continuous fidelity: "
        "the items routine data can measure, computed for the period beside the last review."
    ),
)

FACE_TO_FACE = (ContactKind.VISIT, ContactKind.MEETING)
SEARCH_EMPLOYER_CONTACTS = (SearchKind.EMPLOYER_CONTACT, SearchKind.INTERVIEW)


def _es_membership() -> Any:
    """An employment specialist of the row's organisation, as an ``Exists`` over ``by``/``professional``."""
    return Membership.objects.filter(
        organization=OuterRef("organization"), discipline=Discipline.EMPLOYMENT_SPECIALIST, is_active=True
    )


def specialists(scope: ReportScope) -> int:
    qs = Membership.objects.filter(
        organization_id__in=scope.org_ids, discipline=Discipline.EMPLOYMENT_SPECIALIST, is_active=True
    )
    if scope.professional is not None:
        qs = qs.filter(user=scope.professional)
    return qs.count()


def caseload(scope: ReportScope, end: dt.date, n_specialists: int) -> dict[str, Any]:
    """Item 1 over every member of the organisations (see the module docstring)."""
    qs = (
        CareTeamAssignment.objects.filter(
            organization_id__in=scope.org_ids, role=CareRole.PROFESSIONAL, started_on__lte=end,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=end))
        .filter(Exists(_es_membership().filter(user=OuterRef("professional"))))
    )
    if scope.professional is not None:
        qs = qs.filter(professional=scope.professional)
    members = qs.aggregate(n=Count("member", distinct=True))["n"]
    ratio = members / n_specialists if n_specialists and members else None
    count = scope.count(members, key="caseload.members")
    return {"value": scope.cell(ratio, members, key="caseload", basis=("caseload.members",)), "members": count,
            "rating": fidelity.caseload_rating(ratio)}


def rapid_search(scope: ReportScope, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Item 15: Kaplan–Meier median of the days to a first contact, members without
    one by ``end`` censored there. The three counts (entered, with and without a
    contact) are hidden together: any two give the third."""
    contact = (
        EmployerContact.objects.filter(member=OuterRef("pk"), kind__in=FACE_TO_FACE,
                                       contacted_on__gte=OuterRef("enrolment_date"), contacted_on__lte=end)
        .order_by("contacted_on").values("contacted_on")[:1]
    )
    search = (
        JobSearchActivity.objects.filter(member=OuterRef("pk"), kind__in=SEARCH_EMPLOYER_CONTACTS,
                                         done_on__gte=OuterRef("enrolment_date"), done_on__lte=end)
        .order_by("done_on").values("done_on")[:1]
    )
    rows = list(
        scope.members().filter(enrolment_date__gte=start, enrolment_date__lte=end)
        .annotate(first_contact=Subquery(contact), first_search=Subquery(search))
        .order_by("pk").values_list("enrolment_date", "first_contact", "first_search", "pk")
    )
    durations = make_durations(
        [(enrolled, min((d for d in (contact_on, search_on) if d is not None), default=None), pk)
         for enrolled, contact_on, search_on, pk in rows],
        end,
    )
    km = kaplan_meier(durations)
    entered, contacted = len(durations), int(durations.observed.sum())
    # entered = with a contact + without one
    counts = {"entered": scope.count(entered, key="rapid_search.entered"),
              "with_contact": scope.count(contacted, key="rapid_search.with_contact"),
              "without_contact": scope.count(entered - contacted, key="rapid_search.without_contact")}
    scope.total("rapid_search.entered", ["rapid_search.with_contact", "rapid_search.without_contact"])
    return {
        "value": scope.cell(km.median if km else None, entered, key="rapid_search",
                            basis=tuple(f"rapid_search.{k}" for k in counts)),
        **counts,
        "rating": fidelity.rapid_search_rating_censored(durations.durations.tolist(), durations.observed.tolist()),
    }


def employer_contacts(scope: ReportScope, start: dt.date, end: dt.date, n_specialists: int) -> dict[str, Any]:
    qs = (
        EmployerContact.objects.filter(organization_id__in=scope.org_ids, kind__in=FACE_TO_FACE,
                                       contacted_on__gte=start, contacted_on__lte=end)
        .filter(Exists(_es_membership().filter(user=OuterRef("by"))))
    )
    if scope.professional is not None:
        qs = qs.filter(by=scope.professional)
    agg = qs.aggregate(n=Count("pk"), members=Count("member", distinct=True))
    days = (end - start).days + 1
    value = fidelity.per_week(agg["n"], n_specialists, days)
    contacts = scope.count(agg["members"], value=agg["n"], key="employer_contacts.contacts")
    return {"value": scope.cell(value, agg["members"], key="employer_contacts", basis=("employer_contacts.contacts",)),
            "contacts": contacts, "rating": fidelity.employer_contact_rating(value)}


def competitive_jobs(scope: ReportScope, start: dt.date, end: dt.date) -> dict[str, Any]:
    competitive = competitive_q()
    agg = (
        Job.objects.filter(held_between(start, end), organization_id__in=scope.org_ids,
                           member_id__in=scope.member_ids())
        .aggregate(
            jobs=Count("pk"), competitive=Count("pk", filter=competitive),
            members=Count("member", distinct=True),
            members_competitive=Count("member", distinct=True, filter=competitive),
            members_other=Count("member", distinct=True, filter=~competitive),
        )
    )
    share = agg["competitive"] / agg["jobs"] if agg["jobs"] else None
    # jobs held = competitive + other (not printed; the share gives them away with the jobs)
    jobs = scope.count(agg["members"], value=agg["jobs"], key="competitive.jobs")
    scope.count(agg["members_competitive"], value=agg["competitive"], key="competitive.competitive", displayed=False)
    scope.count(agg["members_other"], value=agg["jobs"] - agg["competitive"], key="competitive.other",
                displayed=False)
    scope.total("competitive.jobs", ["competitive.competitive", "competitive.other"])
    cell = scope.cell(share, agg["members"], key="competitive",
                      basis=("competitive.jobs", "competitive.competitive", "competitive.other"))
    return {"value": cell, "jobs": jobs, "rating": fidelity.competitive_rating(share)}


def follow_along_recent(scope: ReportScope, end: dt.date) -> dict[str, Any]:
    working = Job.objects.filter(held_between(end, end), member=OuterRef("pk"))
    since = end - dt.timedelta(days=fidelity.FOLLOW_ALONG_WINDOW_DAYS - 1)
    supported = SupportContact.objects.filter(member=OuterRef("pk"), contacted_on__gte=since, contacted_on__lte=end)
    agg = (
        scope.members().filter(Exists(working)).annotate(supported=Exists(supported))
        .aggregate(n=Count("pk"), k=Count("pk", filter=Q(supported=True)))
    )
    working_count = scope.count(agg["n"], key="follow_along.working")
    share = scope.share(agg["k"], agg["n"], key="follow_along", denominator_key="follow_along.working")
    return {"value": share, "working": working_count, "rating": fidelity.follow_along_rating(share.value)}


def follow_along_gap(scope: ReportScope, start: dt.date, end: dt.date) -> dict[str, Any]:
    rows = (
        SupportContact.objects.filter(organization_id__in=scope.org_ids, member_id__in=scope.member_ids(),
                                      contacted_on__gte=start, contacted_on__lte=end)
        .values_list("member_id", "contacted_on").distinct().order_by("member_id", "contacted_on")
    )
    gaps: list[int] = []
    members = 0
    for _member, days in groupby(rows, key=lambda row: row[0]):
        ordinals = [day.toordinal() for _m, day in days]
        if len(ordinals) > 1:
            members += 1
            gaps.extend(int(g) for g in np.diff(ordinals))
    median = float(np.median(gaps)) if gaps else None
    count = scope.count(members, key="follow_along_gap.members")
    return {"value": scope.cell(median, members, key="follow_along_gap", basis=("follow_along_gap.members",)),
            "members": count, "rating": fidelity.follow_along_rating(median)}


def _rating_text(rating: fidelity.Rating, value: Cell) -> str:
    if value.hidden or rating.status == fidelity.NO_DATA:
        return "—"
    if rating.status == fidelity.RATED:
        return str(rating.score)
    if rating.status == fidelity.BELOW_CONFIRMED:
        return _("below 5 (not rated)")
    return _("not rated")


def build(scope: ReportScope) -> dict[str, Any]:
    """The report's content. Researchers (``scope.research_only``) get neither the
    reviewers' names nor the item notes: free text about the programme's staff."""
    language = scope.language
    start = scope.period.start
    end = reference_day(scope)
    if end < start:
        end = start - dt.timedelta(days=1)  # a period that has not begun: nothing to measure
    private = not scope.research_only

    reviews = list(
        FidelityReview.objects.filter(organization_id__in=scope.org_ids, reviewed_on__lte=scope.period.end)
        .select_related("organization").order_by("reviewed_on", "created_at", "pk")
    )
    last: dict[int, FidelityReview] = {}
    for review in reviews:
        last[review.organization_id] = review
    last_reviews = [last[o.pk] for o in scope.organizations if o.pk in last]

    history = [
        {"review": r, "organization": r.organization.name, "total": r.total,
         "reviewers": r.reviewers if private else None, "band": band_label(r.band_index, language)}
        for r in reviews
    ]
    dates = sorted({r.reviewed_on for r in reviews})
    labels = [d.isoformat() for d in dates]
    series = [
        (o.name, [next((r.total for r in reviews if r.organization_id == o.pk and r.reviewed_on == d), None)
                  for d in dates])
        for o in scope.organizations if o.pk in last
    ]
    chart = line_chart(
        labels, series, heading=_("IPS-25 total by review"),
        summary=_("The total of each IPS-25 review (25–125), by date of the review; the table below lists them."),
        empty=_("No fidelity review recorded yet."), value_range=(25, 125), salt="fidelity",
    )
    items = [
        {"id": i, "title": _(fidelity.ITEM_TITLES[i]), "scores": [r.items.get(i) for r in last_reviews],
         "notes": [r.notes.get(i, "") for r in last_reviews] if private else []}
        for i in fidelity.ITEM_IDS
    ]

    n_specialists = specialists(scope)
    measures = [
        ("1", "caseload", _("Members per employment specialist"), "num", caseload(scope, end, n_specialists)),
        ("15", "rapid_search", _("Median days from enrolment to first face-to-face employer contact"), "days",
         rapid_search(scope, start, end)),
        ("17", "employer_contacts", _("Face-to-face employer contacts per specialist per week"), "num",
         employer_contacts(scope, start, end, n_specialists)),
        ("21", "competitive", _("Share of jobs held that are competitive"), "pct",
         competitive_jobs(scope, start, end)),
        ("22", "follow_along_recent", _("Working members with a support contact in the last 30 days"), "pct",
         follow_along_recent(scope, end)),
        ("23", "follow_along_gap", _("Median days between a member's support contacts"), "days",
         follow_along_gap(scope, start, end)),
    ]
    continuous = [
        {"item": item, "key": key, "title": _(fidelity.ITEM_TITLES[item]), "measure": label, "kind": kind,
         "value": data["value"], "rating": _rating_text(data["rating"], data["value"]),
         "anchor": _(fidelity.ANCHOR_TEXT[key]), "last": [r.items.get(item) for r in last_reviews], "data": data}
        for item, key, label, kind, data in measures
    ]
    return {
        "reviews": history, "chart": chart, "last_reviews": last_reviews,
        "last_bands": [band_label(r.band_index, language) for r in last_reviews],
        "items": items, "show_private": private, "continuous": continuous,
        "figures": {key: data for _item, key, _label, _kind, data in measures},
        "specialists": n_specialists, "measured_until": end if end >= start else None,
        "bands": band_ranges(language),
    }
