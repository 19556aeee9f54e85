"""Finance: unit costs with their sources, the budget by financial year, invest-to-save, downloads.

Works on the same canonical scenario as the scenario explorer (session state key ``scenario``):
unit costs and inflation edited here apply there too.
"""

from __future__ import annotations

from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    SCENARIO_KEY,
    SEED,
    active_903_data,
    altair_chart,
    authority_models,
    csv_bytes,
    current_scenario,
    export_name,
    refuse_unshowable,
    scenario_result,
    show_data_banner,
    show_scenario_name,
)
from app_pages.cross_checks import board_checks, remember_ro3_authority
from app_pages.link_check import PRICE_BASE_YEARS
from app_pages.plain import plain
from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.errors import SufficiencyError
from sufficiency.export_units import cash_basis, money_unit
from sufficiency.exports import costs_table, summary_html, workbook_bytes
from sufficiency.periods import financial_year_label_of_start
from sufficiency.scenario import LEVERS, Scenario
from sufficiency.scenario.engine import in_house_parts, unit_costs_for

SOURCE_CHARS = 27  # a 205 px table cell shows about this much of a source (1280 px screen)

# price year the carer cost inputs (allowance, fee, supervision, recruitment) are entered at
CARER_PRICES = financial_year_label_of_start(fin.CARER_COSTS_PRICE_YEAR)

BUDGET_COLUMN_LABELS = {
    "cost_mean": "Total cost, mean (£)",
    "cost_p10": "Total cost, 10th percentile (£)",
    "cost_p90": "Total cost, 90th percentile (£)",
    "baseline_cost_mean": "Baseline placements, mean (£)",
    "scenario_cost_mean": "Scenario placements, mean (£)",
    "saving_mean": "Placement saving, mean (£)",
    "saving_p10": "Placement saving, 10th percentile (£)",
    "saving_p90": "Placement saving, 90th percentile (£)",
}  # full names of the budget columns (the on-screen tables split them, with shorter headers)

BUDGET_TABLES = {
    "Total cost (placements, recruitment, support and programmes)": {
        "cost_mean": "Mean (£)",
        "cost_p10": "10th percentile (£)",
        "cost_p90": "90th percentile (£)",
    },
    "Placement costs against the baseline": {
        "baseline_cost_mean": "Baseline, mean (£)",
        "scenario_cost_mean": "Scenario, mean (£)",
        "saving_mean": "Saving, mean (£)",
        "saving_p10": "Saving, 10th pct (£)",
        "saving_p90": "Saving, 90th pct (£)",
    },
}  # the budget by financial year as two narrow tables (all columns visible at 1280 px)


def equal_saving_range_note(table: pd.DataFrame) -> str:
    """Plain words for a saving whose 10th and 90th percentiles are equal (rounded), and for a
    mean below them: not an error, so the page says why. ``table`` holds ``financial_year`` and
    ``saving_mean``/``saving_p10``/``saving_p90`` in £ as shown."""
    needed = {"financial_year", "saving_mean", "saving_p10", "saving_p90"}
    if not needed <= set(table.columns):
        return ""
    same = table[(table["saving_p10"] == table["saving_p90"]) & table["saving_p10"].notna()]
    # no saving at all (the baseline on screen, or a year before the plan's households come)
    # has nothing to explain: "the plan's extra places are full" read wrongly there
    same = same[(same["saving_p10"] != 0) | (same["saving_mean"] != 0)]
    if same.empty:
        return ""
    years = ", ".join(same["financial_year"].astype(str))
    text = (
        f"Saving, {years}: the 10th and 90th percentiles are equal because in all or most "
        "futures the plan's extra in-house places are full, so they replace the same IFA and "
        "residential placements and save the same."
    )
    below = same[same["saving_mean"] < same["saving_p10"]]
    if not below.empty:
        text += (
            f" In {', '.join(below['financial_year'].astype(str))} a few futures with fewer "
            "children do not need all of them and save less, which pulls the mean a little "
            "below that figure."
        )
    return text


