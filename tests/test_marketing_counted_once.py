"""Extra enquiries and their marketing cost are counted once: the plan's enquiries, the Recommended
plan's channel table and the budget's marketing line are the same purchase, bought quarter by
quarter (channel reach is a quarter's), cheapest approvals first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.plan.optimiser import Channel
from sufficiency.scenario import Scenario, fit_models, run
from sufficiency.scenario.supply import (
    BEYOND_REACH,
    cheapest_enquiries,
    enquiries_for_approvals,
    recruitment_channels,
    resolve,
)

MONTHS = pd.date_range("2024-04-30", periods=9, freq="ME")
CHEAP = Channel(
    "cheap", cost_per_enquiry=100.0, enquiry_to_approval=0.5, max_enquiries_per_quarter=6
)
DEAR = Channel(
    "dear", cost_per_enquiry=200.0, enquiry_to_approval=0.25, max_enquiries_per_quarter=8
)


def test_a_quarters_approvals_are_bought_together_by_hand():
    """Three approvals in June (one month of Apr-Jun): the cheap channel's 6 enquiries a quarter
    bring all three for £600, a month before (lead 1). Buying June's 3 as if 3 came every month
    (9 a quarter) ran past both channels' reach and priced the rest at the dear channel."""
    approvals = np.zeros(len(MONTHS))
    approvals[2] = 3.0
    frame = enquiries_for_approvals(approvals, MONTHS, [DEAR, CHEAP], lead_months=1)
    assert list(frame["channel"]) == ["cheap"]
    assert frame["month"].iloc[0] == pd.Timestamp("2024-05-31")
    assert frame["enquiries"].sum() == pytest.approx(6.0)
    assert frame["spend"].sum() == pytest.approx(600.0)

    # two quarters of 5: 3 from cheap (6 enquiries, £600), 2 from dear (8, £1,600) each; more
    # than both reach is priced at the dearest channel used and named as beyond reach
    approvals = np.zeros(len(MONTHS))
    approvals[[0, 1, 2]] = 5.0 / 3
    approvals[[3, 4, 5]] = [1.0, 1.0, 4.5]
    frame = enquiries_for_approvals(approvals, MONTHS, [DEAR, CHEAP], lead_months=0)
    first = frame[frame["month"] <= MONTHS[2]].groupby("channel")[["enquiries", "spend"]].sum()
    assert first.loc["cheap", "enquiries"] == pytest.approx(6.0)
    assert first.loc["dear", "spend"] == pytest.approx(1600.0)
    second = frame[frame["month"] > MONTHS[2]].groupby("channel")[["enquiries", "spend"]].sum()
    assert second.loc[BEYOND_REACH, "enquiries"] == pytest.approx(1.5 / 0.25)
    assert second.loc[BEYOND_REACH, "spend"] == pytest.approx(6.0 * 200)
    # each month's share of its quarter: July 1 of 6.5
    july = frame[frame["month"] == MONTHS[3]]["enquiries"].sum()
    assert july == pytest.approx(second["enquiries"].sum() / 6.5)
    # the quarter's cost is the one buying rule's (cheapest_enquiries), not a second copy
    _, cost = cheapest_enquiries(6.5, [DEAR, CHEAP])
    assert second["spend"].sum() == pytest.approx(cost)


def test_pipeline_approvals_need_no_enquiries():
    approvals = np.full(len(MONTHS), 1.0)
    frame = enquiries_for_approvals(
        approvals, MONTHS, [CHEAP], lead_months=4, skip_before_lead=True
    )
    assert frame["enquiries"].sum() == pytest.approx(5 * 2.0)  # months 4-8 only, 2 per approval


@pytest.fixture(scope="module")
def target_run():
    """30% by March 2028 on the demo, no inflation so cash is the price base."""
    from sufficiency.recommend import recommend_plan

    models = fit_models()
    scenario = Scenario(
        ifa_share_target_pct=30.0,
        ifa_share_target_date="2028-03",
        n_simulations=0,
        annual_inflation_pct=0.0,
    )
    result = run(scenario, models=models)
    plan = recommend_plan(scenario, models=models, result=result)
    return models, scenario, result, plan


def test_the_plans_enquiries_table_and_budget_are_one_purchase(target_run):
    models, scenario, result, recommended = target_run
    plan = result.plan
    table = recommended.marketing
    # enquiries counted once: the plan's count is the channel table's
    assert table["enquiries"].sum() == pytest.approx(plan.enquiries.sum(), rel=1e-9)
    # the budget's marketing line (cash, no inflation) is the table's spend
    costs = result.costs_by_financial_year
    marketing = costs.loc[costs["placement_category"] == "marketing", "cost_mean"].sum()
    assert marketing == pytest.approx(table["spend"].sum(), rel=1e-6)
    # bought at each quarter's rate: the demo plan's 2 extra approvals a quarter need 46
    # enquiries and about £5,900 from the cheapest channels (not 33 at the 6.1% average, nor
    # £9,100 when June's 2 were bought as if 6 came that quarter)
    channels = recruitment_channels(scenario, models.figures, resolve(scenario, models.figures))
    enquiries, spend = cheapest_enquiries(2.0, channels)
    by_quarter = table.groupby("quarter_start")[["enquiries", "spend"]].sum()
    full = by_quarter[by_quarter["enquiries"] > 1]
    assert full["enquiries"].median() == pytest.approx(enquiries, rel=0.01)
    assert full["spend"].median() == pytest.approx(spend, rel=0.01)
    assert 45 < enquiries < 47 and 5_800 < spend < 6_000
    assert plan.enquiries_per_quarter == pytest.approx(enquiries, rel=0.01)
    assert result.summary["enquiries_needed_per_quarter"] == pytest.approx(enquiries, rel=0.01)
    assert BEYOND_REACH not in set(table["channel"])  # the plan stays within reach
