"""The answer in a commissioner's words: each figure with its date, approvals against households
gained (sufficiency.plan.wording)."""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.plan.wording import (
    ExplorerHouseholds,
    differs,
    households_gained,
    retention_against_explorer,
    target_headline,
)

NOW = pd.Timestamp("2024-03-31")
END = pd.Timestamp("2029-03-31")


def row(**changes) -> dict:
    base = {
        "now": 43.9,
        "without_plan": 48.2,
        "projected": 42.2,
        "target_value": 30.0,
        "unit": "%",
        "date": "2028-03",
        "feasible": False,
        "best_achievable": 42.2,
        "earliest_month": None,
    }
    return {**base, **changes}


def test_an_unreachable_share_says_without_a_plan_with_the_plan_and_the_forecast_end():
    words = target_headline(row(), NOW, END)
    assert words == (
        "Without a plan the IFA share rises from 44% now (March 2024) to about 48% by March "
        "2028. The plan brings it to about 42%, the best realistic recruitment allows by then. "
        "30% is not reached by March 2029, the end of the forecast."
    )


def test_a_plan_that_only_holds_the_share_says_so():
    words = target_headline(row(projected=44.2), NOW, END)
    assert "The plan holds it at about 44%, the best realistic recruitment allows by then." in words


def test_a_share_reachable_later_names_the_earliest_month():
    words = target_headline(row(earliest_month="2028-10"), NOW, END)
    assert words.endswith("30% could be reached from October 2028 at the earliest.")


def test_a_met_target_and_one_needing_nothing():
    met = target_headline(row(feasible=True, projected=30.0, without_plan=48.0), NOW, END)
    assert met.endswith("The plan brings it to about 30%, meeting 30%.")
    nothing = target_headline(row(without_plan=28.0, projected=28.0, feasible=True), NOW, END)
    assert "falls from 44% now (March 2024) to about 28% by March 2028" in nothing
    assert nothing.endswith("no extra households are needed.")


def test_an_external_residential_cap_is_in_children():
    words = target_headline(
        row(unit="children", now=41, without_plan=41, projected=35, target_value=30), NOW, END
    )
    assert words.startswith(
        "Without a plan the number of children in external residential care stays at about 41 "
        "children from now (March 2024) to March 2028. The plan brings it to about 35 children"
    )


def test_the_demo_headline_says_what_each_measure_of_the_share_does():
    """30% by March 2028 on the demo: the average of the futures' shares falls from 44% to 43%
    while the average counts in the chart give 44.9% (186 IFA of 415 foster placements), a rise.
    The headline says both, and why, beside the figures; with the plan 37% and 39%."""
    from sufficiency.exports import target_share_of_mean_counts
    from sufficiency.scenario import Scenario, fit_models, run

    result = run(
        Scenario(ifa_share_target_pct=30.0, ifa_share_target_date="2028-03"),
        models=fit_models(),
        random_state=0,
    )
    counted = target_share_of_mean_counts(result)
    assert counted["without_plan"] == pytest.approx(44.92, abs=0.01)
    assert counted["projected"] == pytest.approx(39.31, abs=0.01)
    (check,) = result.targets.to_dict(orient="records")
    words = target_headline(check, NOW, END, counted, result.summary["simulated_paths"])
    assert words == (
        "Without a plan the IFA share (the average of the 200 futures' shares) falls from 44% "
        "now (March 2024) to about 43% by March 2028; dividing the average counts in the chart "
        "it rises to 45%. The plan brings it to about 37% (39% from the average counts), the "
        "best realistic recruitment allows by then. 30% is not reached by March 2029, the end "
        "of the forecast. The two measures differ because futures with more children in foster "
        "care place more of them with IFAs; the target is checked on the average of the shares."
    )


def test_measures_within_a_point_are_not_both_given():
    close = {"without_plan": 48.6, "projected": 42.4}  # 0.4 and 0.2 points away
    assert target_headline(row(), NOW, END, close, 200) == target_headline(row(), NOW, END)
    assert not differs(44.37, 44.51)  # 44% and 45% rounded, but a seventh of a point apart
    assert differs(57.13, 57.86) and differs(43.0, 44.0)


def test_a_plan_with_the_same_rounded_share_as_without_gives_the_tenths():
    """March 2025 on the demo: 44.4% without a plan, 43.8% with it, both "44%": the headline
    gives the tenths, as the indicator beside it does, not "holds it at 44%" next to "-1 points"."""
    words = target_headline(row(now=43.87, without_plan=44.37, projected=43.79), NOW, END)
    assert (
        "The plan holds it at about 44% (43.8%, against 44.4% without a plan), the best "
        "realistic recruitment allows by then."
    ) in words


def test_households_gained_is_approved_less_those_who_leave():
    words = households_gained(34, 25.2, END)
    assert words == (
        "34 extra households approved; about 9 of them stop fostering by March 2029 (carers "
        "leave every year): about 25 more households than without a plan."
    )
    assert households_gained(0, 0.0, END) == "No extra households approved."
    # beside "+38 vs baseline" (a fifth fewer carers leaving on the demo): say where the rest is
    assert households_gained(34, 26.8, END, 37.5, "fewer carers leaving").endswith(
        "about 27 more households than without a plan. The +38 vs baseline beside it also counts "
        "the scenario's other changes (fewer carers leaving): about 11 more households."
    )
    # the same figure on both: nothing to add
    assert households_gained(34, 25.2, END, 25.4, "") == words


# --- Carer retention against the Scenario explorer (figures of the demo authority) -------------

EXPLORER = ExplorerHouseholds(
    end_month=END,
    without_plan=104.6,
    as_now_per_quarter=4.5,
    yearly_leaving_rate=0.1354,
    scenario_name="IFA share at most 30% by Mar 2028",
    with_plan=129.8,
    extra_approved=34.0,
)


def test_retention_with_nobody_approved_says_so_and_names_the_explorers_figures():
    words = retention_against_explorer(86.0, 40.8, END, 0.0, EXPLORER, 101.2)
    assert words.startswith("**What this projection assumes:** nobody new is approved")
    assert "the 86 households counted now fall to about 41 by March 2029" in words
    assert (
        "Without a plan it keeps approving 4.5 households a quarter, as many as the service "
        "approves now, so it has about 105 households by March 2029" in words
    )
    assert (
        "with the scenario on screen ('IFA share at most 30% by Mar 2028') it approves 34 extra "
        "households on top and has about 130." in words
    )
    assert "Set 1.5 a month above to see that recruitment here: about 101 by March 2029" in words
    assert "fewer than the explorer's 105" in words and "one yearly rate (13.5%)" in words


def test_retention_with_the_explorers_recruitment_compares_like_with_like():
    baseline_only = ExplorerHouseholds(END, 104.6, 4.5, 0.1354)
    words = retention_against_explorer(86.0, 104.9, END, 1.5, baseline_only, 104.9)
    assert "1.5 new mainstream households approved a month" in words
    assert "become about 105 by March 2029" in words
    assert "The Scenario explorer without a plan approves as many (4.5 households" in words
    assert "scenario on screen" not in words and "Set " not in words
    assert words.endswith("This page has about 105, about the same as the explorer's 105.")


def test_retention_over_another_horizon_says_which_horizon_compares():
    words = retention_against_explorer(
        86.0, 60.2, pd.Timestamp("2027-03-31"), 0.0, ExplorerHouseholds(END, 104.6, 4.5, 0.1354), 0
    )
    assert "about 60 by March 2027" in words
    assert words.endswith("Set the horizon to 60 months to compare the two by March 2029.")
