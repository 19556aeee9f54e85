"""Carers needed to reach sufficiency targets: places -> households -> approvals -> enquiries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency.codes import (
    AGE_BANDS,
    EXTERNAL_RESIDENTIAL,
    IFA_FOSTERING,
    IN_HOUSE_FOSTERING,
    PLACEMENT_CATEGORIES,
)
from sufficiency.errors import SufficiencyError
from sufficiency.plan.carers_needed import (
    CARERS_NEEDED_COLUMNS,
    RecruitmentAssumptions,
    Targets,
    carers_needed,
    financial_quarter_label,
    schedule_approvals,
)

CAT = {category: i for i, category in enumerate(PLACEMENT_CATEGORIES)}
BANDS = len(AGE_BANDS)
MONTHS = pd.date_range("2025-04-30", periods=24, freq="ME")
TEENS = AGE_BANDS.index("10-15")

# one usable place per household, nobody leaves, instant approval, half of enquiries approved
SIMPLE = RecruitmentAssumptions(
    places_per_household=1.0,
    occupancy=1.0,
    annual_leaving_rate=0.0,
    enquiry_to_approval=0.5,
    days_enquiry_to_approval=0.0,
)


def demand(in_house=0.0, ifa=0.0, external_res=0.0, months=24, band=TEENS):
    array = np.zeros((months, BANDS, len(PLACEMENT_CATEGORIES)))
    array[:, band, CAT[IN_HOUSE_FOSTERING]] = in_house
    array[:, band, CAT[IFA_FOSTERING]] = ifa
    array[:, band, CAT[EXTERNAL_RESIDENTIAL]] = external_res
    return array


def capacity(places, band=TEENS, months=24):
    array = np.zeros((months, BANDS))
    array[:, band] = places
    return array


def test_hand_computed_ifa_share_target():
    # 10 teenagers in IFA care, none in-house, no in-house places: 50% IFA from month 1 needs 5.
    targets = Targets(ifa_share_max=0.5, ifa_share_by=MONTHS[0], phasing="by date")
    result = carers_needed(demand(ifa=10), capacity(0), targets, months=MONTHS, assumptions=SIMPLE)
    assert result.places_gap[:, TEENS] == pytest.approx(np.full(24, 5.0))
    assert result.approvals[0, TEENS] == pytest.approx(5)
    assert result.approvals[1:].sum() == pytest.approx(0)
    totals = result.totals()
    assert totals["approvals_needed"].sum() == 5
    assert totals["enquiries_needed"].sum() == 10
    assert totals.loc[0, "approvals_needed"] == 5
    assert list(result.frame.columns) == list(CARERS_NEEDED_COLUMNS)
    assert "5" in result.summary()


def test_no_targets_and_enough_carers_needs_nobody():
    result = carers_needed(demand(in_house=8, ifa=2), capacity(12), Targets(), months=MONTHS)
    assert result.frame["approvals_needed"].sum() == 0
    assert result.frame["enquiries_needed"].sum() == 0
    assert "No targets are set" in result.summary()
    assert "already meet" not in result.summary()


def test_existing_in_house_placements_are_kept_when_capacity_falls():
    # capacity falls from 10 to 4; no target: nothing extra needed (IFA absorbs the loss)
    falling = capacity(np.linspace(10, 4, 24))
    result = carers_needed(demand(in_house=10), falling, Targets(), months=MONTHS)
    assert result.households_needed.sum() == pytest.approx(0)


def test_attrition_needs_replacement_approvals():
    assumptions = RecruitmentAssumptions(
        places_per_household=1.0,
        occupancy=1.0,
        annual_leaving_rate=0.15,
        enquiry_to_approval=0.1,
        days_enquiry_to_approval=0.0,
    )
    targets = Targets(ifa_share_max=0.0, ifa_share_by=MONTHS[0], phasing="by date")
    result = carers_needed(
        demand(ifa=12), capacity(0), targets, months=MONTHS, assumptions=assumptions
    )
    survival = 0.85 ** (1 / 12)
    assert result.approvals[0, TEENS] == pytest.approx(12)
    assert result.approvals[1:, TEENS] == pytest.approx(np.full(23, 12 * (1 - survival)))
    assert result.new_in_post[:, TEENS] == pytest.approx(np.full(24, 12.0))
    assert result.enquiries[:, TEENS].sum() == pytest.approx(result.approvals[:, TEENS].sum() / 0.1)


def test_schedule_respects_lead_time_and_reports_shortfall():
    needed = np.full((12, 1), 3.0)
    approvals, in_post, short = schedule_approvals(needed, lead_months=4, monthly_survival=1.0)
    assert approvals[:4].sum() == 0
    assert approvals[4, 0] == pytest.approx(3)
    assert short[:4, 0] == pytest.approx(np.full(4, 3.0))
    assert short[4:].sum() == 0
    assert in_post[-1, 0] == pytest.approx(3)


def test_too_soon_target_is_reported_in_plain_words():
    targets = Targets(ifa_share_max=0.2, ifa_share_by=MONTHS[2])
    result = carers_needed(demand(ifa=10), capacity(0), targets, months=MONTHS)
    assert result.frame["households_short"].sum() > 0
    assert "Not achievable in time" in result.summary()


def test_enquiries_come_one_lead_time_before_approvals():
    assumptions = RecruitmentAssumptions(days_enquiry_to_approval=281)
    assert assumptions.lead_months == 9
    targets = Targets(ifa_share_max=0.3, ifa_share_by=MONTHS[-1])
    result = carers_needed(
        demand(ifa=20), capacity(0), targets, months=MONTHS, assumptions=assumptions
    )
    first_approval = int(np.argmax(result.approvals.sum(axis=1) > 0))
    first_enquiry = int(np.argmax(result.enquiries.sum(axis=1) > 0))
    assert first_approval == 9
    assert first_enquiry == 0
    assert result.enquiries[-9:].sum() == 0  # enquiries that would be approved after the horizon


@pytest.mark.parametrize("phasing", ["steady", "by date"])
def test_more_ambitious_targets_need_more_carers(phasing):
    shares = [0.6, 0.45, 0.3, 0.15, 0.0]
    approvals = [
        carers_needed(
            demand(in_house=5, ifa=15),
            capacity(np.linspace(5, 3, 24)),
            Targets(ifa_share_max=share, ifa_share_by=MONTHS[14], phasing=phasing),
            months=MONTHS,
        )
        .frame["approvals_needed"]
        .sum()
        for share in shares
    ]
    assert all(a <= b for a, b in zip(approvals, approvals[1:], strict=False))
    assert approvals[-1] > approvals[0]
    caps = [30, 20, 10, 0]
    by_cap = [
        carers_needed(
            demand(in_house=5, ifa=5, external_res=30),
            capacity(5),
            Targets(external_residential_max=cap, external_residential_by=MONTHS[14]),
            months=MONTHS,
        ).households_needed.sum()
        for cap in caps
    ]
    assert by_cap[0] == pytest.approx(0)
    assert all(a < b for a, b in zip(by_cap, by_cap[1:], strict=False))


def test_step_downs_need_in_house_places_in_the_residential_age_mix():
    array = demand(in_house=4, external_res=0)
    array[:, TEENS, CAT[EXTERNAL_RESIDENTIAL]] = 9
    array[:, TEENS + 1, CAT[EXTERNAL_RESIDENTIAL]] = 3
    targets = Targets(step_downs=8, step_downs_by=MONTHS[11], phasing="by date")
    result = carers_needed(array, capacity(4), targets, months=MONTHS, assumptions=SIMPLE)
    assert result.step_downs[11:, TEENS] == pytest.approx(np.full(13, 6.0))
    assert result.step_downs[11:, TEENS + 1] == pytest.approx(np.full(13, 2.0))
    assert result.step_downs[:11].sum() == pytest.approx(0)
    assert result.places_gap[-1, TEENS] == pytest.approx(6.0)
    assert result.frame["approvals_needed"].sum() == 8


def test_quantile_over_paths_plans_for_worse_cases():
    rng = np.random.default_rng(3)
    paths = np.stack([demand(ifa=level) for level in rng.uniform(5, 25, size=50)])
    targets = Targets(ifa_share_max=0.4, ifa_share_by=MONTHS[-1])
    mean = carers_needed(paths, capacity(0), targets, months=MONTHS)
    high = carers_needed(paths, capacity(0), targets, months=MONTHS, quantile=0.9)
    assert high.households_needed.sum() > mean.households_needed.sum()


def test_bad_targets_give_clear_errors():
    with pytest.raises(SufficiencyError, match="between 0 and 1"):
        Targets(ifa_share_max=30)
    with pytest.raises(SufficiencyError, match="after the end of the forecast"):
        carers_needed(
            demand(ifa=5), 0, Targets(ifa_share_max=0.3, ifa_share_by="2040-01-01"), months=MONTHS
        )
    with pytest.raises(SufficiencyError, match="phasing"):
        Targets(phasing="soon")


def test_financial_quarter_labels():
    assert financial_quarter_label(pd.Timestamp("2025-04-01")) == "Q1 2025-26 (Apr-Jun 2025)"
    assert financial_quarter_label(pd.Timestamp("2026-01-01")) == "Q4 2025-26 (Jan-Mar 2026)"


def test_assumptions_from_the_funnel_parameters():
    from sufficiency.plan.carers_needed import assumptions_from_funnel
    from sufficiency.supply.funnel import FunnelParameters

    funnel = FunnelParameters.published_default()
    assumptions = assumptions_from_funnel(funnel, SIMPLE)
    assert assumptions.enquiry_to_approval == pytest.approx(funnel.enquiry_to_approval)
    assert assumptions.days_enquiry_to_approval == pytest.approx(funnel.days_enquiry_to_approval)
    assert assumptions.places_per_household == SIMPLE.places_per_household
    targets = Targets(ifa_share_max=0.5, ifa_share_by=MONTHS[-1])
    result = carers_needed(demand(ifa=10), 0, targets, months=MONTHS, assumptions=assumptions)
    lead = assumptions.lead_months
    assert lead == 9
    assert result.approvals[:lead].sum() == pytest.approx(0)
    assert result.enquiries.sum() == pytest.approx(
        result.approvals[lead:].sum() / funnel.enquiry_to_approval
    )


@settings(max_examples=25, deadline=None)
@given(
    ifa=st.floats(0, 40),
    in_house=st.floats(0, 40),
    places=st.floats(0, 50),
    external_res=st.floats(0, 20),
    shares=st.lists(st.floats(0, 1), min_size=2, max_size=2),
    caps=st.lists(st.floats(0, 20), min_size=2, max_size=2),
)
def test_stricter_targets_never_need_fewer_carers(
    ifa, in_house, places, external_res, shares, caps
):
    lax_share, strict_share = max(shares), min(shares)
    lax_cap, strict_cap = max(caps), min(caps)
    array = demand(in_house=in_house, ifa=ifa, external_res=external_res)

    def needed(share, cap):
        targets = Targets(
            ifa_share_max=share,
            ifa_share_by=MONTHS[12],
            external_residential_max=cap,
            external_residential_by=MONTHS[12],
        )
        result = carers_needed(array, capacity(places), targets, months=MONTHS)
        return result.households_needed, result.approvals.sum()

    lax_households, lax_approvals = needed(lax_share, lax_cap)
    strict_households, strict_approvals = needed(strict_share, strict_cap)
    assert np.all(strict_households >= lax_households - 1e-9)
    assert strict_approvals >= lax_approvals - 1e-9


def test_horizon_shorter_than_the_lead_time():
    short = MONTHS[:6]
    result = carers_needed(
        demand(ifa=10, months=6), capacity(0, months=6), Targets(ifa_share_max=0.2), months=short
    )
    assert result.approvals.sum() == 0
    assert result.enquiries.sum() == 0
    assert result.frame["households_short"].sum() > 0
    assert "within the forecast" in result.summary()


def test_results_by_carer_group():
    array = demand(ifa=10)
    array[:, 1, CAT[IFA_FOSTERING]] = 6  # 1-4 year olds too
    targets = Targets(ifa_share_max=0.0, ifa_share_by=MONTHS[0], phasing="by date")
    result = carers_needed(array, 0, targets, months=MONTHS, assumptions=SIMPLE)
    groups = result.by_group()
    assert set(groups["group"]) == {"under-10s", "10 and over (incl. step-down)"}
    totals = groups.groupby("group")["approvals_needed"].sum()
    assert totals["under-10s"] == 6
    assert totals["10 and over (incl. step-down)"] == 10
    assert groups["approvals_needed"].sum() == result.frame["approvals_needed"].sum()
    with pytest.raises(SufficiencyError, match="one group only"):
        result.by_group({"a": ("1-4",), "b": ("1-4", "5-9")})
