"""Sections other apps add to the member's portal home (roles, helping hours,
stories, prompts about mentees…).

A section is a function ``(account) -> PortalSection | None``; it reads only the
signed-in member's own data (or, for a mentor, what the peer track shows a mentor)
in a fixed number of queries. The portal home renders the sections in
registration order, under the questionnaires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from peerpath.portal.models import MemberAccount


@dataclass(frozen=True)
class PortalSection:
    template: str  # rendered with ``section`` (this object) and ``account``
    title: str  # already translated
    context: dict[str, Any] = field(default_factory=dict)
    first: bool = False  # shown above the questionnaires (e.g. the crisis message)


SectionFunction = Callable[[MemberAccount], PortalSection | None]
_sections: list[SectionFunction] = []


def register(section: SectionFunction) -> SectionFunction:
    if section not in _sections:
        _sections.append(section)
    return section


def build_sections(account: MemberAccount) -> list[PortalSection]:
    return [s for fn in _sections if (s := fn(account)) is not None]
