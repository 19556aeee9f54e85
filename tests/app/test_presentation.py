"""Presentation: pipeline chart axes hold every interval; tables sized for a 1280 px screen."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from app_pages.presentation import axis_top, pipeline_monthly_chart

MAIN_COLUMN_PX = 818  # width of the page's main column at a 1280 px window (measured in Chromium)


@pytest.mark.parametrize(
    ("values", "top"),
    [([3.0], 4.0), ([0.9, 0.2], 1.2), ([42.0], 50.0), ([1.0], 1.2), ([0.0], 1.0), ([], 1.0)],
)
def test_axis_top_is_round_and_above_every_value(values, top):
    assert axis_top(values) == top
    assert all(axis_top(values) > v for v in values)


def _projection(upper_scale: float) -> pd.DataFrame:
    months = pd.date_range("2024-04-30", periods=24, freq="ME")
    rng = np.random.default_rng(0)
    pipeline = rng.uniform(0, 1.2, 24)
    new = rng.uniform(0.2, 0.8, 24)
    return pd.DataFrame(
        {
            "month": months,
            "expected_from_pipeline": pipeline,
            "expected_from_new_enquiries": new,
            "lower": np.floor(pipeline + new - 1).clip(0),
            "upper": np.ceil((pipeline + new) * upper_scale),
        }
    )


@pytest.mark.parametrize("upper_scale", [1.0, 2.0, 5.0])
def test_pipeline_chart_y_domain_holds_every_whisker(upper_scale):
    table = _projection(upper_scale)
    spec = pipeline_monthly_chart(table, "80%", alt.X("month:T")).to_dict()
    domains = [
        layer["encoding"]["y"]["scale"]["domain"]
        for layer in spec["layer"]
        if "scale" in layer["encoding"]["y"]
    ]
    assert len(domains) == 3  # bars, whiskers and their caps share one explicit range
    (low, high), *_ = domains
    assert all(d == [low, high] for d in domains)
    stacked = table["expected_from_pipeline"] + table["expected_from_new_enquiries"]
    tallest = max(table["upper"].max(), stacked.max())
    assert low == 0 and high > tallest * 1.05  # room above the tallest whisker
    assert high <= tallest * 2.5  # but not so much the bars shrink to nothing


def test_explorer_approvals_table_fits_the_main_column_with_units():
    """Every column has a width, together narrower than the page at 1280 px; counts say so."""
    import json

    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd

        from app_pages.presentation import approvals_table

        approvals_table(
            pd.DataFrame(
                {
                    "quarter": ["Q1 2025-26 (Apr-Jun 2025)", "Q2 2025-26 (Jul-Sep 2025)"],
                    "quarter_start": pd.to_datetime(["2025-04-01", "2025-07-01"]),
                    "approvals_mainstream": [3.0, 0.0],
                    "approvals_teenagers": [1.0, 2.0],
                    "enquiries_needed": [80.0, 60.0],
                    "households_in_post": [4.0, 6.0],
                    "households_needed": [5.0, 6.0],
                }
            )
        )

    app = AppTest.from_function(page).run()
    assert not app.exception, app.exception
    (table,) = app.dataframe
    config = json.loads(table.proto.columns)
    shown = [name for name in table.value.columns]
    assert "quarter_start" not in shown
    widths = [config[name]["width"] for name in shown]
    assert all(isinstance(w, int) for w in widths) and sum(widths) < MAIN_COLUMN_PX - 20
    labels = [config[name]["label"] for name in shown if name != "quarter"]
    assert all("(hh)" in label or "enquiries" in label for label in labels), labels


def test_the_enquiries_headline_shows_the_busiest_quarter_beside_the_average():
    """A plan averaging 190 extra enquiries a quarter that needs 424 in one quarter says both
    (the plan's own average and timing code, on a plan whose enquiries are uneven)."""
    from types import SimpleNamespace

    from streamlit.testing.v1 import AppTest

    from sufficiency.plan.timing import approval_timing
    from sufficiency.scenario.solve import TargetPlan

    starts = pd.date_range("2025-04-01", periods=6, freq="QS-APR")
    quarterly = pd.DataFrame(
        {
            "quarter_start": starts,
            "quarter": [f"Q{i % 4 + 1} ({d:%b %Y})" for i, d in enumerate(starts)],
            "approvals_mainstream": [0.0, 2.0, 6.0, 9.0, 3.0, 0.0],
            "enquiries_needed": [60.0, 180.0, 424.0, 95.0, 0.0, 0.0],
        }
    )
    plan = SimpleNamespace(quarterly=quarterly, timing=lambda: approval_timing(quarterly))
    summary = {
        "enquiries_needed_per_quarter": TargetPlan.enquiries_per_quarter.fget(plan),
        "enquiries_now_per_quarter": 96.0,
    }

    def page(summary, plan):
        import streamlit as st

        from app_pages.presentation import enquiries_needed_metric

        enquiries_needed_metric(st, summary, plan, help="source")

    app = AppTest.from_function(page, args=(summary, plan)).run()
    assert not app.exception, app.exception
    (shown,) = app.metric
    assert shown.value == "190"  # (60 + 180 + 424 + 95) / 4 quarters needing them
    assert shown.proto.delta == "busiest 424; now 96"
    assert "190 on average" in shown.help and "424 in the busiest, Q3 (Oct 2025)" in shown.help

    summary["enquiries_needed_per_quarter"] = 0.0  # no plan: the average alone, no busiest
    app = AppTest.from_function(page, args=(summary, None)).run()
    assert app.metric[0].value == "0" and "busiest" not in app.metric[0].proto.delta


def test_the_comparison_names_the_month_its_end_figures_are_for():
    from app_pages.presentation import compare_month_labels

    same = pd.DataFrame({"scenario": ["a", "b"], "end_month": ["2029-03", "2029-03"]})
    labels = compare_month_labels(same)
    assert labels["ifa_share_end_pct"]["label"] == "IFA share, Mar 2029"
    assert labels["in_house_households_end"]["label"] == "In-house households, Mar 2029"
    assert labels["end_month"] is None  # hidden: the headers say the month
    mixed = pd.DataFrame({"scenario": ["a", "b"], "end_month": ["2029-03", "2027-03"]})
    labels = compare_month_labels(mixed)
    assert labels["ifa_share_end_pct"]["label"] == "IFA share, at the end"
    assert labels["end_month"] == "End month"
