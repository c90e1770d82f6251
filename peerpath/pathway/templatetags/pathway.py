"""Template filters of the pathway pages."""

from __future__ import annotations

from django import template

from peerpath.pathway.describe import hours as _hours

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal: ``{{ 90|hours }}`` → 1.5."""
    return _hours(int(minutes or 0))