def budget_tables(table: pd.DataFrame) -> None:
    """The budget by financial year, in two tables that fit a laptop screen."""
    for title, labels in BUDGET_TABLES.items():
        shown = [column for column in labels if column in table.columns]
        if not shown:
            continue
        st.markdown(f"**{title}** (£ cash, with inflation, to the nearest £1,000)")
        st.dataframe(
            table[["financial_year", "months", *shown]],
            hide_index=True,
            width="stretch",
            column_config={
                "financial_year": st.column_config.TextColumn("Financial year", width=105),
                "months": st.column_config.NumberColumn(
                    "Months", width=70, help="Months of the financial year the forecast covers."
                ),
                **{
                    column: st.column_config.NumberColumn(
                        labels[column],
                        format="localized",
                        width=120,
                        help=BUDGET_COLUMN_LABELS[column],
                    )
                    for column in shown
                },
            },
        )


def unit_cost_editor(scenario: Scenario) -> dict[str, float]:
    """Editable weekly unit costs at the scenario's price base, with sources; returns overrides.

    A cost left empty is not silently reset: the page says which default is used instead.
    """
    base_year = fin.financial_year_start(scenario.price_base_year)
    overrides = dict(scenario.unit_costs)
    costs = unit_costs_for(scenario.replace(unit_costs={}))
    rows = []
    defaults = {}
    for category, cost in costs.items():
        default = round(cost.at_prices(base_year, scenario.annual_inflation_pct), 0)
        defaults[category] = default
        quoted_year = financial_year_label_of_start(cost.price_year)
        rows.append(
            {
                "placement category": category,
                "provider": cost.provider,
                "£ per child per week": overrides.get(category, default),
                "default (£/week)": default,
                "quoted": f"£{default:,.0f} (£{cost.weekly_cost:,.0f} at {quoted_year})",
                "source": cost.source,
                "source_short": short_source(cost.source),
                "method": cost.method,
            }
        )
    edited = st.data_editor(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        height=38 * (len(rows) + 1) + 4,
        disabled=[
            "placement category",
            "provider",
            "default (£/week)",
            "quoted",
            "source",
            "source_short",
            "method",
        ],
        # widths that fit a 1280 px laptop screen with nothing hidden; full sources below
        column_config={
            "£ per child per week": st.column_config.NumberColumn(
                f"£/week ({scenario.price_base_year})",
                help=f"£ per child per week at {scenario.price_base_year} prices.",
                min_value=0,
                max_value=50_000,
                step=1,
                format="localized",
                width=140,
            ),
            "placement category": st.column_config.TextColumn("Placement category", width=190),
            "provider": st.column_config.TextColumn("Provider", width=80),
            "quoted": st.column_config.TextColumn(
                "Default (published)",
                width=175,
                help=f"The sourced default in £ per child per week at {scenario.price_base_year} "
                "prices; in brackets, the figure as published at its own year's prices.",
            ),
            "source_short": st.column_config.TextColumn("Source (in full below)", width=205),
        },
        # the full source and method are long: read them under "Sources in full"
        column_order=[
            "placement category",
            "£ per child per week",
            "quoted",
            "source_short",
            "provider",
        ],
        key="fx_unit_costs",
    )
    show_sources_in_full(rows, "placement category")
    st.caption(
        "Double-click a cost to replace it with your own figure. Source: where each default "
        "comes from; 'assumption' marks a figure with no published source, to replace. In-house "
        "fostering is split into its parts below, so an extra household adds only its own costs."
    )
    changed = {}
    cleared = []
    for row in edited.to_dict(orient="records"):
        value = row["£ per child per week"]
        category = row["placement category"]
        if value is None or pd.isna(value):
            cleared.append(category)
            continue
        if abs(float(value) - defaults[category]) >= 0.5:
            changed[category] = float(value)
    if cleared:
        st.warning(
            "Left empty, so the default is used: "
            + "; ".join(f"{c} £{defaults[c]:,.0f} a week" for c in cleared)
            + ". Type a figure to use your own.",
            icon=":material/info:",
        )
    return changed


