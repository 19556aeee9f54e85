"""Carer retention: how long approved households stay, and why they leave.

- :func:`kaplan_meier` - survival curves by tenure (months since approval), censoring-aware (still
  approved at the extract date) and truncation-aware (households that left before the records
  begin are missing, so households approved earlier enter the risk set only when records start).
- :func:`leaving_reasons` - deregistrations by reason and by who initiated them (Ofsted's
  categories), over a period.
- :func:`annual_leaving_rates` - deregistrations per year over households at 31 March, the same
  measure as Ofsted's 15% (mainstream) and 23% (all local authority households).
- :class:`RetentionModel` - a piecewise-constant leaving hazard by tenure band and carer group,
  estimated from occurrences over exposure in a recent window and shrunk towards sourced defaults
  where data are thin. Used by :mod:`sufficiency.supply.capacity` to project and simulate leaving.

Tenure is measured in months of 30.4375 days. Hazards are continuous-time rates per year; the
chance of leaving within a year at a constant rate ``r`` is ``1 - exp(-r)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtri

from sufficiency.supply import defaults
from sufficiency.supply.households import CARER_GROUPS, DEREGISTRATION_REASONS, INITIATORS

DAYS_PER_MONTH = 30.4375
DEFAULT_TENURE_BANDS: tuple[float, ...] = (0.0, 12.0, 24.0, 60.0, 120.0)
"""Lower bounds (months) of the tenure bands: under 1 year, 1-2, 2-5, 5-10 and 10+ years."""

KM_COLUMNS: tuple[str, ...] = (
    "group",
    "tenure_months",
    "at_risk",
    "left",
    "censored",
    "survival",
    "lower",
    "upper",
)

DEFAULT_GROUP_RATES: dict[str, defaults.SourcedFigure] = {
    "mainstream": defaults.ANNUAL_LEAVING_RATE_MAINSTREAM,
    "specialist": defaults.ANNUAL_LEAVING_RATE_SPECIALIST,
    "kinship": defaults.ANNUAL_LEAVING_RATE_KINSHIP,
}
"""Sourced share leaving per year for each carer group, used as the prior."""


def _months_between(start: pd.Series | np.ndarray, end: pd.Series | np.ndarray) -> np.ndarray:
    start_ns = np.asarray(start, dtype="datetime64[ns]")
    end_ns = np.asarray(end, dtype="datetime64[ns]")
    return (end_ns - start_ns).astype("timedelta64[s]").astype(float) / 86400.0 / DAYS_PER_MONTH


def records_complete_from(households: pd.DataFrame) -> pd.Timestamp:
    """The date from which leavers are assumed to be in the records.

    Services usually hold every household approved since some system change, plus those still
    approved. Households that left before then are missing. The earliest deregistration date is
    the best evidence of when leaving began to be recorded (the earliest approval when nobody has
    left yet).
    """
    left = households["deregistration_date"].dropna()
    if len(left):
        return pd.Timestamp(left.min())
    return pd.Timestamp(households["approval_date"].min())


def tenure_band_labels(bands: Sequence[float]) -> list[str]:
    """Plain labels such as 'under 1 year', '1-2 years', '10+ years' for tenure bands in months."""
    labels = []
    for lower, upper in zip(bands, [*bands[1:], np.inf], strict=True):
        lo, hi = lower / 12, upper / 12
        if lower == 0 and np.isfinite(upper):
            labels.append(f"under {hi:g} year{'s' if hi != 1 else ''}")
        elif np.isfinite(upper):
            labels.append(f"{lo:g}-{hi:g} years")
        else:
            labels.append(f"{lo:g}+ years")
    return labels


# --- descriptive -------------------------------------------------------------------------------


def _observation(
    households: pd.DataFrame, extract_date: pd.Timestamp, observed_from: pd.Timestamp
) -> pd.DataFrame:
    """Entry and exit tenure (months) inside the observed period, and whether exit is a leaving."""
    frame = households[
        households["deregistration_date"].isna()
        | (households["deregistration_date"] >= observed_from)
    ]
    frame = frame[frame["approval_date"] <= extract_date]
    end = frame["deregistration_date"].fillna(extract_date).clip(upper=extract_date)
    event = frame["deregistration_date"].notna() & (frame["deregistration_date"] <= extract_date)
    entry_date = frame["approval_date"].clip(lower=observed_from)
    return pd.DataFrame(
        {
            "carer_type": frame["carer_type"].to_numpy(),
            "carer_group": frame["carer_group"].to_numpy(),
            "entry": _months_between(frame["approval_date"], entry_date),
            "exit": _months_between(frame["approval_date"], end),
            "event": event.to_numpy(dtype=bool),
        }
    )


def kaplan_meier(
    households: pd.DataFrame,
    extract_date: pd.Timestamp | str,
    *,
    by: str | None = "carer_group",
    observed_from: pd.Timestamp | str | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier survival by tenure, with Greenwood (log-log) intervals.

    Parameters
    ----------
    households : DataFrame
        :data:`~sufficiency.supply.households.CLEAN_HOUSEHOLDS` rows.
    extract_date : date
        Households still approved then are censored at their tenure on that date.
    by : str or None
        Column to split curves by ('carer_group' or 'carer_type'); None for one curve ('all').
    observed_from : date, optional
        Records are complete (include leavers) from this date; households approved earlier join
        the risk set at their tenure on it (left truncation). Default
        :func:`records_complete_from`.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        group, tenure_months, at_risk, left, censored, survival, lower, upper. The first row of
        each group is tenure 0 with survival 1. ``survival`` is the chance a household is still
        approved that many months after approval.
    """
    extract_date = pd.Timestamp(extract_date)
    start = (
        pd.Timestamp(observed_from)
        if observed_from is not None
        else records_complete_from(households)
    )
    obs = _observation(households, extract_date, start)
    groups = ["all"] if by is None else sorted(obs[by].unique(), key=_group_order)
    z = ndtri(0.5 + level / 2)  # = scipy.stats.norm.ppf
    frames = []
    for group in groups:
        sub = obs if by is None else obs[obs[by] == group]
        entry, exit_, event = sub["entry"].to_numpy(), sub["exit"].to_numpy(), sub["event"]
        event = event.to_numpy()
        times = np.unique(exit_)
        entry_sorted, exit_sorted = np.sort(entry), np.sort(exit_)
        # At risk at t: entered by t and not yet exited before t. Entering at t counts, so that the
        # first recorded leaver (which defines when records begin) is in its own risk set.
        at_risk = np.searchsorted(entry_sorted, times, side="right") - np.searchsorted(
            exit_sorted, times, side="left"
        )
        left = np.bincount(np.searchsorted(times, exit_[event]), minlength=len(times))
        censored = np.bincount(np.searchsorted(times, exit_[~event]), minlength=len(times))
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(at_risk > 0, 1 - left / at_risk, 1.0)
            survival = np.cumprod(step)
            greenwood = np.cumsum(
                np.where((at_risk > left) & (at_risk > 0), left / (at_risk * (at_risk - left)), 0)
            )
            log_s = np.log(survival)
            se = np.sqrt(greenwood) / np.abs(log_s)
            lower = survival ** np.exp(z * se)
            upper = survival ** np.exp(-z * se)
        no_spread = ~np.isfinite(se) | (survival <= 0) | (survival >= 1)
        lower = np.where(no_spread, survival, lower)
        upper = np.where(no_spread, survival, upper)
        curve = pd.DataFrame(
            {
                "group": group,
                "tenure_months": times,
                "at_risk": at_risk,
                "left": left,
                "censored": censored,
                "survival": survival,
                "lower": lower,
                "upper": upper,
            }
        )
        curve = curve[(curve["left"] > 0) | (curve["censored"] > 0)]
        origin = pd.DataFrame(
            {
                "group": [group],
                "tenure_months": [0.0],
                "at_risk": [int((entry <= 0).sum())],
                "left": [0],
                "censored": [0],
                "survival": [1.0],
                "lower": [1.0],
                "upper": [1.0],
            }
        )
        frames.append(pd.concat([origin, curve], ignore_index=True))
    if not frames:
        return pd.DataFrame(columns=list(KM_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _group_order(group: str) -> tuple[int, str]:
    order = {name: i for i, name in enumerate(CARER_GROUPS)}
    return (order.get(group, len(order)), group)


def survival_at(curve: pd.DataFrame, months: float, group: str | None = None) -> float:
    """Kaplan-Meier survival at ``months`` of tenure (a step function) for one group."""
    sub = curve if group is None else curve[curve["group"] == group]
    sub = sub[sub["tenure_months"] <= months]
    return float(sub["survival"].iloc[-1]) if len(sub) else 1.0


def leaving_reasons(
    households: pd.DataFrame,
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Deregistrations by reason over a period.

    Parameters
    ----------
    households : DataFrame
        Clean household rows.
    start, end : date, optional
        Count households deregistered from ``start`` to ``end`` inclusive (default: all).
    by : str, optional
        Also split by this column (e.g. 'carer_group').

    Returns
    -------
    DataFrame
        [by,] reason, label, initiated_by, initiator, households, share (of leavers in the split,
        0-1), sorted by households, largest first. Every reason appears (zero rows included).
    """
    left = households[households["deregistration_date"].notna()]
    if start is not None:
        left = left[left["deregistration_date"] >= pd.Timestamp(start)]
    if end is not None:
        left = left[left["deregistration_date"] <= pd.Timestamp(end)]
    reasons = pd.DataFrame(
        {
            "reason": list(DEREGISTRATION_REASONS),
            "label": [label for label, _ in DEREGISTRATION_REASONS.values()],
            "initiated_by": [who for _, who in DEREGISTRATION_REASONS.values()],
        }
    )
    reasons["initiator"] = reasons["initiated_by"].map(INITIATORS)
    splits = [None] if by is None else sorted(households[by].unique(), key=_group_order)
    frames = []
    for split in splits:
        sub = left if split is None else left[left[by] == split]
        counts = sub["deregistration_reason"].value_counts()
        frame = reasons.copy()
        frame["households"] = frame["reason"].map(counts).fillna(0).astype(int)
        total = frame["households"].sum()
        frame["share"] = frame["households"] / total if total else 0.0
        if split is not None:
            frame.insert(0, by, split)
        frames.append(frame.sort_values("households", ascending=False, kind="stable"))
    return pd.concat(frames, ignore_index=True)


def annual_leaving_rates(
    households: pd.DataFrame,
    extract_date: pd.Timestamp | str,
    *,
    by: str | None = "carer_group",
    observed_from: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Households deregistered in each year ending 31 March, over households approved then.

    Only complete years inside the observed period are returned.

    Returns
    -------
    DataFrame
        year (int, year ending 31 March), group, households_start, approved, deregistered,
        households_end, leaving_rate (deregistered / households_end, as Ofsted reports it).
    """
    extract_date = pd.Timestamp(extract_date)
    start = (
        pd.Timestamp(observed_from)
        if observed_from is not None
        else records_complete_from(households)
    )
    if pd.isna(start):
        start = extract_date
    first_year = start.year + (1 if start > pd.Timestamp(start.year, 3, 31) else 0) + 1
    last_year = (
        extract_date.year
        if extract_date >= pd.Timestamp(extract_date.year, 3, 31)
        else (extract_date.year - 1)
    )
    groups = ["all"] if by is None else sorted(households[by].unique(), key=_group_order)
    approval_all = households["approval_date"].to_numpy(dtype="datetime64[ns]")
    left_all = households["deregistration_date"].to_numpy(dtype="datetime64[ns]")
    never = np.datetime64("2262-01-01", "ns")
    left_all = np.where(np.isnat(left_all), never, left_all)
    labels = np.full(len(households), "all", dtype=object) if by is None else households[by]
    labels = np.asarray(labels, dtype=object)
    rows = []
    for year in range(first_year, last_year + 1):
        year_start = np.datetime64(pd.Timestamp(year - 1, 3, 31), "ns")
        year_end = np.datetime64(pd.Timestamp(year, 3, 31), "ns")
        for group in groups:
            mask = labels == group
            approved_by, left = approval_all[mask], left_all[mask]
            at_start = (approved_by <= year_start) & (left > year_start)
            at_end = (approved_by <= year_end) & (left > year_end)
            approved = (approved_by > year_start) & (approved_by <= year_end)
            deregistered = (left > year_start) & (left <= year_end)
            rows.append(
                {
                    "year": year,
                    "group": group,
                    "households_start": int(at_start.sum()),
                    "approved": int(approved.sum()),
                    "deregistered": int(deregistered.sum()),
                    "households_end": int(at_end.sum()),
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "year",
            "group",
            "households_start",
            "approved",
            "deregistered",
            "households_end",
        ],
    )
    frame["leaving_rate"] = frame["deregistered"] / frame["households_end"].where(
        frame["households_end"] > 0
    )
    return frame


# --- model -------------------------------------------------------------------------------------


class RetentionModel:
    """Piecewise-constant leaving hazard by tenure band and carer group.

    Parameters
    ----------
    tenure_bands : sequence of float
        Lower bounds of the tenure bands in months, starting at 0.
    window_years : float
        Estimate from leavings and exposure in the last ``window_years`` before the extract date
        (recent behaviour; also never earlier than the records are complete).
    prior_household_years : float
        Strength of the prior in household-years: a group's rate is shrunk towards its sourced
        default, and each band towards its group's rate, as if this much exposure had been seen
        at the prior rate. Small schemes borrow strength; large services follow their own data.
    default_rates : mapping, optional
        Share leaving per year for each carer group (0-1). Default :data:`DEFAULT_GROUP_RATES`.
    group_column : str
        'carer_group' (default) or 'carer_type'. Groups without a default use the mainstream one.

    Attributes
    ----------
    hazard_table_ : DataFrame
        group, tenure_band, tenure_from_months, tenure_to_months, left, exposure_years,
        observed_rate, annual_rate (per year, after shrinkage), lower_80, upper_80,
        chance_leaving_within_year.
    group_rates_ : dict
        Fitted annual hazard per group (all tenures).
    extract_date_ : Timestamp
    """

    def __init__(
        self,
        tenure_bands: Sequence[float] = DEFAULT_TENURE_BANDS,
        window_years: float = 5.0,
        prior_household_years: float = 10.0,
        default_rates: Mapping[str, float] | None = None,
        group_column: str = "carer_group",
    ) -> None:
        self.tenure_bands = tenure_bands
        self.window_years = window_years
        self.prior_household_years = prior_household_years
        self.default_rates = default_rates
        self.group_column = group_column

    def _prior_rate(self, group: str) -> float:
        rates = (
            {name: float(value) for name, value in DEFAULT_GROUP_RATES.items()}
            if self.default_rates is None
            else {name: float(value) for name, value in self.default_rates.items()}
        )
        share = rates.get(group, rates.get("mainstream", 0.15))
        return -np.log1p(-min(max(share, 0.0), 0.99))

    def fit(
        self, households: pd.DataFrame, extract_date: pd.Timestamp | str | None = None
    ) -> RetentionModel:
        """Estimate hazards from household records.

        Parameters
        ----------
        households : DataFrame
            Clean household rows (may be empty: the model then holds the sourced defaults).
        extract_date : date, optional
            Default: the latest approval or deregistration date.
        """
        bands = np.asarray(self.tenure_bands, dtype=float)
        if bands[0] != 0 or np.any(np.diff(bands) <= 0):
            raise ValueError("tenure_bands must start at 0 and increase")
        if self.window_years <= 0 or self.prior_household_years < 0:
            raise ValueError("window_years must be positive and prior_household_years >= 0")
        if extract_date is None:
            dates = pd.concat([households["approval_date"], households["deregistration_date"]])
            extract_date = dates.max()
        extract = pd.Timestamp(extract_date)
        window_start = extract - pd.DateOffset(months=int(round(self.window_years * 12)))
        if len(households):
            window_start = max(window_start, records_complete_from(households))
        obs = _observation(households, extract, window_start)
        upper = np.append(bands[1:], np.inf)
        # Months of exposure of each household in each band: overlap of [entry, exit] with bands.
        entry, exit_ = obs["entry"].to_numpy()[:, None], obs["exit"].to_numpy()[:, None]
        exposure = np.clip(np.minimum(exit_, upper) - np.maximum(entry, bands), 0, None)
        band_of_exit = np.searchsorted(bands, obs["exit"].to_numpy(), side="right") - 1
        group_values = obs[self.group_column].to_numpy()
        groups = list(
            CARER_GROUPS if self.group_column == "carer_group" else sorted(set(group_values))
        )
        for group in sorted(set(group_values), key=_group_order):
            if group not in groups:
                groups.append(group)
        prior_exposure = float(self.prior_household_years)
        rows, group_rates = [], {}
        labels = tenure_band_labels(bands)
        for group in groups:
            mask = group_values == group
            events_b = np.bincount(
                band_of_exit[mask & obs["event"].to_numpy()], minlength=len(bands)
            )[: len(bands)]
            exposure_b = exposure[mask].sum(axis=0) / 12.0
            prior = self._prior_rate(group)
            group_rate = (events_b.sum() + prior * prior_exposure) / (
                exposure_b.sum() + prior_exposure
            )
            group_rates[group] = float(group_rate)
            shape = events_b + group_rate * prior_exposure
            rate = exposure_b + prior_exposure
            with np.errstate(divide="ignore", invalid="ignore"):
                observed = np.where(exposure_b > 0, events_b / exposure_b, np.nan)
            if prior_exposure == 0:
                shape = np.where(exposure_b > 0, events_b, group_rate)
                rate = np.where(exposure_b > 0, exposure_b, 1.0)
            annual = shape / rate
            # scipy.stats.gamma.ppf(q, a, scale=1 / rate), as it computes it, without importing
            # scipy.stats (~1 s on a fresh server, for the first page to open)
            lower = gammaincinv(np.maximum(shape, 1e-9), 0.1) * (1 / rate)
            upper_q = gammaincinv(np.maximum(shape, 1e-9), 0.9) * (1 / rate)
            for k in range(len(bands)):
                rows.append(
                    {
                        "group": group,
                        "tenure_band": labels[k],
                        "tenure_from_months": bands[k],
                        "tenure_to_months": upper[k],
                        "left": int(events_b[k]),
                        "exposure_years": float(exposure_b[k]),
                        "observed_rate": float(observed[k]),
                        "annual_rate": float(annual[k]),
                        "lower_80": float(lower[k]),
                        "upper_80": float(upper_q[k]),
                    }
                )
        table = pd.DataFrame(rows)
        table["chance_leaving_within_year"] = 1 - np.exp(-table["annual_rate"])
        self.hazard_table_ = table
        self.group_rates_ = group_rates
        self.extract_date_ = extract
        self.window_start_ = window_start
        self._rates = {
            group: table.loc[table["group"] == group, "annual_rate"].to_numpy() for group in groups
        }
        return self

    def scaled(self, multiplier: float) -> RetentionModel:
        """A copy of the fitted model with every leaving rate times ``multiplier`` (>= 0)."""
        self._check_fitted()
        if not multiplier >= 0:
            raise ValueError("multiplier must not be negative")
        copy = RetentionModel(
            self.tenure_bands,
            self.window_years,
            self.prior_household_years,
            self.default_rates,
            self.group_column,
        )
        table = self.hazard_table_.copy()
        for column in ("annual_rate", "lower_80", "upper_80"):
            table[column] = table[column] * multiplier
        table["chance_leaving_within_year"] = 1 - np.exp(-table["annual_rate"])
        copy.hazard_table_ = table
        copy.group_rates_ = {group: rate * multiplier for group, rate in self.group_rates_.items()}
        copy.extract_date_ = self.extract_date_
        copy.window_start_ = self.window_start_
        copy._rates = {group: rates * multiplier for group, rates in self._rates.items()}
        return copy

    def _check_fitted(self) -> None:
        if not hasattr(self, "hazard_table_"):
            raise RuntimeError("call fit() before using the retention model")

    def annual_rate(
        self, groups: Sequence[str] | np.ndarray, tenure_months: np.ndarray
    ) -> np.ndarray:
        """Leaving hazard per year for each (group, tenure) pair; tenure broadcasts over columns.

        Parameters
        ----------
        groups : array of str, shape (n,)
        tenure_months : array, shape (n,) or (n, m)
        """
        self._check_fitted()
        bands = np.asarray(self.tenure_bands, dtype=float)
        tenure = np.asarray(tenure_months, dtype=float)
        index = np.clip(np.searchsorted(bands, tenure, side="right") - 1, 0, len(bands) - 1)
        groups = np.asarray(groups, dtype=object)
        fallback = self._rates.get("mainstream", next(iter(self._rates.values())))
        table = (
            np.stack([self._rates.get(g, fallback) for g in groups])
            if len(groups)
            else (np.zeros((0, len(bands))))
        )
        if tenure.ndim == 1:
            return table[np.arange(len(groups)), index]
        return np.take_along_axis(table, index, axis=1)

    def monthly_leaving_probability(
        self, groups: Sequence[str] | np.ndarray, tenure_months: np.ndarray
    ) -> np.ndarray:
        """Chance of leaving within the month starting at ``tenure_months``."""
        return 1 - np.exp(-self.annual_rate(groups, tenure_months) / 12.0)

    def survival_curve(self, group: str, months: int = 240) -> pd.DataFrame:
        """Model survival from approval: tenure_months 0..months, survival (chance still approved)."""
        tenure = np.arange(months + 1, dtype=float)
        monthly = self.monthly_leaving_probability([group], tenure[None, :-1])[0]
        survival = np.concatenate([[1.0], np.cumprod(1 - monthly)])
        return pd.DataFrame({"group": group, "tenure_months": tenure, "survival": survival})

    def survival_matrix(
        self, households: pd.DataFrame, start: pd.Timestamp | str, horizon_months: int
    ) -> np.ndarray:
        """Chance each household is still approved at each month end 0..horizon, given approved at
        ``start`` (month 0 is 1)."""
        groups, tenure = self._tenure_grid(households, start, horizon_months)
        monthly = self.monthly_leaving_probability(groups, tenure)
        ones = np.ones((len(households), 1))
        return np.concatenate([ones, np.cumprod(1 - monthly, axis=1)], axis=1)

    def _tenure_grid(
        self, households: pd.DataFrame, start: pd.Timestamp | str, horizon_months: int
    ) -> tuple[np.ndarray, np.ndarray]:
        start = pd.Timestamp(start)
        tenure0 = np.maximum(
            _months_between(
                households["approval_date"], np.full(len(households), start.to_datetime64())
            ),
            0,
        )
        tenure = tenure0[:, None] + np.arange(horizon_months)[None, :]
        return households[self.group_column].to_numpy(dtype=object), tenure

    def predict(
        self, households: pd.DataFrame, start: pd.Timestamp | str, horizon_months: int
    ) -> pd.DataFrame:
        """Expected households still approved at each month end, by group.

        Parameters
        ----------
        households : DataFrame
            Households approved at ``start`` (others are ignored).
        start : date
            Month 0.
        horizon_months : int

        Returns
        -------
        DataFrame
            horizon_month, month (month-end date), group, expected_households.
        """
        from sufficiency.supply.households import households_on

        start = pd.Timestamp(start)
        current = households_on(households, start)
        survival = self.survival_matrix(current, start, horizon_months)
        months = month_ends(start, horizon_months)
        groups = current[self.group_column].to_numpy(dtype=object)
        frames = []
        for group in sorted(set(groups), key=_group_order):
            frames.append(
                pd.DataFrame(
                    {
                        "horizon_month": np.arange(horizon_months + 1),
                        "month": months,
                        "group": group,
                        "expected_households": survival[groups == group].sum(axis=0),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(columns=["horizon_month", "month", "group", "expected_households"])
        return pd.concat(frames, ignore_index=True)

    def simulate(
        self,
        households: pd.DataFrame,
        start: pd.Timestamp | str,
        horizon_months: int,
        n_paths: int = 500,
        random_state: int | np.random.Generator | None = None,
    ) -> np.ndarray:
        """Simulated month each household leaves.

        Returns
        -------
        ndarray of int, shape (n_paths, n_households)
            The month (1..horizon) in whose course the household is deregistered, or
            ``horizon + 1`` when it is still approved at the end. Month 0 is ``start``.
        """
        rng = np.random.default_rng(random_state)
        survival = self.survival_matrix(households, start, horizon_months)[:, 1:]
        draws = rng.random((n_paths, len(households)))
        # Leaves in the first month whose survival falls below the household's uniform draw.
        return (survival[None, :, :] >= draws[:, :, None]).sum(axis=2) + 1


def month_ends(start: pd.Timestamp | str, horizon_months: int) -> pd.DatetimeIndex:
    """Month 0 (the month end on or after ``start``) and the next ``horizon_months`` month ends."""
    first = pd.Timestamp(start) + pd.offsets.MonthEnd(0)
    return pd.date_range(first, periods=horizon_months + 1, freq="ME")
