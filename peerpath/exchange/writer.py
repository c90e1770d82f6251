"""Writing imported questionnaire responses in bulk, scored exactly as a paper form is.

``measures.actions.record_paper_form`` stores one completed administration, its scores
(``store_scores``), a safety flag per safety rule its answers meet, and a deterioration
flag when the primary score reliably deteriorated since the member's previous result.
This module does the same for many responses at once: the scores of all of them come
from one call of the vectorised engine (``score_responses``), the rows are inserted with
``bulk_create`` in chunks, and the "previous result" of each response is found in memory
from the member's earlier scores. The responses are written in the order (member, date
answered, row of the file), so each finds the same previous result as entering them one
by one on paper forms in that order would (tested). One difference: where a score has no
normative SD the programme's baseline SD is taken after the whole import, not after
each response. Must run inside the caller's transaction.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from peerpath.exchange import bulk
from peerpath.exchange.responses import Responses
from peerpath.measures import completion
from peerpath.measures.change import (
    MissingNormsError,
    ReliableChangeClass,
    change_parameters,
    reliable_change,
)
from peerpath.measures.definitions import Instrument
from peerpath.measures.models import (
    Administration,
    AdministrationStatus,
    FlagKind,
    ResultFlag,
    StoredScore,
)
from peerpath.measures.scoring import score_responses
from peerpath.measures.stats import programme_baseline_sd
from peerpath.tenancy.models import Membership

IN_CHUNK = 500  # ids per "IN (…)" list (well under SQLite's limit on parameters)


def answers_key(instrument: Instrument, answers: Mapping[str, Any]) -> bytes:
    """Stored answers as compared for duplicates: the same answers give the same key,
    however they were typed (3, 3.0, "3"). Answers to items the instrument no longer has
    give a key no import matches."""
    vector = np.full(len(instrument.items), np.nan)
    index = {item.id: j for j, item in enumerate(instrument.items)}
    for item_id, value in answers.items():
        j = index.get(str(item_id))
        if j is None or value is None:
            return b"?" + repr(sorted(answers.items())).encode()
        vector[j] = float(value)
    return vector.tobytes()


def matrix_keys(matrix: np.ndarray) -> list[bytes]:
    """``answers_key`` of each row of an answer matrix (nan = not answered)."""
    rows = np.ascontiguousarray(np.where(np.isnan(matrix), np.nan, matrix + 0.0), dtype=np.float64)
    return [row.tobytes() for row in rows]


def chunks(values: Sequence[int], size: int = IN_CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def existing_keys(
    organization_id: int, instrument: Instrument, member_ids: Sequence[int]
) -> set[tuple[int, dt.date, bytes]]:
    """(member, date answered, answers key) of the completed administrations of the
    instrument these members already have."""
    keys: set[tuple[int, dt.date, bytes]] = set()
    for part in chunks(sorted(set(member_ids))):
        rows = Administration.objects.filter(
            organization_id=organization_id, instrument_id=instrument.id, member_id__in=part,
            status=AdministrationStatus.COMPLETED, taken_on__isnull=False,
        ).values_list("member_id", "taken_on", "answers")
        keys.update((m, t, answers_key(instrument, a)) for m, t, a in rows if t is not None)
    return keys


@dataclass
class ResponsesPlan:
    """Which responses of a ``Responses`` to write, for which members."""

    responses: Responses
    member_ids: list[int]  # one per response
    languages: list[str]  # the member's preferred language, one per response
    write: list[int]  # indexes of the responses to write


def _previous_scores(organization_id: int, instrument_id: str, score_id: str,
                     member_ids: Sequence[int]) -> dict[int, list[tuple[dt.date, float]]]:
    """Each member's earlier scored results, in the order record_paper_form compares them."""
    found: dict[int, list[tuple[dt.date, float]]] = {}
    for part in chunks(sorted(set(member_ids))):
        rows = StoredScore.objects.filter(
            organization_id=organization_id, instrument_id=instrument_id, score_id=score_id,
            member_id__in=part, value__isnull=False,
        ).order_by("member_id", "taken_on", "administration_id").values_list("member_id", "taken_on", "value")
        for member_id, taken_on, value in rows:
            if value is not None:
                found.setdefault(member_id, []).append((taken_on, float(value)))
    return found


