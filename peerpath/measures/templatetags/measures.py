from __future__ import annotations

from django import template

from peerpath.measures.definitions import Text

register = template.Library()


@register.filter
def in_language(text: Text | None, language: str) -> str:
    """A definition text (name, label) in the given language."""
    return text.get(language) if text is not None else ""


@register.filter
def number(value: float | None) -> str:
    """A score as people write it: 12, 2.5, 3.17; '—' when not scorable."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


@register.filter
def short_name(instrument_id: str) -> str:
    """An instrument's short name (PHQ-9) from its id (phq9)."""
    from peerpath.measures.library import library

    found = library().get(instrument_id)
    return found.short_name if found else instrument_id
