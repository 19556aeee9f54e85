"""The one answer a commissioner can take to a board: properties of the scenario engine, costs
checked by hand, and the same numbers whether paths are simulated or not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.plan.allocation import allocate
from sufficiency.scenario import Scenario, run
from sufficiency.scenario.engine import in_house_parts, project
from tests.scenario_fixtures import fitted_models

MEAN = Scenario(n_simulations=0, horizon_months=36)


@pytest.fixture(scope="module")
def models():
    return fitted_models()


def end(result, key: str) -> float:
    return float(result.summary[key])


@settings(max_examples=12, deadline=None)
@given(
    low=st.integers(0, 6),
    extra=st.integers(1, 6),
    kind=st.sampled_from(["mainstream", "teenagers"]),
)
def test_more_approvals_never_raise_the_ifa_share_or_lower_households(models, low, extra, kind):
    fewer = run(MEAN.replace(approvals_per_quarter={kind: low}), models=models)
    more = run(MEAN.replace(approvals_per_quarter={kind: low + extra}), models=models)
    for key in ("ifa_share_of_fostering_end_pct", "ifa_share_of_non_kinship_fostering_end_pct"):
        assert end(more, key) <= end(fewer, key) + 1e-9
    assert end(more, "in_house_households_end") >= end(fewer, "in_house_households_end")
    assert (
        more.carers["households"].to_numpy() >= fewer.carers["households"].to_numpy() - 1e-9
    ).all()


@settings(max_examples=10, deadline=None)
@given(cut=st.integers(1, 40), band=st.sampled_from(codes.AGE_BANDS))
def test_a_lower_entry_rate_never_raises_children_or_cost(models, cut, band):
    base = run(MEAN, models=models)
    fewer = run(MEAN.replace(entries_change_pct={band: -cut}), models=models)
    assert end(fewer, "children_looked_after_end") <= end(base, "children_looked_after_end") + 1e-9
    # placements only: the edge-of-care programme cost is left at 0 here
    assert fewer.budget_by_financial_year["cost_mean"].sum() <= (
        base.budget_by_financial_year["cost_mean"].sum() + 1e-6
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pool=st.floats(0, 40),
    bands=st.sampled_from([codes.AGE_BANDS, ("10-15", "16-17"), ("under 1",)]),
)
def test_children_are_conserved_through_allocation_with_new_households(seed, pool, bands):
    rng = np.random.default_rng(seed)
    demand = rng.poisson(6, size=(3, 5, len(codes.AGE_BANDS), len(codes.PLACEMENT_CATEGORIES)))
    capacity = rng.uniform(0, 8, size=(5, len(codes.AGE_BANDS)))
    allocation = allocate(demand.astype(float), capacity, 4.0, pools=[(np.full(5, pool), bands)])
    placed = allocation.placements()
    np.testing.assert_allclose(placed.sum(axis=(2, 3)), demand.sum(axis=(2, 3)))
    np.testing.assert_allclose(placed.sum(axis=3), demand.sum(axis=3))
    assert (allocation.ifa_fostering >= -1e-9).all()
    # new households take children only in the ages they are approved for
    without = allocate(demand.astype(float), capacity, 4.0)
    outside = ~np.isin(np.array(codes.AGE_BANDS), bands)
    np.testing.assert_allclose(
        allocation.in_house_fostering[..., outside], without.in_house_fostering[..., outside]
    )


def test_a_cost_cell_checked_by_hand(models):
    """IFA fostering in the first financial year, and in-house fostering from its parts."""
    scenario = MEAN.replace(unit_costs={codes.IFA_FOSTERING: 1_000.0}, annual_inflation_pct=2.0)
    result = run(scenario, models=models)
    months = result.months
    placements = result.placements
    year = fin.financial_year(pd.Series(months)).iloc[0]
    in_year = months[fin.financial_year(pd.Series(months)).to_numpy() == year]
    ifa = placements[placements["placement_category"] == codes.IFA_FOSTERING]
    by_month = ifa.groupby("month")["mean"].sum()
    expected = 0.0
    for month in in_year:
        weeks = month.days_in_month / 7
        # £1,000 a week at 2025-26 prices, inflated 2% a year from April 2025
        elapsed = (month.year - 2025) * 12 + month.month - 4
        expected += by_month.loc[month] * 1_000.0 * weeks * 1.02 ** (elapsed / 12)
    table = result.costs_by_financial_year
    cell = table[
        (table["financial_year"] == year) & (table["placement_category"] == codes.IFA_FOSTERING)
    ]["cost_mean"].iloc[0]
    assert cell == pytest.approx(expected, rel=1e-9)

    # in-house fostering: allowance per child + fee and supervision per household + overheads
    projected = project(scenario, models, 0)
    parts = in_house_parts(scenario, models)
    figures = models.figures.in_house
    first = months[0]
    children = projected.placements[
        0, 0, :, codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING)
    ].sum()
    households = projected.supply.total_households[0]
    weekly = (
        parts.allowance_per_child * children
        + (parts.fee_per_household + parts.supervision_per_household) * households
        + parts.overheads_per_child * figures.children
    )
    elapsed = (first.year - 2025) * 12 + first.month - 4
    by_hand = weekly * first.days_in_month / 7 * 1.02 ** (elapsed / 12)
    in_house = codes.PLACEMENT_CATEGORIES.index(codes.IN_HOUSE_FOSTERING)
    assert projected.placement_costs[0, 0, in_house] == pytest.approx(by_hand, rel=1e-9)
    # at the start that is the all-in cost for every child: supervision is not counted twice
    assert parts.allowance_per_child + parts.per_household / parts.children_per_household + (
        parts.overheads_per_child
    ) == pytest.approx(parts.all_in_per_child)


def test_approvals_start_after_the_lead_time_unless_in_the_pipeline(models):
    lead = models.figures.lead_months
    later = run(MEAN.replace(approvals_per_quarter={"mainstream": 3}), models=models)
    now = run(
        MEAN.replace(approvals_per_quarter={"mainstream": 3}, approvals_in_pipeline=True),
        models=models,
    )
    extra_later = later.carers["extra_approvals"].to_numpy()
    extra_now = now.carers["extra_approvals"].to_numpy()
    assert extra_later[:lead].sum() == 0 and extra_later[lead:].min() == pytest.approx(1.0)
    assert extra_now[0] == pytest.approx(1.0)
    # on top of the households the baseline approves (as many as now): these add
    base = run(MEAN, models=models)
    assert end(later, "in_house_households_end") > end(base, "in_house_households_end") + 10


def test_step_downs_are_children_a_year_to_age_appropriate_places(models):
    supported = project(MEAN.replace(step_downs_per_year=12), models, 0)
    fostering = project(
        MEAN.replace(step_downs_per_year=12, step_down_16_17_to="fostering"), models, 0
    )
    # delivered as a count while there are children to step down
    assert supported.stepped_down[:12].sum() == pytest.approx(12, abs=1)
    index = codes.PLACEMENT_CATEGORIES.index
    older = codes.AGE_BANDS.index("16-17")
    base = project(MEAN, models, 0)
    to_supported = supported.demand[0, :, older, index(codes.SUPPORTED)]
    to_fostering = fostering.demand[0, :, older, index(codes.SUPPORTED)]
    # the user's choice decides where 16-17 year olds go (about one a year here, their share of
    # the children in external residential; they leave care at 18, so the extra stays small)
    assert to_supported[-1] > base.demand[0, -1, older, index(codes.SUPPORTED)] + 0.3
    assert to_supported[-1] > to_fostering[-1] + 0.3
    fostered = index(codes.IN_HOUSE_FOSTERING)
    assert fostering.demand[0, 11, older, fostered] > supported.demand[0, 11, older, fostered]
    # never under-16s into supported accommodation: only 16-17 year olds may go there
    from sufficiency.scenario.engine import _step_downs

    steps = _step_downs(MEAN.replace(step_downs_per_year=12), models.demand.params_, 12.0)
    assert steps and all(to != codes.SUPPORTED for band, _, to, _ in steps if band != "16-17")


def test_programme_costs_are_investment_and_missing_ones_are_flagged(models):
    free = run(MEAN.replace(entries_change_pct={"10-15": -20}), models=models)
    paid = run(
        MEAN.replace(entries_change_pct={"10-15": -20}, edge_of_care_cost_per_year=120_000),
        models=models,
    )
    assert free.invest_to_save.total_investment == pytest.approx(0.0, abs=1e-6)
    assert any("edge-of-care" in w for w in free.warnings)
    # three years of £120,000 at 2025-26 prices (these months are a little before it: deflated)
    assert paid.invest_to_save.total_investment == pytest.approx(3 * 120_000, rel=0.1)
    assert not paid.warnings
    assert paid.summary["npv_gbp"] < free.summary["npv_gbp"]


@pytest.mark.parametrize(
    "levers",
    [
        {},
        {"ifa_share_target_pct": 30.0, "ifa_share_target_date": "2028-03"},
        {"entries_change_pct": {"10-15": -10}, "step_downs_per_year": 12.0},
    ],
    ids=["baseline", "ifa-target", "demand-levers"],
)
def test_simulated_paths_and_the_fast_run_give_the_same_headline(levers):
    """Within 2% (relative) for children, households, the IFA share and total cost. The fast run
    (``n_simulations=0``) allocates a few representative paths, not the demand model's one mean
    path: with one mean path the IFA share ran 4% (2 points) above the simulated paths' mean and
    children 1.9% below, as in-house places fill or sit spare path by path."""
    from sufficiency.scenario import fit_models

    models = fit_models()
    simulated = run(Scenario(**levers), models=models)
    fast = run(Scenario(n_simulations=0, **levers), models=models)
    assert fast.summary["simulated_paths"] < simulated.summary["simulated_paths"]
    for key in (
        "children_looked_after_end",
        "in_house_households_end",
        "ifa_share_of_fostering_end_pct",
        "ifa_share_of_non_kinship_fostering_end_pct",
        "total_cost_gbp",
    ):
        assert fast.summary[key] == pytest.approx(simulated.summary[key], rel=0.02), key


def test_representative_paths_keep_the_simulated_mean_on_the_baseline():
    from sufficiency.scenario.engine import representative_paths

    rng = np.random.default_rng(1)
    paths = rng.gamma(2.0, 3.0, size=(50, 4, 2, 3))
    paths[:, :, 1, 2] = 0.0  # a cell nobody is in
    base_mean = paths.mean(axis=0) * 0.97  # the model's mean path a little below the paths
    picked = representative_paths(base_mean, base_mean, paths, n_paths=8)
    assert picked.shape == (8, 4, 2, 3)
    assert np.allclose(picked.mean(axis=0), paths.mean(axis=0))
    doubled = representative_paths(2 * base_mean, base_mean, paths, n_paths=8)
    assert np.allclose(doubled.mean(axis=0), 2 * paths.mean(axis=0))
    assert (doubled >= 0).all()


def test_a_version_1_scenario_file_opens_migrated_with_notes(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text(
        'version = 1\nname = "old"\napprovals_per_quarter = {mainstream = 4.0}\n'
        "step_downs_per_year = 10.0\nenquiry_to_approval_pct = 4.0\ncost_per_enquiry = 500.0\n"
        'ifa_share_target_pct = 30.0\nifa_share_target_date = "2028-03"\n',
        encoding="utf-8",
    )
    scenario = Scenario.from_file(path)
    notes = " ".join(scenario.migration_notes)
    assert "older version" in notes and "on top of" in notes
    # the no-plan baseline approves as many households as now, not only those replacing leavers
    assert (
        "on top of the households the service approves without a plan, as many a quarter as it "
        "approves now" in notes
    )
    assert scenario.enquiry_to_approval_pct is None  # the old default: follows the authority
    assert scenario.cost_per_enquiry == 500.0  # a changed value is kept
    assert scenario.ifa_share_target_basis == "non-kinship fostering"
    assert scenario.step_down_16_17_to == "fostering"
    again = Scenario.from_toml(scenario.to_toml())
    assert again == scenario and not again.migration_notes


def test_all_ages_ranges_are_taken_over_paths_not_summed_over_age_bands(models):
    """The explorer's shaded range: percentiles of each path's all-ages count. Adding the age
    bands' own percentiles would make the range wider than any path goes."""
    result = run(Scenario(horizon_months=24, n_simulations=60), models=models, random_state=3)
    by_category = result.by_category.set_index(["month", "placement_category"])
    by_band = result.placements.groupby(["month", "placement_category"])[["mean", "p10", "p90"]]
    summed = by_band.sum()
    assert np.allclose(by_category["mean"], summed.loc[by_category.index, "mean"])
    assert (by_category["p10"] <= by_category["p90"]).all()
    width = (by_category["p90"] - by_category["p10"]).sum()
    summed_width = (summed["p90"] - summed["p10"]).loc[by_category.index].sum()
    assert width < summed_width


