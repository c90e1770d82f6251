"""Alert pages. Views parse input, call selectors and actions, and render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.alerts import actions, rules, selectors
from peerpath.alerts.forms import AcknowledgeForm, AlertSettingsForm, ResolveForm
from peerpath.alerts.models import AlertSettings, Rule, State
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.back import back_or
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


def _state_choices() -> list[tuple[str, str]]:
    return [("current", _("Open or acknowledged")), *[(s.value, str(s.label)) for s in State]]


@staff_view(Perm.ALERT_VIEW)
@require_http_methods(["GET"])
def alert_list(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    scope = request.GET.get("scope", "")
    if scope not in selectors.SCOPES:
        scope = selectors.default_scope(membership)
    rule = request.GET.get("rule", "")
    if rule not in Rule.values:
        rule = ""
    state = request.GET.get("state", "")
    if state not in selectors.STATE_FILTERS:
        state = "current"
    alerts = selectors.alert_list(membership, scope=scope, rule=rule, state=state)
    page = Paginator(alerts, settings.PEERPATH_MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    audit.record_by(
        membership, Event.ALERT_VIEW, request=request,
        extra={"page": page.number, "shown": len(page.object_list), "scope": scope, "rule": rule, "state": state},
    )
    context = {
        "page": page,
        "scope": scope,
        "rule": rule,
        "state": state,
        # The peer track is offered only the alerts it can see.
        "rules": [(value, label) for value, label in Rule.choices
                  if can(membership, Perm.MEMBER_VIEW_CLINICAL) or value in rules.PEER_TRACK_RULES],
        "states": _state_choices(),
    }
    return render(request, "alerts/list.html", context)


def _back(request: HttpRequest) -> str:
    """Where to go after handling an alert: the page it was handled from, when that
    is a page of this site, else the alert list."""
    return back_or(request, reverse("alert_list"))


def _handle_page(request: HttpRequest, pk: int, *, resolving: bool) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    alert = selectors.get_alert(membership, pk)
    if alert.state == State.RESOLVED or (not resolving and alert.state != State.OPEN):
        messages.info(request, _("This alert was already acknowledged or resolved."))
        return redirect(_back(request))
    form = (ResolveForm if resolving else AcknowledgeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if resolving:
            actions.resolve(membership, alert, note=form.cleaned_data["note"], request=request)
            messages.success(request, _("Alert resolved."))
        else:
            actions.acknowledge(membership, alert, note=form.cleaned_data["note"], request=request)
            messages.success(request, _("Alert acknowledged."))
        return redirect(_back(request))
    audit.record_by(membership, Event.ALERT_VIEW, target=alert, request=request,
                    extra={"member": alert.member_id, "page": "resolve" if resolving else "acknowledge"})
    title = _("Resolve an alert") if resolving else _("Acknowledge an alert")
    return render(request, "alerts/handle.html", {
        "alert": alert, "form": form, "title": title, "resolving": resolving, "next": _back(request),
    })


@staff_view(Perm.ALERT_HANDLE)
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _handle_page(request, pk, resolving=False)


@staff_view(Perm.ALERT_HANDLE)
@require_http_methods(["GET", "POST"])
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _handle_page(request, pk, resolving=True)


@staff_view(Perm.ALERT_HANDLE)
@require_http_methods(["POST"])
def alert_recompute(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    result = actions.recompute(membership, request=request)
    messages.success(request, _(
        "Alerts brought up to date: %(raised)s raised, %(cleared)s cleared, %(open)s open in the organisation."
    ) % {"raised": result.raised, "cleared": result.cleared, "open": result.open})
    return redirect("alert_list")


@staff_view(Perm.ALERT_SETTINGS)
@require_http_methods(["GET", "POST"])
def alert_settings(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    current = selectors.settings_of(membership)
    form = AlertSettingsForm(request.POST or None, instance=current or AlertSettings())
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in AlertSettings.THRESHOLD_FIELDS}
        actions.save_settings(membership, data, request=request)
        messages.success(request, _("Alert thresholds saved. They apply from the next computation of alerts."))
        return redirect("alert_settings")
    return render(request, "alerts/settings.html", {"form": form, "saved": current})
