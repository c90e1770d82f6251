"""Job starts and endings as events that trigger questionnaires (see
``peerpath.measures.events``): one query for any number of members."""

from __future__ import annotations

import datetime as dt

from peerpath.employment import selectors
from peerpath.measures import events


@events.register("job_start")
def job_starts(organization_id: int, member_ids: list[int]) -> dict[int, list[dt.date]]:
    return selectors.job_start_dates(organization_id, member_ids)


@events.register("job_end")
def job_ends(organization_id: int, member_ids: list[int]) -> dict[int, list[dt.date]]:
    return selectors.job_end_dates(organization_id, member_ids)
