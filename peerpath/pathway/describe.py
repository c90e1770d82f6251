"""Sentences for the pure modules' results (mentor reasons, readiness checks), in
the viewer's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.members.models import Stage
from peerpath.pathway.matching import Reason
from peerpath.pathway.models import CriterionKind, HelperRoleKind, SpokenLanguage
from peerpath.pathway.readiness import Check, Criterion
from peerpath.pathway.sectors import Sector


def _label(choices: type, value: object) -> str:
    return str(dict(choices.choices).get(value, value))  # type: ignore[attr-defined]


def reason_text(reason: Reason) -> str:
    p = reason.params
    key = reason.key
    if key == "same_sector":
        return _("Same job sector: %(sector)s") % {"sector": _label(Sector, p["sector"])}
    if key == "further":
        steps = int(p["steps"])  # type: ignore[call-overload]
        return ngettext(
            "%(n)d stage further in recovery", "%(n)d stages further in recovery", steps
        ) % {"n": steps}
    if key == "speaks":
        return _("Speaks %(language)s") % {"language": _label(SpokenLanguage, p["language"])}
    if key == "free_places":
        return _("Has %(free)s of %(max)s places free") % {"free": p["free"], "max": p["max"]}
    if key == "gender_as_preferred":
        return _("Gender as preferred")
    if key == "self":
        return _("This is the member themself")
    if key == "current_mentor":
        return _("Already this member's peer mentor")
    if key == "not_available":
        return _("Not available to mentor at present")
    if key == "no_free_places":
        return _("No free place (mentors at most %(max)s)") % {"max": p["max"]}
    if key == "mentor_stage_unknown":
        return _("Recovery stage not assessed yet")
    if key == "not_further":
        return _("Not further in recovery (%(stage)s)") % {"stage": _label(Stage, p["stage"])}
    if key == "gender_not_as_required":
        return _("Not of the gender the member asked for")
    raise ValueError(f"no sentence for reason {key!r}")


def check_text(check: Check) -> tuple[str, str]:
    """(what the criterion asks, where the member stands)."""
    c = check.criterion
    if c.kind == CriterionKind.MONTHS_IN_PROGRAMME:
        return (
            ngettext("At least %(n)d month in the programme", "At least %(n)d months in the programme",
                     c.threshold or 0) % {"n": c.threshold or 0},
            ngettext("%(n)d month", "%(n)d months", int(check.have)) % {"n": check.have},  # type: ignore[call-overload]
        )
    if c.kind == CriterionKind.SESSIONS_ATTENDED:
        return (
            ngettext("At least %(n)d group session attended", "At least %(n)d group sessions attended",
                     c.threshold or 0) % {"n": c.threshold or 0},
            ngettext("%(n)d attended", "%(n)d attended", int(check.have)) % {"n": check.have},  # type: ignore[call-overload]
        )
    if c.kind == CriterionKind.TRAINING_MODULE:
        return (
            _("Training completed: %(module)s") % {"module": c.module_name},
            _("Completed") if check.have else _("Not yet"),
        )
    if c.kind == CriterionKind.CURRENT_ROLE:
        return (
            _("Currently at least: %(role)s") % {"role": _label(HelperRoleKind, c.role)},
            _label(HelperRoleKind, check.have),
        )
    if c.kind == CriterionKind.RECOVERY_STAGE:
        return (
            _("Recovery stage at least: %(stage)s") % {"stage": _label(Stage, c.stage)},
            _label(Stage, check.have) if check.have else _("Not assessed yet"),
        )
    raise ValueError(f"unknown criterion kind {c.kind!r}")


def criterion_text(criterion: Criterion) -> str:
    """What a configured criterion asks (for the settings page)."""
    return check_text(Check(criterion, False, 0))[0]


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, e.g. 90 → "1.5"."""
    return f"{minutes / 60:.1f}"
