"""Scoped, policy-checked reads of the api app: one's own tokens, and the lists
the API serves across a whole organisation, which the domain apps' pages show one
member or one group at a time. Each requires the capability of those pages and
keeps their rules; no new access rule is made here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from peerpath.alerts import selectors as alert_selectors
from peerpath.alerts.models import Alert
from peerpath.api.models import ApiToken
from peerpath.employment import selectors as employment_selectors
from peerpath.employment.models import Job, SupportContact
from peerpath.groups import permissions as group_permissions
from peerpath.groups.models import Attendance, CriticalIncident, IncidentCoding, Session
from peerpath.measures.models import Administration, AdministrationStatus, StoredScore
from peerpath.pathway import selectors as pathway_selectors
from peerpath.pathway.models import HelpingContact
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def own_tokens(membership: Membership) -> QuerySet[ApiToken]:
    """The acting person's tokens in the acting organisation, newest first."""
    require(membership, Perm.API_TOKEN)
    return ApiToken.objects.for_org(membership.organization).filter(user=membership.user)


def get_own_token(membership: Membership, pk: int) -> ApiToken:
    """One of the acting person's tokens (404 for anyone else's, in any organisation)."""
    try:
        return own_tokens(membership).get(pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token") from None


def _in_range(qs: QuerySet, field: str, start: dt.date | None, end: dt.date | None) -> QuerySet:
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


def completed_administrations(
    membership: Membership,
    *,
    member_code: str = "",
    instrument_id: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Administration]:
    """Completed questionnaires of the organisation with their scores (two queries
    per page whatever its size), newest first."""
    require(membership, Perm.MEASURE_VIEW)
    qs: QuerySet[Administration] = Administration.objects.for_org(membership.organization).filter(
        status=AdministrationStatus.COMPLETED
    )
    if member_code:
        qs = qs.filter(member__code=member_code)
    if instrument_id:
        qs = qs.filter(instrument_id=instrument_id)
    qs = _in_range(qs, "taken_on", start, end)
    scores = StoredScore.objects.order_by("score_id")
    return (
        qs.select_related("member")
        .only("id", "organization_id", "member__code", "instrument_id", "instrument_version", "mode", "reason",
              "status", "language", "taken_on", "answers", "completed_at")
        .prefetch_related(Prefetch("scores", queryset=scores))
        .order_by("-taken_on", "-pk")
    )


def get_administration(membership: Membership, pk: int) -> Administration:
    """One completed questionnaire of the organisation (404 for any other)."""
    try:
        return completed_administrations(membership).get(pk=pk)
    except Administration.DoesNotExist:
        raise Http404("No such questionnaire response") from None


def scores(
    membership: Membership,
    *,
    member_code: str = "",
    instrument_id: str = "",
    score_id: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[StoredScore]:
    """Stored scores of the organisation's completed questionnaires, newest first."""
    require(membership, Perm.MEASURE_VIEW)
    qs: QuerySet[StoredScore] = StoredScore.objects.for_org(membership.organization)
    if member_code:
        qs = qs.filter(member__code=member_code)
    if instrument_id:
        qs = qs.filter(instrument_id=instrument_id)
    if score_id:
        qs = qs.filter(score_id=score_id)
    qs = _in_range(qs, "taken_on", start, end)
    return qs.select_related("member").only(
        "id", "organization_id", "administration_id", "member__code", "instrument_id", "score_id", "value",
        "n_answered", "prorated", "band_index", "flag", "taken_on", "definition_version",
    ).order_by("-taken_on", "-administration_id", "score_id")


# -- the domain apps' records, as the API lists them -------------------------------------
# Each list requires the same capability as the app's own pages and keeps the same
# rules (scoping, what only clinical staff see, which groups a peer leader sees).


def jobs(
    membership: Membership, *, member_code: str = "", start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Job]:
    """Jobs of the organisation (``start``/``end`` bound the start date), newest first.
    Wages, accommodations and lessons are never loaded for roles without clinical access."""
    require(membership, Perm.EMPLOYMENT_VIEW)
    qs: QuerySet[Job] = Job.objects.for_org(membership.organization)
    if member_code:
        qs = qs.filter(member__code=member_code)
    qs = _in_range(qs, "start_date", start, end).select_related("member", "employer", "ending")
    if not employment_selectors.clinical(membership):
        qs = qs.defer(*employment_selectors.CLINICAL_JOB_FIELDS, "ending__lessons")
    return qs.order_by("-start_date", "-pk")


def support_contacts(
    membership: Membership, *, member_code: str = "", track: str = "", start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[SupportContact]:
    """Support contacts of both tracks, newest first (notes for clinical roles only)."""
    require(membership, Perm.EMPLOYMENT_VIEW)
    qs: QuerySet[SupportContact] = SupportContact.objects.for_org(membership.organization)
    if member_code:
        qs = qs.filter(member__code=member_code)
    if track:
        qs = qs.filter(track=track)
    qs = _in_range(qs, "contacted_on", start, end).select_related("member")
    if not employment_selectors.clinical(membership):
        qs = qs.defer("note")
    return qs.order_by("-contacted_on", "-pk")


def _visible_sessions(membership: Membership) -> QuerySet[Session]:
    require(membership, Perm.GROUP_VIEW)
    return Session.objects.for_org(membership.organization).filter(group_permissions.visible_q(membership, "group__"))


def sessions(
    membership: Membership, *, group_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[Session]:
    """Sessions of the groups the membership sees (peer leaders: their own groups), newest first."""
    qs = _visible_sessions(membership)
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    attendance = Attendance.objects.select_related("member").only("session_id", "status", "member__code")
    return (
        _in_range(qs, "date", start, end)
        .prefetch_related(Prefetch("attendance", queryset=attendance.order_by("member__code")))
        .order_by("-date", "-pk")
    )


def attendance(
    membership: Membership, *, group_id: int | None = None, member_code: str = "", start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Attendance]:
    """Attendance rows of the visible groups' sessions, newest session first."""
    qs = Attendance.objects.for_org(membership.organization).filter(session__in=_visible_sessions(membership))
    if group_id is not None:
        qs = qs.filter(session__group_id=group_id)
    if member_code:
        qs = qs.filter(member__code=member_code)
    return (
        _in_range(qs, "session__date", start, end).select_related("session", "member")
        .order_by("-session__date", "session_id", "member__code")
    )


def incidents(
    membership: Membership, *, group_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[CriticalIncident]:
    """Critical incidents of the visible groups' sessions with their codings, newest first."""
    qs = CriticalIncident.objects.for_org(membership.organization).filter(session__in=_visible_sessions(membership))
    if group_id is not None:
        qs = qs.filter(session__group_id=group_id)
    codings = IncidentCoding.objects.order_by("rank")
    return (
        _in_range(qs, "session__date", start, end).select_related("session", "member")
        .prefetch_related(Prefetch("codings", queryset=codings))
        .order_by("-session__date", "-pk")
    )


def helping_contacts(
    membership: Membership, *, kind: str = "", member_code: str = "", start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[HelpingContact]:
    """Helping contacts (``pathway.selectors.helping_list``: no notes), newest first."""
    qs = pathway_selectors.helping_list(membership, kind=kind)
    if member_code:
        qs = qs.filter(Q(helper__code=member_code) | Q(helped__code=member_code))
    return _in_range(qs, "date", start, end).order_by("-date", "-pk")


def alerts(
    membership: Membership, *, state: str = "", rule: str = "", member_code: str = "", start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Alert]:
    """Alerts the membership sees (``alerts.selectors.alerts_visible_to``); ``start``/``end``
    bound the date the condition began. Newest first."""
    qs = alert_selectors.alerts_visible_to(membership)
    if state:
        qs = qs.filter(state=state)
    if rule:
        qs = qs.filter(rule=rule)
    if member_code:
        qs = qs.filter(member__code=member_code)
    return _in_range(qs, "started_on", start, end).select_related("member").order_by("-raised_at", "-pk")
