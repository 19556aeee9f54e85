"""Scenario explorer (commissioners): the answer on one screen, the levers that change it, the
charts behind it, and the scenario library.

One canonical :class:`~sufficiency.scenario.Scenario` lives in session state under a key no widget
owns (shared with every page); widgets are initialised from it and rebuild it when they change.
Targets are solved into the plan by the scenario engine (the same solver as the Recommended plan
and ``sufficiency plan``), so the indicators, charts and costs show the plan that meets them.
"""

from __future__ import annotations

import copy
import datetime as dt
from urllib.parse import parse_qsl

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import library
from app_pages.answer import answer
from app_pages.chart_templates import chart_spec
from app_pages.common import (
    CACHE_TTL,
    EXPLORER_WIDGET_PREFIX,
    SCENARIO_KEY,
    SEED,
    active_903_data,
    authority_models,
    csv_bytes,
    current_scenario,
    export_name,
    refuse_unshowable,
    scenario_result,
    show_data_banner,
)
from app_pages.cross_checks import board_checks, cost_note, show_forecast_caveat
from app_pages.link_check import CHANNELS_SHOWN
from app_pages.long_lived import freeze_long_lived
from app_pages.plain import plain
from app_pages.presentation import (
    approvals_table,
    compare_month_labels,
    comparison_csv,
    sources_table,
)
from sufficiency import codes
from sufficiency.errors import SufficiencyError
from sufficiency.exports import RESULT_UNITS, placements_table, summary_html, workbook_bytes
from sufficiency.scenario import (
    CARER_TYPES,
    LEVERS,
    FittedModels,
    Scenario,
    baseline_of,
    compare,
)
from sufficiency.scenario.naming import renamed

BASES = {
    "foster placements": "All foster placements",
    "non-kinship fostering": "Leaving out family and friends carers",
}
COST_GROUPS = {
    codes.IN_HOUSE_FOSTERING: "in-house fostering",
    codes.KINSHIP_FOSTERING: "family and friends fostering",
    codes.IFA_FOSTERING: "IFA and other councils' fostering",
    codes.OTHER_LA_FOSTERING: "IFA and other councils' fostering",
    codes.IN_HOUSE_RESIDENTIAL: "residential (in-house and external)",
    codes.EXTERNAL_RESIDENTIAL: "residential (in-house and external)",
}
INVESTMENT_GROUP = "recruitment, support and programmes"


def set_scenario(scenario: Scenario) -> None:
    """Replace the canonical scenario and reset the widgets so they show it."""
    st.session_state[SCENARIO_KEY] = scenario
    for key in [k for k in st.session_state if str(k).startswith(EXPLORER_WIDGET_PREFIX)]:
        del st.session_state[key]


def widget(key: str, default):
    """Initialise a widget's state from the canonical scenario (only when absent)."""
    full = EXPLORER_WIDGET_PREFIX + key
    if full not in st.session_state:
        st.session_state[full] = default
    return full


def month_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def month_date(text: str | None, fallback: dt.date) -> dt.date:
    if not text:
        return fallback
    # targets are "by March 2028": the month's last day, 31 March 2028
    return (pd.Timestamp(text[:7]) + pd.offsets.MonthEnd(0)).date()


def lever_help(name: str) -> str:
    lever = LEVERS[name]
    return f"{lever.unit}. Source: {lever.source}"


def default_target_date(origin: pd.Timestamp, horizon: int) -> dt.date:
    """The last March within four years of the data (and within the horizon)."""
    last = origin + pd.offsets.MonthEnd(min(48, horizon))
    year = last.year if last.month >= 3 else last.year - 1
    return dt.date(year, 3, 31)


def authority_number(
    column, label: str, name: str, value, figure, step: float, fmt: str, scale: float = 1.0
):
    """A number input for a lever that follows the authority's figure unless changed."""
    shown = float(value) if value is not None else round(float(figure.value) * scale, 4)
    lever = LEVERS[name]
    entered = column.number_input(
        label,
        min_value=float(lever.minimum),
        max_value=float(lever.maximum),
        step=step,
        format=fmt,
        key=widget(name, shown),
        help=f"{lever.unit}. Default: {figure.text} ({figure.source}).",
    )
    default = round(float(figure.value) * scale, 4)
    return None if abs(float(entered) - default) < 1e-6 else float(entered)


# Session-state key of the open lever tab: only that tab's widgets are drawn on each run (the
# others keep the canonical scenario's values, and their widgets are initialised from it when
# opened), so a lever change sends and redraws one tab, not five.
LEVER_TAB_KEY = "explorer_lever_tab"
LEVER_TABS = (
    "Targets",
    "Recruitment and retention",
    "Entries and step-downs",
    "Children's homes",
    "Horizon and prices",
)


