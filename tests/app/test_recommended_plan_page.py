"""AppTest: the recommended plan page on the synthetic demo authority.

One test: it fits (or loads) the demo's demand model, which takes seconds, then solves two plans.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from sufficiency.data.demo import DEMO_AUTHORITY_NAME
from sufficiency.scenario import Scenario

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "recommended_plan.py")


def metric(app: AppTest, label_start: str) -> str:
    return next(m.value for m in app.metric if m.label.startswith(label_start))


def money(text: str) -> float:
    """£ millions from a metric such as '£151.48m'."""
    return float(text.replace("£", "").replace("m", "").replace(",", ""))


def markdown_text(app: AppTest) -> str:
    return "\n".join(element.value for element in app.markdown)


def test_find_plan_explains_charts_downloads_and_responds_to_inputs():
    app = AppTest.from_file(PAGE, default_timeout=240)
    app.run()
    assert not app.exception, app.exception
    assert any("synthetic" in element.value.lower() for element in app.info)
    captions = " ".join(element.value for element in app.caption)
    assert "sufficiency strategy" in captions and "assumption" in captions
    assert not app.get("vega_lite_chart")  # nothing until the button is pressed

    app.button(key="find_plan").click().run()
    assert not app.exception, app.exception
    assert "The plan in plain words" in [h.value for h in app.subheader]
    text = markdown_text(app)
    assert "Recommended plan from" in text
    assert "Approve" in text and "households" in text
    assert f"projection for {DEMO_AUTHORITY_NAME}" in text
    assert len(app.get("vega_lite_chart")) == 2
    households = float(metric(app, "Households to approve").replace(",", ""))
    assert households >= 1
    labels = {button.label for button in app.get("download_button")}
    assert {
        "Households to approve (CSV)",
        "Placements by quarter (CSV)",
        "The plan (Excel)",
    } <= labels

    # a tight assessment team and a stricter target: the plan says it cannot meet it
    app.number_input(key="plan_capacity").set_value(1.0)
    app.number_input(key="plan_ifa_share").set_value(5.0)
    app.run()
    assert not app.exception, app.exception
    assert any("inputs have changed" in element.value for element in app.caption)
    app.button(key="find_plan").click().run()
    assert not app.exception, app.exception
    warning = " ".join(element.value for element in app.warning)
    assert "cannot all be met" in warning and "5%" in warning
    assert (
        float(metric(app, "Households to approve").replace(",", "")) <= 20
    )  # 20 quarters at most one a quarter

    # the scenario explorer's levers carry over: fewer entries, lower placement costs
    before = metric(app, "Total cost")
    app.session_state["scenario"] = Scenario(
        name="edge of care", entries_change_pct={"10-15": -50, "5-9": -50}, n_simulations=0
    )
    app.run()
    assert not app.exception, app.exception
    assert app.checkbox(key="plan_use_explorer").label.endswith("('edge of care')")
    app.button(key="find_plan").click().run()
    assert not app.exception, app.exception
    assert money(metric(app, "Total cost")) < money(before) - 1

    # a prudent plan uses the 80th percentile of simulated demand
    app.radio(key="plan_demand_level").set_value("prudent (80th percentile)")
    app.button(key="find_plan").click().run()
    assert not app.exception, app.exception
    assert "80% quantile of 200 simulated paths" in markdown_text(app)

    # enquiry records uploaded on the campaign funnel page are used for the channels
    from sufficiency.supply.demo_records import load_demo_funnel

    app.session_state["funnel_records"] = load_demo_funnel()
    app.button(key="find_plan").click().run()
    assert not app.exception, app.exception
    assert "from your enquiry and campaign spend records" in markdown_text(app)
