"""Every table fits its place on a laptop screen (1280 px): no column hidden off to the right.

A user at 1280 px could not see the last columns of the budget, unit-cost and approvals tables
(issue 10, presentation defects). Streamlit's data grid scrolls sideways when its columns are
wider than the grid; this test opens each page (and its expanders) and compares each grid's
scroll width with its visible width. Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest

from sufficiency.scenario import Scenario
from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}
TARGET = Scenario(name="table check", ifa_share_target_pct=30, ifa_share_target_date="2027-03")
PAGES = {
    "finance": "Budget by financial year",
    "pipeline": "Who is in the pipeline now",
    "retention": "Leaving rates by year",
    "recruitment_calculator": "The answer",
    "campaign_funnel": "Downloads",
    f"scenarios?{TARGET.to_query_string()}": "Approvals the targets need, by quarter",
}
TABS = {"campaign_funnel": ["By channel", "By campaign", "Drop-out and time in stage"]}

GRID_WIDTHS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(grid => grid.offsetParent !== null)
    .map(grid => {
        const scroller = grid.querySelector('.dvn-scroller');
        const headers = [...grid.querySelectorAll('th[role=columnheader]')]
            .map(th => th.textContent.trim());
        return {scroll: scroller.scrollWidth, visible: scroller.clientWidth, headers};
    })"""


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.split("?")[0])
def test_every_table_fits_at_1280_px(browser, explorer_url, path):
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(180_000)
    page = context.new_page()
    try:
        page.goto(f"{explorer_url}/{path}")
        page.get_by_text(PAGES[path], exact=True).first.wait_for()
        wait_for_app(page)
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
        wait_for_app(page)
        page.wait_for_timeout(1_000)  # the grid sizes its columns after it is drawn
        grids = page.evaluate(GRID_WIDTHS)
        name = path.split("?")[0]
        screenshot(page, f"tables_fit_{name}")
        for tab in TABS.get(name, []):  # only the open tab's tables are drawn
            page.get_by_role("tab", name=tab, exact=True).click()
            wait_for_app(page)
            page.wait_for_timeout(1_000)
            grids += page.evaluate(GRID_WIDTHS)
            screenshot(page, f"tables_fit_{name}_{tab.split()[-1]}")
        assert grids, f"no table drawn on {path}"
        too_wide = [g for g in grids if g["scroll"] > g["visible"] + 1]
        assert not too_wide, f"{path}: tables wider than their place at 1280 px: {too_wide}"
    finally:
        context.close()
