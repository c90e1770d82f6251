"""The caseload's table rows, written as HTML in Python.

A caseload of 85 rendered through the template language cost about 0.4 ms a row
(some 27 variables, 9 translations and 10 ``if`` tags each), most of the page's
time and growing with every member. Here every text that is the same on each row
is translated once per page (``RowTexts``) and a row costs one string join.
Every value that comes from data is escaped (``escape``) exactly as the
template's autoescaping did (``escape`` below gives the text of
``django.utils.html.escape`` without its wrapping for lazy texts and safe
strings); the msgids are the template's, so
the catalogues are unchanged.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from peerpath.alerts import texts as alert_texts
from peerpath.measures.library import library

if TYPE_CHECKING:
    from peerpath.workspace.caseload import Row


_NO = ' class="no"'
_URGENT = ' class="urgent"'


def escape(value: object) -> str:
    """The text of ``value`` escaped for HTML, as ``django.utils.html.escape`` gives it."""
    return html.escape(str(value))


@dataclass(frozen=True)
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
    days: dict[int, str] = field(default_factory=dict)  # "%(n)s days" by n, filled as rows need them


def row_texts(*, show_due: bool, alert_handle: bool, support_log: bool, employment_record: bool,
              employment_view: bool) -> RowTexts:
    return RowTexts(
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
    )


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


def _contact(row: Row, t: RowTexts) -> str:
    n = row.days_since_contact
    if n is None:
        return f'<span class="no">{t.no_contact}</span>'
    days = t.days.get(n)
    if days is None:  # translated once per number of days on the page
        days = t.days[n] = escape(ngettext("%(n)s day", "%(n)s days", n) % {"n": n})
    return f'<span{_NO if n > 14 else ""}>{days}</span>'


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


def _actions(row: Row, t: RowTexts, code: str, links: Mapping[str, str]) -> str:
    if not (t.support_log or t.employment_record or t.employment_view):
        return ""
    nxt = links["next"]
    items = []
    if t.support_log:
        items.append(f'<li><a href="{links["support"]}?next={nxt}">{t.log_contact}</a></li>')
    if t.employment_record:
        items.append(f'<li><a href="{links["job"]}?next={nxt}">{t.record_job}</a></li>')
    if t.employment_view:
        items.append(f'<li><a href="{links["work"]}">{t.work}</a></li>')
    items.append(f'<li><a href="{links["detail"]}#timeline">{t.timeline}</a></li>')
    return (f'<details class="menu">\n      <summary>{t.actions}<span class="visually-hidden"> {code}</span></summary>\n'
            f'      <ul class="plain menu-list">\n        ' + "\n        ".join(items) + "\n      </ul>\n    </details>")


def render_row(row: Row, t: RowTexts, urgent: bool) -> SafeString:
    """One ``<tr>`` of the caseload (``row.links`` set by ``row_links``)."""
    code = escape(row.member.code)
    links = row.links  # from row_links: fixed paths and percent-encoded values only, nothing to escape
    stage = escape(row.stage_label) + ("" if row.stage else f'<span class="muted">{t.not_assessed}</span>')
    return mark_safe(  # noqa: S308 - every value from data above is escaped
        f'<tr id="row-{code}"{_URGENT if urgent else ""}>\n'
        f'    <td class="member"><a href="{links["detail"]}">{code} {escape(row.member.name)}</a></td>\n'
        f'    <td data-label="{t.l_stage}">{stage}</td>\n'
        f'    <td class="job" data-label="{t.l_work}">{_job(row, t)}</td>\n'
        f'    <td class="num contact" data-label="{t.l_contact}">{_contact(row, t)}</td>\n'
        f'    <td class="due" data-label="{t.l_due}">{_due(row, t)}</td>\n'
        f'    <td class="alerts" data-label="{t.l_alerts}">{_alerts(row, t, links["next"])}</td>\n'
        f'    <td class="row-actions">{_actions(row, t, code, links)}</td>\n'
        "  </tr>\n"
    )
