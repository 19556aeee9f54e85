"""The stock-flow model's track record: refit at past dates, forecast, compare with what happened.

:func:`backtest_stockflow` stands at rolling origins (every six months, 31 March and
30 September), refits the model on the data up to each origin only and scores its forecasts one
to five years ahead against the month-end stock that followed, for the total, each age band and
each placement category, beside carrying the last figure forward (the naive forecast). The
summaries here turn that into the plain-words track record shown beside every forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.demand.stockflow import (
    ALL,
    OWN_BACKTEST,
    StockFlowModel,
    project_mean,
    simulate_paths,
)
from sufficiency.errors import SufficiencyError
from sufficiency.progress import ProgressCallback, report

METHOD = "stockflow"
TOTAL = "total"
TRACK_RECORD_HORIZONS = (12, 24, 36)
"""Months ahead the track record is shown for (one, two and three years)."""


def series_values(values: np.ndarray, params) -> dict[str, np.ndarray]:
    """Total, per-age-band and per-category sums over the last (state) axis.

    Series ids follow :func:`sufficiency.demand.reconcile.stock_series` (``total``,
    ``age: <band>``, ``category: <category>``).
    """
    n_b, n_c = len(params.age_bands), len(params.categories)
    grid = values.reshape(*values.shape[:-1], n_b, n_c)
    out = {TOTAL: grid.sum(axis=(-1, -2))}
    for b, band in enumerate(params.age_bands):
        out[f"age: {band}"] = grid[..., b, :].sum(axis=-1)
    for c, category in enumerate(params.categories):
        out[f"category: {category}"] = grid[..., c].sum(axis=-1)
    return out


def backtest_origins(
    dates,
    *,
    step_months: int = 6,
    min_history_months: int = 24,
    min_ahead_months: int = 12,
    years: float | None = 6,
) -> pd.DatetimeIndex:
    """Origins (31 March and 30 September) for a rolling backtest over month-end ``dates``.

    Each origin has at least ``min_history_months`` of history before it and
    ``min_ahead_months`` of actuals after it; with ``years``, only origins in the last ``years``
    years of the data (counting to the last origin) are kept.
    """
    dates = pd.DatetimeIndex(sorted(pd.to_datetime(pd.Series(dates)).unique()))
    dates = dates[dates == dates + pd.offsets.MonthEnd(0)]
    if len(dates) == 0:
        return pd.DatetimeIndex([])
    first = dates[0] + pd.offsets.MonthEnd(int(min_history_months))
    last = dates[-1] - pd.offsets.MonthEnd(int(min_ahead_months))
    candidates = pd.date_range(first, last, freq="ME")
    anchor = {3, 9} if step_months == 6 else set(range(1, 13, int(step_months)))
    origins = candidates[candidates.month.isin(sorted(anchor))]
    if years is not None and len(origins):
        origins = origins[origins > origins[-1] - pd.DateOffset(months=int(12 * years))]
    return origins


def forecast_at(
    model: StockFlowModel,
    panel: pd.DataFrame,
    origin: pd.Timestamp,
    horizon: int,
    *,
    n_paths: int = 300,
    random_state: int = 0,
) -> pd.DataFrame:
    """Refit ``model`` (a fresh copy) at ``origin`` and forecast every series ``horizon`` ahead.

    ``n_paths=0`` uses the deterministic mean path at the estimated rates (no drift) and no
    ranges (quick, for choosing settings).

    Returns
    -------
    pandas.DataFrame
        unique_id, ds, mean, p2_5, p10, p90, p97_5, method, origin, horizon, and ``mean_path``
        (the deterministic mean path with drift, :func:`project_mean`: the base a top-down total
        scales, :func:`sufficiency.demand.own_choice.adjust_forecasts`).
    """
    fitted = StockFlowModel(**{**model.get_params(), "max_horizon": int(horizon)})
    fitted.fit(panel, origin=origin)
    params = fitted.params_
    dates = pd.date_range(params.origin, periods=horizon + 1, freq="ME")[1:]
    rows = []
    paths_mean = series_values(project_mean(params, horizon).stock, params)
    if n_paths:
        sims = series_values(simulate_paths(params, horizon, n_paths, random_state), params)
    else:
        still = params.replace(exit_level_sd=0.0, exit_drift=0.0)
        means = series_values(project_mean(still, horizon).stock, params)
    for series_id in series_values(np.zeros((1, params.n_states)), params):
        if n_paths:
            draws = sims[series_id].astype(float)
            mean = draws.mean(axis=0)
            q = np.quantile(draws, [0.025, 0.1, 0.9, 0.975], axis=0)
        else:
            mean = means[series_id]
            q = np.repeat(mean[None], 4, axis=0)
        rows.append(
            pd.DataFrame(
                {
                    "unique_id": series_id,
                    "ds": dates,
                    "mean": mean,
                    "p2_5": q[0],
                    "p10": q[1],
                    "p90": q[2],
                    "p97_5": q[3],
                    "method": METHOD,
                    "origin": params.origin,
                    "horizon": np.arange(1, horizon + 1),
                    "mean_path": paths_mean[series_id],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def backtest_forecasts(
    panel: pd.DataFrame,
    stock: pd.DataFrame,
    *,
    origins=None,
    horizon: int = 60,
    n_paths: int = 300,
    model_params: dict | None = None,
    years: float | None = 6,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """The stock-flow model refitted at rolling origins, its raw forecasts (not yet scored).

    The model is refitted as it stands before any choice from its own backtest (a
    ``reconcile="own backtest"`` model is refitted bottom-up, and ranges are the simulated ones);
    :func:`backtest_stockflow` then replays those choices (nested) and scores the result.
    Parameters as :func:`backtest_stockflow`; returns :func:`forecast_at` rows for every origin.
    """
    if origins is None:
        origins = backtest_origins(stock["date"], years=years)
    origins = pd.DatetimeIndex(origins)
    if len(origins) == 0:
        raise SufficiencyError(
            "Too little history for a backtest: it needs at least three years of monthly stock "
            "(two to fit, one to check). Forecasts are still made, without a track record."
        )
    params = {**StockFlowModel(**(model_params or {})).get_params(), "ranges": "simulated"}
    if params["reconcile"] == OWN_BACKTEST:
        params["reconcile"] = "bottom-up"
    model = StockFlowModel(**params)
    last = pd.to_datetime(stock["date"]).max()
    pieces = []
    for i, origin in enumerate(origins):
        report(progress, i, len(origins), f"backtest origin {origin:%b %Y}")
        ahead = min(int(horizon), (last.year - origin.year) * 12 + last.month - origin.month)
        if ahead < 1:
            continue
        pieces.append(
            forecast_at(model, panel, origin, ahead, n_paths=n_paths, random_state=random_state + i)
        )
    report(progress, len(origins), len(origins), "backtest done")
    if not pieces:
        raise SufficiencyError("No backtest origin has any month of data after it to check.")
    return pd.concat(pieces, ignore_index=True)


def checked_series(stock: pd.DataFrame) -> pd.DataFrame:
    """The total, age-band and category series (``unique_id, ds, y``) forecasts are scored on."""
    from sufficiency.demand.reconcile import SEPARATOR, stock_series

    series = stock_series(stock)
    return series.loc[~series["unique_id"].str.contains(SEPARATOR, regex=False)]


def score_backtest(
    raw: pd.DataFrame, stock: pd.DataFrame, model_params: dict | None = None
) -> pd.DataFrame:
    """Score :func:`backtest_forecasts` output as the model would have made each forecast then.

    With ``reconcile`` or ``ranges`` set to ``"own backtest"``, each origin's forecast takes the
    choices its own earlier origins gave (:func:`sufficiency.demand.own_choice.nested_forecasts`:
    nothing from after the origin is used). Adds the columns ``reconcile`` and ``range_factor``.
    """
    from sufficiency.demand.backtest import score_forecasts
    from sufficiency.demand.own_choice import nested_forecasts

    settings = StockFlowModel(**(model_params or {})).get_params()
    series = checked_series(stock)
    made = nested_forecasts(
        raw,
        series,
        choose_point=settings["reconcile"] == OWN_BACKTEST,
        calibrate=settings["ranges"] == OWN_BACKTEST,
    )
    if settings["reconcile"] not in ("bottom-up", OWN_BACKTEST):
        made["reconcile"] = settings["reconcile"]  # the refits were top-down already
    scored = score_forecasts(made, series, series)
    extra = made[["unique_id", "origin", "horizon", "reconcile", "range_factor"]].rename(
        columns={"unique_id": "series_id"}
    )
    scored = scored.merge(extra, on=["series_id", "origin", "horizon"], how="left")
    scored["kind"] = np.select(
        [
            scored["series_id"] == TOTAL,
            scored["series_id"].str.startswith("age: "),
        ],
        ["monthly 903 total", "monthly 903 age band"],
        default="monthly 903 placement category",
    )
    return scored


def backtest_stockflow(
    panel: pd.DataFrame,
    stock: pd.DataFrame,
    *,
    origins=None,
    horizon: int = 60,
    n_paths: int = 300,
    model_params: dict | None = None,
    years: float | None = 6,
    random_state: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest of the stock-flow model, scored against what happened.

    Parameters
    ----------
    panel : pandas.DataFrame
        Month-end care histories (:func:`sufficiency.demand.panel.care_months`).
    stock : pandas.DataFrame
        Month-end stock (STOCK schema): the actuals and the naive forecast.
    origins : sequence of dates, optional
        Default :func:`backtest_origins` (every six months over the last ``years`` years).
    horizon : int
        Months ahead, up to 60; forecasts beyond the data are not scored.
    n_paths : int
        Simulated futures per origin (0: the mean path only, no ranges).
    model_params : dict, optional
        Stock-flow settings (default: the model's defaults). Choices the model reads off its own
        backtest are replayed at each origin from the origins before it only.

    Returns
    -------
    pandas.DataFrame
        :data:`sufficiency.demand.backtest.METRIC_COLUMNS` plus ``naive_forecast``, ``ds``,
        ``reconcile`` and ``range_factor``, method ``stockflow``, for ``total``,
        ``age: <band>`` and ``category: <category>``.

    Raises
    ------
    SufficiencyError
        When the history is too short for any origin.
    """
    raw = backtest_forecasts(
        panel,
        stock,
        origins=origins,
        horizon=horizon,
        n_paths=n_paths,
        model_params=model_params,
        years=years,
        random_state=random_state,
        progress=progress,
    )
    return score_backtest(raw, stock, model_params)


