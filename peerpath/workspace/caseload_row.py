"""The caseload's table rows, written as HTML in Python.

A caseload of 85 rendered through the template language cost about 0.4 ms a row
(some 27 variables, 9 translations and 10 ``if`` tags each), most of the page's
time and growing with every member. Here every text that is the same on each row
is translated once per page (``RowTexts``) and a row costs one string join.
Every value that comes from data is escaped (``escape``) exactly as the
template's autoescaping did (``escape`` below gives the text of
``django.utils.html.escape`` without its wrapping for lazy texts and safe
strings); the msgids are the template's, so
the catalogues are unchanged. What is the same on every row but for the member's
code (the row's addresses, its menu of actions) is written once per page with a
marker where the code goes, and each row puts its code in (``str.replace``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from peerpath.alerts import texts as alert_texts
from peerpath.measures.library import library
from peerpath.members.models import Stage

if TYPE_CHECKING:
    from peerpath.workspace.caseload import Row


_NO = ' class="no"'
_URGENT = ' class="urgent"'
_CODE = "\x00"  # where a row's code goes, percent-encoded (in addresses)
_SHOWN = "\x01"  # where a row's code goes, escaped for HTML (in text)
# The row's addresses (``reverse`` once per page, not once per row and link).
ROW_LINKS = {"detail": "member_detail", "support": "support_contact_create", "job": "job_create",
             "work": "employment_member"}


def escape(value: object) -> str:
    """The text of ``value`` escaped for HTML, as ``django.utils.html.escape`` gives it."""
    return html.escape(str(value))


@dataclass
class RowTexts:
    """What every row shows the same: translated once per page, escaped."""

    l_stage: str
    l_work: str
    l_contact: str
    l_due: str
    l_alerts: str
    not_assessed: str
    working_competitive: str
    working: str
    not_working: str
    no_contact: str
    overdue: str
    none_due: str
    none: str
    suggested: str
    resolve: str
    actions: str
    log_contact: str
    record_job: str
    work: str
    timeline: str
    since: str  # "since %(d)s", not escaped (escaped with the date in it)
    job_ended: str  # "last job ended %(d)s", likewise
    resolve_url: str  # with __pk__ for the alert's id
    show_due: bool
    alert_handle: bool
    support_log: bool
    employment_record: bool
    employment_view: bool
    detail: tuple[str, str] = ("", "")  # the member page's address before and after the code
    anchor: str = ""  # the ``next`` parameter up to the row's code: this page, back at the row
    stages: dict[str, str] = field(default_factory=dict)  # stage → its label, escaped
    menu: str = ""  # the actions cell, with _CODE and _SHOWN for the row's code
    language: str = ""  # the language the texts are in


def row_texts(*, show_due: bool, alert_handle: bool, support_log: bool, employment_record: bool,
              employment_view: bool, back: str = "") -> RowTexts:
    """The texts of every row of a page whose address is ``back`` (a saved form comes back there)."""
    links = {key: reverse(name, kwargs={"code": "__code__"}).replace("__code__", _CODE)
             for key, name in ROW_LINKS.items()}
    before, _code, after = links["detail"].partition(_CODE)
    anchor = quote(f"{back}#row-", safe="")  # percent-encoding is byte by byte: the row's code is added encoded
    texts = RowTexts(
        l_stage=escape(gettext("Recovery stage")),
        l_work=escape(gettext("Work")),
        l_contact=escape(gettext("Days since last contact")),
        l_due=escape(gettext("Next questionnaire")),
        l_alerts=escape(gettext("Open alerts")),
        not_assessed=escape(gettext("Not assessed yet")),
        working_competitive=escape(gettext("Working (competitive job)")),
        working=escape(gettext("Working")),
        not_working=escape(gettext("Not working")),
        no_contact=escape(gettext("No contact yet")),
        overdue=escape(gettext("overdue")),
        none_due=escape(gettext("None due")),
        none=escape(gettext("None")),
        suggested=escape(gettext("Suggested:")),
        resolve=escape(gettext("Resolve")),
        actions=escape(gettext("Actions")),
        log_contact=escape(gettext("Log a contact")),
        record_job=escape(gettext("Record a job start")),
        work=escape(gettext("Work")),
        timeline=escape(gettext("Timeline")),
        since=gettext("since %(d)s"),
        job_ended=gettext("last job ended %(d)s"),
        resolve_url=reverse("alert_resolve", kwargs={"pk": 999999999}).replace("999999999", "__pk__"),
        show_due=show_due,
        alert_handle=alert_handle,
        support_log=support_log,
        employment_record=employment_record,
        employment_view=employment_view,
        detail=(before, after),
        anchor=anchor,
        stages={value: escape(label) for value, label in Stage.choices},  # translated once, not per row
        language=get_language(),
    )
    texts.menu = _menu(texts, links, anchor + _CODE)
    return texts


def _menu(t: RowTexts, links: Mapping[str, str], nxt: str) -> str:
    """The actions cell of every row, with markers for the row's code."""
    if not (t.support_log or t.employment_record or t.employment_view):
        return ""
    items = []
    if t.support_log:
        items.append(f'<li><a href="{links["support"]}?next={nxt}">{t.log_contact}</a></li>')
    if t.employment_record:
        items.append(f'<li><a href="{links["job"]}?next={nxt}">{t.record_job}</a></li>')
    if t.employment_view:
        items.append(f'<li><a href="{links["work"]}">{t.work}</a></li>')
    items.append(f'<li><a href="{links["detail"]}#timeline">{t.timeline}</a></li>')
    return (f'<details class="menu">\n      <summary>{t.actions}<span class="visually-hidden"> {_SHOWN}</span></summary>\n'
            f'      <ul class="plain menu-list">\n        ' + "\n        ".join(items) + "\n      </ul>\n    </details>")


