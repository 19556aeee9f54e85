"""Browser journeys on the Compare authorities pages: benchmarking and model quality."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sufficiency.national.forecast import OUTPUT_COLUMNS
from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

COLUMNS = list(OUTPUT_COLUMNS)


def _charts_drawn(page, count: int) -> None:
    page.wait_for_function(
        f"""() => document.querySelectorAll(
            '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
        ).length >= {count}""",
        timeout=300_000,
    )


def test_benchmark_an_authority_and_download_the_national_forecast(page, explorer_url):
    page.goto(f"{explorer_url}/benchmarking")
    wait_for_app(page)
    page.get_by_text("Choose an authority to see").wait_for()
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.keyboard.type("Kent")
    page.get_by_role("option", name="Kent", exact=True).click()
    page.get_by_text("Forecast from 31 March 2024").wait_for(timeout=600_000)
    wait_for_app(page)
    page.get_by_text("Kent beside its neighbours, region and England, 2024").wait_for()
    _charts_drawn(page, 2)
    # wait for it (under load the track-record sentence can render after the charts)
    page.get_by_text("carrying the last figure forward").first.wait_for(state="attached")
    screenshot(page, "benchmarking_kent")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the forecast for every authority (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0] == COLUMNS
    kent = [r for r in rows[1:] if r[0] == "E10000016" and r[3] == "cla_31_march"]
    assert {r[2] for r in kent} == {"2025", "2026", "2027"}
    totals = [r for r in kent if r[4] == "Total"]
    assert all(float(r[6]) <= float(r[5]) <= float(r[7]) for r in totals)


def test_model_quality_shows_methods_regions_and_sizes(page, explorer_url):
    page.goto(f"{explorer_url}/model_quality")
    wait_for_app(page)
    page.get_by_text("Each method against carrying the last figure forward").wait_for()
    _charts_drawn(page, 4)
    assert page.get_by_text("The pooled regression, by region").count() == 1
    screenshot(page, "model_quality")
    page.get_by_text("Used to choose the method: forecasts of years up to 2021").click()
    wait_for_app(page)
    page.get_by_text("3 years ahead").first.wait_for()
    _charts_drawn(page, 5)
