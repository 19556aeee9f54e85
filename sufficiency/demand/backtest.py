"""Rolling-origin backtests: how close would each method have been, had we used it back then?

For each forecast origin (for example 31 March 2019), every method is fitted on the history up to
and including the origin only, forecasts ``horizon`` steps ahead, and is scored against what then
happened. Any model with the estimator shape (``fit`` on a long ``unique_id, ds, y`` frame,
``predict(horizon, random_state)`` returning ``unique_id, ds, mean`` and the quantile columns
``p2_5, p10, p50, p90, p97_5``) can be backtested; forecasts made elsewhere (for example by the
stock-flow model) can be scored with :func:`score_forecasts`.

Metrics, one row per series x method x origin x horizon (:data:`METRIC_COLUMNS`):

* ``MAE``: absolute error, in the series' units (children);
* ``MAPE``: absolute error as a percentage of the actual (missing when the actual is 0);
* ``MASE``: absolute error divided by the mean one-step change of the history up to the origin
  (below 1 = better than a typical year-on-year or month-on-month change);
* ``mae_ratio_vs_naive``: absolute error divided by the error of the naive forecast (last value at
  the origin) for the same series, origin and horizon; summaries use total error / total naive
  error, which is robust to naive forecasts that happened to be exact;
* ``coverage_80`` and ``coverage_95``: 1 when the actual fell inside the 80% (p10-p90) or 95%
  (p2_5-p97_5) prediction interval, else 0; averaged, they should be near 0.80 and 0.95.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.demand.series import (
    METHODS,
    SeriesForecaster,
    check_series,
    infer_frequency,
    make_forecaster,
)
from sufficiency.errors import InputDataError
from sufficiency.progress import ProgressCallback, report

METRIC_COLUMNS: tuple[str, ...] = (
    "series_id",
    "method",
    "origin",
    "horizon",
    "actual",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "MAE",
    "MAPE",
    "MASE",
    "mae_ratio_vs_naive",
    "coverage_80",
    "coverage_95",
)
"""Columns of a scored backtest (agreed between the demand engineers)."""

DEFAULT_METHODS: tuple[str, ...] = (
    "naive",
    "drift",
    "ses",
    "damped_holt",
    "combination",
    "prophet",
)
"""Methods backtested by default (seasonal naive equals naive on annual series)."""

MONTHLY_METHODS: tuple[str, ...] = (
    "naive",
    "seasonal_naive",
    "drift",
    "ses",
    "damped_holt",
    "combination",
    "prophet",
)

PLAIN_NAMES: dict[str, str] = {
    "naive": "carrying the last figure forward",
    "seasonal_naive": "repeating last year's figure for the same month",
    "drift": "extending the average trend",
    "ses": "a smoothed recent level",
    "damped_holt": "a smoothed, fading trend (damped Holt)",
    "combination": "averaging three simple methods (last figure, smoothed level, fading trend)",
    "prophet": "Prophet (trend model)",
    "stockflow": "the stock-flow model",
}


def _forecasters(
    methods: Sequence[str] | Mapping[str, SeriesForecaster] | None, defaults: Sequence[str]
) -> dict[str, SeriesForecaster]:
    if methods is None:
        methods = defaults
    if isinstance(methods, Mapping):
        return {
            name: make_forecaster(model) if isinstance(model, str) else model
            for name, model in methods.items()
        }
    return {name: make_forecaster(name) for name in methods}


def _fresh(model) -> object:
    """An unfitted copy of ``model`` (``clone`` or ``get_params``), else the object itself."""
    if hasattr(model, "clone"):
        return model.clone()
    if hasattr(model, "get_params"):
        return type(model)(**model.get_params())
    return model


def resolve_origins(series: pd.DataFrame, origins: Iterable) -> list[pd.Timestamp]:
    """Forecast origins as dates. A whole number means the last date in that year (31 March)."""
    dates = pd.DatetimeIndex(pd.to_datetime(series["ds"]).unique()).sort_values()
    resolved = []
    for origin in origins:
        if isinstance(origin, (int, np.integer)):
            in_year = dates[dates.year == int(origin)]
            if len(in_year) == 0:
                raise InputDataError(f"backtest: no data in {origin} to use as a forecast origin.")
            resolved.append(in_year.max())
        else:
            resolved.append(pd.Timestamp(origin))
    return sorted(set(resolved))


def rolling_origin_forecasts(
    series: pd.DataFrame,
    methods: Sequence[str] | Mapping[str, SeriesForecaster] | None = None,
    origins: Iterable = (),
    horizon: int = 1,
    *,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Fit each method at each origin on history up to the origin and forecast ahead.

    Parameters
    ----------
    series : pandas.DataFrame
        Long frame ``unique_id, ds, y`` with the full history (later values are the actuals).
    methods : list of names or {name: model}
        Names from :data:`sufficiency.demand.series.METHODS` or estimator-shaped models; models
        are cloned for each origin.
    origins : iterable of dates or years
    horizon : int
        Steps ahead (years for annual series, months for monthly).

    Returns
    -------
    pandas.DataFrame
        ``unique_id, method, origin, horizon, ds, mean, p2_5, p10, p50, p90, p97_5``.
    """
    frame = check_series(series, "backtest series")
    models = _forecasters(methods, DEFAULT_METHODS)
    origin_dates = resolve_origins(frame, origins)
    if not origin_dates:
        raise InputDataError("backtest: give at least one forecast origin.")
    total = len(origin_dates) * len(models)
    done = 0
    pieces = []
    for origin in origin_dates:
        train = frame.loc[frame["ds"] <= origin]
        for name, template in models.items():
            report(progress, done, total, f"{name}, origin {origin:%Y-%m-%d}")
            model = _fresh(template)
            try:
                model.fit(train)
            except InputDataError:
                done += 1
                continue  # too little history at this origin for this method
            predicted = model.predict(horizon, random_state=random_state)
            predicted = predicted.sort_values(["unique_id", "ds"])
            predicted["horizon"] = predicted.groupby("unique_id").cumcount() + 1
            predicted["method"] = name
            predicted["origin"] = origin
            pieces.append(predicted)
            done += 1
    report(progress, total, total, "done")
    if not pieces:
        raise InputDataError(
            "backtest: no method could be fitted at any origin (too little history)."
        )
    out = pd.concat(pieces, ignore_index=True)
    ordered = ["unique_id", "method", "origin", "horizon", "ds"]
    return out[ordered + [c for c in out.columns if c not in ordered]]


