"""From clean 903 episodes to a fitted, backtested stock-flow model (used by the CLI and the explorer).

- :func:`demand_inputs`: month-end care histories, month-end stock and the data fingerprint.
- :func:`fit_demand` / :func:`load_or_fit`: fit (and backtest, and save), or load a matching saved
  model.
- the track record (:mod:`sufficiency.demand.track_record`): re-exported here.
- chart and table helpers for the forecast frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sufficiency.demand.artefacts import (
    FittedDemand,
    data_fingerprint,
    default_directory,
    load_fitted,
    save_fitted,
)
from sufficiency.demand.stockflow import ALL, StockFlowModel
from sufficiency.demand.track_record import (  # noqa: F401  (re-exported)
    METHOD,
    TOTAL,
    TRACK_RECORD_HORIZONS,
    accuracy_sentence,
    accuracy_summary,
    backtest_forecasts,
    backtest_origins,
    backtest_stockflow,
    checked_series,
    forecast_caveat,
    last_total,
    ranges_sentence,
    score_backtest,
    track_record_sentences,
    track_record_table,
)
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report


@dataclass(frozen=True, eq=False)
class DemandInputs:
    """What the demand model needs from the 903 data (aggregates plus a fingerprint).

    Attributes
    ----------
    panel : pandas.DataFrame
        Month-end care histories (:func:`sufficiency.demand.panel.care_months`).
    stock : pandas.DataFrame
        Month-end stock by age band and placement category (STOCK schema, zeros included).
    extract_date : pandas.Timestamp
    fingerprint : str
        One-way fingerprint of the episodes (:func:`data_fingerprint`).
    """

    panel: pd.DataFrame
    stock: pd.DataFrame
    extract_date: pd.Timestamp
    fingerprint: str


def demand_inputs(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> DemandInputs:
    """Month-end care histories, month-end stock and fingerprint from clean episodes."""
    from sufficiency.demand.panel import care_months, month_end_stock

    extract_date = pd.Timestamp(extract_date)
    panel = care_months(episodes, extract_date)
    return DemandInputs(
        panel=panel,
        stock=month_end_stock(panel),
        extract_date=extract_date,
        fingerprint=data_fingerprint(episodes, extract_date),
    )


def fit_demand(
    inputs: DemandInputs,
    *,
    model_params: dict | None = None,
    backtest: bool = True,
    progress: ProgressCallback | None = None,
) -> FittedDemand:
    """Fit the stock-flow model (and its backtest: its track record on this data)."""
    report(progress, 0, 3, "fitting the stock-flow model")
    model = StockFlowModel(**(model_params or {})).fit(inputs.panel)
    results = None
    if backtest:
        report(progress, 1, 3, "testing the model at earlier dates")
        try:
            raw = backtest_forecasts(
                inputs.panel, inputs.stock, model_params=model_params, n_paths=300
            )
        except SufficiencyError:
            raw = None  # too short for a track record; the page says so
        if raw is not None:
            report(progress, 2, 3, "reading the choices off the track record")
            results = score_backtest(raw, inputs.stock, model_params)
            model.adopt(choice_from_backtest(raw, inputs.stock, model))
    report(progress, 3, 3, "done")
    return FittedDemand(model, inputs.fingerprint, inputs.extract_date, results)


def choice_from_backtest(raw: pd.DataFrame, stock: pd.DataFrame, model: StockFlowModel):
    """The choices a model fitted on all the data takes from its own backtest forecasts ``raw``
    (every outcome up to the model's origin is known; :func:`.own_choice.own_choice`)."""
    from sufficiency.demand.own_choice import own_choice, scored_methods
    from sufficiency.demand.stockflow import OWN_BACKTEST, RECONCILE_METHODS

    methods = RECONCILE_METHODS if model.reconcile == OWN_BACKTEST else ("bottom-up",)
    scored = scored_methods(raw, checked_series(stock), methods)
    return own_choice(
        scored,
        model.params_.origin + pd.Timedelta(days=1),
        int(model.max_horizon),
        calibrate=model.ranges == OWN_BACKTEST,
    )


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
    loaded = load_fitted(
        folder, fingerprint=inputs.fingerprint, model_params=wanted, panel=inputs.panel
    )
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


FORECAST_LEVELS = (
    "age band and placement",
    "age band total",
    "placement category total",
    "all children",
)
"""The ``level`` of a forecast row in the download: only the first level's rows add up (to the
``all children`` row's mean); the totals have their own ranges (percentiles do not add)."""


def forecast_with_levels(forecast: pd.DataFrame) -> pd.DataFrame:
    """The forecast with a ``level`` column first, detail rows first, then each level of totals.

    A user summed the downloaded forecast's mean column and got 2,269 children for a month with
    567 on the demo: the ``all`` subtotal rows were mixed in with the detail rows. Each row now
    says its level (:data:`FORECAST_LEVELS`): the ``age band and placement`` rows add up to the
    ``all children`` row (means; percentiles do not add), as do the rows of each other level.

    Parameters
    ----------
    forecast : pandas.DataFrame
        Forecast frame (:data:`~sufficiency.demand.stockflow.FORECAST_COLUMNS`), with ``all``
        rows for totals.

    Returns
    -------
    pandas.DataFrame
        ``level`` then the forecast's columns, ordered by level, date, age band and category.
    """
    band_all = forecast["age_band"] == ALL
    category_all = forecast["placement_category"] == ALL
    level = pd.Series(FORECAST_LEVELS[0], index=forecast.index)
    level[~band_all & category_all] = FORECAST_LEVELS[1]
    level[band_all & ~category_all] = FORECAST_LEVELS[2]
    level[band_all & category_all] = FORECAST_LEVELS[3]
    order = level.map({name: i for i, name in enumerate(FORECAST_LEVELS)})
    out = forecast.assign(level=level, _order=order)
    out = out.sort_values(["_order", "date"], kind="stable").drop(columns="_order")
    return out[["level", *forecast.columns]].reset_index(drop=True)


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
        Columns series, date, kind ('history' or 'forecast'), children (observed, or the mean of
        the simulated futures), p50 (their median),
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
            "children": ahead["mean"].astype(float),
            "p50": ahead["p50"].astype(float),
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
    """Mean and 80% range at each whole year ahead, one row per series (plus the total).

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
            at["mean"].round().astype(int).astype(str)
            + " ("
            + at["p10"].round().astype(int).astype(str)
            + "-"
            + at["p90"].round().astype(int).astype(str)
            + ")"
        )
    out = pd.DataFrame(table)
    out.index.name = "series"
    out = out.rename(index={ALL: "all children"})
    return out.reset_index()
