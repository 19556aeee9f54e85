"""Campaign funnel page: demo view, filters, uploads with a validation report, timings."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "campaign_funnel.py")


def run_page() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return next(item.value for item in app.metric if item.label == label)


def test_demo_view_is_labelled_synthetic_with_sourced_benchmarks_and_quick_filters():
    app = run_page()
    assert any("Synthetic" in item.value for item in app.info)
    # opens on the plan figures' window: the last three financial years to the extract date
    assert app.select_slider[0].value == ("2021-22", "2023-24")
    assert 600 < int(metric(app, "Enquiries").replace(",", "")) < 1000
    app.select_slider[0].set_value(("2016-17", "2023-24"))
    app.run()
    assert not app.exception
    assert int(metric(app, "Enquiries").replace(",", "")) > 1000
    rate = float(metric(app, "Enquiry to application").rstrip("%"))
    assert 12 <= rate <= 22
    captions = " ".join(item.value for item in app.caption)
    assert "Ofsted" in captions and "281 days" in captions
    labels = [button.label for button in app.get("download_button")]
    assert {"Conversion rates (CSV)", "Time in each stage (CSV)", "All tables (Excel)"} <= set(
        labels
    )
    # No enquiry reference appears anywhere on the page.
    assert "SYN-" not in str(app._tree)

    # Filters rerun quickly and change the numbers.
    before = int(metric(app, "Enquiries").replace(",", ""))
    app.multiselect[0].set_value(["radio"])
    started = time.process_time()
    app.run()
    first = time.process_time() - started
    assert not app.exception
    after = int(metric(app, "Enquiries").replace(",", ""))
    assert 0 < after < before
    app.multiselect[0].set_value([])
    app.select_slider[0].set_value(("2019-20", "2021-22"))
    started = time.process_time()
    app.run()
    second = time.process_time() - started
    assert not app.exception
    middle = int(metric(app, "Enquiries").replace(",", ""))
    assert 0.25 * before < middle < 0.5 * before
    # CPU time of this process (AppTest runs the page in it), so other jobs on a shared
    # machine do not make the check flaky; AppTest adds overhead on top of the page itself.
    assert min(first, second) < 2.0


def test_upload_shows_validation_report_and_can_be_used():
    app = run_page()
    enquiries = (REPO / "examples/supply/enquiries.csv").read_text()
    broken = enquiries + "EX-0099,not a date,radio,,,,,,,,,,,,,\n"
    app.file_uploader(key="upload_funnel").set_value(
        [
            ("enquiries.csv", broken.encode(), "text/csv"),
            (
                "campaign_spend.csv",
                (REPO / "examples/supply/campaign_spend.csv").read_bytes(),
                "text/csv",
            ),
        ]
    )
    app.run()
    assert not app.exception, app.exception
    assert metric(app, "Rows rejected") == "1"
    assert any(
        item.label.startswith("Download the validation report")
        for item in app.get("download_button")
    )
    report = [frame.value for frame in app.dataframe if "rule" in frame.value.columns]
    assert report and report[0]["rule"].tolist() == ["date_unreadable"]
    use = next(button for button in app.button if button.label == "Use these records")
    use.click()
    app.run()
    assert not app.exception, app.exception
    assert any("your enquiry records" in item.value for item in app.caption)
    assert metric(app, "Enquiries") == "15"

    # A file that cannot be used at all gives one clear error, not a traceback.
    app.file_uploader(key="upload_funnel").set_value(
        ("enquiries.csv", b"enquiry_id,channel\nA1,radio\n", "text/csv")
    )
    app.run()
    assert not app.exception
    assert any("enquiry_date" in item.value for item in app.error)


def test_methods_are_named_in_tooltips_not_in_the_text():
    """Plain words on the page; the statistical method's name only in a help tooltip."""
    app = run_page()
    shown, tooltips = "", ""
    for tab in ("By channel", "Drop-out and time in stage"):  # only the open tab is drawn
        app.session_state["funnel_view"] = tab
        app.run()
        shown += " ".join(e.value for e in [*app.markdown, *app.caption, *app.subheader, *app.info])
        tooltips += " ".join(e.help or "" for e in app.caption)
    for jargon in ("Wilson", "Aalen", "censor"):
        assert jargon not in shown, jargon
    assert "Wilson" in tooltips and "Aalen-Johansen" in tooltips
    assert "95% likely" in shown


def test_cost_tables_show_a_dash_not_none_where_there_is_no_cost():
    app = run_page()
    app.session_state["funnel_view"] = "By channel"  # the cost table's tab
    app.run()
    costs = next(f.value for f in app.dataframe if "cost_per_approval" in f.value.columns)
    money = costs[["spend", "cost_per_enquiry", "cost_per_application", "cost_per_approval"]]
    assert not money.isna().any().any()
    assert not money.isin(["None", "nan"]).any().any()
    free = costs.set_index("channel").loc["word of mouth"]
    assert free["spend"] == "–" and free["cost_per_enquiry"] == "–"
    assert costs["cost_per_enquiry"].str.match(r"^(–|[\d,]+)$").all()


def test_only_the_open_tabs_charts_are_built():
    """Eight charts in five tabs: a run builds the open tab's only, opening a tab builds its own."""
    app = run_page()
    charts = {"Funnel": 1, "By channel": 1, "By campaign": 0, "Trend": 3}
    assert len(app.get("vega_lite_chart")) == charts["Funnel"]
    for tab, count in charts.items():
        app.session_state["funnel_view"] = tab  # as a click on the tab would
        app.run()
        assert not app.exception, app.exception
        assert len(app.get("vega_lite_chart")) == count, tab
    app.session_state["funnel_view"] = "Drop-out and time in stage"
    app.run()
    assert 2 <= len(app.get("vega_lite_chart")) <= 3  # the withdrawals chart if any withdrew
    assert len(app.dataframe) == 1