def lever_widgets(scenario: Scenario, models: FittedModels) -> Scenario:
    """The levers as widgets, one tab drawn at a time; returns the scenario they describe
    (validated): the open tab's widgets, the canonical scenario's values for the others."""
    tabs = st.tabs(list(LEVER_TABS), key=LEVER_TAB_KEY, on_change="rerun")
    drawers = (target_levers, recruitment_levers, demand_levers, home_levers, run_levers)
    changes: dict = {}
    for tab, draw in zip(tabs, drawers, strict=True):
        if tab.open:
            with tab:
                changes.update(draw(scenario, models))
    return scenario.replace(**changes) if changes else scenario


def target_levers(scenario: Scenario, models: FittedModels) -> dict:
    """The Targets tab: the scenario fields its widgets set."""
    origin = models.origin
    start = origin.date()
    end = (origin + pd.DateOffset(months=scenario.horizon_months)).date()
    left, right = st.columns(2)
    ifa_on = left.toggle(
        "IFA share target", key=widget("ifa_on", scenario.ifa_share_target_pct is not None)
    )
    ifa = left.slider(
        "Highest IFA share (%)",
        0,
        100,
        # 30 only where no target is set: a 0% target (no IFA placements) is a target
        key=widget(
            "ifa",
            30 if scenario.ifa_share_target_pct is None else int(scenario.ifa_share_target_pct),
        ),
        disabled=not ifa_on,
        help=lever_help("ifa_share_target_pct"),
    )
    basis = left.radio(
        "The share counts",
        list(BASES),
        format_func=BASES.get,
        horizontal=True,
        key=widget("ifa_basis", scenario.ifa_share_target_basis),
        disabled=not ifa_on,
        help=lever_help("ifa_share_target_basis"),
    )
    ifa_date = left.date_input(
        "IFA target date",
        key=widget(
            "ifa_date",
            month_date(
                scenario.ifa_share_target_date,
                default_target_date(origin, scenario.horizon_months),
            ),
        ),
        min_value=start,
        disabled=not ifa_on,
    )
    ext_on = right.toggle(
        "External residential target",
        key=widget("ext_on", scenario.external_residential_target is not None),
    )
    ext = right.number_input(
        "Most children in external residential care (children)",
        0,
        1000,
        key=widget(
            "ext",
            30
            if scenario.external_residential_target is None
            else int(scenario.external_residential_target),
        ),
        disabled=not ext_on,
    )
    ext_date = right.date_input(
        "External residential target date",
        key=widget("ext_date", month_date(scenario.external_residential_target_date, end)),
        min_value=start,
        disabled=not ext_on,
    )
    solve = right.toggle(
        "Add what the targets need to the plan",
        key=widget("solve", scenario.solve_targets),
        help=lever_help("solve_targets"),
    )
    return {
        "ifa_share_target_pct": float(ifa) if ifa_on else None,
        "ifa_share_target_date": month_text(ifa_date) if ifa_on else None,
        "ifa_share_target_basis": basis,
        "external_residential_target": float(ext) if ext_on else None,
        "external_residential_target_date": month_text(ext_date) if ext_on else None,
        "solve_targets": bool(solve),
    }


