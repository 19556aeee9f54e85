"""Candidate forecasting methods for every authority at once.

Each method has the estimator shape: parameters in the constructor, ``fit(panel, measure,
breakdown)`` on a :class:`~sufficiency.national.panel.Panel` standing at an origin (its last year)
returns ``self`` with learned state ending in ``_``, and ``predict(horizon)`` returns point
forecasts as an array ``(n_authorities, horizon)`` in children for the years after the origin
(``NaN`` where an authority cannot be forecast). Ranges are added afterwards, the same way for
every method (:mod:`sufficiency.national.intervals`).

Methods (:data:`METHODS`):

* ``naive``: the last published figure carried forward (the yardstick);
* ``drift``, ``ses``, ``damped_holt``, ``combination``: the single-series methods of
  :mod:`sufficiency.demand.baselines`, fitted to each authority separately;
* ``pooled_trend``: each authority's recent growth (in logs, over the last ``k`` years) shrunk
  towards its region's and England's growth over the same years, then damped; the window ``k``,
  the weights and the damping are estimated across all authorities on the years before the
  origin (least total absolute error in children, one to three years ahead);
* ``stockflow``: stock-flow on the published flows: next year's children = this year's + starts -
  ceased (+ the small published difference between the stock and the flows), with starts from
  ``pooled_trend``, the share of children who cease (of those looked after at the start of the year
  plus starts) shrunk towards region and England, and the step from today's figure damped by a
  weight estimated across authorities.

Growth is measured on ``log(1 + children)`` so that small authorities and empty cells are handled
without special cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.errors import InputDataError
from sufficiency.national.panel import CEASED, CLA, STARTS, TOTAL, Panel

MAX_LEVEL_GAP = 2
"""An authority whose latest figure is missing is forecast from a figure at most this many years
older (a suppressed or unpublished year); beyond that it is not forecast."""

ESTIMATION_HORIZON = 3
"""Pooled parameters are chosen on forecasts one to this many years ahead."""

GRID_WINDOW = (1, 2, 3, 5)
GRID_WEIGHT = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))
GRID_REGION = (0.0, 0.25, 0.5, 0.75, 1.0)
GRID_DAMPING = (*np.round(np.linspace(0.0, 0.9, 10), 2), 0.95, 1.0)


def to_log(values: np.ndarray) -> np.ndarray:
    """``log(1 + children)``; ``NaN`` stays ``NaN``."""
    with np.errstate(invalid="ignore"):
        return np.log1p(np.clip(values, 0.0, None))


def from_log(values: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_log`, never below zero."""
    return np.clip(np.expm1(values), 0.0, None)


def last_level(values: np.ndarray, column: int, max_gap: int = MAX_LEVEL_GAP):
    """Latest value at or before ``column`` (at most ``max_gap`` years older) and its age in years.

    Returns ``(level, gap)``; ``level`` is ``NaN`` and ``gap`` is ``-1`` where none is found.
    """
    level = np.full(values.shape[0], np.nan)
    gap = np.full(values.shape[0], -1, dtype=int)
    for back in range(max_gap + 1):
        col = column - back
        if col < 0:
            break
        fill = np.isnan(level) & ~np.isnan(values[:, col])
        level[fill] = values[fill, col]
        gap[fill] = back
    return level, gap


