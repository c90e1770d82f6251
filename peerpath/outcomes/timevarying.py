"""Time-varying covariates of the process→outcome report (pure: no Django).

Each job's follow-up (day 0 = the job's start, to its end or censoring day) is
split into consecutive ``INTERVAL_DAYS``-day intervals, the last one shorter. In
the interval starting on day ``a`` the covariates are measured in the
``INTERVAL_DAYS`` days before it, i.e. the dates ``start + a - 90`` to
``start + a - 1``:

- ``attended`` (0/1): at least one session attended (present or late);
- ``attendance``: the groups app's rate over the member's attendance rows,
  attended ÷ expected (present, late or absent; an excused absence is not
  expected), among attenders, per 10 percentage points and centred at the mean
  over the attenders' intervals; 0 for non-attenders (``cox.attendance_terms``,
  the same coding as the fixed model);
- helping: hours of helping given as a helper;
- gses: the baseline GSES total (fixed).

The job ending (the event) falls in the last interval only. A job that ended on
its first day gets one interval 0–0.5 (lifelines refuses a (0, 0] interval with
an event); a job censored on its first day has no time at risk and no row.

Dates are whole day numbers (``date.toordinal()``). The model is lifelines'
``CoxTimeVaryingFitter``; it has no robust (sandwich) standard errors
(``robust=True`` raises ``NotImplementedError`` in lifelines 0.30), so the
intervals use ``cox.cluster_robust_tv``: robust standard errors clustered by
member."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from peerpath.outcomes import cox
from peerpath.outcomes.process_stats import EVENTS_PER_COVARIATE, Covariate, CoxRefusal, CoxResult

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

INTERVAL_DAYS = 90
COVARIATES = ("attended", "attendance", "helping", "gses")
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
    ``n_attended`` and ``n_expected`` counts, ``rate`` (attended ÷ expected, 0
    when no session was expected), ``helping`` (hours) and ``gses``; the
    participation terms are coded by ``model_rows``."""
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
        "n_attended": attended.astype(int), "n_expected": expected.astype(int), "rate": share,
        "helping": minutes / 60, "gses": job_rows["gses"].to_numpy(dtype=float),
    })


def model_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, int, float | None]:
    """The intervals of jobs with a baseline GSES score with the participation
    terms ``attended`` and ``attendance`` (``cox.attendance_terms`` over these
    intervals), how many jobs were left out for lack of a score, and the
    attenders' mean rate the attendance term is centred at."""
    kept = table.dropna(subset=["gses"]).reset_index(drop=True)
    terms = cox.attendance_terms(kept["n_attended"].to_numpy(), kept["n_expected"].to_numpy())
    kept = kept.assign(attended=terms.attended, attendance=terms.attendance)
    return kept, int(table["job"].nunique()) - int(kept["job"].nunique()), terms.centre


def fit_cox_tv(table: pd.DataFrame, centre: float | None = None) -> CoxResult | CoxRefusal:
    """lifelines' ``CoxTimeVaryingFitter`` of job ending on the covariates of
    ``model_rows`` (``id_col`` = the job), with 95% intervals and p-values from
    robust standard errors clustered by member (``cox.cluster_robust_tv``). A
    covariate with the same value in every interval cannot be estimated and is
    left out (named in ``constant``). Not fitted with fewer than
    ``EVENTS_PER_COVARIATE`` events per covariate."""
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
        names = [str(name) for name in ctv.params_.index]
        beta = ctv.params_.to_numpy(dtype=float)
        variance = cox.cluster_robust_tv(
            table[names].to_numpy(dtype=float), beta, ctv.variance_matrix_.to_numpy(dtype=float),
            table["start"].to_numpy(dtype=float), table["stop"].to_numpy(dtype=float),
            table["event"].to_numpy(dtype=bool), table["member"].to_numpy())
    except (ConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
        return CoxRefusal("not_fitted", jobs, events, needed, str(exc).splitlines()[0] if str(exc) else "")
    rows = cox.robust_rows(beta, variance)
    by_name = dict(zip(names, rows, strict=True))
    return CoxResult(covariates=[Covariate(name, by_name[name].hazard_ratio, by_name[name].low, by_name[name].high,
                                           by_name[name].p) for name in used], constant=constant, centre=centre)
