"""The member timeline: one chronological view of everything both tracks record.

Each domain app registers a *provider*: a function that takes a member and
returns ``TimelineEntry`` objects, in one or two queries whatever the member's
history. ``build_timeline`` merges them newest first and drops the entries the
viewer's role may not see (clinical entries for peer leaders), and every clinical
entry when the caller asks for none (``clinical=False``, e.g. a member progress
report without the clinical details).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from peerpath.members.models import Member
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


class Track:
    PROFESSIONAL = "professional"
    PEER = "peer"
    ADMIN = "admin"


@dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    kind: str  # a short machine name, e.g. "consent.given"; also a CSS class
    title: str  # already translated
    track: str = Track.ADMIN
    detail: str = ""
    by: str = ""
    clinical: bool = False  # the whole entry is hidden from roles without clinical access
    private_detail: bool = False  # free-text detail hidden from those roles (the entry stays)
    sort_key: tuple[str, ...] = field(default_factory=tuple)


Provider = Callable[[Member], list[TimelineEntry]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Decorator: add a provider (apps do this in ``AppConfig.ready``)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def build_timeline(member: Member, membership: Membership, *, clinical: bool = True) -> list[TimelineEntry]:
    """Every provider's entries, newest first. Clinical entries and private details
    are shown only to roles with clinical access, and only when ``clinical`` is true
    (false: left out whatever the viewer may see)."""
    show_clinical = clinical and can(membership, Perm.MEMBER_VIEW_CLINICAL)
    entries = [e for provider in _providers for e in provider(member) if show_clinical or not e.clinical]
    if not show_clinical:
        entries = [replace(e, detail="") if e.private_detail else e for e in entries]
    entries.sort(key=lambda e: (e.date, e.sort_key), reverse=True)
    return entries
