"""AppTest through the router: the authority's figures read the same on every page.

Conversion, lead time, cost per enquiry, places per household and the leaving rate come from the
one model of the authority (:mod:`sufficiency.authority`); a page that measures one another way
(the Campaign funnel over the years selected, the Approvals pipeline's model) labels it as a
different measure and shows the figure the plan uses beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sufficiency.scenario import fit_models

REPO = Path(__file__).resolve().parents[2]
PLAN = "(plan figure)"


@pytest.fixture(scope="module")
def figures():
    return fit_models().figures


@pytest.fixture(scope="module")
def app():
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    return app


def visit(app: AppTest, page: str) -> AppTest:
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def texts(app: AppTest) -> str:
    return " ".join(e.value for e in [*app.markdown, *app.caption])


def test_the_home_page_shows_the_plans_conversion(app, figures):
    assert metrics(app)["Enquiries approved"] == figures.enquiry_to_approval.text


def test_the_campaign_funnel_labels_its_own_rate_and_shows_the_plans(app, figures):
    shown = metrics(visit(app, "app_pages/campaign_funnel.py"))
    assert "Enquiry to approval (selected)" in shown
    assert shown[f"Enquiries approved {PLAN}"] == figures.enquiry_to_approval.text
    assert shown[f"Enquiry to approval {PLAN}"] == figures.days_enquiry_to_approval.text
    assert shown[f"Cost per enquiry {PLAN}"] == figures.cost_per_enquiry.text
    # the all-years rate is a different measure from the plan's three-year window, and says so
    assert shown["Enquiry to approval (selected)"] != figures.enquiry_to_approval.text
    assert "a different measure" in texts(app)


def test_the_pipeline_starts_from_the_plans_conversion(app, figures):
    visit(app, "app_pages/pipeline.py")
    shown = metrics(app)
    assert shown[f"Enquiries approved {PLAN}"] == figures.enquiry_to_approval.text
    assert shown[f"Enquiry to approval {PLAN}"] == figures.days_enquiry_to_approval.text
    chance = next(n for n in app.number_input if n.label.startswith("Chance a new enquiry"))
    assert chance.value == pytest.approx(round(100 * figures.enquiry_to_approval.value, 1))


def test_the_recruitment_calculator_plans_with_the_same_figures(app, figures):
    visit(app, "app_pages/recruitment_calculator.py")
    shown = metrics(app)
    for name, label in (
        ("enquiry_to_approval", "Enquiries approved"),
        ("days_enquiry_to_approval", "Enquiry to approval"),
        ("cost_per_enquiry", "Cost per enquiry"),
        ("places_per_household", "Places per household"),
    ):
        assert shown[f"{label} {PLAN}"] == getattr(figures, name).text, name
    inputs = {n.label: n.value for n in app.number_input}
    stages = inputs["Enquiry → application (%)"] * inputs["Application → approval (%)"] / 1e4
    assert stages == pytest.approx(figures.enquiry_to_approval.value, rel=0.02)
    assert figures.places_per_household.text in texts(app)


def test_the_retention_page_shows_the_plans_leaving_rate(app, figures):
    shown = metrics(visit(app, "app_pages/retention.py"))
    assert shown["Households leaving a year"] == figures.annual_leaving_rate.text


def test_the_budget_costs_a_household_at_the_plans_places(app, figures):
    visit(app, "app_pages/finance.py")
    assert f"fostering {figures.places_per_household.text}" in texts(app)


def test_the_explorer_lists_the_same_figures(app, figures):
    app.session_state["authority_figures_open"] = True  # drawn when opened, as a click would
    visit(app, "app_pages/scenarios.py")
    # a static table (its long sources wrap), rows labelled by the figure
    table = next(t.value for t in app.table if "Source" in t.value.columns)
    shown = dict(zip(table.index, table["Value"], strict=True))
    assert shown["Enquiries approved"] == figures.enquiry_to_approval.text
    assert shown["Time from enquiry to approval"] == figures.days_enquiry_to_approval.text
    assert shown["Marketing cost per enquiry"] == figures.cost_per_enquiry.text
    assert shown["Approved places per household"] == figures.places_per_household.text
    assert shown["In-house households leaving a year"] == figures.annual_leaving_rate.text


def test_the_demand_pages_ifa_share_is_labelled_and_quotes_the_explorers(app):
    """The Demand page's mix (demand before carers are counted) says it is a different measure,
    and the share it tells users to quote is the explorer's, figure for figure."""
    visit(app, "app_pages/demand.py")
    app.select_slider(key="demand_horizon").set_value(5)
    app.session_state["demand_quote_share_open"] = True  # as a click on the expander would
    app.run()
    assert not app.exception, app.exception
    text = texts(app)
    demand = re.search(r"IFA share in this mix, March 2029: (\d+)% of foster placements", text)
    quoted = re.search(
        r"(\d+)% of foster placements\*\* \((\d+)% of non-kinship fostering\) by March 2029: "
        r"the Scenario explorer's baseline",
        text,
    )
    assert demand and quoted, text
    assert "a different measure from the IFA share to quote" in text
    # on the demo in-house places run short, so the two measures differ: the label matters
    assert demand.group(1) != quoted.group(1)
    shown = metrics(visit(app, "app_pages/scenarios.py"))
    assert shown["IFA share at the end"] == f"{quoted.group(1)}%"
    assert shown["Non-kinship IFA share at the end"] == f"{quoted.group(2)}%"