# --- summaries -------------------------------------------------------------------------------


def accuracy_summary(backtest: pd.DataFrame, series_id: str = TOTAL, horizon: int = 12) -> dict:
    """Headline accuracy of one series at one horizon from a scored backtest.

    Returns
    -------
    dict
        ``checks`` (origins scored), ``mean_abs_pct_error`` and ``worst_abs_pct_error`` (percent),
        ``naive_abs_pct_error`` (percent), ``inside_80`` and ``inside_95`` (how many actuals fell
        inside each range), ``error_vs_naive`` (total error / error of carrying the last figure
        forward), ``first_origin``, ``last_origin``. Empty when there is nothing to summarise.
    """
    rows = backtest[(backtest["series_id"] == series_id) & (backtest["horizon"] == horizon)]
    if "method" in rows.columns:
        rows = rows[rows["method"] == METHOD]
    rows = rows[rows["actual"] > 0]
    if rows.empty:
        return {}
    pct = 100 * (rows["forecast"] - rows["actual"]).abs() / rows["actual"]
    naive_pct = 100 * (rows["naive_forecast"] - rows["actual"]).abs() / rows["actual"]
    naive_error = (rows["actual"] - rows["naive_forecast"]).abs().sum()
    error = (rows["actual"] - rows["forecast"]).abs().sum()
    return {
        "checks": len(rows),
        "mean_abs_error": float((rows["actual"] - rows["forecast"]).abs().mean()),
        "naive_abs_error": float((rows["actual"] - rows["naive_forecast"]).abs().mean()),
        "mean_abs_pct_error": float(pct.mean()),
        "worst_abs_pct_error": float(pct.max()),
        "naive_abs_pct_error": float(naive_pct.mean()),
        "inside_80": int(rows["coverage_80"].sum()),
        "inside_95": int(rows["coverage_95"].sum()),
        "error_vs_naive": float(error / naive_error) if naive_error > 0 else float("nan"),
        "first_origin": pd.Timestamp(rows["origin"].min()),
        "last_origin": pd.Timestamp(rows["origin"].max()),
    }