def _naive_and_scale(history: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Per (series, origin): the last value at the origin and the mean absolute one-step change."""
    rows = []
    by_series = {uid: group for uid, group in history.groupby("unique_id", sort=False)}
    for uid, origin in keys.drop_duplicates().itertuples(index=False):
        group = by_series.get(uid)
        if group is None:
            rows.append((uid, origin, np.nan, np.nan))
            continue
        past = group.loc[group["ds"] <= origin, "y"].to_numpy(dtype=float)
        if len(past) == 0:
            rows.append((uid, origin, np.nan, np.nan))
            continue
        scale = float(np.mean(np.abs(np.diff(past)))) if len(past) > 1 else np.nan
        rows.append((uid, origin, past[-1], scale))
    return pd.DataFrame(rows, columns=["series_id", "origin", "naive_forecast", "mase_scale"])


def score_forecasts(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score forecasts against what happened, with the agreed metric columns.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        ``unique_id`` (or ``series_id``), ``ds``, ``mean`` (or ``forecast``), ``p2_5, p10, p90,
        p97_5``; optional ``method`` (default 'model'), ``origin`` (default: the last history
        date before the series' first forecast) and ``horizon`` (default: 1, 2, ... by date).
    actuals : pandas.DataFrame
        ``unique_id, ds, y``: what happened. Forecast dates without an actual are dropped.
    history : pandas.DataFrame, optional
        ``unique_id, ds, y`` used for the naive forecast and the MASE scale (only values on or
        before each origin are used); defaults to ``actuals``.

    Returns
    -------
    pandas.DataFrame
        :data:`METRIC_COLUMNS` plus ``naive_forecast`` and ``ds``.
    """
    frame = forecasts.copy()
    if "series_id" not in frame.columns:
        if "unique_id" not in frame.columns:
            raise InputDataError("forecasts to score need a unique_id (or series_id) column.")
        frame = frame.rename(columns={"unique_id": "series_id"})
    if "forecast" not in frame.columns:
        frame = frame.rename(columns={"mean": "forecast"})
    needed = ["series_id", "ds", "forecast", "p2_5", "p10", "p90", "p97_5"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputDataError(f"forecasts to score are missing column(s): {', '.join(missing)}.")
    frame["series_id"] = frame["series_id"].astype(str)
    frame["ds"] = pd.to_datetime(frame["ds"])
    if "method" not in frame.columns:
        frame["method"] = "model"
    actual = check_series(actuals, "actuals").rename(columns={"unique_id": "series_id"})
    past = check_series(history, "history") if history is not None else check_series(actuals)
    if "origin" not in frame.columns:
        first = frame.groupby("series_id")["ds"].transform("min")
        hist_dates = past.rename(columns={"unique_id": "series_id"})[["series_id", "ds"]]
        last_before = (
            frame[["series_id"]]
            .assign(first=first)
            .drop_duplicates()
            .merge(hist_dates, on="series_id")
            .query("ds < first")
            .groupby("series_id")["ds"]
            .max()
        )
        frame["origin"] = frame["series_id"].map(last_before)
    frame["origin"] = pd.to_datetime(frame["origin"])
    if "horizon" not in frame.columns:
        frame = frame.sort_values(["series_id", "method", "origin", "ds"])
        frame["horizon"] = frame.groupby(["series_id", "method", "origin"]).cumcount() + 1
    frame = frame.merge(actual.rename(columns={"y": "actual"}), on=["series_id", "ds"], how="inner")
    naive = _naive_and_scale(past, frame[["series_id", "origin"]])
    frame = frame.merge(naive, on=["series_id", "origin"], how="left")
    error = (frame["actual"] - frame["forecast"]).abs()
    naive_error = (frame["actual"] - frame["naive_forecast"]).abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["MAE"] = error
        frame["MAPE"] = (100 * error / frame["actual"].abs()).where(frame["actual"] != 0)
        frame["MASE"] = (error / frame["mase_scale"]).where(frame["mase_scale"] > 0)
        frame["mae_ratio_vs_naive"] = (error / naive_error).where(naive_error > 0)
    frame["lower_80"], frame["upper_80"] = frame["p10"], frame["p90"]
    frame["lower_95"], frame["upper_95"] = frame["p2_5"], frame["p97_5"]
    frame["coverage_80"] = (
        frame["actual"].between(frame["lower_80"], frame["upper_80"]).astype(float)
    )
    frame["coverage_95"] = (
        frame["actual"].between(frame["lower_95"], frame["upper_95"]).astype(float)
    )
    extra = [c for c in ("kind", "naive_forecast", "ds") if c in frame.columns]
    out = frame[list(METRIC_COLUMNS) + extra]
    return out.sort_values(["series_id", "method", "origin", "horizon"]).reset_index(drop=True)


def backtest(
    series: pd.DataFrame,
    methods: Sequence[str] | Mapping[str, SeriesForecaster] | None = None,
    origins: Iterable = (),
    horizon: int = 1,
    *,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Rolling-origin forecasts for every method, scored (:data:`METRIC_COLUMNS`)."""
    forecasts = rolling_origin_forecasts(
        series, methods, origins, horizon, random_state=random_state, progress=progress
    )
    return score_forecasts(forecasts, series, series)


def backtest_published(
    methods: Sequence[str] | Mapping[str, SeriesForecaster] | None = None,
    origins: Iterable[int] = range(2019, 2024),
    horizon: int = 1,
    *,
    measure: str = "children_looked_after_31_march",
    breakdown: str = "total",
    la_codes: Sequence[str] | None = None,
    n_jobs: int = 1,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
    keep_unscored: bool = False,
) -> pd.DataFrame:
    """Backtest on the published DfE LA tables (LAs with an unbroken 2010-2024 series).

    Each origin year's model sees 31 March figures from 2010 up to that year only. ``n_jobs``
    parallelises Prophet fits across authorities. With ``keep_unscored`` forecasts of years not
    yet published (from the latest origin) are kept as rows with an empty ``actual`` and empty
    metrics instead of being left out.
    """
    from sufficiency.data.dfe import MEASURES, annual_series

    series = annual_series(measure, breakdown, continuous_only=True)
    if la_codes is not None:
        series = series.loc[series["unique_id"].isin(list(la_codes))]
        if series.empty:
            raise InputDataError(
                "backtest: none of the given LA codes has an unbroken 2010-2024 published series."
            )
    models = _forecasters(methods, DEFAULT_METHODS)
    for name, model in models.items():
        if n_jobs != 1 and hasattr(model, "n_jobs") and hasattr(model, "get_params"):
            models[name] = type(model)(**{**model.get_params(), "n_jobs": n_jobs})
    forecasts = rolling_origin_forecasts(
        series, models, origins, horizon, random_state=random_state, progress=progress
    )
    checkable = forecasts.merge(
        series[["unique_id", "ds"]].assign(ds=lambda f: pd.to_datetime(f["ds"])),
        on=["unique_id", "ds"],
    )
    if len(checkable):
        scores = score_forecasts(forecasts, series, series)
    else:  # e.g. only the latest origin: nothing has been published to check against
        scores = pd.DataFrame(columns=[*METRIC_COLUMNS, "ds"])
    if keep_unscored:
        scores = pd.concat([scores, _unscored_rows(forecasts, scores)], ignore_index=True)
    scores["kind"] = f"published DfE LA tables, {MEASURES.get(measure, measure)}, {breakdown}"
    return scores


def _unscored_rows(forecasts: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Forecast rows with no published figure to check them against, in the metric layout."""
    key = ["series_id", "method", "origin", "ds"]
    frame = forecasts.rename(columns={"unique_id": "series_id", "mean": "forecast"})
    frame["origin"] = pd.to_datetime(frame["origin"])
    frame["ds"] = pd.to_datetime(frame["ds"])
    scored = scores[key].assign(_scored=True)
    frame = frame.merge(scored, on=key, how="left")
    frame = frame.loc[frame["_scored"].isna()]
    out = pd.DataFrame(
        {
            "series_id": frame["series_id"],
            "method": frame["method"],
            "origin": frame["origin"],
            "horizon": frame["horizon"],
            "actual": np.nan,
            "forecast": frame["forecast"],
            "lower_80": frame["p10"],
            "upper_80": frame["p90"],
            "lower_95": frame["p2_5"],
            "upper_95": frame["p97_5"],
            "ds": frame["ds"],
        }
    )
    for column in METRIC_COLUMNS:
        if column not in out:
            out[column] = np.nan
    return out[list(METRIC_COLUMNS) + ["ds"]]


def default_monthly_origins(
    dates: Sequence[pd.Timestamp], horizon: int, *, n_origins: int = 4, step: int = 3
) -> list[pd.Timestamp]:
    """Month-end origins, ``step`` months apart, the last leaving ``horizon`` months of actuals."""
    dates = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(dates)))))
    last = dates.max() - pd.offsets.MonthEnd(horizon)
    origins = [last - pd.offsets.MonthEnd(step * k) for k in range(n_origins)]
    return sorted(o for o in origins if o >= dates.min() + pd.offsets.MonthEnd(24))


