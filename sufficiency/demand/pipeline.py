"""From clean 903 episodes to a fitted, backtested stock-flow model (used by the CLI and the explorer).

- :func:`demand_inputs`: movements, month-end stock and the data fingerprint.
- :func:`backtest_stockflow`: rolling-origin backtest of the stock-flow model (its track record).
- :func:`accuracy_sentence`: that track record in plain words, for beside every forecast.
- :func:`fit_demand` / :func:`load_or_fit`: fit (and save), or load a matching saved model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.demand.artefacts import (
    FittedDemand,
    data_fingerprint,
    default_directory,
    load_fitted,
    save_fitted,
)
from sufficiency.demand.stockflow import ALL, StockFlowModel, project_mean, simulate_paths
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report

METHOD = "stockflow"
TOTAL = "total"


@dataclass(frozen=True, eq=False)
class DemandInputs:
    """What the demand model needs from the 903 data (aggregates plus a fingerprint)."""

    movements: pd.DataFrame
    stock: pd.DataFrame
    extract_date: pd.Timestamp
    fingerprint: str


def demand_inputs(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> DemandInputs:
    """Movements, month-end stock and fingerprint from clean episodes."""
    from sufficiency.stocks import monthly_stock, movements

    extract_date = pd.Timestamp(extract_date)
    return DemandInputs(
        movements=movements(episodes, extract_date),
        stock=monthly_stock(episodes, extract_date),
        extract_date=extract_date,
        fingerprint=data_fingerprint(episodes, extract_date),
    )


def _series_values(values: np.ndarray, params) -> dict[str, np.ndarray]:
    """Total, per-age-band and per-category sums over the last (state) axis.

    Series ids follow :func:`sufficiency.demand.reconcile.stock_series` so the series backtests
    and this one can be compared row for row.
    """
    n_b, n_c = len(params.age_bands), len(params.categories)
    grid = values.reshape(*values.shape[:-1], n_b, n_c)
    out = {TOTAL: grid.sum(axis=(-1, -2))}
    for b, band in enumerate(params.age_bands):
        out[f"age: {band}"] = grid[..., b, :].sum(axis=-1)
    for c, category in enumerate(params.categories):
        out[f"category: {category}"] = grid[..., c].sum(axis=-1)
    return out


def backtest_origins(stock: pd.DataFrame, years: int = 3, step_months: int = 6, horizon: int = 12):
    """Month-end origins whose ``horizon``-month forecasts fall within the last ``years``."""
    dates = pd.DatetimeIndex(sorted(pd.to_datetime(stock["date"]).unique()))
    dates = dates[dates == dates + pd.offsets.MonthEnd(0)]
    if len(dates) == 0:
        return pd.DatetimeIndex([])
    last = dates[-1]
    first = last - pd.offsets.MonthEnd(12 * years)
    candidates = pd.date_range(first, last - pd.offsets.MonthEnd(horizon), freq=f"{step_months}ME")
    # keep origins with at least two years of history behind them
    return candidates[candidates >= dates[0] + pd.offsets.MonthEnd(24)]


def backtest_stockflow(
    movements: pd.DataFrame,
    stock: pd.DataFrame,
    *,
    years: int = 3,
    step_months: int = 6,
    horizon: int = 12,
    n_paths: int = 300,
    model_params: dict | None = None,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest of the stock-flow model.

    At each origin the model is refitted on data up to the origin only (rates, entries, Prophet)
    and its forecasts for the next ``horizon`` months are set against what happened.

    Returns
    -------
    pandas.DataFrame
        Scored by :func:`sufficiency.demand.backtest.score_forecasts`: its metric columns
        (series_id, method='stockflow', origin, horizon, actual, forecast, lower/upper 80 and 95,
        MAE, MAPE, MASE, mae_ratio_vs_naive, coverage_80, coverage_95, naive_forecast, ds) for the
        series ``total``, ``age: <band>`` and ``category: <category>``.
    """
    from sufficiency.demand.backtest import score_forecasts
    from sufficiency.demand.reconcile import SEPARATOR, stock_series

    origins = backtest_origins(stock, years, step_months, horizon)
    if len(origins) == 0:
        raise SufficiencyError(
            "Too little history for a backtest: it needs at least three years of monthly stock "
            "(two to fit, one to check). Forecasts are still made, without a track record."
        )
    settings = dict(model_params or {})
    settings.setdefault("n_entry_samples", 50)
    settings["max_horizon"] = horizon
    rows = []
    for i, origin in enumerate(origins):
        report(progress, i, len(origins), f"backtest origin {origin:%b %Y}")
        model = StockFlowModel(**settings).fit(movements, stock, origin=origin)
        params = model.params_
        means = _series_values(project_mean(params, horizon).stock, params)
        sims = _series_values(simulate_paths(params, horizon, n_paths, random_state + i), params)
        dates = pd.date_range(origin, periods=horizon + 1, freq="ME")[1:]
        for series_id, draws in sims.items():
            q = np.quantile(draws.astype(float), [0.025, 0.1, 0.9, 0.975], axis=0)
            rows.append(
                pd.DataFrame(
                    {
                        "unique_id": series_id,
                        "ds": dates,
                        "mean": means[series_id],
                        "p2_5": q[0],
                        "p10": q[1],
                        "p90": q[2],
                        "p97_5": q[3],
                        "method": METHOD,
                        "origin": origin,
                        "horizon": np.arange(1, horizon + 1),
                    }
                )
            )
    report(progress, len(origins), len(origins), "backtest done")
    series = stock_series(stock)
    series = series.loc[~series["unique_id"].str.contains(SEPARATOR, regex=False)]
    return score_forecasts(pd.concat(rows, ignore_index=True), series, series)