def recruitment_levers(scenario: Scenario, models: FittedModels) -> dict:
    """The Recruitment and retention tab: the scenario fields its widgets set."""
    figures = models.figures
    approvals = dict(scenario.approvals_per_quarter)
    marketing = dict(scenario.marketing_spend_per_quarter)
    st.caption(
        "Extra households approved each quarter, on top of the "
        f"{figures.approvals_per_quarter.value:.1f} a quarter approved now, which the model "
        "keeps approving without a plan."
    )
    columns = st.columns(len(CARER_TYPES))
    new_approvals = {}
    for column, carer_type in zip(columns, CARER_TYPES, strict=True):
        new_approvals[carer_type] = column.number_input(
            f"{carer_type.capitalize()} (a quarter)",
            0.0,
            100.0,
            step=1.0,
            key=widget(f"approvals_{carer_type}", float(approvals.get(carer_type, 0.0))),
            help=lever_help("approvals_per_quarter"),
        )
    pipeline = st.checkbox(
        "These households are already in assessment (no lead time)",
        key=widget("pipeline", scenario.approvals_in_pipeline),
        help=lever_help("approvals_in_pipeline"),
    )
    st.caption("Extra marketing spend by channel (£ a quarter).")
    columns = st.columns(4)
    new_marketing = {}
    for i, channel in enumerate(CHANNELS_SHOWN):
        new_marketing[channel] = columns[i % 4].number_input(
            f"{channel.capitalize()} (£)",
            0.0,
            500_000.0,
            step=500.0,
            key=widget(f"marketing_{channel}", float(marketing.get(channel, 0.0))),
            help=lever_help("marketing_spend_per_quarter"),
        )
    left, middle, right = st.columns(3)
    conversion = left.slider(
        "Better enquiry-to-approval conversion (%)",
        0,
        100,
        key=widget("conversion", int(scenario.conversion_improvement_pct)),
        help=lever_help("conversion_improvement_pct"),
    )
    conversion_cost = left.number_input(
        "Its cost (£ a year)",
        0.0,
        5_000_000.0,
        step=5_000.0,
        key=widget("conversion_cost", float(scenario.conversion_cost_per_year)),
        help=lever_help("conversion_cost_per_year"),
    )
    deregistration = middle.slider(
        "Change in carers leaving (%; negative = better retention)",
        -90,
        100,
        key=widget("deregistration", int(scenario.deregistration_change_pct)),
        help=lever_help("deregistration_change_pct"),
    )
    retention_cost = middle.number_input(
        "Its cost (£ a year) ",
        0.0,
        5_000_000.0,
        step=5_000.0,
        key=widget("retention_cost", float(scenario.retention_cost_per_year)),
        help=lever_help("retention_cost_per_year"),
    )
    capacity = authority_number(
        right,
        "Assessment capacity (households a quarter)",
        "assessment_capacity_per_quarter",
        scenario.assessment_capacity_per_quarter,
        figures.assessment_capacity_per_quarter,
        1.0,
        "%.0f",
    )
    budget = right.number_input(
        "Recruitment budget (£ a year; 0 = no limit)",
        0.0,
        20_000_000.0,
        step=10_000.0,
        key=widget("budget", float(scenario.recruitment_budget_per_year or 0.0)),
        help=lever_help("recruitment_budget_per_year"),
    )
    with st.expander("The authority's recruitment figures (change them to test a case)"):
        left, middle, right = st.columns(3)
        conversion_rate = authority_number(
            left,
            "Enquiries approved (%)",
            "enquiry_to_approval_pct",
            scenario.enquiry_to_approval_pct,
            figures.enquiry_to_approval,
            0.1,
            "%.1f",
            100,
        )
        lead = authority_number(
            middle,
            "Days from enquiry to approval",
            "days_enquiry_to_approval",
            scenario.days_enquiry_to_approval,
            figures.days_enquiry_to_approval,
            10.0,
            "%.0f",
        )
        leaving = authority_number(
            right,
            "Households leaving a year (%)",
            "annual_leaving_rate_pct",
            scenario.annual_leaving_rate_pct,
            figures.annual_leaving_rate,
            0.5,
            "%.1f",
            100,
        )
        reach = authority_number(
            left,
            "Extra enquiries a channel can bring (x today's)",
            "channel_reach",
            scenario.channel_reach,
            figures.channel_reach,
            0.5,
            "%.1f",
        )
        places = authority_number(
            middle,
            "Approved places per household",
            "places_per_household",
            scenario.places_per_household,
            figures.places_per_household,
            0.05,
            "%.2f",
        )
        occupancy = authority_number(
            right,
            "Approved places filled (%)",
            "occupancy_pct",
            scenario.occupancy_pct,
            figures.occupancy,
            1.0,
            "%.0f",
            100,
        )
    return {
        "approvals_per_quarter": {t: v for t, v in new_approvals.items() if v},
        "approvals_in_pipeline": bool(pipeline),
        "marketing_spend_per_quarter": {c: v for c, v in new_marketing.items() if v},
        "conversion_improvement_pct": float(conversion),
        "conversion_cost_per_year": float(conversion_cost),
        "deregistration_change_pct": float(deregistration),
        "retention_cost_per_year": float(retention_cost),
        "assessment_capacity_per_quarter": capacity,
        "recruitment_budget_per_year": float(budget) if budget else None,
        "enquiry_to_approval_pct": conversion_rate,
        "days_enquiry_to_approval": lead,
        "annual_leaving_rate_pct": leaving,
        "channel_reach": reach,
        "places_per_household": places,
        "occupancy_pct": occupancy,
    }


