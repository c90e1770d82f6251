"""Template filters of the employment pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from peerpath.employment.selectors import hours_label
from peerpath.tenancy.models import display_name

register = template.Library()


@register.filter
def staff_name(user: Any) -> str:
    """A staff user's name as shown everywhere in Peerpath."""
    return display_name(user) if user is not None else ""


@register.filter
def hours(value: Decimal | None) -> str:
    """20.0 → 20, 12.5 → 12.5."""
    return hours_label(value)
