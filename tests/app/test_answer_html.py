"""The answer's indicators (app_pages/answer.py) read as st.metric did, and show text as typed."""

from __future__ import annotations

from app_pages.answer import Indicator, Slot, row_html
from tests.app.answer_view import _Reader


def read(markup: str) -> _Reader:
    reader = _Reader()
    reader.feed(markup)
    return reader


def test_an_indicator_shows_label_value_change_and_source():
    slot = Slot()
    slot.metric(
        "Total cost (cash)",
        "£218.4m",
        "+£1.2m vs baseline",
        delta_color="inverse",
        help="Placements, with inflation.",
    )
    (shown,) = read(row_html([slot, Slot(), Slot()])).indicators
    assert (shown.label, shown.value, shown.delta) == (
        "Total cost (cash)",
        "£218.4m",
        "+£1.2m vs baseline",
    )
    assert shown.help == "Placements, with inflation."
    markup = slot.indicator.html()
    # a rise in cost is bad (inverse), with an up arrow; empty slots keep their column
    assert "sf-bad" in markup and "↑ +£1.2m" in markup
    assert row_html([slot, Slot(), Slot()]).count("<div></div>") == 2


def test_context_changes_have_no_arrow_and_no_colour():
    markup = Indicator(
        "Extra households to approve", "34", "up to 2 a quarter", "off", "off"
    ).html()
    assert "sf-off" in markup and "↑" not in markup and "↓" not in markup
    falling = Indicator(
        "With the plan, Mar 2028", "42%", "-6 points vs without a plan", "inverse"
    ).html()
    assert "sf-good" in falling and "↓ -6 points" in falling


def test_text_from_users_and_files_is_escaped():
    hostile = '<img src=x onerror="alert(1)"> & [link](https://example.org)'
    markup = Indicator(hostile, hostile, hostile, help=hostile).html()
    assert "<img" not in markup and "&lt;img" in markup
    (shown,) = read(markup).indicators
    assert shown.label == shown.value == shown.delta == shown.help == hostile


def test_two_targets_one_without_an_earliest_month_is_answered_not_a_traceback():
    """Both targets set, the IFA share one out of reach: its earliest month is NaN in the table
    (the other target has one), which must read as 'not by <end of forecast>'."""
    from types import SimpleNamespace

    import pandas as pd

    from app_pages.answer import answer_html
    from sufficiency.scenario import Scenario, fit_models, run

    models = fit_models()
    scenario = Scenario(
        ifa_share_target_pct=30.0,
        ifa_share_target_date="2028-03",
        external_residential_target=20.0,
        external_residential_target_date="2029-03",
    )
    result = run(scenario, models=models, random_state=20240331)
    targets = result.targets
    assert targets["earliest_month"].isna().any() and targets["earliest_month"].notna().any()
    baseline = SimpleNamespace(summary=result.summary)  # the answer reads only its summary
    markup = answer_html(result, baseline)
    end = f"{pd.Timestamp(result.placements['month'].max()):%b %Y}"
    shown = {i.label: i for i in read(markup).indicators}
    assert shown["Can it be met?"].value == "No"
    assert shown["Can it be met?"].delta == f"not by {end}"


def test_approvals_without_a_plan_are_compared_both_ways_with_replacing_leavers():
    from app_pages.answer import compared

    assert compared(4.5, 3.1) == "more than"  # the demo: approving more than leave
    assert compared(2.0, 3.1) == "fewer than"  # a shrinking service's own records
    assert compared(3.1, 3.12) == "the same as"  # without records: replacement only
