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

from sufficiency.scenario import Scenario, fit_models
from tests.app.answer_view import indicator, indicators, list_items, paragraphs, shown_values

REPO = Path(__file__).resolve().parents[2]
PLAN = "(plan)"


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
    return shown_values(app)


def plain_text(markdown: str) -> str:
    """Text as shown: Markdown escapes (app_pages.plain) and bold marks removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("**", "")


def texts(app: AppTest) -> str:
    return " ".join(e.value for e in [*app.markdown, *app.caption])


def test_the_home_page_shows_the_plans_conversion(app, figures):
    assert metrics(app)["Enquiries approved"] == figures.enquiry_to_approval.text


def test_the_campaign_funnel_opens_on_the_plans_rate_and_labels_other_selections(app, figures):
    """The funnel opens on the plan figures' window, so its rate and lead time are the plan's
    (6.1% in 287 days on the demo), not 5.5% in 272 days over all years; a wider selection is
    labelled a different measure with the plan's figures beside it."""
    visit(app, "app_pages/campaign_funnel.py")
    shown = metrics(app)
    assert shown[f"Enquiries approved {PLAN}"] == figures.enquiry_to_approval.text
    assert shown[f"Enquiry to approval {PLAN}"] == figures.days_enquiry_to_approval.text
    assert shown[f"Cost per enquiry {PLAN}"] == figures.cost_per_enquiry.text
    assert shown["Enquiry to approval"] == figures.enquiry_to_approval.text == "6.1%"
    rate = next(m for m in app.metric if m.label == "Enquiry to approval")
    assert rate.delta == f"in {figures.days_enquiry_to_approval.text}: plan figures"
    assert "the plan figures' own window" in texts(app)
    # the funnel chart's share approved so far is named as a different count, with the rate
    assert (
        "Approved so far: 4.0% of these enquiries, counting people still in progress as not "
        "approved" in texts(app)
    )
    # the national figure is the one the plan uses without records (about 4%), not a second one
    assert (
        "National benchmark (not these records): 4.0% of enquiries approved nationally, the "
        "figure used without your records" in texts(app)
    )
    # the two 4.0% are named apart (the user test read them as one)
    assert "The national benchmark above is also 4.0%: a different figure" in texts(app)
    # all years: a different measure from the plan's three-year window, and it says so
    app.select_slider[0].set_value(("2016-17", "2023-24"))
    app.run()
    assert not app.exception, app.exception
    shown = metrics(app)
    assert shown["Enquiry to approval"] != figures.enquiry_to_approval.text
    rate = next(m for m in app.metric if m.label == "Enquiry to approval")
    assert "plan figures" not in rate.delta
    assert "a different measure" in texts(app)
    app.select_slider[0].set_value(("2021-22", "2023-24"))  # back, for the tests after
    app.run()


def test_the_pipeline_starts_from_the_plans_conversion(app, figures):
    visit(app, "app_pages/pipeline.py")
    shown = metrics(app)
    assert shown[f"Enquiries approved {PLAN}"] == figures.enquiry_to_approval.text
    assert shown[f"Enquiry to approval {PLAN}"] == figures.days_enquiry_to_approval.text
    chance = next(n for n in app.number_input if n.label.startswith("Chance a new enquiry"))
    assert chance.value == pytest.approx(round(100 * figures.enquiry_to_approval.value, 1))
    # one national figure: the one the plan uses without records, not a second benchmark
    from sufficiency.authority import national_enquiry_to_approval

    national = national_enquiry_to_approval()
    assert f"the national figure, used without your records, is {national.text}" in texts(app)
    assert national.text == "4.0%" and "5.3%" not in texts(app)


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
        r"\*\*Without a plan: (\d+)% of foster placements\*\* \((\d+)% leaving out family and "
        r"friends carers\) by March 2029: the Scenario explorer's baseline",
        text,
    )
    assert demand and quoted, text
    assert "a different measure from the IFA share to quote" in text
    # the page names its own date and the explorer's, so different figures are not a surprise
    assert "This page shows March 2029, the end of the horizon chosen above" in text
    assert "the end of its forecast (March 2029)" in text
    assert any("without a plan" in e.label for e in app.expander)
    # both are each future's own share, averaged (the one measure); the mix is demand before
    # carers are counted, so the label says which to quote (they can round to the same figure)
    assert "each simulated future's own share, averaged, as on every page" in text
    shown = metrics(visit(app, "app_pages/scenarios.py"))
    assert shown["IFA share, Mar 2029 (end)"] == f"{quoted.group(1)}%"
    assert (
        shown["IFA share leaving out family and friends carers, Mar 2029"] == f"{quoted.group(2)}%"
    )


