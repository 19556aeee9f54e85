"""AppTest: the recommended plan page on the synthetic demo authority."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.answer_view import indicator, shown_values

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "recommended_plan.py")


def metric(app: AppTest, label: str) -> str:
    return shown_values(app)[label]


def test_the_plan_shows_households_feasibility_costs_and_responds_to_limits():
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    assert any("synthetic" in element.value.lower() for element in app.info)
    assert any("Scenario:" in element.value for element in app.caption)
    households = int(metric(app, "Extra households to approve").replace(",", ""))
    assert households >= 1
    assert metric(app, "Can it be met?") in ("Yes", "No")
    assert "£" in metric(app, "Net present value")
    assert len(app.get("vega_lite_chart")) == 2
    # the share chart's lines read as the headline does: with the plan, without a plan
    specs = " ".join(
        str(chart.proto.spec) + str(chart.proto.datasets) for chart in app.get("vega_lite_chart")
    )
    assert "without a plan (no levers)" in specs and "with the plan" in specs
    assert "baseline (no levers)" not in specs
    labels = {button.label for button in app.get("download_button")}
    assert {"Households to approve (CSV)", "The plan (Excel)"} <= labels
    scenario = app.session_state["scenario"]
    assert scenario.ifa_share_target_pct == 30.0

    # more assessment capacity and reach can only allow as many or more households
    app.number_input(key="plan_reach").set_value(6.0).run()
    assert not app.exception, app.exception
    more = int(metric(app, "Extra households to approve").replace(",", ""))
    assert more >= households
    assert app.session_state["scenario"].channel_reach == 6.0


def test_the_plan_shows_its_busiest_quarter_against_approvals_now_and_the_target_date():
    """Not an average over the horizon: the busiest quarter of the table, approvals achieved
    now, when the enquiries must start, and the approvals after the target date set apart."""
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    app.number_input(key="plan_reach").set_value(20.0)
    app.number_input(key="plan_capacity").set_value(30.0)
    app.run()
    assert not app.exception, app.exception
    table = next(
        f.value
        for f in app.dataframe
        if "quarter" in f.value.columns and "Mainstream" not in f.value
    )
    by_quarter = table.drop(columns="quarter").sum(axis=1)
    peak = int(by_quarter.max())
    total = int(by_quarter.sum())
    assert metric(app, "Busiest quarter (households)") == str(peak)
    assert peak > total / len(by_quarter)  # the busiest quarter is not the average
    shown = indicator(app, "Extra households to approve")
    assert shown.delta == f"up to {peak} a quarter"
    assert metric(app, "Approved now (all, a quarter)") == "4.5"
    by_date = next(m for m in app.metric if m.label.startswith("Approved by "))
    before, after = by_date.value.split(" of ")
    assert int(after) == total
    quarters = table["quarter"].str.extract(r"\((\w{3})-\w{3} (\d{4})\)")
    starts = pd.to_datetime(quarters[0] + " " + quarters[1], format="%b %Y")
    date = pd.Timestamp(by_date.label.removeprefix("Approved by "))
    assert int(before) == int(by_quarter[starts <= date + pd.offsets.MonthEnd(0)].sum())
    if int(before) < total:
        assert by_date.delta == f"{total - int(before)} after the target date"
    # the timing as short points (bullets), not one long paragraph
    bullets = next(m.value for m in app.markdown if m.value.startswith("- The first extra"))
    text = bullets.replace("\\", "")
    assert "not needed to reach it" in text and "287 days" in text
    assert "busiest quarter for enquiries" in text and "a quarter received now" in text
    assert len(bullets.splitlines()) >= 3
    assert all(len(line.split()) <= 60 for line in bullets.splitlines())


def test_plan_costs_are_rounded_estimates_with_their_price_year():
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    costs = next(f.value for f in app.dataframe if "cost_gbp" in f.value.columns)
    assert (costs["cost_gbp"] % 1000 == 0).all()
    assert not costs["item"].str.contains("(price base)", regex=False).any()
    year = app.session_state["scenario"].price_base_year
    assert any(f"from the {year} price base" in c.value for c in app.caption)


def test_equal_quarters_and_the_channel_total_on_the_demo_plan():
    """The demo's plan approves 2 extra households in every quarter: the page says each quarter
    has 2 (not "Busiest quarter: 2"); the channel table ends with the plan's enquiries and
    spend."""
    from sufficiency.recommend import ALL_CHANNELS

    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    table = next(
        f.value
        for f in app.dataframe
        if "quarter" in f.value.columns and "Mainstream" not in f.value
    )
    by_quarter = table.drop(columns="quarter").sum(axis=1)
    assert by_quarter.nunique() == 1  # every quarter the same on the demo
    assert "Busiest quarter (households)" not in shown_values(app)
    each = next(m for m in app.metric if m.label == "Each quarter (households)")
    assert each.value == str(int(by_quarter.iloc[0])) == "2"
    assert each.delta == "Q4 2024-25 to Q4 2028-29"
    points = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in app.markdown))  # as shown
    assert f"All {len(table)} quarters with extra approvals, Q4 2024-25 (Jan-Mar 2025) to" in points
    assert "The busiest quarter is" not in points
    # the enquiries too: about 46 in each of the 17 quarters that need them, none busiest
    assert "All 17 quarters that need extra enquiries, Q1 2024-25 (Apr-Jun 2024) to" in points
    assert "busiest quarter for enquiries" not in points
    channels = next(f.value for f in app.dataframe if "channel" in f.value.columns)
    total = channels.iloc[-1]
    assert total["channel"] == ALL_CHANNELS
    assert total["enquiries"] == 782  # 781.6, rounded from the sum, not a sum of rounded
    assert abs(channels.iloc[:-1]["enquiries"].sum() - total["enquiries"]) <= len(channels) / 2
    enquiries = int(metric(app, "Extra enquiries a quarter").replace(",", ""))
    assert round(total["enquiries"] / len(table)) == enquiries  # 782 over 17 quarters: 46
    captions = " ".join(c.value for c in app.caption)
    assert f"All channels: the plan's 782 extra enquiries and £{total['spend']:,.0f}" in captions
    # ranked as the plan buys (a user found it alphabetical under "cheapest approvals first",
    # radio 2nd though the Campaign funnel's £/approval so far put it dearer than stadium
    # screen): £ per approval with people still in progress left out, lowest first
    ranked = channels.iloc[:-1]
    assert list(ranked["channel"]) == [
        "council website",
        "stadium screen",
        "radio",
        "social media",
    ]
    assert list(ranked["per_approval"]) == ["1,040", "4,131", "4,687", "5,378"]
    assert total["per_approval"] == "–"  # not "None"
    assert "the Campaign funnel's '£/approval (plan)' column" in captions


def test_the_target_label_sits_clear_of_the_lines():
    # the "target 30% by Mar 2028" label was struck through by the with-plan line levelling off
    # at the target: it goes above or below, whichever is further from the lines
    from app_pages.recommended_plan import LABEL_OFFSET, label_level

    months = pd.date_range("2024-03-31", periods=48, freq="ME")
    plan = pd.DataFrame({"month": months, "share": 30.0, "series": "with the plan"})
    above = plan.assign(share=36.0, series="without a plan (no levers)")
    assert label_level(pd.concat([plan, above]), 30) == 30 - LABEL_OFFSET
    below = plan.assign(share=24.0, series="without a plan (no levers)")
    assert label_level(pd.concat([plan, below]), 30) == 30 + LABEL_OFFSET
