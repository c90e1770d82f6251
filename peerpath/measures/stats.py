"""Statistics the programme derives from its own stored scores."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet

from peerpath.measures.change import baseline_sd
from peerpath.measures.models import StoredScore
from peerpath.members import precompiled

MIN_MEMBERS_FOR_BASELINE = 10


@dataclass(frozen=True)
class Spread:
    """The first scores of one organisation's members: how many members, and their
    sample SD (None with fewer than two)."""

    n: int
    sd: float | None


def baseline_spreads(organization_ids: Iterable[int], scores: Iterable[tuple[str, str]]
                     ) -> dict[tuple[int, str, str], Spread]:
    """The members' first scores of each organisation and ``(instrument_id,
    score_id)`` (``Spread``), keyed ``(organization_id, instrument_id, score_id)``:
    one query for them all (none when ``scores`` is empty)."""
    org_ids, wanted = list(organization_ids), list(dict.fromkeys(scores))
    found: dict[tuple[int, str, str], Spread] = {
        (org, instrument_id, score_id): Spread(0, None) for org in org_ids for instrument_id, score_id in wanted}
    if not org_ids or not wanted:
        return found
    which = Q()
    for instrument_id, score_id in wanted:
        which |= Q(instrument_id=instrument_id, score_id=score_id)
    rows = (
        StoredScore.objects.filter(which, organization_id__in=org_ids, value__isnull=False)
        .order_by("organization_id", "instrument_id", "score_id", "member_id", "taken_on", "administration_id")
        .values_list("organization_id", "instrument_id", "score_id", "member_id", "value")
    )
    first: dict[tuple[int, str, str], dict[int, float]] = {}
    for org, instrument_id, score_id, member_id, value in rows:
        if value is not None:
            first.setdefault((org, instrument_id, score_id), {}).setdefault(member_id, value)
    for key, values in first.items():
        found[key] = Spread(len(values), baseline_sd(list(values.values())) if len(values) >= 2 else None)
    return found


def programme_baseline_sds(organization_ids: Iterable[int], scores: Iterable[tuple[str, str]]
                           ) -> dict[tuple[int, str, str], float | None]:
    """``programme_baseline_sd`` of each organisation and ``(instrument_id,
    score_id)``, keyed ``(organization_id, instrument_id, score_id)``: one query
    for them all (none when ``scores`` is empty)."""
    return {key: spread.sd if spread.n >= MIN_MEMBERS_FOR_BASELINE and spread.sd else None
            for key, spread in baseline_spreads(organization_ids, scores).items()}


def pooled_sd(spreads: Iterable[Spread]) -> float | None:
    """The pooled within-organisation SD of several organisations' first scores:

    .. code-block:: text

        s_pooled = √( Σ (n_k − 1)·s_k²  /  Σ (n_k − 1) )

    over the organisations k with at least two members (one member adds nothing to
    either sum). Differences between the organisations' means do not enter it,
    as they do not enter any one organisation's SD. None when fewer than
    ``MIN_MEMBERS_FOR_BASELINE`` members in all (the minimum for one organisation's
    own SD)."""
    parts = list(spreads)
    if sum(p.n for p in parts) < MIN_MEMBERS_FOR_BASELINE:
        return None
    weight = sum(p.n - 1 for p in parts if p.sd is not None)
    if weight <= 0:
        return None
    return math.sqrt(sum((p.n - 1) * p.sd**2 for p in parts if p.sd is not None) / weight)


# -- kept between calls -------------------------------------------------------------
#
# Every finished questionnaire without a normative SD asks for the programme's baseline
# SD (the deterioration check), and reading the organisation's whole history each time
# grows with it. So the members' first scores are kept in the cache (shared by the
# servers when CACHE_URL names one), under (organisation, instrument, score), with what
# they were read from: the number of score rows, the highest row id and the latest
# ``computed_at``. One aggregate query checks that against the table: equal, the kept
# SD is current; rows added since (a new questionnaire), only those are read and folded
# in; anything else (a score deleted, rescored, a row id used again) reads it all
# again. Whichever way scores change — forms, links, imports, rescoring, deletions —
# the SD returned is the one ``programme_baseline_sds`` computes.

CACHE_KEY = "peerpath:baseline-sd:v1:{}:{}:{}"
CACHE_SECONDS = 7 * 24 * 3600


@dataclass
class _Kept:
    rows: int  # score rows of (organisation, instrument, score), scored or not
    last_id: int
    last_at: dt.datetime | None
    first: dict[int, tuple[dt.date, int, float]]  # member → (taken on, administration, value)
    sd: float | None


def _rows(organization_id: int, instrument_id: str, score_id: str) -> QuerySet[StoredScore]:
    return StoredScore.objects.filter(organization_id=organization_id, instrument_id=instrument_id, score_id=score_id)


def _check(organization_id: int, instrument_id: str, score_id: str) -> QuerySet[StoredScore, tuple[Any, ...]]:
    """What the kept SD was read from, as the table has it now: the number of score
    rows, the highest id and the latest ``computed_at`` (no row: none at all)."""
    return (
        _rows(organization_id, instrument_id, score_id).order_by().values("organization_id")
        .annotate(rows=Count("pk"), last_id=Max("pk"), last_at=Max("computed_at"))
        .values_list("rows", "last_id", "last_at")
    )


def _added(organization_id: int, instrument_id: str, score_id: str, last_id: int,
           last_at: dt.datetime | None = None) -> QuerySet[StoredScore, tuple[Any, ...]]:
    """The score rows added (a higher id) or computed again (a later ``computed_at``)
    since the kept SD was read."""
    since = Q(pk__gt=last_id)
    if last_at is not None:
        since |= Q(computed_at__gt=last_at)
    return _rows(organization_id, instrument_id, score_id).filter(since).values_list(*COLUMNS)


def _fold(first: dict[int, tuple[dt.date, int, float]], rows: Iterable[tuple[Any, ...]]) -> None:
    """Keep each member's first scored result (by date answered, then administration),
    as ``programme_baseline_sds`` orders them."""
    for _pk, member_id, taken_on, administration_id, value, _at in rows:
        if value is None:
            continue
        kept = first.get(member_id)
        if kept is None or (taken_on, administration_id) < kept[:2]:
            first[member_id] = (taken_on, administration_id, float(value))


def _sd(first: dict[int, tuple[dt.date, int, float]]) -> float | None:
    if len(first) < MIN_MEMBERS_FOR_BASELINE:
        return None
    sd = baseline_sd([first[m][2] for m in sorted(first)])  # in member order, as recomputed
    return sd or None  # every first value equal: no spread to judge a change by


COLUMNS = ("pk", "member_id", "taken_on", "administration_id", "value", "computed_at")


def programme_baseline_sd(organization_id: int, instrument_id: str, score_id: str) -> float | None:
    """SD of each member's first score in the organisation (Jacobson and Truax use
    the SD of the pre-treatment sample); None with fewer than 10 members, or when
    their first values are all equal (an SD of 0 measures nothing). Kept
    between calls (see above): one query when nothing changed, two when scores were
    added since, whatever the length of the organisation's history."""
    key = CACHE_KEY.format(organization_id, instrument_id, score_id)
    kept: _Kept | None = cache.get(key)
    if kept is not None:
        # Both reads are compiled once (every deterioration check asks).
        values: dict[str, Any] = {"organization_id": organization_id, "instrument_id": instrument_id,
                                  "score_id": score_id}
        found = precompiled.tuples(("measures.baseline_check",), _check, values, prepared=True)
        rows, last_id, last_at = found[0] if found else (0, None, None)
        if (rows, last_id or 0, last_at) == (kept.rows, kept.last_id, kept.last_at):
            return kept.sd
        values["last_id"] = kept.last_id
        if kept.last_at is not None:
            values["last_at"] = kept.last_at
        added = precompiled.tuples(("measures.baseline_added", kept.last_at is not None), _added, values,
                                   prepared=True)
        if (added and all(row[0] > kept.last_id for row in added)
                and kept.rows + len(added) == rows and max(row[0] for row in added) == last_id):
            _fold(kept.first, added)
            # every row computed since is among those added: the table's latest is theirs
            kept = _Kept(rows, last_id, last_at, kept.first, _sd(kept.first))
            cache.set(key, kept, CACHE_SECONDS)
            return kept.sd
    rows = list(_rows(organization_id, instrument_id, score_id).values_list(*COLUMNS))
    first: dict[int, tuple[dt.date, int, float]] = {}
    _fold(first, rows)
    times = [row[5] for row in rows if row[5] is not None]
    kept = _Kept(len(rows), max((row[0] for row in rows), default=0), max(times) if times else None, first,
                 _sd(first))
    cache.set(key, kept, CACHE_SECONDS)
    return kept.sd
