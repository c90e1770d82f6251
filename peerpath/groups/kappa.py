"""Inter-coder agreement on critical incidents: Cohen's kappa (pure Python, no Django).

Each incident coded by both coders is, for every factor of the code set, one
yes/no decision per coder ("does this incident show this factor?"). The decisions
of one factor form a 2×2 table; the pooled table adds the tables of all factors.
Kappa itself comes from statsmodels (``cohens_kappa`` on the table), never from a
hand-written estimator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from statsmodels.stats.inter_rater import cohens_kappa  # type: ignore[import-untyped]

# A 2×2 table of counts: [[both yes, first yes / second no], [first no / second yes, both no]].
Table = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class Agreement:
    kappa: float | None  # None when undefined (chance agreement is 1: no variation at all)
    observed: float | None  # share of decisions on which the coders agreed
    decisions: int
    table: Table


@dataclass(frozen=True)
class KappaReport:
    incidents: int  # incidents coded by both coders
    pooled: Agreement
    by_factor: dict[str, Agreement]


def table_of(pairs: Iterable[tuple[bool, bool]]) -> Table:
    """Count (first coder, second coder) yes/no decisions into a 2×2 table."""
    yy = yn = ny = nn = 0
    for first, second in pairs:
        if first and second:
            yy += 1
        elif first:
            yn += 1
        elif second:
            ny += 1
        else:
            nn += 1
    return ((yy, yn), (ny, nn))


def agreement(table: Table) -> Agreement:
    """Cohen's kappa of one 2×2 table (statsmodels)."""
    counts = np.array(table, dtype=float)
    total = int(counts.sum())
    if total == 0:
        return Agreement(None, None, 0, table)
    observed = float(np.trace(counts)) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = float(cohens_kappa(counts, return_results=False))
    return Agreement(kappa if math.isfinite(kappa) else None, observed, total, table)


def kappa_report(codes: Sequence[str], coded: Iterable[tuple[Iterable[str], Iterable[str]]]) -> KappaReport:
    """Kappa pooled over every (incident, factor) decision and per factor.

    ``codes`` are the factor codes of the code set; ``coded`` has, per incident
    coded by both coders, the first and the second coder's factor codes."""
    per_factor: dict[str, list[tuple[bool, bool]]] = {code: [] for code in codes}
    incidents = 0
    for first, second in coded:
        a, b = set(first), set(second)
        incidents += 1
        for code in codes:
            per_factor[code].append((code in a, code in b))
    tables = {code: table_of(pairs) for code, pairs in per_factor.items()}
    pooled = (
        (sum(t[0][0] for t in tables.values()), sum(t[0][1] for t in tables.values())),
        (sum(t[1][0] for t in tables.values()), sum(t[1][1] for t in tables.values())),
    )
    return KappaReport(
        incidents=incidents,
        pooled=agreement(pooled),
        by_factor={code: agreement(table) for code, table in tables.items()},
    )
