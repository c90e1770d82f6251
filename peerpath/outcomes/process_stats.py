"""Statistics of the process→outcome report (pure: no Django): attendance tertiles,
the log-rank test across them, and a Cox model of job ending (lifelines)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

COVARIATES = ("attendance", "helping", "gses")
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
class CoxResult:
    """A fitted Cox model: its covariates, its concordance (None: not computed, as
    in the time-varying model) and the covariates left out because they had the
    same value in every row."""

    covariates: list[Covariate]
    concordance: float | None = None
    constant: list[str] = field(default_factory=list)

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


def cox_frame(durations: np.ndarray, observed: np.ndarray, member_ids: np.ndarray, attendance: np.ndarray,
              helping_hours: np.ndarray, gses: np.ndarray) -> tuple[pd.DataFrame, int]:
    """The model's rows: attendance share 0–1 expressed per 10 percentage points
    (no group → 0), helping hours, baseline GSES; rows without a GSES score are
    dropped. Returns the frame and the number of rows dropped."""
    import pandas as pd

    frame = pd.DataFrame({
        "duration": durations.astype(float), "event": observed.astype(bool), "member": member_ids.astype(int),
        "attendance": np.nan_to_num(attendance.astype(float), nan=0.0) * 10,
        "helping": helping_hours.astype(float), "gses": gses.astype(float),
    })
    kept = frame.dropna(subset=["gses"]).reset_index(drop=True)
    return kept, len(frame) - len(kept)


def fit_cox(frame: pd.DataFrame) -> CoxResult | CoxRefusal:
    """lifelines' Cox model of job ending on the covariates (robust standard errors
    clustered by member, as a member may have several jobs) and its proportional
    hazards test (``time_transform="rank"``). Not fitted with fewer than
    ``EVENTS_PER_COVARIATE`` events per covariate."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError
    from lifelines.statistics import proportional_hazard_test

    events = int(frame["event"].sum())
    needed = EVENTS_PER_COVARIATE * len(COVARIATES)
    if events < needed:
        return CoxRefusal("few_events", len(frame), events, needed)
    columns = ["duration", "event", "member", *COVARIATES]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter().fit(frame[columns], duration_col="duration", event_col="event", cluster_col="member")
            ph = proportional_hazard_test(cph, frame[columns], time_transform="rank")
    except (ConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
        return CoxRefusal("not_fitted", len(frame), events, needed, str(exc).splitlines()[0] if str(exc) else "")
    covariates = [covariate(cph.summary, name, ph.summary) for name in COVARIATES]
    return CoxResult(covariates=covariates, concordance=float(cph.concordance_index_))
