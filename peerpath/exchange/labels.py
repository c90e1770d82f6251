"""What the pages call each field of an import, and problems in the interface language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerpath.exchange import columns
from peerpath.exchange.tabular import Problem

FIELD_LABELS: dict[str, dict[str, str | Promise]] = {
    columns.MEMBERS: {
        "code": _("Member code"),
        "name": _("Name"),
        "birth_year": _("Birth year"),
        "gender": _("Gender"),
        "enrolment_date": _("Enrolment date"),
        "referral_source": _("Referral source"),
        "phone": _("Phone"),
        "email": _("Email"),
        "preferred_language": _("Preferred language"),
        "stage": _("Recovery stage at enrolment"),
        "consent_version": _("Service consent: form version"),
        "consent_date": _("Service consent: date signed"),
    },
    columns.RESPONSES: {
        "member_code": _("Member code"),
        "instrument": _("Questionnaire"),
        "taken_on": _("Date answered"),
        "mode": _("How answered"),
        "reason": _("Occasion"),
    },
    columns.JOBS: {
        "member_code": _("Member code"),
        "employer": _("Employer name"),
        "title": _("Job title"),
        "start_date": _("Start date"),
        "end_date": _("End date"),
        "hours_per_week": _("Hours per week"),
        "hourly_wage": _("Hourly wage"),
        "in_community": _("In the community"),
        "open_to_anyone": _("Open to anyone"),
        "minimum_wage_or_more": _("Pays at least the minimum wage"),
        "ending_reason": _("Ending reason"),
        "disclosure": _("Disclosure at work"),
    },
    columns.REDCAP: {},
}


RESULT_LABELS: dict[str, str | Promise] = {
    "members": _("Members added"),
    "consents": _("Service consents recorded"),
    "administrations": _("Questionnaires added"),
    "scores": _("Scores computed"),
    "flags": _("Results flagged for follow-up"),
    "jobs": _("Jobs added"),
    "endings": _("Job endings recorded"),
    "employers": _("Employers added"),
}


def result_rows(result: dict[str, int]) -> list[tuple[str, int]]:
    """What a commit created, labelled, in a fixed order."""
    return [(str(label), result[key]) for key, label in RESULT_LABELS.items() if key in result]


def field_label(kind: str, key: str) -> str:
    parsed = columns.split_item_key(key)
    if parsed is not None:
        return gettext("%(instrument)s item %(item)s") % {"instrument": parsed[0], "item": parsed[1]}
    return str(FIELD_LABELS.get(kind, {}).get(key, key))


def problem_text(problem: Problem) -> str:
    """The problem's message in the interface language."""
    message = gettext(problem.message) if problem.message else ""
    return message % dict(problem.params) if problem.params else message


def sample_rows(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """The preview's first rows with values stored as a code of a choice list shown
    by their label in the interface language ("undisclosed" → 不透露)."""
    from peerpath.members.models import Gender, Language, Stage

    labels = {"gender": dict(Gender.choices), "stage": dict(Stage.choices),
              "preferred_language": dict(Language.choices)}
    return [[str(labels.get(key, {}).get(cell, cell)) for key, cell in zip(header, row, strict=False)] for row in rows]