def fan_chart(budget: pd.DataFrame) -> alt.Chart:
    """Budget by financial year: mean with the 10th-90th percentile band (£ million)."""
    frame = budget.assign(
        mean=budget["cost_mean"] / 1e6, low=budget["cost_p10"] / 1e6, high=budget["cost_p90"] / 1e6
    )
    base = alt.Chart(frame).encode(
        x=alt.X(
            "financial_year:N",
            title="Financial year (April-March)",
            axis=alt.Axis(labelAngle=0),
        )
    )
    band = base.mark_area(opacity=0.3).encode(
        y=alt.Y("low:Q", title="Cost (£ million, nominal)"), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        y="mean:Q",
        tooltip=[
            alt.Tooltip("financial_year:N", title="Financial year"),
            alt.Tooltip("mean:Q", title="Mean (£m)", format=",.2f"),
            alt.Tooltip("low:Q", title="10th percentile (£m)", format=",.2f"),
            alt.Tooltip("high:Q", title="90th percentile (£m)", format=",.2f"),
            alt.Tooltip("months:Q", title="Months in projection"),
        ],
    )
    return (band + line).properties(height=300)


def payback_chart(itos: fin.InvestToSave) -> alt.Chart:
    """Cumulative net position of the scenario against the baseline (£ thousand)."""
    frame = itos.monthly.assign(
        cumulative=itos.monthly["cumulative_net"] / 1e3,
        investment=itos.monthly["investment"].cumsum() / 1e3,
    )
    long = frame.melt(
        id_vars="month",
        value_vars=["cumulative", "investment"],
        var_name="series",
        value_name="value",
    )
    long["series"] = long["series"].map(
        {"cumulative": "cumulative net saving", "investment": "cumulative investment"}
    )
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title="£ thousand (nominal)", axis=alt.Axis(format=",.0f")),
            color=alt.Color("series:N", title=""),
            tooltip=[
                alt.Tooltip("month:T", title="Month end", format="%b %Y"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("value:Q", title="£ thousand", format=",.0f"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"value": [0.0]})).mark_rule(color="#666").encode(y="value:Q")
    layers = [lines, zero]
    if itos.payback_month is not None:
        payback = pd.DataFrame({"month": [itos.payback_month], "label": ["payback"]})
        layers.append(
            alt.Chart(payback).mark_rule(strokeDash=[4, 4], color="green").encode(x="month:T")
        )
    return alt.layer(*layers).properties(height=300)