def write_responses(membership: Membership, plan: ResponsesPlan) -> dict[str, int]:
    """Insert the planned responses, their scores and flags; returns counts by model."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("write_responses must run inside the import's transaction")
    responses = plan.responses
    instrument = responses.instrument
    org_id = membership.organization_id
    order = sorted(plan.write, key=lambda i: (plan.member_ids[i], responses.taken_on[i], responses.rows[i]))
    if not order:
        return {"administrations": 0, "scores": 0, "flags": 0}
    matrix = responses.answers[order]
    result = score_responses(instrument, matrix)
    primary = instrument.primary_score
    earlier = _previous_scores(org_id, instrument.id, primary.id, [plan.member_ids[i] for i in order])
    item_ids = [item.id for item in instrument.items]
    now = timezone.now()
    fixed = {"organization_id": org_id, "instrument_id": instrument.id, "instrument_version": instrument.version,
             "status": AdministrationStatus.COMPLETED, "created_by_id": membership.user_id, "completed_at": now,
             "created_at": now}
    answers = _answers_json(item_ids, matrix)
    admin_ids = bulk.insert(Administration, fixed, ["member_id", "mode", "reason", "language", "taken_on", "answers"], (
        (plan.member_ids[i], responses.modes[i], responses.reasons[i], plan.languages[i], responses.taken_on[i],
         answers[k]) for k, i in enumerate(order)), returning=True, prepared=["answers"])
    member_of = [plan.member_ids[i] for i in order]
    taken_of = [responses.taken_on[i] for i in order]
    n_scores = 0
    for score_id, s in result.scores.items():
        values = [None if v != v else v for v in s.value.tolist()]
        bands = [b if b >= 0 else None for b in s.band_index.tolist()]
        n_scores += len(order)
        bulk.insert(StoredScore, {
            "organization_id": org_id, "instrument_id": instrument.id, "score_id": score_id,
            "definition_version": instrument.version, "computed_at": now,
        }, ["administration_id", "member_id", "value", "n_answered", "prorated", "band_index", "flag", "taken_on"],
            zip(admin_ids, member_of, values, s.n_answered.tolist(), s.prorated.tolist(), bands, s.flag.tolist(),
                taken_of, strict=True))
    safety_items = [rule.item for rule in instrument.safety]
    item_index = {item_id: j for j, item_id in enumerate(item_ids)}
    hits = np.argwhere(result.safety_hits).tolist() if safety_items else []
    bulk.insert(ResultFlag, {"organization_id": org_id, "kind": FlagKind.SAFETY, "raised_at": now},
                ["administration_id", "member_id", "item_id", "value"],
                ((admin_ids[k], member_of[k], safety_items[rule], float(matrix[k, item_index[safety_items[rule]]]))
                 for k, rule in hits))
    completion.safety_flags_raised(org_id, sorted({admin_ids[k] for k, _rule in hits}))
    n_flags = len(hits)
    n_flags += _deterioration_flags(membership, plan, order, admin_ids, result.scores[primary.id].value,
                                    earlier, now)
    return {"administrations": len(order), "scores": n_scores, "flags": n_flags}


def _answers_json(item_ids: Sequence[str], matrix: np.ndarray) -> list[str]:
    """Each row's answers as JSONField stores them (``json.dumps`` of item id → float,
    unanswered items left out), formatted directly: one ``%`` per complete row."""
    keys = [json.dumps(i) + ": " for i in item_ids]
    complete = "{" + ", ".join(key + "%r" for key in keys) + "}"
    found = []
    for row, full in zip(matrix.tolist(), (~np.isnan(matrix).any(axis=1)).tolist(), strict=True):
        if full:
            found.append(complete % tuple(row))
        else:  # v == v: not nan
            found.append("{" + ", ".join(keys[j] + repr(v) for j, v in enumerate(row) if v == v) + "}")
    return found


def _deterioration_flags(
    membership: Membership, plan: ResponsesPlan, order: list[int], admin_ids: list[int],
    values: np.ndarray, earlier: dict[int, list[tuple[dt.date, float]]], now: dt.datetime,
) -> int:
    """A flag for each response whose primary score reliably deteriorated since the
    member's previous result: the latest (date, then entry order) earlier result on or
    before its date, among those stored before and those of this import written before it."""
    instrument = plan.responses.instrument
    score = instrument.primary_score
    sd = None
    if score.norms is None or score.norms.sd is None:
        sd = programme_baseline_sd(membership.organization_id, instrument.id, score.id)
    try:
        parameters = change_parameters(score, sd=sd)
    except MissingNormsError:
        return 0
    pre: list[float] = []
    post: list[float] = []
    at: list[int] = []
    last: dict[int, tuple[dt.date, float]] = {}  # member → latest result of this import so far
    for k, i in enumerate(order):
        member_id, taken_on, value = plan.member_ids[i], plan.responses.taken_on[i], float(values[k])
        if math.isnan(value):
            continue
        previous = last.get(member_id)
        stored = earlier.get(member_id, [])
        j = bisect.bisect_right(stored, (taken_on, math.inf))
        if j and (previous is None or stored[j - 1][0] > previous[0]):
            previous = stored[j - 1]
        if previous is not None:
            pre.append(previous[1])
            post.append(value)
            at.append(k)
        last[member_id] = (taken_on, value)
    if not at:
        return 0
    change = reliable_change(pre, post, parameters.sd, parameters.reliability, score.direction)
    deteriorated = change.classification == ReliableChangeClass.DETERIORATED
    rci = change.rci.tolist()
    flags = [(admin_ids[k], plan.member_ids[order[k]], post[n], pre[n], rci[n])
             for n, k in enumerate(at) if deteriorated[n]]
    bulk.insert(ResultFlag, {"organization_id": membership.organization_id, "kind": FlagKind.DETERIORATION,
                             "score_id": score.id, "raised_at": now},
                ["administration_id", "member_id", "value", "previous_value", "rci"], flags)
    return len(flags)
