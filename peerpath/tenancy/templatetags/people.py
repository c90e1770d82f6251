"""Template filters for people's names: ``{% load people %}``, ``{{ user|staff_name }}``."""

from __future__ import annotations

from typing import Any

from django import template

from peerpath.tenancy.models import display_name

register = template.Library()


@register.filter
def staff_name(user: Any) -> str:
    """A staff user's name as shown everywhere in Peerpath (``display_name``):
    Chinese names family name first without a space (吳建宏), others given name
    first (Ann Lee), the username when no name is recorded; empty for no user."""
    return display_name(user) if user is not None else ""
