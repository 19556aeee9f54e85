"""Browser journeys for commissioners: Scenario explorer levers, library, share link, downloads,
and the Demand forecast page's fan chart and CSV."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

import openpyxl
import pytest

from sufficiency.store import ScenarioStore
from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.downloads import csv_rows

pytestmark = pytest.mark.browser

# Saved scenarios go to a throwaway library, never the user's ~/.sufficiency/scenarios.db. Set at
# import (collection), before the session's explorer is started, so the app inherits it.
os.environ.setdefault(
    "SUFFICIENCY_SCENARIO_DB",
    str(Path(tempfile.mkdtemp(prefix="sufficiency-browser-")) / "scenarios.db"),
)

STEP_DOWNS = "Step-downs from external residential (children a year)"
ENTRIES_TAB = "Entries and step-downs"
ENTRIES_10_15 = "Age 10-15 (% change)"
TOTAL_COST = "Total cost (cash)"
WORKBOOK_SHEETS = {
    "Assumptions",
    "Placements by month",
    "Carers and recruitment",
    "Carers needed",
    "Costs by financial year",
    "Budget and savings",
    "Invest to save",
}


def open_scenarios(page, url: str, tab: str | None = ENTRIES_TAB) -> None:
    page.goto(url)
    # the first visit may fit the demand model; the metrics appear once a scenario has run
    page.get_by_text(TOTAL_COST, exact=True).wait_for(timeout=180_000)
    wait_for_app(page)
    if tab:
        open_tab(page, tab)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    wait_for_app(page)


# The answer's indicators (app_pages/answer.py: one HTML block, not st.metric elements).
INDICATOR = '[data-testid="answerIndicator"]'
INDICATOR_VALUE = '[data-testid="answerIndicatorValue"]'


def metric_value(page, label: str) -> str:
    """The value shown under an indicator's label (e.g. '£250.6m')."""
    metric = page.locator(INDICATOR).filter(has_text=label)
    return metric.locator(INDICATOR_VALUE).inner_text().strip()


def slider_value(page, label: str) -> str:
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label)
    return slider.locator('[data-testid="stSliderThumbValue"]').inner_text().strip()


def set_slider_to_end(page, label: str, key: str) -> None:
    """Move a slider to its maximum ('End') or minimum ('Home') with the keyboard."""
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label)
    slider.get_by_role("slider").focus()
    page.keyboard.press(key)


def wait_for_metric_change(page, label: str, before: str) -> str:
    """Wait until Streamlit has rerun and the indicator shows a new value; return it.

    The answer is one HTML element redrawn whole, so the indicator is found afresh each time
    (a handle on the old one would never change)."""
    page.wait_for_function(
        """([indicators, values, label, before]) => {
            const shown = [...document.querySelectorAll(indicators)]
                .find(e => e.textContent.includes(label));
            const value = shown && shown.querySelector(values);
            return value && value.textContent.trim() !== before;
        }""",
        arg=[INDICATOR, INDICATOR_VALUE, label, before],
        timeout=60_000,
    )
    wait_for_app(page)
    return metric_value(page, label)


def pick_option(page, widget, option: str) -> None:
    """Choose an option of a selectbox or multiselect (open it, then click the option)."""
    widget.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_lever_change_updates_numbers_and_share_link_restores_levers(page, explorer_url):
    open_scenarios(page, f"{explorer_url}/scenarios")
    screenshot(page, "scenario_01_default")
    cost_before = metric_value(page, TOTAL_COST)
    assert re.fullmatch(r"£[\d,]+\.\dm", cost_before), cost_before
    assert slider_value(page, STEP_DOWNS) == "0"

    set_slider_to_end(page, STEP_DOWNS, "End")
    cost_after = wait_for_metric_change(page, TOTAL_COST, cost_before)
    assert slider_value(page, STEP_DOWNS) == "60"
    # sixty fewer external residential placements a year must cost less than the baseline
    assert float(cost_after[1:-1].replace(",", "")) < float(cost_before[1:-1].replace(",", ""))
    saving = metric_value(page, "Placement saving")
    assert float(saving[1:-1].replace(",", "")) > 1.0, saving

    set_slider_to_end(page, ENTRIES_10_15, "Home")
    cost_fewer_entries = wait_for_metric_change(page, TOTAL_COST, cost_after)
    assert slider_value(page, ENTRIES_10_15) == "-50"
    screenshot(page, "scenario_02_levers_changed")

    page.get_by_role("tab", name="Share a link", exact=True).click()
    code = page.locator('[data-testid="stCode"]').filter(has_text="?v=")
    code.wait_for()
    link = code.inner_text().strip()
    # the whole link, ready to send: this page's address and the levers
    assert link.startswith(f"{explorer_url}/scenarios?v="), link
    screenshot(page, "scenario_03_share_link")

    shared = page.context.new_page()
    open_scenarios(shared, link)
    screenshot(shared, "scenario_04_opened_from_link")
    assert slider_value(shared, STEP_DOWNS) == "60"
    assert slider_value(shared, ENTRIES_10_15) == "-50"
    assert slider_value(shared, "Age under 1 (% change)") == "0"
    assert metric_value(shared, TOTAL_COST) == cost_fewer_entries
    shared.close()