def test_the_summary_says_how_many_approvals_the_baseline_assumes():
    """Without a plan the service approves as many households as now (4.5 a quarter on the demo,
    the records' last 12 months), not only enough to replace leavers (3.1); the summary states
    both beside today's."""
    from sufficiency.authority import replacement_per_month
    from sufficiency.scenario import fit_models

    models = fit_models()
    result = run(Scenario(n_simulations=0), models=models)
    in_house = models.figures.in_house
    expected = 3 * replacement_per_month(in_house.households, result.resolved.annual_leaving_rate)
    assert result.summary["approvals_replacing_leavers_per_quarter"] == pytest.approx(expected)
    assert result.summary["approvals_now_per_quarter"] == 4.5  # 18 approved Apr 2023-Mar 2024
    assert result.summary["approvals_without_plan_per_quarter"] == pytest.approx(4.5)
    assert expected == pytest.approx(3.1, abs=0.05)
    approvals = result.carers.groupby("month")["approvals"].sum()
    assert approvals.iloc[0] == pytest.approx(4.5 / 3)  # households approved a month, no plan


def test_the_approvals_replacing_leavers_follow_the_change_in_carers_leaving():
    """With a fifth fewer carers leaving (-20%), fewer approvals replace those who leave: about
    2.5 a quarter on the demo, not the 3.1 of today's leaving rate (the sentence beside the
    households did not move with the lever). The carers' monthly leaving is what the supply
    projection applies to new households."""
    from sufficiency.scenario import fit_models

    models = fit_models()
    baseline = run(Scenario(n_simulations=0), models=models)
    fewer = run(Scenario(n_simulations=0, deregistration_change_pct=-20), models=models)
    before = baseline.summary["approvals_replacing_leavers_per_quarter"]
    after = fewer.summary["approvals_replacing_leavers_per_quarter"]
    assert before == pytest.approx(3.1, abs=0.05)
    assert after == pytest.approx(2.5, abs=0.05)
    # the households the model starts with, times its lever-adjusted monthly leaving, a quarter
    yearly = fewer.resolved.annual_leaving_rate
    monthly = 1 - (1 - yearly) ** (0.8 / 12)
    assert after == pytest.approx(3 * models.figures.in_house.households * monthly)


