"""The organisation's helping network: a picture (member codes only) and a table."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.pathway import selectors
from peerpath.pathway.forms import NetworkForm
from peerpath.pathway.network import DEFAULT_ISOLATION_DAYS
from peerpath.pathway.network_svg import network_svg
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm

DEFAULT_PERIOD_DAYS = 180


@staff_view(Perm.NETWORK_VIEW)
@require_http_methods(["GET"])
def network(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    form = NetworkForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    end = cleaned.get("end") or today
    start = cleaned.get("start") or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    days = cleaned.get("days") or DEFAULT_ISOLATION_DAYS
    if not form.is_bound:
        form = NetworkForm(initial={"start": start, "end": end, "days": days})
    report = selectors.network_report(membership, start, end, days, request=request)
    title = _("Helping network, %(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
    summary = _(
        "%(members)s active members, %(ties)s ties, %(components)s groups of connected members; "
        "%(at_risk)s members with no helping contact in the last %(days)s days are drawn as squares."
    ) % {"members": len(report.nodes), "ties": len(report.ties), "components": len(report.components),
         "at_risk": len(report.at_risk), "days": days}
    svg = network_svg(report, title, summary)  # escapes every text it writes
    return render(request, "pathway/network.html", {
        "form": form, "report": report, "start": start, "end": end, "days": days,
        "svg": mark_safe(svg),  # noqa: S308 (built by network_svg from escaped codes only)
        "title": title, "summary": summary,
        "connected": len(report.nodes) - len(report.isolates),
    })
