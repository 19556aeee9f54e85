"""Rolling-origin backtest of the national methods on the published tables.

At each origin (31 March of a year) every method is fitted on the figures published up to that
year only, forecasts one to ``horizon`` years ahead for every authority, and gets 80% and 95%
ranges calibrated on its own earlier forecasts (made at earlier origins and checked against
figures published by this origin: :mod:`sufficiency.national.intervals`). Forecasts are then
compared with what was published.

The work is one task per method and origin, run on an :class:`~sufficiency.distributed.Engine`;
results do not depend on the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sufficiency.errors import InputDataError
from sufficiency.national.intervals import RANGE_LEVELS, calibrate, ranges
from sufficiency.national.methods import StockFlow, last_level, make_method
from sufficiency.national.panel import CEASED, CLA, STARTS, TOTAL, Panel
from sufficiency.progress import ProgressCallback

SIZE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("small (under 300 children)", 0.0, 300.0),
    ("medium (300-599)", 300.0, 600.0),
    ("large (600 or more)", 600.0, np.inf),
)
"""Authority size by children looked after at the forecast origin."""

FORECAST_COLUMNS: tuple[str, ...] = (
    "method",
    "measure",
    "origin",
    "horizon",
    "year",
    "la_code",
    "point",
    "size",
    "actual",
)


def size_band(children: np.ndarray | pd.Series) -> np.ndarray:
    """Size band label for each authority size (children looked after at the origin)."""
    values = np.asarray(children, dtype=float)
    out = np.full(values.shape, "unknown", dtype=object)
    for label, low, high in SIZE_BANDS:
        out[(values >= low) & (values < high)] = label
    return out


def fit_methods(panel: Panel, method: str, measures: Sequence[str]) -> dict:
    """Fit ``method`` for each measure total on ``panel`` (standing at its last year)."""
    fitted = {}
    shared_params = None
    for measure in measures:
        if method == "stockflow":
            model = StockFlow(shared_params).fit(panel, measure)
            shared_params = model.params_
        else:
            model = make_method(method).fit(panel, measure)
        fitted[measure] = model
    return fitted


def origin_task(panel: Panel, item: tuple) -> tuple:
    """One method at one origin: point forecasts and sizes for each measure total.

    ``item`` is ``(method, origin, horizon, measures)``; returns ``(method, origin, {measure:
    (points, size)}, description of learned parameters)``.
    """
    method, origin, horizon, measures = item
    at = panel.until(origin)
    fitted = fit_methods(at, method, measures)
    out = {}
    for measure, model in fitted.items():
        size, _ = last_level(at.get(measure), at.get(measure).shape[1] - 1)
        out[measure] = (model.predict(horizon), size)
    params = getattr(next(iter(fitted.values())), "params_", None)
    return method, origin, out, params.describe() if hasattr(params, "describe") else ""


def rolling_forecasts(
    panel: Panel,
    methods: Sequence[str],
    origins: Iterable[int],
    horizon: int = 3,
    *,
    measures: Sequence[str] = (CLA, STARTS, CEASED),
    engine=None,
    progress: ProgressCallback | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Point forecasts of every method at every origin, one row per authority and year ahead.

    Returns
    -------
    (pandas.DataFrame, dict)
        :data:`FORECAST_COLUMNS` (``actual`` is ``NaN`` when not yet published or suppressed)
        and ``{(method, origin): learned parameters in words}``.
    """
    from sufficiency.distributed import SerialEngine

    origins = sorted(set(int(o) for o in origins))
    bad = [o for o in origins if o not in set(panel.years[1:].tolist())]
    if bad:
        raise InputDataError(
            f"forecast origin(s) {', '.join(map(str, bad))} outside the published years "
            f"{panel.years[1]}-{panel.last_year} (a forecast needs at least two years of history)."
        )
    items = [(m, o, horizon, tuple(measures)) for m in methods for o in origins]
    running = engine or SerialEngine()
    results = running.map(origin_task, items, panel, progress=progress, label="method x origin")
    codes = panel.authorities["la_code"].to_numpy()
    pieces, described = [], {}
    for method, origin, by_measure, params in results:
        described[(method, origin)] = params
        for measure, (points, size) in by_measure.items():
            values = panel.get(measure)
            for h in range(1, horizon + 1):
                year = origin + h
                actual = (
                    values[:, panel.column(year)]
                    if year <= panel.last_year
                    else np.full(panel.n, np.nan)
                )
                pieces.append(
                    pd.DataFrame(
                        {
                            "method": method,
                            "measure": measure,
                            "origin": origin,
                            "horizon": h,
                            "year": year,
                            "la_code": codes,
                            "point": points[:, h - 1],
                            "size": size,
                            "actual": actual,
                        }
                    )
                )
    frame = pd.concat(pieces, ignore_index=True)
    return frame.loc[frame["point"].notna()].reset_index(drop=True), described