def _job(row: Row, t: RowTexts) -> str:
    f = row.facts
    if f is not None and f.employed:
        out = f'<span class="yes">{t.working_competitive if f.competitive else t.working}</span>'
        if f.current_job_starts:
            since = escape(t.since % {"d": f.current_job_starts[0].isoformat()})
            out += f'\n      <span class="muted small">{since}</span>'
        return out + "\n      "
    if f is not None and f.last_job_end:
        ended = escape(t.job_ended % {"d": f.last_job_end.isoformat()})
        return f'{t.not_working} <span class="muted small">{ended}</span>\n      '
    return t.not_working


@lru_cache(maxsize=4096)
def _days(language: str, n: int) -> str:
    """"%(n)s days" in ``language`` (the active one), escaped: translated once per
    process and number (some 3 µs each, for most rows of a page)."""
    return escape(ngettext("%(n)s day", "%(n)s days", n) % {"n": n})


def _contact(row: Row, t: RowTexts) -> str:
    n = row.days_since_contact
    if n is None:
        return f'<span class="no">{t.no_contact}</span>'
    return f'<span{_NO if n > 14 else ""}>{_days(t.language, n)}</span>'


def _due(row: Row, t: RowTexts) -> str:
    if not t.show_due:
        return '<span class="muted">—</span>'
    d = row.next_due
    if d is None:
        return f'<span class="muted">{t.none_due}</span>'
    found = library().get(d.instrument_id)
    name = escape(found.short_name if found else d.instrument_id)
    late = f" ({t.overdue})" if d.overdue else ""
    return f'<span class="{"no" if d.overdue else ""}">{name} {d.due_on.isoformat()}{late}</span>'


def _alerts(row: Row, t: RowTexts, nxt: str) -> str:
    if not row.alerts:
        return f'<span class="muted">{t.none}</span>'
    first = row.alerts[0]
    more = f' <span class="badge">+{len(row.alerts) - 1}</span>' if len(row.alerts) > 1 else ""
    items = []
    for i, a in enumerate(row.alerts):
        reason = f"{escape(alert_texts.reason(a))} " if i else ""
        resolve = (f'\n        <a href="{t.resolve_url.replace("__pk__", str(a.pk))}?next={nxt}">{t.resolve}</a>'
                   if t.alert_handle else "")
        items.append(f'<li class="alert-{escape(a.rule)}">{reason}<span class="muted">{t.suggested} '
                     f'{escape(alert_texts.action(a))}</span>{resolve}</li>')
    return (f'<details class="alert-line">\n      <summary>{escape(alert_texts.reason(first))}{more}</summary>\n'
            f'      <ul class="plain">{"".join(items)}</ul>\n    </details>')


def render_row(row: Row, t: RowTexts, urgent: bool) -> str:
    """One ``<tr>`` of the caseload."""
    raw = row.member.code
    if raw.isascii() and raw.isalnum():  # most codes: nothing to escape or encode
        code = encoded = raw
    else:
        code, encoded = escape(raw), quote(raw, safe="")
    stage = t.stages.get(row.stage, "") if row.stage else f'<span class="muted">{t.not_assessed}</span>'
    detail, after = t.detail
    return (
        f'<tr id="row-{code}"{_URGENT if urgent else ""}>\n'
        f'    <td class="member"><a href="{detail}{encoded}{after}">{code} {escape(row.member.name)}</a></td>\n'
        f'    <td data-label="{t.l_stage}">{stage}</td>\n'
        f'    <td class="job" data-label="{t.l_work}">{_job(row, t)}</td>\n'
        f'    <td class="num contact" data-label="{t.l_contact}">{_contact(row, t)}</td>\n'
        f'    <td class="due" data-label="{t.l_due}">{_due(row, t)}</td>\n'
        f'    <td class="alerts" data-label="{t.l_alerts}">{_alerts(row, t, t.anchor + encoded)}</td>\n'
        f'    <td class="row-actions">{t.menu.replace(_CODE, encoded).replace(_SHOWN, code)}</td>\n'
        "  </tr>\n"
    )


def header_cells(headers: Iterable[Mapping[str, Any]], show_due: bool) -> SafeString:
    """The table's column headings (``key``, ``label``, ``url``, ``aria_sort`` each), as the
    template's loop wrote them: each a link that sorts by it, but the questionnaires' for
    staff who may not see them."""
    cells = []
    for h in headers:
        key, label = escape(h["key"]), escape(h["label"])
        sort = f' aria-sort="{escape(h["aria_sort"])}"' if h["aria_sort"] else ""
        text = label if h["key"] == "due" and not show_due else f'<a href="{escape(h["url"])}">{label}</a>'
        cells.append(f'<th scope="col" class="col-{key}"{sort}>{text}</th>')
    return mark_safe("".join(cells))  # noqa: S308 - every value is escaped


def render_rows(rows: Iterable[Row], t: RowTexts, urgent_ids: frozenset[int]) -> SafeString:
    """The caseload's ``<tr>``s, one string (a template loop over them cost some 7 µs a row);
    rows of members in ``urgent_ids`` are marked."""
    return mark_safe("".join([render_row(row, t, row.member.pk in urgent_ids) for row in rows]))  # noqa: S308 - rows escape their values
