"""Recommended plan: the households to approve each quarter, by carer type, that meet the targets
within the authority's recruitment limits; where to find the enquiries; whether it can be met.

The page edits the same scenario as the Scenario explorer (its targets and recruitment limits),
so the two pages always give the same answer: the scenario engine solves the targets once, with
the one feasibility logic and price basis. On request, a mixed-integer optimiser (PuLP + CBC)
checks whether recruiting beyond the target would pay for itself.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.answer import CONTEXT, answer
from app_pages.common import (
    SEED,
    active_903_data,
    altair_chart,
    authority_models,
    csv_bytes,
    current_scenario,
    export_name,
    scenario_result,
    show_data_banner,
    show_scenario_name,
    store_scenario,
)
from app_pages.cross_checks import cost_note
from app_pages.plain import plain
from sufficiency.errors import SufficiencyError
from sufficiency.export_units import cash_basis, money_unit
from sufficiency.recommend import (
    channel_cost_per_approval,
    channel_table,
    cost_table,
    excel_bytes,
    plan_markdown,
    plan_tables,
    recommend_plan,
)
from sufficiency.scenario import LEVERS, Scenario, baseline_of
from sufficiency.scenario.naming import renamed

BASES = {
    "foster placements": "All foster placements",
    "non-kinship fostering": "Leaving out family and friends carers",
}
BEYOND_KEY = "beyond_result"
SYNCED_KEY = "plan_page_synced_with"


PER_APPROVAL_HELP = (
    "Marketing £ per enquiry ÷ the share of enquiries approved, counting only enquiries whose "
    "outcome is known (people still in assessment left out), with the scenario's conversion "
    "improvement. The plan buys from the lowest first. Source: {source}."
)


def ranked_channels(plan) -> pd.DataFrame:
    """The plan's channel table in the order it buys (lowest £ per approval first), with that
    £ per approval (:func:`sufficiency.recommend.channel_cost_per_approval`); total row last.

    The library's table is alphabetical, which under a "cheapest approvals first" heading read
    as a ranking a fostering manager could not match with the Campaign funnel's costs.
    """
    table = channel_table(plan)
    per_approval = channel_cost_per_approval(plan)
    body, total = table.iloc[:-1].copy(), table.iloc[[-1]].copy()
    body["per_approval"] = body["channel"].map(per_approval)
    body = body.sort_values("per_approval", na_position="last", kind="stable")
    # whole pounds as text: the grid shows a missing number as "None" (the total row has none)
    body["per_approval"] = body["per_approval"].map(lambda v: "–" if pd.isna(v) else f"{v:,.0f}")
    total["per_approval"] = "–"
    return pd.concat([body, total], ignore_index=True)[
        ["channel", "per_approval", "enquiries", "spend"]
    ]


def month_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def default_target_date(origin: pd.Timestamp, horizon: int) -> dt.date:
    """The last March within four years of the data (and within the horizon)."""
    last = origin + pd.offsets.MonthEnd(min(48, horizon))
    year = last.year if last.month >= 3 else last.year - 1
    return dt.date(year, 3, 31)


def month_end(text: str) -> dt.date:
    """A "YYYY-MM" target month as its last day: "by March 2028" is 31 March 2028."""
    return (pd.Timestamp(text[:7]) + pd.offsets.MonthEnd(0)).date()


def inputs(scenario: Scenario, models) -> Scenario:
    """Targets and practical limits, initialised from the canonical scenario."""
    figures = models.figures
    origin = models.origin
    end = (origin + pd.offsets.MonthEnd(scenario.horizon_months)).date()
    start = (origin + pd.offsets.MonthEnd(1)).date()
    if st.session_state.get(SYNCED_KEY) != scenario.fingerprint():
        # the scenario changed on another page: show it, not this page's old inputs
        for key in [k for k in st.session_state if str(k).startswith("plan_")]:
            del st.session_state[key]
    first, second = st.columns(2)
    with first:
        st.markdown("**Targets**")
        share = st.number_input(
            "Highest IFA share (%)",
            min_value=0.0,
            max_value=100.0,
            value=float(scenario.ifa_share_target_pct or 30.0),
            step=1.0,
            format="%.0f",
            key="plan_ifa_share",
            help=LEVERS["ifa_share_target_pct"].unit,
        )
        basis = st.radio(
            "The share counts",
            list(BASES),
            index=list(BASES).index(scenario.ifa_share_target_basis),
            format_func=BASES.get,
            horizontal=True,
            key="plan_basis",
            help=LEVERS["ifa_share_target_basis"].unit,
        )
        current = scenario.ifa_share_target_date
        share_by = st.date_input(
            "IFA share target date",
            value=month_end(current)
            if current
            else min(max(default_target_date(origin, scenario.horizon_months), start), end),
            min_value=start,
            max_value=end,
            key="plan_ifa_share_by",
        )
        cap = st.number_input(
            "External residential cap (children; empty = none)",
            min_value=0.0,
            max_value=1000.0,
            value=scenario.external_residential_target,
            step=1.0,
            format="%.0f",
            key="plan_external_cap",
            placeholder="no cap",
        )
        current = scenario.external_residential_target_date
        cap_by = st.date_input(
            "External residential cap date",
            value=month_end(current) if current else end,
            min_value=start,
            max_value=end,
            key="plan_external_cap_by",
        )
    with second:
        st.markdown("**Practical limits**")
        capacity = st.number_input(
            "Assessment capacity (households a quarter, all recruitment)",
            min_value=0.0,
            max_value=200.0,
            value=float(
                scenario.assessment_capacity_per_quarter
                or figures.assessment_capacity_per_quarter.value
            ),
            step=1.0,
            format="%.0f",
            key="plan_capacity",
        )
        st.caption(f"Default: {figures.assessment_capacity_per_quarter.source}.")
        budget = st.number_input(
            "Recruitment budget per financial year (£; empty = no limit)",
            min_value=0.0,
            max_value=20_000_000.0,
            value=scenario.recruitment_budget_per_year,
            step=10_000.0,
            format="%.0f",
            key="plan_budget",
            placeholder="no limit",
        )
        reach = st.number_input(
            "Extra enquiries a marketing channel can bring (x its recent enquiries)",
            min_value=0.1,
            max_value=20.0,
            value=float(scenario.channel_reach or figures.channel_reach.value),
            step=0.5,
            format="%.1f",
            key="plan_reach",
        )
        st.caption(f"Default: {figures.channel_reach.source}.")
    default_capacity = float(figures.assessment_capacity_per_quarter.value)
    default_reach = float(figures.channel_reach.value)
    return scenario.replace(
        ifa_share_target_pct=float(share),
        ifa_share_target_date=month_text(share_by),
        ifa_share_target_basis=basis,
        external_residential_target=None if cap is None else float(cap),
        external_residential_target_date=None if cap is None else month_text(cap_by),
        assessment_capacity_per_quarter=None
        if abs(capacity - default_capacity) < 1e-9
        else float(capacity),
        recruitment_budget_per_year=None if budget is None else float(budget),
        channel_reach=None if abs(reach - default_reach) < 1e-9 else float(reach),
    )


def approvals_chart(households: pd.DataFrame) -> alt.Chart:
    data = households.assign(quarter_start=pd.to_datetime(households["quarter_start"]))
    data = data[data.groupby("quarter_start")["approvals"].transform("sum") > 0]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "quarter_start:T",
                title="Quarter starting",
                axis=alt.Axis(format="%b %Y", labelAngle=-30),
            ),
            y=alt.Y(
                "sum(approvals):Q",
                title="Extra households approved",
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "specialism:N",
                title="Carer type",
                legend=alt.Legend(orient="bottom", labelLimit=360),
            ),
            tooltip=[
                alt.Tooltip("quarter:N", title="Financial quarter"),
                alt.Tooltip("specialism:N", title="Carer type"),
                alt.Tooltip("approvals:Q", title="Households", format=".0f"),
            ],
        )
        .properties(height=320)
    )


def share_chart(
    result, baseline, target: float | None, basis: str, by: str | None = None
) -> alt.Chart:
    """The IFA share with the plan and without, and the target: a dashed line labelled with its
    level and date, from the target month on (``by``: "YYYY-MM")."""
    column = (
        "ifa_share_of_fostering_pct"
        if basis == "foster placements"
        else "ifa_share_of_non_kinship_fostering_pct"
    )
    frames = [
        result.shares[["month", column]].assign(series="with the plan"),
        baseline.shares[["month", column]].assign(series="without a plan (no levers)"),
    ]
    frame = pd.concat(frames).rename(columns={column: "share"})
    lines = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("share:Q", title="IFA share (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("series:N", title="", legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("series:N", title="Run"),
                alt.Tooltip("month:T", title="Month end", format="%b %Y"),
                alt.Tooltip("share:Q", title="IFA share (%)", format=".1f"),
            ],
        )
    )
    if target is None:
        return lines.properties(height=320)
    months = result.shares["month"]
    start = pd.Timestamp(month_end(by)) if by else pd.Timestamp(months.min())
    label = f"target {target:g}%" + (f" by {start:%b %Y}" if by else "")
    target_frame = pd.DataFrame(
        {"month": [start, pd.Timestamp(months.max())], "share": [target, target], "label": label}
    )
    rule = (
        alt.Chart(target_frame)
        .mark_line(strokeDash=[6, 4], color="#b00")
        .encode(
            x="month:T",
            y="share:Q",
            tooltip=[alt.Tooltip("label:N", title="Target")],
        )
    )
    label_frame = target_frame.tail(1).assign(share=label_level(frame, target))
    text = (
        alt.Chart(label_frame)
        .mark_text(align="right", baseline="middle", color="#b00", fontWeight="bold")
        .encode(x="month:T", y="share:Q", text="label:N")
    )
    return (lines + rule + text).properties(height=320)


# points of IFA share between the target line and its label (about 22 px on the 320 px chart)
LABEL_OFFSET = 7.0


def label_level(frame: pd.DataFrame, target: float) -> float:
    """IFA share (%) to write the target's label at: just above or just below the target line,
    whichever is further from the chart's lines under the label (its last quarter of months).

    The label sat 8 px above the line at its right end, where the with-plan line levels off at
    the target, so the line struck through it.
    """
    months = frame["month"]
    cut = months.min() + (months.max() - months.min()) * 0.75
    under = frame.loc[months >= cut, "share"].dropna()
    candidates = [target + LABEL_OFFSET, target - LABEL_OFFSET]
    candidates = [c for c in candidates if 3 <= c <= 97] or [target]
    if under.empty:
        return candidates[0]
    return max(candidates, key=lambda level: float((under - level).abs().min()))


def show_timing(result) -> None:
    """When the approvals are needed: the busiest quarter against approvals now, the lead time,
    and the approvals that come after the target date (not needed to reach it)."""
    if result.plan is None:
        return
    timing = result.plan.timing()
    if not timing.total:
        return
    s = result.summary
    figures = result.figures
    st.markdown("**When the extra approvals are needed**")
    cols = st.columns(4)
    if timing.even:  # no quarter is the busiest: say they are all equal
        short = [q.split(" (")[0] for q in (timing.first_quarter, timing.last_quarter)]
        cols[0].metric(
            "Each quarter (households)",
            f"{timing.peak}",
            f"{short[0]} to {short[1]}",
            delta_color="off",
            **CONTEXT,
            help=f"Every one of the {timing.quarters} quarters with extra approvals has the "
            f"same {timing.peak} extra households, on top of the approvals the service makes now.",
        )
    else:
        cols[0].metric(
            "Busiest quarter (households)",  # "(extra households)" was cut at 1280 px
            f"{timing.peak}",
            timing.peak_quarter,
            delta_color="off",
            **CONTEXT,
            help="The most extra households approved in one quarter, on top of the approvals "
            "the service makes now.",
        )
    cols[1].metric(
        "Approved now (all, a quarter)",
        f"{s['approvals_now_per_quarter']:.1f}",
        help=figures.approvals_per_quarter.source,
    )
    cols[2].metric(
        "First extra approvals",
        timing.first_quarter.split(" (")[0],
        (
            "enquiries: start now"
            if timing.enquiries_start_now
            else f"enquiries from {timing.first_enquiry_quarter.split(' (')[0]}"
        )
        if timing.first_enquiry_quarter
        else None,
        delta_color="off",
        **CONTEXT,
        help=f"Enquiry to approval takes {figures.days_enquiry_to_approval.text} "
        f"({figures.days_enquiry_to_approval.source}).",
    )
    if timing.target_date is not None:
        cols[3].metric(
            f"Approved by {timing.target_date:%b %Y}",
            f"{timing.by_target} of {timing.total}",
            f"{timing.after_target} after the target date" if timing.after_target else None,
            delta_color="off",
            **CONTEXT,
            help=f"Approvals after the target date come {timing.after_purpose(result.plan.feasible)}; "
            "they are not needed to reach it by then.",
        )
    points = timing.points(
        s["approvals_now_per_quarter"],
        s["approvals_without_plan_per_quarter"],
        figures.days_enquiry_to_approval.text,
        result.plan.feasible,
        s["enquiries_now_per_quarter"],
    )
    st.markdown("\n".join(f"- {plain(point)}" for point in points))


def show_plan(
    plan, result, baseline, scenario: Scenario, is_demo: bool, cost_note: str | None = None
) -> None:
    answer(result, baseline, cost_note)  # the RO3 cross-check under the total cost
    show_timing(result)
    if is_demo:
        st.caption("Synthetic demo authority: the plan illustrates the method, not a real council.")
    left, right = st.columns(2)
    with left:
        st.markdown("**Extra households approved each quarter, by carer type**")
        if plan.approvals_total:
            altair_chart(approvals_chart(plan.households), width="stretch")
        else:
            st.caption("No extra households: the targets need none.")
    with right:
        st.markdown("**IFA share against the target**")
        altair_chart(
            share_chart(
                result,
                baseline,
                scenario.ifa_share_target_pct,
                scenario.ifa_share_target_basis,
                scenario.ifa_share_target_date,
            ),
            width="stretch",
        )

    tables = plan_tables(plan)
    tables["costs"] = cost_table(plan)
    st.subheader("Tables")
    by_quarter = plan.approvals_by_quarter()
    kinds = [c for c in by_quarter.columns if c not in ("quarter_start", "quarter")]
    by_quarter = by_quarter[by_quarter[kinds].sum(axis=1) > 0].drop(columns="quarter_start")
    st.markdown("**Extra households to approve (households a quarter)**")
    st.dataframe(
        by_quarter.round(0),
        hide_index=True,
        width="stretch",
        column_config={
            "quarter": "Financial quarter",
            **{k: st.column_config.NumberColumn(k.capitalize(), format="%.0f") for k in kinds},
        },
    )
    if len(plan.marketing):
        st.markdown(
            "**Where the extra enquiries come from (cheapest approvals first: £ per approval "
            "with enquirers still in progress left out)**"
        )
        summary = ranked_channels(plan)  # with a total row: the plan's enquiries and spend
        st.dataframe(
            summary.round({"enquiries": 0, "spend": -2}),
            hide_index=True,
            width="stretch",
            column_config={
                "channel": "Channel",
                "per_approval": st.column_config.TextColumn(
                    "£ per approval (plan)",
                    help=PER_APPROVAL_HELP.format(
                        source=plan.result.figures.cost_per_enquiry.source
                    ),
                ),
                "enquiries": st.column_config.NumberColumn("Extra enquiries", format="%.0f"),
                "spend": st.column_config.NumberColumn(
                    f"Spend (£, nearest £100, {scenario.price_base_year} prices)",
                    format="localized",
                ),
            },
        )
        total = summary.iloc[-1]
        st.caption(
            "The plan buys each quarter's enquiries from the channel with the lowest £ per "
            "approval first, up to what it can reach, then the next. £ per approval here is "
            "marketing £ per enquiry ÷ the share approved among enquiries whose outcome is known "
            "(people still in assessment left out): the Campaign funnel's '£/approval (plan)' "
            "column. Its '£/approval so far' counts people still in progress as not "
            "approved, so a channel with many of them looks dearer there. "
            f"All channels: the plan's {total['enquiries']:,.0f} extra enquiries and "
            f"£{round(total['spend'], -2):,.0f} of marketing ({scenario.price_base_year} prices, "
            "to the nearest £100; the costs below round it to the nearest £1,000). Each row is "
            "rounded on its own, so the channels may not add up to it exactly."
        )
    st.markdown("**Costs over the plan (£)**")
    costs = tables["costs"].assign(
        item=tables["costs"]["item"].str.replace(
            "(price base)", f"({scenario.price_base_year} prices)", regex=False
        ),
        cost_gbp=tables["costs"]["cost_gbp"].round(-3),  # estimates: to the nearest £1,000
    )
    st.dataframe(
        costs,
        hide_index=True,
        width="stretch",
        column_config={
            "item": st.column_config.TextColumn("Item", width="large"),
            "cost_gbp": st.column_config.NumberColumn("£ (nearest £1,000)", format="localized"),
        },
    )
    st.caption(
        "The same costs as on the Scenario explorer and Placement budget pages: every placement "
        f"type, in {cash_basis(scenario.price_base_year, scenario.annual_inflation_pct)}, and "
        "the net position's present value. The Excel download gives the pounds."
    )
    if plan.beyond is not None:
        extra = int(round(plan.beyond.households["approvals"].sum())) - plan.approvals_total
        st.info(
            f"Optimiser (CBC), same limits and prices: {extra} more households than the target "
            "needs would pay for themselves within the horizon."
            if extra > 0
            else "Optimiser (CBC), same limits and prices: recruiting beyond the target would not "
            "pay for itself within the horizon.",
            icon=":material/auto_awesome:",
        )
    with st.expander("Where the plan's inputs come from"):
        for note in plan.notes:
            st.markdown(f"- {plain(note)}")

    st.markdown("**Downloads**")
    columns = st.columns(3)
    columns[0].download_button(
        "Households to approve (CSV)",
        csv_bytes(tables["recommended_households"].assign(scenario=scenario.name)),
        file_name=export_name(scenario, "recommended_households", "csv"),
        mime="text/csv",
        key="download_households",
        on_click="ignore",
    )
    columns[1].download_button(
        "The plan (Excel)",
        partial(  # built on click, not on every run
            excel_bytes,
            money=money_unit(scenario.price_base_year),
            tables={
                "explanation": pd.DataFrame({"plan in plain words": plan.explain().split("\n")}),
                **tables,
            },
        ),
        file_name=export_name(scenario, "recommended_plan", "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_plan_excel",
        on_click="ignore",
    )
    columns[2].download_button(
        "The plan in plain words (Markdown)",
        plan_markdown(
            plan,
            scenario_name=scenario.name,
            data_label=result.summary["authority"] or "your 903 data",
            inputs={},
        ),
        file_name=export_name(scenario, "plan", "md"),
        mime="text/markdown",
        key="download_plan_md",
        on_click="ignore",
    )


def main() -> None:
    st.title("Recommended recruitment plan")
    st.write(
        "Set the target and the practical limits: the plan is the fewest extra in-house foster "
        "households a quarter, by carer type, that meet it within what recruitment can deliver, "
        "on top of the households the service approves now. These targets and limits are "
        "the Scenario explorer's too: both pages show the same plan."
    )
    active = active_903_data()
    show_data_banner(active)
    try:
        models, key = authority_models(active)
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        return
    scenario = current_scenario()
    # named once the inputs below are applied: the name follows the targets set here
    name_slot = st.container()
    try:
        edited = inputs(scenario, models)
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        return
    if edited != scenario or renamed(scenario, edited).name != scenario.name:
        # stored under a name that says what it is (never "baseline" with a target set)
        scenario = store_scenario(edited)
    with name_slot:
        show_scenario_name(scenario)
    st.session_state[SYNCED_KEY] = scenario.fingerprint()
    try:
        with st.spinner("Solving the targets..."):
            result = scenario_result(models, key, scenario.to_json(), SEED)
            baseline = scenario_result(models, key, baseline_of(scenario).to_json(), SEED)
            plan = recommend_plan(scenario, models=models, random_state=SEED, result=result)
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        return
    beyond = st.session_state.get(BEYOND_KEY)
    if st.button(
        "Would recruiting beyond the target pay for itself? (optimiser, a few seconds)",
        key="plan_beyond",
    ):
        with st.spinner("Running the optimiser..."):
            checked = recommend_plan(
                scenario, models=models, random_state=SEED, beyond_target=True, result=result
            )
        st.session_state[BEYOND_KEY] = (scenario.fingerprint(), checked.beyond)
        beyond = st.session_state[BEYOND_KEY]
    if beyond is not None and beyond[0] == scenario.fingerprint():
        from dataclasses import replace

        plan = replace(plan, beyond=beyond[1])
    show_plan(
        plan, result, baseline, scenario, active.is_demo, cost_note(result, key, active.is_demo)
    )


main()