def demand_levers(scenario: Scenario, models: FittedModels) -> dict:
    """The Entries and step-downs tab: the scenario fields its widgets set."""
    entries = dict(scenario.entries_change_pct)
    st.caption("Edge-of-care work: % change in entries into care by age band.")
    # one row of sliders: a horizontal container is one element where columns are six
    row = st.container(horizontal=True, vertical_alignment="bottom")
    new_entries = {}
    for band in codes.AGE_BANDS:
        new_entries[band] = row.slider(
            f"Age {band} (% change)",
            -50,
            50,
            key=widget(f"entries_{band}", int(entries.get(band, 0))),
            help=lever_help("entries_change_pct"),
        )
    edge_cost = st.number_input(
        "Edge-of-care programme cost (£ a year)",
        0.0,
        20_000_000.0,
        step=10_000.0,
        key=widget("edge_cost", float(scenario.edge_of_care_cost_per_year)),
        help=lever_help("edge_of_care_cost_per_year"),
    )
    left, right = st.columns(2)
    step_downs = left.slider(
        "Step-downs from external residential (children a year)",
        0,
        60,
        key=widget("step_downs", int(scenario.step_downs_per_year)),
        help=lever_help("step_downs_per_year"),
    )
    destination = left.radio(
        "16-17 year olds step down to",
        ["supported", "fostering"],
        format_func={
            "supported": "supported accommodation",
            "fostering": "foster care",
        }.get,
        horizontal=True,
        key=widget("step_down_to", scenario.step_down_16_17_to),
        help=lever_help("step_down_16_17_to"),
    )
    support = right.number_input(
        "Support per stepped-down child (£ a week)",
        0.0,
        5_000.0,
        step=50.0,
        key=widget("support", float(scenario.step_down_support_per_week)),
        help=lever_help("step_down_support_per_week"),
    )
    support_months = right.number_input(
        "Months of support",
        0.0,
        60.0,
        step=1.0,
        key=widget("support_months", float(scenario.step_down_support_months)),
        help=lever_help("step_down_support_months"),
    )
    return {
        "entries_change_pct": {b: float(v) for b, v in new_entries.items() if v},
        "edge_of_care_cost_per_year": float(edge_cost),
        "step_downs_per_year": float(step_downs),
        "step_down_16_17_to": destination,
        "step_down_support_per_week": float(support),
        "step_down_support_months": float(support_months),
    }


def home_levers(scenario: Scenario, models: FittedModels) -> dict:
    """The Children's homes tab: the scenario fields its widgets set."""
    origin = models.origin
    start = origin.date()
    home = scenario.homes[0] if scenario.homes else None
    beds = st.number_input(
        "In-house children's home: beds opened (+) or closed (-); 0 = no change",
        int(LEVERS["homes"].minimum),
        int(LEVERS["homes"].maximum),
        step=1,
        key=widget("home_beds", home.beds if home else 0),
        help=lever_help("homes"),
    )
    left, right = st.columns(2)
    opening = left.date_input(
        "Opening (or closing) month",
        key=widget(
            "home_month",
            month_date(
                home.opening_month if home else None, (origin + pd.DateOffset(months=12)).date()
            ),
        ),
        min_value=start,
    )
    running = right.number_input(
        "Weekly running cost of a new home (£ a week, whole home)",
        0.0,
        100_000.0,
        step=500.0,
        key=widget("home_cost", float(home.weekly_running_cost) if home else 24_000.0),
        help="£ a week for staff and premises; assumption — please replace with your own figure",
    )
    homes = ()
    if beds:
        homes = (
            {
                "beds": int(beds),
                "opening_month": month_text(opening),
                "weekly_running_cost": float(running),
                "name": home.name if home else "children's home",
            },
        )
    return {"homes": homes}


def run_levers(scenario: Scenario, models: FittedModels) -> dict:
    """The Horizon and prices tab: the scenario fields its widgets set."""
    left, right = st.columns(2)
    horizon = left.slider(
        "Projection horizon (months)",
        12,
        60,
        step=6,
        key=widget("horizon", min(scenario.horizon_months, 60)),
        help=lever_help("horizon_months"),
    )
    right.caption(
        f"Headlines are the mean of {scenario.n_simulations} simulated futures (seed {SEED}), "
        "the same on every page. Unit costs, prices and inflation are on the Placement budget "
        "page."
    )
    return {"horizon_months": int(horizon)}


# --- charts ------------------------------------------------------------------------------------


def placements_chart(result, baseline) -> alt.Chart:
    """Children in in-house, IFA and external residential placements: scenario against baseline."""
    return placements_chart_of(placements_frame(result, baseline))


def placements_frame(result, baseline) -> pd.DataFrame:
    """The placements chart's data: children by month in three categories, with the plan and
    the baseline."""
    focus = (codes.IN_HOUSE_FOSTERING, codes.IFA_FOSTERING, codes.EXTERNAL_RESIDENTIAL)
    return pd.concat(
        [
            res.by_category[res.by_category["placement_category"].isin(focus)].assign(run=label)
            for label, res in (("with the plan", result), ("baseline", baseline))
        ]
    )