def _versus(ratio: float) -> str:
    if not np.isfinite(ratio):
        return ""
    if ratio < 0.95:
        return f"{1 - ratio:.0%} less error than carrying the last figure forward"
    if ratio <= 1.05:
        return "about the same error as carrying the last figure forward"
    return f"{ratio - 1:.0%} more error than carrying the last figure forward"


def accuracy_sentence(backtest: pd.DataFrame | None, horizon: int = 12) -> str:
    """The forecast's track record on this data at one horizon, in plain words."""
    if backtest is None or backtest.empty:
        return (
            "No track record yet: the data is too short to test this forecast against what "
            "happened (a backtest needs at least three years of history)."
        )
    summary = accuracy_summary(backtest, TOTAL, horizon)
    if not summary:
        return f"No track record {horizon} months ahead: the data is too short to check it."
    checks = "1 check" if summary["checks"] == 1 else f"{summary['checks']} checks"
    versus = _versus(summary["error_vs_naive"])
    versus = f" That is {versus}." if versus else ""
    return (
        f"Refitted at {checks} from {summary['first_origin']:%B %Y} to "
        f"{summary['last_origin']:%B %Y}, this forecast made {_ahead(horizon)} was on average "
        f"within {summary['mean_abs_pct_error']:.0f}% of the number of children actually looked "
        f"after (worst {summary['worst_abs_pct_error']:.0f}%); the actual number fell inside "
        f"the 80% range {summary['inside_80']} times out of {summary['checks']} and inside the "
        f"95% range {summary['inside_95']} times.{versus}"
    )


