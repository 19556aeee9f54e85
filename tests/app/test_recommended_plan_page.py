"""AppTest: the recommended plan page on the synthetic demo authority."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "recommended_plan.py")


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


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
