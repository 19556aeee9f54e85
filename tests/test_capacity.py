"""Capacity: places by age band, usable share, simulated households and places with approvals."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from sufficiency.supply.capacity import (
    ALL_AGES,
    NewHouseholdProfile,
    age_band_shares,
    household_places_by_band,
    project_capacity,
    usable_places_per_household,
    usable_share,
)
from sufficiency.supply.demo_carers import DEMO_EXTRACT_DATE, load_demo_households
from sufficiency.supply.households import carer_group, households_on
from sufficiency.supply.retention import RetentionModel

START = pd.Timestamp("2024-03-31")


def households_frame(n: int = 60, seed: int = 0, carer_type: str = "mainstream") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "household_id": [f"C{i}" for i in range(n)],
            "carer_type": carer_type,
            "approval_date": START - pd.to_timedelta(rng.integers(30, 4000, n), unit="D"),
            "approved_places": rng.integers(1, 4, n),
            "age_from": rng.choice([0, 5, 10], n),
            "age_to": 17,
            "deregistration_date": pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"),
            "deregistration_reason": None,
            "initiated_by": None,
        }
    )
    frame["carer_group"] = frame["carer_type"].map(carer_group)
    return frame


def test_age_band_shares_follow_years_in_range() -> None:
    shares, covers = age_band_shares(np.array([0, 11, 3]), np.array([17, 17, 3]))
    assert shares[0] == pytest.approx(np.array([1, 4, 5, 6, 2]) / 18)
    assert shares[1] == pytest.approx([0, 0, 0, 5 / 7, 2 / 7])
    assert shares[2] == pytest.approx([0, 1, 0, 0, 0])
    assert covers[1].tolist() == [False, False, False, True, True]
    weighted, _ = age_band_shares(np.array([0]), np.array([17]), {"10-15": 1.0})
    assert weighted[0] == pytest.approx([0, 0, 0, 1, 0])
    # All-zero weights over the range fall back to equal years rather than losing places.
    fallback, _ = age_band_shares(np.array([16]), np.array([17]), {"10-15": 1.0})
    assert fallback[0] == pytest.approx([0, 0, 0, 0, 1])


def test_usable_share_and_places_per_household() -> None:
    assert usable_share() == pytest.approx(0.66)
    assert usable_share(unavailable_share=0.05) > 0.66
    with pytest.raises(ValueError):
        usable_share(occupancy=1.5)
    frame = households_frame(10)
    long = household_places_by_band(frame)
    per_household = long.groupby("household_id")["approved_places"].sum()
    assert per_household.to_numpy() == pytest.approx(
        frame.set_index("household_id").loc[per_household.index, "approved_places"].to_numpy()
    )
    assert long["usable_places"].sum() == pytest.approx(frame["approved_places"].sum() * 0.66)
    table = usable_places_per_household(frame).set_index("age_band")
    assert table.loc[ALL_AGES, "approved_places_per_household"] == pytest.approx(
        frame["approved_places"].mean()
    )
    default = usable_places_per_household(frame.iloc[:0]).set_index("age_band")
    assert default.loc[ALL_AGES, "usable_places_per_household"] == pytest.approx(1.85 * 0.66)


def test_projection_without_recruitment_matches_expected_leaving() -> None:
    frame = pd.concat(
        [households_frame(80, seed=1), households_frame(20, seed=2, carer_type="kinship")],
        ignore_index=True,
    )
    frame["household_id"] = [f"C{i}" for i in range(len(frame))]
    model = RetentionModel().fit(frame, START)
    projection = project_capacity(
        frame, START, 36, retention_model=model, n_paths=600, random_state=1
    )
    summary = projection.summary()
    first = summary[(summary["horizon_month"] == 0) & (summary["age_band"] == ALL_AGES)].iloc[0]
    mainstream = frame[frame["carer_type"] == "mainstream"]  # kinship excluded by default
    assert first["households_mean"] == pytest.approx(len(mainstream))
    assert first["usable_places_p10"] == pytest.approx(mainstream["approved_places"].sum() * 0.66)
    expected = model.predict(mainstream, START, 36)
    at_36 = expected.loc[expected["horizon_month"] == 36, "expected_households"].sum()
    last = summary[(summary["horizon_month"] == 36) & (summary["age_band"] == ALL_AGES)].iloc[0]
    assert last["households_mean"] == pytest.approx(at_36, rel=0.03)
    assert last["households_p10"] < last["households_mean"] < last["households_p90"]
    bands = summary[(summary["age_band"] != ALL_AGES) & (summary["horizon_month"] == 36)]
    assert bands["usable_places_mean"].sum() == pytest.approx(last["usable_places_mean"])
    paths = projection.paths("usable_places", "10-15")
    assert paths.shape == (600, 37)
    assert projection.paths().shape == (600, 37, 6)
    assert np.all(np.diff(projection.paths("households")[:, :, -1], axis=1) <= 0)


def test_new_approvals_add_households_that_also_leave() -> None:
    frame = households_frame(30, seed=3)
    model = RetentionModel().fit(frame, START)
    profile = NewHouseholdProfile.default()
    projection = project_capacity(
        frame,
        START,
        24,
        approvals_per_month=2.0,
        retention_model=model,
        new_household_profile=profile,
        n_paths=800,
        random_state=2,
    )
    new = projection.paths("new_households", ALL_AGES)
    monthly = model.monthly_leaving_probability(["mainstream"], np.arange(24.0)[None, :])[0]
    survival = np.concatenate([[1.0], np.cumprod(1 - monthly)])
    expected_24 = 2.0 * survival[:24].sum()  # cohorts approved in months 1..24
    assert new[:, 24].mean() == pytest.approx(expected_24, rel=0.03)
    places = projection.paths("approved_places", ALL_AGES) - project_capacity(
        frame, START, 24, retention_model=model, n_paths=800, random_state=2
    ).paths("approved_places", ALL_AGES)
    assert places[:, 24].mean() == pytest.approx(expected_24 * 1.85, rel=0.1)


def test_simulated_approvals_are_used_as_given() -> None:
    frame = households_frame(5, seed=4)
    no_leaving = RetentionModel(default_rates={"mainstream": 1e-12}).fit(frame.iloc[:0], START)
    approvals = np.tile(np.arange(12), (3, 1))
    projection = project_capacity(
        frame, START, 12, approvals_per_month=approvals, retention_model=no_leaving, n_paths=3
    )
    new = projection.paths("new_households", ALL_AGES)
    assert new[:, 12] == pytest.approx(np.full(3, np.arange(12).sum()))
    assert projection.paths("households", ALL_AGES)[:, 0] == pytest.approx(np.full(3, 5))
    with pytest.raises(ValueError, match="shape"):
        project_capacity(frame, START, 12, approvals_per_month=np.ones((2, 12)), n_paths=3)
    with pytest.raises(ValueError, match="horizon"):
        project_capacity(frame, START, 12, approvals_per_month=np.ones(5))


def test_demo_projection_is_fast_and_plausible() -> None:
    households = load_demo_households().households
    began = time.process_time()
    model = RetentionModel().fit(households, DEMO_EXTRACT_DATE)
    projection = project_capacity(
        households, DEMO_EXTRACT_DATE, 60, retention_model=model, n_paths=500, random_state=0
    )
    summary = projection.summary()
    elapsed = time.process_time() - began
    assert elapsed < 1.0
    start = summary[(summary["horizon_month"] == 0) & (summary["age_band"] == ALL_AGES)].iloc[0]
    current = households_on(households, DEMO_EXTRACT_DATE)
    in_house = current[current["carer_group"] != "kinship"]
    assert start["approved_places_mean"] == pytest.approx(in_house["approved_places"].sum())
    end = summary[(summary["horizon_month"] == 60) & (summary["age_band"] == ALL_AGES)].iloc[0]
    # With ~15% leaving a year and no recruitment, about half the households remain after 5 years.
    assert 0.3 < end["households_mean"] / start["households_mean"] < 0.6


def test_approvals_by_carer_type_use_their_own_profile() -> None:
    households = load_demo_households().households
    model = RetentionModel().fit(households, DEMO_EXTRACT_DATE)
    common = dict(retention_model=model, n_paths=300, random_state=3)
    base = project_capacity(households, DEMO_EXTRACT_DATE, 24, **common)
    teens = project_capacity(
        households, DEMO_EXTRACT_DATE, 24, approvals_per_month={"teenagers": 1.0}, **common
    )
    added = (
        teens.paths("approved_places").mean(axis=0)[24]
        - base.paths("approved_places").mean(axis=0)[24]
    )
    bands = dict(zip(teens.age_bands, added, strict=True))
    # Teenager carers take children aged 11-17 only: nothing added under 10.
    assert bands["under 1"] == pytest.approx(0, abs=1e-9)
    assert bands["1-4"] == pytest.approx(0, abs=1e-9)
    assert bands["5-9"] == pytest.approx(0, abs=1e-9)
    assert bands["10-15"] > 5 and bands["16-17"] > 2
    assert teens.paths("new_households", ALL_AGES)[:, 24].mean() == pytest.approx(
        24 * 0.85, rel=0.1
    )
    with pytest.raises(ValueError, match="unknown carer types"):
        project_capacity(households, DEMO_EXTRACT_DATE, 12, approvals_per_month={"pirates": 1})


def test_leaving_rate_multiplier_keeps_more_households() -> None:
    frame = households_frame(80, seed=7)
    model = RetentionModel().fit(frame, START)
    halved = model.scaled(0.5)
    assert halved.group_rates_["mainstream"] == pytest.approx(model.group_rates_["mainstream"] / 2)
    projection = project_capacity(
        frame,
        START,
        36,
        retention_model=model,
        leaving_rate_multiplier=0.5,
        n_paths=600,
        random_state=8,
    )
    expected = halved.predict(frame, START, 36)
    at_36 = expected.loc[expected["horizon_month"] == 36, "expected_households"].sum()
    assert projection.paths("households", ALL_AGES)[:, 36].mean() == pytest.approx(at_36, rel=0.03)
    assert (
        at_36
        > model.predict(frame, START, 36).query("horizon_month == 36")["expected_households"].sum()
    )
