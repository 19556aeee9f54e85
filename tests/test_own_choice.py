"""Choices read off the authority's own backtest: hand cases, properties, and no future data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.demand.own_choice import (
    OwnChoice,
    choose_reconcile,
    nested_forecasts,
    own_choice,
    range_factors,
    scored_methods,
    widen,
)
from sufficiency.demand.stockflow import ALL, StockFlowModel, stretch
from tests.demand_fixtures import micro_panel

CATEGORIES = ("category: A", "category: B")


def _scored(actuals: list[float], horizon: int = 12, mean: float = 100.0, half: float = 10.0):
    """Scored total checks at one horizon: one origin each, forecast ``mean`` +/- ``half``."""
    origins = pd.date_range("2015-03-31", periods=len(actuals), freq="6ME")
    return pd.DataFrame(
        {
            "series_id": "total",
            "origin": origins,
            "horizon": horizon,
            "ds": origins + pd.offsets.MonthEnd(horizon),
            "actual": actuals,
            "forecast": mean,
            "lower_80": mean - half,
            "upper_80": mean + half,
            "naive_forecast": mean,
        }
    )


def test_stretch_by_hand():
    np.testing.assert_allclose(stretch(np.array([8.0, 13.0]), 10.0, 2.0), [6.0, 16.0])
    # clipped at zero children, never below
    np.testing.assert_allclose(stretch(np.array([0.0]), 1.0, 3.0), [0.0])


def test_range_factor_is_the_80th_percentile_of_misses_in_half_widths():
    # misses of 0, 5, 10, 20 and 30 children against a range of +/- 10: 0, 0.5, 1, 2, 3
    scored = _scored([100, 105, 90, 120, 70])
    at = pd.Timestamp("2018-06-30")
    factors = range_factors(scored, at, 24, limits=(0.1, 10))
    expected = np.quantile([0, 0.5, 1, 2, 3], 0.8)
    assert factors[11, 0] == pytest.approx(expected)
    # 9-15 months ahead use the 12-month checks; further ahead the last factor is held
    assert factors[8, 0] == pytest.approx(expected) and factors[23, 0] == pytest.approx(expected)
    # before any horizon with enough origins: the simulated range (factor 1)
    assert factors[0, 0] == 1.0
    # no category checks: the other series keep their simulated ranges
    assert (factors[:, 1] == 1.0).all()
    # the default never narrows the simulated range
    narrow = range_factors(_scored([100, 101, 99, 100, 100]), at, 24)
    assert (narrow >= 1.0).all()


def test_range_factors_wait_for_three_origins_with_known_outcomes():
    scored = _scored([130, 70, 140, 60])
    # the third check's outcome (month 12 after the third origin) is not known yet
    third = scored["ds"].iloc[2]
    assert (range_factors(scored, third - pd.Timedelta(days=1), 12) == 1.0).all()
    assert range_factors(scored, third, 12)[11, 0] > 1.0


def test_widen_keeps_the_mean_inside_its_own_ranges():
    rng = np.random.default_rng(4)
    n = 500
    mean = rng.uniform(0, 50, n)
    frame = pd.DataFrame(
        {
            "horizon": rng.integers(1, 13, n),
            "mean": mean,
            "p10": mean - rng.uniform(0, 10, n),
            "p90": mean + rng.uniform(0, 10, n),
        }
    )
    frame["p2_5"] = frame["p10"] - rng.uniform(0, 10, n)
    frame["p97_5"] = frame["p90"] + rng.uniform(0, 10, n)
    factors = rng.uniform(1, 4, (12, 2))
    out = widen(frame, factors, is_total=rng.random(n) < 0.5)
    assert (out["mean"] == frame["mean"]).all()
    assert (out["p10"] <= out["mean"]).all() and (out["mean"] <= out["p90"]).all()
    assert (out["p2_5"] <= out["p10"]).all() and (out["p90"] <= out["p97_5"]).all()
    assert (out["p10"] >= 0).all()
    # widened, never narrowed (factors at least 1)
    assert (out["p90"] - out["p10"] >= frame["p90"] - frame["p10"].clip(lower=0) - 1e-9).all()


def test_choose_reconcile_picks_naive_when_it_was_better_and_waits_for_checks():
    rows = _scored([100, 104, 96, 101], horizon=12, mean=120).assign(naive_forecast=100.0)
    naive = rows.assign(forecast=rows["naive_forecast"])
    scored = {"bottom-up": rows, "top-down: naive": naive}
    method, scores, checks = choose_reconcile(scored, pd.Timestamp("2018-06-30"))
    assert method == "top-down: naive" and checks == 4
    assert scores["bottom-up"] > scores["top-down: naive"]
    # one origin with a known one-year outcome is too few: bottom-up
    early = rows["ds"].iloc[0]
    assert choose_reconcile(scored, early)[0] == "bottom-up"


# --- nested: no future data --------------------------------------------------------------------


def _synthetic(seed: int = 0):
    """Raw bottom-up backtest forecasts and observed series of a made-up authority."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2012-01-31", "2024-03-31", freq="ME")
    total = 400 + np.cumsum(rng.normal(0, 4, len(dates)))
    share = 0.6 + 0.05 * np.sin(np.arange(len(dates)) / 9)
    values = {"total": total, CATEGORIES[0]: total * share, CATEGORIES[1]: total * (1 - share)}
    series = pd.concat(
        [pd.DataFrame({"unique_id": uid, "ds": dates, "y": y}) for uid, y in values.items()],
        ignore_index=True,
    )
    origins = pd.date_range("2015-03-31", "2023-03-31", freq="6ME")
    rows = []
    for origin in origins:
        ahead = min(36, (dates[-1].year - origin.year) * 12 + dates[-1].month - origin.month)
        steps = np.arange(1, ahead + 1)
        for uid, y in values.items():
            level = y[dates.get_loc(origin)] * (1 + 0.004 * steps)  # a forecast that drifts up
            spread = 0.02 * level * np.sqrt(steps)
            rows.append(
                pd.DataFrame(
                    {
                        "unique_id": uid,
                        "ds": origin,  # set below
                        "mean": level,
                        "p2_5": level - 2 * spread,
                        "p10": level - 1.3 * spread,
                        "p90": level + 1.3 * spread,
                        "p97_5": level + 2 * spread,
                        "method": "stockflow",
                        "origin": origin,
                        "horizon": steps,
                        "mean_path": level,
                    }
                )
            )
    raw = pd.concat(rows, ignore_index=True)
    steps = zip(raw["origin"], raw["horizon"], strict=True)
    raw["ds"] = [origin + pd.offsets.MonthEnd(int(h)) for origin, h in steps]
    return raw, series


