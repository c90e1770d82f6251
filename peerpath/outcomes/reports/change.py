"""Change on measures: for each questionnaire, members with a baseline and a
follow-up score at 6 and at 12 months — mean change with its 95% CI and paired
t-test, the change-score effect size d_z and Hedges' g with its CI
(``peerpath.outcomes.effect``), and the shares reliably improved, unchanged and
deteriorated and clinically significantly changed (Jacobson–Truax,
``peerpath.measures.change``).

Fixed windows around the member's enrolment, not the first score ever against
the latest (which mixes members followed for weeks with members followed for
years, and takes baselines at whatever moment a member happened to be measured
first):

- baseline: the score closest to the enrolment date from ``baseline_before`` days
  before it to ``baseline_after`` days after it (defaults 30 and 30);
- follow-up at 6 (12) months: the score closest to enrolment + 182 (365) days,
  within ``followup_window`` days either side (default 45).

Ties go to the earlier score (a baseline before enrolment is before the
programme). A member is counted for a follow-up when it fell due in the period
(enrolment + 182 or 365 days within it) and its window closed before the day of
the report, and when the member answered the questionnaire at some time from the
start of the baseline window to the end of the follow-up window; those without
a score in the baseline window, or with a baseline and no score in the follow-up
window, are counted as excluded (declared in the disclosure ledger: pairs +
both kinds of excluded = members counted). One query fetches the scores."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.measures.change import (
    ClinicalChangeClass,
    MissingNormsError,
    ReliableChangeClass,
    assess_change,
)
from peerpath.measures.definitions import Instrument
from peerpath.measures.library import member_instruments
from peerpath.measures.models import StoredScore
from peerpath.measures.stats import MIN_MEMBERS_FOR_BASELINE, Spread, baseline_spreads, pooled_sd
from peerpath.outcomes.chart_values import chart_value
from peerpath.outcomes.charts import Value, bar_chart
from peerpath.outcomes.effect import paired_summary
from peerpath.outcomes.registry import ReportOption, ReportSpec
from peerpath.outcomes.scope import ReportScope

# The baseline window: the intake questionnaires fall due on the enrolment date
# (``measures.due``) and are overdue after 14 days; 30 days after takes in a late
# intake, 30 days before a screening at referral, while staying well before any
# effect the programme could have and clear of the 6-month window.
BASELINE_DAYS_BEFORE = 30
BASELINE_DAYS_AFTER = 30
# The follow-up windows: half the usual 90-day measurement interval either side, so
# that a member measured on schedule has a score in every window.
FOLLOW_UP_WINDOW_DAYS = 45
FOLLOW_UPS = ((6, 182), (12, 365))  # months, days after enrolment
# The largest values the form accepts keep the windows apart: the baseline window
# ends by day 60, the 6-month one runs from day 92 to 272, the 12-month one from 275.
MAX_BEFORE, MAX_AFTER, MIN_WINDOW, MAX_WINDOW = 90, 60, 7, 90

SPEC = ReportSpec(
    slug="change",
    title=gettext_lazy("Change on measures"),
    summary=gettext_lazy(
        "For each questionnaire, members with a baseline at enrolment and a follow-up at 6 or 12 months: mean "
        "change with its 95% confidence interval, effect sizes (d_z and Hedges' g), and the shares reliably "
        "improved, unchanged and deteriorated."
    ),
    options=(
        ReportOption(
            name="baseline_before", label=gettext_lazy("Baseline: days before enrolment"), kind="int",
            default=BASELINE_DAYS_BEFORE, min_value=0, max_value=MAX_BEFORE,
            help_text=gettext_lazy("The baseline is the score closest to the enrolment date in this window."),
        ),
        ReportOption(
            name="baseline_after", label=gettext_lazy("Baseline: days after enrolment"), kind="int",
            default=BASELINE_DAYS_AFTER, min_value=0, max_value=MAX_AFTER,
        ),
        ReportOption(
            name="followup_window", label=gettext_lazy("Follow-up: days either side of 6 and 12 months"),
            kind="int", default=FOLLOW_UP_WINDOW_DAYS, min_value=MIN_WINDOW, max_value=MAX_WINDOW,
            help_text=gettext_lazy("The follow-up is the score closest to 182 (365) days after enrolment in "
                                   "this window."),
        ),
    ),
)


@dataclass(frozen=True)
class Windows:
    before: int = BASELINE_DAYS_BEFORE
    after: int = BASELINE_DAYS_AFTER
    window: int = FOLLOW_UP_WINDOW_DAYS

    def baseline(self, enrolled: dt.date) -> tuple[dt.date, dt.date]:
        return enrolled - dt.timedelta(days=self.before), enrolled + dt.timedelta(days=self.after)

    def follow_up(self, enrolled: dt.date, days: int) -> tuple[dt.date, dt.date, dt.date]:
        """The target day and the window's first and last days."""
        target = enrolled + dt.timedelta(days=days)
        return target, target - dt.timedelta(days=self.window), target + dt.timedelta(days=self.window)


