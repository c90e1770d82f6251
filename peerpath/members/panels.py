"""Panels of the member page that other apps contribute (jobs, groups, roles…).

A panel is a function ``(member, membership) -> Panel | None``: it reads what it
needs through its app's policy-checked selectors (a fixed number of queries) and
returns ``None`` when the viewer's role may not see it. A function may give a list
of panels instead (several panels from one read; an empty list for none). The member page renders
the panels in registration order, after the care team and consent cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peerpath.members.models import Member
from peerpath.tenancy.models import Membership


@dataclass(frozen=True)
class Panel:
    template: str  # rendered with ``panel`` (this object) and the page's context, unless ``html`` is given
    title: str  # already translated
    context: dict[str, Any] = field(default_factory=dict)
    wide: bool = False  # spans the whole row instead of one column
    urgent: bool = False  # shown first, above the care team (e.g. an open safety follow-up)
    html: str = ""  # the panel written in Python (a SafeString), shown instead of rendering ``template``


PanelFunction = Callable[[Member, Membership], Panel | list[Panel] | None]
_panels: list[PanelFunction] = []


def register(panel: PanelFunction) -> PanelFunction:
    """Decorator: add a panel (apps do this from ``AppConfig.ready``)."""
    if panel not in _panels:
        _panels.append(panel)
    return panel


def build_panels(member: Member, membership: Membership) -> list[Panel]:
    found: list[Panel] = []
    for fn in _panels:
        given = fn(member, membership)
        if isinstance(given, list):
            found.extend(given)
        elif given is not None:
            found.append(given)
    return found
