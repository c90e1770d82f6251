"""Reading an organisation's records into export tables.

Research exports hold research-consented members only, under pseudonyms, with
dates shifted or counted from enrolment, and never a name, code, contact detail,
national ID, diagnosis or any free text. Identifiable exports (administrators)
key every table by member code with real dates and add the contact details.
Each table is read with one query whatever the number of members.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from peerpath.employment.models import (
    EndingReason,
    Job,
    SupportContact,
    SupportKind,
    SupportPlace,
    SupportTrack,
)
from peerpath.exports import pseudo
from peerpath.exports.tables import (
    BOOL,
    CAT,
    FLOAT,
    INT,
    STR,
    Choice,
    Column,
    Table,
    date_column,
)
from peerpath.groups.models import Attendance, AttendanceStatus, GroupKind
from peerpath.measures.library import library
from peerpath.measures.models import Administration, AdministrationStatus, StoredScore
from peerpath.members.models import Gender, Member, ReferralSource, Stage, StageChange, Status
from peerpath.members.selectors import current_stage_subquery
from peerpath.ops.dbrouter import replica_reads
from peerpath.outcomes.disclosure import Ledger
from peerpath.pathway.models import HelpingContact, HelpingKind

# Optional tables (members and the summary are always included), in file order.
OPTIONAL_TABLES = {
    "stages": _("Recovery stage history"),
    "scores": _("Questionnaire scores"),
    "items": _("Questionnaire item answers"),
    "jobs": _("Jobs"),
    "support": _("Support contacts"),
    "attendance": _("Group attendance"),
    "helping": _("Helping contacts"),
}


def both(text: Any) -> tuple[str, str]:
    """A translatable text in English and Traditional Chinese."""
    with translation.override("en"):
        en = str(text)
    with translation.override("zh-hant"):
        zh = str(text)
    return en, zh


def choices_of(enum: type[models.TextChoices]) -> list[Choice]:
    return [Choice(str(value), *both(label)) for value, label in enum.choices]


def col(name: str, text: Any, kind: str = STR, enum: type[models.TextChoices] | None = None,
        unit: str = "", note: str = "") -> Column:
    en, zh = both(text)
    return Column(name, en, zh, kind, choices_of(enum) if enum else [], unit=unit, note=note)


def model_col(model: type[models.Model], field: str, name: str | None = None, kind: str = STR,
              enum: type[models.TextChoices] | None = None, unit: str = "") -> Column:
    """A column labelled with the model field's own verbose name."""
    verbose = model._meta.get_field(field).verbose_name  # type: ignore[union-attr]
    return col(name or field, verbose, CAT if enum else kind, enum, unit)


@dataclass
class Keying:
    """How members and dates appear: pseudonyms and coded dates, or codes and real dates."""

    research: bool
    key: str
    dates: pseudo.DateCoder | None
    codes: dict[int, str]
    enrolled: dict[int, dt.date]

    def ident(self, member_id: int) -> str:
        return pseudo.pseudonym(self.key, member_id) if self.research else self.codes[member_id]

    def group(self, group_id: int) -> str:
        return pseudo.group_pseudonym(self.key, group_id) if self.research else f"G{group_id}"

    def date(self, member_id: int, value: dt.date | None) -> dt.date | int | None:
        if self.dates is None:
            return value
        return self.dates.code(member_id, self.enrolled[member_id], value)

    @property
    def days(self) -> bool:
        return self.dates is not None and self.dates.mode == pseudo.DAYS

    def id_col(self, name: str = "pid", text: Any = None) -> Column:
        if self.research:
            return col(name, text or _("Member pseudonym"),
                       note="HMAC-SHA256 of the member under the project key; stable within the project")
        return col(name if name != "pid" else "member_code", text or _("member code"))

    def date_col(self, name: str, text: Any) -> Column:
        en, zh = both(text)
        column = date_column(name, en, zh, self.days)
        if self.research and not self.days:
            column.note = "shifted by the member's random offset (1-180 days); intervals preserved"
        return column


@dataclass
class Built:
    tables: list[Table]
    n_members: int


