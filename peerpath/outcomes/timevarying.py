"""Time-varying covariates of the process→outcome report (pure: no Django).

Each job's follow-up (day 0 = the job's start, to its end or censoring day) is
split into consecutive ``INTERVAL_DAYS``-day intervals, the last one shorter. In
the interval starting on day ``a`` the covariates are measured in the
``INTERVAL_DAYS`` days before it, i.e. the dates ``start + a - 90`` to
``start + a - 1``:

- attendance share: the groups app's rate over the member's attendance rows,
  attended (present or late) ÷ expected (present, late or absent; an excused
  absence is not expected); no expected session → 0 and ``no_group`` = 1;
- helping: hours of helping given as a helper;
- gses: the baseline GSES total (fixed).

The job ending (the event) falls in the last interval only. A job that ended on
its first day gets one interval 0–0.5 (lifelines refuses a (0, 0] interval with
an event); a job censored on its first day has no time at risk and no row.

Dates are whole day numbers (``date.toordinal()``). The model is lifelines'
``CoxTimeVaryingFitter``, which has no robust (sandwich) standard errors."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from peerpath.outcomes.process_stats import EVENTS_PER_COVARIATE, CoxRefusal, CoxResult, covariate

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

INTERVAL_DAYS = 90
COVARIATES = ("attendance", "no_group", "helping", "gses")
ZERO_DAY_STOP = 0.5
_SPAN = 10**7  # larger than any day number: member * _SPAN + day orders rows by member, then day


def split_intervals(durations: np.ndarray, observed: np.ndarray, width: int = INTERVAL_DAYS) -> pd.DataFrame:
    """One row per interval: ``row`` (index into ``durations``), ``start``,
    ``stop`` (days since the job's start) and ``event`` (the job ended at
    ``stop``: last interval of an observed job only)."""
    import pandas as pd

    spans: list[tuple[int, float, float, bool]] = []
    for i, (duration, ended) in enumerate(zip(durations.tolist(), observed.tolist(), strict=True)):
        if duration <= 0:
            if ended:
                spans.append((i, 0.0, ZERO_DAY_STOP, True))
            continue
        for a in np.arange(0, duration, width, dtype=float).tolist():
            stop = min(a + width, float(duration))
            spans.append((i, a, stop, bool(ended) and stop == duration))
    rows, starts, stops, events = zip(*spans, strict=True) if spans else ((), (), (), ())
    return pd.DataFrame({"row": np.asarray(rows, dtype=int), "start": np.asarray(starts, dtype=float),
                         "stop": np.asarray(stops, dtype=float), "event": np.asarray(events, dtype=bool)})


def window_sums(member: np.ndarray, day: np.ndarray, weight: np.ndarray, row_member: np.ndarray,
                low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """For each row: the sum of ``weight`` over the records of ``row_member``
    dated ``low`` to ``high`` (both included). Vectorised: records sorted by
    (member, day), cumulative sums, two binary searches per row."""
    if len(row_member) == 0:
        return np.zeros(0, dtype=float)
    key = member.astype(np.int64) * _SPAN + day.astype(np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    cumulative = np.concatenate([[0.0], np.cumsum(weight.astype(float)[order])])
    base = row_member.astype(np.int64) * _SPAN
    left = np.searchsorted(key, base + low.astype(np.int64), side="left")
    right = np.searchsorted(key, base + high.astype(np.int64), side="right")
    return np.asarray(cumulative[right] - cumulative[left], dtype=float)


def long_table(jobs: pd.DataFrame, marks: pd.DataFrame, helping: pd.DataFrame,
               width: int = INTERVAL_DAYS) -> pd.DataFrame:
    """The model's long table, one row per job interval.

    ``jobs``: ``job``, ``member``, ``start_day`` (day number of the job's start),
    ``duration`` (days), ``event`` (bool), ``gses`` (NaN: none).
    ``marks``: ``member``, ``day``, ``attended``, ``expected`` (bools) — one
    attendance row each. ``helping``: ``member``, ``day``, ``minutes``.

    Columns: ``job``, ``member``, ``start``, ``stop``, ``event``, the window's
    ``attended`` and ``expected`` counts, ``attendance`` (share per 10
    percentage points, 0 when no session was expected), ``no_group`` (0/1),
    ``helping`` (hours) and ``gses``."""
    import pandas as pd

    intervals = split_intervals(jobs["duration"].to_numpy(dtype=float), jobs["event"].to_numpy(dtype=bool), width)
    job_rows = jobs.iloc[intervals["row"].to_numpy()].reset_index(drop=True)
    row_member = job_rows["member"].to_numpy(dtype=np.int64)
    opens = job_rows["start_day"].to_numpy(dtype=np.int64) + intervals["start"].to_numpy().astype(np.int64)
    low, high = opens - width, opens - 1

    def count(records: pd.DataFrame, weight: np.ndarray) -> np.ndarray:
        return window_sums(records["member"].to_numpy(dtype=np.int64), records["day"].to_numpy(dtype=np.int64),
                           weight, row_member, low, high)

    attended = count(marks, marks["attended"].to_numpy(dtype=float))
    expected = count(marks, marks["expected"].to_numpy(dtype=float))
    minutes = count(helping, helping["minutes"].to_numpy(dtype=float))
    share = np.divide(attended, expected, out=np.zeros_like(attended), where=expected > 0)
    return pd.DataFrame({
        "job": job_rows["job"].to_numpy(dtype=np.int64), "member": row_member,
        "start": intervals["start"], "stop": intervals["stop"], "event": intervals["event"],
        "attended": attended.astype(int), "expected": expected.astype(int),
        "attendance": share * 10, "no_group": (expected == 0).astype(int),
        "helping": minutes / 60, "gses": job_rows["gses"].to_numpy(dtype=float),
    })


def model_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The intervals of jobs with a baseline GSES score, and how many jobs were
    left out for lack of one."""
    kept = table.dropna(subset=["gses"]).reset_index(drop=True)
    return kept, int(table["job"].nunique()) - int(kept["job"].nunique())


def fit_cox_tv(table: pd.DataFrame) -> CoxResult | CoxRefusal:
    """lifelines' ``CoxTimeVaryingFitter`` of job ending on the covariates of
    ``model_rows`` (``id_col`` = the job). A covariate with the same value in
    every interval cannot be estimated and is left out (named in ``constant``).
    Not fitted with fewer than ``EVENTS_PER_COVARIATE`` events per covariate."""
    from lifelines import CoxTimeVaryingFitter
    from lifelines.exceptions import ConvergenceError

    jobs = int(table["job"].nunique())
    events = int(table["event"].sum())
    constant = [c for c in COVARIATES if table[c].nunique() <= 1]
    used = [c for c in COVARIATES if c not in constant]
    needed = EVENTS_PER_COVARIATE * len(used or COVARIATES)
    if events < needed or not used:
        return CoxRefusal("few_events", jobs, events, needed)
    columns = ["job", "start", "stop", "event", *used]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ctv = CoxTimeVaryingFitter().fit(table[columns], id_col="job", event_col="event", start_col="start",
                                             stop_col="stop")
    except (ConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
        return CoxRefusal("not_fitted", jobs, events, needed, str(exc).splitlines()[0] if str(exc) else "")
    return CoxResult(covariates=[covariate(ctv.summary, name) for name in used], constant=constant)
