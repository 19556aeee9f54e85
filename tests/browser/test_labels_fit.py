"""Metric labels and download buttons show their whole text on a laptop screen (1280 px).

A fresh-eyes user test found labels cut with an ellipsis at 1280 px: "Places per household (plan
figure)" on the Recruitment calculator and "Households and places projection (CSV)" on Carer
retention. Streamlit cuts a metric label or a button label with CSS (text-overflow: ellipsis),
so a cut label is one whose text is wider than its box. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}
PAGES = {
    "retention": "Downloads",
    "recruitment_calculator": "The answer",
    "pipeline": "Who is in the pipeline now",
    "campaign_funnel": "Downloads",
    "recommended_plan": "Downloads",
    "finance": "Downloads",
}

CUT_LABELS = """() => [...document.querySelectorAll(
        '[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"], '
        + '[data-testid="stDownloadButton"] button [data-testid="stMarkdownContainer"]')]
    .filter(label => label.offsetParent !== null)
    .map(label => ({text: label.textContent.trim(), scroll: label.scrollWidth,
                    visible: label.clientWidth}))"""


@pytest.mark.parametrize("path", list(PAGES))
def test_metric_and_download_labels_are_not_cut_at_1280_px(browser, explorer_url, path):
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(180_000)
    page = context.new_page()
    try:
        page.goto(f"{explorer_url}/{path}")
        page.get_by_text(PAGES[path], exact=True).first.wait_for()
        wait_for_app(page)
        page.wait_for_timeout(1_000)
        labels = page.evaluate(CUT_LABELS)
        screenshot(page, f"labels_fit_{path}")
        assert len(labels) >= 3, f"too few labels found on {path}: {labels}"
        cut = [label for label in labels if label["scroll"] > label["visible"] + 1]
        assert not cut, f"{path}: labels cut at 1280 px: {cut}"
    finally:
        context.close()
