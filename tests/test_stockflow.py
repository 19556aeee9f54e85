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
    QUANTILES,
    StockFlowModel,
    project_mean,
    simulate,
    simulate_paths,
    summarise_paths,
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


ADOPTION = CATS.index("placed for adoption")
ADOPTED = EXIT_REASON_GROUPS.index("adoption")


def _adoption_closed_at_16(params, *, exit_p: float, move_p: float):
    """16-17 year olds placed for adoption ruled out; from adoption, 16-17 year olds move to IFA
    fostering only; ``exit_p`` a month leave care by adoption, ``move_p`` move."""
    ruled_out = params.ruled_out_cells.copy()
    ruled_out[AGE_BANDS.index("16-17"), ADOPTION] = True
    exits = np.zeros_like(params.exit_prob)
    exits[..., ADOPTED] = exit_p
    destination = params.destination.copy()
    destination[:, :, ADOPTION] = 0.0
    destination[-1, ADOPTION] = 0.0
    destination[-1, ADOPTION, IFA] = 1.0
    destination /= np.maximum(destination.sum(axis=2, keepdims=True), 1e-12)
    return params.replace(
        ruled_out=ruled_out,
        exit_prob=exits,
        move_prob=np.full_like(params.move_prob, move_p),
        destination=destination,
    )


def test_a_child_placed_for_adoption_leaves_the_placement_at_a_ruled_out_birthday():
    """A child placed for adoption aged 15 years 11 months, where nobody aged 16-17 is placed for
    adoption: in the month of the 16th birthday 10% are adopted and 10% move as in any month; the
    80% still placed for adoption leave the placement with the birthday, adopted or moving in
    the same proportions (half each: 40% and 40%). By hand: 0.1 + 0.4 = 0.5 adopted, 0.5 in IFA
    fostering, nobody aged 16-17 placed for adoption, ever (then 10% a month leave care)."""
    base = _one_child(simple_params(), age_months=191, care_months=20, category=ADOPTION)
    params = _adoption_closed_at_16(base, exit_p=0.1, move_p=0.1)
    path = project_mean(params, 3)
    ifa_16 = params.state_index("16-17", "IFA fostering")
    adoption_16 = params.state_index("16-17", "placed for adoption")
    np.testing.assert_allclose(path.stock[0, ifa_16], 0.5)
    np.testing.assert_allclose(path.stock.sum(axis=1), [0.5, 0.5 * 0.9, 0.5 * 0.9 * 0.9], 1e-6)
    assert path.stock[:, adoption_16].max() == 0.0
    np.testing.assert_allclose(path.left_at_birthday[0, ADOPTED], 0.4, rtol=1e-6)
    assert path.left_at_birthday[1:].sum() == 0.0
    np.testing.assert_allclose(path.left_at_birthday.sum(), 0.4, rtol=1e-6)
    sims = simulate(params, 3, n_paths=4000, random_state=4)
    assert sims.stock[:, :, adoption_16].max() == 0
    np.testing.assert_allclose(sims.stock[:, 0, ifa_16].mean(), 0.5, atol=0.03)
    # where the data show 16-17 year olds staying placed for adoption, the child stays
    stays = params.replace(ruled_out=base.ruled_out_cells)
    np.testing.assert_allclose(project_mean(stays, 1).stock[0, adoption_16], 0.8)
    # without exits the birthday only moves children: all stay in care, first in IFA fostering
    moves_only = _adoption_closed_at_16(base, exit_p=0.0, move_p=0.1)
    moved = project_mean(moves_only, 2).stock
    np.testing.assert_allclose(moved[0, ifa_16], 1.0)
    np.testing.assert_allclose(moved.sum(axis=1), [1.0, 1.0], rtol=1e-6)
    sims = simulate(moves_only, 2, n_paths=50, random_state=5)
    assert (sims.stock[:, 0, ifa_16] == 1).all() and (sims.stock.sum(axis=2) == 1).all()


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


