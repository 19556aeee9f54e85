"""Scenario explorer (commissioners): levers -> sufficiency gap, carers needed and costs.

One canonical :class:`~sufficiency.scenario.Scenario` lives in session state under a key no widget
owns; widgets are initialised from it and rebuild it when they change. Save, load and compare use
the scenario library (SQLite by default, ``SUFFICIENCY_SCENARIO_DB`` for a shared database), and the
share link is the scenario's versioned query string, which reopens the same scenario.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import library
from app_pages.common import (
    active_903_data,
    csv_bytes,
    data_key,
    fitted_scenario_models,
    scenario_result,
    show_data_banner,
)
from app_pages.plain import plain
from sufficiency import codes
from sufficiency.errors import SufficiencyError
from sufficiency.exports import summary_html, workbook_bytes
from sufficiency.scenario import (
    CARER_TYPES,
    LEVERS,
    FittedModels,
    Scenario,
    baseline_of,
    compare,
)

# Session-state key of the canonical scenario, shared with the Finance page; no widget owns it.
SCENARIO_KEY = "scenario"
WIDGET_PREFIX = "sx_"
SEED = 0
CHANNELS_SHOWN = (
    "radio",
    "social media",
    "billboard",
    "bus stop",
    "leaflet drop",
    "stadium screen",
)


def current_scenario() -> Scenario:
    """The canonical scenario: from the link on first visit, else the session, else defaults."""
    if SCENARIO_KEY not in st.session_state:
        scenario = Scenario(n_simulations=0)
        if "v" in st.query_params:
            try:
                scenario = Scenario.from_query_string(urlencode(st.query_params.to_dict()))
            except SufficiencyError as error:
                st.warning(f"The link could not be opened: {error}")
        st.session_state[SCENARIO_KEY] = scenario
    return st.session_state[SCENARIO_KEY]


def set_scenario(scenario: Scenario) -> None:
    """Replace the canonical scenario and reset the widgets so they show it."""
    st.session_state[SCENARIO_KEY] = scenario
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


def widget(key: str, default):
    """Initialise a widget's state from the canonical scenario (only when absent)."""
    full = WIDGET_PREFIX + key
    if full not in st.session_state:
        st.session_state[full] = default
    return full


def month_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def month_date(text: str | None, fallback: dt.date) -> dt.date:
    if not text:
        return fallback
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def lever_help(name: str) -> str:
    lever = LEVERS[name]
    return f"{lever.unit}. Source: {lever.source}"


