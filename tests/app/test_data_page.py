"""AppTest: the start page and the Data page on the synthetic demo authority."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    assert subheaders == [
        "Commissioners",
        "Fostering managers",
        "Finance",
        "The authority every page works on",
    ]
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


CASES = REPO / "tests" / "fixtures" / "903" / "cases"


def upload(app: AppTest, folder: Path, mime: str = "text/csv") -> AppTest:
    files = [(path.name, path.read_bytes(), mime) for path in sorted(folder.glob("*.*"))]
    app.file_uploader(key="upload_903").set_value(files)
    app.run()
    assert not app.exception, app.exception
    return app


def snapshot_total(app: AppTest) -> int:
    snapshot = next(frame.value for frame in app.dataframe if "All ages" in frame.value.columns)
    return int(snapshot.loc["All placements", "All ages"])


def test_upload_two_authorities_pick_one_and_use_it():
    app = upload(run_page("app_pages/data.py"), CASES / "two_authorities_one_file" / "input")
    assert any("2 authorities" in element.value for element in app.info)
    picker = app.selectbox(key="authority_903")
    assert picker.options == ["Northtown", "Southvale", "All authorities together (pooled)"]
    picker.set_value("Southvale").run()
    # Until the checked files are used, the page says its charts are still the demo's.
    assert any("still show" in element.value for element in app.warning)
    next(b for b in app.button if b.label == "Use this data in the explorer").click().run()
    assert not app.exception, app.exception
    assert not any("still show" in element.value for element in app.warning)
    assert any("Southvale" in element.value for element in app.caption)
    # 31 March 2023 is the latest month end: Southvale's 2 children, never merged with Northtown.
    assert snapshot_total(app) == 2


def test_upload_month_first_file_and_an_export_dated_file_give_the_right_counts():
    app = upload(run_page("app_pages/data.py"), CASES / "month_first_dates" / "input")
    decisions = [t.value for t in app.table if "What was decided" in t.value.columns][0]
    assert decisions["What was decided"].str.contains("month-first").any()
    next(b for b in app.button if b.label == "Use this data in the explorer").click().run()
    assert snapshot_total(app) == 4

    app = upload(run_page("app_pages/data.py"), CASES / "export_date_in_file_name" / "input")
    coverage = [t.value for t in app.table if "Sees up to" in t.value.columns][0]
    assert list(coverage["Sees up to"]) == ["05/10/2023"]
    next(b for b in app.button if b.label == "Use this data in the explorer").click().run()
    assert snapshot_total(app) == 2
    assert any("30 September 2023" in element.value for element in app.subheader)


def test_upload_stale_episode_and_workbook_cases_and_the_extract_date_box():
    app = run_page("app_pages/data.py")
    folder = CASES / "stale_open_episode" / "input"
    files = [
        (f"{path.parent.name}_{path.name}", path.read_bytes(), "text/csv")
        for path in sorted(folder.glob("*/*.csv"))
    ]
    app.file_uploader(key="upload_903").set_value(files).run()
    assert not app.exception, app.exception
    report = [frame.value for frame in app.dataframe if "rule" in frame.value.columns][0]
    assert report["rule"].tolist() == ["stale_open_episode"]
    next(b for b in app.button if b.label == "Use this data in the explorer").click().run()
    assert snapshot_total(app) == 2

    app = upload(
        run_page("app_pages/data.py"),
        CASES / "workbook_title_rows" / "input",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    decisions = [t.value for t in app.table if "What was decided" in t.value.columns][0]
    said = " ".join(decisions["What was decided"])
    assert "Sheet skipped" in said and "totals row" in said and "headings are on row 3" in said
    assert "903_2024.xlsx [sheet Read me]" in decisions.index
    # The date box moves the extract date; the message names it and where it came from.
    app.date_input(key="extract_date_903").set_value(pd.Timestamp("2023-03-31").date()).run()
    assert not app.exception, app.exception
    report = [frame.value for frame in app.dataframe if "rule" in frame.value.columns][0]
    late = report[report["rule"] == "date_after_extract"]["message"].iloc[0]
    assert "31/03/2023 (given in the extract date box)" in late


def test_upload_without_headings_gives_a_clear_error_quoting_no_value():
    app = upload(run_page("app_pages/data.py"), CASES / "no_heading_row" / "input")
    assert any("looks like data" in element.value for element in app.error)
    page_text = " ".join(str(element.value) for element in [*app.error, *app.markdown])
    assert "C3001" not in page_text and "04/04/2022" not in page_text


def test_upload_a_folder_of_yearly_extracts_reads_years_from_its_folders():
    # A folder upload names each file by its path (903_2021/episodes.csv, ...): the folder
    # names give the collection years, so episodes a later year no longer shows are closed.
    app = run_page("app_pages/data.py")
    app.toggle(key="upload_903_choose_folder").set_value(True).run()
    folder = REPO / "tests" / "fixtures" / "903" / "variants" / "stale_three_extracts"
    files = [
        (path.relative_to(folder).as_posix(), path.read_bytes(), "text/csv")
        for path in sorted(folder.rglob("*.csv"))
    ]
    app.file_uploader(key="upload_903_folder").set_value(files).run()
    assert not app.exception, app.exception
    coverage = [t.value for t in app.table if "Sees up to" in t.value.columns][0]
    assert list(coverage.index) == ["2020-21", "2021-22", "2022-23"]
    report = [frame.value for frame in app.dataframe if "rule" in frame.value.columns][0]
    assert report["rule"].tolist() == ["stale_open_episode", "stale_open_episode"]
    next(b for b in app.button if b.label == "Use this data in the explorer").click().run()
    assert snapshot_total(app) == 1
