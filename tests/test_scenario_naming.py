"""A scenario nobody named says what it is once levers or targets are set."""

from sufficiency.scenario import Scenario
from sufficiency.scenario.naming import describe, renamed


def test_the_default_scenario_is_the_baseline():
    assert describe(Scenario()) == "baseline"
    # prices, horizon and paths are kept by the baseline too: still the baseline
    assert describe(Scenario(horizon_months=36, n_simulations=50)) == "baseline"


def test_targets_then_levers_are_named():
    scenario = Scenario(
        ifa_share_target_pct=30.0,
        ifa_share_target_date="2028-03",
        step_downs_per_year=12.0,
        approvals_per_quarter={"mainstream": 2.0},
    )
    assert describe(scenario) == "IFA share at most 30% by Mar 2028 + step-downs + extra approvals"


def test_renamed_follows_the_levers_but_keeps_a_typed_name():
    start = Scenario()
    with_target = renamed(
        start, start.replace(ifa_share_target_pct=25.0, ifa_share_target_date="2027-03")
    )
    assert with_target.name == "IFA share at most 25% by Mar 2027"
    # the automatic name follows a later change, and goes back to baseline when undone
    more = renamed(with_target, with_target.replace(step_downs_per_year=6.0))
    assert more.name == "IFA share at most 25% by Mar 2027 + step-downs"
    back = renamed(more, Scenario(name=more.name))
    assert back.name == "baseline"
    # a name the user typed is never replaced
    typed = Scenario(name="Board option A")
    assert renamed(typed, typed.replace(step_downs_per_year=6.0)).name == "Board option A"
