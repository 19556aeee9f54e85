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
                # short: the legend below takes height from the plot, and "Households approved
                # a month" ran past its ends at 1280 px; the tooltip and caption say households
                title="Approvals a month",
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


def approvals_table(carers_needed: pd.DataFrame, plan=None) -> None:
    """The Scenario explorer's "approvals the targets need" table, narrow enough for 1280 px.

    The quarters the plan asks something of (:func:`sufficiency.plan.timing.schedule_table`):
    extra enquiries in the quarter they must come in, the lead time before the approvals they
    bring; the forecast's first quarter says "start now"; households needed in post are blank
    before the target date. ``plan`` is the scenario's
    :class:`sufficiency.scenario.solve.TargetPlan` (its lead time, quarterly limit and target
    date word the headers), or None.
    """
    from sufficiency.plan.timing import schedule_table

    dates = [check.date for check in getattr(plan, "checks", ())]
    target = max(dates) if dates else None
    shown = schedule_table(carers_needed, target)
    limits = getattr(plan, "limits", None)
    lead = f"about {limits.lead_months} months" if limits is not None else "the lead time"

    def households(label: str, width: int, help: str):
        return st.column_config.NumberColumn(label, format="%.0f", width=width, help=help)

    needed_help = "New households the target needs in post at the quarter's end (households)."
    if target is not None:
        needed_help += (
            f' "not yet" before the target date ({target:%B %Y}): the target does not apply yet.'
        )
        if limits is not None:
            needed_help += (
                f" Approvals start earlier because at most {limits.per_quarter:g} extra can be "
                "approved a quarter."
            )
    labels = {
        "quarter": st.column_config.TextColumn("Quarter", width=225),
        "enquiries_needed": households(
            "Extra enquiries",
            120,
            f"Extra enquiries to receive in the quarter (count): they become approvals {lead} "
            "later (enquiry to approval), so they come before the approvals.",
        ),
        "approvals_mainstream": households(
            "Mainstream (hh)", 100, "Extra mainstream households to approve in the quarter."
        ),
        "approvals_teenagers": households(
            "Teenagers (hh)", 95, "Extra households for teenagers to approve in the quarter."
        ),
        "households_in_post": households(
            "Still fostering (hh)",
            110,
            "New households approved under the plan still fostering at the quarter's end.",
        ),
        "households_needed": st.column_config.TextColumn(
            "Needed in post (hh)", width=125, help=needed_help, alignment="right"
        ),
    }
    for column in shown.columns:
        if column not in labels and pd.api.types.is_numeric_dtype(shown[column]):
            name = column.removeprefix("approvals_").replace("_", " ")
            labels[column] = households(f"{name} (hh)", 100, f"{name} (households)")
    # "not yet" rather than a blank the grid would show as "None"
    shown["households_needed"] = [
        "not yet" if pd.isna(v) else f"{v:,.0f}" for v in shown["households_needed"]
    ]
    st.dataframe(shown.round(1), hide_index=True, width="stretch", column_config=labels)
    caption = (
        f"hh: households (count); enquiries: a count. Extra enquiries come {lead} before the approvals they bring, "
        "so they sit in earlier quarters; the forecast's first quarter is straight after the "
        "data end: its enquiries are needed now."
    )
    if target is not None:
        caption += (
            f" Needed in post: households the target needs in post, from its date "
            f'({target:%B %Y}); "not yet" before it.'
        )
    st.caption(caption)


def sources_table(frame: pd.DataFrame, labels: dict[str, str]) -> None:
    """A table of figures with long sources, drawn as a static table whose text wraps.

    The data grid cannot wrap text, so a long source column either hides the columns after it
    or cuts the source; a static table wraps each cell and fits any screen. ``labels`` renames
    (and orders) the columns shown; the first is the row label.
    """
    shown = frame.loc[:, list(labels)].rename(columns=labels)
    st.table(shown.set_index(shown.columns[0]))


def comparison_csv(tables: dict[str, pd.DataFrame], price_year: str) -> bytes:
    """The Scenario explorer's comparison download: each scenario's cost and its difference
    from the first, by financial year, in £ with the price year in every header
    (:func:`sufficiency.exports.comparison_tables`, as the command line's compare CSVs)."""
    from app_pages.common import csv_bytes
    from sufficiency.exports import comparison_tables

    labelled = comparison_tables(tables, price_year)
    return csv_bytes(labelled["costs"].merge(labelled["differences"], on="financial_year"))


def compare_month_labels(headline: pd.DataFrame) -> dict:
    """Column settings that name the month of the comparison's "at the end" figures.

    One end month for every scenario (the usual case): the headers name it ("IFA share, Mar
    2029") and the ``end_month`` column is hidden; scenarios with different horizons: the
    headers say "at the end" and the End month column shows each one's month.
    """
    months = sorted(set(headline["end_month"]))
    when = f"{pd.Timestamp(months[0]):%b %Y}" if len(months) == 1 else "at the end"
    number = st.column_config.NumberColumn
    return {
        "end_month": None if len(months) == 1 else "End month",
        "children_end": number(f"Children, {when}", format="%.0f"),
        "ifa_share_end_pct": number(f"IFA share, {when}", format="%.0f%%"),
        "ifa_share_non_kinship_end_pct": number(
            f"IFA share leaving out family and friends carers, {when}", format="%.0f%%"
        ),
        "in_house_households_end": number(f"In-house households, {when}", format="%.0f"),
    }


def enquiries_needed_metric(column, summary: dict, plan, *, help: str, **style) -> None:
    """The "extra enquiries a quarter" headline: the average over the quarters that need them,
    with the busiest quarter beside it (a plan averaging 190 a quarter may need 424 in one).

    ``plan`` is the scenario's target plan (:class:`sufficiency.scenario.solve.TargetPlan`) or
    None; ``style`` passes on to ``st.metric`` (e.g. ``delta_arrow``). Short label and value,
    so neither is cut in a quarter-width column at 1280 px.
    """
    average = summary["enquiries_needed_per_quarter"]
    now = summary["enquiries_now_per_quarter"]
    timing = plan.timing() if plan is not None and average > 0 else None
    if timing is not None and round(timing.peak_enquiries) > round(average):
        quarter = timing.peak_enquiry_quarter or "the busiest quarter"
        delta = f"busiest {timing.peak_enquiries:,.0f}; now {now:,.0f}"
        words = (
            f"{average:,.0f} on average over the quarters that need extra enquiries; "
            f"{timing.peak_enquiries:,.0f} in the busiest, {quarter}; {now:,.0f} a quarter "
            "received now."
        )
    else:
        delta = f"now {now:,.0f} a quarter"
        words = f"{average:,.0f} a quarter; {now:,.0f} a quarter received now."
    column.metric(
        "Extra enquiries a quarter",
        f"{average:,.0f}",
        delta,
        delta_color="off",
        help=f"Extra enquiries needed: {words} {help}",
        **style,
    )
