"""``{% member_rows %}``: the member list's table rows, written in Python.

The template loop cost more than the rest of the list's Python together (six
variable lookups, a reversed URL, a choice label and a date filter a row, for 25
rows); this writes the same HTML, every value escaped as the template escaped it,
with the column labels translated once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from peerpath.members.models import Status

register = template.Library()

# A code that ``reverse`` puts in the URL unchanged (no percent-encoding), so that
# the URL of one can be reused with another.
_PLAIN_CODE = re.compile(r"[A-Za-z0-9._~-]+")
_STAND_IN = "M0STANDIN0CODE"


@register.simple_tag
def member_rows(members: Iterable[Any]) -> SafeString:
    """The ``<tr>`` of each member of the list's page (with the ``stage_label`` and
    ``professional_name`` the view set), as members/_results.html wrote them."""
    esc = conditional_escape
    labels = [esc(_(label)) for label in ("Code", "Name", "Status", "Recovery stage", "Professional", "Enrolled")]
    statuses = dict(Status.choices)
    head, _stand_in, tail = reverse("member_detail", kwargs={"code": _STAND_IN}).partition(_STAND_IN)
    parts = []
    for m in members:
        code = m.code
        url = head + code + tail if _PLAIN_CODE.fullmatch(code) else reverse("member_detail", kwargs={"code": code})
        status = m.status
        day = m.enrolment_date
        parts.append(
            "\n    <tr>\n"
            f'      <td data-label="{labels[0]}"><a href="{esc(url)}">{esc(code)}</a></td>\n'
            f'      <td data-label="{labels[1]}">{esc(m.name)}</td>\n'
            f'      <td data-label="{labels[2]}"><span class="status status-{esc(status)}">'
            f"{esc(statuses.get(status, status))}</span></td>\n"
            f'      <td data-label="{labels[3]}">{esc(m.stage_label)}</td>\n'
            f'      <td data-label="{labels[4]}">{esc(m.professional_name or "—")}</td>\n'
            f'      <td data-label="{labels[5]}">{"" if day is None else day.isoformat()}</td>\n'
            "    </tr>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)
