"""Recruitment calculator: how many enquiries a month, from when and at what marketing cost, to have
N more usable in-house foster places for an age band by a date."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.answer import CONTEXT
from app_pages.common import (
    CACHE_TTL,
    active_households,
    altair_chart,
    authority_models,
    csv_bytes,
    excel_bytes,
    households_key,
)
from app_pages.plan_figures import show_plan_figures
from sufficiency.export_units import money_unit
from sufficiency.finance import money_text
from sufficiency.supply import defaults
from sufficiency.supply.capacity import ALL_AGES, BANDS_WITH_TOTAL, NewHouseholdProfile
from sufficiency.supply.households import CarerHouseholds
from sufficiency.supply.inverse import FunnelAssumptions, enquiries_needed
from sufficiency.supply.retention import DAYS_PER_MONTH, RetentionModel

# Where conversion and timing figures come from (radio choice values).
OWN_RECORDS = "records"
PUBLISHED = "published"
MARKETING_UNIT = money_unit(basis="cash at the cost per enquiry used")


@st.cache_resource(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def fitted_retention(
    _data: CarerHouseholds, key: str
) -> tuple[RetentionModel, NewHouseholdProfile]:
    """Leaving rates and the profile of recently approved mainstream households."""
    del key
    model = RetentionModel().fit(_data.households, _data.extract_date)
    profile = NewHouseholdProfile.from_households(_data.households, _data.extract_date)
    return model, profile


def authority_funnel() -> dict[str, object] | None:
    """Conversion, stage times and cost per enquiry as every page uses them (the one model of the
    authority): the two stages multiply to the conversion the explorer and the plan use."""
    models, _ = authority_models()
    figures = models.figures
    if not figures.enquiry_to_approval.own_data or figures.enquiry_to_application is None:
        return None
    to_application = float(figures.enquiry_to_application.value)
    conversion = float(figures.enquiry_to_approval.value)
    days_apply = float(figures.days_enquiry_to_application.value)
    days_total = float(figures.days_enquiry_to_approval.value)
    if not 0 < conversion <= to_application:
        return None
    return {
        "enquiry_to_application": to_application,
        "application_to_approval": conversion / to_application,
        "months_enquiry_to_application": days_apply / DAYS_PER_MONTH,
        "months_application_to_approval": max(days_total - days_apply, 15.0) / DAYS_PER_MONTH,
        "cost_per_enquiry": float(figures.cost_per_enquiry.value)
        if figures.cost_per_enquiry.own_data
        else None,
        "label": f"{figures.enquiry_to_approval.source}; cost: {figures.cost_per_enquiry.source}",
    }


def schedule_chart(schedule: pd.DataFrame, band_text: str) -> alt.Chart:
    x = alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y"))
    bars = (
        alt.Chart(schedule)
        .mark_bar(opacity=0.6)
        .encode(
            x=x,
            y=alt.Y("enquiries:Q", title="Enquiries a month (count)"),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%b %Y"),
                alt.Tooltip("enquiries:Q", title="Enquiries", format=".1f"),
                alt.Tooltip("approvals:Q", title="Approvals expected", format=".2f"),
            ],
        )
    )
    places = (
        alt.Chart(schedule)
        .mark_line(color="#d62728")
        .encode(
            x=x,
            y=alt.Y(
                "usable_places_from_recruits:Q",
                title="Usable places from recruits (places)",
            ),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%b %Y"),
                alt.Tooltip(
                    "usable_places_from_recruits:Q",
                    title="Usable places from recruits",
                    format=".1f",
                ),
            ],
        )
    )
    return alt.layer(bars, places).resolve_scale(y="independent").properties(height=300)


def start_options_chart(options: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(options)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "campaign_start:T",
                title="Campaign starts (month end)",
                axis=alt.Axis(format="%b %Y"),
            ),
            y=alt.Y("enquiries_per_month:Q", title="Enquiries a month needed (count)"),
            tooltip=[
                alt.Tooltip("campaign_start:T", title="Start", format="%b %Y"),
                alt.Tooltip("enquiries_per_month:Q", title="Enquiries a month", format=".1f"),
                alt.Tooltip("total_enquiries:Q", title="Enquiries in all", format=",.0f"),
                alt.Tooltip("total_cost:Q", title="Marketing cost (£)", format=",.0f"),
            ],
        )
        .properties(height=300)
    )


# --- page -----------------------------------------------------------------------------------
st.title("Recruitment calculator")
st.caption(
    "To have N more usable in-house foster places for an age band by a date: how many enquiries a "
    "month you need, from when, and what the marketing costs. It works back from the places "
    "through carers leaving, approval times and conversion."
)
data, label, is_demo = active_households()
if is_demo:
    st.info(
        f"**{label}**. Upload your own households on the Carer retention page.",
        icon=":material/science:",
    )
else:
    st.caption(f"Households: {label}.")
key = households_key(data, label)
model, recent_profile = fitted_retention(data, key)
plan_figures = authority_models()[0].figures
# New households take the ages recent approvals take, with the approved places per household
# every page plans with (one figure: the Placement budget and the explorer use it too).
places_figure = plan_figures.places_per_household
scale = float(places_figure.value) / max(recent_profile.approved_places, 1e-9)
profile = dataclasses.replace(
    recent_profile,
    approved_places_by_band=tuple(v * scale for v in recent_profile.approved_places_by_band),
)
extract = data.extract_date

st.subheader("What you want")
goal = st.columns(4)
target_places = goal[0].number_input(
    "More usable places (places)", min_value=1, max_value=300, value=10, step=1, key="target_places"
)
age_band = goal[1].selectbox(
    "For children aged (years)",
    list(BANDS_WITH_TOTAL),
    index=list(BANDS_WITH_TOTAL).index("10-15"),
    key="target_band",
)
target_date = goal[2].date_input(
    "By",
    value=(extract + pd.DateOffset(years=3)).date(),
    min_value=(extract + pd.DateOffset(months=1)).date(),
    max_value=(extract + pd.DateOffset(years=10)).date(),
    key="target_date",
)
relative_to = goal[3].radio(
    "More than",
    ["today", "baseline"],
    format_func={
        "today": "we have today",
        "baseline": "we would have with no recruitment",
    }.get,
    key="relative_to",
)

st.subheader("Assumptions")
records_funnel = authority_funnel()
sources = [PUBLISHED] + ([OWN_RECORDS] if records_funnel is not None else [])
source = st.radio(
    "Conversion and timing from",
    sources,
    index=len(sources) - 1,
    format_func={
        PUBLISHED: "published national figures",
        OWN_RECORDS: "the authority's figures (as on every page)",
    }.get,
    horizontal=True,
    key="funnel_source",
)
published = FunnelAssumptions()
if source == OWN_RECORDS and records_funnel is not None:
    start_values = records_funnel
    source_text = {name: str(records_funnel["label"]) for name in ("rates", "times", "cost")}
else:
    start_values = {
        "enquiry_to_application": published.enquiry_to_application,
        "application_to_approval": published.application_to_approval,
        "months_enquiry_to_application": published.months_enquiry_to_application,
        "months_application_to_approval": published.months_application_to_approval,
        "cost_per_enquiry": None,
    }
    source_text = {
        "rates": f"{defaults.ENQUIRY_TO_APPLICATION.source}; {defaults.APPLICATION_TO_APPROVAL.source}",
        "times": f"{defaults.MONTHS_ENQUIRY_TO_APPLICATION.source}",
        "cost": "no national figure is published: enter your marketing spend ÷ enquiries",
    }
row = st.columns(5)
to_application = row[0].number_input(
    "Enquiry → application (%)",
    min_value=0.5,
    max_value=100.0,
    value=round(float(start_values["enquiry_to_application"]) * 100, 1),
    step=0.5,
    key=f"to_application_{source}",
)
to_approval = row[1].number_input(
    "Application → approval (%)",
    min_value=0.5,
    max_value=100.0,
    value=round(float(start_values["application_to_approval"]) * 100, 1),
    step=0.5,
    key=f"to_approval_{source}",
)
# in days, as every other page gives the time from enquiry to approval (e.g. "287 days")
days_application = row[2].number_input(
    "Enquiry → application (days)",
    min_value=0,
    max_value=730,
    value=round(float(start_values["months_enquiry_to_application"]) * DAYS_PER_MONTH),
    step=7,
    key=f"days_application_{source}",
)
days_approval = row[3].number_input(
    "Application → approval (days)",
    min_value=15,
    max_value=1095,
    value=round(float(start_values["months_application_to_approval"]) * DAYS_PER_MONTH),
    step=7,
    key=f"days_approval_{source}",
)
months_application = days_application / DAYS_PER_MONTH
months_approval = days_approval / DAYS_PER_MONTH
cost_default = start_values["cost_per_enquiry"]
cost_per_enquiry = row[4].number_input(
    "Marketing cost per enquiry (£)",
    min_value=0.0,
    max_value=10_000.0,
    value=None if cost_default is None else float(round(float(cost_default))),
    step=10.0,
    key=f"cost_{source}",
    placeholder="enter £ per enquiry",
)
if source == OWN_RECORDS:
    st.caption(
        f"Conversion, stage times and cost per enquiry: {source_text['rates']}. Cost per enquiry "
        "is spend on paid channels ÷ the enquiries they brought (word of mouth is free but does "
        "not grow with spend)."
    )
else:
    st.caption(
        f"Conversion: {source_text['rates']}. Times: {source_text['times']}. Cost per enquiry: "
        f"{source_text['cost']}."
    )
targeted = st.radio(
    "New carers are",
    [True, False],
    format_func={
        True: "recruited for this age group (all their places count for it)",
        False: "like recent approvals (their places spread over the ages they take)",
    }.get,
    horizontal=True,
    key="calc_targeted",
)
more = st.columns(3)
occupancy = more[0].number_input(
    "Occupancy (% of approved places usable)",
    min_value=10.0,
    max_value=100.0,
    value=float(defaults.OCCUPANCY) * 100,
    step=1.0,
    key="calc_occupancy",
)
spread = more[1].number_input(
    "Spread of approval times (coefficient of variation)",
    min_value=0.05,
    max_value=1.5,
    value=float(defaults.LAG_SPREAD),
    step=0.05,
    key="calc_spread",
    help="How much approval times vary, as a share of the typical time (standard deviation / "
    "mean): at 0.35 about two in three households are approved within 35% either side of the "
    "typical time.",
)
confidence = more[2].slider(
    "How sure do you want to be? (%)", min_value=50, max_value=95, value=80, step=5, key="calc_conf"
)
st.caption(
    f"Occupancy: {float(defaults.OCCUPANCY):.0%} of approved places filled "
    f"(source: {defaults.OCCUPANCY.source}). Spread: {defaults.LAG_SPREAD.source}. "
    f"Carers leaving: rates estimated from the households by length of service "
    f"(Carer retention page); new households take the ages the mainstream households approved "
    f"in the last five years take, with {places_figure.text} each, the figure every page plans "
    f"with ({places_figure.source}; those recent approvals averaged "
    f"{recent_profile.approved_places:.2f})."
)
show_plan_figures(
    plan_figures,
    ("enquiry_to_approval", "days_enquiry_to_approval", "cost_per_enquiry", "places_per_household"),
    note="With the authority's figures chosen above, the two stages multiply to this share of "
    "enquiries approved and the stage times add up to about this time to approval.",
)

funnel_assumptions = FunnelAssumptions(
    enquiry_to_application=to_application / 100,
    application_to_approval=to_approval / 100,
    months_enquiry_to_application=months_application,
    months_application_to_approval=months_approval,
    lag_spread=spread,
    cost_per_enquiry=cost_per_enquiry,
    source=source_text["rates"],
)
# Today's enquiries count towards what the target needs; only those beyond them are marketing.
enquiries_now = float(plan_figures.enquiries_per_quarter.value) / 3
quarterly_source = plan_figures.enquiries_per_quarter.source
enquiries_now_source = (
    quarterly_source.removesuffix(", ÷ 4") + ", ÷ 12"
    if quarterly_source.endswith(", ÷ 4")
    else quarterly_source + ", ÷ 3"
)
answer = enquiries_needed(
    float(target_places),
    age_band,
    pd.Timestamp(target_date if isinstance(target_date, dt.date) else extract),
    households=data.households,
    start=extract,
    funnel=funnel_assumptions,
    retention_model=model,
    new_household_profile=profile,
    relative_to=relative_to,
    occupancy=occupancy / 100,
    confidence=confidence / 100,
    targeted=bool(targeted),
    enquiries_arriving_per_month=enquiries_now,
)

st.subheader("The answer")
if answer.feasible:
    st.success(answer.explanation(), icon=":material/campaign:")
else:
    st.warning(answer.explanation(), icon=":material/warning:")
figures = st.columns(5)
figures[0].metric(
    "Enquiries a month",
    f"{answer.enquiries_per_month:.1f}",
    f"{answer.arriving_counted_per_month:.1f} from today's",
    delta_color="off",
    **CONTEXT,
    help="Expected value: enough on average. All the enquiries the target needs: today's "
    f"enquiries count towards them ({plan_figures.enquiries_per_quarter.source}).",
)
figures[1].metric(
    f"To be {confidence}% sure",
    f"{answer.enquiries_per_month_at_confidence:.1f}",
    help="Enquiries a month that reach the target in this share of outcomes, allowing for chance "
    "in approvals and in recruits leaving.",
)
figures[2].metric("Campaign from", f"{answer.campaign_start:%b %Y}" if answer.feasible else "–")
figures[3].metric(
    "Campaign to",
    f"{answer.campaign_end:%b %Y}" if answer.feasible else "–",
    help="Later enquirers are unlikely to be approved by the target date.",
)
figures[4].metric(
    "Marketing cost",
    money_text(answer.total_cost) if answer.total_cost is not None else "enter £/enquiry",
    f"for {answer.extra_enquiries_per_month:.1f} a month",
    delta_color="off",
    **CONTEXT,
    help="Only enquiries beyond those arriving now are priced: enquiries a month needed less "
    "today's (as many as count for this age group), × the campaign months × the cost per "
    "enquiry; cash, rounded: an estimate.",
)
st.caption(
    f"**{answer.enquiries_per_month:.1f} enquiries a month is the total the target needs; the "
    f"{enquiries_now:.1f} a month the authority receives now count towards it** "
    f"({enquiries_now_source}"
    + (
        f"; worth {answer.arriving_counted_per_month:.1f} a month for this age group, as their "
        "households take other ages too"
        if abs(answer.arriving_counted_per_month - enquiries_now) >= 0.05
        else ""
    )
    + "), so marketing is priced only for enquiries beyond them, as the "
    "Scenario explorer and the Recommended plan price their extra enquiries on top of today's. "
    "Enquiry to approval: "
    f"{days_application + days_approval:,.0f} days here "
    f"({plan_figures.days_enquiry_to_approval.text} on every page"
    + (", the same figure)." if source == OWN_RECORDS else "; these are national figures).")
)
band_text = "any age" if age_band == ALL_AGES else f"aged {age_band}"
left, right = st.columns(2)
with left:
    altair_chart(schedule_chart(answer.schedule, band_text), width="stretch")
    st.caption(
        "Bars: enquiries needed each month. Line: usable places offered by the households these "
        "enquiries bring in (expected), after some of them leave."
    )
with right:
    options = answer.start_options
    # Very late starts need absurd monthly numbers; show starts leaving at least six months.
    shown = (
        options[options["campaign_months"] >= 6]
        if (options["campaign_months"] >= 6).any()
        else options
    )
    if len(shown):
        altair_chart(start_options_chart(shown), width="stretch")
        st.caption(
            "If the campaign starts later: enquiries a month needed for each start month (starts "
            "that leave under six months are left out). Starting later leaves fewer months, so "
            "more enquiries a month are needed."
        )

schedule = answer.schedule.assign(month=answer.schedule["month"].dt.date).rename(
    columns={
        "month": "Month end",
        "enquiries": "Enquiries (count)",
        "applications": "Applications (expected)",
        "approvals": "Approvals (expected households)",
        "recruits_approved": "Recruited households still approved",
        "usable_places_from_recruits": f"Usable places from recruits, {band_text}",
    }
)
with st.expander("Month by month"):
    st.dataframe(
        schedule.round(2),
        hide_index=True,
        width="stretch",
        height=280,
        # short headers and fixed widths: every column visible on a 1280 px laptop screen
        column_config={
            "Month end": st.column_config.DateColumn(width=100),
            **{
                label: st.column_config.NumberColumn(short, width=width, help=label)
                for label, short, width in (
                    ("Enquiries (count)", "Enquiries", 90),
                    ("Applications (expected)", "Applications", 105),
                    ("Approvals (expected households)", "Approvals (hh)", 120),
                    ("Recruited households still approved", "Still approved (hh)", 140),
                    (
                        f"Usable places from recruits, {band_text}",
                        f"Usable places, {band_text}",
                        175,
                    ),
                )
            },
        },
    )
    st.caption(
        "Expected counts a month; hh: households. Usable places: places the recruited "
        "households offer for this age band, after occupancy."
    )
assumptions = pd.DataFrame(
    [
        ("Target", float(target_places), "usable places", f"{band_text} by {target_date}"),
        ("Enquiry → application", to_application / 100, "share", source_text["rates"]),
        ("Application → approval", to_approval / 100, "share", source_text["rates"]),
        ("Enquiry → application time", float(days_application), "days", source_text["times"]),
        ("Application → approval time", float(days_approval), "days", source_text["times"]),
        ("Cost per enquiry", cost_per_enquiry, "£ per enquiry", source_text["cost"]),
        (
            "Enquiries arriving now (not priced)",
            enquiries_now,
            "enquiries a month",
            enquiries_now_source,
        ),
        ("Occupancy", occupancy / 100, "share of approved places", defaults.OCCUPANCY.source),
        (
            "Places per new household",
            profile.approved_places,
            "approved places",
            places_figure.source,
        ),
    ],
    columns=["assumption", "value", "unit", "source"],
)
downloads = st.columns(3)
downloads[0].download_button(
    "Month by month (CSV)",
    csv_bytes(answer.schedule),
    file_name="enquiries_schedule.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
downloads[1].download_button(
    "By campaign start (CSV)",
    csv_bytes(answer.start_options, money=MARKETING_UNIT),
    file_name="campaign_start_options.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
downloads[2].download_button(
    "Answer and assumptions (Excel)",
    partial(  # built on click, not on every run
        excel_bytes,
        money=MARKETING_UNIT,
        sheets={
            "answer": pd.DataFrame({"answer": [answer.explanation()]}),
            "schedule": answer.schedule,
            "start_options": answer.start_options,
            "assumptions": assumptions,
        },
    ),
    file_name="recruitment_calculator.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
)
