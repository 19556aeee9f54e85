"""Stock-flow model: estimation against a known micro-simulation, small cells, projection, Monte Carlo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency.codes import AGE_BAND_LOWER_YEARS, AGE_BANDS, EXIT_REASON_GROUPS
from sufficiency.codes import PLACEMENT_CATEGORIES as CATS
from sufficiency.demand.stockflow import (
    ALL,
    FORECAST_COLUMNS,
    StockFlowModel,
    band_width_ageing_rates,
    project_mean,
    simulate_paths,
)
from sufficiency.errors import SufficiencyError

# Truth of the micro-simulation: monthly probabilities.
EXIT_PROB = {"under 1": 0.02, "1-4": 0.025, "5-9": 0.015, "10-15": 0.012, "16-17": 0.03}
MOVE_PROB = 0.02  # per month, to one of MOVE_TARGETS
MOVE_TARGETS = (CATS[0], CATS[1], CATS[2])  # in-house, IFA, kinship fostering
ENTRY_RATE = {"under 1": 2.0, "1-4": 2.0, "5-9": 1.5, "10-15": 2.5, "16-17": 1.0}
FIRST_PLACEMENT = {CATS[0]: 0.45, CATS[1]: 0.35, CATS[2]: 0.2}


def synthetic_flows(months: int = 72, seed: int = 1, scale: float = 1.0):
    """Individual-level micro-simulation -> (MOVEMENTS, monthly STOCK) frames, aggregated rows.

    Independent of the model's own maths: children carry an age in months, move between three
    fostering categories, exit with a band-specific probability and leave at 18.
    """
    rng = np.random.default_rng(seed)
    upper_months = np.array([*AGE_BAND_LOWER_YEARS[1:], 18]) * 12
    start = pd.Timestamp("2018-01-31")
    month_ends = pd.date_range(start, periods=months + 1, freq="ME")
    ages = rng.integers(0, 216, size=int(300 * scale))
    cats = rng.choice(len(MOVE_TARGETS), size=ages.size)
    events: list[tuple] = []
    stock_rows: list[tuple] = []

    def band_of(age_months: np.ndarray) -> np.ndarray:
        return np.searchsorted(upper_months, age_months, side="right")

    def record_stock(date):
        bands = band_of(ages)
        for b, band in enumerate(AGE_BANDS):
            for cat in CATS:
                code = MOVE_TARGETS.index(cat) if cat in MOVE_TARGETS else -1
                stock_rows.append((date, band, cat, int(((bands == b) & (cats == code)).sum())))

    record_stock(month_ends[0])
    exit_p = np.array([EXIT_PROB[b] for b in AGE_BANDS])
    for date in month_ends[1:]:
        day = date - pd.Timedelta(days=10)
        bands = band_of(ages)
        u = rng.random(ages.size)
        leaving = u < exit_p[bands]
        moving = ~leaving & (u < exit_p[bands] + MOVE_PROB)
        for i in np.flatnonzero(leaving):
            group = EXIT_REASON_GROUPS[int(rng.integers(len(EXIT_REASON_GROUPS)))]
            events.append(
                (day, "exit", AGE_BANDS[bands[i]], MOVE_TARGETS[cats[i]], None, None, group)
            )
        for i in np.flatnonzero(moving):
            new = (cats[i] + 1 + rng.integers(2)) % 3
            events.append(
                (
                    day,
                    "placement_change",
                    AGE_BANDS[bands[i]],
                    MOVE_TARGETS[cats[i]],
                    AGE_BANDS[bands[i]],
                    MOVE_TARGETS[new],
                    None,
                )
            )
            cats[i] = new
        ages, cats = ages[~leaving], cats[~leaving]
        old_bands = band_of(ages)
        ages = ages + 1
        new_bands = band_of(ages)
        for i in np.flatnonzero(new_bands != old_bands):
            band, cat = AGE_BANDS[old_bands[i]], MOVE_TARGETS[cats[i]]
            if new_bands[i] >= len(AGE_BANDS):
                events.append((day, "exit", band, cat, None, None, "18+ / independence"))
            else:
                events.append((day, "ageing", band, cat, AGE_BANDS[new_bands[i]], cat, None))
        adult = new_bands >= len(AGE_BANDS)
        ages, cats = ages[~adult], cats[~adult]
        new_ages, new_cats = [], []
        month_factor = 1 + 0.3 * np.sin(2 * np.pi * date.month / 12)
        for b, band in enumerate(AGE_BANDS):
            n = rng.poisson(ENTRY_RATE[band] * scale * month_factor)
            lo = AGE_BAND_LOWER_YEARS[b] * 12
            hi = upper_months[b]
            for _ in range(n):
                c = rng.choice(3, p=list(FIRST_PLACEMENT.values()))
                new_ages.append(int(rng.integers(lo, hi)))
                new_cats.append(c)
                events.append((day, "entry", None, None, band, MOVE_TARGETS[c], None))
        ages = np.concatenate([ages, np.array(new_ages, dtype=ages.dtype)])
        cats = np.concatenate([cats, np.array(new_cats, dtype=cats.dtype)])
        record_stock(date)

    movements = pd.DataFrame(
        events,
        columns=[
            "date",
            "movement",
            "from_age_band",
            "from_category",
            "to_age_band",
            "to_category",
            "exit_reason_group",
        ],
    )
    movements["reason_place_change"] = None
    movements["carer_side_ending"] = False
    movements["children"] = 1
    stock = pd.DataFrame(stock_rows, columns=["date", "age_band", "placement_category", "children"])
    return movements, stock


@pytest.fixture(scope="module")
def flows():
    return synthetic_flows()


@pytest.fixture(scope="module")
def fitted(flows):
    movements, stock = flows
    return StockFlowModel(reference_months=36, n_entry_samples=50, max_horizon=24).fit(
        movements, stock
    )


def _rate(model, band, cat, transition):
    rates = model.rates_
    row = rates[
        (rates["age_band"] == band)
        & (rates["placement_category"] == cat)
        & (rates["transition"] == transition)
    ]
    assert len(row) == 1
    return row.iloc[0]


def test_recovers_exit_and_move_rates(fitted):
    rates = fitted.rates_
    for band, p in EXIT_PROB.items():
        exits = rates[
            (rates["age_band"] == band)
            & rates["placement_category"].isin(MOVE_TARGETS)
            & rates["transition"].str.startswith("exit")
        ]
        total = (exits["events"].sum()) / exits.drop_duplicates("placement_category")[
            "exposure_child_months"
        ].sum()
        # 16-17 also loses everyone reaching 18 (about 1/24 a month)
        expected = p + (1 / 24 if band == "16-17" else 0.0)
        assert total == pytest.approx(expected, rel=0.35)
    moves = rates[
        rates["placement_category"].isin(MOVE_TARGETS) & rates["transition"].str.startswith("move")
    ]
    big = moves[moves["exposure_child_months"] > 300]
    hazard_sum = big.groupby(["age_band", "placement_category"])["monthly_hazard"].sum()
    assert hazard_sum.median() == pytest.approx(MOVE_PROB, rel=0.35)


def test_probabilities_are_valid_and_never_nan(fitted):
    probs = fitted.params_.probabilities()
    assert np.isfinite(probs).all()
    assert (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    assert fitted.rates_[["monthly_hazard", "monthly_probability"]].notna().all().all()


def test_empty_cells_take_the_pooled_rate(fitted):
    # secure placements never occur in the micro-simulation: rates come from the pooled prior
    row = _rate(fitted, "10-15", "secure", "exit: return home")
    assert row["exposure_child_months"] == 0
    assert bool(row["used_pooled_rate"])
    assert 0 < row["monthly_hazard"] < 0.05
    ageing = _rate(fitted, "1-4", "secure", "age into 5-9")
    width_rate = band_width_ageing_rates()[1]
    assert ageing["monthly_hazard"] == pytest.approx(width_rate, rel=0.5)


def test_entry_split_follows_first_placements(fitted):
    split = fitted.params_.entry_split
    np.testing.assert_allclose(split.sum(axis=1), 1.0)
    overall = split[:, :3].mean(axis=0)
    assert overall[0] == pytest.approx(FIRST_PLACEMENT[CATS[0]], abs=0.1)
    assert overall[2] == pytest.approx(FIRST_PLACEMENT[CATS[2]], abs=0.1)


def test_mean_projection_stays_near_the_observed_level(fitted):
    path = project_mean(fitted.params_, 24)
    start = fitted.params_.start_stock.sum()
    assert path.stock.shape == (24, len(AGE_BANDS) * len(CATS))
    assert (path.stock >= 0).all()
    assert path.stock[-1].sum() == pytest.approx(start, rel=0.3)


def test_simulation_matches_mean_and_is_reproducible(fitted):
    params = fitted.params_
    a = simulate_paths(params, 12, n_paths=400, random_state=7)
    b = simulate_paths(params, 12, n_paths=400, random_state=7)
    c = simulate_paths(params, 12, n_paths=400, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    mean = project_mean(params, 12).stock.sum(axis=1)
    simulated = a.sum(axis=2).mean(axis=0)
    np.testing.assert_allclose(simulated, mean, rtol=0.04)
    # conservation: paths never go negative
    assert a.min() >= 0


def test_forecast_frame_has_quantiles_and_totals(fitted):
    frame = fitted.forecast(6, n_paths=300, random_state=1)
    assert tuple(frame.columns) == FORECAST_COLUMNS
    assert frame[list(FORECAST_COLUMNS[3:])].notna().all().all()
    total = frame[(frame["age_band"] == ALL) & (frame["placement_category"] == ALL)]
    assert len(total) == 6
    ordered = total[["p2_5", "p10", "p25", "p50", "p75", "p90", "p97_5"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
    assert (total["p97_5"] > total["p2_5"]).all()
    # band totals add up to the grand total (means)
    first = frame[frame["date"] == frame["date"].min()]
    bands = first[(first["age_band"] != ALL) & (first["placement_category"] == ALL)]
    assert bands["mean"].sum() == pytest.approx(total["mean"].iloc[0])
    assert len(first) == len(AGE_BANDS) * len(CATS) + len(AGE_BANDS) + len(CATS) + 1


def test_interval_covers_held_out_total():
    movements, stock = synthetic_flows(months=84, seed=3)
    origin = pd.Timestamp("2018-01-31") + pd.offsets.MonthEnd(72)
    model = StockFlowModel(n_entry_samples=50, max_horizon=12).fit(movements, stock, origin=origin)
    frame = model.forecast(12, n_paths=500, random_state=0)
    total = frame[(frame["age_band"] == ALL) & (frame["placement_category"] == ALL)]
    actual = stock[pd.to_datetime(stock["date"]) > origin].groupby("date")["children"].sum()
    inside = (actual.to_numpy() >= total["p2_5"].to_numpy()) & (
        actual.to_numpy() <= total["p97_5"].to_numpy()
    )
    assert inside.mean() >= 0.75


def test_short_history_uses_fallback_entries():
    movements, stock = synthetic_flows(months=14, seed=2)
    model = StockFlowModel(n_entry_samples=20, max_horizon=12).fit(movements, stock)
    assert set(model.entries_.methods_.values()) == {"mean of recent months"}
    assert np.isfinite(model.params_.entry_mean).all()
    assert model.params_.entry_mean[0].sum() == pytest.approx(sum(ENTRY_RATE.values()), rel=0.4)


def test_errors_are_plain_words(flows):
    movements, stock = flows
    with pytest.raises(SufficiencyError, match="at least 7 month ends"):
        StockFlowModel().fit(movements, stock.iloc[:50])
    with pytest.raises(SufficiencyError, match="missing"):
        StockFlowModel().fit(movements.drop(columns=["movement"]), stock)
    with pytest.raises(SufficiencyError, match="reference_months"):
        StockFlowModel(reference_months=2).fit(movements, stock)
    model = StockFlowModel()
    with pytest.raises(SufficiencyError, match="not been fitted"):
        model.predict(3)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    months=st.integers(8, 20),
    density=st.floats(0.0, 1.0),
)
def test_sparse_random_data_never_gives_nan_or_invalid_rows(seed, months, density):
    """Tiny, sparse, lumpy data (short history: no Prophet) still gives valid probabilities."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2020-01-31", periods=months, freq="ME")
    stock = pd.DataFrame(
        [
            (d, b, c, int(rng.poisson(3)) if rng.random() < density * 0.3 else 0)
            for d in dates
            for b in AGE_BANDS
            for c in CATS
        ],
        columns=["date", "age_band", "placement_category", "children"],
    )
    stock.loc[len(stock) - 1, "children"] += 1  # at least one child in the reference period
    kinds = ["entry", "exit", "placement_change", "ageing"]
    n = int(rng.integers(1, 40))
    movements = pd.DataFrame(
        {
            "date": rng.choice(dates, n) - pd.Timedelta(days=3),
            "movement": rng.choice(kinds, n),
            "from_age_band": rng.choice([*AGE_BANDS, None], n),
            "from_category": rng.choice([*CATS, None], n),
            "to_age_band": rng.choice([*AGE_BANDS, None], n),
            "to_category": rng.choice(CATS, n),
            "exit_reason_group": rng.choice([*EXIT_REASON_GROUPS, None], n),
            "reason_place_change": None,
            "carer_side_ending": False,
            "children": 1,
        }
    )
    movements.loc[0, ["movement", "to_age_band"]] = ["entry", "1-4"]
    model = StockFlowModel(n_entry_samples=5, max_horizon=6).fit(movements, stock)
    probs = model.params_.probabilities()
    assert np.isfinite(probs).all() and (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(model.params_.entry_split).all()
    assert model.rates_[["monthly_hazard", "monthly_probability"]].notna().all().all()
    paths = model.simulate(6, n_paths=20, random_state=seed)
    assert paths.min() >= 0


def test_rate_uncertainty_widens_intervals_not_the_mean(fitted):
    params = fitted.params_
    assert params.exit_events.sum() > 0 and params.move_events.sum() > 0
    # 2,000 paths: at 600 the spread of a spread (about 3%) is as large as the effect tested
    fixed = simulate_paths(params, 24, n_paths=2000, random_state=2, rate_draws=0)
    uncertain = simulate_paths(params, 24, n_paths=2000, random_state=2, rate_draws=10)
    assert uncertain.sum(axis=2)[:, -1].std() > 1.02 * fixed.sum(axis=2)[:, -1].std()
    np.testing.assert_allclose(
        uncertain.sum(axis=2).mean(axis=0), fixed.sum(axis=2).mean(axis=0), rtol=0.03
    )
    # without event counts (e.g. hand-made parameters) the rates stay fixed
    bare = params.replace(exit_events=None, move_events=None)
    np.testing.assert_array_equal(
        simulate_paths(bare, 6, 50, 1, rate_draws=10), simulate_paths(bare, 6, 50, 1, rate_draws=0)
    )
