"""Browser journeys for fostering managers: the campaign funnel (demo chart, upload and validation
report, downloads) and the recruitment calculator (target -> answer text -> CSV)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.downloads import csv_rows

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "supply"


def test_campaign_funnel_chart_upload_report_and_download(page, explorer_url):
    page.goto(f"{explorer_url}/campaign_funnel")
    page.get_by_text("Downloads", exact=True).wait_for(timeout=180_000)
    wait_for_app(page)
    page.get_by_text("Synthetic demo authority").first.wait_for()
    funnel_tab = page.get_by_role("tabpanel", name="Funnel")
    funnel_chart = funnel_tab.locator('[data-testid="stVegaLiteChart"]')
    funnel_chart.first.wait_for()
    # vega-embed has drawn the funnel bars with the stage axis title
    funnel_chart.first.locator("canvas, svg").first.wait_for()
    enquiries = page.locator('[data-testid="stMetric"]').filter(has_text="Enquiries").first
    demo_enquiries = int(
        enquiries.locator('[data-testid="stMetricValue"]').inner_text().replace(",", "")
    )
    assert demo_enquiries > 100
    funnel_chart.first.scroll_into_view_if_needed()  # the main area scrolls, not the page
    screenshot(page, "funnel_01_demo")

    page.get_by_text("Use your own enquiry and campaign spend records").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(EXAMPLES / "enquiries.csv"), str(EXAMPLES / "campaign_spend.csv")]
    )
    rows_read = page.locator('[data-testid="stMetric"]').filter(has_text="Rows read")
    rows_read.wait_for(timeout=120_000)
    wait_for_app(page)
    expected_rows = sum(
        len(list(csv.DictReader((EXAMPLES / name).open(encoding="utf-8"))))
        for name in ("enquiries.csv", "campaign_spend.csv")
    )
    shown = int(rows_read.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    assert shown == expected_rows
    screenshot(page, "funnel_02_upload_report")
    report_button = page.get_by_role("button", name="Download the validation report (CSV)")
    if report_button.count():
        with page.expect_download() as download_info:
            report_button.click()
        report = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
        assert report and {"file", "row", "column", "severity"} <= set(report[0])
        assert {row["file"] for row in report} <= {"enquiries.csv", "campaign_spend.csv"}
        # enquiry references never reach the report
        references = {
            row["enquiry_id"] for row in csv.DictReader((EXAMPLES / "enquiries.csv").open())
        }
        assert not any(value in references for row in report for value in row.values())
    else:
        page.get_by_text("No problems found.", exact=True).wait_for()

    page.get_by_role("button", name="Use these records").click()
    page.get_by_text("Showing your enquiry records").wait_for(timeout=120_000)
    wait_for_app(page)
    used = int(enquiries.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    # the example file is much smaller than the demo authority's records
    assert 0 < used < demo_enquiries
    screenshot(page, "funnel_03_own_records")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile(r"^(Conversion rates|conversion\.csv)")).click()
    conversion = csv_rows(download_info.value.path())  # rate (share, 0-1): units in headers
    assert {"from_stage", "to_stage", "group", "rate"} <= set(conversion[0])
    for row in conversion:
        if row["rate"]:
            assert 0.0 <= float(row["rate"]) <= 1.0


def answer_text(page) -> str:
    answer = page.locator('[data-testid="stAlert"]').filter(has_text="enquir")
    return answer.last.inner_text().strip()


def test_recruitment_calculator_target_changes_answer_and_downloads(page, explorer_url):
    page.goto(f"{explorer_url}/recruitment_calculator")
    page.get_by_text("The answer", exact=True).wait_for(timeout=180_000)
    wait_for_app(page)
    before = answer_text(page)
    assert before
    per_month = page.locator('[data-testid="stMetric"]').filter(has_text="Enquiries a month")
    per_month_before = float(per_month.locator('[data-testid="stMetricValue"]').inner_text())
    screenshot(page, "calculator_01_default")

    target = page.locator('[data-testid="stNumberInput"]').filter(has_text="More usable places")
    target.locator("input").fill("30")
    target.locator("input").press("Enter")
    page.wait_for_function(
        "([before]) => [...document.querySelectorAll('[data-testid=\"stAlert\"]')]"
        ".some(a => a.innerText.includes('enquir') && a.innerText.trim() !== before)",
        arg=[before],
        timeout=60_000,
    )
    wait_for_app(page)
    after = answer_text(page)
    assert after != before
    per_month_after = float(per_month.locator('[data-testid="stMetricValue"]').inner_text())
    # three times the places needs more enquiries a month
    assert per_month_after > per_month_before * 1.5
    page.get_by_text("The answer", exact=True).scroll_into_view_if_needed()
    screenshot(page, "calculator_02_target_30")

    with page.expect_download() as download_info:
        page.get_by_role(
            "button", name=re.compile(r"^(Month by month \(CSV\)|enquiries_schedule)")
        ).click()
    schedule = csv_rows(download_info.value.path())
    assert {"month", "enquiries", "approvals"} <= set(schedule[0])
    total = sum(float(row["enquiries"]) for row in schedule)
    assert total > 0
