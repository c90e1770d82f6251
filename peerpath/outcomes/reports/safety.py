"""Safety follow-ups: how many safety answers the period brought, the share
followed up within the due time, and the time it took (peerpath/safety)."""

from __future__ import annotations

import statistics
from typing import Any

from django.utils.translation import gettext_lazy

from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.scope import ReportScope

SPEC = ReportSpec(
    slug="safety",
    title=gettext_lazy("Safety follow-ups"),
    summary=gettext_lazy(
        "Safety answers in the period, the share followed up within the due time, and the median time to follow-up."
    ),
)


def build(scope: ReportScope) -> dict[str, Any]:
    """Follow-ups opened in the period (one per questionnaire with a safety answer)
    of the members the viewer may count. Counts are of follow-ups, each declared
    with the number of members behind it, so a count of few members is hidden and
    cannot be worked out from the others (within due + not within due = opened;
    followed up + still open = opened)."""
    from peerpath.safety.selectors import follow_up_rows

    rows = follow_up_rows(scope.org_ids, scope.period.start, scope.period.end, scope.member_ids())

    def members(selected: list[Any]) -> int:
        return len({r.member_id for r in selected})

    closed = [r for r in rows if r.closed_at is not None]
    within = [r for r in closed if r.within_due]
    within_ids = {r.pk for r in within}
    late = [r for r in rows if r.pk not in within_ids]
    still_open = [r for r in rows if r.closed_at is None]
    referred = [r for r in closed if r.outcome == "referred"]
    reached = [r for r in closed if r.outcome != "referred"]
    opened = scope.count(members(rows), value=len(rows), key="safety.opened")
    scope.count(members(within), value=len(within), key="safety.within", displayed=False)
    scope.count(members(late), value=len(late), key="safety.late", displayed=False)
    scope.total("safety.opened", ("safety.within", "safety.late"))
    closed_cell = scope.count(members(closed), value=len(closed), key="safety.closed")
    open_cell = scope.count(members(still_open), value=len(still_open), key="safety.open")
    scope.total("safety.opened", ("safety.closed", "safety.open"))
    scope.at_least("safety.closed", "safety.within")
    safe_cell = scope.count(members(reached), value=len(reached), key="safety.safe")
    referred_cell = scope.count(members(referred), value=len(referred), key="safety.referred")
    scope.total("safety.closed", ("safety.safe", "safety.referred"))
    members_cell = scope.count(members(rows), key="safety.members")
    scope.at_least("safety.opened", "safety.members")
    hours = [(r.closed_at - r.opened_at).total_seconds() / 3600 for r in closed if r.closed_at is not None]
    share = scope.disclosure.share("safety.share_within", "safety.within", "safety.opened")
    return {
        "opened": opened,
        "members": members_cell,
        "closed": closed_cell,
        "open": open_cell,
        "safe": safe_cell,
        "referred": referred_cell,
        "share_within": share,
        "median_hours": scope.cell(statistics.median(hours) if hours else None, members(closed), key="safety.median_hours",
                                   basis=("safety.closed",)),
    }