def in_house_parts_section(scenario: Scenario, models) -> Scenario:
    """The parts of the in-house fostering cost, editable, with where each comes from."""
    st.subheader("What an in-house foster household costs")
    columns = st.columns(4)
    values = {}
    for column, name, step in zip(
        columns,
        (
            "allowance_per_child_per_week",
            "fee_per_household_per_week",
            "ssw_cost_per_household_per_year",
            "recruitment_cost_per_household",
        ),
        (5.0, 5.0, 100.0, 500.0),
        strict=True,
    ):
        lever = LEVERS[name]
        values[name] = column.number_input(
            f"{lever.label} (£)",
            float(lever.minimum),
            float(lever.maximum),
            value=float(getattr(scenario, name)),
            step=step,
            help=f"{lever.unit}. Source: {lever.source}",
            key=f"fx_{name}",
        )
        column.caption(
            f"{lever.unit}. Entered at {CARER_PRICES} prices; the table below shows "
            f"{scenario.price_base_year} prices."
        )
    scenario = scenario.replace(**values)
    parts = in_house_parts(scenario, models)
    base_year = fin.financial_year_start(scenario.price_base_year)
    breakdown = fin.in_house_cost_breakdown(
        {c: fin.UnitCost(c, v, base_year, "entered on this page") for c, v in scenario.unit_costs},
        fin.CarerCosts(
            recruitment_assessment_per_household=scenario.recruitment_cost_per_household,
            supervising_social_worker_per_household_per_year=scenario.ssw_cost_per_household_per_year,
            allowance_per_child_per_week=scenario.allowance_per_child_per_week,
            fee_per_household_per_week=scenario.fee_per_household_per_week,
        ),
        children_per_household=parts.children_per_household,
        price_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
    )
    st.dataframe(
        breakdown.assign(
            source_short=breakdown["source"].map(short_source),
            part=breakdown["component"].str.split(" (", n=1, regex=False).str[0],
        ),
        hide_index=True,
        width="stretch",
        # widths that fit a 1280 px laptop screen; the parts in full are under "Sources in full"
        column_config={
            "part": st.column_config.TextColumn("Part", width=270),
            "weekly_cost": st.column_config.NumberColumn(
                f"£/child/week ({scenario.price_base_year})",
                help=f"£ per child per week at {scenario.price_base_year} prices.",
                format="£%.0f",
                width=140,
            ),
            "grows_with": st.column_config.TextColumn("Grows with", width=195),
            "source_short": st.column_config.TextColumn("Source (in full below)", width=190),
        },
        column_order=["part", "weekly_cost", "grows_with", "source_short"],
    )
    show_sources_in_full(breakdown.to_dict(orient="records"), "component")
    new_household_children = float(models.figures.places_per_household.value) * float(
        models.figures.occupancy.value
    )
    st.caption(
        f"Shared over {parts.children_per_household:.2f} children per household (the children "
        f"in in-house foster care ÷ in-house households today: "
        f"{models.figures.in_house.children:,.0f} ÷ {models.figures.in_house.households:,.0f}; "
        f"a new household fosters about {new_household_children:.2f}: "
        f"{models.figures.places_per_household.text} × "
        f"{float(models.figures.occupancy.value):.0%} filled, "
        "the figures every page plans with). In the projection the allowance follows the children, the fee and supervision follow "
        "the households, and overheads stay at today's total: so one more household costs "
        f"£{parts.marginal_per_child:,.0f} a week per child it fosters, not the all-in "
        f"£{parts.all_in_per_child:,.0f}. Nothing is counted twice: supervision is inside these "
        "costs, not added on top."
    )
    return scenario


def short_source(text: str, limit: int = SOURCE_CHARS) -> str:
    """A source short enough for a table cell: its name, before the details (in full below)."""
    text = str(text)
    for mark in (": ", " (", "; ", ". "):
        text = text.split(mark)[0]
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def show_sources_in_full(rows: list[dict], name: str) -> None:
    """Each row's source (and method, where given) in full: the table cuts long text."""
    with st.expander("Sources in full", icon=":material/menu_book:"):
        for row in rows:
            method = f" How it was worked out: {row['method']}" if row.get("method") else ""
            st.markdown(f"- **{plain(row[name])}**: {plain(str(row['source']) + '.' + method)}")


def reconcile_with_plan(result, per_household: dict[str, float]) -> None:
    """Why the plan's saving per household is smaller than one household's five-year saving:
    the same saving a year, counted over less time (approved over the horizon, some leave)."""
    plan = result.plan
    if plan is None or plan.schedule is None or not plan.approvals.sum():
        st.caption(
            "A plan's saving per household is smaller than this: its households are approved "
            "over the years, some leave, and only the months within the forecast count."
        )
        return
    money = fin.money_text
    households = int(round(plan.approvals.sum()))
    years = result.scenario.horizon_months / 12
    in_post = fin.household_years_in_post(plan.schedule.in_post)
    saving = result.summary["total_saving_vs_baseline_gbp"]
    timing = plan.timing()
    st.markdown(
        f"**Against the plan's {money(saving)} saving for {households} households.** Both "
        "figures hold; they count different time. The household above is in post for all "
        f"five years with its places filled. The plan's {households} households are approved "
        f"from {timing.first_quarter} on, and "
        f"{plan.limits.annual_leaving_rate:.0%} of new households leave a year, so "
        f"within the {years:g}-year forecast they are in post for about {in_post:.0f} "
        f"household-years, not {households} × 5 = {households * 5}. Its placement saving, "
        f"{money(saving)} in cash, is about {money(saving / in_post)} per household-year, "
        f"against {money(fin.household_saving_per_year(per_household))} a year for the "
        f"household above ({result.scenario.price_base_year} prices, before recruitment, "
        "which the plan counts as investment)."
    )