def lever_widgets(scenario: Scenario, origin: pd.Timestamp) -> Scenario:
    """Every lever as a widget; returns the scenario they describe (validated)."""
    start = origin.date()
    end_default = (origin + pd.DateOffset(months=scenario.horizon_months)).date()
    entries = dict(scenario.entries_change_pct)
    approvals = dict(scenario.approvals_per_quarter)
    marketing = dict(scenario.marketing_spend_per_quarter)
    home = scenario.homes[0] if scenario.homes else None

    demand_tab, supply_tab, homes_tab, targets_tab, run_tab = st.tabs(
        [
            "Entries and step-downs",
            "Recruitment and retention",
            "Children's homes",
            "Targets",
            "Horizon and uncertainty",
        ]
    )
    with demand_tab:
        st.caption("Edge-of-care work: % change in entries into care by age band.")
        columns = st.columns(len(codes.AGE_BANDS))
        new_entries = {}
        for column, band in zip(columns, codes.AGE_BANDS, strict=True):
            new_entries[band] = column.slider(
                f"Age {band} (% change)",
                -50,
                50,
                key=widget(f"entries_{band}", int(entries.get(band, 0))),
                help=lever_help("entries_change_pct"),
            )
        step_downs = st.slider(
            "Step-downs from external residential to fostering (children a year)",
            0,
            60,
            key=widget("step_downs", int(scenario.step_downs_per_year)),
            help=lever_help("step_downs_per_year"),
        )
    with supply_tab:
        plan = st.toggle(
            "Set approvals per quarter (otherwise recruitment replaces carers who leave)",
            key=widget("plan_approvals", bool(approvals)),
        )
        new_approvals = {}
        if plan:
            columns = st.columns(len(CARER_TYPES))
            for column, carer_type in zip(columns, CARER_TYPES, strict=True):
                new_approvals[carer_type] = column.number_input(
                    f"{carer_type.capitalize()} (households a quarter)",
                    0.0,
                    100.0,
                    step=1.0,
                    key=widget(f"approvals_{carer_type}", float(approvals.get(carer_type, 0.0))),
                    help=lever_help("approvals_per_quarter"),
                )
        st.caption("Extra marketing spend by channel (£ a quarter).")
        columns = st.columns(3)
        new_marketing = {}
        for i, channel in enumerate(CHANNELS_SHOWN):
            new_marketing[channel] = columns[i % 3].number_input(
                f"{channel.capitalize()} (£ a quarter)",
                0.0,
                500_000.0,
                step=500.0,
                key=widget(f"marketing_{channel}", float(marketing.get(channel, 0.0))),
                help=lever_help("marketing_spend_per_quarter"),
            )
        left, right = st.columns(2)
        conversion = left.slider(
            "Improvement in enquiry-to-approval conversion (%)",
            0,
            100,
            key=widget("conversion", int(scenario.conversion_improvement_pct)),
            help=lever_help("conversion_improvement_pct"),
        )
        deregistration = right.slider(
            "Change in carers leaving each year (%; negative = better retention)",
            -90,
            100,
            key=widget("deregistration", int(scenario.deregistration_change_pct)),
            help=lever_help("deregistration_change_pct"),
        )
    with homes_tab:
        beds = st.number_input(
            "In-house children's home: beds opened (+) or closed (-); 0 = no change",
            -30,
            30,
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
            help="£ a week for staff and premises; "
            "assumption — please replace with your own figure",
        )
    with targets_tab:
        left, right = st.columns(2)
        ifa_on = left.toggle(
            "IFA share target", key=widget("ifa_on", scenario.ifa_share_target_pct is not None)
        )
        ifa = left.slider(
            "Highest IFA share of non-kinship foster placements (%)",
            0,
            100,
            key=widget("ifa", int(scenario.ifa_share_target_pct or 30)),
            disabled=not ifa_on,
        )
        ifa_date = left.date_input(
            "IFA target date",
            key=widget("ifa_date", month_date(scenario.ifa_share_target_date, end_default)),
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
            key=widget("ext", int(scenario.external_residential_target or 30)),
            disabled=not ext_on,
        )
        ext_date = right.date_input(
            "External residential target date",
            key=widget(
                "ext_date", month_date(scenario.external_residential_target_date, end_default)
            ),
            min_value=start,
            disabled=not ext_on,
        )
    with run_tab:
        left, right = st.columns(2)
        horizon = left.slider(
            "Projection horizon (months)",
            12,
            60,
            step=6,
            key=widget("horizon", min(scenario.horizon_months, 60)),
            help=lever_help("horizon_months"),
        )
        simulations = right.select_slider(
            "Simulated paths (0 = mean path only, fastest)",
            options=[0, 50, 100, 200],
            key=widget(
                "simulations",
                scenario.n_simulations if scenario.n_simulations in (0, 50, 100, 200) else 0,
            ),
            help=lever_help("n_simulations"),
        )
    homes = ()
    if beds:
        homes = (
            {
                "beds": int(beds),
                "opening_month": month_text(opening),
                "weekly_running_cost": float(running),
                "name": "children's home",
            },
        )
    return scenario.replace(
        horizon_months=int(horizon),
        n_simulations=int(simulations),
        entries_change_pct={b: float(v) for b, v in new_entries.items() if v},
        step_downs_per_year=float(step_downs),
        approvals_per_quarter={t: v for t, v in new_approvals.items() if v} if plan else {},
        marketing_spend_per_quarter={c: v for c, v in new_marketing.items() if v},
        conversion_improvement_pct=float(conversion),
        deregistration_change_pct=float(deregistration),
        homes=homes,
        ifa_share_target_pct=float(ifa) if ifa_on else None,
        ifa_share_target_date=month_text(ifa_date) if ifa_on else None,
        external_residential_target=float(ext) if ext_on else None,
        external_residential_target_date=month_text(ext_date) if ext_on else None,
    )


