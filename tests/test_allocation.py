"""Allocation of placement demand to in-house capacity first, overflow external."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sufficiency.codes import (
    AGE_BANDS,
    EXTERNAL_RESIDENTIAL,
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    IN_HOUSE_RESIDENTIAL,
    KINSHIP_FOSTERING,
    PLACEMENT_CATEGORIES,
)
from sufficiency.errors import SufficiencyError
from sufficiency.plan.allocation import ALLOCATION_COLUMNS, allocate, demand_array_from_frame

CAT = {category: i for i, category in enumerate(PLACEMENT_CATEGORIES)}
BANDS = len(AGE_BANDS)
MONTHS = pd.date_range("2025-04-30", periods=6, freq="ME")


def one_path(foster_in=0.0, foster_ifa=0.0, res_in=0.0, res_ext=0.0, kinship=0.0, months=6):
    """Demand (months, bands, categories) with the same numbers in every month."""
    demand = np.zeros((months, BANDS, len(PLACEMENT_CATEGORIES)))
    demand[..., CAT[IN_HOUSE_FOSTERING]] = foster_in
    demand[..., CAT[IFA_FOSTERING]] = foster_ifa
    demand[..., CAT[IN_HOUSE_RESIDENTIAL]] = res_in
    demand[..., CAT[EXTERNAL_RESIDENTIAL]] = res_ext
    demand[..., CAT[KINSHIP_FOSTERING]] = kinship
    return demand


def test_capacity_above_demand_places_everyone_in_house():
    demand = one_path(foster_in=3, foster_ifa=4, res_in=1, res_ext=2)
    result = allocate(demand, foster_capacity=10, residential_beds=100, months=MONTHS)
    assert np.allclose(result.ifa_fostering, 0)
    assert np.allclose(result.in_house_fostering, 7)
    assert np.allclose(result.external_residential[..., 3:], 0)
    # homes take teenagers by default; younger children already in in-house homes keep their place
    assert np.allclose(result.external_residential[..., :3], 2)
    assert np.allclose(result.in_house_residential[..., :3], 1)
    assert np.allclose(result.spare_foster_places, 3)


def test_zero_capacity_sends_everything_external():
    demand = one_path(foster_in=3, foster_ifa=4, res_in=1, res_ext=2)
    result = allocate(demand, foster_capacity=0, residential_beds=0, months=MONTHS)
    assert np.allclose(result.in_house_fostering, 0)
    assert np.allclose(result.ifa_fostering, 7)
    assert np.allclose(result.in_house_residential, 0)
    assert np.allclose(result.external_residential, 3)
    assert np.allclose(result.ifa_share(), 1.0)


def test_cross_band_matching_uses_neighbouring_places_at_reduced_efficiency():
    demand = np.zeros((1, BANDS, len(PLACEMENT_CATEGORIES)))
    demand[0, 2, CAT[IFA_FOSTERING]] = 4  # four 5-9 year olds
    capacity = np.array([0.0, 10.0, 0.0, 0.0, 0.0])  # ten places for 1-4 year olds
    matched = allocate(demand, capacity, months=MONTHS[:1], adjacent_band_efficiency=0.5)
    assert matched.in_house_fostering[0, 0, 2] == pytest.approx(4)
    assert matched.cross_band[0, 0, 2] == pytest.approx(4)
    assert matched.spare_foster_places[0, 0, 1] == pytest.approx(2)  # 8 places used for 4 children
    strict = allocate(demand, capacity, months=MONTHS[:1], adjacent_band_efficiency=0.0)
    assert strict.in_house_fostering.sum() == pytest.approx(0)
    assert strict.ifa_fostering[0, 0, 2] == pytest.approx(4)
    # two bands away is not a match
    far = np.array([10.0, 0.0, 0.0, 0.0, 0.0])
    assert allocate(demand, far, months=MONTHS[:1]).in_house_fostering.sum() == pytest.approx(0)


def test_residential_beds_shared_pro_rata_across_teenage_bands():
    demand = np.zeros((1, BANDS, len(PLACEMENT_CATEGORIES)))
    demand[0, 3, CAT[EXTERNAL_RESIDENTIAL]] = 15
    demand[0, 4, CAT[EXTERNAL_RESIDENTIAL]] = 5
    result = allocate(demand, 0, residential_beds=10, months=MONTHS[:1])
    assert result.in_house_residential[0, 0, 3] == pytest.approx(7.5)
    assert result.in_house_residential[0, 0, 4] == pytest.approx(2.5)
    assert result.external_residential[0, 0].sum() == pytest.approx(10)


def test_occupancy_scales_approved_places():
    demand = one_path(foster_ifa=10, months=1)
    result = allocate(demand, 10, months=MONTHS[:1], occupancy=0.6, adjacent_band_efficiency=0)
    assert np.allclose(result.in_house_fostering, 6)


@settings(max_examples=40, deadline=None)
@given(
    demand=arrays(np.float64, (3, 4, BANDS, len(PLACEMENT_CATEGORIES)), elements=st.floats(0, 50)),
    capacity=arrays(np.float64, (3, 4, BANDS), elements=st.floats(0, 60)),
    beds=arrays(np.float64, (3, 4), elements=st.floats(0, 30)),
    efficiency=st.floats(0, 1),
)
def test_conservation_and_capacity_respected(demand, capacity, beds, efficiency):
    result = allocate(
        demand, capacity, beds, months=MONTHS[:4], adjacent_band_efficiency=efficiency
    )
    fostering = demand[..., CAT[IN_HOUSE_FOSTERING]] + demand[..., CAT[IFA_FOSTERING]]
    residential = demand[..., CAT[IN_HOUSE_RESIDENTIAL]] + demand[..., CAT[EXTERNAL_RESIDENTIAL]]
    assert np.allclose(result.in_house_fostering + result.ifa_fostering, fostering)
    assert np.allclose(result.in_house_residential + result.external_residential, residential)
    for array in (result.in_house_fostering, result.ifa_fostering, result.external_residential):
        assert np.all(array >= -1e-9)
    assert np.all(result.in_house_residential.sum(axis=-1) <= beds + 1e-9)
    # usable places used (direct + cross-band at 1/efficiency each) never exceed capacity in total
    assert np.all(result.spare_foster_places >= -1e-9)
    assert np.all(result.spare_foster_places <= capacity + 1e-9)
    assert np.all(result.in_house_fostering.sum(-1) <= capacity.sum(-1) + 1e-9)
    # the full placement array keeps every child
    assert np.allclose(result.placements().sum(axis=-1), demand.sum(axis=-1))


def test_to_frame_intervals_over_paths():
    rng = np.random.default_rng(0)
    demand = rng.poisson(10, size=(200, 6, BANDS, len(PLACEMENT_CATEGORIES))).astype(float)
    result = allocate(demand, 12, 4, months=MONTHS)
    frame = result.to_frame()
    assert list(frame.columns) == list(ALLOCATION_COLUMNS)
    assert len(frame) == 6 * BANDS * 4
    # a capped quantity can have its 10th percentile above the mean, so compare the quantiles only
    assert (frame["p10"] <= frame["p90"] + 1e-9).all()
    assert (frame["mean"] <= frame["p90"] + 1e-9).any()
    assert (frame["p10"] < frame["p90"]).any()
    row = frame.query("age_band == '10-15' and placement_category == @IFA_FOSTERING").iloc[0]
    assert row["mean"] == pytest.approx(result.ifa_fostering[:, 0, 3].mean())
    assert row["provider"] == "external"
    assert set(frame["provider"]) == {"in-house", "external"}
    assert result.totals().shape == (6, 6)


def test_demand_frame_round_trip():
    rng = np.random.default_rng(1)
    demand = rng.integers(0, 9, size=(2, 3, BANDS, len(PLACEMENT_CATEGORIES))).astype(float)
    p, m, b, c = np.meshgrid(*(np.arange(n) for n in demand.shape), indexing="ij")
    frame = pd.DataFrame(
        {
            "path": p.ravel(),
            "date": MONTHS[:3].to_numpy()[m.ravel()],
            "age_band": np.array(AGE_BANDS, dtype=object)[b.ravel()],
            "placement_category": np.array(PLACEMENT_CATEGORIES, dtype=object)[c.ravel()],
            "children": demand.ravel(),
        }
    ).sample(frac=1.0, random_state=2)
    array, months = demand_array_from_frame(frame)
    assert np.array_equal(array, demand)
    assert list(months) == list(MONTHS[:3])


def test_bad_inputs_give_clear_errors():
    with pytest.raises(SufficiencyError, match="shaped"):
        allocate(np.zeros((4, 3)), 1)
    with pytest.raises(SufficiencyError, match="negative"):
        allocate(-one_path(foster_ifa=1), 1)
    with pytest.raises(SufficiencyError, match="foster capacity"):
        allocate(one_path(), np.zeros((4, BANDS)), months=MONTHS)
    with pytest.raises(SufficiencyError, match="simulation paths"):
        allocate(np.zeros((3, 6, BANDS, len(PLACEMENT_CATEGORIES))), np.zeros((2, 6, BANDS)))
    bad = pd.DataFrame(
        {
            "month": ["2025-04-30"],
            "age_band": ["11-14"],
            "placement_category": ["x"],
            "children": [1],
        }
    )
    with pytest.raises(SufficiencyError, match="unknown age band"):
        demand_array_from_frame(bad)


def test_capacity_from_a_real_supply_projection_lines_up_with_demand_months():
    from sufficiency.plan.allocation import capacity_from_projection
    from sufficiency.supply.capacity import project_capacity
    from sufficiency.supply.demo_carers import load_demo_households

    households = load_demo_households().households
    projection = project_capacity(households, "2025-03-31", 12, n_paths=10, random_state=0)
    months = pd.date_range("2025-04-30", periods=12, freq="ME")
    capacity = capacity_from_projection(projection, months)
    assert capacity.shape == (10, 12, BANDS)
    expected = projection.paths("usable_places")[:, 1:, :BANDS]
    assert np.allclose(capacity, expected)
    demand = np.zeros((10, 12, BANDS, len(PLACEMENT_CATEGORIES)))
    demand[..., CAT[IFA_FOSTERING]] = 30
    result = allocate(demand, capacity, months=months)
    assert result.in_house_fostering.sum() > 0
    with pytest.raises(SufficiencyError, match="capacity projection covers"):
        capacity_from_projection(projection, pd.date_range("2025-04-30", periods=24, freq="ME"))


def test_demand_from_stock_flow_states_reorders_labels():
    from sufficiency.plan.allocation import demand_from_states

    categories = tuple(reversed(PLACEMENT_CATEGORIES))
    states = np.arange(2 * 3 * BANDS * len(categories), dtype=float).reshape(2, 3, -1)
    demand = demand_from_states(states, AGE_BANDS, categories)
    grid = states.reshape(2, 3, BANDS, len(categories))
    assert demand.shape == (2, 3, BANDS, len(PLACEMENT_CATEGORIES))
    assert np.array_equal(
        demand[..., CAT[IFA_FOSTERING]], grid[..., categories.index(IFA_FOSTERING)]
    )
    assert demand_from_states(states[0]).shape == (1, 3, BANDS, len(PLACEMENT_CATEGORIES))
