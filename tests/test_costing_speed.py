"""The costing speed-ups change no number: quantiles from one sort, financial years remembered,
inflation without pandas and the financial-year tables built in sorted order give exactly what
the straightforward code gives (kept here as the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency import finance as fin
from sufficiency.scenario.engine import INVESTMENT_LABELS


def plain_inflation(months, price_base_year, annual_inflation_pct):
    months = pd.to_datetime(months)
    elapsed = ((months.dt.year - price_base_year) * 12 + (months.dt.month - 4)).to_numpy(float)
    return (1 + annual_inflation_pct / 100) ** (elapsed / 12)


def plain_summary(costs, months, labels, *, by_label=True, lower=0.1, upper=0.9):
    years = fin.financial_year(pd.Series(pd.DatetimeIndex(months)))
    unique = list(dict.fromkeys(years))
    onehot = (years.to_numpy()[:, None] == np.array(unique, dtype=object)[None, :]).astype(float)
    per_year = np.einsum("pmk,mf->pfk", costs, onehot)
    if not by_label:
        per_year = per_year.sum(axis=-1, keepdims=True)
    mean = per_year.mean(axis=0)
    low, high = np.quantile(per_year, [lower, upper], axis=0)
    n_years, n_labels = mean.shape
    frame = pd.DataFrame(
        {
            "financial_year": np.repeat(np.array(unique, dtype=object), n_labels),
            "cost_mean": mean.reshape(-1),
            "cost_p10": low.reshape(-1),
            "cost_p90": high.reshape(-1),
            "months": np.repeat(onehot.sum(axis=0).astype(int), n_labels),
        }
    )
    if by_label:
        frame.insert(1, "placement_category", np.tile(np.array(labels, dtype=object), n_years))
        frame.insert(
            2,
            "provider",
            frame["placement_category"]
            .map(fin.PROVIDER_BY_CATEGORY)
            .fillna(fin.IN_HOUSE)
            .to_numpy(),
        )
        frame = frame.sort_values(["financial_year", "placement_category"], ignore_index=True)
    return frame


def plain_savings(baseline_totals, scenario_totals, months, *, lower=0.1, upper=0.9):
    base = plain_summary(baseline_totals[..., None], months, ["total"], by_label=False)
    diff = plain_summary(
        (baseline_totals - scenario_totals)[..., None],
        months,
        ["total"],
        by_label=False,
        lower=lower,
        upper=upper,
    )
    scen = plain_summary(scenario_totals[..., None], months, ["total"], by_label=False)
    return pd.DataFrame(
        {
            "financial_year": base["financial_year"],
            "baseline_cost_mean": base["cost_mean"],
            "scenario_cost_mean": scen["cost_mean"],
            "saving_mean": diff["cost_mean"],
            "saving_p10": diff["cost_p10"],
            "saving_p90": diff["cost_p90"],
        }
    )


@pytest.mark.parametrize("shape", [(200, 60, 5, 11), (200, 5, 15), (2, 3), (7,), (1000, 9)])
@pytest.mark.parametrize("kind", ["whole children", "money", "ties", "missing"])
def test_path_quantiles_are_numpys(shape, kind):
    rng = np.random.default_rng(len(shape))
    values = rng.random(shape) * 1e6
    if kind == "whole children":
        values = np.round(values / 1e5)
    elif kind == "ties":
        values = np.round(values / 1e4) / 7
    elif kind == "missing":
        values[rng.random(shape) < 0.02] = np.nan
    for quantiles in ([0.1, 0.9], [0.025, 0.5, 0.975], [0.5], [0.75, 0.2]):
        plain = np.quantile(values, quantiles, axis=0)
        fast = fin.path_quantiles(values, quantiles)
        assert fast.shape == plain.shape
        assert np.array_equal(fast, plain, equal_nan=True)


def test_path_quantiles_hand_numpy_what_it_does_not_do():
    whole = np.arange(12).reshape(4, 3)  # integers, one path, quantiles at the ends
    assert np.array_equal(
        fin.path_quantiles(whole, [0.1, 0.9]), np.quantile(whole, [0.1, 0.9], axis=0)
    )
    one = np.ones((1, 4))
    assert np.array_equal(fin.path_quantiles(one, [0.1]), np.quantile(one, [0.1], axis=0))
    both_ends = np.random.default_rng(1).random((50, 3))
    assert np.array_equal(
        fin.path_quantiles(both_ends, [0.0, 1.0]), np.quantile(both_ends, [0.0, 1.0], axis=0)
    )


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_inflation_is_the_pandas_formula(unit):
    rng = np.random.default_rng(2)
    for _ in range(40):
        start = pd.Timestamp("1960-01-31") + pd.offsets.MonthEnd(int(rng.integers(0, 900)))
        months = pd.date_range(start, periods=int(rng.integers(1, 130)), freq="ME").as_unit(unit)
        if rng.random() < 0.5:  # mid-month dates count as their month
            months = months - pd.Timedelta(days=int(rng.integers(0, 27)))
        base, pct = int(rng.integers(1995, 2040)), float(rng.choice([0.0, 2.0, 3.0, 7.25, -1.5]))
        plain = plain_inflation(pd.Series(months), base, pct)
        assert np.array_equal(fin._inflation(pd.Series(months), base, pct), plain)
    with_gap = pd.Series(pd.to_datetime(["2026-03-31", None, "2027-05-31"]))
    assert np.array_equal(
        fin._inflation(with_gap, 2025, 3.0), plain_inflation(with_gap, 2025, 3.0), equal_nan=True
    )


@pytest.mark.parametrize("start", ["2025-11-30", "2024-03-31", "2031-04-30"])
def test_financial_year_tables_are_the_plain_ones(start):
    rng = np.random.default_rng(3)
    months = pd.date_range(start, periods=61, freq="ME")[1:]
    labels = (*reversed(fin.codes.PLACEMENT_CATEGORIES), *INVESTMENT_LABELS)
    costs = rng.gamma(2.0, 5e4, size=(120, len(months), len(labels)))
    costs[:, :, 3] = 0.0
    for _ in range(2):  # the second time with the financial years remembered
        for by_label in (True, False):
            pd.testing.assert_frame_equal(
                fin.financial_year_summary(costs, months, labels, by_label=by_label),
                plain_summary(costs, months, labels, by_label=by_label),
                check_exact=True,
            )
        base, scen = costs.sum(axis=-1), costs[..., :-2].sum(axis=-1)
        pd.testing.assert_frame_equal(
            fin.savings_summary(base, scen, months, lower=0.2, upper=0.7),
            plain_savings(base, scen, months, lower=0.2, upper=0.7),
            check_exact=True,
        )
