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

    # Small cells ---------------------------------------------------------------
    def cell(self, value: Any, n: int) -> Cell:
        return self.suppression.cell(value, n)

    def count(self, n: int) -> Cell:
        return self.suppression.count(n)

    def share(self, numerator: int, denominator: int) -> Cell:
        return self.suppression.share(numerator, denominator)

    def part(self, numerator: int, denominator: int) -> Cell:
        return self.suppression.part(numerator, denominator)

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
