"""Simple benchmark forecasters with residual-based prediction intervals.

Each is a :class:`~sufficiency.demand.series.SeriesForecaster` (``fit`` on ``unique_id, ds, y``,
``predict(horizon)``). Intervals assume normal errors with the spread of the in-sample one-step
residuals, widened with the horizon as each method's error model implies (Hyndman and
Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., sections 5.5 and 8.7):

* naive: sd x sqrt(h);
* seasonal naive: sd x sqrt(number of whole seasons ahead + 1);
* drift: sd x sqrt(h (1 + h / (T - 1)));
* simple exponential smoothing: sd x sqrt(1 + (h - 1) alpha^2);
* damped Holt (additive damped trend, ETS(A,Ad,N)): sd x sqrt(1 + sum_j (alpha + beta phi_j)^2).

The residual spread is estimated from short histories (ten-odd annual points), so quantiles are
Student-t with the residual degrees of freedom rather than normal. Exponential-smoothing parameters
are fitted by least squares of one-step errors (numpy + scipy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from sufficiency.demand.series import SeriesForecaster, normal_quantiles, season_length


def _rms(residuals: np.ndarray, dof: int = 0) -> float:
    residuals = residuals[np.isfinite(residuals)]
    if len(residuals) == 0:
        return 0.0
    return float(np.sqrt(np.sum(residuals**2) / max(len(residuals) - dof, 1)))


class Naive(SeriesForecaster):
    """Next value = last value. Every other method is scored against this one."""

    name = "naive"

    def _fit_one(self, y: np.ndarray, ds: pd.Series):
        return y[-1], _rms(np.diff(y)), len(y) - 1

    def _predict_one(self, state, dates, rng):
        last, sigma, dof = state
        steps = np.arange(1, len(dates) + 1)
        mean = np.full(len(dates), last, dtype=float)
        return mean, normal_quantiles(mean, sigma * np.sqrt(steps), dof)


class SeasonalNaive(SeriesForecaster):
    """Next value = the value one season (a year) earlier; naive when there is no season.

    Parameters
    ----------
    season : int, optional
        Points per season; by default 12 for monthly series and 1 (so naive) for annual ones.
    """

    name = "seasonal_naive"

    def __init__(
        self, *, season: int | None = None, nonnegative: bool = True, random_state: int | None = 0
    ) -> None:
        super().__init__(nonnegative=nonnegative, random_state=random_state)
        self.season = season

    def _fit_one(self, y: np.ndarray, ds: pd.Series):
        period = self.season or season_length(self.frequency_)
        if len(y) <= period:  # not a full season of history: fall back to naive
            period = 1
        residuals = y[period:] - y[:-period]
        return y[-period:].copy(), period, _rms(residuals), len(residuals)

    def _predict_one(self, state, dates, rng):
        last_season, period, sigma, dof = state
        steps = np.arange(1, len(dates) + 1)
        mean = last_season[(steps - 1) % period].astype(float)
        sd = sigma * np.sqrt((steps - 1) // period + 1)
        return mean, normal_quantiles(mean, sd, dof)


class Drift(SeriesForecaster):
    """A straight line through the first and last values, carried forward."""

    name = "drift"
    min_points = 3

    def _fit_one(self, y: np.ndarray, ds: pd.Series):
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1)
        residuals = np.diff(y) - slope
        return y[-1], slope, n, _rms(residuals, dof=1)

    def _predict_one(self, state, dates, rng):
        last, slope, n, sigma = state
        steps = np.arange(1, len(dates) + 1)
        mean = last + slope * steps
        sd = sigma * np.sqrt(steps * (1 + steps / (n - 1)))
        return mean, normal_quantiles(mean, sd, n - 2)


@dataclass(frozen=True)
class _SmoothingState:
    level: float
    trend: float
    alpha: float
    beta: float
    phi: float
    sigma: float
    dof: int


def _smooth(y: np.ndarray, alpha: float, beta: float, phi: float, trend: bool):
    """One-step errors and final (level, trend) of additive (damped) exponential smoothing."""
    level = y[0]
    slope = (y[1] - y[0]) if trend else 0.0
    errors = np.empty(len(y) - 1)
    for t in range(1, len(y)):
        forecast = level + phi * slope
        error = y[t] - forecast
        errors[t - 1] = error
        level = forecast + alpha * error
        slope = phi * slope + beta * error
    return errors, level, slope


class SimpleExponentialSmoothing(SeriesForecaster):
    """A weighted recent level (no trend); alpha fitted per series by least squares."""

    name = "ses"
    min_points = 3

    def _fit_one(self, y: np.ndarray, ds: pd.Series) -> _SmoothingState:
        def sse(alpha: float) -> float:
            errors, _, _ = _smooth(y, alpha, 0.0, 0.0, trend=False)
            return float(np.sum(errors**2))

        alpha = optimize.minimize_scalar(sse, bounds=(0.01, 0.99), method="bounded").x
        errors, level, _ = _smooth(y, alpha, 0.0, 0.0, trend=False)
        sigma = _rms(errors, dof=1)
        return _SmoothingState(level, 0.0, float(alpha), 0.0, 0.0, sigma, len(errors) - 1)

    def _predict_one(self, state: _SmoothingState, dates, rng):
        steps = np.arange(1, len(dates) + 1)
        mean = np.full(len(dates), state.level, dtype=float)
        sd = state.sigma * np.sqrt(1 + (steps - 1) * state.alpha**2)
        return mean, normal_quantiles(mean, sd, state.dof)


class DampedHolt(SeriesForecaster):
    """Holt's linear trend with a damped trend (ETS(A,Ad,N)), fitted per series.

    Parameters
    ----------
    phi_bounds : tuple of float
        Allowed damping; 0.8-0.98 as commonly recommended, so trends fade rather than run on.
    """

    name = "damped_holt"
    min_points = 4

    def __init__(
        self,
        *,
        phi_bounds: tuple[float, float] = (0.8, 0.98),
        nonnegative: bool = True,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(nonnegative=nonnegative, random_state=random_state)
        self.phi_bounds = phi_bounds

    def _fit_one(self, y: np.ndarray, ds: pd.Series) -> _SmoothingState:
        scale = max(float(np.std(y)), 1e-9)
        scaled = y / scale

        def sse(params: np.ndarray) -> float:
            alpha, beta_share, phi = params
            errors, _, _ = _smooth(scaled, alpha, alpha * beta_share, phi, trend=True)
            return float(np.sum(errors**2))

        start = np.array([0.5, 0.1, np.mean(self.phi_bounds)])
        bounds = [(0.01, 0.99), (0.0, 1.0), tuple(self.phi_bounds)]
        fit = optimize.minimize(sse, start, bounds=bounds, method="L-BFGS-B")
        alpha, beta_share, phi = (float(v) for v in fit.x)
        beta = alpha * beta_share
        errors, level, slope = _smooth(y, alpha, beta, phi, trend=True)
        sigma = _rms(errors, dof=2)
        return _SmoothingState(level, slope, alpha, beta, phi, sigma, len(errors) - 2)

    def _predict_one(self, state: _SmoothingState, dates, rng):
        steps = np.arange(1, len(dates) + 1)
        damped_sum = np.cumsum(state.phi**steps)  # phi + phi^2 + ... + phi^h
        mean = state.level + damped_sum * state.trend
        coefficients = state.alpha + state.beta * damped_sum  # c_j for j = 1..H
        cumulative = np.concatenate([[0.0], np.cumsum(coefficients**2)[:-1]])
        sd = state.sigma * np.sqrt(1 + cumulative)
        return mean, normal_quantiles(mean, sd, state.dof)


class Combination(SeriesForecaster):
    """Average of several simple methods (a forecast combination).

    Means are averaged; each quantile is the average of the members' quantiles (quantile
    averaging, "Vincentization"). Combining simple methods is a long-standing, robust way to
    reduce error on short series (Makridakis et al., M3/M4 competitions).

    Parameters
    ----------
    members : tuple of str
        Method names from :data:`sufficiency.demand.series.METHODS` (not 'combination').
    """

    name = "combination"
    min_points = 4

    def __init__(
        self,
        *,
        members: tuple[str, ...] = ("naive", "ses", "damped_holt"),
        nonnegative: bool = True,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(nonnegative=nonnegative, random_state=random_state)
        self.members = members

    def fit(self, series: pd.DataFrame) -> Combination:
        """Fit every member on the same series; only series all members could fit are kept."""
        from sufficiency.demand.series import check_series, make_forecaster

        frame = check_series(series, "combination training data")
        self.models_ = [make_forecaster(name).fit(frame) for name in self.members]
        fitted = set.intersection(*(set(model.states_) for model in self.models_))
        self.states_ = {uid: uid for uid in sorted(fitted)}
        self.skipped_ = sorted(set(frame["unique_id"]) - fitted)
        self.frequency_ = self.models_[0].frequency_
        self.last_date_ = {uid: self.models_[0].last_date_[uid] for uid in self.states_}
        return self

    def predict(self, horizon: int, random_state: int | None = None) -> pd.DataFrame:
        """Average the members' forecasts row by row."""
        from sufficiency.demand.series import FORECAST_COLUMNS, QUANTILES

        if not hasattr(self, "models_"):
            raise RuntimeError("Combination is not fitted: call fit first")
        keep = list(self.states_)
        frames = [
            model.predict(horizon, random_state)
            .loc[lambda f: f["unique_id"].isin(keep)]
            .sort_values(["unique_id", "ds"])
            .reset_index(drop=True)
            for model in self.models_
        ]
        combined = frames[0][["unique_id", "ds"]].copy()
        for column in ("mean", *QUANTILES):
            combined[column] = np.mean([f[column].to_numpy() for f in frames], axis=0)
        return combined[list(FORECAST_COLUMNS)]