def test_nested_forecasts_use_no_data_from_after_their_origin():
    raw, series = _synthetic()
    made = nested_forecasts(raw, series)
    cut = pd.Timestamp("2020-03-31")
    # change everything that happened after the cut, and every forecast made after it
    later = series["ds"] > cut
    changed_series = series.assign(y=np.where(later, series["y"] * 3 + 50, series["y"]))
    changed_raw = raw.copy()
    after = changed_raw["origin"] > cut
    for column in ("mean", "p2_5", "p10", "p90", "p97_5", "mean_path"):
        changed_raw.loc[after, column] *= 0.5
    remade = nested_forecasts(changed_raw, changed_series)
    keep = made["origin"] <= cut
    pd.testing.assert_frame_equal(
        made[keep].reset_index(drop=True), remade[remade["origin"] <= cut].reset_index(drop=True)
    )
    # and the choices do change after the cut (the test can fail)
    assert (
        not np.allclose(
            made.loc[~keep, "range_factor"].to_numpy(), remade.loc[~keep, "range_factor"].to_numpy()
        )
        or not (made.loc[~keep, "reconcile"] == remade.loc[~keep, "reconcile"]).all()
    )


def test_nested_first_origins_are_the_simulated_bottom_up_forecast():
    raw, series = _synthetic()
    made = nested_forecasts(raw, series)
    first = made[made["origin"] == made["origin"].min()]
    assert (first["reconcile"] == "bottom-up").all() and (first["range_factor"] == 1.0).all()
    original = raw[raw["origin"] == raw["origin"].min()]
    np.testing.assert_allclose(first["p10"], original["p10"])
    # later, the forecast that kept drifting up is replaced by a top-down total somewhere
    assert (made["reconcile"] != "bottom-up").any()


