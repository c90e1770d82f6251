"""Alert texts, rendered when shown in the viewer's language (never stored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from peerpath.alerts import rules
from peerpath.alerts.models import Alert, Audience
from peerpath.employment.models import EndingReason
from peerpath.measures.library import library


def _end_reason_label(code: str) -> str:
    """The label of a job-ending reason as the employment app names it."""
    if not code:
        return _("reason not recorded")
    return str(dict(EndingReason.choices).get(code, code))


def _instrument_name(instrument_id: str) -> str:
    instrument = library().get(instrument_id)
    return instrument.short_name if instrument is not None else instrument_id


def display_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as the texts show them (dates stay ISO, codes become names)."""
    shown = dict(params)
    if "reason" in shown:
        shown["reason"] = _end_reason_label(str(shown["reason"]))
    if "instrument" in shown:
        shown["instrument"] = _instrument_name(str(shown["instrument"]))
    return shown


def _format(text: str, params: Mapping[str, Any]) -> str:
    try:
        return _(text) % params
    except (KeyError, TypeError, ValueError):
        return _(text)  # a parameter missing from an older alert: the text without it


def reason(alert: Alert) -> str:
    texts = rules.MESSAGES.get(alert.message)
    return _format(texts[0], display_params(alert.params)) if texts else alert.get_rule_display()


def action(alert: Alert) -> str:
    texts = rules.MESSAGES.get(alert.message)
    return _format(texts[1], display_params(alert.params)) if texts else ""


def audience(alert: Alert) -> str:
    """Who the alert prompts, e.g. "Professional, Peer mentor"."""
    labels = dict(Audience.choices)
    return ", ".join(str(labels.get(a, a)) for a in alert.audience)


def mentor_prompt(alert: Alert, name: str) -> str:
    """What a peer mentor reads about a mentee in the portal ("" when the rule has
    no text for mentors; never for a clinical alert)."""
    text = rules.MENTOR_PROMPTS.get(alert.rule)
    if text is None or alert.clinical:
        return ""
    return _format(text, {**display_params(alert.params), "name": name})