# the placements chart's colour for each series (blue, red, green: distinct hues, so each shaded
# range can be told from the others; two blues made the IFA and external residential ranges alike)
PLACEMENT_COLOURS = {
    codes.IN_HOUSE_FOSTERING: "#4e79a7",
    codes.IFA_FOSTERING: "#e15759",
    codes.EXTERNAL_RESIDENTIAL: "#59a14f",
}


def placements_chart_of(frame: pd.DataFrame) -> alt.Chart:
    """The placements chart of :func:`placements_frame`'s data.

    Each series' 80% range is shaded in its own colour, faint, with a thin outline of the same
    colour, under thicker lines: the IFA range (about 40 to 290 children on the demo) otherwise
    swamped the lines. Two layers, whatever the data (the chart is a template:
    :mod:`app_pages.chart_templates`).
    """
    legend = alt.Legend(symbolOpacity=1, labelLimit=320, orient="bottom", columns=3)
    colours = alt.Scale(domain=list(PLACEMENT_COLOURS), range=list(PLACEMENT_COLOURS.values()))
    base = alt.Chart(frame).encode(
        x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
        color=alt.Color("placement_category:N", title="Placement", legend=legend, scale=colours),
    )
    band = (
        base.transform_filter(alt.datum.run == "with the plan")
        .mark_area(fillOpacity=0.12, strokeOpacity=0.55, strokeWidth=1)
        .encode(
            y=alt.Y("p10:Q", title="Children"),
            y2="p90:Q",
            stroke=alt.Stroke("placement_category:N", scale=colours, legend=None),
        )
    )
    lines = base.mark_line(strokeWidth=2.5).encode(
        y="mean:Q",
        strokeDash=alt.StrokeDash(
            "run:N",
            title="Run",
            scale=alt.Scale(domain=["with the plan", "baseline"], range=[[1, 0], [6, 4]]),
            legend=alt.Legend(symbolStrokeWidth=2, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("run:N", title="Run"),
            alt.Tooltip("placement_category:N", title="Placement"),
            alt.Tooltip("month:T", title="Month end", format="%b %Y"),
            alt.Tooltip("mean:Q", title="Children (mean)", format=".0f"),
            alt.Tooltip("p10:Q", title="Likely range from (8 in 10)", format=".0f"),
            alt.Tooltip("p90:Q", title="Likely range to (8 in 10)", format=".0f"),
        ],
    )
    return (band + lines).properties(height=380)


def costs_chart(result) -> alt.Chart:
    """Cost by financial year in six groups (£ million, cash)."""
    return costs_chart_of(costs_frame(result))


def costs_frame(result) -> pd.DataFrame:
    """The cost chart's data: £ by financial year and cost group."""
    frame = result.costs_by_financial_year.copy()
    frame["group"] = (
        frame["placement_category"]
        .map(COST_GROUPS)
        .fillna(
            frame["placement_category"].where(
                frame["placement_category"].isin(codes.PLACEMENT_CATEGORIES), INVESTMENT_GROUP
            )
        )
    )
    frame.loc[
        frame["placement_category"].isin(codes.PLACEMENT_CATEGORIES)
        & ~frame["placement_category"].isin(list(COST_GROUPS)),
        "group",
    ] = "other placements"
    frame = frame.groupby(["financial_year", "group"], as_index=False)["cost_mean"].sum()
    frame["cost_m"] = frame["cost_mean"] / 1e6
    return frame


def costs_chart_of(frame: pd.DataFrame) -> alt.Chart:
    """The cost chart of :func:`costs_frame`'s data."""
    order = [
        "in-house fostering",
        "family and friends fostering",
        "IFA and other councils' fostering",
        "residential (in-house and external)",
        "other placements",
        INVESTMENT_GROUP,
    ]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "financial_year:N",
                title="Financial year (April-March)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("sum(cost_m):Q", title="£ million (cash)"),
            color=alt.Color(
                "group:N",
                title="",
                sort=order,
                scale=alt.Scale(domain=order, scheme="tableau10"),
                # one column: six labels up to 35 characters do not fit side by side in half
                # the page, and a cut legend hides which colour is which
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=320),
            ),
            order=alt.Order("group:N"),
            tooltip=[
                alt.Tooltip("financial_year:N", title="Financial year"),
                alt.Tooltip("group:N", title="Cost"),
                alt.Tooltip("cost_m:Q", title="£ million", format=",.2f"),
            ],
        )
        .properties(height=440)
    )


