"""Recommended plan: the least-cost recruitment plan (households a quarter by specialism, marketing
by channel) that meets the commissioner's targets within assessment capacity and budget."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    CACHE_TTL,
    active_903_data,
    csv_bytes,
    data_key,
    fitted_scenario_models,
    funnel_records_key,
    show_data_banner,
)
from sufficiency.errors import SufficiencyError
from sufficiency.plan.optimiser import CHANNEL_WINDOW_YEARS, DEFAULT_CHANNEL_REACH
from sufficiency.recommend import (
    ASSESSMENT_CAPACITY_SOURCE,
    DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
    cost_table,
    excel_bytes,
    plan_tables,
    recommend_plan,
)
from sufficiency.scenario import LEVERS, FittedModels, Scenario

SEED = 0
PLAN_INPUTS_KEY = "recommended_plan_inputs"
FUNNEL_RECORDS_KEY = "funnel_records"  # set by the campaign funnel page when records are uploaded
EXPLORER_SCENARIO_KEY = "scenario"  # the scenario explorer's current scenario
HORIZONS = (36, 48, 60)
PRUDENT_PATHS = 200
DEMAND_LEVELS = {"average": None, "prudent (80th percentile)": 0.8}


def active_funnel(is_demo: bool) -> tuple[object | None, str]:
    """Uploaded enquiry records if any, the demo's synthetic records for the demo, else none."""
    uploaded = st.session_state.get(FUNNEL_RECORDS_KEY)
    if uploaded is not None:
        # a content hash, so two uploads of the same size do not share a cached plan
        return uploaded, funnel_records_key(uploaded, "uploaded")
    if is_demo:
        return None, "demo"  # recommend_plan reads the demo's synthetic records itself
    return None, "none"


