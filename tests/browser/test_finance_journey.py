"""Browser journey for finance staff: edit a weekly unit cost in the grid, see the budget and the
invest-to-save sentence change, download the costs CSV and the workbook."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.downloads import csv_rows

pytestmark = pytest.mark.browser

NEW_IFA_COST = 2000  # £ per child per week
ROW_HEIGHT = 35  # px: Streamlit's data grid rows and header


def costs_by_category(page) -> dict[tuple[str, str], float]:
    """Download the costs CSV; {(financial year, category): mean cost in £}."""
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download costs by financial year (CSV)").click()
    rows = csv_rows(download_info.value.path())  # headers carry units: cost_mean (£, ...)
    costs: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        costs[row["financial_year"], row["placement_category"]] += float(row["cost_mean"])
    return costs


def edit_unit_cost(page, category: str, value: int) -> float:
    """Type a new weekly cost into the unit-cost grid; return the cost shown before."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    # the grid draws on a canvas; its hidden accessible table says which row holds the category
    label = grid.locator("td[role=gridcell]").filter(has_text=re.compile(f"^{category}$"))
    row = int(label.first.get_attribute("id").rsplit("-", 1)[1])
    before = float(grid.locator(f"#glide-cell-1-{row}").text_content().replace(",", ""))
    editor = page.locator("input.gdg-input")
    for _ in range(3):  # the grid sometimes ignores the first click while it settles
        grid.click(position={"x": 30, "y": ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2})
        page.wait_for_timeout(300)
        page.keyboard.press("ArrowRight")  # to the editable £ per week column
        page.wait_for_timeout(300)
        page.keyboard.press("Enter")  # open the cell editor
        try:
            editor.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    editor.fill(str(value))
    editor.press("Enter")
    return before


def test_unit_cost_edit_changes_budget_and_downloads(page, explorer_url):
    page.goto(f"{explorer_url}/finance")
    page.get_by_role("button", name="Download costs by financial year (CSV)").wait_for(
        timeout=180_000
    )
    wait_for_app(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()
    sentence = page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text="One more in-house carer household"
    )
    sentence_before = sentence.inner_text()
    screenshot(page, "finance_01_default")
    costs_before = costs_by_category(page)

    old_cost = edit_unit_cost(page, "IFA fostering", NEW_IFA_COST)
    assert 300 < old_cost < 1800, old_cost
    page.wait_for_function(
        "([el, before]) => el.innerText !== before",
        arg=[sentence.element_handle(), sentence_before],
        timeout=60_000,
    )
    wait_for_app(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
    screenshot(page, "finance_02_ifa_cost_edited")

    def saving(text: str) -> float:
        return float(re.search(r"saves about £([\d,]+)", text).group(1).replace(",", ""))

    # a dearer IFA placement makes each in-house household save more
    assert saving(sentence.inner_text()) > saving(sentence_before) + 10_000

    costs_after = costs_by_category(page)
    assert costs_after.keys() == costs_before.keys()
    ratio = NEW_IFA_COST / old_cost
    for (year, category), before in costs_before.items():
        after = costs_after[year, category]
        if category == "IFA fostering" and before > 0:
            # the same placements (same seed) at the new weekly price
            assert after == pytest.approx(before * ratio, rel=0.02), year
        elif category in ("external residential", "kinship fostering"):
            assert after == pytest.approx(before, rel=0.005), (year, category)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the finance workbook (Excel)").click()
    content = Path(download_info.value.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert {"Assumptions", "Costs by financial year", "Budget and savings"} <= set(book.sheetnames)
    # the edited unit cost is recorded among the assumptions
    assumptions = " ".join(
        str(cell) for row in book["Assumptions"].iter_rows(values_only=True) for cell in row
    )
    assert str(NEW_IFA_COST) in assumptions.replace(",", "")
    book.close()
