"""Template filters that render an alert's texts in the viewer's language."""

from __future__ import annotations

from django import template

from peerpath.alerts import texts
from peerpath.alerts.models import Alert
from peerpath.tenancy.models import display_name

register = template.Library()


@register.filter
def alert_reason(alert: Alert) -> str:
    return texts.reason(alert)


@register.filter
def alert_action(alert: Alert) -> str:
    return texts.action(alert)


@register.filter
def alert_audience(alert: Alert) -> str:
    return texts.audience(alert)


@register.filter
def staff_name(user: object) -> str:
    """A staff user's name as the rest of Peerpath shows it."""
    return display_name(user) if user is not None else ""
