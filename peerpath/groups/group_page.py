"""What the group page shows over months: attendance per month, the
therapeutic-factor profile per quarter, group climate and inter-coder agreement
(each a fixed number of queries, with its chart and data table).

matplotlib (the charts) and statsmodels (kappa) are imported when a page is drawn,
not when the URLconf loads: both take seconds to import. A chart is drawn once for
what it shows: the SVG is kept in Django's cache under a digest of everything drawn
(the chart, its data points, its texts in the interface language), so a page
whose data have not changed since it was last drawn reads its charts from the
cache, and a new result (a session, a coding, an answer) changes the key."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from peerpath.groups import selectors
from peerpath.groups.codesets import CodeSet
from peerpath.groups.models import ATTENDED, PeerGroup
from peerpath.groups.profile import QuarterProfile, factor_profile, quarter_start, rate
from peerpath.measures.library import library

CLIMATE_INSTRUMENT = "gcqs"
# A session's climate is shown only when at least this many members answered, so
# that no single member's answers can be read off the group mean.
CLIMATE_MIN_ANSWERS = 3
# Bump when the drawing code changes, so that charts kept in the cache are drawn anew.
CHART_VERSION = 1
CHART_CACHE_SECONDS = 7 * 24 * 3600
ATTENDED_STATUSES = frozenset(status.value for status in ATTENDED)


def escape(value: object) -> str:
    """The text of ``value`` escaped for HTML, as ``django.utils.html.escape`` gives it."""
    return html.escape(str(value))


def cached_svg(draw: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """``draw(*args, **kwargs)``, from the cache when the same chart was drawn
    before (the key is a digest of the chart's name and every input: what it shows)."""
    what = repr((CHART_VERSION, draw.__module__, draw.__qualname__, args, sorted(kwargs.items())))
    key = "groups:chart:" + hashlib.sha256(what.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = draw(*args, **kwargs)
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


# The attendance chart and the group climate show this many months up to the
# group's latest session; the whole history is one link away (``?history=all``).
HISTORY_MONTHS = 12
# The factor profile's table shows this many quarters (the latest with coded
# incidents); the codings are read for as many calendar quarters up to the latest
# session's (the coders' agreement shows 4 quarters and the last 12 months).
PROFILE_QUARTERS = 8


@dataclass(frozen=True)
class Period:
    """What the attendance chart and the group climate show: the sessions since
    ``since`` (``selectors.EVER``: the whole history); the factor profile and the
    coders' agreement: the codings of sessions since ``codings_since``."""

    since: dt.date
    recent: dt.date | None  # the first day of the last HISTORY_MONTHS months; None without a session
    first: dt.date | None  # the group's first session
    whole: bool  # the whole history was asked for
    codings_since: dt.date = selectors.EVER  # the codings read: the last PROFILE_QUARTERS quarters
    months: int = HISTORY_MONTHS

    @property
    def earlier(self) -> bool:
        """Whether the group has sessions before its last HISTORY_MONTHS months."""
        return self.first is not None and self.recent is not None and self.first < self.recent


def period(latest: dt.date | None, first: dt.date | None, whole: bool) -> Period:
    """The period shown: the HISTORY_MONTHS calendar months up to the month of the
    group's latest session (``latest``), or the whole history when asked for, so
    that the page's reads follow the period, not the group's age."""
    if latest is None:
        return Period(selectors.EVER, None, first, whole)
    recent = _months_before(latest, HISTORY_MONTHS - 1)
    if whole:
        return Period(selectors.EVER, recent, first, whole)
    quarters = _months_before(quarter_start(latest), 3 * (PROFILE_QUARTERS - 1))
    return Period(recent, recent, first, whole, codings_since=quarters)


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``day``'s."""
    n = day.year * 12 + day.month - 1 - months
    return dt.date(n // 12, n % 12 + 1, 1)


def session_rows(group: PeerGroup, sessions: list[Any]) -> SafeString:
    """The rows of the sessions table (``selectors.sessions_of``: sessions with their
    counts), written in Python as the caseload's rows are: through the template
    language each row cost a URL reversal and six variables, about a fifth of the
    page's rendering for 20 sessions. Every value from data is escaped as the
    template's autoescaping did."""
    link = reverse("session_detail", kwargs={"pk": group.pk, "session_id": 999999999}).replace("999999999", "__pk__")
    return mark_safe("".join(  # noqa: S308  # every value is escaped
        f'<tr><td><a href="{escape(link.replace("__pk__", str(s.pk)))}">{s.date.isoformat()}</a></td>'
        f'<td>{escape(s.theme or "—")}</td>\n      <td class="num">{s.attended} / {s.expected}</td>'
        f'<td class="num">{s.incident_count}</td></tr>'
        for s in sessions
    ))


def current_roster_rows(roster: list[selectors.RosterRow]) -> SafeString:
    """The rows of the current roster on the group page (``_roster.html`` without its
    forms), written in Python as the sessions table's are: one URL reversal per page,
    not per member. Every value from data is escaped as autoescaping did, and each
    member code quoted in its link as ``{% url %}`` quotes it."""
    if not roster:
        return mark_safe(  # noqa: S308  # a translated constant, escaped
            f'<tr><td colspan="3" class="muted">{escape(_("No one on the roster."))}</td></tr>')
    link = reverse("member_detail", kwargs={"code": "__code__"})
    return mark_safe("".join(  # noqa: S308  # every value is escaped
        f'<tr><td><a href="{escape(link.replace("__code__", quote(e.code, safe=RFC3986_SUBDELIMS + "/~:@")))}">'
        f'{escape(e.code)}</a> {escape(e.name)}</td><td>{e.joined_on.isoformat()}</td>\n    </tr>\n  '
        for e in roster
    ))


def past_roster_items(past: list[tuple[str, str, dt.date, dt.date | None]]) -> SafeString:
    """The items of the earlier memberships (member code, name, joined, left), as
    ``_roster.html`` wrote them (escaped as autoescaping did)."""
    return mark_safe("".join(  # noqa: S308  # every value is escaped
        f'<li>{escape(code)} {escape(name)} <span class="muted">{joined.isoformat()} – {"" if left is None else left.isoformat()}</span></li>'
        for code, name, joined, left in past
    ))


def attendance_section(attendance: list[tuple[int, dt.date, str]], since: dt.date = selectors.EVER) -> dict[str, Any]:
    """The attendance chart and table of the sessions since ``since``, from
    ``selectors.attendance_rows`` (no query)."""
    from peerpath.groups import charts

    months = selectors.attendance_by_month([row for row in attendance if row[1] >= since])
    rows = [(m, a, e, rate(a, e)) for m, a, e in months]
    points = [(m, r) for m, _a, _e, r in rows if r is not None]
    summary = _("Attendance rate per month, %(n)s months.") % {"n": len(points)}
    return {
        "rows": rows[::-1],
        "table": attendance_rows(rows[::-1][:12]),
        "svg": cached_svg(charts.attendance_svg, points, heading=_("Attendance rate per month"), summary=summary,
                                     empty=_("No sessions recorded yet")),
    }


def attendance_rows(rows: list[tuple[dt.date, int, int, float | None]]) -> SafeString:
    """The rows of the attendance table (month, attended, expected, rate), written in
    Python as the template wrote them (``date:"Y-m"``, and ``widthratio`` rounding
    the rate in percent as Python's ``round`` does): dates and numbers only."""
    return mark_safe("".join(  # noqa: S308  # dates and numbers only
        f'<tr><td>{month.year:04d}-{month.month:02d}</td><td class="num">{attended} / {expected}</td>'
        f'<td class="num">{"—" if rate is None else f"{round(float(rate) * 100)}%"}</td></tr>'
        for month, attended, expected, rate in rows
    ))


def profile_section(code_set: CodeSet, language: str, codings: list[tuple[int, int, list[str], dt.date]]) -> dict[str, Any]:
    """The factor profile chart and table, from ``selectors.codings`` (no query)."""
    from peerpath.groups import charts

    quarters: list[QuarterProfile] = factor_profile(code_set.codes, selectors.first_codings(codings))
    names = [(f.code, f.name.get(language)) for f in code_set.factors]
    latest = quarters[-1] if quarters else None
    factors = [(name, latest.shares[code]) for code, name in names] if latest else []
    heading = _("Therapeutic factors, %(quarter)s") % {"quarter": latest.quarter} if latest else _("Therapeutic factors")
    summary = (
        _("Share of %(n)s coded critical incidents naming each factor.") % {"n": latest.incidents} if latest else ""
    )
    shown = quarters[::-1][:PROFILE_QUARTERS]
    return {
        "quarters": shown,
        # One row per factor, one share per quarter shown (a table the template only prints).
        "rows": [(name, [q.shares[code] for q in shown]) for code, name in names],
        "latest": latest,
        "svg": cached_svg(charts.profile_svg, factors, heading=heading, summary=summary, empty=_("No coded incidents yet")),
    }


@dataclass(frozen=True)
class KappaRow:
    period: str
    report: Any  # peerpath.groups.kappa.KappaReport


def kappa_section(code_set: CodeSet, today: dt.date, language: str,
                  codings: list[tuple[int, int, list[str], dt.date]]) -> dict[str, Any]:
    """The coders' agreement, from ``selectors.codings`` (no query)."""
    from peerpath.groups.kappa import kappa_report

    coded = selectors.double_codings(codings)
    year_ago = today - dt.timedelta(days=365)
    by_quarter: dict[dt.date, list[tuple[list[str], list[str]]]] = defaultdict(list)
    for day, first, second in coded:
        by_quarter[quarter_start(day)].append((first, second))
    rows = [
        KappaRow(f"{q.year}-Q{(q.month - 1) // 3 + 1}", kappa_report(code_set.codes, pairs))
        for q, pairs in sorted(by_quarter.items(), reverse=True)[:4]
    ]
    last_year = kappa_report(code_set.codes, [(a, b) for day, a, b in coded if day >= year_ago])
    return {
        "rows": rows,
        "last_year": last_year,
        # (factor name, its agreement over the last 12 months) in the code set's order.
        "by_factor": [(f.name.get(language), last_year.by_factor.get(f.code)) for f in code_set.factors],
    }


def climate_section(group: PeerGroup, language: str, attendance: list[tuple[int, dt.date, str]],
                    since: dt.date = selectors.EVER) -> dict[str, Any] | None:
    """Mean GCQ-S scores of the members who attended, per session date since
    ``since``, from ``selectors.attendance_rows`` and one query
    (``selectors.climate_scores``).

    The query reads the scores since ``since`` of the members who attended then (by
    the members' index), and the (member, day) pairs who attended are kept here: its
    cost follows the group's members and the period shown, never the organisation's
    GCQ-S history nor a join of every attendance to every score."""
    from peerpath.groups import charts

    instrument = library().get(CLIMATE_INSTRUMENT)
    if instrument is None:
        return None
    attended = {(member, day) for member, day, status in attendance
                if status in ATTENDED_STATUSES and day >= since}
    totals: dict[tuple[dt.date, str], float] = defaultdict(float)
    answers: dict[tuple[dt.date, str], int] = defaultdict(int)
    if attended:
        scores = selectors.climate_scores(group, instrument.id, tuple(s.id for s in instrument.scores), since)
        for member, day, score_id, value in scores:
            if (member, day) in attended:
                totals[(day, score_id)] += value
                answers[(day, score_id)] += 1
    by_score: dict[str, list[tuple[dt.date, float, int]]] = defaultdict(list)
    for day, score_id in sorted(answers):
        n = answers[(day, score_id)]
        if n >= CLIMATE_MIN_ANSWERS:
            by_score[score_id].append((day, totals[(day, score_id)] / n, n))
    series = [(s.label.get(language), [(d, m) for d, m, _n in by_score.get(s.id, [])]) for s in instrument.scores]
    dates = sorted({d for points in by_score.values() for d, _m, _n in points}, reverse=True)
    table = [
        (day, [next((m for d, m, _n in by_score.get(s.id, []) if d == day), None) for s in instrument.scores],
         max((n for points in by_score.values() for d, _m, n in points if d == day), default=0))
        for day in dates[:12]
    ]
    heading = _("Group climate (%(name)s)") % {"name": instrument.short_name}
    return {
        "instrument": instrument,
        "score_labels": [s.label.get(language) for s in instrument.scores],
        "table": table,
        "rows": climate_rows(table),
        "min_answers": CLIMATE_MIN_ANSWERS,
        "svg": cached_svg(charts.climate_svg, series, heading=heading, summary=_("Mean scores per session."),
                                  empty=_("Not enough answers yet")),
    }


def climate_rows(table: list[tuple[dt.date, list[float | None], int]]) -> SafeString:
    """The rows of the climate table, written in Python as the sessions table's are
    (a date, a number per score and a count: nothing to escape); each mean is
    written by the template filter ``floatformat`` as the template did."""
    return mark_safe("".join(  # noqa: S308  # dates and numbers only
        f'<tr><td>{day.isoformat()}</td>'
        + "".join(f'<td class="num">{"—" if m is None else floatformat(m, 1)}</td>' for m in means)
        + f'<td class="num">{n}</td></tr>'
        for day, means, n in table
    ))


def today() -> dt.date:
    return timezone.localdate()