def accuracy_summary(backtest: pd.DataFrame, series_id: str = TOTAL, horizon: int = 12) -> dict:
    """Headline accuracy of one series at one horizon from a scored backtest.

    Returns
    -------
    dict
        ``checks`` (origins scored), ``mean_abs_pct_error`` and ``worst_abs_pct_error`` (percent),
        ``inside_80`` and ``inside_95`` (how many actuals fell inside each range),
        ``error_vs_naive`` (total error / error of carrying the last figure forward),
        ``first_origin``, ``last_origin``. Empty when there is nothing for that series and horizon.
    """
    rows = backtest[(backtest["series_id"] == series_id) & (backtest["horizon"] == horizon)]
    rows = rows[rows["actual"] > 0]
    if rows.empty:
        return {}
    pct = 100 * (rows["forecast"] - rows["actual"]).abs() / rows["actual"]
    naive_error = (rows["actual"] - rows["naive_forecast"]).abs().sum()
    error = (rows["actual"] - rows["forecast"]).abs().sum()
    return {
        "checks": len(rows),
        "mean_abs_pct_error": float(pct.mean()),
        "worst_abs_pct_error": float(pct.max()),
        "inside_80": int(rows["coverage_80"].sum()),
        "inside_95": int(rows["coverage_95"].sum()),
        "error_vs_naive": float(error / naive_error) if naive_error > 0 else float("nan"),
        "first_origin": pd.Timestamp(rows["origin"].min()),
        "last_origin": pd.Timestamp(rows["origin"].max()),
    }


def accuracy_sentence(backtest: pd.DataFrame | None, horizon: int = 12) -> str:
    """The forecast's track record on this data, in plain words."""
    if backtest is None or backtest.empty:
        return (
            "No track record yet: the data is too short to test this forecast against what "
            "happened (a backtest needs at least three years of history)."
        )
    summary = accuracy_summary(backtest, TOTAL, horizon)
    if not summary:
        return "No track record for this horizon: the backtest holds no checks for it."
    years = max(1, round((summary["last_origin"] - summary["first_origin"]).days / 365.25) + 1)
    span = "year" if years == 1 else f"{_number_word(years)} years"
    checks = "1 check" if summary["checks"] == 1 else f"{summary['checks']} checks"
    ratio = summary["error_vs_naive"]
    if not np.isfinite(ratio):
        versus = ""
    elif ratio < 0.95:
        versus = f" That is {1 - ratio:.0%} less error than carrying the last figure forward."
    elif ratio <= 1.05:
        versus = " That is about the same error as carrying the last figure forward."
    else:
        versus = f" That is {ratio - 1:.0%} more error than carrying the last figure forward."
    return (
        f"Over the last {span}, this forecast made {horizon} months ahead was on average within "
        f"{summary['mean_abs_pct_error']:.0f}% of the number of children actually looked after "
        f"(worst {summary['worst_abs_pct_error']:.0f}%, {checks}); the actual number fell inside "
        f"the 80% range {summary['inside_80']} times out of {summary['checks']} and inside the 95% "
        f"range {summary['inside_95']} times.{versus}"
    )


