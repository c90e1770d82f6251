"""Change on measures: for each questionnaire, members with a baseline and a
follow-up score — mean change with its 95% CI and paired t-test, Hedges' g with
its CI (``peerpath.outcomes.effect``), and the shares reliably improved,
unchanged and deteriorated and clinically significantly changed (Jacobson–Truax,
``peerpath.measures.change``).

Baseline: a member's first scorable result of the instrument's primary score
(up to the period's end). Follow-up: the member's last result within the period,
at least ``min_days`` days after the baseline. One query fetches both rows per
member and instrument (window functions)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
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
from peerpath.measures.stats import MIN_MEMBERS_FOR_BASELINE, programme_baseline_sds
from peerpath.outcomes.chart_values import chart_value
from peerpath.outcomes.charts import Value, bar_chart
from peerpath.outcomes.effect import paired_summary
from peerpath.outcomes.registry import ReportOption, ReportSpec
from peerpath.outcomes.scope import ReportScope

MIN_DAYS_CHOICES = ("28", "90", "180")
DEFAULT_MIN_DAYS = 28

SPEC = ReportSpec(
    slug="change",
    title=gettext_lazy("Change on measures"),
    summary=gettext_lazy(
        "For each questionnaire, members with a baseline and a follow-up score: mean change with its 95% "
        "confidence interval, effect size (Hedges' g), and the shares reliably improved, unchanged and "
        "deteriorated."
    ),
    options=(
        ReportOption(
            name="min_days", label=gettext_lazy("Days between baseline and follow-up"), kind="choice",
            choices=(("28", gettext_lazy("28 days")), ("90", gettext_lazy("90 days")),
                     ("180", gettext_lazy("180 days"))),
            help_text=gettext_lazy("The follow-up is the last score in the period at least this long after "
                                   "the baseline."),
        ),
    ),
)


def min_days_of(scope: ReportScope) -> int:
    """The ``min_days`` option (28 when not given); ValueError naming the option."""
    value = scope.options.get("min_days")
    if value in (None, ""):
        return DEFAULT_MIN_DAYS
    if str(value) not in MIN_DAYS_CHOICES:
        raise ValueError(f"min_days: choose one of {', '.join(MIN_DAYS_CHOICES)} (got {value!r})")
    return int(value)


@dataclass
class Pairs:
    pre: list[float]
    post: list[float]
    orgs: list[int]  # the member's organisation, per pair


def fetch_pairs(scope: ReportScope, instruments: list[Instrument], min_days: int) -> dict[str, Pairs]:
    """Baseline and follow-up per member of each instrument's primary score (one query)."""
    found: dict[str, Pairs] = {i.id: Pairs([], [], []) for i in instruments}
    if not instruments:
        return found
    which = Q()
    for instrument in instruments:
        which |= Q(instrument_id=instrument.id, score_id=instrument.primary_score.id)
    partition = [F("member_id"), F("instrument_id")]
    rows = (
        StoredScore.objects.filter(organization_id__in=scope.org_ids, member_id__in=scope.member_ids(),
                                   value__isnull=False, taken_on__lte=scope.period.end)
        .filter(which)
        .annotate(
            first=Window(RowNumber(), partition_by=partition, order_by=[F("taken_on").asc(), F("pk").asc()]),
            last=Window(RowNumber(), partition_by=partition, order_by=[F("taken_on").desc(), F("pk").desc()]),
        )
        .filter(Q(first=1) | Q(last=1))
        .values_list("member_id", "instrument_id", "organization_id", "taken_on", "value", "first", "last")
    )
    ends: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    for member_id, instrument_id, org_id, taken_on, value, first, last in rows:
        ends[(member_id, instrument_id)]["org"] = org_id
        if first == 1:
            ends[(member_id, instrument_id)]["pre"] = (taken_on, value)
        if last == 1:
            ends[(member_id, instrument_id)]["post"] = (taken_on, value)
    for (_member, instrument_id), both in sorted(ends.items()):
        pre_day, pre_value = both["pre"]
        post_day, post_value = both["post"]
        pairs = found[instrument_id]
        if post_day >= scope.period.start and (post_day - pre_day).days >= min_days:
            pairs.pre.append(float(pre_value))
            pairs.post.append(float(post_value))
            pairs.orgs.append(both["org"])
    return found


def needs_programme_sd(score: Any) -> bool:
    """The score has no normative SD: reliable change uses the programme's."""
    return score.norms is None or score.norms.sd is None


def classify(score: Any, pairs: Pairs, sds: dict[tuple[int, str, str], float | None], instrument_id: str
             ) -> tuple[list[Any], list[Any] | None, float | None, str] | None:
    """Reliable (and clinical, or None) change class of each pair, the cut-off and
    the SD's basis; None when there is no SD. Without a normative SD, each pair is
    judged with its organisation's baseline SD (``programme_baseline_sds``), as on
    the member's page."""
    if not needs_programme_sd(score):
        try:
            a = assess_change(score, pairs.pre, pairs.post)
        except MissingNormsError:
            return None
        return (list(a.reliable.classification), None if a.clinical is None else list(a.clinical), a.cutoff,
                "norms")
    reliable: list[Any] = [None] * len(pairs.pre)
    clinical: list[Any] | None = [None] * len(pairs.pre)
    cutoff = None
    for org in sorted(set(pairs.orgs)):
        sd = sds.get((org, instrument_id, score.id))
        if sd is None:
            return None
        idx = [i for i, o in enumerate(pairs.orgs) if o == org]
        try:
            a = assess_change(score, [pairs.pre[i] for i in idx], [pairs.post[i] for i in idx], sd=sd)
        except MissingNormsError:
            return None
        cutoff = a.cutoff
        for k, i in enumerate(idx):
            reliable[i] = a.reliable.classification[k]
            if a.clinical is None:
                clinical = None
            elif clinical is not None:
                clinical[i] = a.clinical[k]
    return reliable, clinical, cutoff, "baseline"