def placements_chart(result, baseline) -> alt.Chart:
    """Children in IFA and external residential placements: scenario against baseline."""
    focus = (codes.IFA_FOSTERING, codes.EXTERNAL_RESIDENTIAL, codes.IN_HOUSE_FOSTERING)
    frames = []
    for label, res in (("scenario", result), ("baseline", baseline)):
        rows = res.placements[res.placements["placement_category"].isin(focus)]
        frames.append(
            rows.groupby(["month", "placement_category"], as_index=False)[["mean", "p10", "p90"]]
            .sum()
            .assign(run=label)
        )
    frame = pd.concat(frames)
    legend = alt.Legend(symbolOpacity=1, labelLimit=260)
    base = alt.Chart(frame).encode(
        x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
        color=alt.Color("placement_category:N", title="Placement", legend=legend),
    )
    band = (
        base.transform_filter(alt.datum.run == "scenario")
        .mark_area(opacity=0.2)
        .encode(
            y=alt.Y("p10:Q", title="Children in placement"),
            y2="p90:Q",
        )
    )
    lines = base.mark_line().encode(
        y="mean:Q",
        strokeDash=alt.StrokeDash(
            "run:N",
            title="Run",
            scale=alt.Scale(domain=["scenario", "baseline"], range=[[1, 0], [6, 4]]),
            legend=alt.Legend(symbolStrokeWidth=2),
        ),
        tooltip=[
            alt.Tooltip("run:N", title="Run"),
            alt.Tooltip("placement_category:N", title="Placement"),
            alt.Tooltip("month:T", title="Month end", format="%b %Y"),
            alt.Tooltip("mean:Q", title="Children (mean)", format=".0f"),
            alt.Tooltip("p10:Q", title="10th percentile", format=".0f"),
            alt.Tooltip("p90:Q", title="90th percentile", format=".0f"),
        ],
    )
    return (band + lines).properties(height=320)


def costs_chart(result) -> alt.Chart:
    frame = result.costs_by_financial_year.copy()
    frame["cost_m"] = frame["cost_mean"] / 1e6
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "financial_year:N",
                title="Financial year (April-March)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("sum(cost_m):Q", title="Cost (£ million, nominal)"),
            color=alt.Color(
                "placement_category:N",
                title="Category",
                scale=alt.Scale(scheme="tableau20"),
                legend=alt.Legend(labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("financial_year:N", title="Financial year"),
                alt.Tooltip("placement_category:N", title="Category"),
                alt.Tooltip("cost_m:Q", title="£ million", format=",.2f"),
            ],
        )
        .properties(height=300)
    )


def comparison_chart(tables: dict[str, pd.DataFrame]) -> alt.Chart:
    """Cost by financial year and in-house households, one line per scenario."""
    costs = tables["costs"].melt("financial_year", var_name="scenario", value_name="cost")
    costs["cost_m"] = costs["cost"] / 1e6
    carers = tables["carers"].melt("month", var_name="scenario", value_name="households")
    cost_chart = (
        alt.Chart(costs)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "financial_year:N",
                title="Financial year (April-March)",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("cost_m:Q", title="Cost (£ million, nominal)"),
            color=alt.Color("scenario:N", title="Scenario"),
            tooltip=["scenario:N", "financial_year:N", alt.Tooltip("cost_m:Q", format=",.2f")],
        )
        .properties(height=260)
    )
    carer_chart = (
        alt.Chart(carers)
        .mark_line()
        .encode(
            x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("households:Q", title="In-house foster households (households)"),
            color=alt.Color("scenario:N", title="Scenario"),
        )
        .properties(height=260)
    )
    return alt.hconcat(cost_chart, carer_chart)