def households_chart(result, baseline) -> alt.Chart:
    """In-house foster households by month, with the plan and the baseline."""
    return households_chart_of(households_frame(result, baseline))


def households_frame(result, baseline) -> pd.DataFrame:
    """The households chart's data."""
    return pd.concat(
        [
            res.carers[["month", "households"]].assign(run=label)
            for label, res in (("with the plan", result), ("baseline", baseline))
        ]
    )


def households_chart_of(frame: pd.DataFrame) -> alt.Chart:
    """The households chart of :func:`households_frame`'s data."""
    return (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("households:Q", title="In-house foster households"),
            strokeDash=alt.StrokeDash(
                "run:N",
                title="Run",
                scale=alt.Scale(domain=["with the plan", "baseline"], range=[[1, 0], [6, 4]]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("run:N", title="Run"),
                alt.Tooltip("month:T", title="Month end", format="%b %Y"),
                alt.Tooltip("households:Q", title="Households", format=".0f"),
            ],
        )
        .properties(height=440)
    )


COMPARE_LABELS = {
    "scenario": "Scenario",
    "children_end": st.column_config.NumberColumn("Children at the end", format="%.0f"),
    "ifa_share_end_pct": st.column_config.NumberColumn("IFA share at the end", format="%.0f%%"),
    "ifa_share_non_kinship_end_pct": st.column_config.NumberColumn(
        "IFA share leaving out family and friends carers", format="%.0f%%"
    ),
    "in_house_households_end": st.column_config.NumberColumn(
        "In-house households at the end", format="%.0f"
    ),
    "approvals_needed_total": st.column_config.NumberColumn(
        "Extra households the targets need", format="%.0f"
    ),
    "total_cost_gbp": st.column_config.NumberColumn("Total cost (£, cash)", format="localized"),
    "total_investment_gbp": st.column_config.NumberColumn("Investment (£)", format="localized"),
    "npv_gbp": st.column_config.NumberColumn("Net present value (£)", format="localized"),
    "payback_month": "Payback month",
}


def comparison_chart(tables: dict[str, pd.DataFrame]) -> alt.Chart:
    """Cost by financial year and in-house households, one line per scenario."""
    costs = tables["costs"].melt("financial_year", var_name="scenario", value_name="cost")
    costs["cost_m"] = costs["cost"] / 1e6
    carers = tables["carers"].melt("month", var_name="scenario", value_name="households")
    legend = alt.Legend(orient="bottom", labelLimit=320, columns=2)
    cost_chart = (
        alt.Chart(costs, title="Cost by financial year")
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "financial_year:N",
                title="Financial year (April-March)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("cost_m:Q", title="£ million (cash)"),
            color=alt.Color("scenario:N", title="Scenario", legend=legend),
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("financial_year:N", title="Financial year"),
                alt.Tooltip("cost_m:Q", title="£ million", format=",.2f"),
            ],
        )
        .properties(height=300, width=420)
    )
    carer_chart = (
        alt.Chart(carers, title="In-house foster households")
        .mark_line()
        .encode(
            x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("households:Q", title="Households"),
            color=alt.Color("scenario:N", title="Scenario", legend=legend),
        )
        .properties(height=300, width=420)
    )
    return alt.hconcat(cost_chart, carer_chart)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=CACHE_TTL)
def chart_specs(_result, _baseline, key: str, scenario_json: str, baseline_json: str, seed: int):
    """The page's three charts, built once per run (keyed like :func:`scenario_result`): a rerun
    that changes nothing, or flips back to a value already computed, only re-sends them."""
    return {
        "placements": chart_spec(
            "explorer placements", placements_frame(_result, _baseline), placements_chart_of
        ),
        "households": chart_spec(
            "explorer households", households_frame(_result, _baseline), households_chart_of
        ),
        "costs": chart_spec("explorer costs", costs_frame(_result), costs_chart_of),
    }


def show_chart(spec) -> None:
    """Draw a chart from :func:`chart_specs` (a copy: Streamlit moves the data out of the spec)."""
    if isinstance(spec, alt.TopLevelMixin):
        st.altair_chart(spec, width="stretch")
    else:
        st.vega_lite_chart(copy.deepcopy(spec), width="stretch")


# Session-state key of the library's open tab (only that tab is drawn on each run).
LIBRARY_TAB_KEY = "library_tab"


