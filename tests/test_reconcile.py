"""Reconciliation: age bands x categories add up to the total, and nothing goes negative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.codes import AGE_BANDS, PLACEMENT_CATEGORIES
from sufficiency.demand.reconcile import (
    RECONCILE_METHODS,
    cell_id,
    coherence_error,
    grouped_structure,
    reconcile,
    stock_series,
    structure_from_groups,
)
from sufficiency.demand.series import QUANTILES
from sufficiency.errors import InputDataError

BANDS = AGE_BANDS[:3]
CATEGORIES = PLACEMENT_CATEGORIES[:4]


def incoherent_forecasts(structure: pd.DataFrame, dates, seed: int = 0) -> pd.DataFrame:
    """Noisy independent forecasts of every series, some cells negative."""
    rng = np.random.default_rng(seed)
    rows = []
    for ds in dates:
        cells = rng.uniform(0, 30, size=structure.shape[1])
        truth = structure.to_numpy() @ cells
        base = truth + rng.normal(0, 4, size=len(truth))
        base[structure.shape[0] - 1] = -3.0  # a cell forecast below zero
        for uid, mean in zip(structure.index, base, strict=True):
            rows.append((uid, ds, mean))
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "mean"])
    for name, p in QUANTILES.items():
        frame[name] = frame["mean"] + (p - 0.5) * 20
    return frame


@pytest.fixture
def structure() -> pd.DataFrame:
    return grouped_structure(BANDS, CATEGORIES)


def test_grouped_structure_shape(structure):
    n_cells = len(BANDS) * len(CATEGORIES)
    assert structure.shape == (1 + len(BANDS) + len(CATEGORIES) + n_cells, n_cells)
    assert structure.loc["total"].sum() == n_cells
    assert structure.loc[f"age: {BANDS[0]}"].sum() == len(CATEGORIES)
    assert structure.loc[f"category: {CATEGORIES[1]}"].sum() == len(BANDS)
    full = grouped_structure(AGE_BANDS, PLACEMENT_CATEGORIES)
    n_full = len(AGE_BANDS) * len(PLACEMENT_CATEGORIES)
    assert full.shape == (1 + len(AGE_BANDS) + len(PLACEMENT_CATEGORIES) + n_full, n_full)


@pytest.mark.parametrize("method", RECONCILE_METHODS)
def test_reconciled_forecasts_add_up_and_stay_non_negative(structure, method):
    dates = pd.to_datetime(["2024-03-31", "2025-03-31"])
    base = incoherent_forecasts(structure, dates)
    assert coherence_error(base, structure) > 1
    result = reconcile(base, structure, method)
    assert list(result.columns) == list(base.columns)
    assert len(result) == len(base)
    assert coherence_error(result, structure) < 1e-8
    assert (result[["mean", *QUANTILES]].to_numpy() >= 0).all()
    ordered = result[list(QUANTILES)].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()


def test_unconstrained_ols_matches_the_closed_form(structure):
    base = incoherent_forecasts(structure, [pd.Timestamp("2024-03-31")], seed=2)
    result = reconcile(base, structure, "ols", nonnegative=False)
    s = structure.to_numpy()
    y = base.set_index("unique_id").loc[structure.index, "mean"].to_numpy()
    expected = s @ np.linalg.solve(s.T @ s, s.T @ y)
    got = result.set_index("unique_id").loc[structure.index, "mean"].to_numpy()
    assert np.allclose(got, expected, atol=1e-8)


def test_bottom_up_keeps_cells_and_coherent_input_is_unchanged(structure):
    base = incoherent_forecasts(structure, [pd.Timestamp("2024-03-31")], seed=3)
    result = reconcile(base, structure, "bottom_up")
    cells = list(structure.columns)
    before = base.set_index("unique_id").loc[cells, "mean"].clip(lower=0)
    after = result.set_index("unique_id").loc[cells, "mean"]
    assert np.allclose(before, after)
    for method in ("ols", "wls_struct"):
        again = reconcile(result, structure, method)
        assert np.allclose(again["mean"], result["mean"], atol=1e-6)


def test_quantiles_move_with_the_mean(structure):
    base = incoherent_forecasts(structure, [pd.Timestamp("2024-03-31")], seed=4)
    base[list(QUANTILES)] += 100  # keep clear of zero so no clipping
    base["mean"] += 100
    result = reconcile(base, structure, "wls_struct", nonnegative=False)
    width_before = base["p90"] - base["p10"]
    width_after = result["p90"] - result["p10"]
    assert np.allclose(width_before, width_after)


def test_stock_series_and_end_to_end_on_monthly_stock():
    rng = np.random.default_rng(5)
    dates = pd.date_range("2022-01-31", periods=6, freq="ME")
    stock = pd.DataFrame(
        [
            (date, band, category, int(rng.integers(0, 20)))
            for date in dates
            for band in BANDS
            for category in CATEGORIES
        ],
        columns=["date", "age_band", "placement_category", "children"],
    )
    series = stock_series(stock)
    structure = grouped_structure(BANDS, CATEGORIES)
    assert set(series["unique_id"]) == set(structure.index)
    total = series.loc[series["unique_id"] == "total"].set_index("ds")["y"]
    assert np.allclose(total, stock.groupby("date")["children"].sum())
    cell = series.loc[series["unique_id"] == cell_id(BANDS[0], CATEGORIES[0])]
    assert len(cell) == len(dates)
    # the actual stock is already coherent, so reconciling it changes nothing
    as_forecast = series.rename(columns={"y": "mean"})
    assert coherence_error(as_forecast, structure) < 1e-9
    from sufficiency.demand.baselines import Drift

    forecasts = Drift().fit(series).predict(3)
    reconciled = reconcile(forecasts, structure, "wls_struct")
    assert coherence_error(reconciled, structure) < 1e-8
    assert reconciled["ds"].nunique() == 3


def test_structure_from_groups_and_errors():
    structure = structure_from_groups(["a", "b", "c"], {"ab": ["a", "b"], "all": ["a", "b", "c"]})
    assert structure.loc["ab"].tolist() == [1, 1, 0]
    frame = pd.DataFrame(
        {"unique_id": ["a", "b", "c", "ab"], "ds": pd.Timestamp("2024-03-31"), "mean": 1.0}
    )
    with pytest.raises(InputDataError, match="no forecasts for series all"):
        reconcile(frame, structure)
    with pytest.raises(InputDataError, match="unknown reconciliation method"):
        reconcile(frame, structure, "magic")


def test_annual_published_age_bands_reconcile_to_the_total():
    from sufficiency.data.dfe import annual_series, load_published_tables
    from sufficiency.demand.baselines import DampedHolt

    tables = load_published_tables()
    kent = "E10000016"
    bands = ["age: under 1", "age: 1-4", "age: 5-9", "age: 10-15", "age: 16-17"]
    parts = [
        annual_series(
            "children_looked_after_31_march",
            breakdown,
            first_year=2011,
            last_year=2019,
            frame=tables,
        )
        .loc[lambda f: f["unique_id"] == kent]
        .assign(unique_id=breakdown)
        for breakdown in ["total", *bands]
    ]
    series = pd.concat(parts, ignore_index=True)
    # Bands add up to the total from the same release (2011-2013); later totals were revised
    # in newer releases (newest wins), so bands and total differ by a few children.
    by_year = series.pivot(index="ds", columns="unique_id", values="y")
    band_sum = by_year[bands].sum(axis=1)
    assert np.allclose(band_sum.iloc[:3], by_year["total"].iloc[:3])
    assert np.allclose(band_sum, by_year["total"], rtol=0.01)
    structure = structure_from_groups(bands, {"total": bands})
    forecasts = DampedHolt().fit(series).predict(2)
    assert coherence_error(forecasts, structure) > 0
    for method in RECONCILE_METHODS:
        result = reconcile(forecasts, structure, method)
        assert coherence_error(result, structure) < 1e-8
        assert (result["mean"] >= 0).all()
