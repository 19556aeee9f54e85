"""Finance: unit costs with their sources, the budget by financial year, invest-to-save, downloads.

Works on the same canonical scenario as the scenario explorer (session state key ``scenario``):
unit costs and inflation edited here apply there too.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    active_903_data,
    csv_bytes,
    data_key,
    fitted_scenario_models,
    scenario_result,
    show_data_banner,
)
from sufficiency import codes, periods
from sufficiency import finance as fin
from sufficiency.errors import SufficiencyError
from sufficiency.exports import costs_table, summary_html, workbook_bytes
from sufficiency.scenario import LEVERS, Scenario

SCENARIO_KEY = "scenario"
SEED = 0
BUDGET_COLUMN_LABELS = {
    "cost_mean": "Total cost, mean (£)",
    "cost_p10": "Total cost, 10th percentile (£)",
    "cost_p90": "Total cost, 90th percentile (£)",
    "baseline_cost_mean": "Baseline placements, mean (£)",
    "scenario_cost_mean": "Scenario placements, mean (£)",
    "saving_mean": "Placement saving, mean (£)",
    "saving_p10": "Placement saving, 10th percentile (£)",
    "saving_p90": "Placement saving, 90th percentile (£)",
}


def unit_cost_editor(scenario: Scenario) -> dict[str, float]:
    """Editable weekly unit costs at the scenario's price base, with sources; returns overrides."""
    base_year = fin.financial_year_start(scenario.price_base_year)
    overrides = dict(scenario.unit_costs)
    rows = []
    defaults = {}
    for category, cost in fin.DEFAULT_UNIT_COSTS.items():
        default = round(cost.at_prices(base_year, scenario.annual_inflation_pct), 0)
        defaults[category] = default
        rows.append(
            {
                "placement category": category,
                "provider": cost.provider,
                "£ per child per week": overrides.get(category, default),
                "default (£/week)": default,
                "quoted": f"£{cost.weekly_cost:,.0f} at {cost.price_year} prices",
                "source": cost.source,
                "method": cost.method,
            }
        )
    edited = st.data_editor(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        disabled=[
            "placement category",
            "provider",
            "default (£/week)",
            "quoted",
            "source",
            "method",
        ],
        column_config={
            "£ per child per week": st.column_config.NumberColumn(
                f"£ per child per week ({scenario.price_base_year} prices)",
                min_value=0,
                max_value=50_000,
                step=1,
                format="localized",
            ),
            "default (£/week)": st.column_config.NumberColumn(
                "Default (£/week)", format="localized"
            ),
            "placement category": "Placement category",
            "provider": "Provider",
            "quoted": "Published figure",
            "source": st.column_config.TextColumn("Source", width="large"),
            "method": st.column_config.TextColumn("How it was worked out", width="large"),
        },
        column_order=[
            "placement category",
            "£ per child per week",
            "source",
            "quoted",
            "default (£/week)",
            "provider",
            "method",
        ],
        key="fx_unit_costs",
    )
    st.caption(
        "Double-click a cost to replace it with your own figure. Source: where each default "
        "comes from; 'assumption' marks a figure with no published source, to replace."
    )
    changed = {}
    for row in edited.to_dict(orient="records"):
        value = float(row["£ per child per week"])
        if abs(value - defaults[row["placement category"]]) >= 0.5:
            changed[row["placement category"]] = value
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


