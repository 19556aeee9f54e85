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


def column_labels(frame_element) -> dict[str, str]:
    """Column name -> the header the grid shows."""
    import json

    return {
        name: c.get("label", name) for name, c in json.loads(frame_element.proto.columns).items()
    }


def test_two_approval_shares_are_named_and_shown_side_by_side():
    """A user read "all: 827 enquiries, 33 approved, 6.13%" (33/827 = 4.0%) as an error: the
    6.13% allows for people still in progress. Both shares show, each header saying which."""
    import pytest

    app = run_page()
    app.session_state["funnel_view"] = "Drop-out and time in stage"
    app.run()
    assert not app.exception, app.exception
    table = app.dataframe[0]
    rows = table.value.set_index("group")
    assert rows.loc["all", ["entered", "converted"]].tolist() == [827, 33]
    assert rows.loc["all", "approved_so_far"] == pytest.approx(33 / 827)  # 4.0%
    assert rows.loc["all", "share_converting"] == pytest.approx(0.0613, abs=5e-5)  # 6.13%
    assert rows.loc["channel: radio", "approved_so_far"] == pytest.approx(3 / 67)
    assert rows.loc["channel: radio", "share_converting"] == pytest.approx(0.1231, abs=5e-5)
    # bus stop: nobody in progress, so the two agree (1/7)
    assert rows.loc["channel: bus stop", "share_converting"] == pytest.approx(1 / 7)
    labels = column_labels(table)
    assert labels["approved_so_far"] == "Approved so far"
    assert labels["share_converting"] == "Approved, expected"
    order = list(rows.columns)
    assert order.index("approved_so_far") + 1 == order.index("share_converting")  # side by side
    captions = " ".join(c.value for c in app.caption)
    assert "'so far' is approvals ÷ enquiries, counting people still in progress as not" in captions
    # the withdrawals chart has a heading
    headings = [m.value for m in app.markdown]
    assert "**Why people withdrew, by the last stage they reached (households)**" in headings

    app.session_state["funnel_view"] = "By campaign"
    app.run()
    outcomes = app.dataframe[0]
    labels = column_labels(outcomes)
    assert labels["to_approval"] == "Approved, expected"
    assert labels["approved_so_far"] == "Approved so far"
    shown = list(outcomes.proto.column_order)
    assert shown.index("approved_so_far") + 1 == shown.index("to_approval")


def test_cost_per_approval_so_far_and_the_plans_measure():
    """Radio's £/approval so far (£6,039) is dearer than stadium screen's (£4,131), yet the plan
    buys radio first: the plan's measure leaves people in progress out (radio £4,687)."""
    app = run_page()
    app.session_state["funnel_view"] = "By channel"
    app.run()
    costs = next(f for f in app.dataframe if "cost_per_decided_approval" in f.value.columns)
    by_channel = costs.value.set_index("channel")
    assert by_channel.loc["radio", "cost_per_approval"] == "6,039"
    assert by_channel.loc["radio", "cost_per_decided_approval"] == "4,687"
    assert by_channel.loc["social media", "cost_per_decided_approval"] == "5,378"
    assert by_channel.loc["stadium screen", "cost_per_decided_approval"] == "4,131"
    assert by_channel.loc["word of mouth", "cost_per_decided_approval"] == "–"
    labels = column_labels(costs)
    assert labels["cost_per_approval"] == "£/approval so far"
    assert labels["cost_per_decided_approval"] == "£/approval (plan)"
    captions = " ".join(c.value for c in app.caption)
    assert "as the Recommended plan does when it buys the cheapest approvals first" in captions


def test_a_cohort_followed_under_a_month_is_named_not_an_empty_legend_entry():
    import json

    app = run_page()
    app.session_state["funnel_view"] = "Trend"
    app.run()
    assert not app.exception, app.exception
    import pyarrow as pa

    chart = app.get("vega_lite_chart")[-1].proto
    spec = json.loads(chart.spec)
    shown = pa.ipc.open_stream(chart.datasets[0].data.data).read_all()
    cohorts = set(shown.column("cohort").to_pylist())
    assert cohorts == {"2021-22", "2022-23"}  # 2023-24 has one point (month 0): not drawn
    assert spec["mark"] == {"type": "line", "point": True}
    captions = " ".join(c.value for c in app.caption)
    assert "2023-24 is not drawn: its latest enquiries were made less than a month before" in (
        captions
    )
