"""The session recording page: one form and four formsets, valid together or not at all.

Attendance is one radio row per member on the roster ("present" preselected);
norms in force are marked upheld or challenged; feedback notes and critical
incidents are rows that may stay empty. Every error names its row, e.g.
"Feedback note 2: the giver must be on the roster".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.groups.actions import IncidentInput, SessionInput
from peerpath.groups.forms import not_in_future, staff_of
from peerpath.groups.models import (
    ATTENDED,
    AttendanceStatus,
    Norm,
    Observation,
    PeerGroup,
    RosterEntry,
)
from peerpath.members.forms import CHOOSE, DateInput, FormBase
from peerpath.members.models import Member
from peerpath.tenancy.models import Role, display_name


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class SessionForm(FormBase, forms.Form):
    # The date that is saved is the one in this box. The roster and norms shown are
    # those of ``shown`` (the day the page was built for); if the date is changed
    # without showing that day's roster, saving compares the two rosters.
    date = forms.DateField(label=gettext_lazy("Date of the session"),
                           widget=DateInput(attrs={"data-mirror": "session-bar-date"}))
    shown = forms.DateField(widget=forms.HiddenInput, required=False)
    theme = forms.CharField(label=gettext_lazy("Theme"), max_length=200, required=False)
    facilitators = StaffMultipleChoiceField(
        label=gettext_lazy("Facilitators present"), queryset=get_user_model().objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: PeerGroup, day: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = day
        self.fields["shown"].initial = day
        field = self.fields["facilitators"]
        field.queryset = staff_of(group.organization, [Role.PEER_LEADER, Role.PROFESSIONAL, Role.COORDINATOR, Role.ADMIN])  # type: ignore[attr-defined]
        field.initial = [u for u in (group.peer_leader_id, group.co_facilitator_id) if u]

    def clean_date(self) -> dt.date:
        return not_in_future(self.cleaned_data["date"])


class AttendanceRow(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=AttendanceStatus.choices, widget=forms.RadioSelect,
                               initial=AttendanceStatus.PRESENT)


class NormRow(forms.Form):
    norm = forms.IntegerField(widget=forms.HiddenInput)
    observation = forms.ChoiceField(
        choices=[("", gettext_lazy("Not noted")), *Observation.choices], required=False, widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class MemberChoice(forms.ChoiceField):
    """A member of the roster, by id (choices set per page)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[CHOOSE], **kwargs)


