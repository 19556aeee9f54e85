"""AppTest: the start page and the Data page on the synthetic demo authority."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from sufficiency.codes import PLACEMENT_CATEGORIES

REPO = Path(__file__).resolve().parents[2]


def run_page(page: str) -> AppTest:
    app = AppTest.from_file(str(REPO / page), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def test_home_page_explains_each_audience_and_labels_demo_synthetic():
    # Through the router, as users meet it: the start page links to pages that app.py registers.
    app = run_page("app.py")
    subheaders = [element.value for element in app.subheader]
    assert subheaders == ["Commissioners", "Fostering managers", "Finance"]
    assert any("synthetic" in element.value.lower() for element in app.info)


def test_data_page_shows_charts_snapshot_and_downloads_for_demo():
    app = run_page("app_pages/data.py")
    assert any("synthetic" in element.value.lower() for element in app.info)
    charts = app.get("vega_lite_chart")
    assert len(charts) == 2
    snapshot = app.dataframe[0].value
    assert "All ages" in snapshot.columns
    total = int(snapshot.loc["All placements", "All ages"])
    # Calibrated to a north-east unitary with 400-800 children looked after.
    assert 300 < total < 900
    assert snapshot.drop(index="All placements").drop(columns="All ages").to_numpy().sum() == total
    labels = [button.label for button in app.get("download_button")]
    assert "Download this snapshot (CSV)" in labels
    assert "Download all month-end counts (CSV)" in labels


def test_data_page_month_slider_narrows_the_charts():
    app = run_page("app_pages/data.py")
    slider = app.select_slider[0]
    all_months = slider.options
    slider.set_value(all_months[-12]).run()
    assert not app.exception
    chart = app.get("vega_lite_chart")[0].proto
    shown = pa.ipc.open_stream(chart.datasets[0].data.data).read_all()
    # The chart now starts at the chosen month: 12 month ends x every placement category.
    assert shown.num_rows == 12 * len(PLACEMENT_CATEGORIES)
