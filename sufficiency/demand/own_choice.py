"""Choices made on the authority's own track record: the point forecast and calibrated ranges.

At fit time the stock-flow model is refitted at earlier dates (the rolling-origin backtest of
:mod:`sufficiency.demand.track_record`). Two things are then read off those past forecasts, using
only checks whose outcome is known (the month forecast is on or before the date the choice is
made for):

* **the point forecast** (:func:`choose_reconcile`): the stock-flow total (bottom-up), or every
  cell scaled by one factor a month to another forecast of the total (top-down, see
  :data:`sufficiency.demand.stockflow.RECONCILE_METHODS`), whichever had the lowest error against
  carrying the last figure forward on this authority's own past origins (the score of the
  pre-registered rule in ``docs/demand_defaults.md``, for one authority);
* **range factors** (:func:`range_factors`): how much the simulated 80% range must be widened (or
  narrowed) around the mean, month by month ahead, for it to have held 80% of this authority's
  past outcomes (split conformal calibration, with one factor for the total and one for all other
  series). Every quantile ``q`` becomes ``mean + k (q - mean)``, clipped at zero: a monotone
  stretch around the same centre, so the mean is unchanged and stays inside its own ranges.

:func:`nested_forecasts` replays this at every past origin with only the origins before it, which
is the honest track record of the whole procedure (nothing from after an origin is used there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.demand.stockflow import RECONCILE_METHODS, stretch, top_down_total

QUANTILE_COLUMNS = ("p2_5", "p10", "p25", "p50", "p75", "p90", "p97_5")
TOTAL = "total"
SELECTION_HORIZONS = (12, 24, 36)
CATEGORY_HORIZONS = (12, 24)
MIN_SELECTION_ORIGINS = 2
"""Origins with a known one-year outcome needed before the point forecast is chosen."""
MIN_CALIBRATION_ORIGINS = 3
"""Origins with known outcomes near a horizon needed before its range factor is estimated."""
HORIZON_WINDOW = 3
"""Checks up to this many months either side of a horizon count towards its range factor."""
FACTOR_LIMITS = (1.0, 4.0)
"""Range factors are kept in this interval (1: the simulated range is never narrowed)."""
WINDOW_YEARS = 6
"""Past origins used: those in the six years before (as the fitted model's own backtest)."""
CALIBRATIONS = ("by horizon", "by horizon, else pooled", "pooled")
"""How range factors are read off the misses: per month ahead (else the last one estimated), per
month ahead else one factor pooled over every known check, or that pooled factor alone."""
HALF_WIDTH_FLOOR = 0.5
"""Children: a range narrower than this on one side counts as this wide (no division by 0)."""


@dataclass(frozen=True)
class OwnChoice:
    """What the authority's own track record chose.

    Attributes
    ----------
    reconcile : str
        One of :data:`~sufficiency.demand.stockflow.RECONCILE_METHODS`.
    scores : dict
        Each candidate's score (error against naive; lower is better; empty when too few checks).
    range_scale : numpy.ndarray
        ``(H, 2)`` factors for the total (column 0) and every other series (column 1), one row per
        month ahead.
    checks : int
        Origins with a known one-year outcome the choice rests on.
    """

    reconcile: str
    scores: dict
    range_scale: np.ndarray
    checks: int


def adjust_forecasts(raw: pd.DataFrame, totals: pd.Series, reconcile: str) -> pd.DataFrame:
    """Past forecasts as a top-down method would have made them (bottom-up: unchanged).

    Parameters
    ----------
    raw : pandas.DataFrame
        :func:`sufficiency.demand.track_record.forecast_at` rows (bottom-up), any origins.
    totals : pandas.Series
        Observed month-end total indexed by date (only values up to each origin are used).
    reconcile : str
        One of :data:`RECONCILE_METHODS`.
    """
    if reconcile == "bottom-up":
        return raw.copy()
    pieces = []
    for origin, rows in raw.groupby("origin", sort=True):
        total_rows = rows[rows["unique_id"] == TOTAL].sort_values("horizon")
        base = total_rows["mean_path"].to_numpy(dtype=float)
        target = top_down_total(totals[totals.index <= origin], base, reconcile)
        factor = np.where(base > 0, target / np.where(base > 0, base, 1.0), 1.0)
        by_horizon = pd.Series(factor, index=total_rows["horizon"].to_numpy())
        scale = rows["horizon"].map(by_horizon).to_numpy(dtype=float)
        out = rows.copy()
        for column in ("mean", "mean_path", *QUANTILE_COLUMNS):
            if column in out.columns:
                out[column] = out[column].to_numpy(dtype=float) * scale
        pieces.append(out)
    return pd.concat(pieces, ignore_index=True)


def _known(scored: pd.DataFrame, at: pd.Timestamp, window_years: float | None) -> pd.DataFrame:
    """Checks whose outcome was known at ``at``, from origins before it within the window."""
    keep = (scored["origin"] < at) & (scored["ds"] <= at)
    if window_years is not None:
        keep &= scored["origin"] > at - pd.DateOffset(months=int(12 * window_years))
    return scored.loc[keep]


def selection_score(scored: pd.DataFrame) -> float:
    """The pre-registered point score for one authority: 0.5 x mean total ratio (12/24/36 months)
    + 0.5 x mean category ratio (12/24 months), ratios = summed absolute error / naive's."""
    error = (scored["actual"] - scored["forecast"]).abs()
    naive = (scored["actual"] - scored["naive_forecast"]).abs()
    frame = scored.assign(_err=error, _naive=naive)
    parts = []
    for ids, horizons in (
        (frame["series_id"] == TOTAL, SELECTION_HORIZONS),
        (frame["series_id"].str.startswith("category: "), CATEGORY_HORIZONS),
    ):
        ratios = []
        for h in horizons:
            rows = frame[ids & (frame["horizon"] == h)]
            if len(rows) and rows["_naive"].sum() > 0:
                ratios.append(rows["_err"].sum() / rows["_naive"].sum())
        if ratios:
            parts.append(float(np.mean(ratios)))
    return float(np.mean(parts)) if parts else float("nan")


def choose_reconcile(
    scored_by_method: dict[str, pd.DataFrame],
    at: pd.Timestamp,
    *,
    window_years: float | None = WINDOW_YEARS,
) -> tuple[str, dict, int]:
    """The point forecast with the lowest score on checks known at ``at`` (ties within 0.01: the
    earlier in :data:`RECONCILE_METHODS`; too few checks: bottom-up).

    Returns the method, every candidate's score and the number of origins with a known one-year
    outcome.
    """
    first = next(iter(scored_by_method.values()))
    known = _known(first, at, window_years)
    checks = known.loc[
        (known["series_id"] == TOTAL) & (known["horizon"] == SELECTION_HORIZONS[0]), "origin"
    ].nunique()
    if checks < MIN_SELECTION_ORIGINS:
        return "bottom-up", {}, int(checks)
    scores = {
        method: selection_score(_known(scored, at, window_years))
        for method, scored in scored_by_method.items()
    }
    finite = {m: s for m, s in scores.items() if np.isfinite(s)}
    if not finite:
        return "bottom-up", scores, int(checks)
    best = min(finite.values())
    for method in RECONCILE_METHODS:
        if method in finite and finite[method] <= best + 0.01:
            return method, scores, int(checks)
    raise AssertionError("unreachable")


def _side_scores(rows: pd.DataFrame) -> np.ndarray:
    """How many half-widths of the 80% range (on the actual's side of the mean) each miss was."""
    above = rows["actual"] >= rows["forecast"]
    half = np.where(above, rows["upper_80"] - rows["forecast"], rows["forecast"] - rows["lower_80"])
    half = np.maximum(half, HALF_WIDTH_FLOOR)
    return ((rows["actual"] - rows["forecast"]).abs() / half).to_numpy(dtype=float)


def range_factors(
    scored: pd.DataFrame,
    at: pd.Timestamp,
    horizon: int,
    *,
    window_years: float | None = WINDOW_YEARS,
    limits: tuple[float, float] = FACTOR_LIMITS,
    calibration: str = CALIBRATIONS[0],
) -> np.ndarray:
    """``(horizon, 2)`` range factors (total; every other series) from checks known at ``at``.

    ``"by horizon"``: for month ``h`` ahead the factor is the 80th percentile of the misses (in
    half-widths of the simulated 80% range) over known checks ``h - 3`` to ``h + 3`` months
    ahead, from at least :data:`MIN_CALIBRATION_ORIGINS` origins; further ahead than that, the
    last factor estimated is held; with none, 1 (the simulated range). ``"by horizon, else
    pooled"``: where no factor for ``h`` can be estimated, the 80th percentile of every known
    miss at any horizon (from at least that many origins; else 1) instead of the last one.
    ``"pooled"``: that pooled factor for every ``h``. Clipped to ``limits``.
    """
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {CALIBRATIONS} (got {calibration!r})")
    known = _known(scored, at, window_years)
    out = np.ones((int(horizon), 2))
    groups = (
        known[known["series_id"] == TOTAL],
        known[known["series_id"].str.startswith("category: ")],
    )
    for column, rows in enumerate(groups):
        scores = _side_scores(rows) if len(rows) else np.zeros(0)
        steps = rows["horizon"].to_numpy()
        origins = rows["origin"].to_numpy()
        pooled = (
            float(np.quantile(scores, 0.8))
            if len(np.unique(origins)) >= MIN_CALIBRATION_ORIGINS
            else 1.0
        )
        if calibration == "pooled":
            out[:, column] = pooled
            continue
        last = 1.0
        for h in range(1, int(horizon) + 1):
            near = np.abs(steps - h) <= HORIZON_WINDOW
            if len(np.unique(origins[near])) >= MIN_CALIBRATION_ORIGINS:
                last = float(np.quantile(scores[near], 0.8))
                out[h - 1, column] = last
            elif calibration == "by horizon, else pooled":
                out[h - 1, column] = pooled
            else:
                out[h - 1, column] = last
    return np.clip(out, *limits)


def widen(frame: pd.DataFrame, factors: np.ndarray, *, is_total: np.ndarray) -> pd.DataFrame:
    """Quantile columns stretched around the mean: ``mean + k (q - mean)``, clipped at zero.

    ``frame`` needs ``horizon`` (1-based months ahead), ``mean`` and quantile columns;
    ``factors`` is ``(H, 2)`` (:func:`range_factors`); ``is_total`` marks the total's rows.
    """
    out = frame.copy()
    steps = np.minimum(out["horizon"].to_numpy(dtype=int), len(factors)) - 1
    k = np.where(is_total, factors[steps, 0], factors[steps, 1])
    mean = out["mean"].to_numpy(dtype=float)
    for column in QUANTILE_COLUMNS:
        if column in out.columns:
            out[column] = stretch(out[column].to_numpy(dtype=float), mean, k)
    return out


def score_raw(raw: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Score raw forecasts against the observed series (keeps ``ds``)."""
    from sufficiency.demand.backtest import score_forecasts

    return score_forecasts(raw, series, series)


def scored_methods(
    raw: pd.DataFrame, series: pd.DataFrame, methods=RECONCILE_METHODS
) -> dict[str, pd.DataFrame]:
    """Every candidate point forecast's past forecasts, scored (computed once).

    A check of an origin's forecast uses only data up to that origin (the top-down totals) and the
    outcome it is scored against, so filtering these by :func:`_known` later is the same as
    recomputing them at each date.
    """
    totals = series[series["unique_id"] == TOTAL].set_index("ds")["y"].sort_index()
    return {m: score_raw(adjust_forecasts(raw, totals, m), series) for m in methods}


def own_choice(
    scored: dict[str, pd.DataFrame],
    at: pd.Timestamp,
    horizon: int,
    *,
    window_years: float | None = WINDOW_YEARS,
    limits: tuple[float, float] = FACTOR_LIMITS,
    calibrate: bool = True,
    calibration: str = CALIBRATIONS[0],
) -> OwnChoice:
    """The point forecast and range factors a model fitted at ``at`` takes from past checks.

    Parameters
    ----------
    scored : dict
        :func:`scored_methods` output (one candidate only: no choice of point forecast).
    at : pandas.Timestamp
        The date the choice is made at; only checks of earlier origins with outcomes on or before
        it are used.
    horizon : int
        Months of range factors wanted.
    """
    at = pd.Timestamp(at)
    if len(scored) > 1:
        reconcile, scores, checks = choose_reconcile(scored, at, window_years=window_years)
    else:
        reconcile, scores, checks = next(iter(scored)), {}, 0
    if calibrate:
        factors = range_factors(
            scored[reconcile],
            at,
            horizon,
            window_years=window_years,
            limits=limits,
            calibration=calibration,
        )
    else:
        factors = np.ones((int(horizon), 2))
    return OwnChoice(reconcile, scores, factors, checks)


def nested_forecasts(
    raw: pd.DataFrame,
    series: pd.DataFrame,
    *,
    window_years: float | None = WINDOW_YEARS,
    limits: tuple[float, float] = FACTOR_LIMITS,
    choose_point: bool = True,
    calibrate: bool = True,
    calibration: str = CALIBRATIONS[0],
) -> pd.DataFrame:
    """Every origin's forecast as the product would have made it then (nested, no future data).

    At each origin of ``raw`` the point forecast and range factors come from :func:`own_choice`
    with only the origins before it and outcomes known by it. Returns ``raw``'s rows adjusted,
    with columns ``reconcile`` (the method chosen then) and ``range_factor`` added.
    """
    totals = series[series["unique_id"] == TOTAL].set_index("ds")["y"].sort_index()
    methods = RECONCILE_METHODS if choose_point else ("bottom-up",)
    scored = scored_methods(raw, series, methods)
    pieces = []
    for origin, rows in raw.groupby("origin", sort=True):
        horizon = int(rows["horizon"].max())
        choice = own_choice(
            scored,
            pd.Timestamp(origin),
            horizon,
            window_years=window_years,
            limits=limits,
            calibrate=calibrate,
            calibration=calibration,
        )
        made = adjust_forecasts(rows, totals, choice.reconcile)
        is_total = (made["unique_id"] == TOTAL).to_numpy()
        made = widen(made, choice.range_scale, is_total=is_total)
        steps = made["horizon"].to_numpy(dtype=int) - 1
        made["reconcile"] = choice.reconcile
        made["range_factor"] = np.where(
            is_total, choice.range_scale[steps, 0], choice.range_scale[steps, 1]
        )
        pieces.append(made)
    return pd.concat(pieces, ignore_index=True)


__all__ = [
    "OwnChoice",
    "adjust_forecasts",
    "choose_reconcile",
    "nested_forecasts",
    "own_choice",
    "range_factors",
    "scored_methods",
    "selection_score",
    "widen",
]