def _ruled_out_params(seed: int, density: float, exit_p, move_p, entries, per_cell, edges):
    """Hand-made parameters with random ruled-out cells (in-house fostering always open), rates
    and entrants respecting them, and children at every age just before a band boundary."""
    rng = np.random.default_rng(seed)
    params = simple_params(
        exit_prob=exit_p, move_prob=move_p, entries=entries, duration_edges=edges
    )
    ruled_out = params.ruled_out_cells | (rng.random(params.ruled_out_cells.shape) < density)
    ruled_out[:, 0] = False
    destination = params.destination * ~ruled_out[:, None, :]
    destination /= np.maximum(destination.sum(axis=2, keepdims=True), 1e-300)
    split = params.entry_split * ~ruled_out
    split /= split.sum(axis=1, keepdims=True)
    population = np.zeros_like(params.start_population)
    n_dur = population.shape[1]
    for band, first in enumerate([0, 12, 60, 120, 192]):
        for age in {first, max(first - 1, 0), first + 6}:
            own_band = band if age >= first else band - 1
            open_cells = ~ruled_out[own_band]
            population[age, rng.integers(0, n_dur), open_cells] = per_cell
    return params.replace(
        ruled_out=ruled_out,
        destination=destination,
        entry_split=split,
        start_population=population,
        exit_drift=0.3,
        mix_drift=0.3,
        range_scale=np.full((params.max_horizon, 2), 1.7),
    )


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    density=st.floats(0, 0.6),
    exit_p=st.floats(0, 0.2),
    move_p=st.floats(0, 0.3),
    entries=st.floats(0, 4),
    per_cell=st.integers(1, 4),
    edges=st.sampled_from([(), (3,), (3, 12)]),
)
def test_ruled_out_cells_hold_nobody_at_any_month_in_mean_ranges_and_every_path(
    seed, density, exit_p, move_p, entries, per_cell, edges
):
    params = _ruled_out_params(seed, density, exit_p, move_p, entries, per_cell, edges)
    horizon = 30  # every band boundary is crossed by someone
    ruled_out = params.ruled_out_cells.reshape(-1)
    path = project_mean(params, horizon)
    sims = simulate(params, horizon, n_paths=40, random_state=seed)
    frame = summarise_paths(sims.stock, params)
    cells = frame[(frame["age_band"] != ALL) & (frame["placement_category"] != ALL)]
    banned = cells.set_index(["age_band", "placement_category"]).index.isin(
        [(AGE_BANDS[b], CATS[c]) for b, c in zip(*np.nonzero(params.ruled_out_cells), strict=True)]
    )
    assert banned.sum() == ruled_out.sum() * horizon
    assert (cells.loc[banned, ["mean", *QUANTILES]].to_numpy() == 0).all()
    assert (path.stock[:, ruled_out] == 0).all() and (sims.stock[:, :, ruled_out] == 0).all()
    for stock in (path.stock, sims.stock):
        assert np.isfinite(stock).all() and (stock >= 0).all()
    assert (path.left_at_birthday >= 0).all()
    if exit_p == 0 and entries == 0:
        # nobody leaves but at 18: children who age into a ruled-out cell move instead
        start = params.start_population.sum()
        adults = params.start_population[216 - horizon :].sum()
        assert path.stock.sum(axis=1)[-1] == pytest.approx(start - adults, rel=1e-5)
        assert (sims.stock.sum(axis=2)[:, -1] == start - adults).all()
        assert path.left_at_birthday.sum() == 0


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


def test_the_forecast_download_says_each_rows_level_and_the_detail_adds_up(fitted):
    # a user summed the download's mean column: 2,269 children on the demo where the total is
    # 567, as the 'all' subtotal rows were mixed in; each row now names its level
    from sufficiency.demand.pipeline import FORECAST_LEVELS, forecast_with_levels

    forecast = fitted.forecast(12, n_paths=200, random_state=3)
    levelled = forecast_with_levels(forecast)
    assert list(levelled.columns) == ["level", *FORECAST_COLUMNS]
    assert len(levelled) == len(forecast)
    assert list(dict.fromkeys(levelled["level"])) == list(FORECAST_LEVELS)  # detail first
    detail = levelled[levelled["level"] == "age band and placement"]
    assert not (detail[["age_band", "placement_category"]] == ALL).any().any()
    total = levelled[levelled["level"] == "all children"].set_index("date")["mean"]
    assert len(total) == 12
    for level in ("age band and placement", "age band total", "placement category total"):
        sums = levelled[levelled["level"] == level].groupby("date")["mean"].sum()
        np.testing.assert_allclose(sums, total, rtol=1e-9)
    # every row once: the whole mean column is four times the total (the mix the user saw)
    np.testing.assert_allclose(levelled.groupby("date")["mean"].sum(), 4 * total, rtol=1e-9)


def test_path_quantiles_are_numpys_to_within_rounding():
    """The forecast's ranges come from one sort of the simulated stocks: numpy's linear
    quantiles exactly for whole children, to within rounding (1e-12) for fractional values."""
    from sufficiency.demand.stockflow import _quantiles

    rng = np.random.default_rng(3)
    probs = [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975]
    whole = rng.poisson(30, (200, 12, 5)).astype(float)
    assert np.array_equal(_quantiles(whole, probs), np.quantile(whole, probs, axis=0))
    fractional = rng.normal(30, 5, (1000, 12, 5))
    np.testing.assert_allclose(
        _quantiles(fractional, probs), np.quantile(fractional, probs, axis=0), rtol=0, atol=1e-12
    )