def library_section(scenario: Scenario, models: FittedModels, key: str) -> None:
    """Save, open, rename, delete (app_pages/library.py), compare and share."""
    store = library.open_store()
    if store is None:
        return
    library.show_message()
    save_tab, load_tab, compare_tab, share_tab = st.tabs(
        ["Save", "Open, rename or delete", "Compare", "Share a link"]
    )

    def on_saved(saved: Scenario) -> None:
        st.session_state[SCENARIO_KEY] = saved

    with save_tab:
        library.save_panel(store, scenario, on_saved)
    try:
        saved = store.library()
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        return
    with load_tab:
        library.manage_panel(store, saved, on_open=set_scenario)
    with compare_tab:
        chosen = library.compare_picker(saved)
        if chosen:
            results = [scenario_result(models, key, scenario.to_json(), SEED)]
            results += [scenario_result(models, key, s.to_json(), SEED) for s in chosen]
            if len({r.scenario.name for r in results}) < len(results):
                st.caption("Scenarios with the same name are numbered in the order shown.")
            tables = compare(results)
            st.dataframe(
                tables["headline"].round({"total_cost_gbp": 0, "total_investment_gbp": 0}),
                hide_index=True,
                width="stretch",
                column_config={
                    "scenario": "Scenario",
                    "children_end": st.column_config.NumberColumn(
                        "Children at the end", format="%.0f"
                    ),
                    "ifa_share_end_pct": st.column_config.NumberColumn(
                        "IFA share at the end (%)", format="%.0f%%"
                    ),
                    "in_house_households_end": st.column_config.NumberColumn(
                        "In-house households at the end", format="%.0f"
                    ),
                    "total_cost_gbp": st.column_config.NumberColumn(
                        "Total cost (£)", format="localized"
                    ),
                    "total_investment_gbp": st.column_config.NumberColumn(
                        "Investment (£)", format="localized"
                    ),
                    "payback_month": "Payback month",
                },
            )
            st.altair_chart(comparison_chart(tables), width="stretch")
            st.dataframe(tables["costs"], hide_index=True, width="stretch")
            st.dataframe(tables["differences"], hide_index=True, width="stretch")
            st.download_button(
                "Download the comparison (CSV)",
                csv_bytes(tables["costs"].merge(tables["differences"], on="financial_year")),
                file_name="scenario_comparison.csv",
                mime="text/csv",
            )
    with share_tab:
        query = scenario.to_query_string()
        st.caption(
            "Add this to the explorer's address (after the page path) to reopen exactly this "
            "scenario. It holds only the levers, never any data."
        )
        st.code("?" + query, language=None)
        if st.button("Put it in the address bar", key="share_set"):
            st.query_params.from_dict(dict(parse_qsl(query, keep_blank_values=True)))


