"""Urgent panels that domain apps put first on the caseload and the dashboards
(for example the safety app's follow-ups that are due or overdue).

An urgent function is ``(membership, member_ids) -> UrgentPanel | None``:
``member_ids`` is the list of members the page shows (the caseload), or ``None``
for "everything this viewer should act on" (a dashboard). It reads through its
app's policy-checked selectors in a fixed number of queries and returns ``None``
when there is nothing urgent or the viewer's role may not see it. Pages render
the panels above everything else, lowest ``order`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peerpath.tenancy.models import Membership


@dataclass(frozen=True)
class UrgentPanel:
    template: str  # rendered with ``panel`` (this object) and the page's context
    title: str  # already translated
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100  # lower is shown first
    member_ids: frozenset[int] = frozenset()  # members the panel is about (rows may be marked)


UrgentFunction = Callable[[Membership, "list[int] | None"], "UrgentPanel | None"]
_functions: list[UrgentFunction] = []


def register(fn: UrgentFunction) -> UrgentFunction:
    """Decorator: add an urgent panel (apps do this from ``AppConfig.ready``)."""
    if fn not in _functions:
        _functions.append(fn)
    return fn


def build_urgent(membership: Membership, member_ids: list[int] | None) -> list[UrgentPanel]:
    panels = [p for fn in _functions if (p := fn(membership, member_ids)) is not None]
    return sorted(panels, key=lambda p: p.order)
