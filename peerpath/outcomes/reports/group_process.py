"""Group process across groups and quarters: sessions held, attendance rate,
retention on the rosters, therapeutic-factor profiles of critical incidents and
group climate (GCQ-S). Seven queries whatever the data size: the groups, then
aggregates for sessions, attendance (per member, group and quarter), retention,
factors (per quarter and the whole period) and climate.

Definitions (the groups app's, see ``peerpath.groups.profile``):

- attendance rate: attendances (present or late) over the attendances the
  sessions expected (present, late or absent; an excused absence is not
  expected), of the members the report counts (pooled: a member expected at
  more sessions weighs more);
- mean of the members' own rates: each member's attendances over the attendances
  expected of them, averaged over the members expected at least once (each member
  weighs the same); for all groups, a member's own rate is over all their groups;
- retention: of the members on a group's roster at a quarter's start, the share
  still on it at the quarter's end (on the roster on a day: joined on or before it
  and not left before it, as ``groups.selectors.roster_on``); for all groups, of
  the roster places, built from the distinct members (a member may be on two);
- factor profile: of the critical incidents the first coder coded in a code set,
  the share naming each factor (an incident may name several);
- climate: the mean GCQ-S subscale scores of the quarter (every answer of the
  counted members; of the chosen group's sessions when a group is chosen)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.groups.codesets import CodeSet, code_sets
from peerpath.groups.models import (
    ATTENDED,
    EXPECTED,
    Attendance,
    IncidentCoding,
    PeerGroup,
    RosterEntry,
    Session,
)
from peerpath.groups.profile import rate
from peerpath.measures.library import library
from peerpath.measures.models import StoredScore
from peerpath.outcomes.cells import Cell
from peerpath.outcomes.chart_values import chart_value
from peerpath.outcomes.charts import Value, bar_chart, line_chart
from peerpath.outcomes.period import Period, quarter_label, quarter_of
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.scope import ReportScope

CLIMATE_INSTRUMENT = "gcqs"
MAX_CHART_GROUPS = 5  # the attendance and retention charts draw each group up to this many

SPEC = ReportSpec(
    slug="group_process",
    title=gettext_lazy("Group process"),
    summary=gettext_lazy(
        "Peer groups by quarter: sessions held, attendance rate, retention on the rosters, the therapeutic "
        "factors named in critical incidents, and group climate."
    ),
)


def _quarter_key(day: dt.date | dt.datetime) -> dt.date:
    """The calendar quarter's first day (TruncQuarter's value) as a date."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return quarter_of(day).start


def _groups(scope: ReportScope) -> list[dict[str, Any]]:
    qs = PeerGroup.objects.filter(organization_id__in=scope.org_ids, started_on__lte=scope.period.end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=scope.period.start)
    )
    if scope.group is not None:
        qs = qs.filter(pk=scope.group.pk)
    groups: list[dict[str, Any]] = [
        {"pk": pk, "name": name} for pk, name in qs.order_by("organization_id", "started_on", "pk").values_list("pk", "name")
    ]
    for i, group in enumerate(groups, start=1):
        # Group names may identify members: researchers see numbers.
        group["label"] = _("Group %(n)d") % {"n": i} if scope.research_only else group["name"]
    return groups


def _sessions(scope: ReportScope, group_ids: list[int]) -> dict[tuple[int, dt.date], int]:
    rows = (
        Session.objects.filter(organization_id__in=scope.org_ids, group_id__in=group_ids,
                               date__gte=scope.period.start, date__lte=scope.period.end)
        .annotate(q=TruncQuarter("date")).values("group_id", "q").annotate(n=Count("pk")).order_by()
    )
    return {(r["group_id"], _quarter_key(r["q"])): r["n"] for r in rows}


Attended = tuple[int, int, int, float | None]  # attended, expected, members expected, mean of their own rates


def member_rates(rows: list[tuple[int, int, int]]) -> Attended:
    """From (member, attended, expected) rows (one or more per member), the pooled
    attended and expected, the members expected at least once, and the mean of each
    member's own rate (their attended over their expected, summed over their rows)."""
    per_member: dict[int, list[int]] = {}
    for member_id, attended, expected in rows:
        sums = per_member.setdefault(member_id, [0, 0])
        sums[0] += attended
        sums[1] += expected
    rates = [a / e for a, e in per_member.values() if e]
    attended = sum(a for a, _e in per_member.values())
    expected = sum(e for _a, e in per_member.values())
    return attended, expected, len(rates), sum(rates) / len(rates) if rates else None


