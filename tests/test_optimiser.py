"""Least-cost recruitment plan: bounds, budget, known optima and infeasible targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.codes import (
    AGE_BANDS,
    EXTERNAL_RESIDENTIAL,
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    PLACEMENT_CATEGORIES,
)
from sufficiency.errors import SufficiencyError
from sufficiency.finance import CarerCosts, price_factor
from sufficiency.plan.carers_needed import Targets
from sufficiency.plan.optimiser import Channel, Specialism, optimise_recruitment

CAT = {category: i for i, category in enumerate(PLACEMENT_CATEGORIES)}
TEENS = AGE_BANDS.index("10-15")
MONTHS = pd.date_range("2025-04-30", periods=24, freq="ME")  # eight financial quarters
WEEKLY = {IN_HOUSE_FOSTERING: 600.0, IFA_FOSTERING: 900.0, EXTERNAL_RESIDENTIAL: 6000.0}
WEEKS_PER_QUARTER = 3 * 365.25 / 12 / 7
TEEN_CARERS = (
    Specialism("teenagers", ("10-15",), usable_places_per_household=1.0, annual_leaving_rate=0.0),
)


def demand(ifa=10.0, in_house=0.0, external_res=0.0):
    array = np.zeros((24, len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    array[:, TEENS, CAT[IFA_FOSTERING]] = ifa
    array[:, TEENS, CAT[IN_HOUSE_FOSTERING]] = in_house
    array[:, TEENS, CAT[EXTERNAL_RESIDENTIAL]] = external_res
    return array


def tiny(recruitment=5_000.0, **kwargs):
    """Ten teenagers in IFA care, no in-house places, instant approval, nobody leaves."""
    options = {
        "months": MONTHS,
        "specialisms": TEEN_CARERS,
        "weekly_costs": WEEKLY,
        "carer_costs": CarerCosts(recruitment, 0.0, 2025),
        "days_enquiry_to_approval": 0.0,
        "assessment_capacity_per_quarter": None,
        "steadiness_cost": 0.0,
        "relative_gap": 1e-6,
    }
    options.update(kwargs)
    return optimise_recruitment(demand(), 0.0, options.pop("targets", None), **options)


def approvals(plan):
    return plan.households.sort_values("quarter_start")["approvals"].round(6).to_numpy()


def test_known_optimum_recruits_everyone_at_once_when_it_pays():
    plan = tiny()
    assert approvals(plan) == pytest.approx([10, 0, 0, 0, 0, 0, 0, 0])
    weeks = 8 * WEEKS_PER_QUARTER
    assert plan.costs["baseline"] == pytest.approx(10 * 900 * weeks, rel=1e-9)
    assert plan.costs["total"] == pytest.approx(10 * 600 * weeks + 10 * 5_000, rel=1e-9)
    assert plan.costs["saving"] == pytest.approx(10 * 300 * weeks - 50_000, rel=1e-9)
    assert plan.feasible and plan.status == "optimal"
    assert "Approve 10 teenagers households" in plan.explain()


def test_recruitment_only_when_it_pays_back_within_the_horizon():
    saving_over_horizon = 300 * 8 * WEEKS_PER_QUARTER  # one household, one child, 8 quarters
    just_pays = tiny(recruitment=saving_over_horizon - 500)
    assert approvals(just_pays) == pytest.approx([10, 0, 0, 0, 0, 0, 0, 0])
    never_pays = tiny(recruitment=saving_over_horizon + 500)
    assert approvals(never_pays).sum() == pytest.approx(0)
    assert "Recruit no extra households" in never_pays.explain()


def test_assessment_capacity_spreads_approvals():
    plan = tiny(assessment_capacity_per_quarter=4)
    assert approvals(plan) == pytest.approx([4, 4, 2, 0, 0, 0, 0, 0])
    assert "full capacity" in plan.explain()


def test_budget_per_financial_year_is_respected():
    plan = tiny(budget_per_financial_year=10_000)
    got = approvals(plan)
    assert got[:4].sum() == pytest.approx(2)  # 2025-26: two households at £5,000
    assert got[4:].sum() == pytest.approx(2)  # 2026-27
    assert got[0] == pytest.approx(2) and got[4] == pytest.approx(2)  # as early as allowed
    plan = tiny(budget_per_financial_year={"2025-26": 0.0, "2026-27": 20_000})
    assert approvals(plan) == pytest.approx([0, 0, 0, 0, 4, 0, 0, 0])
    with pytest.raises(SufficiencyError, match="outside the plan"):
        tiny(budget_per_financial_year={"2031-32": 1.0})


def test_channels_limit_approvals_through_conversion_and_cost_money():
    radio = Channel(
        "radio", cost_per_enquiry=100.0, enquiry_to_approval=0.5, max_enquiries_per_quarter=6
    )
    plan = tiny(channels=[radio])
    assert approvals(plan) == pytest.approx([3, 3, 3, 1, 0, 0, 0, 0])
    marketing = plan.marketing.sort_values("quarter_start")
    assert marketing["enquiries"].to_numpy() == pytest.approx([6, 6, 6, 2, 0, 0, 0, 0])
    assert plan.costs["marketing"] == pytest.approx(2_000)
    assert "radio" in plan.explain()


def test_lead_time_delays_first_approvals():
    radio = Channel("radio", 100.0, 0.5, 100)
    plan = tiny(channels=[radio], days_enquiry_to_approval=182.6)  # six months
    got = approvals(plan)
    assert got[:2].sum() == pytest.approx(0)
    assert got[2] == pytest.approx(10)
    enquiries = plan.marketing.sort_values("quarter_start")["enquiries"].to_numpy()
    assert enquiries[0] == pytest.approx(20)  # two quarters before the approvals


def test_ifa_share_target_forces_recruitment_that_does_not_pay():
    target = Targets(ifa_share_max=0.4, ifa_share_by=MONTHS[0], phasing="by date")
    plan = tiny(recruitment=1e6, targets=target)
    assert approvals(plan).sum() == pytest.approx(6)
    assert (plan.placements["ifa_share"] <= 0.4 + 1e-6).all()
    assert plan.costs["saving"] < 0
    assert "costs" in plan.explain() and "more" in plan.explain()


def test_infeasible_target_gives_a_clear_message_not_a_crash():
    target = Targets(ifa_share_max=0.0, ifa_share_by=MONTHS[3], phasing="by date")
    plan = tiny(targets=target, assessment_capacity_per_quarter=2)
    assert not plan.feasible
    assert plan.status == "targets not met"
    assert "cannot all be met" in plan.message
    assert "2 approvals a quarter" in plan.message
    assert not plan.shortfalls.empty
    # the target applies from Jul-Sep 2025: two quarters of two approvals leave 6 places short
    assert plan.shortfalls["places_short"].max() == pytest.approx(6, abs=1e-6)
    assert "cannot all be met" in plan.explain()
    # the plan still does its best: the full assessment capacity every quarter until need is met
    assert approvals(plan)[:5] == pytest.approx([2, 2, 2, 2, 2])


def test_step_downs_are_placed_in_house():
    array = demand(ifa=0.0)
    array[:, TEENS, CAT[EXTERNAL_RESIDENTIAL]] = 10
    target = Targets(
        external_residential_max=6, external_residential_by=MONTHS[0], phasing="by date"
    )
    plan = optimise_recruitment(
        array,
        0.0,
        target,
        months=MONTHS,
        specialisms=TEEN_CARERS,
        weekly_costs=WEEKLY,
        carer_costs=CarerCosts(5_000.0, 0.0, 2025),
        days_enquiry_to_approval=0.0,
        assessment_capacity_per_quarter=None,
    )
    assert plan.feasible
    assert approvals(plan)[0] == pytest.approx(4)
    assert plan.placements["external_residential"].to_numpy() == pytest.approx(np.full(8, 6.0))
    assert plan.costs["saving"] > 0


def test_default_plan_is_whole_households_within_bounds():
    rng = np.random.default_rng(5)
    paths = np.zeros((20, 60, len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    paths[..., CAT[IN_HOUSE_FOSTERING]] = rng.poisson([5, 20, 30, 40, 15], (20, 60, 5))
    paths[..., CAT[IFA_FOSTERING]] = rng.poisson([3, 15, 25, 45, 20], (20, 60, 5))
    months = pd.date_range("2025-04-30", periods=60, freq="ME")
    capacity = np.array([5, 20, 30, 40, 15.0]) * np.linspace(1, 0.7, 60)[:, None]
    channels = [Channel("radio", 150.0, 0.08, 100), Channel("social media", 60.0, 0.05, 150)]
    plan = optimise_recruitment(
        paths,
        capacity,
        Targets(ifa_share_max=0.35, ifa_share_by="2028-03-31"),
        months=months,
        channels=channels,
        assessment_capacity_per_quarter=8,
        budget_per_financial_year=400_000,
        time_limit_seconds=20,
    )
    per_quarter = plan.households.groupby("quarter_start")["approvals"].sum()
    assert (per_quarter <= 8 + 1e-6).all()
    assert np.allclose(plan.households["approvals"], plan.households["approvals"].round())
    assert (plan.marketing["enquiries"] <= 150 + 1e-6).all()
    spend = plan.marketing.groupby("quarter_start")["spend"].sum()
    carer_costs = CarerCosts()
    per_household = carer_costs.recruitment_assessment_per_household * price_factor(
        carer_costs.price_year, 2025, 0.0
    )
    recruitment = per_quarter * per_household
    by_year = (spend + recruitment).groupby(lambda d: d.year if d.month >= 4 else d.year - 1)
    assert (by_year.sum() <= 400_000 + 1).all()
    assert plan.feasible
    text = plan.explain()
    assert "£" in text and "IFA share" in text and "PSSRU" in text


def test_bad_inputs_give_clear_errors():
    with pytest.raises(SufficiencyError, match="age band"):
        Specialism("odd", ("11-14",))
    with pytest.raises(SufficiencyError, match="enquiry-to-approval"):
        Channel("radio", 10.0, 0.0, 5)
    with pytest.raises(SufficiencyError, match="unique"):
        tiny(channels=[Channel("teenagers", 1.0, 0.5, 1)])


def test_channels_from_the_demo_funnel_records():
    from sufficiency.plan.optimiser import channels_from_cost_per_outcome
    from sufficiency.supply.demo_records import load_demo_funnel
    from sufficiency.supply.funnel import cost_per_outcome

    records = load_demo_funnel()
    table = cost_per_outcome(records.enquiries, records.spend)
    quarters = (
        records.enquiries["enquiry_date"].max() - records.enquiries["enquiry_date"].min()
    ).days / 91.3
    channels = channels_from_cost_per_outcome(table, quarters)
    names = {channel.name for channel in channels}
    assert "word of mouth" not in names  # no spend: already in the baseline
    assert names  # some paid channels qualify
    for channel in channels:
        row = table.set_index("channel").loc[channel.name]
        assert channel.cost_per_enquiry == pytest.approx(row["spend"] / row["enquiries"])
        assert 0 < channel.enquiry_to_approval <= 1
        assert row["approvals"] >= 3
    plan = tiny(channels=channels, days_enquiry_to_approval=281)
    assert plan.costs["marketing"] > 0
    assert set(plan.marketing["channel"]) == names


@pytest.mark.parametrize("recruitment", [2_000.0, 6_000.0, 9_000.0])
def test_matches_brute_force_on_a_three_quarter_problem(recruitment):
    """Enumerate every whole-household plan and check CBC finds the cheapest."""
    months = pd.date_range("2025-04-30", periods=9, freq="ME")
    array = np.zeros((9, len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    array[:, TEENS, CAT[IN_HOUSE_FOSTERING]] = 1
    array[:, TEENS, CAT[IFA_FOSTERING]] = 5
    capacity = np.zeros((9, len(AGE_BANDS)))
    capacity[:, TEENS] = 1
    carers = (Specialism("teenagers", ("10-15",), 1.0, 0.15),)
    plan = optimise_recruitment(
        array,
        capacity,
        months=months,
        specialisms=carers,
        weekly_costs=WEEKLY,
        carer_costs=CarerCosts(recruitment, 1_000.0, 2025),
        days_enquiry_to_approval=0.0,
        assessment_capacity_per_quarter=3,
        steadiness_cost=0.0,
        relative_gap=1e-9,
    )
    survival = 0.85**0.25
    supervision_per_week = 1_000.0 / (365.25 / 7)

    def cost(approved):
        total = recruitment * sum(approved)
        for q in range(3):
            in_post = sum(approved[p] * survival ** (q - p) for p in range(q + 1))
            in_house = min(6.0, 1.0 + in_post)
            total += WEEKS_PER_QUARTER * (
                600 * in_house + 900 * (6 - in_house) + supervision_per_week * in_post
            )
        return total

    best = min(cost((a, b, c)) for a in range(4) for b in range(4) for c in range(4))
    assert plan.costs["total"] == pytest.approx(best, rel=1e-9)
    assert cost(tuple(approvals(plan))) == pytest.approx(best, rel=1e-9)


def test_horizon_shorter_than_the_lead_time_is_explained():
    short = pd.date_range("2025-04-30", periods=6, freq="ME")
    array = np.zeros((6, len(AGE_BANDS), len(PLACEMENT_CATEGORIES)))
    array[:, TEENS, CAT[IFA_FOSTERING]] = 10
    plan = optimise_recruitment(array, 0.0, Targets(ifa_share_max=0.2), months=short)
    assert not plan.feasible
    text = plan.explain()
    assert "No new household can be approved within the plan" in text
    assert "Recruit no extra households" not in text
    assert "8 approvals" not in text and "10 approvals a quarter and the time" in plan.message