def _number_word(n: int) -> str:
    words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    return words.get(n, str(n))


def fit_demand(
    inputs: DemandInputs,
    *,
    model_params: dict | None = None,
    backtest: bool = True,
    progress: ProgressCallback | None = None,
) -> FittedDemand:
    """Fit the stock-flow model (and its backtest) on the data."""
    report(progress, 0, 2, "fitting the stock-flow model")
    model = StockFlowModel(**(model_params or {})).fit(inputs.movements, inputs.stock)
    results = None
    if backtest:
        report(progress, 1, 2, "backtesting on the last three years")
        try:
            results = backtest_stockflow(inputs.movements, inputs.stock, model_params=model_params)
        except SufficiencyError:
            results = None  # too short for a track record; the page says so
    report(progress, 2, 2, "done")
    return FittedDemand(model, inputs.fingerprint, inputs.extract_date, results)


def load_or_fit(
    inputs: DemandInputs,
    *,
    directory: Path | str | None = None,
    model_params: dict | None = None,
    save: bool = False,
    backtest: bool = True,
    progress: ProgressCallback | None = None,
) -> FittedDemand:
    """A saved model when one matches this data and these settings, otherwise a fresh fit.

    Parameters
    ----------
    inputs : DemandInputs
        From :func:`demand_inputs`.
    directory : path, optional
        Saved-models folder (default ``models/demand``).
    model_params : dict, optional
        Stock-flow settings; a saved model must have been fitted with the same.
    save : bool, default False
        Save a fresh fit to ``directory``.
    backtest : bool, default True
        Backtest a fresh fit (a loaded model brings its saved backtest).
    """
    wanted = StockFlowModel(**(model_params or {})).get_params()
    folder = Path(directory) if directory is not None else default_directory()
    loaded = load_fitted(folder, fingerprint=inputs.fingerprint, model_params=wanted)
    if loaded is not None:
        return loaded
    fitted = fit_demand(inputs, model_params=model_params, backtest=backtest, progress=progress)
    if save:
        save_fitted(fitted, folder)
    return fitted


def history_totals(model: StockFlowModel) -> pd.DataFrame:
    """Observed month-end stock with ``all`` totals, columns date, age_band, placement_category,
    children (for charts next to the forecast)."""
    history = model.history_
    by_cat = history.groupby(["date", "placement_category"], as_index=False)["children"].sum()
    by_band = history.groupby(["date", "age_band"], as_index=False)["children"].sum()
    total = history.groupby("date", as_index=False)["children"].sum()
    return pd.concat(
        [
            history,
            by_cat.assign(age_band=ALL),
            by_band.assign(placement_category=ALL),
            total.assign(age_band=ALL, placement_category=ALL),
        ],
        ignore_index=True,
    )[["date", "age_band", "placement_category", "children"]]