def windows_of(scope: ReportScope) -> Windows:
    """The window options (their defaults when empty); ValueError naming the
    field when one is not a whole number in its range."""
    values = {o.name: o.number(scope.options.get(o.name)) for o in SPEC.options}
    return Windows(values["baseline_before"], values["baseline_after"], values["followup_window"])


Scored = tuple[dt.date, int, float]  # taken on, row id, value


def closest(scores: list[Scored], target: dt.date, low: dt.date, high: dt.date) -> Scored | None:
    """The score in [low, high] closest to ``target``; the earlier one on a tie."""
    inside = [s for s in scores if low <= s[0] <= high]
    return min(inside, key=lambda s: (abs((s[0] - target).days), s[0], s[1]), default=None)


@dataclass
class Pairs:
    pre: list[float] = field(default_factory=list)
    post: list[float] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)  # the member's organisation, per pair
    no_baseline: int = 0  # counted, no score in the baseline window
    no_followup: int = 0  # counted, a baseline and no score in the follow-up window

    @property
    def counted(self) -> int:
        return len(self.pre) + self.no_baseline + self.no_followup


def fetch_pairs(scope: ReportScope, instruments: list[Instrument], windows: Windows
                ) -> dict[tuple[str, int], Pairs]:
    """Baseline and follow-up per member of each instrument's primary score, per
    follow-up (6 and 12 months), keyed ``(instrument_id, months)``: one query."""
    found: dict[tuple[str, int], Pairs] = {(i.id, m): Pairs() for i in instruments for m, _d in FOLLOW_UPS}
    if not instruments:
        return found
    start, end = scope.period.start, scope.period.end
    due = Q()
    for _months, days in FOLLOW_UPS:
        span = dt.timedelta(days=days)
        due |= Q(enrolment_date__gte=start - span, enrolment_date__lte=end - span)
    which = Q()
    for instrument in instruments:
        which |= Q(instrument_id=instrument.id, score_id=instrument.primary_score.id)
    longest = max(days for _m, days in FOLLOW_UPS)
    rows = (
        StoredScore.objects.filter(
            organization_id__in=scope.org_ids, member_id__in=scope.members().filter(due).values("pk"),
            value__isnull=False, taken_on__gte=start - dt.timedelta(days=longest + windows.before),
            taken_on__lte=end + dt.timedelta(days=windows.window),
        )
        .filter(which)
        .values_list("member_id", "instrument_id", "organization_id", "member__enrolment_date", "taken_on", "pk",
                     "value")
        .order_by()
    )
    scores: dict[tuple[int, str], list[Scored]] = defaultdict(list)
    about: dict[int, tuple[int, dt.date]] = {}
    for member_id, instrument_id, org_id, enrolled, taken_on, pk, value in rows:
        if value is None:  # (excluded by the query; for the type checker)
            continue
        scores[(member_id, instrument_id)].append((taken_on, pk, float(value)))
        about[member_id] = (org_id, enrolled)
    for (member_id, instrument_id), answered in sorted(scores.items()):
        org_id, enrolled = about[member_id]
        base_low, base_high = windows.baseline(enrolled)
        baseline = closest(answered, enrolled, base_low, base_high)
        for months, days in FOLLOW_UPS:
            target, low, high = windows.follow_up(enrolled, days)
            if not (start <= target <= end) or high >= scope.today:
                continue  # not due in the period, or its window is still open
            if not any(base_low <= s[0] <= high for s in answered):
                continue  # did not answer the questionnaire in this span
            pairs = found[(instrument_id, months)]
            follow_up = closest(answered, target, low, high)
            if baseline is None:
                pairs.no_baseline += 1
            elif follow_up is None:
                pairs.no_followup += 1
            else:
                pairs.pre.append(baseline[2])
                pairs.post.append(follow_up[2])
                pairs.orgs.append(org_id)
    return found


def needs_programme_sd(score: Any) -> bool:
    """The score has no normative SD: reliable change uses the programme's."""
    return score.norms is None or score.norms.sd is None