def test_with_a_target_every_share_names_its_date_and_agrees_across_pages(app):
    """30% by March 2028 (the user test): the Demand page's share without a plan at March 2028 is
    the explorer's "Without a plan, Mar 2028"; the headline says it in words with the dates;
    the households approved, leaving and gained add up to the explorer's own figures."""
    app.session_state["scenario"] = Scenario(
        ifa_share_target_pct=30.0, ifa_share_target_date="2028-03"
    )
    visit(app, "app_pages/demand.py")
    app.select_slider(key="demand_horizon").set_value(4)
    app.session_state["demand_quote_share_open"] = True
    app.run()
    assert not app.exception, app.exception
    text = texts(app)
    quoted = re.search(r"\*\*Without a plan: (\d+)% of foster placements\*\*", text)
    assert quoted, text
    assert "by March 2028" in text[quoted.start() :]
    assert "the Scenario explorer shows the target date (March 2028) and the end of" in text
    assert "Your scenario sets a target of 30%" in text

    visit(app, "app_pages/scenarios.py")
    shown = metrics(app)
    without = shown["Without a plan, Mar 2028"]
    assert without == f"{quoted.group(1)}%"
    now = shown["IFA share now (Mar 2024)"]
    with_plan = shown["With the plan, Mar 2028"]
    headline = next(p for p in paragraphs(app) if p.startswith("Target 30% by"))
    words = plain_text(headline)
    # with approvals carrying on as now the demo's share falls a little without a plan
    assert (
        "Without a plan the IFA share (the average of the 200 futures' shares) falls from "
        f"{now} now (March 2024) to about {without} by March 2028" in words
    )
    if shown["Can it be met?"] == "No":
        assert "cannot be met with realistic recruitment" in headline
        assert f"The plan holds it at about {with_plan}" in words or (
            f"The plan brings it to about {with_plan}" in words
        )
        assert "the best realistic recruitment allows by then" in words
        assert (
            "at the earliest" in words
            or "is not reached by March 2029, the end of the forecast" in words
        )
    # approvals, leavers and households gained: the model's figures, adding up
    approved = int(shown["Extra households to approve"].replace(",", ""))
    gained_text = next(p for p in paragraphs(app) if "extra households approved; about" in p)
    found = re.search(
        r"(\d+) extra households approved; about (\d+) of them stop fostering by March 2029 "
        r"\(carers leave every year\): about (\d+) more households than without a plan",
        gained_text,
    )
    assert found, gained_text
    assert int(found.group(1)) == approved
    assert abs(int(found.group(2)) + int(found.group(3)) - approved) <= 1
    delta = indicator(app, "Households, Mar 2029").delta
    assert delta == f"+{found.group(3)} vs baseline"
    # the plan in short: bullets, no long paragraph, no jargon
    bullets = list_items(app)
    assert bullets and all(len(line.split()) <= 60 for line in bullets)
    page = " ".join([texts(app), *paragraphs(app), *(i.label for i in indicators(app))])
    for jargon in ("non-kinship", "Non-kinship", "headroom", "household-years", "percentile"):
        assert jargon not in plain_text(page), jargon