def test_set_a_30_percent_target_see_the_plan_feasibility_and_cost_then_share_it(
    page, explorer_url
):
    """The commissioner's question on one screen: households, feasibility and cost, then a link
    that reopens the same answer."""
    open_scenarios(page, f"{explorer_url}/scenarios", tab="Targets")
    assert metric_value(page, "Targets") == "none set"
    before = metric_value(page, "Extra households to approve")
    assert before == "0"
    page.locator('[data-testid="stCheckbox"]').filter(has_text="IFA share target").locator(
        "label"
    ).click()
    households = wait_for_metric_change(page, "Extra households to approve", before)
    assert int(households.replace(",", "")) > 0
    feasible = metric_value(page, "Can it be met?")
    assert feasible in ("Yes", "No")
    share_now = metric_value(page, "IFA share now")
    assert share_now.endswith("%")
    cost = metric_value(page, TOTAL_COST)
    npv = metric_value(page, "Net present value")
    assert cost.startswith("£") and "£" in npv
    page.locator(INDICATOR).first.scroll_into_view_if_needed()
    screenshot(page, "scenario_08_target_answer")

    open_tab(page, "Share a link")
    code = page.locator('[data-testid="stCode"]').filter(has_text="?v=")
    code.wait_for()
    link = code.inner_text().strip()
    assert "ifa=30" in link, link

    shared = page.context.new_page()
    open_scenarios(shared, link, tab=None)
    assert metric_value(shared, "Extra households to approve") == households
    assert metric_value(shared, "Can it be met?") == feasible
    assert metric_value(shared, TOTAL_COST) == cost
    assert metric_value(shared, "Net present value") == npv
    screenshot(shared, "scenario_09_target_from_link")
    shared.close()