def library_section(scenario: Scenario, models: FittedModels, key: str) -> None:
    """Save, open, rename, delete (app_pages/library.py), compare and share.

    Only the open tab is drawn (and the library read only when a tab needs it): a lever change
    does not pay for the saved list, the comparison or the forms behind the other tabs.
    """
    store = library.open_store()
    if store is None:
        return
    library.show_message()
    save_tab, load_tab, compare_tab, share_tab = st.tabs(
        ["Save", "Open, rename or delete", "Compare", "Share a link"],
        key=LIBRARY_TAB_KEY,
        on_change="rerun",
    )

    def on_saved(saved: Scenario) -> None:
        st.session_state[SCENARIO_KEY] = saved

    if save_tab.open:
        with save_tab:
            library.save_panel(store, scenario, on_saved)
    if load_tab.open or compare_tab.open:
        try:
            saved = store.library()
        except SufficiencyError as error:
            st.error(plain(error), icon=":material/error:")
            return
    if load_tab.open:
        with load_tab:
            library.manage_panel(store, saved, on_open=set_scenario)
    if compare_tab.open:
        with compare_tab:
            chosen = library.compare_picker(saved)
            if chosen:
                results = [scenario_result(models, key, scenario.to_json(), SEED)]
                results += [scenario_result(models, key, s.to_json(), SEED) for s in chosen]
                if len({r.scenario.name for r in results}) < len(results):
                    st.caption("Scenarios with the same name are numbered in the order shown.")
                tables = compare(results)
                st.dataframe(
                    tables["headline"].round(
                        {"total_cost_gbp": 0, "total_investment_gbp": 0, "npv_gbp": 0}
                    ),
                    hide_index=True,
                    width="stretch",
                    column_config={**COMPARE_LABELS, **compare_month_labels(tables["headline"])},
                )
                st.altair_chart(comparison_chart(tables), width="stretch")
                money_columns = {
                    column: st.column_config.NumberColumn(column, format="localized")
                    for column in [*tables["costs"].columns[1:], *tables["differences"].columns[1:]]
                }
                st.markdown("**Cost by financial year (£, cash)**")
                st.dataframe(
                    tables["costs"].round(0),
                    hide_index=True,
                    width="stretch",
                    column_config={"financial_year": "Financial year", **money_columns},
                )
                st.dataframe(
                    tables["differences"].round(0),
                    hide_index=True,
                    width="stretch",
                    column_config={"financial_year": "Financial year", **money_columns},
                )
                st.download_button(
                    "Download the comparison (CSV)",
                    comparison_csv(tables, scenario.price_base_year),  # presentation.py
                    file_name=export_name(scenario, "comparison", "csv"),
                    mime="text/csv",
                    on_click="ignore",
                )
    if share_tab.open:
        with share_tab:
            share_panel(scenario)


def share_panel(scenario: Scenario) -> None:
    query = scenario.to_query_string()
    # st.context.url is this page's address as the browser sent it (no query string).
    page_url = (st.context.url or "").split("?")[0]
    st.caption(
        "Send this link to a colleague who can open this explorer, or bookmark it: it reopens "
        "exactly this scenario. It holds only the levers, never any data."
    )
    st.code(f"{page_url}?{query}", language=None)
    if st.button("Put it in the address bar", key="share_set"):
        st.query_params.from_dict(dict(parse_qsl(query, keep_blank_values=True)))


def authority_section(models: FittedModels) -> None:
    """The authority's figures and their sources, drawn only while the expander is open."""
    figures = models.figures
    section = st.expander(
        "The authority's figures every page uses, and where they come from",
        key="authority_figures_open",
        on_change="rerun",
    )
    if not section.open:
        return
    with section:
        st.markdown(figures.in_house.describe())
        reconciliation = figures.in_house.table()
        counts = ["households", "approved_places", "usable_places", "children_placed"]
        # a source that does not give a count shows a dash, not "None"
        reconciliation[counts] = reconciliation[counts].map(
            lambda v: "–" if pd.isna(v) else f"{v:,.0f}"
        )
        st.dataframe(
            reconciliation.rename(
                columns={
                    "source": "Source",
                    "households": "Households",
                    "approved_places": "Approved places",
                    "usable_places": "Usable places",
                    "children_placed": "Children placed",
                }
            ),
            hide_index=True,
            width="stretch",
        )
        table = figures.table()
        table["value"] = table.pop("text")
        # values are shown as the pages show them ("6.1%"), so the unit drops its "(0-1)"
        table["unit"] = table["unit"].str.replace(" (0-1)", "", regex=False)
        # wrapped text: the sources are long (presentation.py)
        sources_table(
            table, {"figure": "Figure", "value": "Value", "unit": "Unit", "source": "Source"}
        )