@st.cache_resource(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def cached_plan(
    _models: FittedModels,
    _funnel: object | None,
    key: str,
    funnel_key: str,
    scenario_json: str,
    capacity: float,
    budget: float | None,
    reach: float,
    quantile: float | None,
):
    """The plan for these inputs, cached by data, funnel records and inputs."""
    del key, funnel_key
    return recommend_plan(
        Scenario.from_json(scenario_json),
        models=_models,
        assessment_capacity_per_quarter=capacity,
        budget_per_financial_year=budget,
        funnel=_funnel,
        channel_reach=reach,
        quantile=quantile,
        random_state=SEED,
    )


def month_end(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def default_target_date(origin: pd.Timestamp, horizon: int) -> dt.date:
    """The last March within four years of the data (and within the horizon)."""
    last = origin + pd.offsets.MonthEnd(min(48, horizon))
    year = last.year if last.month >= 3 else last.year - 1
    return dt.date(year, 3, 31)


def inputs(origin: pd.Timestamp) -> dict:
    """The commissioner's inputs, each with its unit and the source of its default."""
    first, second = st.columns(2)
    with first:
        st.markdown("**Targets**")
        horizon = st.select_slider(
            "Plan horizon (months)",
            options=HORIZONS,
            value=60,
            key="plan_horizon",
            help=f"Default 60 months: {LEVERS['horizon_months'].source}.",
        )
        end = (origin + pd.offsets.MonthEnd(horizon)).date()
        start = (origin + pd.offsets.MonthEnd(1)).date()
        share = st.number_input(
            "Target IFA share of non-kinship foster placements (%)",
            min_value=0.0,
            max_value=100.0,
            value=30.0,
            step=1.0,
            format="%.0f",
            key="plan_ifa_share",
            help="Highest share of non-kinship foster placements with independent fostering "
            "agencies from the target date on.",
        )
        st.caption(
            f"Default 30%: an example from {LEVERS['ifa_share_target_pct'].source}; set yours."
        )
        share_by = st.date_input(
            "IFA share target date",
            value=min(max(default_target_date(origin, horizon), start), end),
            min_value=start,
            max_value=end,
            key="plan_ifa_share_by",
            help="The target applies from this month to the end of the plan.",
        )
        cap = st.number_input(
            "External residential cap (children)",
            min_value=0.0,
            max_value=1000.0,
            value=None,
            step=1.0,
            format="%.0f",
            key="plan_external_cap",
            placeholder="no cap",
            help="Most children in external (private and voluntary) children's homes from the "
            "date below. Children above the cap step down into in-house foster care.",
        )
        cap_by = st.date_input(
            "External residential cap date",
            value=end,
            min_value=start,
            max_value=end,
            key="plan_external_cap_by",
        )
        st.caption("Default: no cap (your sufficiency strategy sets one).")
    with second:
        st.markdown("**Practical bounds**")
        capacity = st.number_input(
            "Assessment capacity (households approved a quarter)",
            min_value=0.0,
            max_value=200.0,
            value=DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER,
            step=1.0,
            format="%.0f",
            key="plan_capacity",
            help="Most new households the assessment team can take to panel each quarter.",
        )
        st.caption(
            f"Default {DEFAULT_ASSESSMENT_CAPACITY_PER_QUARTER:g} a quarter: "
            f"{ASSESSMENT_CAPACITY_SOURCE}."
        )
        budget = st.number_input(
            "Recruitment budget per financial year (£)",
            min_value=0.0,
            max_value=10_000_000.0,
            value=None,
            step=10_000.0,
            format="%.0f",
            key="plan_budget",
            placeholder="no limit",
            help="Most spend on recruitment, assessment and marketing in each April-March year.",
        )
        st.caption(
            "Default: no limit. Recruitment and assessment cost "
            f"£{LEVERS['recruitment_cost_per_household'].default:,.0f} a household "
            f"({LEVERS['recruitment_cost_per_household'].source})."
        )
        reach = st.number_input(
            "Marketing channel reach (× recent enquiries a quarter)",
            min_value=0.1,
            max_value=20.0,
            value=DEFAULT_CHANNEL_REACH,
            step=0.5,
            format="%.1f",
            key="plan_channel_reach",
            help="Most enquiries a paid channel can bring each quarter, as a multiple of its "
            f"enquiries a quarter over the last {CHANNEL_WINDOW_YEARS} years of your records.",
        )
        st.caption(
            f"Default {DEFAULT_CHANNEL_REACH:g}×: an assumption that spend can be scaled up by "
            "half before a channel's audience runs out. Channels, cost per enquiry and "
            "conversion come from the enquiry and campaign spend records (the campaign funnel "
            "page; the demo's synthetic records for the demo)."
        )
        prudence = st.radio(
            "Plan for demand at",
            options=list(DEMAND_LEVELS),
            index=0,
            key="plan_demand_level",
            horizontal=True,
            help="The average follows the demand forecast's central path; the prudent level plans "
            f"for the 80th percentile of {PRUDENT_PATHS} simulated paths, so the service is "
            "ready for four out of five futures.",
        )
        st.caption(
            "Default: the average (the forecast's central path), as in the scenario explorer."
        )
    return {
        "quantile": DEMAND_LEVELS[prudence],
        "reach": float(reach),
        "horizon": int(horizon),
        "ifa_share": float(share),
        "ifa_share_by": month_end(share_by),
        "external_cap": None if cap is None else float(cap),
        "external_cap_by": month_end(cap_by),
        "capacity": float(capacity),
        "budget": None if budget is None else float(budget),
    }


def explorer_scenario() -> Scenario | None:
    """The scenario explorer's current scenario in this session, if the user has opened it."""
    scenario = st.session_state.get(EXPLORER_SCENARIO_KEY)
    return scenario if isinstance(scenario, Scenario) else None


def scenario_for(values: dict, base: Scenario | None = None) -> Scenario:
    """The page's targets and horizon on top of ``base`` (the baseline when None)."""
    base = base or Scenario()
    return base.replace(
        name=f"recommended plan ({base.name})",
        horizon_months=values["horizon"],
        n_simulations=0 if values["quantile"] is None else PRUDENT_PATHS,
        ifa_share_target_pct=values["ifa_share"],
        ifa_share_target_date=values["ifa_share_by"],
        external_residential_target=values["external_cap"],
        external_residential_target_date=None
        if values["external_cap"] is None
        else values["external_cap_by"],
    )


DOWNLOAD_LABELS = {
    "recommended_households": "Households to approve (CSV)",
    "marketing_by_channel": "Marketing by channel (CSV)",
    "placements": "Placements by quarter (CSV)",
    "shortfalls": "Target shortfalls (CSV)",
    "costs": "Costs (CSV)",
}


def approvals_chart(households: pd.DataFrame) -> alt.Chart:
    data = households.assign(quarter_start=pd.to_datetime(households["quarter_start"]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("yearquarter(quarter_start):O", title="Quarter (calendar)"),
            y=alt.Y(
                "sum(approvals):Q",
                title="Households approved",
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "specialism:N",
                title="Specialism",
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=360),
            ),
            tooltip=[
                alt.Tooltip("quarter:N", title="Financial quarter"),
                alt.Tooltip("specialism:N", title="Specialism"),
                alt.Tooltip("approvals:Q", title="Households approved", format=".0f"),
            ],
        )
        .properties(height=320, width="container")
    )


def share_chart(placements: pd.DataFrame) -> alt.Chart:
    frame = placements.assign(quarter_start=pd.to_datetime(placements["quarter_start"]))
    long = frame.melt(
        id_vars=["quarter_start", "quarter"],
        value_vars=["ifa_share_pct", "baseline_ifa_share_pct", "target_ifa_share_pct"],
        var_name="series",
        value_name="share",
    ).dropna(subset=["share"])
    long["series"] = long["series"].map(
        {
            "ifa_share_pct": "with the plan",
            "baseline_ifa_share_pct": "without extra recruitment",
            "target_ifa_share_pct": "target (ceiling)",
        }
    )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter_start:T", title="Quarter start", axis=alt.Axis(format="%b %Y")),
            y=alt.Y(
                "share:Q",
                title="IFA share (%)",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color(
                "series:N",
                title="",
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=360),
            ),
            strokeDash=alt.condition(
                alt.datum.series == "target (ceiling)", alt.value([6, 4]), alt.value([1, 0])
            ),
            tooltip=[
                alt.Tooltip("quarter:N", title="Financial quarter"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("share:Q", title="IFA share (%)", format=".1f"),
            ],
        )
        .properties(height=320, width="container")
    )