def _ahead(horizon: int) -> str:
    if horizon % 12 == 0:
        years = horizon // 12
        return "one year ahead" if years == 1 else f"{_number_word(years)} years ahead"
    return f"{horizon} months ahead"


def _number_word(n: int) -> str:
    words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    return words.get(n, str(n))


# An 80% range is called right when it held 70-90% of outcomes (issue 9's calibration target).
RANGE_HELD_OK = (0.70, 0.90)


def track_record_sentences(
    backtest: pd.DataFrame | None,
    horizons: tuple[int, ...] = TRACK_RECORD_HORIZONS,
    *,
    last: tuple[pd.Timestamp, float] | None = None,
) -> list[str]:
    """One plain sentence per horizon on the total, plus where the model did not beat naive.

    ``last`` (the date and value of the last observed total, children) lets the final sentence
    name the figure that did better where the model did not beat carrying it forward.
    """
    if backtest is None or backtest.empty:
        return [accuracy_sentence(None)]
    lines = []
    worse: list[str] = []
    worse_total: list[str] = []
    inside, checks = 0, 0
    for horizon in horizons:
        summary = accuracy_summary(backtest, TOTAL, horizon)
        if not summary:
            lines.append(
                f"{_ahead(horizon).capitalize()}: no check yet (the data ends too soon after "
                "the earliest date the model could be refitted at)."
            )
            continue
        lines.append(
            f"{_ahead(horizon).capitalize()}: off by {summary['mean_abs_error']:.0f} children "
            f"on average ({summary['mean_abs_pct_error']:.0f}%), against "
            f"{summary['naive_abs_error']:.0f} ({summary['naive_abs_pct_error']:.0f}%) for "
            f"carrying the last figure forward, over {summary['checks']} checks; inside the 80% "
            f"range {summary['inside_80']} of {summary['checks']} times."
        )
        inside += summary["inside_80"]
        checks += summary["checks"]
        if summary["error_vs_naive"] > 1.0:
            worse_total.append(_ahead(horizon))
        categories = []
        for category_id in sorted(backtest["series_id"].unique()):
            if not category_id.startswith("category: ") or horizon > 24:
                continue
            found = accuracy_summary(backtest, category_id, horizon)
            if found and found["error_vs_naive"] > 1.05 and found["naive_abs_error"] >= 1:
                categories.append(category_id.removeprefix("category: "))
        if categories:
            worse.append(f"{_ahead(horizon)} for {_and(categories)}")
    worse_categories = list(worse)
    if worse_total:
        worse.insert(0, f"the total {_and(worse_total)}")
    if checks and not RANGE_HELD_OK[0] <= inside / checks <= RANGE_HELD_OK[1]:
        lines.append(
            f"The 80% ranges held the total {inside} of {checks} times ({inside / checks:.0%}), "
            "against about 8 in 10 for ranges that are right: treat the shaded ranges as "
            + ("too narrow." if inside / checks < RANGE_HELD_OK[0] else "wider than needed.")
        )
    if worse_total and last is not None:
        # the total first, with the figure that did better, in plain words
        line = (
            f"Not better than carrying the last figure forward for the total "
            f"{_and(worse_total)}: there the last figure itself ({last[1]:,.0f} children at "
            f"{pd.Timestamp(last[0]):%-d %B %Y}) has been a better guide than this forecast."
        )
        if worse_categories:
            line += " Also not better for placements: " + "; ".join(worse_categories) + "."
        lines.append(line)
    elif worse:
        lines.append("Not better than carrying the last figure forward: " + "; ".join(worse) + ".")
    else:
        lines.append(
            "It beat carrying the last figure forward for the total and every placement category "
            "checked."
        )
    return lines


TRACK_RECORD_NOT_CHECKED = (
    "The demand forecast behind these figures has not yet been checked against what happened on "
    "this data: the Demand forecast page checks it ('Track record on this data': the forecast "
    "refitted at past dates, beside carrying the last figure forward; a few minutes the first "
    "time) and says where it has been no better than that."
)
"""Beside a chart of the forecast when no track record was run for this data (a model fitted
for the scenario pages alone, without its backtest)."""


