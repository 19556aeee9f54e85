"""Scenario: validation, round trips, fingerprint, and runs on a real fitted stock-flow model."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency import codes
from sufficiency.errors import SufficiencyError
from sufficiency.plan.targets import SHARE_BASES
from sufficiency.scenario import (
    CARER_TYPES,
    LEVERS,
    ChildrensHome,
    Scenario,
    compare,
    run,
)
from tests.scenario_fixtures import fitted_models

FULL = Scenario(
    name="everything",
    description="all levers",
    horizon_months=48,
    entries_change_pct={"10-15": -10, "16-17": -5.5},
    step_downs_per_year=12,
    approvals_per_quarter={"mainstream": 8, "teenagers": 2},
    marketing_spend_per_quarter={"radio": 5000, "social media": 2500},
    conversion_improvement_pct=10,
    deregistration_change_pct=-20,
    homes=[{"beds": 4, "opening_month": "2024-01", "weekly_running_cost": 21000, "name": "Oak"}],
    unit_costs={codes.IFA_FOSTERING: 950},
    annual_inflation_pct=2.5,
    ifa_share_target_pct=30,
    ifa_share_target_date="2026-03",
    external_residential_target=10,
    external_residential_target_date="2026-03",
    n_simulations=40,
)


@pytest.fixture(scope="module")
def models():
    return fitted_models()


# --- validation -------------------------------------------------------------------------------


def test_every_lever_documents_unit_default_and_source():
    for lever in LEVERS.values():
        assert lever.unit and lever.source and lever.label


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"step_downs_per_year": -1}, ["step_downs_per_year", "children a year", "0 to 200"]),
        ({"entries_change_pct": {"10-15": -80}}, ["age 10-15", "-50 to 50"]),
        ({"entries_change_pct": {"teens": 5}}, ["teens", "10-15"]),
        ({"approvals_per_quarter": {"aliens": 2}}, ["aliens", "mainstream"]),
        ({"horizon_months": 6}, ["horizon_months", "12 to 120", "months"]),
        ({"annual_inflation_pct": float("nan")}, ["annual_inflation_pct"]),
        ({"price_base_year": "2025"}, ["price_base_year", "2025-26"]),
        ({"ifa_share_target_pct": 30}, ["ifa_share_target_date"]),
        ({"homes": [{"beds": 0, "opening_month": "2026-01"}]}, ["beds", "-22", "Ofsted"]),
        ({"homes": [{"beds": 3, "opening_month": "Sept 2026"}]}, ["opening month", "2026-09"]),
        ({"homes": [{"beds": 3, "opening_month": "2026-09", "name": "a;b"}]}, ["semicolons"]),
    ],
)
def test_invalid_levers_raise_plain_errors(changes, words):
    with pytest.raises(SufficiencyError) as error:
        Scenario(**changes)
    for word in words:
        assert word in str(error.value)


def test_scenario_is_immutable_and_hashable():
    with pytest.raises(AttributeError):
        FULL.step_downs_per_year = 3  # type: ignore[misc]
    assert hash(FULL) == hash(Scenario.from_json(FULL.to_json()))


# --- round trips -------------------------------------------------------------------------------


def test_round_trips_through_toml_json_and_query_string():
    assert Scenario.from_toml(FULL.to_toml()) == FULL
    assert Scenario.from_json(FULL.to_json()) == FULL
    query = FULL.to_query_string()
    assert query.startswith("v=2")
    assert Scenario.from_query_string("?" + query) == FULL
    assert Scenario().to_query_string() == "v=2"


def test_fingerprint_is_stable_and_ignores_name():
    assert FULL.fingerprint() == Scenario.from_toml(FULL.to_toml()).fingerprint()
    assert FULL.replace(name="other", description="x").fingerprint() == FULL.fingerprint()
    assert FULL.replace(step_downs_per_year=13).fingerprint() != FULL.fingerprint()
    # ints and floats of the same value hash alike
    assert (
        Scenario(step_downs_per_year=5).fingerprint()
        == Scenario(step_downs_per_year=5.0).fingerprint()
    )


def test_unknown_keys_and_versions_are_refused():
    with pytest.raises(SufficiencyError, match="unknown setting"):
        Scenario.from_toml("version = 2\nstep_downs = 3\n", source="a.toml")
    with pytest.raises(SufficiencyError, match="versions 1 and 2"):
        Scenario.from_json('{"version": 3}')
    with pytest.raises(SufficiencyError, match="version"):
        Scenario.from_query_string("v=9&sd=3")
    with pytest.raises(SufficiencyError, match="not valid TOML"):
        Scenario.from_toml("name = ")


@settings(max_examples=40, deadline=None)
@given(
    entries=st.dictionaries(st.sampled_from(codes.AGE_BANDS), st.floats(-50, 50), max_size=5),
    approvals=st.dictionaries(st.sampled_from(CARER_TYPES), st.floats(0, 100), max_size=3),
    step_downs=st.floats(0, 200),
    beds=st.integers(1, 22),
    name=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and ":" not in s),
)
def test_round_trip_property(entries, approvals, step_downs, beds, name):
    scenario = Scenario(
        name=name,
        entries_change_pct=entries,
        approvals_per_quarter=approvals,
        step_downs_per_year=step_downs,
        homes=(ChildrensHome(beds, "2027-04", 18000.5, "home"),),
    )
    assert Scenario.from_query_string(scenario.to_query_string()) == scenario
    assert Scenario.from_toml(scenario.to_toml()) == scenario
    assert Scenario.from_json(scenario.to_json()).fingerprint() == scenario.fingerprint()


def test_example_scenarios_load():
    from pathlib import Path

    files = sorted(Path("examples/scenarios").glob("*.toml"))
    names = {Scenario.from_file(f).name for f in files}
    assert {
        "baseline",
        "recruitment push",
        "step-down programme",
        "edge-of-care reduction",
    } <= names


# --- running -------------------------------------------------------------------------------------


def test_run_is_a_pure_function_of_models_scenario_and_seed(models):
    first = run(FULL, models=models, random_state=7)
    second = run(FULL, models=models, random_state=7)
    assert first.placements.equals(second.placements)
    assert first.costs_by_financial_year.equals(second.costs_by_financial_year)
    other_seed = run(FULL, models=models, random_state=8)
    assert not first.placements["p90"].equals(other_seed.placements["p90"])


def test_allocation_conserves_children(models):
    from sufficiency.scenario.engine import demand_paths

    scenario = Scenario(n_simulations=0, horizon_months=24)
    result = run(scenario, models=models)
    placed = result.placements.groupby("month")["mean"].sum()
    # the allocation only moves children between providers, never adds or loses any
    demand, _ = demand_paths(models, scenario, 0)
    assert np.allclose(placed.to_numpy(), demand.sum(axis=(2, 3)).mean(axis=0))
    # the fast run's representative paths keep the simulated paths' total
    simulated, _ = demand_paths(models, scenario, 0, n_simulations=200)
    assert np.allclose(demand.sum(axis=(2, 3)).mean(axis=0), simulated.sum(axis=(2, 3)).mean(0))
    # (with the fast run's 32 paths the 10th percentile can sit above the mean where a few
    # paths run low: p10 <= mean is not a law of percentiles)
    assert (result.placements["p10"] <= result.placements["p90"] + 1e-9).all()
    assert result.summary["total_saving_vs_baseline_gbp"] == pytest.approx(0.0, abs=1e-6)


def test_edge_of_care_reduces_children_and_cost(models):
    base = run(Scenario(n_simulations=0), models=models)
    fewer = run(
        Scenario(n_simulations=0, entries_change_pct=dict.fromkeys(codes.AGE_BANDS, -20)),
        models=models,
    )
    assert fewer.summary["children_looked_after_end"] < base.summary["children_looked_after_end"]
    assert fewer.summary["total_cost_gbp"] < base.summary["total_cost_gbp"]
    assert fewer.savings_by_financial_year["saving_mean"].sum() > 0


def test_recruitment_push_lowers_ifa_share_and_has_investment(models):
    base = run(Scenario(n_simulations=0), models=models)
    push = run(
        Scenario(
            n_simulations=0,
            approvals_per_quarter={"mainstream": 15},
            marketing_spend_per_quarter={"radio": 6000},
        ),
        models=models,
    )
    assert (
        push.summary["ifa_share_of_non_kinship_fostering_end_pct"]
        < base.summary["ifa_share_of_non_kinship_fostering_end_pct"]
    )
    assert push.summary["in_house_households_end"] > base.summary["in_house_households_end"]
    assert push.invest_to_save.total_investment > 0
    rec = push.costs_by_financial_year
    recruitment = rec[rec["placement_category"] == "recruitment and assessment"]
    assert recruitment["cost_mean"].sum() > 0
    assert rec[rec["placement_category"] == "marketing"]["cost_mean"].sum() > 0


def test_new_home_adds_running_cost_and_takes_children_from_external(models):
    base = run(Scenario(n_simulations=0), models=models)
    opening = "2024-01"
    home = run(
        Scenario(
            n_simulations=0,
            homes=[{"beds": 4, "opening_month": opening, "weekly_running_cost": 30000}],
        ),
        models=models,
    )

    def external(result):
        rows = result.placements[
            result.placements["placement_category"] == codes.EXTERNAL_RESIDENTIAL
        ]
        return rows.groupby("month")["mean"].sum()

    assert (external(home) <= external(base) + 1e-9).all()
    assert external(home).iloc[-1] < external(base).iloc[-1]


def test_budget_equals_sum_of_categories(models):
    result = run(FULL, models=models)
    by_category = result.costs_by_financial_year.groupby("financial_year")["cost_mean"].sum()
    budget = result.budget_by_financial_year.set_index("financial_year")["cost_mean"]
    assert np.allclose(by_category.loc[budget.index], budget)
    assert list(result.targets["target"]) == [
        "children in external residential care",
        SHARE_BASES["foster placements"],
    ]
    assert not result.carers_needed.empty


def test_compare_side_by_side(models):
    a = run(Scenario(name="a", n_simulations=0), models=models)
    b = run(Scenario(name="b", n_simulations=0, step_downs_per_year=20), models=models)
    tables = compare([a, b])
    assert list(tables["headline"]["scenario"]) == ["a", "b"]
    assert {"a", "b"} <= set(tables["costs"].columns)
    diff = tables["differences"]["b minus a (£)"]
    assert np.allclose(diff, tables["costs"]["b"] - tables["costs"]["a"])
    with pytest.raises(SufficiencyError):
        compare([a])


def test_mean_path_run_is_fast(models):
    scenario = Scenario(n_simulations=0, step_downs_per_year=10)
    run(scenario, models=models)
    started = time.perf_counter()
    run(scenario, models=models)
    # the issue asks for 200 ms; allow slack for a shared, busy test machine
    assert time.perf_counter() - started < 1.0


def test_horizon_longer_than_the_model_is_a_clear_error(models):
    with pytest.raises(SufficiencyError, match="horizon"):
        run(Scenario(horizon_months=120, n_simulations=0), models=models)


def test_target_after_the_horizon_is_checked_at_the_end_with_a_note(models):
    scenario = Scenario(
        n_simulations=0,
        horizon_months=24,
        external_residential_target=5,
        external_residential_target_date="2040-03",
    )
    result = run(scenario, models=models)
    row = result.targets.iloc[0]
    assert row["date"] == result.months[-1].strftime("%Y-%m")
    assert "after the projection ends" in row["note"]


def test_step_down_support_is_an_investment(models):
    free = run(
        Scenario(n_simulations=0, step_downs_per_year=12, step_down_support_per_week=0),
        models=models,
    )
    supported = run(
        Scenario(
            n_simulations=0,
            step_downs_per_year=12,
            step_down_support_per_week=500,
            step_down_support_months=6,
        ),
        models=models,
    )
    assert free.invest_to_save.total_investment == pytest.approx(0.0)
    assert supported.invest_to_save.total_investment > 0
    # the placements are the same: support is a cost, not a lever on demand
    assert supported.placements.equals(free.placements)
    # roughly 12 children a year x 6 months x £500 a week, inflated
    yearly = supported.invest_to_save.monthly["investment"].iloc[12:24].sum()
    assert 0.3 * 12 * 26 * 500 < yearly < 2.0 * 12 * 26 * 500


def test_carer_household_records_drive_the_existing_carers(models):
    from dataclasses import replace

    from sufficiency.scenario import carer_survival_from_records
    from sufficiency.supply.demo_carers import load_demo_households

    survival = carer_survival_from_records(
        load_demo_households(), models.origin, models.demand.params_.max_horizon
    )
    assert survival.shape == (models.demand.params_.max_horizon + 1, len(codes.AGE_BANDS))
    assert np.allclose(survival[0], 1.0)
    assert (np.diff(survival.mean(axis=1)) <= 1e-9).all()  # no approvals: places only fall
    with_records = replace(models, existing_carer_survival=survival)
    flat = Scenario(n_simulations=0, approvals_per_quarter={"mainstream": 0.001})
    records_run = run(flat, models=with_records)
    rate_run = run(flat, models=models)
    assert not np.allclose(records_run.carers["households"], rate_run.carers["households"])
    better = run(flat.replace(deregistration_change_pct=-50), models=with_records)
    assert (
        better.summary["in_house_households_end"] > records_run.summary["in_house_households_end"]
    )


def test_marketing_uses_measured_channels_and_saturates(models):
    from dataclasses import replace

    from sufficiency.plan.optimiser import Channel

    radio = Channel(
        "radio",
        cost_per_enquiry=100.0,
        enquiry_to_approval=0.05,
        max_enquiries_per_quarter=30.0,
        source="test records",
    )
    measured = replace(models, channels=(radio,))

    def approvals(spend: float, fitted) -> float:
        scenario = Scenario(n_simulations=0, marketing_spend_per_quarter={"radio": spend})
        return float(run(scenario, models=fitted).carers["approvals"].sum())

    base = approvals(0.0, measured)
    # £2,000 a quarter buys 20 enquiries -> 1 approval a quarter, from month 10 on
    gained = approvals(2_000.0, measured) - base
    quarters_after_lead = (60 - 9) / 3
    assert gained == pytest.approx(1.0 * quarters_after_lead, rel=1e-6)
    # beyond 30 enquiries a quarter, more spend buys nothing
    capped = approvals(3_000.0, measured) - base
    assert approvals(9_000.0, measured) - base == pytest.approx(capped, rel=1e-9)
    # without measured channels the authority's figures apply (national: £320, 12% x 33%)
    figures = models.figures
    default_gain = approvals(2_000.0, models) - approvals(0.0, models)
    assert default_gain == pytest.approx(
        2_000
        / figures.cost_per_enquiry.value
        * figures.enquiry_to_approval.value
        * quarters_after_lead,
        rel=1e-6,
    )
