"""What a report covers: organisations, period, group, professional, and which
members the viewer may count (the policy module decides)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from peerpath.members.models import CareRole, CareTeamAssignment, Member
from peerpath.members.selectors import research_consent_in_force
from peerpath.outcomes.cells import Cell, Suppression
from peerpath.outcomes.disclosure import Ledger
from peerpath.outcomes.period import Period
from peerpath.tenancy.models import Organization


@dataclass
class ReportScope:
    """The filters of one report run, already checked against the policy module.

    ``research_only``: count only members whose latest research consent is in
    force (researchers). ``suppression``: small cells hidden (researchers and
    exported reports)."""

    organizations: tuple[Organization, ...]
    period: Period
    today: dt.date
    suppression: Suppression
    research_only: bool = False
    group: Any = None  # a peerpath.groups.models.PeerGroup of one of the organisations
    professional: Any = None  # a user: members whose professional they were in the period
    language: str = "zh-hant"
    options: Mapping[str, Any] = field(default_factory=dict)
    # Every figure of the run, declared with its relations (``peerpath.outcomes.disclosure``).
    disclosure: Ledger = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.disclosure = Ledger(active=self.suppression.active, threshold=self.suppression.threshold)

    @property
    def org_ids(self) -> list[int]:
        return [o.pk for o in self.organizations]

    def members(self) -> QuerySet[Member]:
        """Every member the report may count (enrolled by the period's end), as one
        query; reports filter further (served in a quarter, with a job …)."""
        qs: QuerySet[Member] = Member.objects.filter(organization_id__in=self.org_ids, enrolment_date__lte=self.period.end)
        start, end = self.period.start, self.period.end
        if self.group is not None:
            from peerpath.groups.models import RosterEntry

            on_roster = RosterEntry.objects.filter(group=self.group, joined_on__lte=end).filter(
                Q(left_on__isnull=True) | Q(left_on__gte=start)
            )
            qs = qs.filter(pk__in=on_roster.values("member_id"))
        if self.professional is not None:
            cared = CareTeamAssignment.objects.filter(
                organization_id__in=self.org_ids, role=CareRole.PROFESSIONAL, professional=self.professional,
                started_on__lte=end,
            ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
            qs = qs.filter(pk__in=cared.values("member_id"))
        if self.research_only:
            qs = research_consent_in_force(qs)
        return qs

    def member_ids(self) -> QuerySet[Member, Any]:
        """``members()`` as a subquery of ids, for ``member_id__in=``."""
        return self.members().values("pk")

    # Figures -------------------------------------------------------------------
    # Each figure is declared in the run's ledger under a key; counts that add up
    # declare it (``total``), statistics name the counts they are built from.
    def cell(self, value: Any, n: int, *, key: str, basis: tuple[str, ...] = ()) -> Cell:
        """A statistic (mean, median, rate …) built from ``n`` members and the
        counts of ``basis``: hidden when ``n`` is small or a basis count is hidden."""
        return self.disclosure.figure(key, value, n, basis)

    def count(self, n: int, *, key: str, value: int | None = None, displayed: bool = True,
              hidden: bool = False) -> Cell:
        """A count of ``n`` members (or ``value`` things built from ``n`` members)."""
        return self.disclosure.count(key, n if value is None else value, n, displayed=displayed, hidden=hidden)

    def total(self, total: str, parts: list[str] | tuple[str, ...]) -> None:
        """The count ``total`` is the sum of the counts ``parts``."""
        self.disclosure.total(total, parts)

    def at_least(self, larger: str, smaller: str) -> None:
        """The count ``larger`` is never below the count ``smaller``."""
        self.disclosure.at_least(larger, smaller)

    def share(self, numerator: int, denominator: int, *, key: str, numerator_key: str = "",
              denominator_key: str = "") -> Cell:
        """The share ``numerator / denominator`` of members. Its counts are declared
        unless given (``<key>.of``: the denominator, ``<key>.yes`` and ``<key>.no``:
        the numerator and the rest, not printed); the rest is protected too."""
        num = numerator_key or f"{key}.yes"
        den = denominator_key or f"{key}.of"
        rest = f"{num}.rest"
        if not denominator_key:
            self.disclosure.count(den, denominator, displayed=False)
        if not numerator_key:
            self.disclosure.count(num, numerator, displayed=False)
        self.disclosure.count(rest, denominator - numerator, displayed=False)
        self.disclosure.total(den, (num, rest))
        return self.disclosure.share(key, num, den)

    def part(self, numerator: int, denominator: int, *, key: str, denominator_key: str) -> Cell:
        """A count of members that is part of the count ``denominator_key``: the
        part and the rest add up to it."""
        cell = self.disclosure.count(key, numerator)
        self.disclosure.count(f"{key}.rest", denominator - numerator, displayed=False)
        self.disclosure.total(denominator_key, (key, f"{key}.rest"))
        return cell

    def describe(self) -> dict[str, Any]:
        """The filters, for the audit log and the report's heading (no member data)."""
        return {
            "organizations": [o.slug for o in self.organizations],
            "period": self.period.label,
            "group": getattr(self.group, "pk", None),
            "professional": getattr(self.professional, "username", None),
            "research_only": self.research_only,
            "suppressed_below": self.suppression.threshold if self.suppression.active else None,
            "options": dict(self.options),
        }