def cross_check_section(result, is_demo: bool, key: str) -> None:
    """The model's first full year beside the authority's RO3 2024-25 spend (``key``: the
    authority models' data key, under which the choice is kept for the other pages)."""
    st.subheader(fin.RO3_CROSS_CHECK_TITLE)
    try:
        table = fin.ro3_spend()
    except SufficiencyError as error:
        st.caption(plain(error))
        return
    authorities = table[table["class"] != "Eng"].sort_values("local_authority")
    codes_ = list(authorities["ons_code"])
    names = dict(zip(authorities["ons_code"], authorities["local_authority"], strict=True))
    # uploaded data: no authority until the user chooses one (the first in the alphabet was
    # taken as theirs, and the explorer's total was checked against it)
    default = codes_.index(fin.DEMO_RO3_AUTHORITY) if is_demo else None
    code = st.selectbox(
        "Authority",
        codes_,
        index=default,
        format_func=lambda c: names[c],
        key="fx_ro3_authority",
        placeholder="Choose your authority",
        help="Choose your authority. The synthetic demo is calibrated to Middlesbrough.",
    )
    if code is None:
        st.info(
            "Choose your authority above to compare this model's costs with what it spent "
            "(RO3 2024-25); the Scenario explorer and Recommended plan then check their total "
            "against it too.",
            icon=":material/help:",
        )
        return
    remember_ro3_authority(key, code)  # the explorer and the plan check their total against it
    try:
        check = fin.spend_cross_check(result.costs_by_financial_year, code)
    except SufficiencyError as error:
        st.caption(plain(error))
        return
    st.dataframe(
        check.drop(columns="model_financial_year").round({"model_gbp": 0, "ro3_gbp": 0}),
        hide_index=True,
        width="stretch",
        column_config={
            "line": st.column_config.TextColumn("Line", width="large"),
            "model_gbp": st.column_config.NumberColumn(
                f"This model, {check['model_financial_year'].iloc[0]} (£)", format="localized"
            ),
            "ro3_gbp": st.column_config.NumberColumn(
                "RO3 2024-25 net spend (£)", format="localized"
            ),
            "model_over_ro3": st.column_config.NumberColumn("Model ÷ RO3", format="%.2f"),
        },
    )
    st.caption(
        (
            "The demo authority is synthetic: compared with Middlesbrough, the real authority it is "
            "calibrated to. "
            if is_demo
            else ""
        )
        + f"Source: {fin.RO3_SOURCE}. RO3 lines are wider than placements (staff, commissioning; "
        "the total also includes adoption, special guardianship support and other services), "
        "so a ratio well below 1 is expected for the total; far from 1 on fostering or "
        "residential means a unit cost or a count to check."
    )
    off = fin.cross_check_lines_to_question(check)
    if not off.empty:
        st.warning(
            "Check before using these costs: the model's "
            + "; ".join(
                f"{row.line} is {row.model_over_ro3:.2f} times RO3" for row in off.itertuples()
            )
            + f" (more than {fin.RO3_TOLERANCE:.0%} away). A unit cost, a placement count or the "
            "authority chosen may be wrong, or the authority's spend is recorded on other RO3 lines.",
            icon=":material/warning:",
        )


def marketing_text(result) -> str:
    """What the budget's marketing line buys, in plain words: the same enquiries, counted once,
    as the Recommended plan's channel table and the explorer's extra enquiries."""
    costs = result.costs_by_financial_year
    cash = float(costs.loc[costs["placement_category"] == "marketing", "cost_mean"].sum())
    if cash <= 0:
        return ""
    figures = result.figures
    planned = float(result.plan.enquiries.sum()) if result.plan is not None else 0.0
    text = f"Marketing: {fin.money_text(cash)} in cash over the horizon"
    if planned > 0 and not result.scenario.marketing_spend_per_quarter:
        text += (
            f" for about {planned:,.0f} extra enquiries ({fin.money_text(cash / planned)} an "
            "enquiry on average), bought quarter by quarter from the marketing channels with the "
            "cheapest approvals: the enquiries and spend in the Recommended plan's channel table "
            f"(there at {result.scenario.price_base_year} prices, here with inflation)"
        )
    text += "."
    if figures is not None:
        text += (
            f" The {figures.enquiries_per_quarter.value:,.0f} enquiries a quarter received now "
            "are not priced: they bring the approvals the service makes without a plan. The "
            f"paid channels' average, {figures.cost_per_enquiry.text} an enquiry "
            f"({figures.cost_per_enquiry.source}), is the cost per enquiry every page shows; "
            "the channels with room for more cost more or less than it."
        )
    return text


