"""The inverse calculator: enquiries a month, from when, at what cost, for N more places."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sufficiency.supply.capacity import ALL_AGES, NewHouseholdProfile, project_capacity
from sufficiency.supply.demo_carers import DEMO_EXTRACT_DATE, load_demo_households
from sufficiency.supply.households import empty_households
from sufficiency.supply.inverse import FunnelAssumptions, enquiries_needed
from sufficiency.supply.retention import RetentionModel

START = pd.Timestamp("2024-03-31")
TWO_PLACES_ANY_AGE = NewHouseholdProfile(
    "mainstream", tuple(2 * np.array([1, 4, 5, 6, 2]) / 18), (1.0, 1.0, 1.0, 1.0, 1.0)
)


def no_leaving() -> RetentionModel:
    return RetentionModel(default_rates={"mainstream": 1e-12}).fit(empty_households(), START)


def sharp_funnel(**changes: float) -> FunnelAssumptions:
    base = FunnelAssumptions(
        enquiry_to_application=0.1,
        application_to_approval=0.5,
        months_enquiry_to_application=2,
        months_application_to_approval=4,
        lag_spread=0.05,
        cost_per_enquiry=300.0,
    )
    return FunnelAssumptions(**{**base.__dict__, **changes})


def test_closed_form_without_leaving() -> None:
    answer = enquiries_needed(
        10,
        ALL_AGES,
        "2026-03-31",
        start=START,
        funnel=sharp_funnel(),
        retention_model=no_leaving(),
        new_household_profile=TWO_PLACES_ANY_AGE,
    )
    # 24 months; enquiries stop 6 months (the median lag) before the target: months 1..18.
    assert answer.feasible and answer.campaign_months == 18
    assert answer.campaign_start == pd.Timestamp("2024-04-30")
    assert answer.campaign_end == pd.Timestamp("2025-09-30")
    usable_per_household = 2 * 0.66
    assert answer.usable_places_per_household == pytest.approx(usable_per_household)
    expected_rate = 10 / (18 * 0.05 * usable_per_household)
    assert answer.enquiries_per_month == pytest.approx(expected_rate, rel=0.01)
    assert answer.total_enquiries == pytest.approx(expected_rate * 18, rel=0.01)
    assert answer.total_cost == pytest.approx(answer.total_enquiries * 300)
    assert answer.approvals == pytest.approx(answer.total_enquiries * 0.05)
    assert answer.enquiries_per_month_at_confidence > answer.enquiries_per_month
    assert answer.schedule["usable_places_from_recruits"].iloc[-1] == pytest.approx(10, rel=0.01)
    assert "enquiries a month" in answer.explanation() and "£" in answer.explanation()
    later = answer.start_options["enquiries_per_month"].to_numpy()
    assert np.all(np.diff(later) > 0)  # starting later needs more enquiries a month


def test_target_too_soon_is_infeasible() -> None:
    answer = enquiries_needed(
        5,
        "10-15",
        "2024-07-31",
        start=START,
        funnel=sharp_funnel(),
        retention_model=no_leaving(),
        new_household_profile=TWO_PLACES_ANY_AGE,
    )
    assert not answer.feasible
    assert answer.enquiries_per_month == 0
    assert "cannot be reached" in answer.explanation()
    assert "earliest realistic date" in answer.explanation()


def test_more_than_today_replaces_leavers_and_matches_simulation() -> None:
    households = load_demo_households().households
    model = RetentionModel().fit(households, DEMO_EXTRACT_DATE)
    funnel = FunnelAssumptions(cost_per_enquiry=250.0)
    today = enquiries_needed(
        10,
        "10-15",
        "2027-03-31",
        households=households,
        start=DEMO_EXTRACT_DATE,
        funnel=funnel,
        retention_model=model,
    )
    baseline = enquiries_needed(
        10,
        "10-15",
        "2027-03-31",
        households=households,
        start=DEMO_EXTRACT_DATE,
        funnel=funnel,
        retention_model=model,
        relative_to="baseline",
    )
    assert today.places_expected_to_be_lost > 5
    assert today.places_needed_from_recruits == pytest.approx(10 + today.places_expected_to_be_lost)
    assert baseline.places_needed_from_recruits == pytest.approx(10)
    assert today.enquiries_per_month > baseline.enquiries_per_month
    # Feed the answer's approvals into the capacity simulation: recruits' places at the target
    # come out where the calculator put them.
    projection = project_capacity(
        households.iloc[:0],
        DEMO_EXTRACT_DATE,
        36,
        approvals_per_month=today.approvals_per_month(),
        retention_model=model,
        new_household_profile=NewHouseholdProfile.from_households(households, DEMO_EXTRACT_DATE),
        n_paths=800,
        random_state=5,
    )
    recruits_places = projection.paths("usable_places", "10-15")[:, 36]
    assert recruits_places.mean() == pytest.approx(today.places_needed_from_recruits, rel=0.05)
    # The confident rate reaches the target in about that share of simulated worlds.
    confident = enquiries_needed(
        10,
        "10-15",
        "2027-03-31",
        households=households,
        start=DEMO_EXTRACT_DATE,
        funnel=funnel,
        retention_model=model,
        relative_to="baseline",
        confidence=0.9,
    )
    scale = confident.enquiries_per_month_at_confidence / baseline.enquiries_per_month
    boosted = project_capacity(
        households.iloc[:0],
        DEMO_EXTRACT_DATE,
        36,
        approvals_per_month=baseline.approvals_per_month() * scale,
        retention_model=model,
        new_household_profile=NewHouseholdProfile.from_households(households, DEMO_EXTRACT_DATE),
        n_paths=1000,
        random_state=6,
    ).paths("usable_places", "10-15")[:, 36]
    assert (boosted >= 10 - 1e-9).mean() == pytest.approx(0.9, abs=0.07)


def test_funnel_assumptions_from_funnel_parameters_and_validation() -> None:
    parameters = SimpleNamespace(
        enquiry_to_application=0.2,
        application_to_approval=0.4,
        days_enquiry_to_application=61.0,
        days_application_to_approval=float("nan"),
        source="demo records",
    )
    funnel = FunnelAssumptions.from_funnel_parameters(parameters, cost_per_enquiry=120.0)
    assert funnel.enquiry_to_approval == pytest.approx(0.08)
    assert funnel.months_enquiry_to_application == pytest.approx(2.0, abs=0.01)
    assert (
        funnel.months_application_to_approval == FunnelAssumptions().months_application_to_approval
    )
    assert funnel.source == "demo records" and funnel.cost_per_enquiry == 120.0
    assert funnel.lag_pmf().sum() == pytest.approx(1.0)
    from sufficiency.supply.funnel import FunnelParameters

    published = FunnelAssumptions.from_funnel_parameters(FunnelParameters.published_default())
    assert 0 < published.enquiry_to_approval < 0.2
    assert 6 < published.months_enquiry_to_approval < 12
    with pytest.raises(ValueError):
        FunnelAssumptions(enquiry_to_application=1.5)
    with pytest.raises(ValueError):
        enquiries_needed(0, ALL_AGES, "2026-03-31", start=START)
    with pytest.raises(ValueError):
        enquiries_needed(5, "teens", "2026-03-31", start=START)


def test_no_cost_given_and_defaults_without_households() -> None:
    answer = enquiries_needed(5, ALL_AGES, "2026-03-31", start=START)
    assert answer.feasible and answer.total_cost is None
    assert "Enter a cost per enquiry" in answer.explanation()
    assert answer.usable_places_per_household == pytest.approx(1.85 * 0.66)
    # Default funnel converts 0.12 x 0.33 of enquiries.
    assert answer.approvals == pytest.approx(answer.total_enquiries * 0.12 * 0.33)


def test_targeted_recruitment_counts_every_place_for_the_band() -> None:
    common = dict(
        start=START,
        funnel=sharp_funnel(),
        retention_model=no_leaving(),
        new_household_profile=TWO_PLACES_ANY_AGE,
    )
    spread = enquiries_needed(6, "16-17", "2026-03-31", **common)
    targeted = enquiries_needed(6, "16-17", "2026-03-31", targeted=True, **common)
    assert spread.usable_places_per_household == pytest.approx(2 * 0.66 * 2 / 18)
    assert targeted.usable_places_per_household == pytest.approx(2 * 0.66)
    assert targeted.enquiries_per_month == pytest.approx(spread.enquiries_per_month * 2 / 18)


def test_marketing_is_priced_only_beyond_the_enquiries_already_arriving() -> None:
    """Enquiries already arriving count towards the need; only those beyond are marketing."""
    common = dict(
        start=START,
        funnel=sharp_funnel(),
        retention_model=no_leaving(),
        new_household_profile=TWO_PLACES_ANY_AGE,
    )
    alone = enquiries_needed(10, ALL_AGES, "2026-03-31", **common)
    rate = 10 / (18 * 0.05 * 2 * 0.66)  # as in the closed form above: about 8.4 a month
    assert alone.enquiries_per_month == pytest.approx(rate, rel=0.01)
    assert alone.total_cost == pytest.approx(alone.total_enquiries * 300)  # none arriving

    some = enquiries_needed(10, ALL_AGES, "2026-03-31", enquiries_arriving_per_month=5, **common)
    assert some.enquiries_per_month == pytest.approx(alone.enquiries_per_month)  # same need
    assert some.extra_enquiries_per_month == pytest.approx(alone.enquiries_per_month - 5)
    assert some.marketing_enquiries == pytest.approx((alone.enquiries_per_month - 5) * 18)
    assert some.total_cost == pytest.approx((alone.enquiries_per_month - 5) * 18 * 300)
    first = some.start_options.iloc[0]
    assert first["total_cost"] == pytest.approx(some.total_cost)
    assert first["total_enquiries"] == pytest.approx(some.total_enquiries)
    assert "marketing is needed for the other 3.4 a month" in some.explanation()

    plenty = enquiries_needed(
        10, ALL_AGES, "2026-03-31", enquiries_arriving_per_month=26.5, **common
    )
    assert plenty.total_cost == 0 and plenty.extra_enquiries_per_month == 0
    assert "no extra marketing is needed, so none is priced" in plenty.explanation()

    # targeted at 16-17s, today's enquiries bring households like recent approvals: 2 of 18
    # places for 16-17s, so 18 arriving a month count as 2 targeted ones
    targeted = enquiries_needed(
        6, "16-17", "2026-03-31", targeted=True, enquiries_arriving_per_month=18, **common
    )
    assert targeted.arriving_counted_per_month == pytest.approx(2.0)
    assert targeted.extra_enquiries_per_month == pytest.approx(targeted.enquiries_per_month - 2)
    # the main sentence says why 18 arriving do not cover a need of fewer a month
    need, extra = targeted.enquiries_per_month, targeted.extra_enquiries_per_month
    assert (
        f"you need about {need:.0f} enquiries a month recruiting for children aged 16-17 from"
    ) in targeted.explanation()
    assert (
        "Enquiries are not all alike: the 18.0 a month arriving now bring households like "
        "recent approvals, who take other ages too, so for children aged 16-17 they are worth "
        "about 2.0 of these a month, and marketing is needed for the other "
        f"{extra:.1f} a month."
    ) in targeted.explanation()
    assert targeted.explanation().count("worth about") == 1  # said once, not again with the £
    assert "Enquiries are not all alike" not in some.explanation()  # any age: 5 count as 5
    with pytest.raises(ValueError, match="must not be negative"):
        enquiries_needed(10, ALL_AGES, "2026-03-31", enquiries_arriving_per_month=-1, **common)