def main() -> None:
    st.title("Scenario explorer")
    active = active_903_data()
    show_data_banner(active)
    models, key = authority_models(active)
    explorer(models, key)
    # the models are in memory now: later full garbage collections skip them (app_pages/long_lived)
    freeze_long_lived()


@st.fragment
def explorer(models: FittedModels, key: str) -> None:
    """Levers, the answer, charts, downloads and the library: a lever change reruns only this
    (not the page around it), and every part of it shows the scenario the levers describe."""
    # checked on every run of the fragment: a scenario opened from the library arrives here
    scenario = refuse_unshowable(current_scenario(), models.origin)
    # the name box is drawn after the levers are read, so an automatic name follows the levers
    # on the same run (widget values are in the session state before the widgets are drawn)
    name_slot = st.container()
    for note in scenario.migration_notes:
        st.info(plain(note), icon=":material/update:")
    top = st.container()
    st.subheader("Levers")
    name_key = widget("name", scenario.name)
    typed = str(st.session_state.get(name_key) or "").strip()
    try:
        edited = lever_widgets(scenario, models).replace(name=typed or scenario.name)
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        edited = scenario
    # still called "baseline" (or its automatic name): the name says what the levers change,
    # also for a link or file that set levers without a name
    named = renamed(scenario, edited)
    if named != scenario or named.name != scenario.name:
        st.session_state[SCENARIO_KEY] = named
        scenario = named
    if st.session_state.get(name_key) != scenario.name:
        st.session_state[name_key] = scenario.name
    with name_slot:
        st.text_input(
            "Name of this scenario",
            key=name_key,
            help="Shown on every page and export. Until you type a name, it says what the "
            "levers and targets change.",
        )
    try:
        scenario_json, baseline_json = scenario.to_json(), baseline_of(scenario).to_json()
        result = scenario_result(models, key, scenario_json, SEED)
        baseline = scenario_result(models, key, baseline_json, SEED)
    except SufficiencyError as error:
        top.error(plain(error), icon=":material/error:")
        return
    with top:
        end_month = pd.Timestamp(result.placements["month"].max())
        st.caption(
            f"**{plain(scenario.name)}** · from {models.origin:%B %Y} to {end_month:%B %Y} · mean of "
            f"{result.summary['simulated_paths']} simulated futures · changes against the baseline "
            "(the same futures with no levers)"
        )
        answer(result, baseline, cost_note(result, key, models.is_demo))

    st.subheader("Placements: in-house fostering, IFA fostering, external residential")
    charts = chart_specs(result, baseline, key, scenario_json, baseline_json, SEED)
    show_chart(charts["placements"])
    st.caption(
        "Children in each placement type at each month end. Solid lines: with the plan; dashed: "
        "the baseline of current trends; shaded, in each placement's colour and outlined: with the "
        "plan, 8 in 10 of the simulated futures fall in this range. Foster and residential demand is met by the in-house carers and beds first "
        "(today's, those approved as now, and the extra recruitment), the rest goes to IFAs "
        "and external homes."
    )
    show_forecast_caveat(models)  # the Demand forecast page's track record, beside its chart
    left, right = st.columns(2)
    with left:
        st.subheader("In-house foster households")
        show_chart(charts["households"])
    with right:
        st.subheader("Cost by financial year")
        show_chart(charts["costs"])
    if not result.carers_needed.empty and result.summary["approvals_needed_total"] > 0:
        st.subheader("Approvals the targets need, by quarter")
        approvals_table(result.carers_needed, result.plan)  # fits 1280 px (presentation.py)
    authority_section(models)

    # Files are built only when a button is clicked, so a lever change does not pay for them.
    # One row (a horizontal container: one element where columns are four).
    downloads = st.container(horizontal=True)
    downloads.download_button(
        "Download the workbook (Excel)",
        lambda: workbook_bytes(result),
        file_name=export_name(scenario, "scenario", "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    downloads.download_button(
        "Download placements (CSV)",
        # with the month's IFA shares as the headline measures them (placements_table)
        lambda: csv_bytes(
            placements_table(result).assign(scenario=scenario.name), units=RESULT_UNITS
        ),
        file_name=export_name(scenario, "placements", "csv"),
        mime="text/csv",
        on_click="ignore",
    )
    downloads.download_button(
        "Download the printable summary (HTML)",
        lambda: summary_html(result, board_checks(models, result, key)),
        file_name=export_name(scenario, "summary", "html"),
        mime="text/html",
        on_click="ignore",
    )
    st.subheader("Save, load, compare and share")
    library_section(scenario, models, key)


if __name__ == "__main__":  # Streamlit runs pages as __main__; tests import the charts
    main()