@replica_reads()
def build(members: QuerySet[Member], tables: list[str], keying_args: dict[str, Any], threshold: int,
          step: Callable[[int], None] | None = None, aggregates_only: bool = False) -> Built:
    """Every requested table for ``members`` (an organisation-scoped queryset);
    ``aggregates_only``: the summary alone (for sharing outside the research team).
    Read from the read replica when there is one, unless the caller has written in
    this request (peerpath/ops/dbrouter.py)."""
    research = keying_args["research"]
    fields = ["id", "code", "birth_year", "gender", "enrolment_date", "status", "referral_source"]
    if not research:
        fields += ["name", "preferred_name", "phone", "email", "address"]
    rows = list(members.annotate(stage_now=current_stage_subquery()).values(*fields, "stage_now").order_by("pk"))
    keying = Keying(
        research=research, key=keying_args.get("key", ""),
        dates=pseudo.DateCoder(keying_args["date_mode"], keying_args["key"]) if research else None,
        codes={r["id"]: r["code"] for r in rows}, enrolled={r["id"]: r["enrolment_date"] for r in rows},
    )
    if aggregates_only:
        return Built([_summary(rows, threshold)], len(rows))
    ids = members.values("pk")
    out = [_members(rows, keying)]
    if research:
        out[0].note = ROW_LEVEL_NOTE
    if step:
        step(len(rows))
    for name in OPTIONAL_TABLES:
        if name in tables:
            table = BUILDERS[name](ids, keying)
            table.rows.sort(key=lambda r: tuple("" if v is None else str(v) for v in r))
            if research:
                table.note = f"{table.note} {ROW_LEVEL_NOTE}".strip()
            out.append(table)
            if step:
                step(len(table.rows))
    out.append(_summary(rows, threshold))
    return Built(out, len(rows))


def _members(rows: list[dict[str, Any]], k: Keying) -> Table:
    columns = [k.id_col()]
    if not k.research:
        columns += [model_col(Member, f) for f in ("name", "preferred_name", "phone", "email", "address")]
    columns += [
        col("birth_years", _("Birth year (5-year band)")) if k.research else model_col(Member, "birth_year", kind=INT),
        model_col(Member, "gender", enum=Gender),
        k.date_col("enrolment", _("enrolment date")),
        model_col(Member, "status", enum=Status),
        model_col(Member, "referral_source", enum=ReferralSource),
        col("stage_now", _("Current recovery stage"), CAT, Stage),
    ]
    table = Table("members", *both(_("Members")), columns)
    for r in sorted(rows, key=lambda r: k.ident(r["id"])):
        values: list[Any] = [k.ident(r["id"])]
        if not k.research:
            values += [r[f] for f in ("name", "preferred_name", "phone", "email", "address")]
        values += [pseudo.birth_year_band(r["birth_year"]) if k.research else r["birth_year"], r["gender"],
                   k.date(r["id"], r["enrolment_date"]), r["status"], r["referral_source"], r["stage_now"]]
        table.add(*values)
    return table


def _stages(ids: QuerySet, k: Keying) -> Table:
    table = Table("stages", *both(_("Recovery stage history")), [
        k.id_col(), model_col(StageChange, "stage", enum=Stage), k.date_col("changed", _("date"))])
    for r in StageChange.objects.filter(member__in=ids).values("member_id", "stage", "changed_on"):
        table.add(k.ident(r["member_id"]), r["stage"], k.date(r["member_id"], r["changed_on"]))
    return table


def _instrument_col() -> Column:
    instruments = sorted(library().values(), key=lambda i: i.id)
    column = Column("instrument", *both(_("questionnaire")), CAT, [
        Choice(i.id, i.short_name, i.short_name) for i in instruments])
    column.citation = " | ".join(f"{i.short_name}: {i.citation}" for i in instruments)
    column.licence = " | ".join(f"{i.short_name}: {i.licence.text}" for i in instruments)
    return column


def _scores(ids: QuerySet, k: Keying) -> Table:
    table = Table("scores", *both(_("Questionnaire scores")), [
        k.id_col(), _instrument_col(), col("score", _("Score (see the instrument's definition)")),
        col("value", _("Score value"), FLOAT), col("prorated", _("Prorated for missing answers"), BOOL),
        k.date_col("taken", _("date answered"))])
    qs = StoredScore.objects.filter(member__in=ids).values(
        "member_id", "instrument_id", "score_id", "value", "prorated", "taken_on")
    for r in qs:
        table.add(k.ident(r["member_id"]), r["instrument_id"], r["score_id"], r["value"], int(r["prorated"]),
                  k.date(r["member_id"], r["taken_on"]))
    return table


