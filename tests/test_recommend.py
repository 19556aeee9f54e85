"""recommend_plan: the optimiser fed from the scenario engine's projection (real fitted model)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency import codes
from sufficiency.errors import SufficiencyError
from sufficiency.plan.carers_needed import financial_year_label
from sufficiency.plan.optimiser import Channel
from sufficiency.recommend import (
    channels_from_funnel,
    cost_table,
    excel_bytes,
    plan_markdown,
    plan_tables,
    planning_scenario,
    recommend_plan,
)
from sufficiency.scenario import Scenario
from tests.scenario_fixtures import fitted_models

HORIZON = 36
TARGET = Scenario(
    name="target",
    horizon_months=HORIZON,
    n_simulations=0,
    ifa_share_target_pct=38,
    ifa_share_target_date="2025-03",
)


@pytest.fixture(scope="module")
def models():
    return fitted_models()


@pytest.fixture(scope="module")
def target_plan(models):
    return recommend_plan(TARGET, models=models, channels=[])


def test_plan_meets_the_target_with_whole_households_within_capacity(target_plan):
    plan = target_plan
    assert plan.feasible, plan.message
    approvals = plan.households["approvals"].to_numpy()
    np.testing.assert_allclose(approvals, np.round(approvals), atol=1e-6)
    per_quarter = plan.households.groupby("quarter_start")["approvals"].sum()
    assert per_quarter.max() <= 10 + 1e-6
    assert approvals.sum() >= 1
    placements = plan.placements
    after = placements["quarter_start"] >= pd.Timestamp("2025-01-01")
    assert (placements.loc[after, "ifa_share"] <= 0.38 + 1e-3).all()
    # without the plan the share stays above the target, so the households are doing the work
    assert (placements.loc[after, "baseline_ifa_share"] > 0.40).all()


def test_scenario_recruitment_levers_are_left_out(models, target_plan):
    with_levers = TARGET.replace(
        approvals_per_quarter={"mainstream": 6},
        marketing_spend_per_quarter={"radio": 20_000},
        conversion_improvement_pct=50,
    )
    assert planning_scenario(with_levers) == planning_scenario(TARGET)
    plan = recommend_plan(with_levers, models=models, channels=[])
    pd.testing.assert_frame_equal(plan.households, target_plan.households)
    np.testing.assert_allclose(
        plan.placements["baseline_ifa_share"], target_plan.placements["baseline_ifa_share"]
    )


def test_demand_levers_reach_the_optimiser(models, target_plan):
    fewer = recommend_plan(
        TARGET.replace(entries_change_pct={"10-15": -50, "16-17": -50, "5-9": -50}),
        models=models,
        channels=[],
    )
    fostering = ["in_house_fostering", "ifa_fostering"]
    before = target_plan.placements[fostering].sum(axis=1).iloc[-1]
    after = fewer.placements[fostering].sum(axis=1).iloc[-1]
    assert after < before - 5


def test_budget_and_assessment_capacity_bind(models):
    no_money = recommend_plan(TARGET, models=models, channels=[], budget_per_financial_year=0)
    assert no_money.households["approvals"].sum() == pytest.approx(0, abs=1e-6)
    assert not no_money.feasible
    assert not no_money.shortfalls.empty
    assert "cannot all be met" in no_money.explain()

    budget = 30_000.0
    tight = recommend_plan(TARGET, models=models, channels=[], budget_per_financial_year=budget)
    cost = TARGET.recruitment_cost_per_household
    spend = (
        tight.households.assign(fy=tight.households["quarter_start"].map(financial_year_label))
        .groupby("fy")["approvals"]
        .sum()
        * cost
    )
    assert spend.max() <= budget + 1e-3
    assert spend.max() >= cost  # the budget buys at least one household a year somewhere

    one = recommend_plan(TARGET, models=models, channels=[], assessment_capacity_per_quarter=1)
    assert one.households.groupby("quarter_start")["approvals"].sum().max() <= 1 + 1e-6


def test_costs_and_carer_assumptions_come_from_the_scenario(models):
    scenario = TARGET.replace(
        unit_costs={codes.IFA_FOSTERING: 1500},
        recruitment_cost_per_household=20_000,
        price_base_year="2024-25",
        places_per_household=2.0,
        occupancy_pct=50.0,
    )
    plan = recommend_plan(scenario, models=models, channels=[])
    assert plan.weekly_costs[codes.IFA_FOSTERING] == pytest.approx(1500)
    assert plan.price_year == 2024
    approvals = plan.households["approvals"].sum()
    assert plan.costs["recruitment"] == pytest.approx(20_000 * approvals, rel=1e-6)
    in_post = plan.households["households_in_post"]
    np.testing.assert_allclose(plan.households["usable_places"], in_post * 1.0, atol=1e-6)
    assert "1.00 usable places" in plan.explain()


def test_marketing_channels_feed_approvals_one_lead_time_later(models):
    channels = [
        Channel(
            "radio", cost_per_enquiry=250, enquiry_to_approval=0.05, max_enquiries_per_quarter=60
        ),
        Channel(
            "website", cost_per_enquiry=40, enquiry_to_approval=0.06, max_enquiries_per_quarter=30
        ),
    ]
    plan = recommend_plan(TARGET, models=models, channels=channels)
    marketing = plan.marketing
    assert set(marketing["channel"]) == {"radio", "website"}
    assert plan.costs["marketing"] == pytest.approx(marketing["spend"].sum())
    # approvals in a quarter need the enquiries of three quarters earlier (281 days)
    enquiries = (
        marketing.assign(approved=marketing["channel"].map({"radio": 0.05, "website": 0.06}))
        .assign(approved=lambda f: f["approved"] * f["enquiries"])
        .groupby("quarter_start")["approved"]
        .sum()
        .to_numpy()
    )
    approvals = plan.households.groupby("quarter_start")["approvals"].sum().to_numpy()
    for q in range(3, len(approvals)):
        assert approvals[q] <= enquiries[q - 3] + 1e-6
    # the cheaper website is used before radio
    by_channel = marketing.groupby("channel")["enquiries"].sum()
    assert by_channel["website"] > 0
    assert "Marketing channels: radio" in plan.explain()


def test_demo_channels_are_measured_on_the_synthetic_records(models):
    from sufficiency.supply.demo_records import load_demo_funnel
    from sufficiency.supply.funnel import cost_per_outcome

    funnel = load_demo_funnel()
    channels = channels_from_funnel(funnel)
    assert channels
    end = funnel.extract_date
    start = end - pd.DateOffset(years=3) + pd.Timedelta(days=1)
    table = cost_per_outcome(funnel.enquiries, funnel.spend, start=start, end=end).set_index(
        "channel"
    )
    for channel in channels:
        row = table.loc[channel.name]
        assert channel.cost_per_enquiry == pytest.approx(row["spend"] / row["enquiries"])
        assert channel.max_enquiries_per_quarter == pytest.approx(
            1.5 * row["enquiries"] / (((end - start).days + 1) / (365.25 / 4))
        )
    wider = channels_from_funnel(funnel, reach=3.0)
    for narrow, wide in zip(channels, wider, strict=True):
        assert wide.max_enquiries_per_quarter == pytest.approx(2 * narrow.max_enquiries_per_quarter)
    # the fixture models are labelled demo, so the default plan buys enquiries on these channels
    plan = recommend_plan(TARGET, models=models)
    assert set(plan.marketing["channel"]) == {c.name for c in channels}
    demand_note = next(
        line for line in plan.explain().split("\n") if "scenario engine's projection" in line
    )
    assert "synthetic" in demand_note
    assert "Synthetic demo authority: generated recruitment records" in plan.explain()


def test_tables_markdown_and_workbook(target_plan):
    tables = plan_tables(target_plan)
    assert set(tables) == {
        "recommended_households",
        "marketing_by_channel",
        "placements",
        "shortfalls",
    }
    placements = tables["placements"]
    assert placements["ifa_share_pct"].between(0, 100).all()
    np.testing.assert_allclose(
        placements["ifa_share_pct"], target_plan.placements["ifa_share"] * 100
    )
    assert tables["recommended_households"]["quarter_start"].str.match(r"\d{4}-\d{2}-01").all()
    costs = cost_table(target_plan)
    total = costs.set_index("item")["cost_gbp"]
    assert total["total with the plan"] == pytest.approx(target_plan.costs["total"])
    text = plan_markdown(
        target_plan,
        scenario_name="target",
        data_label="synthetic test authority",
        inputs={"Assessment capacity": "10 households a quarter (assumption)"},
    )
    assert text.startswith("# Recommended recruitment plan: target")
    assert "| quarter |" in text and "Assessment capacity: 10 households" in text
    assert target_plan.explain() in text
    workbook = excel_bytes({**tables, "costs": costs})
    sheets = pd.read_excel(__import__("io").BytesIO(workbook), sheet_name=None)
    assert set(sheets) == {*tables, "costs"}


def test_target_after_the_horizon_and_bad_reach_are_plain_errors(models):
    with pytest.raises(SufficiencyError, match="Channel reach must be above zero"):
        recommend_plan(TARGET, models=models, channel_reach=0)
    with pytest.raises(SufficiencyError, match="after the end of the forecast"):
        recommend_plan(TARGET.replace(ifa_share_target_date="2040-03"), models=models, channels=[])


def test_channel_reach_is_named_when_it_stops_the_plan(models):
    tiny = [
        Channel(
            "radio", cost_per_enquiry=250, enquiry_to_approval=0.05, max_enquiries_per_quarter=5
        )
    ]
    plan = recommend_plan(TARGET, models=models, channels=tiny)
    assert not plan.feasible
    # 5 enquiries a quarter at 5% approved: at most a quarter of a household a quarter
    per_quarter = plan.households.groupby("quarter_start")["approvals"].sum()
    assert per_quarter.max() <= 1 + 1e-6
    assert plan.households["approvals"].sum() <= 0.25 * len(per_quarter) + 1e-6
    assert "marketing channels' reach is the tighter limit" in plan.message
    assert "reach limits recruitment" in plan.explain()


def test_planning_for_a_high_quantile_of_demand_needs_more_places(models):
    simulated = TARGET.replace(
        n_simulations=30, ifa_share_target_pct=None, ifa_share_target_date=None
    )
    simulated = simulated.replace(ifa_share_target_pct=40.0, ifa_share_target_date="2025-03")
    mean = recommend_plan(simulated, models=models, channels=[], integer=False)
    high = recommend_plan(simulated, models=models, channels=[], integer=False, quantile=0.9)
    fostering = ["in_house_fostering", "ifa_fostering"]
    assert (
        high.placements[fostering].sum(axis=1) >= mean.placements[fostering].sum(axis=1) - 1e-6
    ).all()
    assert (
        high.placements[fostering].sum(axis=1).iloc[-1]
        > mean.placements[fostering].sum(axis=1).iloc[-1]
    )
    assert "90% quantile of 30 simulated paths" in high.explain()
