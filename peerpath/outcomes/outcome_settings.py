"""Reading the organisations' outcome-report settings (one query for any number of
organisations; the defaults of ``settings_rules`` where an organisation has no row)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from peerpath.outcomes import settings_rules as rules
from peerpath.outcomes.models import OutcomeSettings


@dataclass(frozen=True)
class Values:
    stable_employment_days: int = rules.DEFAULT_STABLE_EMPLOYMENT_DAYS
    inactive_after_days: int = rules.DEFAULT_INACTIVE_AFTER_DAYS


def settings_of(organization_ids: Iterable[int]) -> dict[int, Values]:
    """organisation id → its settings (the defaults when it has none); one query."""
    ids = list(organization_ids)
    found = {pk: Values() for pk in ids}
    rows = OutcomeSettings.objects.filter(organization_id__in=ids).values_list(
        "organization_id", "stable_employment_days", "inactive_after_days")
    for org_id, stable, inactive in rows:
        found[org_id] = Values(stable, inactive)
    return found
