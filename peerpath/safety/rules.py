"""The safety path's rules about values, in one place for every entry point
(forms, API, demo): follow-up hours, phone numbers, due times, outcomes, and the
shipped default crisis lines. No database access here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DEFAULT_FOLLOW_UP_HOURS = 24
MAX_FOLLOW_UP_HOURS = 72  # a safety answer must not wait longer than a long weekend
FOLLOW_UP_HOURS_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_FOLLOW_UP_HOURS)]
PHONE_VALIDATORS = [
    RegexValidator(
        r"^\+?[0-9][0-9 ()#*-]{1,38}$",
        _("Enter a phone number: digits, spaces, brackets and dashes, optionally starting with +."),
    )
]


class Method(models.TextChoices):
    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    HOME_VISIT = "home_visit", _("Home visit")
    MESSAGE = "message", _("Text message")


class Outcome(models.TextChoices):
    SAFE = "safe", _("Reached: safe, safety plan reviewed")
    REFERRED = "referred", _("Reached: referred to a crisis or emergency service")
    NOT_REACHED = "not_reached", _("Could not be reached")


# Outcomes that close the follow-up (the member was reached).
CLOSING = frozenset({Outcome.SAFE, Outcome.REFERRED})


class PlanAction(models.TextChoices):
    NONE = "", _("Not discussed")
    REVIEWED = "reviewed", _("Reviewed")
    WRITTEN = "written", _("Written or updated")


def due_time(opened_at: dt.datetime, hours: int) -> dt.datetime:
    """When a follow-up opened at ``opened_at`` is due: the clock runs through
    nights, weekends and holidays (a person at risk does not wait for Monday)."""
    return opened_at + dt.timedelta(hours=hours)


def tel_uri(number: str) -> str:
    """A ``tel:`` link for a number as people write it ("02-2345 6789" → "tel:0223456789")."""
    digits = re.sub(r"[^0-9+*#]", "", number)
    return f"tel:{digits}"


@dataclass(frozen=True)
class DefaultContact:
    name: str | Promise  # lazily translated
    number: str
    hours: str | Promise
    note: str | Promise = ""


# Taiwan's national lines, shipped as the default list of a Traditional Chinese
# deployment (an organisation replaces it with its own list in the settings).
TAIWAN_LINES = (
    DefaultContact(_("Suicide prevention line (安心專線)"), "1925", _("24 hours"),
                   _("Ministry of Health and Welfare; free of charge")),
    DefaultContact(_("Lifeline (生命線)"), "1995", _("24 hours")),
    DefaultContact(_("Teacher Chang (張老師)"), "1980", "", _("Counselling line; check its opening hours")),
)
EMERGENCY = DefaultContact(_("Emergency services"), "119", _("24 hours"))


def default_contacts(language_code: str) -> tuple[DefaultContact, ...]:
    """The shipped crisis contacts for a deployment whose language is ``language_code``."""
    if language_code.lower().startswith("zh"):
        return (*TAIWAN_LINES, EMERGENCY)
    return (EMERGENCY,)


def validate_contact_outcome(outcome: str, next_attempt_at: dt.datetime | None, contacted_at: dt.datetime,
                             now: dt.datetime) -> dict[str, str]:
    """Field → message for a contact record that does not hold together."""
    errors: dict[str, str] = {}
    if contacted_at > now + dt.timedelta(minutes=5):
        errors["contacted_at"] = str(_("The contact cannot be in the future."))
    if outcome == Outcome.NOT_REACHED:
        if next_attempt_at is None:
            errors["next_attempt_at"] = str(_("Say when you will try again."))
        elif next_attempt_at <= contacted_at:
            errors["next_attempt_at"] = str(_("The next attempt must come after this one."))
    elif next_attempt_at is not None:
        errors["next_attempt_at"] = str(_("A next attempt is only needed when the member could not be reached."))
    return errors
