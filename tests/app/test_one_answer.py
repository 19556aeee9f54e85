"""AppTest through the router: one number everywhere, whichever page opens first.

Every page reads the one model of the authority and the one canonical scenario, run on the same
simulated paths with the same seed, so the explorer, the Placement budget and the Recommended plan
show the same headline whatever the order they are opened in.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages.plain import plain
from tests.app.answer_view import indicator, list_items, paragraphs, shown_values

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
EXPLORER = "app_pages/scenarios.py"
BUDGET = "app_pages/finance.py"
PLAN = "app_pages/recommended_plan.py"


def open_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    return app


def visit(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return shown_values(app)[label]


def budget_total(app: AppTest) -> float:
    table = next(f.value for f in app.dataframe if "cost_p90" in f.value.columns)
    return float(table["cost_mean"].sum())


def pounds_m(text: str) -> float:
    return float(text.replace("£", "").replace("m", "").replace(",", ""))


def test_the_same_headline_whichever_page_opens_first():
    explorer_first = open_app()
    cost_a = metric(visit(explorer_first, EXPLORER), "Total cost (cash)")
    budget_a = budget_total(visit(explorer_first, BUDGET))

    st.cache_data.clear()
    st.cache_resource.clear()
    budget_first = open_app()
    budget_b = budget_total(visit(budget_first, BUDGET))
    cost_b = metric(visit(budget_first, EXPLORER), "Total cost (cash)")

    assert cost_a == cost_b
    assert abs(budget_a - budget_b) < 1.0
    # the explorer's headline is the budget's total, to the £0.1m shown
    assert abs(pounds_m(cost_a) - budget_a / 1e6) <= 0.05


def test_the_plan_page_and_the_explorer_give_the_same_answer():
    app = open_app()
    visit(app, PLAN)  # the plan page sets the target on the one scenario (30% by default)
    households = metric(app, "Extra households to approve")
    feasible = metric(app, "Can it be met?")
    cost = metric(app, "Total cost (cash)")
    scenario = app.session_state["scenario"]
    assert scenario.ifa_share_target_pct == 30.0
    assert any(
        "Without a plan the model keeps approving 4.5 households a quarter, as many as now, more "
        "than the 3.1 that replace the carers who leave" in p
        for p in paragraphs(app)
    )
    verdict = [p for p in paragraphs(app) if p.startswith("Target 30% by")]
    # the plan page names the scenario after the target it has just set, never "baseline"
    assert any(plain(scenario.name) in c.value for c in app.caption)
    assert not any("Scenario: **baseline**" in c.value for c in app.caption)
    # the demo plan approves the same 2 extra households in every quarter (Recommended plan)
    assert {m.label: m.value for m in app.metric}.get("Each quarter (households)") == "2"
    visit(app, EXPLORER)
    assert metric(app, "Extra households to approve") == households
    # ... so the explorer says so, not "up to 2 a quarter" (which suggests some quarters need less)
    assert indicator(app, "Extra households to approve").delta == "2 each quarter"
    assert any("come on top (6.5 a quarter in all)" in p for p in paragraphs(app))
    # and the plan in short likewise (it said "up to 2 a quarter")
    (when,) = [item for item in list_items(app) if item.startswith("When: ")]
    assert ", 2 each quarter (approved now: 4.5 a quarter" in when, when
    assert metric(app, "Can it be met?") == feasible
    assert metric(app, "Total cost (cash)") == cost
    # one feasibility logic, one wording: an infeasible target names the best level and when
    assert [p for p in paragraphs(app) if p.startswith("Target 30% by")] == verdict
    if feasible == "No":
        (text,) = verdict
        assert "cannot be met with realistic recruitment" in text
        assert "by March 2028" in text
        assert "at the earliest" in text or ", the end of the forecast" in text
    visit(app, BUDGET)
    assert abs(budget_total(app) / 1e6 - pounds_m(cost)) <= 0.05
    # a plan is never shown under the name "baseline": the scenario says what it is
    name = app.session_state["scenario"].name
    assert name.startswith("IFA share at most 30% by Mar 2028")
    assert any(plain(name) in c.value for c in app.caption)
    assert not any("Scenario: **baseline**" in c.value for c in app.caption)
