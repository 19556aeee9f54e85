"""Presentation helpers shared by several pages: axis ranges that hold every interval, and tables
that fit a laptop screen (short headers with units, no hidden columns at 1280 px).

The pages are thin; what is here is layout only (no figures are computed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import altair as alt
import pandas as pd
import streamlit as st


def axis_top(values: Iterable[float], headroom: float = 0.12) -> float:
    """A round upper end for a y axis that holds every value with some room above it.

    The largest value plus ``headroom`` (a share of it), rounded up to a round figure (1, 1.2,
    1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten), so the top gridline is labelled and no
    whisker or band touches the top edge.
    Returns 1 when every value is zero or missing.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if largest <= 0:
        return 1.0
    target = largest * (1 + headroom)
    step = 10 ** math.floor(math.log10(target))
    for multiple in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if multiple * step >= target:
            return multiple * step
    return 10 * step


def pipeline_monthly_chart(table: pd.DataFrame, interval_label: str, time_axis) -> alt.LayerChart:
    """Expected approvals a month (stacked bars by source) with the interval as capped whiskers.

    ``table`` holds ``month``, ``expected_from_pipeline``, ``expected_from_new_enquiries``,
    ``lower`` and ``upper`` (households a month). The y axis runs from 0 to :func:`axis_top` of
    the whiskers' tops and the stacked bars, so nothing is drawn beyond the axis.
    """
    long = table.melt(
        id_vars=["month"],
        value_vars=["expected_from_pipeline", "expected_from_new_enquiries"],
        var_name="source",
        value_name="households",
    )
    long["source"] = long["source"].map(
        {
            "expected_from_pipeline": "people already in progress",
            "expected_from_new_enquiries": "future enquiries",
        }
    )
    stacked = table[["expected_from_pipeline", "expected_from_new_enquiries"]].sum(axis=1)
    top = axis_top([*table["upper"], *stacked])
    y_scale = alt.Scale(domain=[0, top], nice=False)
    bars = (
        alt.Chart(long)
        .mark_bar(opacity=0.8, width={"band": 0.7})
        .encode(
            x=time_axis,
            y=alt.Y(
                "households:Q",
                title="Households approved a month",
                axis=alt.Axis(titleLimit=400),
                stack="zero",
                scale=y_scale,
            ),
            color=alt.Color("source:N", title="From", legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%b %Y"),
                alt.Tooltip("source:N", title="From"),
                alt.Tooltip("households:Q", title="Households", format=".2f"),
            ],
        )
    )
    whisker = alt.Chart(table).encode(
        x=time_axis,
        tooltip=[
            alt.Tooltip("month:T", title="Month", format="%b %Y"),
            alt.Tooltip("lower:Q", title=f"{interval_label} lower (households)"),
            alt.Tooltip("upper:Q", title=f"{interval_label} upper (households)"),
        ],
    )
    rule = whisker.mark_rule(color="#444444", strokeWidth=1.5).encode(
        y=alt.Y("lower:Q", scale=y_scale), y2="upper:Q"
    )
    caps = whisker.mark_tick(color="#444444", thickness=1.5, size=8).encode(
        y=alt.Y("upper:Q", scale=y_scale)
    )
    return bars + rule + caps


def money_thousands(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with the given £ columns in £ thousands (rounded to the nearest £1,000)."""
    out = frame.copy()
    for column in columns:
        out[column] = (out[column] / 1000).round(0)
    return out


def approvals_table(carers_needed: pd.DataFrame) -> None:
    """The Scenario explorer's "approvals the targets need" table, narrow enough for 1280 px.

    Quarters with extra approvals only; short headers with their units (households a quarter,
    enquiries a quarter); the quarter's start date left out (the quarter names it).
    """
    approvals = [c for c in carers_needed if c.startswith("approvals_")]
    shown = carers_needed[carers_needed[approvals].sum(axis=1) > 0].drop(
        columns=["quarter_start"], errors="ignore"
    )

    def households(label: str, width: int, help: str):
        return st.column_config.NumberColumn(label, format="%.0f", width=width, help=help)

    labels = {
        "quarter": st.column_config.TextColumn("Quarter", width=180),
        "approvals_mainstream": households(
            "Mainstream (hh)", 120, "Mainstream households to approve in the quarter."
        ),
        "approvals_teenagers": households(
            "Teenagers (hh)", 110, "Households for teenagers to approve in the quarter."
        ),
        "enquiries_needed": households(
            "Extra enquiries",
            115,
            "Extra enquiries in the quarter (count), made a lead time before these approvals.",
        ),
        "households_in_post": households(
            "Still fostering (hh)",
            130,
            "New households approved under the plan still fostering at the quarter's end.",
        ),
        "households_needed": households(
            "Target needs (hh)", 120, "New households the target needs in post."
        ),
    }
    for column in shown.columns:
        if column not in labels and pd.api.types.is_numeric_dtype(shown[column]):
            name = column.removeprefix("approvals_").replace("_", " ")
            labels[column] = households(f"{name} (hh)", 110, f"{name} (households)")
    st.dataframe(shown.round(1), hide_index=True, width="stretch", column_config=labels)
    st.caption("hh: households (count). Enquiries: extra enquiries (count) in the quarter.")


def sources_table(frame: pd.DataFrame, labels: dict[str, str]) -> None:
    """A table of figures with long sources, drawn as a static table whose text wraps.

    The data grid cannot wrap text, so a long source column either hides the columns after it
    or cuts the source; a static table wraps each cell and fits any screen. ``labels`` renames
    (and orders) the columns shown; the first is the row label.
    """
    shown = frame.loc[:, list(labels)].rename(columns=labels)
    st.table(shown.set_index(shown.columns[0]))
