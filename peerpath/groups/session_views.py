"""Session pages: record a whole session on one page, see a session, add
critical incidents written later, and code an incident to therapeutic factors."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups import actions, permissions, selectors
from peerpath.groups.codesets import code_set as get_code_set
from peerpath.groups.forms import CodingForm
from peerpath.groups.meeting_days import is_meeting_day, meeting_weekdays
from peerpath.groups.models import ATTENDED, AttendanceStatus, IncidentCoding
from peerpath.groups.session_forms import LateIncidents, SessionRecording
from peerpath.groups.views import rule_message
from peerpath.measures.library import interface_language
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.back import back_or, next_url
from peerpath.tenancy.policy import Perm


def _day(value: str | None) -> dt.date:
    """The session day asked for (?date= or the posted date), today by default."""
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return today
    return min(day, today)


@staff_view(Perm.SESSION_RECORD)
@require_http_methods(["GET", "POST"])
def session_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Attendance for the whole roster, norms, feedback notes and incidents, saved at once."""
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.SESSION_RECORD)
    day = _day(request.POST.get("s-date") if request.method == "POST" else request.GET.get("date"))
    if request.method == "POST" and "show_roster" in request.POST:
        # The same form's other button: show that day's roster and norms (nothing saved).
        query = {"date": day.isoformat(), **({"next": back} if (back := next_url(request)) else {})}
        return redirect(f"{request.path}?{urlencode(query)}")
    weekdays = meeting_weekdays(group.schedule, selectors.recent_session_dates(group))
    roster = selectors.roster_on(group, day)
    page = SessionRecording(
        request.POST if request.method == "POST" else None,
        group=group, day=day, roster=roster, norms=selectors.norms_in_force(group, day),
    )
    if request.method == "POST" and page.is_valid():
        try:
            session = actions.record_session(membership, group, page.to_input(), request=request)
        except actions.GroupRuleError:
            page.page_errors.append(_("A session of this group is already recorded on that date."))
        else:
            messages.success(request, _("Session recorded."))
            if not is_meeting_day(session.date, weekdays):
                messages.warning(request, off_day_message(session.date, weekdays))
            return redirect(back_or(request, reverse("session_detail", args=[group.pk, session.pk])))
    # The page lists the roster's members: a read of member data.
    audit.record_by(membership, Event.GROUP_VIEW, target=group, request=request, extra={"page": "session_record"})
    context = {
        "group": group, "page": page, "day": day, "statuses": AttendanceStatus.choices, "next": next_url(request),
        "meeting_days": sorted(weekdays),
        "off_day": None if is_meeting_day(day, weekdays) else off_day_message(day, weekdays),
    }
    return render(request, "groups/session_record.html", context)


def weekday_names(weekdays: set[int]) -> str:
    """Weekday names in the interface language, e.g. "Wednesday" or "週三、週五"."""
    names = [formats.date_format(dt.date(2024, 1, 1) + dt.timedelta(days=d), "l") for d in sorted(weekdays)]
    return "、".join(names) if translation.get_language() == "zh-hant" else ", ".join(names)


def off_day_message(day: dt.date, weekdays: set[int]) -> str:
    """The warning for a session dated on a day the group does not meet (not refused:
    groups sometimes move a session)."""
    return _("%(date)s is a %(weekday)s; this group meets on %(days)s. Check the date.") % {
        "date": day.isoformat(), "weekday": formats.date_format(day, "l"), "days": weekday_names(weekdays),
    }


@staff_view(Perm.GROUP_VIEW)
@require_http_methods(["GET"])
def session_detail(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.GROUP_VIEW)
    session = selectors.get_session(group, session_id)
    audit.record_by(membership, Event.GROUP_VIEW, target=session, request=request)
    contents = selectors.session_contents(session)
    language = interface_language()
    code_set = get_code_set(group.code_set)
    names = {f.code: f.name.get(language) for f in code_set.factors}
    incidents = [
        (i, {c.rank: (c, [names.get(code, code) for code in c.factors]) for c in i.codings.all()})
        for i in contents["incidents"]
    ]
    context = {
        "group": group, "session": session, **contents, "incidents": incidents,
        "may_record": permissions.may_record(membership, group),
        "may_code": permissions.may_code(membership, group),
    }
    return render(request, "groups/session_detail.html", context)


@staff_view(Perm.SESSION_RECORD)
@require_http_methods(["GET", "POST"])
def incidents_add(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.SESSION_RECORD)
    session = selectors.get_session(group, session_id)
    attended = [a.member for a in selectors.session_contents(session)["attendance"] if a.status in ATTENDED]
    page = LateIncidents(request.POST if request.method == "POST" else None, attended=attended)
    if request.method == "POST" and page.is_valid():
        actions.add_incidents(membership, session, page.incidents(), request=request)
        messages.success(request, _("Critical incidents saved."))
        return redirect("session_detail", pk=group.pk, session_id=session.pk)
    audit.record_by(membership, Event.GROUP_VIEW, target=session, request=request, extra={"page": "incidents_add"})
    return render(request, "groups/incidents_add.html", {"group": group, "session": session, "page": page})


@staff_view(Perm.INCIDENT_CODE)
@require_http_methods(["GET", "POST"])
def incident_code(request: HttpRequest, pk: int, incident_id: int) -> HttpResponse:
    """Code an incident as the first coder or, once it has one, as the second."""
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.INCIDENT_CODE)
    incident = selectors.get_incident(group, incident_id)
    codings = {c.rank: c for c in IncidentCoding.objects.for_org(group.organization).filter(incident=incident)}
    rank = _my_rank(codings, membership.user_id)
    if rank is None:
        raise PermissionDenied("both coders have coded this incident")
    code_set = get_code_set(group.code_set)
    mine = codings.get(rank)
    form = CodingForm(request.POST if request.method == "POST" else None, code_set=code_set,
                      initial={"factors": mine.factors if mine else []})
    if request.method == "POST" and form.is_valid():
        try:
            actions.code_incident(membership, incident, rank=rank, factors=form.cleaned_data["factors"],
                                  request=request)
        except actions.GroupRuleError as exc:
            form.add_error(None, rule_message(str(exc)))
        else:
            messages.success(request, _("Coding saved."))
            return redirect(back_or(request, reverse("session_detail", args=[group.pk, incident.session_id])))
    audit.record_by(membership, Event.GROUP_VIEW, target=incident, request=request, extra={"page": "incident_code"})
    context = {"group": group, "incident": incident, "form": form, "rank": rank,
               "code_set_name": code_set.name.get(interface_language()),
               "blind": rank == 2 and mine is None, "next": next_url(request)}
    return render(request, "groups/incident_code.html", context)


def _my_rank(codings: dict[int, IncidentCoding], user_id: int) -> int | None:
    """The coder role the user codes in: their own earlier coding's, else the first
    free one (the second only for someone other than the first coder)."""
    for rank, coding in codings.items():
        if coding.coder_id == user_id:
            return rank
    if 1 not in codings:
        return 1
    if 2 not in codings:
        return 2
    return None
