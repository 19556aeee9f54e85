"""Duration-aware stock-flow model: hand-computed projections, properties and seeded fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency.codes import AGE_BANDS, EXIT_REASON_GROUPS, SUPPORTED
from sufficiency.codes import PLACEMENT_CATEGORIES as CATS
from sufficiency.demand.feasibility import legal_zero_mask
from sufficiency.demand.stockflow import (
    ALL,
    FORECAST_COLUMNS,
    StockFlowModel,
    project_mean,
    simulate,
    simulate_paths,
)
from sufficiency.errors import SufficiencyError
from tests.demand_fixtures import (
    ENTRIES,
    EXIT_PROB,
    NEW_ENTRANT_EXIT_FACTOR,
    micro_panel,
    simple_params,
)

IFA = CATS.index("IFA fostering")


def _one_child(params, age_months: int, care_months: int, category: int = IFA):
    population = np.zeros_like(params.start_population)
    population[age_months, min(care_months, population.shape[1] - 1), category] = 1.0
    return params.replace(start_population=population)


def _band_and_category(stock_row: np.ndarray) -> list[tuple[str, str]]:
    grid = stock_row.reshape(len(AGE_BANDS), len(CATS))
    return [(AGE_BANDS[b], CATS[c]) for b, c in zip(*np.nonzero(grid > 1e-9), strict=True)]


# --- hand-computed projections ---------------------------------------------------------------


def test_a_child_changes_age_band_at_the_birthday_month():
    params = _one_child(simple_params(), age_months=57, care_months=10)  # 4 years 9 months
    path = project_mean(params, 4)
    # 4y10m, 4y11m at the next two month ends, then 5 years: the 5-9 band
    assert [_band_and_category(row) for row in path.stock] == [
        [("1-4", "IFA fostering")],
        [("1-4", "IFA fostering")],
        [("5-9", "IFA fostering")],
        [("5-9", "IFA fostering")],
    ]
    sims = simulate(params, 4, n_paths=5, random_state=0)
    np.testing.assert_array_equal(sims.stock.sum(axis=0) / 5, path.stock)


def test_care_ends_at_18_exactly():
    params = _one_child(simple_params(), age_months=213, care_months=30)  # 17 years 9 months
    path = project_mean(params, 4)
    np.testing.assert_allclose(path.stock.sum(axis=1), [1, 1, 0, 0])
    sims = simulate(params, 4, n_paths=20, random_state=1)
    np.testing.assert_array_equal(sims.stock.sum(axis=2), np.tile([1, 1, 0, 0], (20, 1)))


def test_exit_chance_follows_time_in_care_bands():
    """Leaving only in the first three months in care: a child with one month in care has two
    chances (months 1 and 2), one with three months none."""
    base = simple_params(duration_edges=(3,))
    exits = base.exit_prob.copy()
    exits[:, 0] = 0.0
    exits[:, 0, :, EXIT_REASON_GROUPS.index("return home")] = 0.5
    exits[:, 1] = 0.0
    params = base.replace(exit_prob=exits)
    new = project_mean(_one_child(params, 100, 1), 4).stock.sum(axis=1)
    np.testing.assert_allclose(new, [0.5, 0.25, 0.25, 0.25])
    settled = project_mean(_one_child(params, 100, 3), 4).stock.sum(axis=1)
    np.testing.assert_allclose(settled, [1, 1, 1, 1])
    sims = simulate(_one_child(params, 100, 1), 4, n_paths=4000, random_state=2)
    np.testing.assert_allclose(sims.stock.sum(axis=2).mean(axis=0), new, atol=0.03)


def test_entrants_arrive_at_month_end_with_no_time_in_care():
    params = simple_params(entries=1.0)
    path = project_mean(params, 2)
    np.testing.assert_allclose(path.entries.sum(axis=1), [5, 5])
    np.testing.assert_allclose(path.stock.sum(axis=1), [5, 10])


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    exit_p=st.floats(0, 0.2),
    move_p=st.floats(0, 0.3),
    entries=st.floats(0, 5),
    per_cell=st.integers(0, 6),
    seed=st.integers(0, 1000),
)
def test_children_are_conserved_never_negative_and_never_where_the_law_says_no(
    exit_p, move_p, entries, per_cell, seed
):
    params = simple_params(
        exit_prob=exit_p, move_prob=move_p, entries=entries, children_per_cell=per_cell
    )
    path = project_mean(params, 12)
    sims = simulate(params, 12, n_paths=30, random_state=seed)
    forbidden = legal_zero_mask().reshape(-1)
    for stock in (path.stock, sims.stock.reshape(-1, params.n_states)):
        assert np.isfinite(stock).all() and (stock >= -1e-9).all()
        assert np.abs(stock[:, forbidden]).max() < 1e-9
    if exit_p == 0 and entries == 0:
        # no exits or entries: only leaving at 18 changes the total
        start = params.start_population.sum()
        adults = params.start_population[216 - 12 :].sum()
        assert path.stock.sum(axis=1)[-1] == pytest.approx(start - adults)
        assert (sims.stock.sum(axis=2)[:, -1] == start - adults).all()


# --- fitting on a simulated authority -------------------------------------------------------


@pytest.fixture(scope="module")
def panel():
    return micro_panel(months=72, seed=1)


@pytest.fixture(scope="module")
def fitted(panel):
    return StockFlowModel(
        reference_months=48, halflife_months=None, duration_edges=(3,), max_horizon=36
    ).fit(panel)


def test_recovers_exit_rates_by_age_and_time_in_care(fitted):
    exits = fitted.transitions_.exit_prob.sum(axis=-1)  # (18, D, C)
    fostering = [CATS.index(c) for c in ("in-house fostering", "IFA fostering")]
    for band, truth in EXIT_PROB.items():
        years = {"under 1": [0], "1-4": [1, 2, 3, 4], "5-9": [5, 6, 7, 8, 9]}.get(
            band, list(range(10, 16)) if band == "10-15" else [16]
        )
        settled = exits[np.ix_(years, [1], fostering)].mean()
        assert settled == pytest.approx(truth, rel=0.45), band
    new = exits[:, 0][:, fostering].mean()
    settled_all = exits[:, 1][:, fostering].mean()
    assert new / settled_all == pytest.approx(NEW_ENTRANT_EXIT_FACTOR, rel=0.45)


def test_entries_level_and_structural_zeros(fitted):
    assert fitted.params_.entry_mean[0].sum() == pytest.approx(sum(ENTRIES.values()), rel=0.25)
    split = fitted.params_.entry_split
    np.testing.assert_allclose(split.sum(axis=1), 1.0)
    # nobody entered external residential, so no entrant is sent there
    assert split[:, CATS.index("external residential")].max() == 0.0
    zeros = fitted.structural_zeros_
    law = zeros[zeros["reason"].str.startswith("the law")]
    assert set(law["age_band"]) == {"under 1", "1-4", "5-9", "10-15"}
    assert (law["placement_category"] == SUPPORTED).all()
    assert zeros["reason"].str.contains("SI 2021/161").any()
    assert (fitted.rates_["monthly_probability"].between(0, 1)).all()


def test_simulated_mean_is_the_reported_mean_and_the_mean_path_agrees(fitted):
    forecast = fitted.forecast(36, n_paths=1000, random_state=3)
    assert list(forecast.columns) == list(FORECAST_COLUMNS)
    total = forecast[(forecast["age_band"] == ALL) & (forecast["placement_category"] == ALL)]
    sims = simulate_paths(fitted.params_, 36, 1000, 3)
    np.testing.assert_allclose(total["mean"], sims.sum(axis=2).mean(axis=0))
    mean_path = project_mean(fitted.params_, 36).stock.sum(axis=1)
    np.testing.assert_allclose(mean_path, total["mean"], rtol=0.02)
    # the mean sits inside its own 80% range wherever the range holds a child
    wide = forecast[forecast["p90"] >= 1]
    assert (wide["mean"] >= wide["p10"] - 1e-9).all() and (wide["mean"] <= wide["p90"] + 1e-9).all()
    narrow = forecast[forecast["p90"] < 1]
    assert (narrow["mean"] <= narrow["p90"] + 0.5).all()
    # same seed, same paths; drift widens the total's range as the horizon grows
    np.testing.assert_array_equal(
        simulate_paths(fitted.params_, 12, 50, 9), simulate_paths(fitted.params_, 12, 50, 9)
    )
    width = (total["p90"] - total["p10"]).to_numpy()
    assert width[-1] > width[5]


def test_projection_stays_near_a_stable_authority(panel, fitted):
    last = panel[panel["kind"] == "in care"].groupby("date")["children"].sum().iloc[-1]
    path = project_mean(fitted.params_, 24).stock.sum(axis=1)
    assert path[-1] == pytest.approx(last, rel=0.2)


def test_top_down_keeps_the_mix_and_follows_the_other_total(panel):
    model = StockFlowModel(reconcile="top-down: naive", max_horizon=24).fit(panel)
    last = panel[panel["kind"] == "in care"].groupby("date")["children"].sum().iloc[-1]
    np.testing.assert_allclose(project_mean(model.params_, 24).stock.sum(axis=1), last)
    bottom_up = StockFlowModel(max_horizon=24).fit(panel)
    a = project_mean(model.params_, 24).stock[-1]
    b = project_mean(bottom_up.params_, 24).stock[-1]
    np.testing.assert_allclose(a / a.sum(), b / b.sum(), atol=1e-9)


def test_errors_are_plain_words(panel):
    with pytest.raises(SufficiencyError, match="reference_months must be 6 to 240"):
        StockFlowModel(reference_months=2).fit(panel)
    with pytest.raises(SufficiencyError, match="entries_method must be one of"):
        StockFlowModel(entries_method="magic").fit(panel)
    with pytest.raises(SufficiencyError, match="columns are missing"):
        StockFlowModel().fit(panel.drop(columns=["care_months"]))
    early = panel[pd.to_datetime(panel["date"]) <= panel["date"].min() + pd.offsets.MonthEnd(5)]
    with pytest.raises(SufficiencyError, match="at least 7 month ends"):
        StockFlowModel().fit(early)
    with pytest.raises(SufficiencyError, match="horizon must be between 1 and"):
        StockFlowModel(max_horizon=12).fit(panel).forecast(13)


def test_prophet_entries_work_when_asked(panel):
    model = StockFlowModel(entries_method="prophet", max_horizon=12).fit(panel)
    assert set(model.entries_.methods_.values()) <= {"prophet", "mean of recent months"}
    assert model.params_.entry_mean.shape == (12, len(AGE_BANDS))
    assert np.isfinite(model.params_.entry_mean).all()