def main() -> None:
    st.title("Placement budget")
    st.write(
        "Weekly unit costs with their sources, the forecast placement budget by financial year "
        "with its uncertainty, and the invest-to-save position of the scenario on screen against "
        "a baseline of current trends."
    )
    active = active_903_data()
    show_data_banner(active)
    key = data_key(active)
    models = fitted_scenario_models(active.data, key, active.is_demo, active.label)
    scenario = st.session_state.get(SCENARIO_KEY) or Scenario(n_simulations=100)
    st.caption(
        f"Scenario: **{scenario.name}** (edit the levers on the Scenario explorer page). "
        "Intervals need simulated paths: "
        + (
            "this scenario uses the mean path only, so the band is flat; set paths below."
            if scenario.n_simulations == 0
            else f"{scenario.n_simulations} paths."
        )
    )

    st.subheader("Unit costs")
    left, middle, right = st.columns(3)
    years = periods.financial_years_between("2023-24", "2030-31")
    price_base = left.selectbox(
        "Price base (financial year)",
        years,
        index=years.index(scenario.price_base_year) if scenario.price_base_year in years else 2,
        help=LEVERS["price_base_year"].source,
        key="fx_price_base",
    )
    inflation = middle.slider(
        "Annual inflation of placement costs (% a year)",
        0.0,
        15.0,
        value=float(scenario.annual_inflation_pct),
        step=0.5,
        help=LEVERS["annual_inflation_pct"].source,
        key="fx_inflation",
    )
    paths = right.select_slider(
        "Simulated paths for intervals",
        options=[0, 50, 100, 200],
        value=scenario.n_simulations if scenario.n_simulations in (0, 50, 100, 200) else 100,
        help=LEVERS["n_simulations"].source,
        key="fx_paths",
    )
    st.caption(f"Older figures are moved to {price_base} prices with the {fin.CPI_SOURCE}.")
    scenario = scenario.replace(
        price_base_year=price_base, annual_inflation_pct=float(inflation), n_simulations=int(paths)
    )
    overrides = unit_cost_editor(scenario)
    left, right = st.columns(2)
    recruitment = left.number_input(
        "Recruitment and assessment per approved household (£)",
        0.0,
        100_000.0,
        value=float(scenario.recruitment_cost_per_household),
        step=500.0,
        help=LEVERS["recruitment_cost_per_household"].source,
        key="fx_recruitment",
    )
    supervision = right.number_input(
        "Supervising social worker per extra household (£ a year)",
        0.0,
        50_000.0,
        value=float(scenario.ssw_cost_per_household_per_year),
        step=100.0,
        help=LEVERS["ssw_cost_per_household_per_year"].source,
        key="fx_supervision",
    )
    left.caption(LEVERS["recruitment_cost_per_household"].source)
    right.caption(LEVERS["ssw_cost_per_household_per_year"].source)
    with st.expander("What is inside the in-house fostering cost (£ per child per week)"):
        base_year = fin.financial_year_start(scenario.price_base_year)
        breakdown = fin.in_house_cost_breakdown(
            {
                c: fin.UnitCost(c, v, base_year, "entered on this page")
                for c, v in overrides.items()
            },
            fin.CarerCosts(
                recruitment_assessment_per_household=float(recruitment),
                supervising_social_worker_per_household_per_year=float(supervision),
                price_year=base_year,
            ),
            children_per_household=scenario.places_per_household * scenario.occupancy_pct / 100,
            price_year=base_year,
            annual_inflation_pct=scenario.annual_inflation_pct,
        )
        st.dataframe(
            breakdown,
            hide_index=True,
            width="stretch",
            column_config={
                "weekly_cost": st.column_config.NumberColumn(
                    f"£ per child per week ({scenario.price_base_year} prices)", format="£%.0f"
                )
            },
        )
    try:
        scenario = scenario.replace(
            unit_costs=overrides,
            recruitment_cost_per_household=float(recruitment),
            ssw_cost_per_household_per_year=float(supervision),
        )
    except SufficiencyError as error:
        st.error(str(error))
        return
    st.session_state[SCENARIO_KEY] = scenario
    result = scenario_result(models, key, scenario.to_json(), SEED)

    st.subheader("Budget by financial year")
    st.altair_chart(fan_chart(result.budget_by_financial_year), width="stretch")
    st.caption(
        "Placements, recruitment and carer support in cash terms (with inflation), by "
        "financial year. Line: mean of the simulated futures; shaded: 10th to 90th percentile "
        "(8 in 10 futures fall inside). Financial years the horizon only partly covers show "
        "fewer months in the table. In the table, total cost includes recruitment and carer "
        "support; the baseline, scenario and saving columns are placement costs only."
    )
    table = result.budget_by_financial_year.merge(
        result.savings_by_financial_year, on="financial_year", how="left"
    )
    money = [column for column in BUDGET_COLUMN_LABELS if column in table.columns]
    # whole pounds: pence are false precision in a forecast
    table[money] = table[money].round(0)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "financial_year": "Financial year",
            "months": st.column_config.NumberColumn("Months covered"),
            **{
                column: st.column_config.NumberColumn(label, format="localized")
                for column, label in BUDGET_COLUMN_LABELS.items()
            },
        },
    )

    st.subheader("Invest to save")
    itos = result.invest_to_save
    cols = st.columns(4)
    cols[0].metric("Investment (£, nominal)", f"£{itos.total_investment:,.0f}")
    cols[1].metric("Placement saving against baseline (£)", f"£{itos.total_saving:,.0f}")
    cols[2].metric("Net position (£)", f"£{itos.net_position:,.0f}")
    cols[3].metric(
        "Payback month",
        itos.payback_month.strftime("%b %Y") if itos.payback_month is not None else "not reached",
        help="The first month when the cumulative saving against the baseline covers the "
        "cumulative investment (recruitment, assessment and supervising social work).",
    )
    if itos.total_investment == 0 and itos.total_saving == 0:
        st.info(
            "The scenario on screen is the baseline, so there is nothing to invest or save. "
            "Pull a lever on the Scenario explorer page (for example more recruitment or "
            "step-downs from external residential care) and come back."
        )
    else:
        st.altair_chart(payback_chart(itos), width="stretch")
        st.caption(
            "Running totals from the start of the horizon against the baseline of current "
            "trends. Where the net-saving line crosses zero the scenario has paid for itself."
        )

    base_year = fin.financial_year_start(scenario.price_base_year)
    unit_costs = {
        c: fin.UnitCost(c, v, base_year, "entered on this page") for c, v in overrides.items()
    }
    per_household = fin.saving_per_household(
        unit_costs,
        fin.CarerCosts(
            recruitment_assessment_per_household=float(recruitment),
            supervising_social_worker_per_household_per_year=float(supervision),
            price_year=base_year,
        ),
        places_per_household=scenario.places_per_household,
        occupancy=scenario.occupancy_pct / 100,
        price_year=base_year,
        annual_inflation_pct=scenario.annual_inflation_pct,
    )
    st.markdown(
        f"**One more in-house carer household** (filling {scenario.places_per_household:g} places "
        f"× {scenario.occupancy_pct:.0f}% occupancy with children who would otherwise be placed "
        f"with an IFA) saves about **£{per_household['net_saving']:,.0f} over five years** "
        f"({scenario.price_base_year} prices): £{per_household['gross_saving']:,.0f} of placement "
        f"costs, less £{per_household['recruitment_assessment']:,.0f} recruitment and assessment "
        f"and £{per_household['supervision']:,.0f} of supervising social work. "
        + (
            f"It pays back in about {per_household['payback_months']:.0f} months."
            if per_household["payback_months"] != float("inf")
            else "At these costs it does not pay back."
        )
    )

    st.subheader("Downloads")
    left, middle, right = st.columns(3)
    left.download_button(
        "Download the finance workbook (Excel)",
        workbook_bytes(result),
        file_name="sufficiency_finance.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    middle.download_button(
        "Download costs by financial year (CSV)",
        csv_bytes(costs_table(result)),
        file_name="costs_by_financial_year.csv",
        mime="text/csv",
    )
    right.download_button(
        "Download the printable summary (HTML)",
        summary_html(result),
        file_name="finance_summary.html",
        mime="text/html",
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