def chart_frame(
    forecast: pd.DataFrame,
    history: pd.DataFrame,
    by: str = "placement_category",
    history_months: int = 36,
    *,
    age_band: str = ALL,
    placement_category: str = ALL,
) -> pd.DataFrame:
    """History and forecast in one long frame for fan charts.

    Parameters
    ----------
    forecast : pandas.DataFrame
        Forecast frame (:data:`~sufficiency.demand.stockflow.FORECAST_COLUMNS`).
    history : pandas.DataFrame
        :func:`history_totals` output.
    by : {"placement_category", "age_band", "total", "cell"}
        Which totals to chart, one series each; ``"cell"`` charts the one series picked by
        ``age_band`` and ``placement_category`` (either may be ``'all'``).
    history_months : int
        Months of history shown before the forecast.
    age_band, placement_category : str
        The series for ``by="cell"``.

    Returns
    -------
    pandas.DataFrame
        Columns series, date, kind ('history' or 'forecast'), children (observed, or the median),
        p2_5, p10, p25, p75, p90, p97_5 (children; missing for history rows).
    """
    if by in ("total", "cell"):
        band, category = (ALL, ALL) if by == "total" else (age_band, placement_category)
        f_rows = (forecast["age_band"] == band) & (forecast["placement_category"] == category)
        h_rows = (history["age_band"] == band) & (history["placement_category"] == category)
        name = "all children" if (band, category) == (ALL, ALL) else f"{band} | {category}"
        label = pd.Series(name, index=forecast.index)
        h_label = pd.Series(name, index=history.index)
    else:
        other = "age_band" if by == "placement_category" else "placement_category"
        f_rows = (forecast[other] == ALL) & (forecast[by] != ALL)
        h_rows = (history[other] == ALL) & (history[by] != ALL)
        label, h_label = forecast[by], history[by]
    start = pd.Timestamp(forecast["date"].min()) - pd.offsets.MonthEnd(history_months + 1)
    hist = history.loc[h_rows & (pd.to_datetime(history["date"]) > start)]
    past = pd.DataFrame(
        {
            "series": h_label[hist.index].astype(str),
            "date": pd.to_datetime(hist["date"]),
            "kind": "history",
            "children": hist["children"].astype(float),
        }
    )
    ahead = forecast.loc[f_rows]
    future = pd.DataFrame(
        {
            "series": label[ahead.index].astype(str),
            "date": pd.to_datetime(ahead["date"]),
            "kind": "forecast",
            "children": ahead["p50"].astype(float),
            "p2_5": ahead["p2_5"],
            "p10": ahead["p10"],
            "p25": ahead["p25"],
            "p75": ahead["p75"],
            "p90": ahead["p90"],
            "p97_5": ahead["p97_5"],
        }
    )
    return pd.concat([past, future], ignore_index=True)


def horizon_table(forecast: pd.DataFrame, by: str = "placement_category") -> pd.DataFrame:
    """Median and 80% range at each whole year ahead, one row per series (plus the total).

    Returns a wide frame: ``series`` then one text column per year ahead, e.g.
    ``'142 (128-157)'`` children.
    """
    other = "age_band" if by == "placement_category" else "placement_category"
    rows = forecast[forecast[other] == ALL]
    dates = sorted(rows["date"].unique())
    yearly = {
        f"in {i // 12} year{'s' if i >= 24 else ''}": dates[i - 1]
        for i in range(12, len(dates) + 1, 12)
    }
    if not yearly:
        yearly = {f"in {len(dates)} months": dates[-1]}
    table = {}
    for label, date in yearly.items():
        at = rows[rows["date"] == date].set_index(by)
        table[label] = (
            at["p50"].round().astype(int).astype(str)
            + " ("
            + at["p10"].round().astype(int).astype(str)
            + "-"
            + at["p90"].round().astype(int).astype(str)
            + ")"
        )
    out = pd.DataFrame(table)
    out.index.name = "series"
    return out.reset_index()


def track_record_table(backtest: pd.DataFrame | None, horizon: int = 12) -> pd.DataFrame:
    """Per-series track record at one horizon, with plain column names and units.

    Uses :func:`sufficiency.demand.backtest.summarise_backtest`. Columns: series, checks,
    'average error (children)', 'average error (%)', '80% range held (%)', '95% range held (%)',
    'error vs carrying the last figure forward' (below 1 = better). Empty without a backtest.
    """
    from sufficiency.demand.backtest import summarise_backtest

    columns = [
        "series",
        "checks",
        "average error (children)",
        "average error (%)",
        "80% range held (%)",
        "95% range held (%)",
        "error vs carrying the last figure forward",
    ]
    if backtest is None or backtest.empty:
        return pd.DataFrame(columns=columns)
    rows = backtest[backtest["horizon"] == horizon]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    summary = summarise_backtest(rows, by=("series_id",))
    order = {TOTAL: 0}
    summary["_order"] = summary["series_id"].map(
        lambda s: order.get(s, 1 if s.startswith("age: ") else 2)
    )
    summary = summary.sort_values(["_order", "series_id"])
    return pd.DataFrame(
        {
            "series": summary["series_id"].to_numpy(),
            "checks": summary["forecasts"].astype(int).to_numpy(),
            "average error (children)": summary["MAE"].round(1).to_numpy(),
            "average error (%)": summary["MAPE"].round(1).to_numpy(),
            "80% range held (%)": (100 * summary["coverage_80"]).round().to_numpy(),
            "95% range held (%)": (100 * summary["coverage_95"]).round().to_numpy(),
            "error vs carrying the last figure forward": summary["mae_ratio_vs_naive"]
            .round(2)
            .to_numpy(),
        }
    )[columns]