def backtest_monthly_stock(
    stock: pd.DataFrame,
    methods: Sequence[str] | Mapping[str, SeriesForecaster] | None = None,
    origins: Iterable | None = None,
    horizon: int = 6,
    *,
    include_cells: bool = False,
    history_start: pd.Timestamp | None = None,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Backtest on monthly 903-derived stocks: total, each age band and each placement category.

    Parameters
    ----------
    stock : pandas.DataFrame
        STOCK schema at month ends (from :func:`sufficiency.stocks.monthly_stock`).
    origins : iterable, optional
        Month-end origins; by default four, three months apart (see
        :func:`default_monthly_origins`), each needing two years of history.
    include_cells : bool
        Also backtest every age band x category cell (many are small and noisy).
    history_start : Timestamp, optional
        Ignore month ends before this date. Stocks computed from yearly 903 extracts are too low
        before the first extract's collection year (children who left earlier are not in the
        files); :func:`complete_history_start` finds that date.
    """
    from sufficiency.demand.reconcile import SEPARATOR, stock_series

    series = stock_series(stock)
    if history_start is not None:
        series = series.loc[series["ds"] >= pd.Timestamp(history_start)]
    if not include_cells:
        series = series.loc[~series["unique_id"].str.contains(SEPARATOR, regex=False)]
    if origins is None:
        origins = default_monthly_origins(series["ds"], horizon)
        if not origins:
            raise InputDataError(
                "backtest: the 903 data cover too short a period; a monthly backtest needs at "
                f"least two years of history plus {horizon} months to check forecasts against."
            )
    scores = backtest(
        series,
        methods if methods is not None else MONTHLY_METHODS,
        origins,
        horizon,
        random_state=random_state,
        progress=progress,
    )
    level = np.select(
        [
            scores["series_id"] == "total",
            scores["series_id"].str.startswith("age: "),
            scores["series_id"].str.startswith("category: "),
        ],
        ["total", "age band", "placement category"],
        default="age band x category",
    )
    scores["kind"] = pd.Series(level, index=scores.index).map(lambda s: f"monthly 903 {s}")
    return scores


def summarise_backtest(scores: pd.DataFrame, by: Sequence[str] = ("method",)) -> pd.DataFrame:
    """Per method (or other grouping): accuracy and interval coverage across all scored rows.

    ``mae_ratio_vs_naive`` here is total absolute error / total naive absolute error.
    """
    naive_error = (scores["actual"] - scores["naive_forecast"]).abs()
    frame = scores.assign(_naive_error=naive_error, _ape=scores["MAPE"])
    grouped = frame.groupby(list(by), sort=True)
    summary = grouped.agg(
        forecasts=("MAE", "size"),
        series=("series_id", "nunique"),
        origins=("origin", "nunique"),
        MAE=("MAE", "mean"),
        MAPE=("MAPE", "mean"),
        median_APE=("_ape", "median"),
        APE_80th_percentile=("_ape", lambda s: s.quantile(0.8)),
        MASE=("MASE", "mean"),
        coverage_80=("coverage_80", "mean"),
        coverage_95=("coverage_95", "mean"),
        _error=("MAE", "sum"),
        _naive_error=("_naive_error", "sum"),
    )
    summary["mae_ratio_vs_naive"] = summary["_error"] / summary["_naive_error"].replace(0, np.nan)
    return summary.drop(columns=["_error", "_naive_error"]).reset_index()


@dataclass(frozen=True)
class Recommendation:
    """The method the tool recommends for a kind of series, and how it did in the backtest."""

    method: str
    mae_ratio_vs_naive: float
    coverage_80: float
    coverage_95: float
    median_ape: float
    ape_80th_percentile: float
    origins: int
    series: int
    adequate_coverage: bool
    sentence: str


def _percent(value: float) -> str:
    """A percentage in plain words: one decimal below 1%, whole numbers above."""
    if not np.isfinite(value):
        return "an unknown percentage"
    return f"{value:.1f}%" if value < 1 else f"{value:.0f}%"


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _period_words(origins: pd.Series) -> str:
    dates = pd.DatetimeIndex(pd.to_datetime(origins.unique())).sort_values()
    if infer_frequency(pd.Series(dates)) == "annual" and len(dates) > 1:
        return f"over the last {len(dates)} years ({dates[0].year}-{dates[-1].year} forecast dates)"
    if len(dates) == 1:
        return f"forecasting from {dates[0]:%B %Y}"
    return f"over {len(dates)} forecast dates from {dates[0]:%B %Y} to {dates[-1]:%B %Y}"


def recommend_method(
    backtest_frame: pd.DataFrame,
    *,
    min_coverage_80: float = 0.70,
    min_coverage_95: float = 0.85,
) -> Recommendation:
    """Pick the method with the lowest error relative to naive among those with honest intervals.

    A method's intervals are adequate when at least ``min_coverage_80`` of actuals fell inside its
    80% interval and ``min_coverage_95`` inside its 95% interval. If none is adequate, the most
    accurate method is returned and the sentence says its ranges were too narrow.
    """
    if backtest_frame.empty:
        raise InputDataError("backtest results are empty: nothing to recommend from.")
    summary = summarise_backtest(backtest_frame)
    summary["adequate"] = (summary["coverage_80"] >= min_coverage_80) & (
        summary["coverage_95"] >= min_coverage_95
    )
    pool = summary.loc[summary["adequate"]] if summary["adequate"].any() else summary
    best = pool.sort_values(["mae_ratio_vs_naive", "MAE"]).iloc[0]
    method = str(best["method"])
    rows = backtest_frame.loc[backtest_frame["method"] == method]
    horizons = sorted(rows["horizon"].unique())
    frequency = infer_frequency(pd.Series(pd.to_datetime(rows["ds"]))) if "ds" in rows else "annual"
    unit = "year" if frequency == "annual" else "month"
    ahead = f"one-{unit}-ahead" if horizons == [1] else f"1- to {max(horizons)}-{unit}-ahead"
    ratio = float(best["mae_ratio_vs_naive"])
    if method == "naive":
        versus = "no other method with honest ranges did better than this simple yardstick"
    elif ratio < 0.995:
        versus = f"{(1 - ratio):.0%} less error than {PLAIN_NAMES['naive']}"
    elif ratio <= 1.005:
        versus = f"about the same error as {PLAIN_NAMES['naive']}"
    else:
        versus = f"{(ratio - 1):.0%} more error than {PLAIN_NAMES['naive']}"
    plain = PLAIN_NAMES.get(method, method)
    coverage = (
        f"what happened fell inside the forecast's 80% range {best['coverage_80']:.0%} of the time"
    )
    if not bool(best["adequate"]):
        coverage += " (too often outside: treat the ranges as too narrow)"
    sentence = (
        f"{_sentence_start(_period_words(rows['origin']))}, {ahead} forecasts by {plain} were "
        f"typically within {_percent(best['median_APE'])} of what happened (4 times in 5 "
        f"within {_percent(best['APE_80th_percentile'])}): {versus}; {coverage}."
    )
    return Recommendation(
        method=method,
        mae_ratio_vs_naive=ratio,
        coverage_80=float(best["coverage_80"]),
        coverage_95=float(best["coverage_95"]),
        median_ape=float(best["median_APE"]),
        ape_80th_percentile=float(best["APE_80th_percentile"]),
        origins=int(best["origins"]),
        series=int(best["series"]),
        adequate_coverage=bool(best["adequate"]),
        sentence=sentence,
    )


def recommend_by_kind(scores: pd.DataFrame, **thresholds: float) -> dict[str, Recommendation]:
    """:func:`recommend_method` for each ``kind`` of series in a backtest (all rows if no kind)."""
    if "kind" not in scores.columns:
        return {"all series": recommend_method(scores, **thresholds)}
    return {
        str(kind): recommend_method(rows, **thresholds)
        for kind, rows in scores.groupby("kind", sort=False)
    }


__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "METRIC_COLUMNS",
    "Recommendation",
    "backtest",
    "backtest_monthly_stock",
    "backtest_published",
    "default_monthly_origins",
    "recommend_by_kind",
    "recommend_method",
    "resolve_origins",
    "rolling_origin_forecasts",
    "score_forecasts",
    "summarise_backtest",
]
