"""recommend_plan: the same answer as the scenario engine, within one set of limits (real fitted
stock-flow model on a small micro-simulated authority)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.errors import SufficiencyError
from sufficiency.recommend import (
    cost_table,
    excel_bytes,
    plan_markdown,
    plan_tables,
    recommend_plan,
)
from sufficiency.scenario import Scenario, run
from tests.scenario_fixtures import fitted_models

HORIZON = 36
TARGET = Scenario(
    name="target",
    horizon_months=HORIZON,
    n_simulations=0,
    ifa_share_target_pct=34,
    ifa_share_target_date="2025-06",
    ifa_share_target_basis="non-kinship fostering",
)


@pytest.fixture(scope="module")
def models():
    return fitted_models()


@pytest.fixture(scope="module")
def target_plan(models):
    return recommend_plan(TARGET, models=models)


def test_plan_and_scenario_run_give_the_same_approvals(models, target_plan):
    result = run(TARGET, models=models)
    assert result.summary["approvals_needed_total"] == target_plan.approvals_total
    assert target_plan.approvals_total >= 1
    by_quarter = target_plan.households.groupby("quarter_start")["approvals"].sum()
    solved = result.carers_needed.set_index("quarter_start")[
        ["approvals_mainstream", "approvals_teenagers"]
    ].sum(axis=1)
    np.testing.assert_allclose(by_quarter.to_numpy(), solved.to_numpy())


def test_a_feasible_target_is_met_with_whole_households_within_the_limits(target_plan):
    plan = target_plan
    assert plan.feasible, plan.message
    approvals = plan.households["approvals"].to_numpy()
    np.testing.assert_allclose(approvals, np.round(approvals), atol=1e-9)
    limits = plan.result.plan.limits
    per_quarter = plan.households.groupby("quarter_start")["approvals"].sum()
    assert per_quarter.max() <= limits.per_quarter + 1e-9
    check = plan.result.targets.iloc[0]
    assert check["feasible"] and check["met"]
    assert check["projected"] <= 34 + 0.05
    assert check["without_plan"] > 34  # the households are doing the work


def test_a_stricter_target_never_needs_fewer_approvals(models):
    totals = [
        run(TARGET.replace(ifa_share_target_pct=share), models=models).summary[
            "approvals_needed_total"
        ]
        for share in (42, 38, 34, 30)
    ]
    assert totals == sorted(totals)


def test_an_infeasible_target_says_so_with_the_best_level_and_the_limit(models):
    plan = recommend_plan(
        TARGET.replace(ifa_share_target_pct=5, assessment_capacity_per_quarter=6), models=models
    )
    assert not plan.feasible
    check = plan.result.targets.iloc[0]
    assert not check["feasible"] and not check["met"]
    assert check["best_achievable"] > 5
    assert check["best_achievable"] == pytest.approx(check["projected"], abs=1.0)
    assert "cannot be met" in plan.message
    limits = plan.result.plan.limits
    # the plan shown is the most the limits allow: every approvable quarter is at the limit
    per_quarter = plan.households.groupby("quarter_start")["approvals"].sum()
    assert per_quarter.max() == pytest.approx(limits.per_quarter)


def test_assessment_capacity_and_budget_bind(models):
    wide = recommend_plan(TARGET.replace(ifa_share_target_pct=30), models=models)
    narrow = recommend_plan(
        TARGET.replace(ifa_share_target_pct=30), models=models, assessment_capacity_per_quarter=5
    )
    assert narrow.result.plan.limits.per_quarter < wide.result.plan.limits.per_quarter
    assert narrow.households.groupby("quarter_start")["approvals"].sum().max() <= (
        narrow.result.plan.limits.per_quarter
    )
    poor = recommend_plan(
        TARGET.replace(ifa_share_target_pct=30), models=models, budget_per_financial_year=20_000
    )
    assert poor.result.plan.limits.binding == "the recruitment budget"
    assert poor.approvals_total < wide.approvals_total


def test_tables_markdown_and_workbook(target_plan):
    tables = plan_tables(target_plan)
    assert list(tables["recommended_households"].columns) == [
        "quarter",
        "quarter_start",
        "specialism",
        "approvals",
        "households_in_post",
        "usable_places",
    ]
    assert set(tables["recommended_households"]["specialism"]) == {"mainstream", "teenagers"}
    assert {"feasible", "best_achievable", "earliest_month"} <= set(tables["targets"].columns)
    costs = cost_table(target_plan).set_index("item")["cost_gbp"]
    summary = target_plan.result.summary
    assert costs.iloc[0] == pytest.approx(summary["total_cost_gbp"])
    assert any("net present value" in item for item in costs.index)
    text = plan_markdown(
        target_plan, scenario_name="target", data_label="test data", inputs={"Horizon": "36"}
    )
    assert text.startswith("# Recommended recruitment plan: target")
    assert "| quarter |" in text
    workbook = pd.read_excel(
        __import__("io").BytesIO(excel_bytes({"households": tables["recommended_households"]})),
        sheet_name=None,
    )
    assert "households" in workbook


def test_beyond_the_target_the_optimiser_keeps_at_least_the_target_households(models):
    plan = recommend_plan(TARGET, models=models, beyond_target=True, time_limit_seconds=30)
    assert plan.beyond is not None
    assert plan.beyond.households["approvals"].sum() >= plan.approvals_total - 1e-6


def test_bad_reach_is_a_plain_error(models):
    with pytest.raises(SufficiencyError, match="reach"):
        recommend_plan(TARGET, models=models, channel_reach=0)


def test_the_channel_table_totals_the_plans_enquiries_and_spend(target_plan):
    from sufficiency.recommend import ALL_CHANNELS, channel_table

    table = channel_table(target_plan)
    assert list(table.columns) == ["channel", "enquiries", "spend"]
    total = table.iloc[-1]
    assert total["channel"] == ALL_CHANNELS
    channels = table.iloc[:-1]
    assert len(channels) >= 1 and ALL_CHANNELS not in set(channels["channel"])
    assert total["spend"] == pytest.approx(target_plan.costs["marketing"])
    assert total["spend"] == pytest.approx(channels["spend"].sum())
    # the plan's extra enquiries, quarter by quarter, are the marketing's
    needed = target_plan.result.plan.quarterly["enquiries_needed"].sum()
    assert total["enquiries"] == pytest.approx(needed)
    assert total["enquiries"] == pytest.approx(channels["enquiries"].sum())


def test_the_limit_says_why_it_is_a_whole_number_on_the_demo():
    """'at most 2 extra approvals a quarter (the assessment team has room for 5.5, marketing at
    full reach brings 2.5)' read as a contradiction: the plan approves whole households."""
    from sufficiency.scenario import fit_models

    result = run(
        Scenario(ifa_share_target_pct=30.0, ifa_share_target_date="2028-03"),
        models=fit_models(),
        random_state=0,
    )
    (limit,) = [p for p in result.plan.points if p.startswith("What limits it")]
    assert (
        "the enquiries marketing can bring, at most 2 extra approvals a quarter (whole "
        "households, so 2.5 rounded down; the assessment team has room for 5.5, marketing at full "
        "reach brings 2.5)"
    ) in limit
    # the plan page's timing says the same total a quarter as the explorer (6.5, not 6)
    words = result.plan.timing().sentence(
        4.5, result.summary["approvals_without_plan_per_quarter"], "287 days"
    )
    assert "the same 2 extra households, 6.5 with those approved without a plan" in words