@pytest.fixture(scope="module")
def demo():
    from sufficiency.scenario import fit_models

    return fit_models()


def test_an_infeasible_target_says_the_best_level_and_not_within_the_forecast(demo):
    """30% by March 2028 on the demo: the limits cannot reach it by then nor by the forecast's
    end; the answer gives the best level by then and says "not by <end>, the end of the
    forecast"."""
    result = run(
        Scenario(ifa_share_target_pct=30.0, ifa_share_target_date="2028-03", n_simulations=0),
        models=demo,
    )
    (check,) = result.plan.checks
    assert not check.feasible and check.best_achievable > 30
    assert check.earliest_month is None
    end = result.placements["month"].max()
    assert check.when_met == f"not by {end:%B %Y}, the end of the forecast"
    assert f"30% is not reached by {end:%B %Y}, the end of the forecast" in check.verdict
    assert check.verdict in result.plan.text
    (row,) = result.summary["targets"]
    assert row["when_met"] == check.when_met and row["verdict"] == check.verdict


def test_a_target_reachable_later_names_the_earliest_month_after_its_date(demo):
    """40% by March 2026 cannot be met by then, but can later within the forecast: the earliest
    month is after the target date and the share stays at or under the target from then on."""
    result = run(
        Scenario(ifa_share_target_pct=40.0, ifa_share_target_date="2026-03", n_simulations=0),
        models=demo,
    )
    (check,) = result.plan.checks
    assert not check.feasible
    assert check.earliest_month is not None and check.earliest_month > check.date
    assert check.when_met == f"earliest {check.earliest_month:%B %Y}"
    assert f"40% could be reached from {check.earliest_month:%B %Y} at the earliest" in (
        result.plan.text
    )


