"""Timeline entries for what the members app records."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils.translation import gettext as _

from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import (
    CareRole,
    CareTeamAssignment,
    Consent,
    Member,
    Stage,
)
from peerpath.members.timeline import (
    Source,
    TimelineEntry,
    Track,
    label,
    local_date,
    plain,
    register,
    staff_columns,
    staff_name,
)

CONTACT_FIELDS = ("name", "preferred_name", "phone", "email", "address", "emergency_contact", "national_id")


@register
def enrolment(member: Member) -> list[Source]:
    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="member.enrolled", title=_("Enrolled in the programme"),
            detail=_("Referral source: %(source)s") % {"source": label(Member, "referral_source", d["source"])},
        )

    return [Source(
        name="member.enrolled", queryset=Member.objects.filter(pk=member.pk), date=F("enrolment_date"),
        columns={"source": F("referral_source")}, render=render,
    )]


@register
def consents(member: Member) -> list[Source]:
    rows = Consent.objects.for_org(member.organization_id).filter(member=member)
    columns = {"kind": F("kind"), "version": F("version"), **staff_columns("by", "recorded_by"),
               **staff_columns("wby", "withdrawal_recorded_by")}

    def given(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="consent.given",
            title=_("Consent given: %(kind)s") % {"kind": label(Consent, "kind", d["kind"])},
            detail=_("Form version %(version)s") % {"version": d["version"]}, by=staff_name(d, "by"),
        )

    def withdrawn(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="consent.withdrawn",
            title=_("Consent withdrawn: %(kind)s") % {"kind": label(Consent, "kind", d["kind"])},
            detail=_("Form version %(version)s") % {"version": d["version"]}, by=staff_name(d, "wby"),
        )

    return [
        Source(name="consent.given", queryset=rows, date=F("given_on"), columns=columns, render=given),
        Source(name="consent.withdrawn", queryset=rows.filter(withdrawn_on__isnull=False), date=F("withdrawn_on"),
               columns=columns, render=withdrawn),
    ]


@register
def stages(member: Member) -> list[Source]:
    labels = dict(Stage.choices)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="stage.changed",
            title=_("Recovery stage: %(stage)s") % {"stage": labels.get(d["stage"], d["stage"])},
            detail=plain(d["note"]), private_detail=True,  # a free-text note may hold clinical detail
            by=staff_name(d, "by"),
        )

    return [Source(
        name="stage.changed", queryset=member.stage_changes.all(), date=F("changed_on"),
        columns={"stage": F("stage"), "note": F("note"), **staff_columns("by", "recorded_by")}, render=render,
        limited=True,  # recorded at each review, over years; ``stage_latest`` serves the order
    )]


@register
def care_team(member: Member) -> list[Source]:
    rows = CareTeamAssignment.objects.for_org(member.organization_id).filter(member=member)
    columns = {"role": F("role"), "mentor_code": F("mentor__code"), "mentor_name": F("mentor__name"),
               **staff_columns("pro", "professional"), **staff_columns("by", "assigned_by")}
    track = _role_track()

    def who(d: dict[str, Any]) -> str:
        if d["role"] == CareRole.PROFESSIONAL:
            return staff_name(d, "pro")
        return f"{d['mentor_code']} {plain(d['mentor_name'])}" if d["mentor_code"] else ""

    def assigned(d: dict[str, Any]) -> TimelineEntry:
        if d["role"] == CareRole.PROFESSIONAL:
            title = _("Professional assigned: %(name)s") % {"name": who(d)}
        else:
            title = _("Peer mentor assigned: %(name)s") % {"name": who(d)}
        return TimelineEntry(date=d["_date"], kind="care_team.assigned", title=title, by=staff_name(d, "by"))

    def ended(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="care_team.ended",
            title=_("%(role)s ended: %(name)s") % {"role": label(CareTeamAssignment, "role", d["role"]),
                                                   "name": who(d)},
        )

    return [
        Source(name="care_team.assigned", queryset=rows, date=F("started_on"), columns=columns, track=track,
               render=assigned),
        Source(name="care_team.ended", queryset=rows.filter(ended_on__isnull=False), date=F("ended_on"),
               columns=columns, track=track, render=ended),
    ]


def _role_track() -> Any:
    from django.db.models import Case, CharField, Value, When

    return Case(When(role=CareRole.PROFESSIONAL, then=Value(Track.PROFESSIONAL)), default=Value(Track.PEER),
                output_field=CharField())


CLINICAL_FIELDS = {"diagnosis", "clinical_notes"}


def _history_fields() -> list[Any]:
    """The fields whose changes the timeline names (those ``diff_against`` compares)."""
    tracked = {f.name for f in Member.history.model.tracked_fields if f.editable}
    return sorted((f for f in Member._meta.concrete_fields if f.name in tracked and not f.primary_key),
                  key=lambda f: f.attname)


@register
def detail_changes(member: Member) -> list[Source]:
    """Changes to contact and personal details, from the field history (the
    timeline names the fields changed, never their old or new values). Each version
    is read with the one before it (a subquery), and compared here."""
    fields = _history_fields()
    columns = {f.attname: F(f.attname) for f in fields}
    history = Member.history.model.objects
    previous = history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date")).order_by(
        "-history_date", "-history_id").values(v=JSONObject(**columns))[:1]
    labels = {f.name: str(f.verbose_name) for f in Member._meta.get_fields() if hasattr(f, "verbose_name")}

    def value(f: Any, raw: Any) -> Any:
        return plain(raw) if isinstance(f, EncryptedTextField) else raw

    def render(d: dict[str, Any]) -> TimelineEntry | None:
        before = d["previous"]
        if isinstance(before, str):
            before = json.loads(before)
        if not before:
            return None  # the first version: the member was added (the enrolment entry says so)
        names = [f.name for f in fields if value(f, d[f.attname]) != value(f, before[f.attname])]
        if not names:
            return None
        clinical = set(names) <= CLINICAL_FIELDS
        return TimelineEntry(
            date=d["_date"], kind="member.updated", title=_("Details updated"),
            detail=", ".join(labels.get(n, n) for n in names if n not in CLINICAL_FIELDS or clinical),
            by=staff_name(d, "by"), clinical=clinical,
        )

    return [Source(
        name="member.updated", queryset=history.filter(id=member.pk), date=local_date("history_date"),
        at=F("history_date"), render=render,
        columns={**columns, "previous": Subquery(previous), **staff_columns("by", "history_user")},
        limited=True,  # a version a save, each read with the one before it (a subquery)
    )]