def main() -> None:
    st.title("Scenario explorer")
    st.write(
        "Pull the levers (entries, step-downs, recruitment, retention, homes and targets) and see "
        "the placements the council will need, the in-house carers that takes, and what it costs "
        "by financial year against a baseline of current trends."
    )
    active = active_903_data()
    show_data_banner(active)
    key = data_key(active)
    models = fitted_scenario_models(active.data, key, active.is_demo, active.label)
    scenario = current_scenario()
    try:
        edited = lever_widgets(scenario, models.origin)
    except SufficiencyError as error:
        st.error(str(error))
        edited = scenario
    if edited != scenario:
        st.session_state[SCENARIO_KEY] = edited
        scenario = edited
    try:
        result = scenario_result(models, key, scenario.to_json(), SEED)
        baseline = scenario_result(models, key, baseline_of(scenario).to_json(), SEED)
    except SufficiencyError as error:
        st.error(str(error))
        return

    s = result.summary
    end_month = pd.Timestamp(result.placements["month"].max())
    children_change = s["children_looked_after_end"] - baseline.summary["children_looked_after_end"]
    st.caption(
        f"At {end_month:%B %Y}, the end of the horizon ("
        + (
            "the mean path"
            if scenario.n_simulations == 0
            else f"mean of {scenario.n_simulations} simulated futures"
        )
        + "); costs are over the whole horizon."
    )
    cols = st.columns(5)
    cols[0].metric(
        "Children looked after",
        f"{s['children_looked_after_end']:,.0f}",
        f"{children_change:+,.0f} vs baseline" if round(children_change) != 0 else None,
        delta_color="inverse",
        help=f"Children looked after (mean of the simulated futures) at {end_month:%B %Y}, the "
        "end of the horizon.",
    )
    cols[1].metric(
        "IFA share of foster placements",
        f"{s['ifa_share_of_fostering_end_pct']:.0f}%",
        f"{s['ifa_share_of_non_kinship_fostering_end_pct']:.0f}% of non-kinship",
        delta_color="off",
        help=f"Share of all foster placements (in-house, IFA, other councils and family and "
        f"friends carers) that are with an independent fostering agency at {end_month:%B %Y}, "
        "as councils report it. Below: the share of non-kinship foster placements (family and "
        "friends carers left out), a larger number. Placements with other councils or public "
        "bodies (PR2/PR3) are not IFA placements.",
    )
    cols[2].metric(
        "In-house households",
        f"{s['in_house_households_end']:,.0f}",
        help=f"Approved in-house foster-carer households at {end_month:%B %Y}, after carers "
        "leave and new ones are approved.",
    )
    cols[3].metric(
        "Total cost (£m, nominal)",
        f"£{s['total_cost_gbp'] / 1e6:,.1f}m",
        help="Placements, recruitment and carer support over the whole horizon, in cash terms "
        "(with inflation). By financial year below; unit costs and sources on the Placement "
        "budget page.",
    )
    cols[4].metric(
        "Placement saving vs baseline",
        f"£{s['total_saving_vs_baseline_gbp'] / 1e6:,.1f}m",
        f"payback {pd.Timestamp(s['payback_month']):%b %Y}" if s["payback_month"] else None,
        help="Placement costs saved against the baseline (the same forecast with every lever "
        "at its default), before the scenario's investment in recruitment, carer support and "
        "step-down packages, which the invest-to-save chart on the Placement budget page nets "
        "off. A negative saving is an extra cost.",
    )
    if not result.targets.empty:
        targets = result.targets.assign(
            met=result.targets["met"].map({True: "met", False: "not met"})
        )
        st.dataframe(
            targets,
            hide_index=True,
            width="stretch",
            column_config={
                "target": "Measure",
                "date": "Checked at (month)",
                "projected": st.column_config.NumberColumn("Projected (mean path)", format="%.1f"),
                "target_value": st.column_config.NumberColumn("Target level", format="%.1f"),
                "met": "Met?",
                "note": "Note",
            },
        )

    st.subheader("Placements needed: in-house fostering, IFA fostering, external residential")
    st.altair_chart(placements_chart(result, baseline), width="stretch")
    st.caption(
        "Children in each placement type at each month end. Solid lines: this scenario; dashed "
        "lines: the baseline of current trends. "
        + (
            "Only the mean path is simulated, so no range is shown: set simulated paths on the "
            "Horizon and uncertainty tab to see one. "
            if scenario.n_simulations == 0
            else "Shaded: the scenario's 10th-90th percentile band (8 in 10 simulated futures "
            "fall inside). "
        )
        + "Every child counted here who is not in an in-house placement is a place the council "
        "buys. Unlike the Demand forecast page, which projects placements as children have been "
        "moving between them, here foster and residential demand is met by the in-house carers "
        "and beds the scenario provides (today's usable places, less carers who leave, plus "
        "recruitment) and the rest goes to IFAs and external homes: without extra recruitment, "
        "growth and step-downs land with IFAs."
    )
    st.subheader("Carers needed")
    st.write(result.carers_needed_text)
    if not result.carers_needed.empty:
        totals = (
            result.carers_needed.groupby("quarter", sort=False)[
                ["approvals_needed", "enquiries_needed"]
            ]
            .sum()
            .reset_index()
        )
        if totals[["approvals_needed", "enquiries_needed"]].to_numpy().sum() > 0:
            st.dataframe(
                totals,
                hide_index=True,
                width="stretch",
                column_config={
                    "quarter": "Quarter",
                    "approvals_needed": st.column_config.NumberColumn(
                        "Approvals needed (households)", format="%.0f"
                    ),
                    "enquiries_needed": st.column_config.NumberColumn(
                        "Enquiries needed (enquiries)", format="%.0f"
                    ),
                },
            )
    st.subheader("Cost by financial year")
    st.altair_chart(costs_chart(result), width="stretch")

    # Files are built only when a button is clicked, so a lever change does not pay for them.
    left, middle, right = st.columns(3)
    left.download_button(
        "Download the workbook (Excel)",
        lambda: workbook_bytes(result),
        file_name="scenario.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    middle.download_button(
        "Download placements (CSV)",
        lambda: csv_bytes(result.placements),
        file_name="placements.csv",
        mime="text/csv",
    )
    right.download_button(
        "Download the printable summary (HTML)",
        lambda: summary_html(result),
        file_name="scenario_summary.html",
        mime="text/html",
    )
    st.subheader("Save, load, compare and share")
    library_section(scenario, models, key)


main()