def _row(scope: ReportScope, instrument: Instrument, pairs: Pairs,
         sds: dict[tuple[int, str, str], float | None]) -> dict[str, Any]:
    score = instrument.primary_score
    n = len(pairs.pre)
    summary = paired_summary(pairs.pre, pairs.post)
    key = f"change.{instrument.id}"
    n_cell = scope.count(n, key=f"{key}.n")

    def cell(value: Any, name: str) -> Any:
        return scope.cell(value, n, key=f"{key}.{name}", basis=(f"{key}.n",))

    row: dict[str, Any] = {
        "id": instrument.id,
        "short_name": instrument.short_name,
        "score": score.label.get(scope.language),
        "higher_is_better": score.direction == "higher_is_better",
        "n": n_cell,
        "baseline_mean": cell(summary.baseline_mean, "baseline_mean"),
        "baseline_sd": cell(summary.baseline_sd, "baseline_sd"),
        "followup_mean": cell(summary.followup_mean, "followup_mean"),
        "followup_sd": cell(summary.followup_sd, "followup_sd"),
        "change": cell(summary.mean_change, "change"),
        "change_low": cell(summary.change_low, "change_low"), "change_high": cell(summary.change_high, "change_high"),
        "p": cell(summary.p, "p"),
        "g": cell(summary.g, "g"), "g_low": cell(summary.g_low, "g_low"), "g_high": cell(summary.g_high, "g_high"),
        "rci_basis": None, "improved": None, "unchanged": None, "deteriorated": None,
        "recovered": None, "cutoff": None,
    }
    if n == 0:
        return row
    classes = classify(score, pairs, sds, instrument.id)
    if classes is None:
        return row
    reliable, clinical, cutoff, basis = classes
    row["rci_basis"] = basis
    # Improved, unchanged and deteriorated add up to n; recovered members are some of
    # the improved ones (the rest, improved but not recovered, is not printed).
    classes_ = (("improved", ReliableChangeClass.IMPROVED), ("unchanged", ReliableChangeClass.UNCHANGED),
                ("deteriorated", ReliableChangeClass.DETERIORATED))
    for name, klass in classes_:
        scope.count(reliable.count(klass), key=f"{key}.{name}.n", displayed=False)
    scope.total(f"{key}.n", [f"{key}.{name}.n" for name, _klass in classes_])
    for name, _klass in classes_:
        row[name] = scope.disclosure.share(f"{key}.{name}", f"{key}.{name}.n", f"{key}.n")
    if clinical is not None:
        recovered = clinical.count(ClinicalChangeClass.RECOVERED)
        improved = reliable.count(ReliableChangeClass.IMPROVED)
        scope.count(recovered, key=f"{key}.recovered.n", displayed=False)
        scope.count(improved - recovered, key=f"{key}.improved_only.n", displayed=False)
        scope.total(f"{key}.improved.n", [f"{key}.recovered.n", f"{key}.improved_only.n"])
        row["cutoff"] = cutoff
        row["recovered"] = scope.disclosure.share(f"{key}.recovered", f"{key}.recovered.n", f"{key}.n")
    return row


def build(scope: ReportScope) -> dict[str, Any]:
    min_days = min_days_of(scope)
    # Questionnaires about the member (not a group session's climate).
    instruments = [i for i in member_instruments() if i.level == "member"]
    pairs = fetch_pairs(scope, instruments, min_days)
    # Without a normative SD: each organisation's baseline SD, one query for them all.
    no_sd = [(i.id, i.primary_score.id) for i in instruments if pairs[i.id].pre and needs_programme_sd(i.primary_score)]
    sds = programme_baseline_sds(scope.org_ids, no_sd) if no_sd else {}
    rows = [_row(scope, i, pairs[i.id], sds) for i in instruments if pairs[i.id].pre]
    labels = [r["short_name"] for r in rows]

    def shown(key: str) -> list[Value]:
        return [chart_value(r[key]) for r in rows]

    chart = bar_chart(
        labels,
        [(_("Reliably improved"), shown("improved")), (_("Unchanged"), shown("unchanged")),
         (_("Reliably deteriorated"), shown("deteriorated"))],
        heading=_("Reliable change by questionnaire"),
        summary=_("Share of members with a baseline and a follow-up who reliably improved, did not change "
                  "reliably, or reliably deteriorated, per questionnaire."),
        empty=_("No share to show (too few members, or hidden small cells)"),
        percent=True, salt="change",
    )
    return {
        "min_days": min_days,
        "rows": rows,
        "chart_svg": chart,
        "baseline_minimum": MIN_MEMBERS_FOR_BASELINE,
    }