def test_the_earliest_month_is_the_first_from_which_the_level_holds():
    from sufficiency.plan.targets import first_month_held

    assert first_month_held(np.array([40.0, 50.0, 45.0, 39.0, 38.0]), 40.0) == 3
    assert first_month_held(np.array([30.0, 31.0]), 40.0) == 0
    assert first_month_held(np.array([30.0, 41.0]), 40.0) is None


def test_households_approved_ahead_of_the_need_go_to_the_carer_types_needed():
    """Approvals brought forward because later quarters' limits bind are split by the need they
    are approved for (teenager carers too), not all given to mainstream carers."""
    from sufficiency.plan.targets import RecruitmentLimits, schedule

    months = pd.date_range("2024-04-30", periods=48, freq="ME")
    needed = np.zeros((48, 2))
    needed[36:] = [6.0, 6.0]  # from the target date: 6 mainstream and 6 teenager households
    limits = RecruitmentLimits(
        lead_months=9,
        usable_places_per_household=1.2,
        annual_leaving_rate=0.1,
        assessment_room_per_quarter=2.0,
        marketing_approvals_per_quarter=2.0,
    )
    plan = schedule(needed, months, limits)
    early = plan.approvals[:36]
    assert early.sum() > 0
    assert early[:, 1].sum() > 0, "teenager households only after the target date"
    assert abs(early[:, 0].sum() - early[:, 1].sum()) <= early.sum() / 2


def test_a_feasible_external_residential_cap_is_met_on_the_pages_paths(demo):
    """The step-downs are searched on the fast run, then checked on the scenario's own simulated
    paths: when the cap is called feasible, the projection every page shows meets it."""
    result = run(
        Scenario(external_residential_target=25, external_residential_target_date="2027-03"),
        models=demo,
    )
    (check,) = result.plan.checks
    assert check.feasible
    assert check.met, (check.projected, check.target_value)
    assert result.plan.step_downs_per_year > 0