def _attendance(scope: ReportScope, group_ids: list[int]) -> dict[tuple[int | None, dt.date], Attended]:
    """Per (group, quarter) and per (None, quarter) for all groups: attended and
    expected (pooled), members expected, and the mean of the members' own rates (a
    member's own rate over all groups: their attendances in every group over the
    attendances expected of them). One query: the counts per member, group and
    quarter."""
    rows: Any = (
        Attendance.objects.filter(organization_id__in=scope.org_ids, session__group_id__in=group_ids,
                                  session__date__gte=scope.period.start, session__date__lte=scope.period.end,
                                  member_id__in=scope.member_ids())
        .annotate(q=TruncQuarter("session__date"))
        .values("member_id", "session__group_id", "q")
        .annotate(attended=Count("pk", filter=Q(status__in=ATTENDED)),
                  expected=Count("pk", filter=Q(status__in=EXPECTED)))
        .order_by()
    )
    cells: dict[tuple[int | None, dt.date], list[tuple[int, int, int]]] = {}
    for r in rows:
        quarter = _quarter_key(r["q"])
        row = (r["member_id"], r["attended"], r["expected"])
        cells.setdefault((r["session__group_id"], quarter), []).append(row)
        cells.setdefault((None, quarter), []).append(row)
    return {key: member_rates(found) for key, found in cells.items()}


def _on_roster(day: dt.date, joined: dt.date, left: dt.date | None) -> bool:
    """On the roster on ``day``: joined on or before it and not left before it."""
    return joined <= day and (left is None or left >= day)


Retention = tuple[int, int, int, int, int]  # places at the start, kept; members at the start, kept, left


def _retention(scope: ReportScope, group_ids: list[int], quarters: list[Period]) -> dict[tuple[int | None, int], Retention]:
    """Per (group, quarter index), group None for all groups: roster places at the
    quarter's start and those still held at its end, and the distinct members at
    the start, still on a roster of theirs at the end, and off one (a member may be
    on several rosters). One query: the period's roster entries."""
    rows: Any = (
        RosterEntry.objects.filter(organization_id__in=scope.org_ids, group_id__in=group_ids,
                                   member_id__in=scope.member_ids(), joined_on__lte=scope.period.end)
        .exclude(left_on__lt=scope.period.start)
        .values_list("group_id", "member_id", "joined_on", "left_on").order_by()
    )
    entries = list(rows)
    found: dict[tuple[int | None, int], Retention] = {}
    for i, q in enumerate(quarters):
        places: dict[int | None, list[tuple[int, bool]]] = {}
        for group_id, member_id, joined, left in entries:
            if _on_roster(q.start, joined, left):
                kept = left is None or left >= q.end
                places.setdefault(group_id, []).append((member_id, kept))
                places.setdefault(None, []).append((member_id, kept))
        for group_id, held in places.items():
            found[(group_id, i)] = (
                len(held), sum(kept for _m, kept in held), len({m for m, _k in held}),
                len({m for m, kept in held if kept}), len({m for m, kept in held if not kept}),
            )
    return found


def _factors(scope: ReportScope, group_ids: list[int], sets: dict[str, CodeSet]) -> dict[tuple[str, dt.date | None], dict[str, int]]:
    """Per (code set, quarter) and (code set, None) for the whole period: coded
    incidents, members who wrote them, and incidents naming each factor."""
    codes = sorted({c for s in sets.values() for c in s.codes})
    sums: dict[str, Any] = {"incidents": Count("pk"), "members": Count("incident__member_id", distinct=True)}
    for code in codes:
        # The factors are a JSON list of codes ([a-z0-9_], never escaped): a coded
        # incident names a factor when its JSON text holds the quoted code.
        sums[f"f_{code}"] = Count("pk", filter=Q(factors__icontains=f'"{code}"'))
    base = (
        IncidentCoding.objects.filter(
            organization_id__in=scope.org_ids, rank=1, code_set__in=list(sets),
            incident__session__group_id__in=group_ids, incident__member_id__in=scope.member_ids(),
            incident__session__date__gte=scope.period.start, incident__session__date__lte=scope.period.end,
        )
        .annotate(q=TruncQuarter("incident__session__date"))
    )
    found: dict[tuple[str, dt.date | None], dict[str, Any]] = {}
    per_quarter: Any = base.values("code_set", "q").annotate(**sums).order_by()
    for r in per_quarter:
        found[(r["code_set"], _quarter_key(r["q"]))] = r
    whole: Any = base.values("code_set").annotate(**sums).order_by()
    for r in whole:
        found[(r["code_set"], None)] = r
    return found


