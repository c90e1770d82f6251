"""Statistics of the process→outcome report (pure: no Django): attendance tertiles,
the log-rank tests across them, and a Cox model of job ending (lifelines), with
the helpers of ``peerpath.outcomes.cox``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from peerpath.outcomes import cox

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

COVARIATES = ("attended", "attendance", "helping", "gses")
EVENTS_PER_COVARIATE = 10
PH_ALPHA = 0.05


@dataclass(frozen=True)
class Tertiles:
    codes: np.ndarray  # per row: 0, 1, 2 (… fewer when shares tie), or -1 for "no group"
    edges: list[float]  # bin edges, shares 0–1 (len = bins + 1)

    @property
    def bins(self) -> int:
        return max(0, len(self.edges) - 1)


def tertiles(shares: np.ndarray) -> Tertiles:
    """Rows with a share (not NaN) cut at the tertiles of the shares
    (``pandas.qcut``; tied edges merge bins); NaN rows get -1."""
    import pandas as pd

    codes = np.full(len(shares), -1, dtype=int)
    known = ~np.isnan(shares)
    if known.sum() < 3:
        return Tertiles(codes, [])
    cut, edges = pd.qcut(shares[known], 3, labels=False, retbins=True, duplicates="drop")
    codes[known] = np.asarray(cut, dtype=int)
    return Tertiles(codes, [float(e) for e in edges])


@dataclass(frozen=True)
class LogRank:
    statistic: float
    df: int
    p: float


def logrank(durations: np.ndarray, observed: np.ndarray, groups: np.ndarray) -> LogRank | None:
    """lifelines' multivariate log-rank test across ``groups``; None with fewer
    than two groups."""
    if len(set(groups.tolist())) < 2:
        return None
    from lifelines.statistics import multivariate_logrank_test

    result = multivariate_logrank_test(durations, groups, observed)
    return LogRank(float(result.test_statistic), int(result.degrees_of_freedom), float(result.p_value))


@dataclass(frozen=True)
class Covariate:
    """A covariate's hazard ratio with its 95% CI and p, and its proportional
    hazards test (None: not tested, as in the time-varying model)."""

    name: str
    hazard_ratio: float
    low: float
    high: float
    p: float
    ph_statistic: float | None = None
    ph_p: float | None = None

    @property
    def ph_violated(self) -> bool:
        return self.ph_p is not None and self.ph_p < PH_ALPHA


def covariate(summary: Any, name: str, ph_summary: Any = None) -> Covariate:
    """``name``'s row of a lifelines summary (and of a proportional hazards test's)."""
    row = summary.loc[name]
    tested = ph_summary is not None and name in ph_summary.index
    return Covariate(
        name=name, hazard_ratio=float(row["exp(coef)"]), low=float(row["exp(coef) lower 95%"]),
        high=float(row["exp(coef) upper 95%"]), p=float(row["p"]),
        ph_statistic=float(ph_summary.loc[name, "test_statistic"]) if tested else None,
        ph_p=float(ph_summary.loc[name, "p"]) if tested else None,
    )


@dataclass(frozen=True)
class PHGlobal:
    statistic: float
    df: int
    p: float


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model: its covariates, its concordance (None: not computed, as
    in the time-varying model), the covariates left out because they had the
    same value in every row, the global proportional hazards test (None: not
    computed) and the attenders' mean attendance rate the rate is centred at."""

    covariates: list[Covariate]
    concordance: float | None = None
    constant: list[str] = field(default_factory=list)
    ph_global: PHGlobal | None = None
    centre: float | None = None

    @property
    def ph_violated(self) -> list[str]:
        return [c.name for c in self.covariates if c.ph_violated]


@dataclass(frozen=True)
class CoxRefusal:
    """The model was not fitted: ``reason`` is "few_events" or "not_fitted"."""

    reason: str
    n: int
    events: int
    needed: int
    detail: str = ""


def cox_frame(durations: np.ndarray, observed: np.ndarray, member_ids: np.ndarray, attended: np.ndarray,
              expected: np.ndarray, helping_hours: np.ndarray, gses: np.ndarray) -> tuple[pd.DataFrame, int, float | None]:
    """The model's rows: ``attended`` (0/1: at least one group session attended
    in the window), ``attendance`` (the rate attended ÷ expected among attenders,
    per 10 percentage points, centred at the attenders' mean rate; 0 for
    non-attenders — ``cox.attendance_terms``, as in the time-varying model),
    helping hours, baseline GSES. Rows without a GSES score are dropped first.
    Returns the frame, the number of rows dropped and the centre (rate 0–1)."""
    import pandas as pd

    frame = pd.DataFrame({
        "duration": durations.astype(float), "event": observed.astype(bool), "member": member_ids.astype(int),
        "n_attended": attended.astype(float), "n_expected": expected.astype(float),
        "helping": helping_hours.astype(float), "gses": gses.astype(float),
    })
    kept = frame.dropna(subset=["gses"]).reset_index(drop=True)
    terms = cox.attendance_terms(kept.pop("n_attended").to_numpy(), kept.pop("n_expected").to_numpy())
    kept.insert(3, "attended", terms.attended)
    kept.insert(4, "attendance", terms.attendance)
    return kept, len(frame) - len(kept), terms.centre


def fit_cox(frame: pd.DataFrame, centre: float | None = None) -> CoxResult | CoxRefusal:
    """lifelines' Cox model of job ending on the covariates with robust standard
    errors clustered by member (a member may have several jobs), and the
    Grambsch–Therneau proportional hazards tests per covariate and global
    (``cox.ph_tests``, rank of time, model-based variance). A covariate with the
    same value in every row is left out (named in ``constant``). Not fitted with
    fewer than ``EVENTS_PER_COVARIATE`` events per covariate."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    events = int(frame["event"].sum())
    constant = [c for c in COVARIATES if frame[c].nunique() <= 1]
    used = [c for c in COVARIATES if c not in constant]
    needed = EVENTS_PER_COVARIATE * len(used or COVARIATES)
    if events < needed or not used:
        return CoxRefusal("few_events", len(frame), events, needed)
    columns = ["duration", "event", "member", *used]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter().fit(frame[columns], duration_col="duration", event_col="event", cluster_col="member",
                                    robust=True)
            ph = cox.ph_tests(cph, frame[columns], transform="rank")
    except (ConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
        return CoxRefusal("not_fitted", len(frame), events, needed, str(exc).splitlines()[0] if str(exc) else "")
    covariates = [replace(covariate(cph.summary, name), ph_statistic=ph.per_covariate[name][0],
                          ph_p=ph.per_covariate[name][1]) for name in used]
    return CoxResult(covariates=covariates, concordance=float(cph.concordance_index_), constant=constant,
                     ph_global=PHGlobal(ph.statistic, ph.df, ph.p), centre=centre)
