"""The answer in a commissioner's words: each figure with its date, approvals against households
gained (sufficiency.plan.wording)."""

from __future__ import annotations

import pandas as pd

from sufficiency.plan.wording import households_gained, target_headline

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


def test_households_gained_is_approved_less_those_who_leave():
    words = households_gained(34, 25.2, END)
    assert words == (
        "34 extra households approved; about 9 of them stop fostering by March 2029 (carers "
        "leave every year): about 25 more households than without a plan."
    )
    assert households_gained(0, 0.0, END) == "No extra households approved."
