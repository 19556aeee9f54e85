"""Browser journeys on the Data page: demo charts render, upload real-format files, see the report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "903" / "d2i_fake"


def test_demo_charts_render_and_snapshot_downloads(page, explorer_url):
    page.goto(f"{explorer_url}/data")
    wait_for_app(page)
    page.get_by_text("synthetic demo authority").first.wait_for()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for()
    assert charts.count() == 2
    # vega-embed draws each chart; an empty chart would have no marks.
    page.wait_for_selector(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    )
    screenshot(page, "data_page_demo")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download this snapshot (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0][0] == "Placement category" and rows[-1][0] == "All placements"
    assert int(rows[-1][-1]) > 300


def test_upload_real_format_files_shows_validation_report(page, explorer_url):
    page.goto(f"{explorer_url}/data")
    wait_for_app(page)
    expander = page.get_by_text("Check and use your own SSDA903 files")
    expander.click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(FIXTURES / "header.csv"), str(FIXTURES / "episodes.csv")]
    )
    page.get_by_text("Validation report", exact=True).wait_for(timeout=120_000)
    page.get_by_text("Rows read", exact=True).first.wait_for()
    screenshot(page, "data_page_upload_report")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the validation report (CSV)").click()
    report = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert report, "the fake validator data has known problems that must be reported"
    assert {"file", "row", "column", "value", "rule", "severity", "message"} <= set(report[0])
    assert {row["file"] for row in report} <= {"header.csv", "episodes.csv"}
    # Personal identifiers never reach the report.
    children = {
        line.split(",")[0] for line in (FIXTURES / "header.csv").read_text().splitlines()[1:]
    }
    assert not any(row["value"] in children for row in report if row["column"] == "CHILD")


CASES = Path(__file__).resolve().parents[1] / "fixtures" / "903" / "cases"


def test_upload_regional_file_pick_an_authority_and_use_it(page, explorer_url):
    page.goto(f"{explorer_url}/data")
    wait_for_app(page)
    page.get_by_text("Check and use your own SSDA903 files").click()
    folder = CASES / "two_authorities_one_file" / "input"
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(folder / "header.csv"), str(folder / "episodes.csv")]
    )
    page.get_by_text("Extracts read").wait_for(timeout=120_000)
    page.get_by_text("These files hold 2 authorities").wait_for()
    # Streamlit's selectbox: open it and choose the second authority.
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Authority").click()
    page.get_by_role("option", name="Southvale").click()
    wait_for_app(page)
    page.get_by_role("button", name="Use this data in the explorer").click()
    wait_for_app(page)
    page.get_by_text("Showing your 903 data (Southvale").wait_for(timeout=60_000)
    page.get_by_text("Snapshot at 31 March 2023").wait_for(timeout=60_000)
    wait_for_app(page)
    screenshot(page, "data_page_regional_upload")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download this snapshot (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    # Southvale's 2 children on 31 March 2023, never merged with Northtown's child 1001.
    assert rows[-1][0] == "All placements" and int(rows[-1][-1]) == 2