@dataclass(frozen=True)
class Classes:
    """Reliable (and clinical, or None) change class of each pair, the cut-off, the
    SD's basis ("norms" or "baseline") and the organisations judged with the
    pooled SD because they have too few baselines of their own."""

    reliable: list[Any]
    clinical: list[Any] | None
    cutoff: float | None
    basis: str
    pooled: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class NoClasses:
    """No reliable change: ``reason`` "no_reliability" (none on record) or
    "few_baselines" (no normative SD, and fewer than the minimum of members'
    first scores in ``lacking``, even pooled over the organisations)."""

    reason: str
    lacking: list[int] = field(default_factory=list)


def baseline_sd_of_orgs(orgs: list[int], all_orgs: list[int], spreads: dict[tuple[int, str, str], Spread],
                        instrument_id: str, score_id: str) -> tuple[dict[int, float], list[int]] | NoClasses:
    """The SD each organisation's pairs are judged with: its own baseline SD (at
    least ``MIN_MEMBERS_FOR_BASELINE`` members' first scores, as on the member's
    page), else the pooled within-organisation SD of the report's organisations
    (``measures.stats.pooled_sd``). Returns the SDs and the organisations given the
    pooled one, or ``NoClasses`` naming those that lack an SD."""
    empty = Spread(0, None)
    sds: dict[int, float] = {}
    lacking = []
    for org in orgs:
        spread = spreads.get((org, instrument_id, score_id), empty)
        if spread.n >= MIN_MEMBERS_FOR_BASELINE and spread.sd is not None:
            sds[org] = spread.sd
        else:
            lacking.append(org)
    if lacking:
        pooled = pooled_sd(spreads.get((org, instrument_id, score_id), empty) for org in all_orgs)
        if pooled is None:
            return NoClasses("few_baselines", lacking)
        sds.update((org, pooled) for org in lacking)
    return sds, lacking


def classify(score: Any, pairs: Pairs, spreads: dict[tuple[int, str, str], Spread], instrument_id: str,
             all_orgs: list[int]) -> Classes | NoClasses:
    """Reliable and clinical change of each pair. Without a normative SD, each pair
    is judged with its organisation's baseline SD (``baseline_sd_of_orgs``)."""
    if not needs_programme_sd(score):
        try:
            a = assess_change(score, pairs.pre, pairs.post)
        except MissingNormsError:
            return NoClasses("no_reliability")
        return Classes(list(a.reliable.classification), None if a.clinical is None else list(a.clinical), a.cutoff,
                       "norms")
    found = baseline_sd_of_orgs(sorted(set(pairs.orgs)), all_orgs, spreads, instrument_id, score.id)
    if isinstance(found, NoClasses):
        return found
    sds, pooled = found
    reliable: list[Any] = [None] * len(pairs.pre)
    clinical: list[Any] | None = [None] * len(pairs.pre)
    cutoff = None
    for org, sd in sorted(sds.items()):
        idx = [i for i, o in enumerate(pairs.orgs) if o == org]
        try:
            a = assess_change(score, [pairs.pre[i] for i in idx], [pairs.post[i] for i in idx], sd=sd)
        except MissingNormsError:
            return NoClasses("no_reliability")
        cutoff = a.cutoff
        for k, i in enumerate(idx):
            reliable[i] = a.reliable.classification[k]
            if a.clinical is None:
                clinical = None
            elif clinical is not None:
                clinical[i] = a.clinical[k]
    return Classes(reliable, clinical, cutoff, "baseline", pooled)