def add_ranges(forecasts: pd.DataFrame) -> pd.DataFrame:
    """80% and 95% ranges for every row, calibrated on the same method's earlier forecasts.

    For origin ``O`` only forecasts made before ``O`` whose year had been published by ``O`` are
    used. Rows at the first origins (too few earlier errors) get ``NaN`` ranges.
    """
    out = []
    max_horizon = int(forecasts["horizon"].max())
    for _, rows in forecasts.groupby(["method", "measure"], sort=False):
        rows = rows.copy()
        for name in RANGE_LEVELS:
            rows[name] = np.nan
        for origin in sorted(rows["origin"].unique()):
            known = rows.loc[
                (rows["origin"] < origin) & (rows["year"] <= origin) & rows["actual"].notna()
            ]
            calibration = calibrate(
                known["point"].to_numpy(),
                known["actual"].to_numpy(),
                known["size"].to_numpy(),
                known["horizon"].to_numpy(),
                max_horizon,
            )
            at = rows["origin"] == origin
            block = rows.loc[at]
            wide = np.full((len(block), max_horizon), np.nan)
            wide[np.arange(len(block)), block["horizon"].to_numpy() - 1] = block["point"]
            size = block["size"].to_numpy()
            computed = ranges(wide, size, calibration)
            for name in RANGE_LEVELS:
                rows.loc[at, name] = computed[name][
                    np.arange(len(block)), block["horizon"].to_numpy() - 1
                ]
        out.append(rows)
    return pd.concat(out).sort_index()


def score(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Rows with a published actual, with errors and whether the ranges held it.

    Adds ``abs_error`` and ``naive_abs_error`` (children), ``inside_80`` and ``inside_95`` (1 or 0,
    ``NaN`` without ranges).
    """
    scored = forecasts.loc[forecasts["actual"].notna()].copy()
    scored["abs_error"] = (scored["actual"] - scored["point"]).abs()
    scored["naive_abs_error"] = (scored["actual"] - scored["size"]).abs()
    if "lower80" in scored:
        has = scored["lower80"].notna()
        scored["inside_80"] = np.where(
            has, scored["actual"].between(scored["lower80"], scored["upper80"]), np.nan
        )
        scored["inside_95"] = np.where(
            has, scored["actual"].between(scored["lower95"], scored["upper95"]), np.nan
        )
    return scored


def summarise(scored: pd.DataFrame, by: Sequence[str] = ("method",)) -> pd.DataFrame:
    """Accuracy per group: MAE in children, MAE ratio against naive, range coverage.

    ``mae_ratio_vs_naive`` is total absolute error / naive's total absolute error on the same
    forecasts (below 1 = less error than carrying the last figure forward).
    """
    grouped = scored.groupby(list(by), sort=True, observed=True)
    summary = grouped.agg(
        forecasts=("abs_error", "size"),
        authorities=("la_code", "nunique"),
        origins=("origin", "nunique"),
        MAE=("abs_error", "mean"),
        naive_MAE=("naive_abs_error", "mean"),
        coverage_80=("inside_80", "mean"),
        coverage_95=("inside_95", "mean"),
    )
    summary["mae_ratio_vs_naive"] = summary["MAE"] / summary["naive_MAE"].replace(0, np.nan)
    return summary.reset_index()


def with_groups(scored: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """Add ``region_name``, ``la_name`` and ``size_band`` columns for grouped summaries.

    The size band is the authority's children looked after at the forecast origin, whatever the
    measure forecast.
    """
    who = panel.authorities.set_index("la_code")
    out = scored.copy()
    out["region_name"] = out["la_code"].map(who["region_name"])
    out["la_name"] = out["la_code"].map(who["la_name"])
    stock = panel.get(CLA)
    rows = out["la_code"].map(pd.Series(np.arange(panel.n), index=who.index)).to_numpy()
    columns = out["origin"].to_numpy() - int(panel.years[0])
    out["size_band"] = size_band(stock[rows, columns])
    return out


__all__ = [
    "FORECAST_COLUMNS",
    "SIZE_BANDS",
    "TOTAL",
    "add_ranges",
    "fit_methods",
    "origin_task",
    "rolling_forecasts",
    "score",
    "size_band",
    "summarise",
    "with_groups",
]