def test_own_choice_with_one_candidate_only_calibrates():
    raw, series = _synthetic()
    scored = scored_methods(raw, series, ("bottom-up",))
    choice = own_choice(scored, pd.Timestamp("2024-04-01"), 60)
    assert choice.reconcile == "bottom-up" and choice.range_scale.shape == (60, 2)
    assert (choice.range_scale >= 1).all()


# --- the model takes the choices -------------------------------------------------------------


def test_adopted_range_factors_stretch_the_reported_ranges_around_the_same_mean():
    panel = micro_panel(months=48, seed=3)
    model = StockFlowModel(max_horizon=24).fit(panel)
    plain = model.forecast(24, n_paths=200, random_state=1)
    factors = np.column_stack([np.full(24, 2.0), np.full(24, 1.5)])
    model.adopt(OwnChoice("bottom-up", {}, factors, 0))
    wide = model.forecast(24, n_paths=200, random_state=1)
    np.testing.assert_allclose(wide["mean"], plain["mean"])
    total = (wide["age_band"] == ALL) & (wide["placement_category"] == ALL)
    np.testing.assert_allclose(
        wide.loc[total, "p90"] - wide.loc[total, "mean"],
        2.0 * (plain.loc[total, "p90"] - plain.loc[total, "mean"]),
    )
    other = ~total & (plain["p90"] > plain["mean"])
    np.testing.assert_allclose(
        wide.loc[other, "p90"] - wide.loc[other, "mean"],
        1.5 * (plain.loc[other, "p90"] - plain.loc[other, "mean"]),
    )
    assert (wide["p10"] <= wide["mean"] + 1e-9).all() and (wide["mean"] <= wide["p90"] + 1e-9).all()
    # a simulated-ranges model ignores the factors; the point choice needs "own backtest"
    fixed = StockFlowModel(max_horizon=24, ranges="simulated").fit(panel)
    fixed.adopt(OwnChoice("top-down: naive", {}, factors, 4))
    assert fixed.params_.range_scale is None and fixed.reconcile_ == "bottom-up"
    chosen = StockFlowModel(max_horizon=24, reconcile="own backtest").fit(panel)
    chosen.adopt(OwnChoice("top-down: naive", {}, factors, 4))
    assert chosen.reconcile_ == "top-down: naive" and chosen.params_.total_scale is not None


def test_pooled_calibration_fills_horizons_without_enough_origins():
    # five origins checked 3 months ahead (misses 0, 0.5, 1, 2, 3 half-widths), one 24 months ahead
    short = _scored([100, 105, 90, 120, 70], horizon=3)
    long = _scored([100], horizon=24)
    scored = pd.concat([short, long], ignore_index=True)
    at = pd.Timestamp("2020-12-31")
    pooled = np.quantile([0, 0.5, 1, 2, 3, 0], 0.8)
    near = np.quantile([0, 0.5, 1, 2, 3], 0.8)
    by_horizon = range_factors(scored, at, 24, limits=(0.1, 10))
    filled = range_factors(scored, at, 24, limits=(0.1, 10), calibration="by horizon, else pooled")
    only = range_factors(scored, at, 24, limits=(0.1, 10), calibration="pooled")
    # 1-6 months ahead: the 3-month checks; beyond, held (by horizon) or pooled
    assert by_horizon[5, 0] == pytest.approx(near) and filled[5, 0] == pytest.approx(near)
    assert by_horizon[23, 0] == pytest.approx(near) and filled[23, 0] == pytest.approx(pooled)
    assert np.allclose(only[:, 0], pooled)
    # two-sided limits may narrow; the default limits never do
    tight = _scored([100, 101, 99, 100, 100], horizon=3)
    assert range_factors(tight, at, 12, limits=(0.5, 4), calibration="pooled")[0, 0] == 0.5
    assert (range_factors(tight, at, 12, calibration="pooled") >= 1.0).all()
    with pytest.raises(ValueError, match="calibration"):
        range_factors(scored, at, 12, calibration="by month")