def forecast_caveat(
    backtest: pd.DataFrame | None, *, last: tuple[pd.Timestamp, float] | None = None
) -> str | None:
    """The caveat any page showing this forecast gives beside its chart, or None when the
    forecast beat carrying the last figure forward for the total and every category checked.

    The words are :func:`track_record_sentences`' last sentence, the one the Demand forecast page
    shows beside its chart, so the pages cannot disagree (on the demo: "Not better than carrying
    the last figure forward for the total two years ahead and three years ahead: ..."). A
    backtest that could not check anything (the data is too short) says so; no backtest at all
    (``None``: not run for this data) gives :data:`TRACK_RECORD_NOT_CHECKED`.

    Parameters
    ----------
    backtest : pandas.DataFrame or None
        The backtest metric frame (:func:`backtest_stockflow`; for the demo, committed under
        ``models/demand/backtest.csv``).
    last : tuple, optional
        Date and value (children) of the last observed total (:func:`last_total`).
    """
    if backtest is None:
        return TRACK_RECORD_NOT_CHECKED
    line = track_record_sentences(backtest, last=last)[-1]
    if backtest.empty or line.startswith("Not better"):
        return line
    return None


def last_total(model: StockFlowModel) -> tuple[pd.Timestamp, float] | None:
    """Date and value of the last observed total (children) behind a fitted model."""
    history = getattr(model, "history_", None)
    if history is None or history.empty:
        return None
    totals = history.groupby("date")["children"].sum().sort_index()
    return pd.Timestamp(totals.index[-1]), float(totals.iloc[-1])


def ranges_sentence(model: StockFlowModel) -> str:
    """How the shaded ranges were made, in plain words (calibrated on the own track record or not)."""
    scale = getattr(getattr(model, "params_", None), "range_scale", None)
    if scale is None:
        return (
            "The shaded ranges are those of the simulated futures, not checked against this "
            "authority's own track record."
        )
    parts = [
        f"{scale[h - 1, 0]:.1f} times as wide {_ahead(h)}"
        for h in TRACK_RECORD_HORIZONS
        if h <= len(scale)
    ]
    return (
        "The shaded ranges are the simulated futures' ranges stretched around the forecast so "
        "that, on this authority's own past forecasts, the 80% range would have held 8 in 10 "
        f"outcomes (never narrower than simulated): for the total {_and(parts)}. The track "
        "record shows each past forecast as it would have been made then, with ranges taken "
        "from the dates before it only."
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def track_record_table(backtest: pd.DataFrame | None, horizon: int = 12) -> pd.DataFrame:
    """Per-series track record at one horizon, with plain column names and units.

    Columns: series, checks, 'average error (children)', 'average error (%)', 'carrying the last
    figure forward: average error (children)', '80% range held (%)', '95% range held (%)',
    'error vs carrying the last figure forward' (below 1 = better). Empty without a backtest.
    """
    from sufficiency.demand.backtest import summarise_backtest

    columns = [
        "series",
        "checks",
        "average error (children)",
        "average error (%)",
        "carrying the last figure forward: average error (children)",
        "80% range held (%)",
        "95% range held (%)",
        "error vs carrying the last figure forward",
    ]
    if backtest is None or backtest.empty:
        return pd.DataFrame(columns=columns)
    rows = backtest[backtest["horizon"] == horizon]
    if "method" in rows.columns:
        rows = rows[rows["method"] == METHOD]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    summary = summarise_backtest(rows, by=("series_id",))
    naive = (
        rows.assign(_naive=(rows["actual"] - rows["naive_forecast"]).abs())
        .groupby("series_id")["_naive"]
        .mean()
    )
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
            columns[4]: naive.reindex(summary["series_id"]).round(1).to_numpy(),
            "80% range held (%)": (100 * summary["coverage_80"]).round().to_numpy(),
            "95% range held (%)": (100 * summary["coverage_95"]).round().to_numpy(),
            "error vs carrying the last figure forward": summary["mae_ratio_vs_naive"]
            .round(2)
            .to_numpy(),
        }
    )[columns]


__all__ = [
    "ALL",
    "METHOD",
    "TOTAL",
    "TRACK_RECORD_HORIZONS",
    "accuracy_sentence",
    "accuracy_summary",
    "backtest_forecasts",
    "backtest_origins",
    "backtest_stockflow",
    "checked_series",
    "forecast_at",
    "last_total",
    "ranges_sentence",
    "score_backtest",
    "series_values",
    "track_record_sentences",
    "track_record_table",
]