def money_m(pounds: float) -> str:
    """£ millions with the sign in front of the pound sign: -£0.03m."""
    return f"{'-' if pounds < 0 else ''}£{abs(pounds) / 1e6:,.2f}m"


def show_plan(plan, is_demo: bool) -> None:
    costs = plan.costs
    approvals = plan.households["approvals"].sum()
    cols = st.columns(4)
    cols[0].metric("Households to approve (households)", f"{approvals:,.0f}")
    cols[1].metric("Marketing spend (£k)", f"£{costs['marketing'] / 1e3:,.0f}k")
    cols[2].metric(f"Total cost ({plan.price_year} prices, £m)", f"£{costs['total'] / 1e6:,.2f}m")
    cols[3].metric(
        "Saving vs no extra recruitment (£m)",
        money_m(costs["saving"]),
        help="Negative: the plan costs more than current trends (the price of the targets).",
    )
    if plan.feasible:
        st.success(plan.message, icon=":material/check_circle:")
    else:
        st.warning(plan.message, icon=":material/warning:")

    st.subheader("The plan in plain words")
    # the status message is already in the box above
    text = plan.explain().replace(plan.message + "\n", "", 1)
    st.markdown(text.replace("\n", "\n\n").replace("\n\n- ", "\n- "))
    if is_demo:
        st.caption("Synthetic demo authority: the plan illustrates the method, not a real council.")

    tables = plan_tables(plan)
    tables["costs"] = cost_table(plan)
    left, right = st.columns(2)
    with left:
        st.markdown("**Households approved per quarter, by specialism**")
        st.altair_chart(approvals_chart(tables["recommended_households"]), width="stretch")
    with right:
        st.markdown("**IFA share of non-kinship foster placements against the target**")
        st.altair_chart(share_chart(tables["placements"]), width="stretch")

    st.subheader("Tables")
    by_quarter = plan.approvals_by_quarter()
    by_quarter["quarter_start"] = pd.to_datetime(by_quarter["quarter_start"]).dt.strftime(
        "%Y-%m-%d"
    )
    st.markdown("**Households to approve (households a quarter)**")
    st.dataframe(
        by_quarter.round(0),
        hide_index=True,
        column_config={"quarter_start": "Quarter starts", "quarter": "Financial quarter"},
    )
    marketing = tables["marketing_by_channel"]
    if len(marketing):
        st.markdown("**Marketing by channel (enquiries; spend in £)**")
        summary = marketing.groupby("channel", as_index=False)[["enquiries", "spend"]].sum()
        summary["enquiries"] = summary["enquiries"].round(0)
        summary["spend"] = summary["spend"].map(lambda pounds: f"£{pounds:,.0f}")
        st.dataframe(
            summary,
            hide_index=True,
            column_config={
                "channel": "Channel",
                "enquiries": st.column_config.NumberColumn("Enquiries bought", format="%.0f"),
                "spend": "Spend (£)",
            },
        )
    else:
        st.caption("No marketing channels: approvals are limited by capacity and budget only.")
    if len(tables["shortfalls"]):
        st.markdown("**Quarters where a target is missed (in-house places short)**")
        st.dataframe(
            tables["shortfalls"].round(1),
            hide_index=True,
            column_config={
                "quarter": "Financial quarter",
                "target": "Target",
                "places_short": st.column_config.NumberColumn(
                    "In-house places short (places)", format="%.1f"
                ),
                "best_ifa_share_pct": st.column_config.NumberColumn(
                    "Best IFA share reachable (%)", format="%.0f"
                ),
            },
        )
    st.markdown(f"**Costs over the plan (£, {plan.price_year} prices)**")
    shown = tables["costs"].assign(
        cost_gbp=tables["costs"]["cost_gbp"].map(
            lambda pounds: f"{'-' if pounds < 0 else ''}£{abs(pounds):,.0f}"
        )
    )
    st.dataframe(
        shown.rename(columns={"cost_gbp": "cost (£)"}),
        hide_index=True,
        column_config={"item": "Item", "cost (£)": "Cost (£)"},
    )
    st.caption(
        "Placement costs here cover only the placements the plan can change: in-house fostering, "
        "IFA fostering and external residential care. The Scenario explorer and Placement budget "
        "pages cost every placement type, so their totals are larger."
    )

    st.markdown("**Downloads**")
    buttons = [column for _ in range(2) for column in st.columns(3)]
    for column, (name, frame) in zip(buttons, tables.items(), strict=False):
        column.download_button(
            DOWNLOAD_LABELS.get(name, f"{name}.csv"),
            csv_bytes(frame),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"download_{name}",
        )
    explanation = pd.DataFrame({"plan in plain words": plan.explain().split("\n")})
    buttons[-1].download_button(
        "The plan (Excel)",
        excel_bytes({"explanation": explanation, **tables}),
        file_name="recommended_plan.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_plan_excel",
    )