def _items(ids: QuerySet, k: Keying) -> Table:
    table = Table("items", *both(_("Questionnaire item answers")), [
        k.id_col(), _instrument_col(), col("item", _("Item number")),
        col("answer", _("Answer (numeric value)"), FLOAT), k.date_col("taken", _("date answered"))])
    qs = Administration.objects.filter(member__in=ids, status=AdministrationStatus.COMPLETED).values(
        "member_id", "instrument_id", "answers", "taken_on")
    for r in qs:
        for item, value in sorted((r["answers"] or {}).items()):
            number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
            table.add(k.ident(r["member_id"]), r["instrument_id"], str(item), number,
                      k.date(r["member_id"], r["taken_on"]))
    return table


def _jobs(ids: QuerySet, k: Keying) -> Table:
    from peerpath.employment.models import JobEnding

    table = Table("jobs", *both(_("Jobs")), [
        k.id_col(), col("job_number", _("Job number of the member (1 = first)"), INT),
        k.date_col("job_start", _("start date")), k.date_col("job_end", _("end date")),
        model_col(Job, "hours_per_week", kind=FLOAT, unit="hours"),
        model_col(Job, "hourly_wage", kind=FLOAT), model_col(Job, "currency"),
        model_col(Job, "in_community", kind=BOOL), model_col(Job, "open_to_anyone", kind=BOOL),
        model_col(Job, "minimum_wage_or_more", kind=BOOL),
        model_col(JobEnding, "reason", "ending_reason", enum=EndingReason),
        model_col(JobEnding, "planned", "ending_planned", kind=BOOL)])
    number: Counter[int] = Counter()
    qs = Job.objects.filter(member__in=ids).order_by("member_id", "start_date", "pk").values(
        "member_id", "start_date", "end_date", "hours_per_week", "hourly_wage", "currency", "in_community",
        "open_to_anyone", "minimum_wage_or_more", "ending__reason", "ending__planned")
    for r in qs:
        m = r["member_id"]
        number[m] += 1
        planned = r["ending__planned"]
        table.add(k.ident(m), number[m], k.date(m, r["start_date"]), k.date(m, r["end_date"]),
                  r["hours_per_week"], r["hourly_wage"], r["currency"], int(r["in_community"]),
                  int(r["open_to_anyone"]), int(r["minimum_wage_or_more"]), r["ending__reason"],
                  None if planned is None else int(planned))
    return table


def _support(ids: QuerySet, k: Keying) -> Table:
    table = Table("support", *both(_("Support contacts")), [
        k.id_col(), model_col(SupportContact, "track", enum=SupportTrack),
        model_col(SupportContact, "kind", enum=SupportKind), model_col(SupportContact, "place", enum=SupportPlace),
        model_col(SupportContact, "minutes", kind=INT, unit="minutes"), k.date_col("contacted", _("date"))])
    qs = SupportContact.objects.filter(member__in=ids).values(
        "member_id", "track", "kind", "place", "minutes", "contacted_on")
    for r in qs:
        table.add(k.ident(r["member_id"]), r["track"], r["kind"], r["place"], r["minutes"],
                  k.date(r["member_id"], r["contacted_on"]))
    return table


def _attendance(ids: QuerySet, k: Keying) -> Table:
    table = Table("attendance", *both(_("Group attendance")), [
        k.id_col(), col("group", _("Peer group (pseudonym)") if k.research else _("Peer group")),
        col("group_kind", _("Kind of group"), CAT, GroupKind),
        k.date_col("session", _("Session date")), model_col(Attendance, "status", enum=AttendanceStatus)])
    qs = Attendance.objects.filter(member__in=ids).values(
        "member_id", "session__group_id", "session__group__kind", "session__date", "status")
    for r in qs:
        table.add(k.ident(r["member_id"]), k.group(r["session__group_id"]), r["session__group__kind"],
                  k.date(r["member_id"], r["session__date"]), r["status"])
    return table


