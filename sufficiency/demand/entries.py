"""Monthly entries into care by age band: Prophet per band, with a plain fallback for short history.

Entries are treated as a Poisson process whose monthly mean (level, trend and yearly seasonality) comes
from Prophet. Prophet's trend uncertainty is exposed as sampled mean paths, so the stock-flow simulation
can carry it through to the stock: each simulated path follows one sampled mean path and draws Poisson
counts around it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.errors import SufficiencyError

_FALLBACK = "mean of recent months"
_PROPHET = "prophet"


def _quiet_prophet_logs() -> None:
    # cmdstanpy installs its INFO handler on first use; initialise it, then raise the level
    from cmdstanpy.utils.logging import get_logger

    get_logger().setLevel(logging.CRITICAL)  # Prophet retries failed optimisations itself
    logging.getLogger("prophet").setLevel(logging.ERROR)


@dataclass(frozen=True)
class _RecentMean:
    """Fallback state for one series: the recent monthly mean and the evidence behind it."""

    total: float
    months: int

    @property
    def mean(self) -> float:
        return self.total / max(self.months, 1)


class MonthlyEntries:
    """Monthly entries per series (age band), Prophet where history allows.

    Parameters
    ----------
    min_history_months : int, default 24
        Series with fewer months than this use the fallback: the mean of the last
        ``fallback_months`` months, flat, with Gamma uncertainty on the mean.
    fallback_months : int, default 24
        Months averaged by the fallback.
    yearly_fourier_order : int, default 3
        Prophet's yearly seasonality order; low because monthly counts per band are small.
    changepoint_prior_scale : float, default 0.05
        Prophet's trend flexibility (its own default).
    growth : {"linear", "flat"}, default "linear"
        Prophet's trend: linear with changepoints, or a flat level (seasonality still fitted).
    n_samples : int, default 200
        Number of sampled mean paths (Prophet trend uncertainty) kept for simulation.
    random_state : int, default 0
        Seed for Prophet's trend sampling and the fallback's Gamma draws.

    Attributes
    ----------
    series_ : tuple of str
        Series identifiers in the order of the last axis of :meth:`sample_means`.
    last_date_ : pandas.Timestamp
        Last month end in the history; forecasts start the month after.
    methods_ : dict
        Series id -> ``"prophet"`` or ``"mean of recent months"``.
    models_ : dict
        Series id -> fitted ``prophet.Prophet`` or the fallback state.
    """

    def __init__(
        self,
        min_history_months: int = 24,
        fallback_months: int = 24,
        yearly_fourier_order: int = 3,
        changepoint_prior_scale: float = 0.05,
        growth: str = "linear",
        n_samples: int = 200,
        random_state: int = 0,
    ) -> None:
        self.min_history_months = min_history_months
        self.fallback_months = fallback_months
        self.yearly_fourier_order = yearly_fourier_order
        self.changepoint_prior_scale = changepoint_prior_scale
        self.growth = growth
        self.n_samples = n_samples
        self.random_state = random_state

    # --- fitting --------------------------------------------------------------------------

    def _new_prophet(self):
        from prophet import Prophet

        return Prophet(
            growth=self.growth,
            yearly_seasonality=self.yearly_fourier_order if self.yearly_fourier_order else False,
            weekly_seasonality=False,
            daily_seasonality=False,
            changepoint_prior_scale=self.changepoint_prior_scale,
            uncertainty_samples=self.n_samples,
        )

    def fit(self, history: pd.DataFrame) -> MonthlyEntries:
        """Fit one model per series.

        Parameters
        ----------
        history : pandas.DataFrame
            Long frame with ``unique_id`` (age band), ``ds`` (month end) and ``y`` (entries that
            month, children). Months without entries must be present with ``y = 0``.

        Returns
        -------
        MonthlyEntries
            ``self``.
        """
        missing = {"unique_id", "ds", "y"} - set(history.columns)
        if missing:
            raise SufficiencyError(
                f"Monthly entries need columns unique_id, ds and y; missing {sorted(missing)}."
            )
        if history.empty:
            raise SufficiencyError(
                "No months of entries to learn from: the data holds no children entering care. "
                "Check the episodes file covers at least one year."
            )
        _quiet_prophet_logs()
        frame = history.assign(
            unique_id=history["unique_id"].astype(str),
            ds=pd.to_datetime(history["ds"]),
            y=pd.to_numeric(history["y"]).astype("float64"),
        )
        self.series_ = tuple(dict.fromkeys(frame["unique_id"]))
        self.last_date_ = frame["ds"].max()
        self.models_: dict[str, object] = {}
        self._point_cache: dict = {}
        self.methods_: dict[str, str] = {}
        for series_id in self.series_:
            one = frame.loc[frame["unique_id"] == series_id, ["ds", "y"]].sort_values("ds")
            enough = len(one) >= self.min_history_months and (one["y"] > 0).sum() >= 3
            if enough:
                model = self._new_prophet()
                model.fit(one.reset_index(drop=True))
                self.models_[series_id] = model
                self.methods_[series_id] = _PROPHET
            else:
                recent = one.tail(self.fallback_months)
                self.models_[series_id] = _RecentMean(float(recent["y"].sum()), len(recent))
                self.methods_[series_id] = _FALLBACK
        return self

    # --- prediction -----------------------------------------------------------------------

    def _future(self, horizon: int) -> pd.DataFrame:
        dates = pd.date_range(self.last_date_, periods=horizon + 1, freq="ME")[1:]
        return pd.DataFrame({"ds": dates})

    def _point(self, model, horizon: int) -> pd.DataFrame:
        """Prophet's point forecast (yhat and trend), without its own interval sampling."""
        key = (id(model), horizon)
        cache = self.__dict__.setdefault("_point_cache", {})
        if key not in cache:
            samples = model.uncertainty_samples
            model.uncertainty_samples = 0  # intervals come from sample_means, not predict
            try:
                cache[key] = model.predict(self._future(horizon))[["yhat", "trend"]]
            finally:
                model.uncertainty_samples = samples
        return cache[key]

    def predict_mean(self, horizon: int) -> np.ndarray:
        """Expected entries per month, shape ``(horizon, n_series)``, never negative."""
        self._check_fitted()
        out = np.zeros((horizon, len(self.series_)))
        for j, series_id in enumerate(self.series_):
            model = self.models_[series_id]
            if isinstance(model, _RecentMean):
                out[:, j] = model.mean
            else:
                out[:, j] = self._point(model, horizon)["yhat"].to_numpy()
        return np.clip(out, 0.0, None)

    def sample_means(self, horizon: int, random_state: int | None = None) -> np.ndarray:
        """Sampled monthly entry means, shape ``(n_samples, horizon, n_series)``.

        For Prophet series each sample is one of Prophet's simulated trend paths plus the fitted
        seasonality (observation noise is left to the Poisson draw); a flat trend is scaled by a
        draw of the level's Gamma posterior instead, as Prophet samples no uncertainty for it. For fallback series the mean is
        drawn from its Gamma posterior (Jeffreys prior) and held flat.
        """
        self._check_fitted()
        seed = self.random_state if random_state is None else random_state
        rng = np.random.default_rng(seed)
        future = self._future(horizon)
        out = np.zeros((self.n_samples, horizon, len(self.series_)))
        for j, series_id in enumerate(self.series_):
            model = self.models_[series_id]
            if isinstance(model, _RecentMean):
                draws = rng.gamma(model.total + 0.5, 1.0 / max(model.months, 1), self.n_samples)
                out[:, :, j] = draws[:, None]
                continue
            point = self._point(model, horizon)
            seasonal = (point["yhat"] - point["trend"]).to_numpy()
            model.uncertainty_samples = self.n_samples
            # Prophet samples trend changes with numpy's global generator: seed it, then restore it
            # so callers' random streams are untouched.
            saved = np.random.get_state()
            np.random.seed(int(rng.integers(2**31 - 1)))
            try:
                samples = model.predictive_samples(future)
            finally:
                np.random.set_state(saved)
            trend = np.asarray(samples["trend"])  # (horizon, n_samples)
            paths = (trend + seasonal[:, None]).T
            if getattr(model, "growth", "linear") == "flat":
                # A flat trend has no sampled uncertainty in Prophet; draw the level's own
                # uncertainty instead (Gamma posterior of a Poisson mean: about 1/sqrt(entries)).
                entries = float(model.history["y"].sum())
                paths = (
                    paths * rng.gamma(entries + 0.5, 1.0 / (entries + 0.5), self.n_samples)[:, None]
                )
            out[:, :, j] = paths
        return np.clip(out, 0.0, None)

    def predict(self, horizon: int) -> pd.DataFrame:
        """Long frame ``unique_id, ds, yhat`` of expected entries per month (children)."""
        mean = self.predict_mean(horizon)
        dates = self._future(horizon)["ds"]
        return pd.DataFrame(
            {
                "unique_id": np.repeat(np.array(self.series_, dtype=object), horizon),
                "ds": np.tile(dates.to_numpy(), len(self.series_)),
                "yhat": mean.T.ravel(),
            }
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise SufficiencyError("The entries model has not been fitted yet: call fit first.")


def monthly_entries_history(
    movements: pd.DataFrame,
    month_ends: pd.DatetimeIndex,
    age_bands: tuple[str, ...],
) -> pd.DataFrame:
    """Entries per month and age band from MOVEMENTS, zero-filled, as ``unique_id, ds, y``.

    Parameters
    ----------
    movements : pandas.DataFrame
        MOVEMENTS schema frame.
    month_ends : pandas.DatetimeIndex
        The months to count (month-end dates); entries outside them are ignored.
    age_bands : tuple of str
        Series to produce, in order.
    """
    entries = movements.loc[movements["movement"] == "entry", ["date", "to_age_band", "children"]]
    month = pd.to_datetime(entries["date"]) + pd.offsets.MonthEnd(0)
    counts = (
        pd.DataFrame(
            {
                "ds": month.dt.normalize(),
                "unique_id": entries["to_age_band"].astype(object),
                "y": pd.to_numeric(entries["children"]).astype("float64"),
            }
        )
        .groupby(["unique_id", "ds"])["y"]
        .sum()
    )
    full = pd.MultiIndex.from_product(
        [list(age_bands), pd.DatetimeIndex(month_ends).normalize()], names=["unique_id", "ds"]
    )
    return counts.reindex(full, fill_value=0.0).reset_index()


def level_weights(months: int, halflife: float | None) -> np.ndarray:
    """Weights of the last ``months`` months, oldest first: equal, or halving every ``halflife``
    months back from the last (which has weight 1)."""
    if not halflife:
        return np.ones(int(months))
    back = np.arange(int(months) - 1, -1, -1, dtype=float)
    return 0.5 ** (back / float(halflife))


class DampedTrendEntries:
    """Monthly entries per age band from the recent level, with a damped trend.

    The level is each band's mean over the last ``level_months`` months. The trend is the least
    squares slope of all entries over the last ``trend_months`` months (children a month, per
    month), carried forward from the middle of the level window and damped by ``damping`` each
    month, so it fades: with 0.9 a month the whole trend adds at most about nine months of slope.
    ``damping=0`` holds the recent level flat. Band shares are those of the level window.

    Parameters
    ----------
    level_months : int, default 12
    trend_months : int, default 24
    damping : float, default 0.9
        Monthly damping of the trend, 0 (no trend) to below 1.
    level_halflife : float or None, default None
        Recency weighting of the level window: the month ``j`` months before the last gets
        weight ``0.5 ** (j / level_halflife)`` (None: equal weights).

    Attributes
    ----------
    series_ : tuple of str
        Series (age bands), in the order of the last axis of :meth:`predict_mean`.
    level_ : numpy.ndarray
        Recent mean entries a month per band.
    slope_ : float
        Trend in all entries (children a month, per month) before damping.
    level_entries_ : float
        Entries behind the level (sets the level's uncertainty, about ``1/sqrt`` of it); with
        recency weighting, the level times the effective number of months (Kish).
    methods_ : dict
        Series id -> description, for display.
    """

    def __init__(
        self,
        level_months: int = 12,
        trend_months: int = 24,
        damping: float = 0.9,
        level_halflife: float | None = None,
    ):
        self.level_months = level_months
        self.trend_months = trend_months
        self.damping = damping
        self.level_halflife = level_halflife

    def fit(self, history: pd.DataFrame) -> DampedTrendEntries:
        """Fit on ``unique_id, ds, y`` monthly entries (months without entries present as 0)."""
        if history.empty:
            raise SufficiencyError(
                "No months of entries to learn from: the data holds no children entering care. "
                "Check the episodes file covers at least one year."
            )
        wide = history.pivot_table(index="ds", columns="unique_id", values="y", aggfunc="sum")
        wide = wide.sort_index().fillna(0.0)
        self.series_ = tuple(dict.fromkeys(history["unique_id"].astype(str)))
        wide = wide.reindex(columns=list(self.series_), fill_value=0.0)
        level_window = wide.tail(int(self.level_months)).to_numpy(dtype=float)
        if self.level_halflife:
            weights = level_weights(len(level_window), self.level_halflife)
            self.level_ = weights @ level_window / weights.sum()
            effective_months = weights.sum() ** 2 / (weights**2).sum()
            self.level_entries_ = float(self.level_.sum() * effective_months)
        else:
            self.level_ = level_window.mean(axis=0)
            self.level_entries_ = float(level_window.sum())
        total = wide.sum(axis=1).tail(int(self.trend_months)).to_numpy(dtype=float)
        if self.damping > 0 and total.size >= 6:
            months = np.arange(total.size, dtype=float)
            self.slope_ = float(np.polyfit(months, total, 1)[0])
        else:
            self.slope_ = 0.0
        self.last_date_ = pd.Timestamp(wide.index.max())
        weighting = (
            f", recency-weighted with a {self.level_halflife:g}-month half-life"
            if self.level_halflife
            else ""
        )
        described = f"recent level (last {self.level_months} months{weighting})" + (
            f" with a trend damped by {self.damping:g} a month"
            if self.damping > 0
            else ", held flat"
        )
        self.methods_ = {series: described for series in self.series_}
        return self

    def predict_mean(self, horizon: int) -> np.ndarray:
        """Expected entries a month, ``(horizon, n_series)``, never below a quarter of the level."""
        level = float(self.level_.sum())
        phi = float(self.damping)
        if phi > 0 and self.slope_:
            ahead = np.cumsum(phi ** np.arange(1, horizon + 1))
            total = level + self.slope_ * ((self.level_months - 1) / 2.0 + ahead)
        else:
            total = np.full(horizon, level)
        total = np.maximum(total, 0.25 * level)
        shares = (
            self.level_ / level if level > 0 else np.full(self.level_.size, 1 / self.level_.size)
        )
        return total[:, None] * shares[None, :]
