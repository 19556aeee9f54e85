"""Direct series forecasting behind one long-format interface.

Every model here follows the estimator shape: parameters in the constructor (stored untouched),
``fit(series)`` on a long frame with columns ``unique_id, ds, y`` (many series at once) returns
``self``, learned state ends in ``_``, and ``predict(horizon, random_state=None)`` returns one row
per series and future date with columns :data:`FORECAST_COLUMNS`: ``unique_id, ds, mean`` and the
quantiles ``p2_5, p10, p50, p90, p97_5`` (so 80% and 95% prediction intervals).

The simple baselines live in :mod:`sufficiency.demand.baselines`; this module holds the shared
machinery and :class:`ProphetForecaster`. Series are annual (31 March counts, one point a year) or
monthly (month ends); the frequency is read from the dates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sufficiency.errors import InputDataError

QUANTILES: dict[str, float] = {
    "p2_5": 0.025,
    "p10": 0.10,
    "p50": 0.50,
    "p90": 0.90,
    "p97_5": 0.975,
}
"""Quantile columns of every forecast and the probability each stands for."""

FORECAST_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "mean", *QUANTILES)
"""Columns of ``predict`` output: series, future date, mean forecast, quantiles."""

SERIES_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "y")

ANNUAL = "annual"
MONTHLY = "monthly"


def check_series(series: pd.DataFrame, what: str = "series") -> pd.DataFrame:
    """Validate and tidy a long series frame (``unique_id``, ``ds``, ``y``).

    Returns a copy sorted by series and date, with ``unique_id`` as text, ``ds`` as datetime and
    ``y`` as float. Missing ``y`` values are dropped (a suppressed year is a gap, not a zero).
    """
    missing = [column for column in SERIES_COLUMNS if column not in series.columns]
    if missing:
        raise InputDataError(
            f"{what}: missing column(s) {', '.join(missing)}; expected a long frame with columns "
            "unique_id (series name), ds (date) and y (value)."
        )
    frame = pd.DataFrame(
        {
            "unique_id": series["unique_id"].astype(str).to_numpy(),
            "ds": pd.to_datetime(series["ds"]).to_numpy(),
            "y": pd.to_numeric(series["y"], errors="coerce").astype(float).to_numpy(),
        }
    )
    frame = frame.dropna(subset=["y"])
    if frame.duplicated(["unique_id", "ds"]).any():
        raise InputDataError(f"{what}: more than one value for the same unique_id and ds.")
    if frame.empty:
        raise InputDataError(f"{what}: no values to fit.")
    return frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def infer_frequency(dates: pd.Series | pd.DatetimeIndex) -> str:
    """'annual' when points are about a year apart, else 'monthly'."""
    unique = pd.DatetimeIndex(pd.Series(dates).drop_duplicates().sort_values())
    if len(unique) < 2:
        return ANNUAL
    gap_days = float(np.median(unique.to_series().diff().dropna().dt.days))
    return ANNUAL if gap_days > 200 else MONTHLY


def future_dates(last: pd.Timestamp, horizon: int, frequency: str) -> pd.DatetimeIndex:
    """The ``horizon`` dates after ``last``: same day a year on (annual) or month ends (monthly)."""
    last = pd.Timestamp(last)
    if frequency == ANNUAL:
        return pd.DatetimeIndex(
            [last + pd.DateOffset(years=step) for step in range(1, horizon + 1)]
        )
    return pd.date_range(last + pd.offsets.MonthEnd(0), periods=horizon + 1, freq="ME")[1:]


def season_length(frequency: str) -> int:
    """Points per year: 12 for monthly series, 1 for annual."""
    return 12 if frequency == MONTHLY else 1


def normal_quantiles(
    mean: np.ndarray, sd: np.ndarray, dof: int | None = None
) -> dict[str, np.ndarray]:
    """Quantile columns for normal forecast errors with the given standard deviation.

    With ``dof`` (degrees of freedom of the residual spread) Student-t quantiles are used, which
    widen the intervals honestly when the spread is estimated from a short history.
    """
    if dof is not None and dof >= 1:
        return {name: mean + stats.t.ppf(p, dof) * sd for name, p in QUANTILES.items()}
    return {name: mean + stats.norm.ppf(p) * sd for name, p in QUANTILES.items()}


def forecast_frame(
    unique_id: str | np.ndarray,
    dates: Sequence[pd.Timestamp] | np.ndarray,
    mean: np.ndarray,
    quantiles: dict[str, np.ndarray],
    *,
    nonnegative: bool,
) -> pd.DataFrame:
    """Assemble forecast rows; counts are clipped at zero when ``nonnegative``."""
    frame = pd.DataFrame(
        {"unique_id": unique_id, "ds": pd.DatetimeIndex(dates), "mean": mean}
    ).astype({"unique_id": str})
    for name in QUANTILES:
        frame[name] = quantiles[name]
    if nonnegative:
        value_columns = ["mean", *QUANTILES]
        frame[value_columns] = frame[value_columns].clip(lower=0.0)
    return frame


class SeriesForecaster:
    """Shared fit/predict loop: subclasses implement ``_fit_one`` and ``_predict_one``.

    Parameters common to all: ``nonnegative`` (clip forecasts of counts at zero) and
    ``random_state`` (used by models that sample).
    """

    name = "base"
    min_points = 2

    def __init__(self, *, nonnegative: bool = True, random_state: int | None = 0) -> None:
        self.nonnegative = nonnegative
        self.random_state = random_state

    def get_params(self) -> dict:
        """Constructor parameters (scikit-learn style), e.g. to build a fresh copy."""
        import inspect

        names = [
            name for name in inspect.signature(type(self).__init__).parameters if name != "self"
        ]
        return {name: getattr(self, name) for name in names}

    def clone(self) -> SeriesForecaster:
        """An unfitted copy with the same parameters."""
        return type(self)(**self.get_params())

    def fit(self, series: pd.DataFrame) -> SeriesForecaster:
        """Fit one model per ``unique_id`` on a long frame (``unique_id``, ``ds``, ``y``)."""
        frame = check_series(series, f"{self.name} training data")
        self.frequency_ = infer_frequency(frame["ds"])
        self.states_: dict[str, object] = {}
        self.last_date_: dict[str, pd.Timestamp] = {}
        short = []
        for unique_id, group in frame.groupby("unique_id", sort=True):
            y = group["y"].to_numpy(dtype=float)
            if len(y) < self.min_points:
                short.append(str(unique_id))
                continue
            self.states_[str(unique_id)] = self._fit_one(y, group["ds"])
            self.last_date_[str(unique_id)] = pd.Timestamp(group["ds"].iloc[-1])
        if not self.states_:
            raise InputDataError(
                f"{self.name}: every series has fewer than {self.min_points} points; "
                "more history is needed to forecast."
            )
        self.skipped_ = short
        return self

    def predict(self, horizon: int, random_state: int | None = None) -> pd.DataFrame:
        """Forecast ``horizon`` steps after each series' last date.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`FORECAST_COLUMNS`, one row per series and future date.
        """
        if not hasattr(self, "states_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit first")
        if horizon < 1:
            raise ValueError("horizon must be at least 1")
        seed = self.random_state if random_state is None else random_state
        rng = np.random.default_rng(seed)
        ids, all_dates, means = [], [], []
        quantiles: dict[str, list[np.ndarray]] = {name: [] for name in QUANTILES}
        dates_after: dict[pd.Timestamp, pd.DatetimeIndex] = {}
        for unique_id, state in self.states_.items():
            last = self.last_date_[unique_id]
            if last not in dates_after:
                dates_after[last] = future_dates(last, horizon, self.frequency_)
            dates = dates_after[last]
            mean, series_quantiles = self._predict_one(state, dates, rng)
            ids.append(np.full(horizon, unique_id, dtype=object))
            all_dates.append(dates.to_numpy())
            means.append(np.asarray(mean, dtype=float))
            for name in QUANTILES:
                quantiles[name].append(np.asarray(series_quantiles[name], dtype=float))
        return forecast_frame(
            np.concatenate(ids),
            np.concatenate(all_dates),
            np.concatenate(means),
            {name: np.concatenate(parts) for name, parts in quantiles.items()},
            nonnegative=self.nonnegative,
        )[list(FORECAST_COLUMNS)]

    def _fit_one(self, y: np.ndarray, ds: pd.Series) -> object:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict_one(
        self, state: object, dates: pd.DatetimeIndex, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # pragma: no cover - abstract
        raise NotImplementedError


def quiet_prophet() -> None:
    """Silence cmdstanpy's and Prophet's INFO chatter (they log every fit)."""
    from cmdstanpy.utils.logging import get_logger

    get_logger().setLevel(logging.ERROR)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)


class ProphetForecaster(SeriesForecaster):
    """Prophet fitted separately to each series, with Prophet's own sampled intervals.

    Annual series get a trend only (no seasonality: one point a year); monthly series add yearly
    seasonality with a low Fourier order, since a few years of history cannot support more.
    Quantiles come from Prophet's predictive samples (trend changes plus observation noise), so
    the intervals are Prophet's, not a normal approximation.

    Parameters
    ----------
    changepoint_prior_scale : float
        Prophet's trend flexibility (its default 0.05).
    yearly_order : int
        Fourier order of yearly seasonality for monthly series.
    uncertainty_samples : int
        Sampled paths behind the quantiles; 200 keeps 750 backtest fits tractable.
    n_jobs : int
        Parallel fits across series (joblib, processes); 1 fits in this process.
    nonnegative, random_state
        As for every forecaster. ``random_state`` seeds Stan's optimiser and the sampled paths.
    """

    name = "prophet"
    min_points = 3

    def __init__(
        self,
        *,
        changepoint_prior_scale: float = 0.05,
        yearly_order: int = 3,
        uncertainty_samples: int = 200,
        n_jobs: int = 1,
        nonnegative: bool = True,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(nonnegative=nonnegative, random_state=random_state)
        self.changepoint_prior_scale = changepoint_prior_scale
        self.yearly_order = yearly_order
        self.uncertainty_samples = uncertainty_samples
        self.n_jobs = n_jobs

    def _new_model(self):
        from prophet import Prophet

        quiet_prophet()
        monthly = getattr(self, "frequency_", ANNUAL) == MONTHLY
        return Prophet(
            growth="linear",
            changepoint_prior_scale=self.changepoint_prior_scale,
            yearly_seasonality=self.yearly_order if monthly else False,
            weekly_seasonality=False,
            daily_seasonality=False,
            uncertainty_samples=self.uncertainty_samples,
            mcmc_samples=0,
        )

    def _fit_one(self, y: np.ndarray, ds: pd.Series):
        model = self._new_model()
        history = pd.DataFrame({"ds": pd.DatetimeIndex(ds), "y": y})
        seed = 0 if self.random_state is None else int(self.random_state)
        return model.fit(history, seed=seed)

    def fit(self, series: pd.DataFrame) -> ProphetForecaster:
        """Fit one Prophet per series (in parallel when ``n_jobs`` > 1)."""
        if self.n_jobs == 1:
            return super().fit(series)
        from joblib import Parallel, delayed

        frame = check_series(series, "prophet training data")
        self.frequency_ = infer_frequency(frame["ds"])
        groups = [
            (str(uid), group)
            for uid, group in frame.groupby("unique_id", sort=True)
            if len(group) >= self.min_points
        ]
        if not groups:
            raise InputDataError(
                f"prophet: every series has fewer than {self.min_points} points; "
                "more history is needed to forecast."
            )
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_prophet_job)(self.get_params(), self.frequency_, group)
            for _, group in groups
        )
        self.states_ = {uid: model for (uid, _), model in zip(groups, fitted, strict=True)}
        self.last_date_ = {uid: pd.Timestamp(group["ds"].iloc[-1]) for uid, group in groups}
        self.skipped_ = sorted(set(frame["unique_id"]) - set(self.states_))
        return self

    def _predict_one(self, state, dates: pd.DatetimeIndex, rng: np.random.Generator):
        future = pd.DataFrame({"ds": dates})
        mean = state.predict(future)["yhat"].to_numpy(dtype=float)
        if self.uncertainty_samples:
            # Prophet draws from numpy's global generator; seed it from ours for repeatability.
            np.random.seed(int(rng.integers(2**31 - 1)))
            samples = state.predictive_samples(future)["yhat"]
            quantiles = {name: np.quantile(samples, p, axis=1) for name, p in QUANTILES.items()}
        else:
            quantiles = {name: mean.copy() for name in QUANTILES}
        return mean, quantiles


def _fit_prophet_job(params: dict, frequency: str, group: pd.DataFrame):
    model = ProphetForecaster(**{**params, "n_jobs": 1})
    model.frequency_ = frequency
    return model._fit_one(group["y"].to_numpy(dtype=float), group["ds"])


def make_forecaster(method: str, **params) -> SeriesForecaster:
    """A fresh forecaster by name: see :data:`METHODS`."""
    from sufficiency.demand import baselines

    registry = {
        "naive": baselines.Naive,
        "seasonal_naive": baselines.SeasonalNaive,
        "drift": baselines.Drift,
        "ses": baselines.SimpleExponentialSmoothing,
        "damped_holt": baselines.DampedHolt,
        "combination": baselines.Combination,
        "prophet": ProphetForecaster,
    }
    if method not in registry:
        raise InputDataError(
            f"unknown forecasting method '{method}'; choose from {', '.join(registry)}."
        )
    return registry[method](**params)


METHODS: dict[str, str] = {
    "naive": "next value = last value (the yardstick every method is compared with)",
    "seasonal_naive": "next value = value a year earlier (same as naive for annual series)",
    "drift": "straight line from the first to the last value, carried forward",
    "ses": "simple exponential smoothing (weighted recent level, no trend)",
    "damped_holt": "Holt's linear trend with damping (trend fades out)",
    "combination": "average of naive, simple exponential smoothing and damped Holt",
    "prophet": "Prophet: piecewise-linear trend (+ yearly seasonality for monthly series)",
}
"""Forecasting methods by name, with a plain-words description."""
