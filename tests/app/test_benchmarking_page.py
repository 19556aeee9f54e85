"""AppTest: the Benchmarking page puts an authority beside neighbours, region and England."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
KENT = "E10000016"


@pytest.fixture
def page() -> AppTest:
    app = AppTest.from_file(str(REPO / "app_pages" / "benchmarking.py"), default_timeout=600)
    app.run()
    assert not app.exception, app.exception
    return app


def test_page_asks_for_an_authority_first(page):
    assert page.selectbox[0].value is None
    assert any("Choose an authority" in element.value for element in page.info)


def test_an_authority_beside_neighbours_region_england_and_its_forecast(page):
    page.selectbox[0].set_value(KENT).run()
    assert not page.exception, page.exception
    table = page.dataframe[1].value  # [0] is the derived neighbours list
    assert list(table.columns) == [
        "Indicator",
        "Kent",
        "Derived neighbours (average)",
        "South East (region)",
        "England",
    ]
    rates = table.set_index("Indicator")
    rate = rates.loc["Children looked after per 10,000 children aged 0-17"]
    assert 30 < float(rate["England"]) < 120 and 30 < float(rate["Kent"]) < 200
    assert int(rates.loc["Children looked after at 31 March", "Kent"].replace(",", "")) > 1000
    assert rates.loc["Share in foster placements", "England"].endswith("%")
    neighbours = page.dataframe[0].value
    assert len(neighbours) == 10 and "Kent" not in set(neighbours["Authority"])
    assert len(page.get("vega_lite_chart")) == 2  # rate over time, forecast
    assert any("carrying the last figure forward" in m.value for m in page.markdown)
    forecast = page.dataframe[2].value
    assert list(forecast.index) == ["Kent", "South East", "England"]
    assert forecast.index.name == "Forecast (children looked after)"
    assert forecast.iloc[2, 0] > forecast.iloc[1, 0] > forecast.iloc[0, 0]
    labels = [button.label for button in page.get("download_button")]
    assert "Download the forecast for every authority (CSV)" in labels


def test_own_neighbours_replace_the_derived_ones(page):
    page.selectbox[0].set_value(KENT).run()
    page.multiselect[0].set_value(["E10000030", "E10000014"]).run()  # Surrey, Hampshire
    assert not page.exception
    table = page.dataframe[1].value
    assert "Your neighbours (average)" in table.columns