def _row(scope: ReportScope, instrument: Instrument, months: int, pairs: Pairs,
         spreads: dict[tuple[int, str, str], Spread]) -> dict[str, Any]:
    score = instrument.primary_score
    n = len(pairs.pre)
    summary = paired_summary(pairs.pre, pairs.post)
    key = f"change.{instrument.id}.{months}m"
    counted = scope.count(pairs.counted, key=f"{key}.counted")
    n_cell = scope.count(n, key=f"{key}.n")
    no_baseline = scope.count(pairs.no_baseline, key=f"{key}.no_baseline")
    no_followup = scope.count(pairs.no_followup, key=f"{key}.no_followup")
    scope.total(f"{key}.counted", [f"{key}.n", f"{key}.no_baseline", f"{key}.no_followup"])

    def cell(value: Any, name: str) -> Any:
        return scope.cell(value, n, key=f"{key}.{name}", basis=(f"{key}.n",))

    names = {o.pk: o.name for o in scope.organizations}
    row: dict[str, Any] = {
        "id": instrument.id,
        "months": months,
        "short_name": instrument.short_name,
        "score": score.label.get(scope.language),
        "higher_is_better": score.direction == "higher_is_better",
        "counted": counted, "n": n_cell, "no_baseline": no_baseline, "no_followup": no_followup,
        "baseline_mean": cell(summary.baseline_mean, "baseline_mean"),
        "baseline_sd": cell(summary.baseline_sd, "baseline_sd"),
        "followup_mean": cell(summary.followup_mean, "followup_mean"),
        "followup_sd": cell(summary.followup_sd, "followup_sd"),
        "change": cell(summary.mean_change, "change"),
        "change_low": cell(summary.change_low, "change_low"), "change_high": cell(summary.change_high, "change_high"),
        "p": cell(summary.p, "p"),
        "change_sd": cell(summary.change_sd, "change_sd"), "d_z": cell(summary.d_z, "d_z"),
        "g": cell(summary.g, "g"), "g_low": cell(summary.g_low, "g_low"), "g_high": cell(summary.g_high, "g_high"),
        "g_sd": cell(summary.g_sd, "g_sd"),
        "rci_basis": None, "rci_missing": None, "lacking": [], "pooled_for": [],
        "improved": None, "unchanged": None, "deteriorated": None, "recovered": None, "cutoff": None,
    }
    if n == 0:
        return row
    classes = classify(score, pairs, spreads, instrument.id, scope.org_ids)
    if isinstance(classes, NoClasses):
        row["rci_missing"] = classes.reason
        row["lacking"] = [names[o] for o in classes.lacking]
        return row
    row["rci_basis"] = classes.basis
    row["pooled_for"] = [names[o] for o in classes.pooled]
    reliable = classes.reliable
    # Improved, unchanged and deteriorated add up to n; recovered members are some of
    # the improved ones (the rest, improved but not recovered, is not printed).
    classes_ = (("improved", ReliableChangeClass.IMPROVED), ("unchanged", ReliableChangeClass.UNCHANGED),
                ("deteriorated", ReliableChangeClass.DETERIORATED))
    for name, klass in classes_:
        scope.count(reliable.count(klass), key=f"{key}.{name}.n", displayed=False)
    scope.total(f"{key}.n", [f"{key}.{name}.n" for name, _klass in classes_])
    for name, _klass in classes_:
        row[name] = scope.disclosure.share(f"{key}.{name}", f"{key}.{name}.n", f"{key}.n")
    if classes.clinical is not None:
        recovered = classes.clinical.count(ClinicalChangeClass.RECOVERED)
        improved = reliable.count(ReliableChangeClass.IMPROVED)
        scope.count(recovered, key=f"{key}.recovered.n", displayed=False)
        scope.count(improved - recovered, key=f"{key}.improved_only.n", displayed=False)
        scope.total(f"{key}.improved.n", [f"{key}.recovered.n", f"{key}.improved_only.n"])
        row["cutoff"] = classes.cutoff
        row["recovered"] = scope.disclosure.share(f"{key}.recovered", f"{key}.recovered.n", f"{key}.n")
    return row


def build(scope: ReportScope) -> dict[str, Any]:
    windows = windows_of(scope)
    # Questionnaires about the member (not a group session's climate).
    instruments = [i for i in member_instruments() if i.level == "member"]
    pairs = fetch_pairs(scope, instruments, windows)
    # Without a normative SD: each organisation's baseline SD, one query for them all.
    no_sd = [(i.id, i.primary_score.id) for i in instruments
             if any(pairs[(i.id, m)].pre for m, _d in FOLLOW_UPS) and needs_programme_sd(i.primary_score)]
    spreads = baseline_spreads(scope.org_ids, no_sd) if no_sd else {}
    rows = [_row(scope, i, months, pairs[(i.id, months)], spreads)
            for i in instruments for months, _days in FOLLOW_UPS if pairs[(i.id, months)].counted]
    labels = [_("%(name)s, %(months)s months") % {"name": r["short_name"], "months": r["months"]} for r in rows]

    def shown(key: str) -> list[Value]:
        return [chart_value(r[key]) for r in rows]

    chart = bar_chart(
        labels,
        [(_("Reliably improved"), shown("improved")), (_("Unchanged"), shown("unchanged")),
         (_("Reliably deteriorated"), shown("deteriorated"))],
        heading=_("Reliable change by questionnaire"),
        summary=_("Share of members with a baseline and a follow-up who reliably improved, did not change "
                  "reliably, or reliably deteriorated, per questionnaire and follow-up."),
        empty=_("No share to show (too few members, or hidden small cells)"),
        percent=True, salt="change",
    )
    return {
        "windows": windows,
        "follow_ups": [{"months": m, "days": d} for m, d in FOLLOW_UPS],
        "rows": rows,
        "chart_svg": chart,
        "baseline_minimum": MIN_MEMBERS_FOR_BASELINE,
    }