def main() -> None:
    st.title("Recommended recruitment plan")
    st.write(
        "Set the targets and the practical limits; the optimiser (a mixed-integer programme) "
        "finds how many in-house foster households to approve each quarter, by the ages they "
        "take, and where to spend on marketing, so that the total cost of placements, "
        "recruitment and carer support over the plan is as low as possible. New households "
        "are on top of recruitment that just replaces carers who leave."
    )
    active = active_903_data()
    show_data_banner(active)
    key = data_key(active)
    try:
        models = fitted_scenario_models(active.data, key, active.is_demo, active.label)
    except SufficiencyError as error:
        st.error(str(error))
        return
    funnel, funnel_key = active_funnel(active.is_demo)
    values = inputs(models.origin)
    base = explorer_scenario()
    use_explorer = base is not None and st.checkbox(
        f"Start from the scenario explorer's levers ('{base.name}')",
        value=True,
        key="plan_use_explorer",
        help="Its demand levers (entries, step-downs), children's homes, unit costs and carer "
        "assumptions are used; its own recruitment levers are left out so the plan's households "
        "are additional. The targets and horizon above replace the explorer's.",
    )
    values["explorer"] = base.to_json() if use_explorer else None
    if st.button("Find the least-cost plan", type="primary", key="find_plan"):
        st.session_state[PLAN_INPUTS_KEY] = values
    chosen = st.session_state.get(PLAN_INPUTS_KEY)
    if chosen is None:
        st.info("Set the inputs, then press **Find the least-cost plan**.")
        return
    if chosen != values:
        st.caption("The inputs have changed: press the button again to update the plan.")
    try:
        base = None if chosen["explorer"] is None else Scenario.from_json(chosen["explorer"])
        scenario = scenario_for(chosen, base)
        with st.spinner("Finding the least-cost plan..."):
            plan = cached_plan(
                models,
                funnel,
                key,
                funnel_key,
                scenario.to_json(),
                chosen["capacity"],
                chosen["budget"],
                chosen["reach"],
                chosen["quantile"],
            )
    except SufficiencyError as error:
        st.error(str(error))
        return
    show_plan(plan, active.is_demo)


main()