def _climate(scope: ReportScope) -> dict[tuple[str, dt.date], tuple[float, int]]:
    rows = StoredScore.objects.filter(
        organization_id__in=scope.org_ids, instrument_id=CLIMATE_INSTRUMENT, value__isnull=False,
        member_id__in=scope.member_ids(), taken_on__gte=scope.period.start, taken_on__lte=scope.period.end,
    )
    if scope.group is not None:
        rows = rows.filter(Exists(Attendance.objects.filter(
            session__group=scope.group, session__date=OuterRef("taken_on"), member_id=OuterRef("member_id"),
            status__in=ATTENDED,
        )))
    grouped: Any = (
        rows.annotate(q=TruncQuarter("taken_on")).values("score_id", "q")
        .annotate(mean=Avg("value"), members=Count("member_id", distinct=True)).order_by()
    )
    return {(r["score_id"], _quarter_key(r["q"])): (float(r["mean"]), r["members"]) for r in grouped}


def _shown(cells: list[Cell]) -> list[Value]:
    return [chart_value(c) for c in cells]


def build(scope: ReportScope) -> dict[str, Any]:
    language = scope.language
    quarters = scope.period.quarters()
    keys = [quarter_of(q.start).start for q in quarters]
    labels = [quarter_label(q.start) for q in quarters]
    groups = _groups(scope)
    ids = [g["pk"] for g in groups]
    sessions = _sessions(scope, ids)
    attendance = _attendance(scope, ids)
    retention = _retention(scope, ids, quarters)

    def attendance_cells(group_id: int | None) -> list[Cell]:
        out = []
        for i, key in enumerate(keys):
            attended, expected, members, _mean = attendance.get((group_id, key), (0, 0, 0, None))
            out.append(scope.cell(rate(attended, expected), members, key=f"attendance.{group_id}.{i}"))
        return out

    def member_mean_cells(group_id: int | None) -> list[Cell]:
        """The mean of the members' own attendance rates: each member weighs the same."""
        out = []
        for i, key in enumerate(keys):
            _attended, _expected, members, mean = attendance.get((group_id, key), (0, 0, 0, None))
            out.append(scope.cell(mean, members, key=f"attendance_mean.{group_id}.{i}"))
        return out

    def retention_cells(group_id: int | None) -> list[Cell]:
        """The share of places kept, built from members: hidden when the members who
        kept their place, or those who left, are few (the counts are not printed)."""
        out = []
        for i in range(len(quarters)):
            start, kept, members, kept_members, left_members = retention.get((group_id, i), (0, 0, 0, 0, 0))
            key = f"retention.{group_id}.{i}"
            scope.count(members, key=f"{key}.members", displayed=False)
            scope.count(kept_members, key=f"{key}.kept", displayed=False)
            scope.count(left_members, key=f"{key}.left", displayed=False)
            out.append(scope.cell(kept / start if start else None, members, key=key,
                                  basis=(f"{key}.members", f"{key}.kept", f"{key}.left")))
        return out

    rows: list[dict[str, Any]] = [
        {
            "label": g["label"],
            # Sessions are the programme's activity, not a figure about members.
            "sessions": [scope.cell(sessions.get((g["pk"], key), 0), 0, key=f"sessions.{g['pk']}.{i}")
                         for i, key in enumerate(keys)],
            "attendance": attendance_cells(g["pk"]),
            "attendance_mean": member_mean_cells(g["pk"]),
            "retention": retention_cells(g["pk"]),
        }
        for g in groups
    ]
    total: dict[str, Any] = {
        "label": _("All groups"),
        "sessions": [scope.cell(sum(sessions.get((g, key), 0) for g in ids), 0, key=f"sessions.all.{i}")
                     for i, key in enumerate(keys)],
        "attendance": attendance_cells(None),
        "attendance_mean": member_mean_cells(None),
        "retention": retention_cells(None),
    }
    charted = [total, *rows] if len(rows) <= MAX_CHART_GROUPS else [total]
    attendance_svg = line_chart(
        labels, [(str(r["label"]), _shown(r["attendance"])) for r in charted],
        heading=_("Attendance rate by quarter"),
        summary=_("Attendances over the attendances expected (excused absences not expected), per quarter."),
        empty=_("No attendance recorded in this period"), percent=True, salt="gp-attendance",
    )
    retention_svg = line_chart(
        labels, [(str(r["label"]), _shown(r["retention"])) for r in charted],
        heading=_("Retention in groups by quarter"),
        summary=_("Of the members on a roster at the start of the quarter, the share still on it at its end."),
        empty=_("No member on a roster in this period"), percent=True, salt="gp-retention",
    )

    sets = code_sets()
    factors = _factors(scope, ids, sets)
    profiles: list[dict[str, Any]] = []
    for set_id, code_set in sorted(sets.items()):
        whole = factors.get((set_id, None))
        if whole is None:
            continue
        # coded incidents of the quarters add up to the period's
        prefix = f"factors.{set_id}"
        quarter_incidents = []
        for i, key in enumerate(keys):
            r = factors.get((set_id, key))
            quarter_incidents.append(scope.count(r["members"] if r else 0, value=r["incidents"] if r else 0,
                                                 key=f"{prefix}.{i}.incidents"))
        incidents = scope.count(whole["members"], value=whole["incidents"], key=f"{prefix}.incidents")
        scope.total(f"{prefix}.incidents", [f"{prefix}.{i}.incidents" for i in range(len(keys))])
        members = scope.count(whole["members"], key=f"{prefix}.members")
        factor_rows: list[dict[str, Any]] = []
        for code in code_set.codes:
            per_quarter = []
            for i, key in enumerate(keys):
                r = factors.get((set_id, key))
                per_quarter.append(scope.cell(r[f"f_{code}"] / r["incidents"] if r else None, r["members"] if r else 0,
                                              key=f"{prefix}.{i}.{code}", basis=(f"{prefix}.{i}.incidents",)))
            factor_rows.append({
                "name": code_set.factor(code).name.get(language),
                "period": scope.cell(whole[f"f_{code}"] / whole["incidents"], whole["members"],
                                     key=f"{prefix}.{code}", basis=(f"{prefix}.incidents",)),
                "quarters": per_quarter,
            })
        name = code_set.name.get(language)
        profiles.append({
            "name": name,
            "incidents": incidents,
            "members": members,
            "quarter_incidents": quarter_incidents,
            "factors": factor_rows,
            "svg": bar_chart(
                [f["name"] for f in factor_rows], [(_("Share of coded incidents"), _shown([f["period"] for f in factor_rows]))],
                heading=_("Therapeutic factors (%(name)s)") % {"name": name},
                summary=_("Share of the period's coded critical incidents naming each factor (first coder)."),
                empty=_("No coded incidents in this period"), percent=True, salt=f"gp-factors-{set_id}",
            ),
        })

    climate = None
    instrument = library().get(CLIMATE_INSTRUMENT)
    if instrument is not None:
        means = _climate(scope)
        subscales: list[dict[str, Any]] = []
        for score in instrument.scores:
            cells = []
            for i, key in enumerate(keys):
                mean, answered = means.get((score.id, key), (None, 0))
                cells.append(scope.cell(mean, answered, key=f"climate.{score.id}.{i}"))
            subscales.append({"label": score.label.get(language), "quarters": cells})
        climate = {
            "name": instrument.short_name,
            "subscales": subscales,
            "svg": line_chart(
                labels, [(s["label"], _shown(s["quarters"])) for s in subscales],
                heading=_("Group climate (%(name)s)") % {"name": instrument.short_name},
                summary=_("Mean subscale scores (0–6) of the quarter's answers."),
                empty=_("No group climate answers in this period"), value_range=(0, 6), salt="gp-climate",
            ),
        }
    return {
        "quarters": labels,
        "groups": rows,
        "total": total,
        "attendance_svg": attendance_svg,
        "retention_svg": retention_svg,
        "profiles": profiles,
        "climate": climate,
    }
