"""Events that trigger questionnaires, recorded by other apps (job start and end
in the employment app, group sessions in the groups app).

An app registers, per trigger, a function ``(organization_id, member_ids) ->
{member_id: [event dates]}`` that answers in one query for any number of
members. The due lists ask every registered source.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

EventSource = Callable[[int, list[int]], dict[int, list[dt.date]]]
_sources: dict[str, list[EventSource]] = defaultdict(list)


def register(trigger: str) -> Callable[[EventSource], EventSource]:
    """Decorator: ``@register("job_start")`` on a source of job-start dates."""

    def decorator(source: EventSource) -> EventSource:
        if source not in _sources[trigger]:
            _sources[trigger].append(source)
        return source

    return decorator


def events_of(organization_id: int, member_ids: Iterable[int], triggers: Iterable[str]) -> dict[int, dict[str, list[dt.date]]]:
    """member id → trigger → dates, for the triggers the plan uses (one query per source)."""
    ids = list(member_ids)
    found: dict[int, dict[str, list[dt.date]]] = defaultdict(dict)
    for trigger in set(triggers):
        for source in _sources.get(trigger, []):
            for member_id, dates in source(organization_id, ids).items():
                found[member_id].setdefault(trigger, []).extend(dates)
    return found
