"""The rules of values, written once for every way data comes in.

Forms (and through them the API serializers, the members and jobs imports), the
questionnaire imports (flat files and REDCap records) and the demo loader all ask
these functions, so that a value refused on one path is refused on every path:

* ``past_date``: a date that has happened (enrolment, birth, job start and end, a
  questionnaire answered, a consent given, …) lies between 1900-01-01 and today;
* ``answered_date``: a questionnaire's date is also not before the member's enrolment;
* ``member_code_key``: member codes are unique in an organisation without regard to
  case (``m0008`` is ``M0008``; the database backs it
  with a unique index on the lowered code);
* ``username_taken``: a user name is free only if no user of any organisation has it,
  in any case (portal accounts derive theirs; staff choose theirs).

A broken rule comes back as ``Broken``: one English message for a form field and one
for a cell of an imported file (which adds the cell's text as ``%(value)s``), both
marked for translation and translated where they are shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EARLIEST_DATE = dt.date(1900, 1, 1)


def gettext_noop(message: str) -> str:
    return message


@dataclass(frozen=True)
class Broken:
    """A rule a value breaks: ``field_message`` for a form field, ``cell_message`` for a
    cell of an import (``%(value)s`` is the cell's text), and their parameters."""

    code: str
    field_message: str
    cell_message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def error(self) -> Any:
        """The form field's ``ValidationError``, translated."""
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext

        text = gettext(self.field_message)
        return ValidationError(text % dict(self.params) if self.params else text, code=self.code)

    def cell_params(self, text: str) -> dict[str, Any]:
        return {**self.params, "value": text}


BEFORE_1900 = Broken(
    "before_1900", gettext_noop("This date is before 1900: check the year."),
    gettext_noop("%(value)s is before 1900: check the year"),
)
IN_FUTURE = Broken(
    "in_future", gettext_noop("This date is in the future."), gettext_noop("%(value)s is in the future"),
)


def past_date(value: dt.date, today: dt.date) -> Broken | None:
    """A date that has happened: from 1900-01-01 to ``today``."""
    if value < EARLIEST_DATE:
        return BEFORE_1900
    if value > today:
        return IN_FUTURE
    return None


def answered_date(value: dt.date, enrolment: dt.date, today: dt.date) -> Broken | None:
    """The date a member answered a questionnaire: a past date, not before their enrolment."""
    broken = past_date(value, today)
    if broken is None and value < enrolment:
        return Broken(
            "before_enrolment", gettext_noop("The date is before the member's enrolment."),
            gettext_noop("%(value)s is before the member's enrolment (%(enrolment)s)"),
            {"enrolment": enrolment.isoformat()},
        )
    return broken


def clean_past_date(value: dt.date) -> dt.date:
    """A form's ``clean_<field>`` for a date that has happened (raises ``ValidationError``)."""
    from django.utils import timezone

    broken = past_date(value, timezone.localdate())
    if broken is not None:
        raise broken.error()
    return value


def clean_answered_date(value: dt.date, enrolment: dt.date) -> dt.date:
    from django.utils import timezone

    broken = answered_date(value, enrolment, timezone.localdate())
    if broken is not None:
        raise broken.error()
    return value


# --- member codes -------------------------------------------------------------------------

CODE_TAKEN = Broken(
    "code_taken", gettext_noop("This member code is taken (codes are the same whatever their case)."),
    gettext_noop("member code %(value)r is taken by member %(existing)s (codes are the same whatever their case)"),
)


def member_code_key(code: str) -> str:
    """What makes two codes the same: ``m0008`` and ``M0008`` are one code. The
    database's unique index uses ``Lower(code)``, so this is ``str.lower`` too."""
    return code.strip().lower()

# --- user names ---------------------------------------------------------------------------


def username_taken(username: str) -> Broken | None:
    """A user of any organisation already has this name, in any case (the staff form
    asks the same ``tenancy.usernames.username_in_use``)."""
    from peerpath.tenancy.usernames import username_in_use

    if username_in_use(username):
        return Broken(
            "username_taken",
            gettext_noop("The user name %(username)s is already used by another account, so this account cannot "
                         "be opened under it. Ask an administrator to change the member code, or the other "
                         "account's user name."),
            gettext_noop("the user name %(value)s is already used by another account"),
            {"username": username},
        )
    return None