def test_save_load_compare_and_download_workbook(page, explorer_url):
    name = f"browser step-downs {uuid.uuid4().hex[:6]}"
    open_scenarios(page, f"{explorer_url}/scenarios")
    baseline_cost = metric_value(page, TOTAL_COST)
    set_slider_to_end(page, STEP_DOWNS, "End")
    saved_cost = wait_for_metric_change(page, TOTAL_COST, baseline_cost)

    form = page.locator('[data-testid="stForm"]')
    form.get_by_label("Scenario name", exact=True).fill(name)
    form.get_by_label("Your name", exact=True).fill("browser test")
    form.get_by_label("Note (why this scenario)", exact=True).fill("sixty step-downs a year")
    form.get_by_role("button", name="Save scenario").click()
    page.get_by_text(f"Saved '{name}'.", exact=True).wait_for()
    wait_for_app(page)
    screenshot(page, "scenario_05_saved")
    # the app and this test share the library (SUFFICIENCY_SCENARIO_DB)
    stored = ScenarioStore().load(name)
    assert stored.step_downs_per_year == 60

    # a new visit starts from the defaults; the library still has the saved scenario
    page.reload()
    open_scenarios(page, page.url)
    assert slider_value(page, STEP_DOWNS) == "0"
    assert metric_value(page, TOTAL_COST) == baseline_cost

    page.get_by_role("tab", name="Compare", exact=True).click()
    compare = page.locator('[data-testid="stMultiSelect"]').filter(
        has_text="Saved scenarios to compare"
    )
    pick_option(page, compare, name)
    page.keyboard.press("Escape")
    download = page.get_by_role("button", name="Download the comparison (CSV)")
    download.wait_for(timeout=120_000)
    wait_for_app(page)
    screenshot(page, "scenario_06_compare")
    with page.expect_download() as download_info:
        download.click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows and "financial_year" in rows[0]
    assert any(name in column for column in rows[0]), list(rows[0])

    page.get_by_role("tab", name="Open, rename or delete", exact=True).click()
    choice = page.locator('[data-testid="stSelectbox"]').filter(has_text="Saved scenario")
    if name not in choice.inner_text():
        choice.click()  # options read "name (saved by ..., when)"
        page.get_by_role("option", name=re.compile(re.escape(name))).click()
        wait_for_app(page)
    page.locator('[data-testid="stButton"]').get_by_role("button", name="Open", exact=True).click()
    open_tab(page, ENTRIES_TAB)
    page.wait_for_function(
        "(label) => [...document.querySelectorAll('[data-testid=\"stSlider\"]')]"
        ".some(s => s.innerText.includes(label)"
        " && s.querySelector('[data-testid=\"stSliderThumbValue\"]').innerText.trim() === '60')",
        arg=STEP_DOWNS,
    )
    wait_for_app(page)
    assert metric_value(page, TOTAL_COST) == saved_cost
    page.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
    screenshot(page, "scenario_07_loaded")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the workbook (Excel)").click()
    assert download_info.value.suggested_filename.startswith("scenario_browser_step-downs")
    content = Path(download_info.value.path()).read_bytes()
    assert content[:2] == b"PK"  # an xlsx is a zip file
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert WORKBOOK_SHEETS <= set(book.sheetnames), book.sheetnames
    assumptions = [row for row in book["Assumptions"].iter_rows(values_only=True) if any(row)]
    assert name in str(assumptions[0][0])
    assert any("step" in str(row).lower() and "60" in str(row) for row in assumptions)
    book.close()

    # leave the library as we found it (deleting asks first)
    page.get_by_role("tab", name="Open, rename or delete", exact=True).click()
    page.locator('[data-testid="stButton"]').get_by_role(
        "button", name="Delete", exact=True
    ).click()
    confirm = page.get_by_role("button", name="Yes, delete it", exact=True)
    confirm.wait_for()
    screenshot(page, "scenario_08_confirm_delete")
    confirm.click()
    wait_for_app(page)
    deadline = time.monotonic() + 30
    while name in [saved.name for saved in ScenarioStore().list()]:
        assert time.monotonic() < deadline, f"'{name}' was not deleted from the library"
        page.wait_for_timeout(250)


def test_demand_forecast_fan_chart_and_csv(page, explorer_url):
    page.goto(f"{explorer_url}/demand")
    download = page.get_by_role("button", name="Download the forecast (CSV)")
    download.wait_for(timeout=180_000)
    wait_for_app(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() >= 1
    page.wait_for_selector(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    )
    page.get_by_text("All children looked after").first.wait_for()
    headline = page.locator('[data-testid="stMetric"]').filter(has_text="(forecast)")
    assert "children" in headline.inner_text()
    charts.first.scroll_into_view_if_needed()  # the main area scrolls, not the page
    screenshot(page, "demand_fan_chart")
    with page.expect_download() as download_info:
        download.click()
    assert download_info.value.suggested_filename == "demand_forecast_36_months.csv"
    rows = csv_rows(download_info.value.path())  # p50 (children): units in headers
    expected = {
        "date",
        "age_band",
        "placement_category",
        "mean",
        "p2_5",
        "p10",
        "p50",
        "p90",
        "p97_5",
    }
    assert expected <= set(rows[0]), list(rows[0])
    totals = [r for r in rows if r["age_band"] == "all" and r["placement_category"] == "all"]
    assert len(totals) == 36
    for row in totals:
        assert float(row["p2_5"]) <= float(row["p50"]) <= float(row["p97_5"])
        assert 100 < float(row["p50"]) < 2000
