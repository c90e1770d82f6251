"""What the pathway reads from the other apps of the peer and professional tracks:
group attendance and co-members (groups), job sectors (employment). One query each,
for any number of members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def sessions_attended(organization_id: int, member_ids: list[int], since: dt.date | None = None) -> dict[int, int]:
    """Group sessions attended per member (from the groups app)."""
    from peerpath.groups.selectors import sessions_attended as attended

    return attended(organization_id, member_ids, since=since)


def co_members(organization_id: int, member_id: int) -> list[int]:
    """Members who share a peer group with the member (from the groups app)."""
    from peerpath.groups.selectors import co_members as shared

    return list(shared(organization_id, member_id))


def sectors_of(organization_id: int, member_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Job sectors per member: for a job seeker the sectors of their goal, for a
    worker those of their jobs (from the employment app's vocational profiles)."""
    from peerpath.employment.selectors import current_profiles

    profiles = current_profiles(organization_id, list(member_ids))
    return {member_id: frozenset(p.sectors) for member_id, p in profiles.items()}