def main() -> None:
    st.title("Placement budget")
    st.write(
        "Weekly unit costs with their sources, the forecast placement budget by financial year "
        "with its uncertainty, and the invest-to-save position of the scenario on screen against "
        "a baseline of current trends, in cash and net present value."
    )
    active = active_903_data()
    show_data_banner(active)
    models, key = authority_models(active)
    scenario = refuse_unshowable(current_scenario(), models.origin)
    show_scenario_name(scenario, "(edit its levers on the Scenario explorer page)")

    st.subheader("Unit costs")
    left, right = st.columns(2)
    years = list(PRICE_BASE_YEARS)
    price_base = left.selectbox(
        "Price base (financial year)",
        years,
        index=years.index(scenario.price_base_year) if scenario.price_base_year in years else 2,
        help=LEVERS["price_base_year"].source,
        key="fx_price_base",
    )
    inflation = right.slider(
        "Annual inflation of placement costs (% a year)",
        0.0,
        15.0,
        value=float(scenario.annual_inflation_pct),
        step=0.5,
        help=LEVERS["annual_inflation_pct"].source,
        key="fx_inflation",
    )
    st.caption(f"Older figures are moved to {price_base} prices with the {fin.CPI_SOURCE}.")
    try:
        scenario = scenario.replace(
            price_base_year=price_base, annual_inflation_pct=float(inflation)
        )
        overrides = unit_cost_editor(scenario)
        scenario = scenario.replace(unit_costs=overrides)
        scenario = in_house_parts_section(scenario, models)
    except SufficiencyError as error:
        st.error(plain(error), icon=":material/error:")
        return
    st.session_state[SCENARIO_KEY] = scenario
    result = scenario_result(models, key, scenario.to_json(), SEED)
    s = result.summary

    st.subheader("Budget by financial year")
    altair_chart(fan_chart(result.budget_by_financial_year), width="stretch")
    st.caption(
        f"Placements, recruitment, support and programmes in cash (with inflation), by financial "
        f"year. Line: mean of the {s['simulated_paths']} simulated futures (the same on every "
        "page); shaded: 10th to 90th percentile. Financial years the horizon only partly covers "
        "show fewer months in the table. Total cost includes the investment; the baseline, "
        "scenario and saving columns are placement costs only. Table: £ to the nearest "
        f"£1,000, {cash_basis(scenario.price_base_year, scenario.annual_inflation_pct)}; the "
        "costs download gives every placement type."
    )
    table = result.budget_by_financial_year.merge(
        result.savings_by_financial_year, on="financial_year", how="left"
    )
    money = [column for column in BUDGET_COLUMN_LABELS if column in table.columns]
    table[money] = table[money].round(-3)  # forecasts: to the nearest £1,000, not the pound
    budget_tables(table)
    note = equal_saving_range_note(table)
    if note:
        st.caption(note)

    st.subheader("Invest to save")
    itos = result.invest_to_save
    cols = st.columns(5)
    cash = "Cash with inflation, rounded: the budget table and downloads give the pounds."
    cols[0].metric("Investment (£, cash)", fin.money_text(itos.total_investment), help=cash)
    cols[1].metric(
        "Saving (£, cash)", fin.money_text(itos.total_saving), help=f"Placement saving. {cash}"
    )
    cols[2].metric("Net (£, cash)", fin.money_text(itos.net_position), help=cash)
    cols[3].metric(
        "Net present value (£)",
        fin.money_text(s["npv_gbp"]),
        help=f"{fin.GREEN_BOOK_SOURCE} Discounted to {scenario.price_base_year} prices.",
    )
    cols[4].metric(
        "Payback month",
        itos.payback_month.strftime("%b %Y") if itos.payback_month is not None else "none",
        help="The first month when the cumulative saving against the baseline covers the "
        "cumulative investment (recruitment, assessment, marketing, support, programmes); "
        "none: it does not within the horizon.",
    )
    marketing_note = marketing_text(result)
    if marketing_note:
        st.caption(marketing_note)
    if itos.total_investment == 0 and itos.total_saving == 0:
        st.info(
            "The scenario on screen is the baseline, so there is nothing to invest or save. "
            "Set a target or pull a lever on the Scenario explorer page and come back."
        )
    else:
        altair_chart(payback_chart(itos), width="stretch")
        st.caption(
            "Running totals from the start of the horizon against the baseline of current "
            "trends. Where the net-saving line crosses zero the scenario has paid for itself."
        )
    for warning in result.warnings:
        st.warning(warning, icon=":material/warning:")

    base_year = fin.financial_year_start(scenario.price_base_year)
    per_household = fin.saving_per_household(
        unit_costs_for(scenario),
        fin.CarerCosts(
            recruitment_assessment_per_household=scenario.recruitment_cost_per_household,
            supervising_social_worker_per_household_per_year=scenario.ssw_cost_per_household_per_year,
            allowance_per_child_per_week=scenario.allowance_per_child_per_week,
            fee_per_household_per_week=scenario.fee_per_household_per_week,
        ),
        places_per_household=result.resolved.places_per_household,
        occupancy=result.resolved.occupancy,
        price_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
    )
    money = fin.money_text
    st.markdown(
        f"**One more in-house carer household** (fostering "
        f"{result.resolved.places_per_household:.2f} places × {result.resolved.occupancy:.0%} "
        f"filled with children who would otherwise be with an IFA, in post for all five years) "
        f"saves about **{money(per_household['net_saving'])} over five years** "
        f"({scenario.price_base_year} prices): {money(per_household['gross_saving'])} of IFA "
        f"placements, less its allowances {money(per_household['allowances'])}, fee "
        f"{money(per_household['fee'])}, supervising social worker "
        f"{money(per_household['supervision'])} and recruitment and assessment "
        f"{money(per_household['recruitment_assessment'])} (its marginal cost: overheads do "
        "not grow with one household). "
        + (
            f"It pays back in about {per_household['payback_months']:.0f} months."
            if per_household["payback_months"] != float("inf")
            else "At these costs it does not pay back."
        )
    )
    reconcile_with_plan(result, per_household)

    cross_check_section(result, active.is_demo, key)

    st.subheader("Downloads")
    # side by side at their own widths, wrapping when the row is full: in three equal columns
    # "Download the printable summary (HTML)" was cut at 1280 px
    downloads = st.container(horizontal=True, gap="small")
    downloads.download_button(
        "Download the finance workbook (Excel)",
        partial(workbook_bytes, result),  # built on click, not on every run
        file_name=export_name(scenario, "finance", "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    downloads.download_button(
        "Download costs by financial year (CSV)",
        csv_bytes(
            costs_table(result).assign(scenario=scenario.name),
            money=money_unit(scenario.price_base_year),
        ),
        file_name=export_name(scenario, "costs_by_financial_year", "csv"),
        mime="text/csv",
        on_click="ignore",
    )
    downloads.download_button(
        "Download the printable summary (HTML)",
        partial(summary_html, result, board_checks(models, result, key)),
        file_name=export_name(scenario, "finance_summary", "html"),
        mime="text/html",
        on_click="ignore",
    )
    with st.expander("What the placement categories mean"):
        st.table(
            pd.DataFrame(
                {
                    "Placement category": list(codes.PLACEMENT_CATEGORY_DESCRIPTIONS),
                    "What it covers (SSDA903 codes)": list(
                        codes.PLACEMENT_CATEGORY_DESCRIPTIONS.values()
                    ),
                }
            ).set_index("Placement category")
        )


main()