def group_growth(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Log growth of each group's sum year on year, over members published in both years.

    Returns an array ``(n_groups, n_years)``; the first year and years with no member are ``NaN``.
    """
    out = np.full((n_groups, values.shape[1]), np.nan)
    both = ~np.isnan(values[:, 1:]) & ~np.isnan(values[:, :-1])
    now = np.where(both, values[:, 1:], 0.0)
    before = np.where(both, values[:, :-1], 0.0)
    for g in range(n_groups):
        members = groups == g
        top = now[members].sum(axis=0)
        bottom = before[members].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[g, 1:] = np.where((top > 0) & (bottom > 0), np.log(top / bottom), np.nan)
    return out


def _window_mean(values: np.ndarray, end: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the last ``window`` columns up to ``end`` ignoring ``NaN``, and how many there were."""
    part = values[..., max(end - window + 1, 0) : end + 1]
    count = (~np.isnan(part)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.nansum(part, axis=-1) / np.maximum(count, 1), np.nan)
    return mean, count


def _damped_sum(phi: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """``phi + phi^2 + ... + phi^steps`` for every damping value (rows) and step count (columns)."""
    phi = np.asarray(phi, dtype=float)[:, None]
    steps = np.asarray(steps)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        geometric = np.where(
            np.isclose(phi, 1.0), steps, phi * (1 - phi**steps) / np.where(phi == 1.0, 1, 1 - phi)
        )
    return np.where(steps > 0, geometric, 0.0)


class PanelMethod:
    """Shared plumbing: remember the panel's shape and origin."""

    name = "base"

    def get_params(self) -> dict:
        """Constructor parameters (scikit-learn style)."""
        return {}

    def _start(self, panel: Panel, measure: str, breakdown: str) -> np.ndarray:
        if (measure, breakdown) not in panel.values:
            raise InputDataError(f"no published series for {measure}, {breakdown}.")
        self.measure_ = measure
        self.breakdown_ = breakdown
        self.origin_ = panel.last_year
        self.n_ = panel.n
        return panel.get(measure, breakdown)


class Naive(PanelMethod):
    """The last published figure, carried forward."""

    name = "naive"

    def fit(self, panel: Panel, measure: str = CLA, breakdown: str = TOTAL) -> Naive:
        values = self._start(panel, measure, breakdown)
        self.level_, self.gap_ = last_level(values, values.shape[1] - 1)
        return self

    def predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


class SeriesMethod(PanelMethod):
    """A single-series method from :mod:`sufficiency.demand.baselines`, one authority at a time.

    Parameters
    ----------
    method : str
        ``drift``, ``ses``, ``damped_holt`` or ``combination``.
    """

    def __init__(self, method: str = "ses") -> None:
        self.method = method

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.method

    def get_params(self) -> dict:
        return {"method": self.method}

    def fit(self, panel: Panel, measure: str = CLA, breakdown: str = TOTAL) -> SeriesMethod:
        from sufficiency.demand.series import make_forecaster

        values = self._start(panel, measure, breakdown)
        codes = panel.authorities["la_code"].to_numpy()
        rows, cols = np.nonzero(~np.isnan(values))
        self.level_, self.gap_ = last_level(values, values.shape[1] - 1)
        self.years_ = panel.years
        self.model_ = None
        if len(rows) == 0:
            return self
        long = pd.DataFrame(
            {
                "unique_id": codes[rows],
                "ds": pd.to_datetime({"year": panel.years[cols], "month": 3, "day": 31}),
                "y": values[rows, cols],
            }
        )
        # Only authorities that can be forecast from a recent figure.
        usable = set(codes[~np.isnan(self.level_)])
        long = long.loc[long["unique_id"].isin(usable)]
        try:
            self.model_ = make_forecaster(self.method).fit(long)
        except InputDataError:
            self.model_ = None
        self.codes_ = codes
        return self

    def predict(self, horizon: int) -> np.ndarray:
        out = np.full((self.n_, horizon), np.nan)
        if self.model_ is None:
            return out
        ahead = self.model_.predict(horizon + MAX_LEVEL_GAP)
        ahead["year"] = pd.to_datetime(ahead["ds"]).dt.year
        ahead = ahead.loc[ahead["year"].between(self.origin_ + 1, self.origin_ + horizon)]
        row_of = {code: i for i, code in enumerate(self.codes_)}
        rows = ahead["unique_id"].map(row_of).to_numpy()
        out[rows, ahead["year"].to_numpy() - self.origin_ - 1] = ahead["mean"].to_numpy()
        # Too little history for the method (e.g. a new authority): carry the figure forward.
        missing = np.isnan(out) & ~np.isnan(self.level_)[:, None]
        out[missing] = np.broadcast_to(self.level_[:, None], out.shape)[missing]
        return np.clip(out, 0.0, None)


@dataclass(frozen=True)
class TrendParams:
    """Learned parameters of :class:`PooledTrend`."""

    window: int
    weight: float
    region: float
    damping: float
    estimated_on: int

    def describe(self) -> str:
        return (
            f"growth over the last {self.window} year(s); the authority's own growth weighted "
            f"{self.weight:.0%}, the rest {self.region:.0%} region and {1 - self.region:.0%} "
            f"England; damping {self.damping:.2f} a year (estimated on {self.estimated_on:,} "
            "earlier forecasts of every authority)"
        )


NAIVE_TREND = TrendParams(window=1, weight=0.0, region=0.0, damping=0.0, estimated_on=0)


@dataclass
class _TrendInputs:
    """Everything :class:`PooledTrend` needs at one origin column, for every authority."""

    level: np.ndarray  # log level
    gap: np.ndarray
    local: dict[int, tuple[np.ndarray, np.ndarray]]  # window -> (mean growth, count)
    region: dict[int, np.ndarray]  # window -> region mean growth per authority
    england: dict[int, float]


def _trend_inputs(
    x: np.ndarray, regions: np.ndarray, n_regions: int, column: int, growth_cache: tuple
) -> _TrendInputs:
    local_growth, region_growth, england_growth = growth_cache
    level, gap = last_level(x, column)
    local, region, england = {}, {}, {}
    for window in GRID_WINDOW:
        local[window] = _window_mean(local_growth, column, window)
        region_mean, _ = _window_mean(region_growth, column, window)
        region[window] = region_mean[regions]
        england[window] = float(_window_mean(england_growth, column, window)[0][0])
    return _TrendInputs(level, gap, local, region, england)


def _growth_cache(values: np.ndarray, regions: np.ndarray, n_regions: int) -> tuple:
    x = to_log(values)
    local = np.full_like(x, np.nan)
    local[:, 1:] = x[:, 1:] - x[:, :-1]
    region = group_growth(values, regions, n_regions)
    england = group_growth(values, np.zeros(len(values), dtype=int), 1)
    return local, region, england


def _pooled_growth(inputs: _TrendInputs, params: TrendParams) -> np.ndarray:
    pooled = (
        params.region * inputs.region[params.window]
        + (1 - params.region) * inputs.england[params.window]
    )
    pooled = np.where(np.isnan(pooled), inputs.england[params.window], pooled)
    pooled = np.where(np.isnan(pooled), 0.0, pooled)
    mean, count = inputs.local[params.window]
    return np.where(count > 0, params.weight * mean + (1 - params.weight) * pooled, pooled)


def project_trend(inputs: _TrendInputs, params: TrendParams, horizon: int) -> np.ndarray:
    """Point forecasts ``(n, horizon)`` in children from one origin's inputs."""
    growth = _pooled_growth(inputs, params)
    steps = np.arange(1, horizon + 1)[None, :] + np.maximum(inputs.gap, 0)[:, None]
    sums = _damped_sum(np.array([params.damping]), steps.ravel()).reshape(steps.shape)
    return from_log(inputs.level[:, None] + growth[:, None] * sums)


def _estimate_trend(
    values: np.ndarray, regions: np.ndarray, n_regions: int, growth_cache: tuple
) -> TrendParams:
    """Grid search of (window, weight, region share, damping) on every earlier origin."""
    last = values.shape[1] - 1
    targets, levels, gaps, horizons = [], [], [], []
    per_origin = []
    for column in range(1, last):
        inputs = _trend_inputs(to_log(values), regions, n_regions, column, growth_cache)
        for h in range(1, ESTIMATION_HORIZON + 1):
            if column + h > last:
                break
            actual = values[:, column + h]
            ok = ~np.isnan(actual) & ~np.isnan(inputs.level)
            if not ok.any():
                continue
            per_origin.append((inputs, ok, h))
            targets.append(actual[ok])
            levels.append(inputs.level[ok])
            gaps.append(inputs.gap[ok])
            horizons.append(np.full(ok.sum(), h))
    if not targets:
        return NAIVE_TREND
    actual = np.concatenate(targets)
    level = np.concatenate(levels)
    steps = np.concatenate(gaps) + np.concatenate(horizons)
    sums = _damped_sum(np.array(GRID_DAMPING), steps)  # (n_damping, N)
    best = (np.inf, NAIVE_TREND)
    weights = np.array(GRID_WEIGHT)[:, None, None]
    shares = np.array(GRID_REGION)[None, :, None]
    for window in GRID_WINDOW:
        local = np.concatenate([inp.local[window][0][ok] for inp, ok, _ in per_origin])
        count = np.concatenate([inp.local[window][1][ok] for inp, ok, _ in per_origin])
        region = np.concatenate([inp.region[window][ok] for inp, ok, _ in per_origin])
        england = np.concatenate(
            [np.full(ok.sum(), inp.england[window]) for inp, ok, _ in per_origin]
        )
        england = np.where(np.isnan(england), 0.0, england)
        region = np.where(np.isnan(region), england, region)
        pooled = shares * region + (1 - shares) * england  # (1, n_region, N)
        local = np.where(count > 0, local, 0.0)
        growth = np.where(count > 0, weights * local + (1 - weights) * pooled, pooled)
        growth = growth.reshape(-1, len(actual))  # (n_weight * n_region, N)
        buffer = np.empty_like(growth)  # reused: no fresh large arrays inside the grid loop
        for d, damping in enumerate(GRID_DAMPING):
            np.multiply(growth, sums[d], out=buffer)
            buffer += level
            np.expm1(buffer, out=buffer)  # from_log, in place
            np.maximum(buffer, 0.0, out=buffer)
            buffer -= actual
            np.abs(buffer, out=buffer)
            loss = buffer.sum(axis=1)
            i = int(np.argmin(loss))
            if loss[i] < best[0] - 1e-9:
                w_i, r_i = divmod(i, len(GRID_REGION))
                best = (
                    float(loss[i]),
                    TrendParams(
                        window=window,
                        weight=float(GRID_WEIGHT[w_i]),
                        region=float(GRID_REGION[r_i]),
                        damping=float(damping),
                        estimated_on=len(actual),
                    ),
                )
    return best[1]


class PooledTrend(PanelMethod):
    """Each authority's growth shrunk towards its region's and England's, damped.

    Parameters
    ----------
    params : TrendParams, optional
        Fixed parameters; by default they are estimated across authorities at each origin.
    """

    name = "pooled_trend"

    def __init__(self, params: TrendParams | None = None) -> None:
        self.params = params

    def get_params(self) -> dict:
        return {"params": self.params}

    def fit(self, panel: Panel, measure: str = CLA, breakdown: str = TOTAL) -> PooledTrend:
        values = self._start(panel, measure, breakdown)
        regions, region_codes = panel.region_index()
        cache = _growth_cache(values, regions, len(region_codes))
        self.params_ = self.params or _estimate_trend(values, regions, len(region_codes), cache)
        self.inputs_ = _trend_inputs(
            to_log(values), regions, len(region_codes), values.shape[1] - 1, cache
        )
        return self

    def predict(self, horizon: int) -> np.ndarray:
        return project_trend(self.inputs_, self.params_, horizon)


@dataclass(frozen=True)
class RateParams:
    """A rate shrunk towards region and England: own weight, region share, window."""

    window: int
    weight: float
    region: float


def _rate_inputs(numerator, denominator, regions, n_regions, column, window):
    """Own, region and England rate over the last ``window`` years up to ``column``."""
    lo = max(column - window + 1, 0)
    num = numerator[:, lo : column + 1]
    den = denominator[:, lo : column + 1]
    ok = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
    top = np.where(ok, num, 0.0).sum(axis=1)
    bottom = np.where(ok, den, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(bottom > 0, top / bottom, np.nan)
        region_top = np.bincount(regions, top, n_regions)
        region_bottom = np.bincount(regions, bottom, n_regions)
        region = np.where(region_bottom > 0, region_top / region_bottom, np.nan)[regions]
        england = top.sum() / bottom.sum() if bottom.sum() > 0 else np.nan
    return own, region, england


def _shrunk_rate(own, region, england, params: RateParams) -> np.ndarray:
    pooled = (
        params.region * np.where(np.isnan(region), england, region) + (1 - params.region) * england
    )
    return np.where(np.isnan(own), pooled, params.weight * own + (1 - params.weight) * pooled)


def _estimate_rate(numerator, denominator, regions, n_regions, outcome) -> RateParams:
    """Grid search of a shrunk rate: ``outcome(rate, column, h)`` gives (forecast, actual)."""
    last = numerator.shape[1] - 1
    best = (np.inf, RateParams(window=3, weight=0.0, region=0.0))
    for window in GRID_WINDOW:
        rows = []
        for column in range(1, last):
            own, region, england = _rate_inputs(
                numerator, denominator, regions, n_regions, column, window
            )
            if np.isnan(england):
                continue
            rows.append((column, own, region, england))
        if not rows:
            continue
        for weight in GRID_WEIGHT:
            for share in GRID_REGION:
                params = RateParams(window, float(weight), float(share))
                loss = 0.0
                for column, own, region, england in rows:
                    rate = _shrunk_rate(own, region, england, params)
                    for h in range(1, ESTIMATION_HORIZON + 1):
                        if column + h > last:
                            break
                        forecast, actual = outcome(rate, column, h)
                        ok = ~np.isnan(forecast) & ~np.isnan(actual)
                        loss += float(np.abs(forecast[ok] - actual[ok]).sum())
                if loss < best[0] - 1e-9:
                    best = (loss, params)
    return best[1]


@dataclass(frozen=True)
class StockFlowParams:
    """Learned parameters of :class:`StockFlow`."""

    starts: TrendParams
    exits: RateParams
    residual: RateParams
    step: float

    def describe(self) -> str:
        return (
            f"starts: {self.starts.describe()}; share ceasing over the last "
            f"{self.exits.window} year(s), own weight {self.exits.weight:.0%}; "
            f"{self.step:.0%} of the stock-flow step from today's figure"
        )


class StockFlow(PanelMethod):
    """Stock-flow on the published flows, pooled across authorities.

    ``stock(t+1) = stock(t) * (1 + r) + starts(t+1) - ceased(t+1)``, ``ceased(t+1) =
    q * (stock(t) + starts(t+1))``: ``q`` is the share of children who cease (of those looked after
    at the start of the year plus those who start) and ``r`` the published difference between the
    stock and the flows as a share of the stock (children counted once a year however many times
    they start or cease). Starts come from :class:`PooledTrend`; ``q`` and ``r`` are each
    authority's recent values shrunk towards region and England. The forecast stock is today's
    figure plus ``step`` times the stock-flow change, ``step`` estimated across authorities.
    """

    name = "stockflow"

    def __init__(self, params: StockFlowParams | None = None) -> None:
        self.params = params

    def get_params(self) -> dict:
        return {"params": self.params}

    def fit(self, panel: Panel, measure: str = CLA, breakdown: str = TOTAL) -> StockFlow:
        if breakdown != TOTAL or measure not in (CLA, STARTS, CEASED):
            raise InputDataError("the stock-flow method forecasts totals of the three measures.")
        self._start(panel, measure, breakdown)
        stock, starts, ceased = panel.get(CLA), panel.get(STARTS), panel.get(CEASED)
        regions, region_codes = panel.region_index()
        n_regions = len(region_codes)
        last = stock.shape[1] - 1
        previous = np.full_like(stock, np.nan)
        previous[:, 1:] = stock[:, :-1]
        at_risk = previous + starts
        residual = stock - previous - starts + ceased
        starts_cache = _growth_cache(starts, regions, n_regions)
        if self.params is not None:
            params = self.params
        else:
            starts_params = _estimate_trend(starts, regions, n_regions, starts_cache)

            def ceased_outcome(rate, column, h):
                return rate * at_risk[:, column + h], ceased[:, column + h]

            def stock_outcome(rate, column, h):
                t = column + h
                return previous[:, t] * (1 + rate) + starts[:, t] - ceased[:, t], stock[:, t]

            exits = _estimate_rate(ceased, at_risk, regions, n_regions, ceased_outcome)
            resid = _estimate_rate(residual, previous, regions, n_regions, stock_outcome)
            params = StockFlowParams(starts_params, exits, resid, step=1.0)
            params = StockFlowParams(
                starts_params,
                exits,
                resid,
                step=self._estimate_step(panel, params, starts_cache, regions, n_regions),
            )
        self.params_ = params
        self.parts_ = self._project_parts(
            panel, params, starts_cache, regions, n_regions, last, ESTIMATION_HORIZON
        )
        self.panel_ = panel
        self._cache = (starts_cache, regions, n_regions)
        return self

    @staticmethod
    def _project_parts(panel, params, starts_cache, regions, n_regions, column, horizon):
        """Stock-flow stock, starts and ceased ``(n, horizon)`` from ``column`` (before damping)."""
        stock, starts, ceased = panel.get(CLA), panel.get(STARTS), panel.get(CEASED)
        previous = np.full_like(stock, np.nan)
        previous[:, 1:] = stock[:, :-1]
        inputs = _trend_inputs(to_log(starts), regions, n_regions, column, starts_cache)
        starts_ahead = project_trend(inputs, params.starts, horizon)
        q = _shrunk_rate(
            *_rate_inputs(
                ceased, previous + starts, regions, n_regions, column, params.exits.window
            ),
            params.exits,
        )
        r = _shrunk_rate(
            *_rate_inputs(
                stock - previous - starts + ceased,
                previous,
                regions,
                n_regions,
                column,
                params.residual.window,
            ),
            params.residual,
        )
        q = np.clip(np.where(np.isnan(q), 0.0, q), 0.0, 1.0)
        r = np.where(np.isnan(r), 0.0, r)
        level, _ = last_level(stock, column)
        # Without a recent starts figure the flows cannot be projected: hold the stock.
        no_flows = np.isnan(starts_ahead).any(axis=1)
        starts_ahead = np.where(no_flows[:, None], 0.0, starts_ahead)
        q = np.where(no_flows, 0.0, q)
        r = np.where(no_flows, 0.0, r)
        now = level.copy()
        stock_ahead = np.empty((len(level), horizon))
        ceased_ahead = np.empty((len(level), horizon))
        for h in range(horizon):
            out = q * (now + starts_ahead[:, h])
            now = np.clip(now * (1 + r) + starts_ahead[:, h] - out, 0.0, None)
            stock_ahead[:, h] = now
            ceased_ahead[:, h] = out
        starts_ahead[no_flows] = np.nan
        ceased_ahead[no_flows] = np.nan
        return level, stock_ahead, starts_ahead, ceased_ahead

    def _estimate_step(self, panel, params, starts_cache, regions, n_regions) -> float:
        stock = panel.get(CLA)
        last = stock.shape[1] - 1
        pieces = []
        for column in range(1, last):
            horizon = min(ESTIMATION_HORIZON, last - column)
            level, ahead, _, _ = self._project_parts(
                panel, params, starts_cache, regions, n_regions, column, horizon
            )
            actual = stock[:, column + 1 : column + 1 + horizon]
            pieces.append((level[:, None], ahead, actual))
        if not pieces:
            return 0.0
        best = (np.inf, 0.0)
        for step in GRID_WEIGHT:
            loss = 0.0
            for level, ahead, actual in pieces:
                forecast = level + step * (ahead - level)
                ok = ~np.isnan(forecast) & ~np.isnan(actual)
                loss += float(np.abs(forecast[ok] - actual[ok]).sum())
            if loss < best[0] - 1e-9:
                best = (loss, float(step))
        return best[1]

    def predict(self, horizon: int) -> np.ndarray:
        starts_cache, regions, n_regions = self._cache
        level, stock_ahead, starts_ahead, _ = self._project_parts(
            self.panel_,
            self.params_,
            starts_cache,
            regions,
            n_regions,
            self.panel_.get(CLA).shape[1] - 1,
            horizon,
        )
        step = self.params_.step
        stock = np.clip(level[:, None] + step * (stock_ahead - level[:, None]), 0.0, None)
        if self.measure_ == CLA:
            return stock
        if self.measure_ == STARTS:
            return starts_ahead
        # Ceased consistent with the damped stock path.
        before = np.concatenate([level[:, None], stock[:, :-1]], axis=1)
        q = self._exit_share()
        return q[:, None] * (before + starts_ahead)

    def _exit_share(self) -> np.ndarray:
        starts_cache, regions, n_regions = self._cache
        panel = self.panel_
        stock, starts, ceased = panel.get(CLA), panel.get(STARTS), panel.get(CEASED)
        previous = np.full_like(stock, np.nan)
        previous[:, 1:] = stock[:, :-1]
        q = _shrunk_rate(
            *_rate_inputs(
                ceased,
                previous + starts,
                regions,
                n_regions,
                stock.shape[1] - 1,
                self.params_.exits.window,
            ),
            self.params_.exits,
        )
        return np.clip(np.where(np.isnan(q), 0.0, q), 0.0, 1.0)


FEATURES: dict[str, str] = {
    "momentum": "the authority's growth last year minus its region's (log)",
    "rate": "children looked after per 10,000 children aged 0-17 (log)",
    "older_share": "share of the children looked after aged 16-17 (latest published year)",
    "flow_balance": "starts against ceased last year: log(1 + starts) - log(1 + ceased)",
    "starts_growth": "growth of starts last year (log)",
}
"""Authority features of :class:`PooledRegression`; each is measured against the average of all
authorities at the origin (so the adjustments move authorities relative to each other)."""

RIDGE = 1e-3
"""Ridge penalty of :class:`PooledRegression` per forecast used (on size-weighted features)."""


def authority_features(panel: Panel, measure: str, column: int) -> np.ndarray:
    """:data:`FEATURES` of every authority at ``column``, centred; missing values are 0.

    Returns an array ``(n_authorities, len(FEATURES))``.
    """
    from sufficiency.national.panel import BREAKDOWNS

    values = panel.get(measure)
    x = to_log(values)
    regions, region_codes = panel.region_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = x[:, column] - x[:, column - 1] if column >= 1 else np.full(panel.n, np.nan)
        region_growth = group_growth(values, regions, len(region_codes))[:, column]
        stock, _ = last_level(panel.get(CLA), column)
        population, _ = last_level(panel.population, column, 3)
        oldest = BREAKDOWNS[CLA]["age band"][-1]
        older, _ = last_level(panel.get(CLA, oldest), column)
        starts, ceased = panel.get(STARTS), panel.get(CEASED)
        columns = [
            growth - region_growth[regions],
            np.log(stock / population),
            older / stock,
            np.log1p(starts[:, column]) - np.log1p(ceased[:, column]),
            (np.log1p(starts[:, column]) - np.log1p(starts[:, column - 1]))
            if column >= 1
            else np.full(panel.n, np.nan),
        ]
    features = np.column_stack(columns)
    features[~np.isfinite(features)] = np.nan
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(features, axis=0)
    features = features - np.where(np.isnan(centre), 0.0, centre)
    return np.where(np.isnan(features), 0.0, features)


class PooledRegression(PanelMethod):
    """:class:`PooledTrend`, then each authority moved by what its own features say.

    The forecast is the pooled trend's times ``exp(features @ beta_h)``: ``beta_h`` (one set per
    year ahead) is fitted by ridge least squares (weighted by authority size, penalty
    :data:`RIDGE`) to how far the pooled trend missed at every earlier origin, across all
    authorities. Features (:data:`FEATURES`) are centred at each origin, so the adjustment moves
    authorities relative to each other rather than the national total.
    """

    name = "pooled_regression"

    def get_params(self) -> dict:
        return {}

    def fit(self, panel: Panel, measure: str = CLA, breakdown: str = TOTAL) -> PooledRegression:
        if breakdown != TOTAL:
            raise InputDataError("the pooled regression forecasts totals of the three measures.")
        values = self._start(panel, measure, breakdown)
        regions, region_codes = panel.region_index()
        cache = _growth_cache(values, regions, len(region_codes))
        self.trend_ = _estimate_trend(values, regions, len(region_codes), cache)
        last = values.shape[1] - 1
        rows: dict[int, list] = {h: [] for h in range(1, ESTIMATION_HORIZON + 1)}
        for column in range(1, last):
            inputs = _trend_inputs(to_log(values), regions, len(region_codes), column, cache)
            horizon = min(ESTIMATION_HORIZON, last - column)
            ahead = project_trend(inputs, self.trend_, horizon)
            features = authority_features(panel, measure, column)
            size, _ = last_level(values, column)
            for h in range(1, horizon + 1):
                actual = values[:, column + h]
                ok = ~np.isnan(actual) & ~np.isnan(ahead[:, h - 1]) & ~np.isnan(size)
                error = np.log1p(actual[ok]) - np.log1p(ahead[ok, h - 1])
                rows[h].append((features[ok], error, size[ok]))
        self.coefficients_ = {}
        for h, parts in rows.items():
            if not parts or sum(len(p[1]) for p in parts) < 50:
                continue
            design = np.vstack([p[0] for p in parts])
            target = np.concatenate([p[1] for p in parts])
            weight = np.concatenate([p[2] for p in parts])
            weight = weight / weight.mean()
            gram = (design * weight[:, None]).T @ design
            gram += RIDGE * len(target) * np.eye(design.shape[1])
            self.coefficients_[h] = np.linalg.solve(gram, (design * weight[:, None]).T @ target)
        self.inputs_ = _trend_inputs(to_log(values), regions, len(region_codes), last, cache)
        self.features_ = authority_features(panel, measure, last)
        self.params_ = self
        return self

    def describe(self) -> str:
        parts = []
        for h, beta in sorted(self.coefficients_.items()):
            text = ", ".join(
                f"{name} {value:+.3f}" for name, value in zip(FEATURES, beta, strict=True)
            )
            parts.append(f"{h} year(s) ahead: {text}")
        return f"pooled trend ({self.trend_.describe()}); adjustments: " + "; ".join(parts)

    def predict(self, horizon: int) -> np.ndarray:
        base = project_trend(self.inputs_, self.trend_, horizon)
        if not self.coefficients_:
            return base
        out = base.copy()
        longest = max(self.coefficients_)
        for h in range(1, horizon + 1):
            beta = self.coefficients_[min(h, longest)]
            out[:, h - 1] = base[:, h - 1] * np.exp(self.features_ @ beta)
        return out


METHODS: dict[str, str] = {
    "naive": "carrying the last figure forward",
    "drift": "extending each authority's average trend",
    "ses": "a smoothed recent level (each authority alone)",
    "damped_holt": "a smoothed, fading trend (each authority alone)",
    "combination": "averaging the last figure, a smoothed level and a fading trend",
    "pooled_trend": "recent growth shrunk towards region and England, damped",
    "stockflow": "stock-flow on published starts and ceased",
    "pooled_regression": (
        "a damped trend shared with region and England, adjusted for each authority's own "
        "figures (rate per 10,000, share aged 16-17, starts against ceased, recent growth)"
    ),
}
"""Candidate methods and what they do, in plain words."""

SHORT_NAMES: dict[str, str] = {
    "naive": "carrying the last figure forward",
    "drift": "the drift method",
    "ses": "simple exponential smoothing",
    "damped_holt": "damped Holt",
    "combination": "the combination",
    "pooled_trend": "the pooled trend",
    "stockflow": "the stock-flow model",
    "pooled_regression": "the pooled regression",
}
"""Names of the methods inside a sentence."""


def make_method(name: str) -> PanelMethod:
    """A fresh method by name (see :data:`METHODS`)."""
    if name == "naive":
        return Naive()
    if name in ("drift", "ses", "damped_holt", "combination"):
        return SeriesMethod(name)
    if name == "pooled_trend":
        return PooledTrend()
    if name == "stockflow":
        return StockFlow()
    if name == "pooled_regression":
        return PooledRegression()
    raise InputDataError(f"unknown method '{name}'; choose from {', '.join(METHODS)}.")