class FeedbackRow(forms.Form):
    giver = MemberChoice(label=gettext_lazy("Giver"), required=False)
    receiver = MemberChoice(label=gettext_lazy("Receiver"), required=False)
    note = forms.CharField(label=gettext_lazy("Feedback"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        giver, receiver, note = cleaned.get("giver"), cleaned.get("receiver"), (cleaned.get("note") or "").strip()
        if not (giver or receiver or note) and not self.errors:
            return cleaned  # an empty row
        if not giver and "giver" not in self.errors:
            self.add_error("giver", _("choose who gave the feedback"))
        if not receiver and "receiver" not in self.errors:
            self.add_error("receiver", _("choose who received the feedback"))
        if giver and giver == receiver:
            self.add_error("receiver", _("the receiver must be another member than the giver"))
        if not note:
            self.add_error("note", _("write a short note of the feedback"))
        cleaned["note"] = note
        return cleaned


class IncidentRow(forms.Form):
    member = MemberChoice(label=gettext_lazy("Member"), required=False)
    text = forms.CharField(label=gettext_lazy("Most important event"), max_length=4000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    dictated = forms.BooleanField(label=gettext_lazy("Dictated to a facilitator"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        member, text = cleaned.get("member"), (cleaned.get("text") or "").strip()
        if not (member or text) and not self.errors:
            return cleaned
        if not member and "member" not in self.errors:
            self.add_error("member", _("choose the member who wrote it"))
        if not text:
            self.add_error("text", _("write the event in the member's words"))
        cleaned["text"] = text
        return cleaned


AttendanceFormSet = forms.formset_factory(AttendanceRow, extra=0)
NormFormSet = forms.formset_factory(NormRow, extra=0)
FeedbackFormSet = forms.formset_factory(FeedbackRow, extra=3, max_num=30, validate_max=True)
IncidentFormSet = forms.formset_factory(IncidentRow, extra=3, max_num=30, validate_max=True)


def _member_choices(entries: list[RosterEntry]) -> list[tuple[str, Any]]:
    return [CHOOSE] + [(str(e.member_id), f"{e.member.code} {e.member.preferred_name or e.member.name}") for e in entries]


def _with_choices(formset: Any, fields: tuple[str, ...], choices: list[tuple[str, Any]], message: str) -> None:
    for form in [*formset.forms, formset.empty_form]:
        for name in fields:
            form.fields[name].choices = choices
            form.fields[name].error_messages["invalid_choice"] = message


def row_errors(row: str, formset: Any) -> list[tuple[str, str]]:
    """(field id, message) of every error of a formset, naming the row and field,
    e.g. "Feedback note 2: Giver: must be a member on the roster"."""
    found = []
    for number, form in enumerate(formset.forms, start=1):
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            for error in errors:
                if field is not None and field.label:
                    found.append((form[name].id_for_label, f"{row} {number}: {field.label}: {error}"))
                else:
                    found.append(("", f"{row} {number}: {error}"))
    return found


class SessionRecording:
    """All forms of the page for a group and day (the roster and norms of that day)."""

    def __init__(
        self, data: Any, *, group: PeerGroup, day: dt.date, roster: list[RosterEntry], norms: list[Norm]
    ) -> None:
        self.group, self.day, self.roster, self.norms = group, day, roster, norms
        self.members: dict[int, Member] = {e.member_id: e.member for e in roster}
        self.session = SessionForm(data, group=group, day=day, prefix="s")
        self.attendance = AttendanceFormSet(data, prefix="att", initial=[{"member": e.member_id} for e in roster])
        self.norm_rows = NormFormSet(data, prefix="norm", initial=[{"norm": n.pk} for n in norms])
        self.feedback = FeedbackFormSet(data, prefix="fb")
        self.incidents = IncidentFormSet(data, prefix="inc")
        choices = _member_choices(roster)
        _with_choices(self.feedback, ("giver", "receiver"), choices, _("must be a member on the roster"))
        _with_choices(self.incidents, ("member",), choices, _("must be a member on the roster"))
        self.page_errors: list[str] = []
        self.row_errors: list[tuple[str, str]] = []  # (field id, "Feedback note 2: …")

    def attendance_rows(self) -> list[tuple[Member, Any]]:
        return [(self.members.get(int(f.initial.get("member") or 0)), f) for f in self.attendance.forms]  # type: ignore[misc]

    def norm_rows_with_norms(self) -> list[tuple[Norm, Any]]:
        by_id = {n.pk: n for n in self.norms}
        return [(by_id.get(int(f.initial.get("norm") or 0)), f) for f in self.norm_rows.forms]  # type: ignore[misc]

    def is_valid(self) -> bool:
        parts: list[Any] = [self.session, self.attendance, self.norm_rows, self.feedback, self.incidents]
        valid = all([p.is_valid() for p in parts])
        if self.session.is_valid() and self.session.cleaned_data["date"] != self.day:
            self.page_errors.append(_("The date of the session changed: choose it again and save."))
            valid = False
        shown = self.session.cleaned_data.get("shown") if self.session.is_valid() else None
        if self.attendance.is_valid():
            posted = {f.cleaned_data["member"]: f.cleaned_data["status"] for f in self.attendance.forms}
            if set(posted) != set(self.members):
                if shown and shown != self.day:
                    self.page_errors.append(
                        _("The roster of %(day)s is not the one shown for %(shown)s: check the attendance and save again.")
                        % {"day": self.day.isoformat(), "shown": shown.isoformat()}
                    )
                else:
                    self.page_errors.append(
                        _("The roster changed while the page was open: check the attendance and save again.")
                    )
                valid = False
                # Show the roster as it is now, keeping what was marked for members still on it.
                self.attendance = AttendanceFormSet(prefix="att", initial=[
                    {"member": e.member_id, "status": posted.get(e.member_id, AttendanceStatus.PRESENT)}
                    for e in self.roster
                ])
        if self.norm_rows.is_valid():
            posted_norms = {f.cleaned_data["norm"] for f in self.norm_rows.forms}
            if posted_norms != {n.pk for n in self.norms}:
                self.page_errors.append(_("The group's norms changed while the page was open: check them and save again."))
                valid = False
        if valid and self.attendance.is_bound:
            attended = {f.cleaned_data["member"] for f in self.attendance.forms if f.cleaned_data["status"] in ATTENDED}
            for form in self.incidents.forms:
                member = form.cleaned_data.get("member")
                if member and int(member) not in attended:
                    form.add_error("member", _("the member must be marked present or late"))
                    valid = False
        self._collect_errors()
        return valid and not self.page_errors

    def _collect_errors(self) -> None:
        rows = ((_("Attendance row"), self.attendance), (_("Norm"), self.norm_rows),
                (_("Feedback note"), self.feedback), (_("Critical incident"), self.incidents))
        for row, formset in rows:
            self.row_errors += row_errors(row, formset)
            self.page_errors += [f"{row}: {error}" for error in formset.non_form_errors()]
        for name, errors in self.session.errors.items():
            field = self.session.fields.get(name)
            for error in errors:
                self.row_errors.append(
                    (self.session[name].id_for_label, f"{field.label}: {error}") if field else ("", str(error))
                )

    @property
    def has_errors(self) -> bool:
        return bool(self.page_errors or self.row_errors)

    def to_input(self) -> SessionInput:
        s = self.session.cleaned_data
        by_norm = {n.pk: n for n in self.norms}
        return SessionInput(
            date=s["date"], theme=s["theme"].strip(), facilitators=list(s["facilitators"]),
            attendance={f.cleaned_data["member"]: f.cleaned_data["status"] for f in self.attendance.forms},
            observations=[
                (by_norm[f.cleaned_data["norm"]], f.cleaned_data["observation"], f.cleaned_data["note"].strip())
                for f in self.norm_rows.forms if f.cleaned_data.get("observation")
            ],
            feedback=[
                (self.members[int(f.cleaned_data["giver"])], self.members[int(f.cleaned_data["receiver"])],
                 f.cleaned_data["note"])
                for f in self.feedback.forms if f.cleaned_data.get("giver")
            ],
            incidents=[
                IncidentInput(self.members[int(f.cleaned_data["member"])], f.cleaned_data["text"],
                              bool(f.cleaned_data.get("dictated")))
                for f in self.incidents.forms if f.cleaned_data.get("member")
            ],
        )


class LateIncidents:
    """Incidents written after the session was recorded, by members who attended."""

    def __init__(self, data: Any, *, attended: list[Member]) -> None:
        self.members = {m.pk: m for m in attended}
        self.formset = IncidentFormSet(data, prefix="inc")
        choices = [CHOOSE] + [(str(m.pk), f"{m.code} {m.preferred_name or m.name}") for m in attended]
        _with_choices(self.formset, ("member",), choices, _("must be a member who attended the session"))
        self.row_errors: list[tuple[str, str]] = []

    def is_valid(self) -> bool:
        valid = self.formset.is_valid()
        entered = valid and any(f.cleaned_data.get("member") for f in self.formset.forms)
        self.row_errors += row_errors(_("Critical incident"), self.formset)
        if valid and not entered:
            self.row_errors.append(("", _("Write at least one incident.")))
        return bool(entered)

    def incidents(self) -> list[IncidentInput]:
        return [
            IncidentInput(self.members[int(f.cleaned_data["member"])], f.cleaned_data["text"],
                          bool(f.cleaned_data.get("dictated")))
            for f in self.formset.forms if f.cleaned_data.get("member")
        ]