def _helping(ids: QuerySet, k: Keying) -> Table:
    table = Table("helping", *both(_("Helping contacts")), [
        k.id_col("helper", _("Helper")), k.id_col("helped", _("Member helped")),
        model_col(HelpingContact, "kind", enum=HelpingKind),
        model_col(HelpingContact, "minutes", kind=INT, unit="minutes"),
        k.date_col("helped_on", _("date"))], note="Contacts between two exported members only; dates coded "
                                                   "as the helper's dates.")
    qs = HelpingContact.objects.filter(helper__in=ids, helped__in=ids).values(
        "helper_id", "helped_id", "kind", "minutes", "date")
    for r in qs:
        table.add(k.ident(r["helper_id"]), k.ident(r["helped_id"]), r["kind"], r["minutes"],
                  k.date(r["helper_id"], r["date"]))
    return table


BUILDERS: dict[str, Callable[[QuerySet, Keying], Table]] = {
    "stages": _stages, "scores": _scores, "items": _items, "jobs": _jobs, "support": _support,
    "attendance": _attendance, "helping": _helping,
}


SUMMARY_NOTE = ("Meant for publication: counts below {threshold} members are left empty (suppressed = 1), "
                "and so are enough others that no hidden count can be worked out, within fewer than {threshold}, "
                "from the counts shown and the number of members (audited by linear programming).")
ROW_LEVEL_NOTE = ("Row-level data: not for publication, and not to be shared outside the research team (the "
                  "summary table's hidden counts can be read off it). Share an aggregates-only export instead.")


def summary_ledger(rows: list[dict[str, Any]], threshold: int) -> tuple[Ledger, list[tuple[str, str, str, str]]]:
    """The summary's counts in a disclosure ledger with their relations: gender ×
    status cells add up to each gender and each status (not printed) and those to
    the number of members (printed in README.txt); the stages add up to it too.
    Returns the ledger and each printed row (breakdown, category 1, category 2, key)."""
    ledger = Ledger(active=True, threshold=threshold)
    printed: list[tuple[str, str, str, str]] = []
    ledger.count("members", len(rows))
    pairs = Counter((r["gender"], r["status"]) for r in rows)
    for g in Gender.values:
        for st in Status.values:
            ledger.count(f"gs.{g}.{st}", pairs[(g, st)])
            printed.append(("gender_status", g, st, f"gs.{g}.{st}"))
    for g in Gender.values:
        ledger.count(f"gender.{g}", sum(pairs[(g, st)] for st in Status.values), displayed=False)
        ledger.total(f"gender.{g}", [f"gs.{g}.{st}" for st in Status.values])
    for st in Status.values:
        ledger.count(f"status.{st}", sum(pairs[(g, st)] for g in Gender.values), displayed=False)
        ledger.total(f"status.{st}", [f"gs.{g}.{st}" for g in Gender.values])
    ledger.total("members", [f"gender.{g}" for g in Gender.values])
    ledger.total("members", [f"status.{st}" for st in Status.values])
    stages = Counter(r["stage_now"] or "" for r in rows)
    for stage in [*Stage.values, ""]:
        ledger.count(f"stage.{stage}", stages[stage])
        printed.append(("stage", stage, "", f"stage.{stage}"))
    ledger.total("members", [f"stage.{stage}" for stage in [*Stage.values, ""]])
    return ledger, printed


def _summary(rows: list[dict[str, Any]], threshold: int) -> Table:
    """Counts of members by gender × status and by current stage, protected by
    complementary suppression (``summary_ledger``)."""
    table = Table("summary", *both(_("Summary counts")), [
        col("breakdown", _("Breakdown")), col("category_1", _("First category")),
        col("category_2", _("Second category")), col("members", _("Number of members"), INT),
        col("suppressed", _("Count hidden (small cell)"), BOOL)],
        note=SUMMARY_NOTE.format(threshold=threshold))
    ledger, printed = summary_ledger(rows, threshold)
    hidden = ledger.hidden_keys()
    for name, a, b, key in printed:
        n = None if key in hidden else int(ledger.values[key])
        table.add(name, a or "(none)", b, n, int(n is None))
    return table
