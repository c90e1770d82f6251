"""The dashboard's lists, written as HTML in Python.

The coordinator's due list (30 members, each with a few questionnaires and their
dates) and the questionnaire results to follow up cost the template language some
3 ms a view (a ``for`` loop, ``if`` tags, a translation and a date format per
questionnaire). Here each is one string join, with the texts every item shows the
same translated once per view. Every value from data is escaped as the template's
autoescaping did (``caseload_row.escape``), each date is formatted as the template's
``date:"Y-m-d"`` gave it (a moment in the current time zone first), and the msgids
are the template's, so the catalogues are unchanged. The tests compare each with
the template it replaced, byte for byte, in both languages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from peerpath.measures.due import Due
from peerpath.measures.templatetags.measures import short_name
from peerpath.workspace.caseload_row import escape


def _day(value: dt.date | dt.datetime | None) -> str:
    """``value|date:"Y-m-d"`` (a moment in the current time zone, as the template shows it)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and settings.USE_TZ and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def due_items(due: Sequence[tuple[Any, Sequence[tuple[str, Due]]]]) -> SafeString:
    """The ``<li>`` of each member of the due list: a link to their questionnaires, and
    each due questionnaire's short name and date (overdue ones marked)."""
    overdue = f" ({escape(gettext('overdue'))})"
    items = []
    for member, questionnaires in due:
        dues = ", ".join(
            f'<span class="{"no" if d.overdue else ""}">{escape(name)} {_day(d.due_on)}{overdue if d.overdue else ""}'
            "</span>" for name, d in questionnaires)
        items.append(f'<li><a href="{escape(member.questionnaires_url)}">{escape(member.code)} {escape(member.name)}'
                     f"</a>:\n    {dues}</li>")
    return mark_safe("".join(items))  # noqa: S308 - every value from data above is escaped


def result_flag_items(flags: Sequence[Any]) -> SafeString:
    """The ``<li>`` of each questionnaire result to follow up: a link to the member's
    questionnaires; the questionnaire, the kind of flag and the day it was raised."""
    items = []
    for f in flags:
        member = f.member
        name = short_name(f.administration.instrument_id)
        items.append(f'<li><a href="{escape(member.questionnaires_url)}">{escape(member.code)} {escape(member.name)}'
                     f'</a>\n    <span class="muted">{escape(name)} · {escape(f.get_kind_display())} · '
                     f"{_day(f.raised_at)}</span></li>")
    return mark_safe("".join(items))  # noqa: S308 - every value from data above is escaped
