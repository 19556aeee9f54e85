"""Carer retention page: how long households stay, why they leave, and the households and usable
places expected over the coming years."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    CACHE_TTL,
    HOUSEHOLDS_KEY,
    HOUSEHOLDS_NAME_KEY,
    SEED,
    active_households,
    altair_chart,
    authority_models,
    back_to_demo_button,
    csv_bytes,
    current_scenario,
    excel_bytes,
    households_key,
    read_uploads,
    scenario_result,
    show_validation,
)
from app_pages.plain import plain
from sufficiency.plan.wording import ExplorerHouseholds, retention_against_explorer
from sufficiency.supply import defaults
from sufficiency.supply.capacity import ALL_AGES, BANDS_WITH_TOTAL, project_capacity
from sufficiency.supply.households import (
    CARER_TYPES,
    DEFAULT_MAX_UPLOAD_BYTES,
    IN_HOUSE_CARER_TYPES,
    CarerHouseholds,
    households_on,
    read_households_uploads,
)
from sufficiency.supply.retention import (
    RetentionModel,
    annual_leaving_rates,
    kaplan_meier,
    leaving_reasons,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "supply" / "carer_households.csv"
GROUP_LABELS = {"carer_group": "Carer group", "carer_type": "Carer type"}
# units of the download columns whose names do not say them
RETENTION_UNITS = {
    "lower": "share still approved, 95% interval",
    "upper": "share still approved, 95% interval",
    "observed_rate": "leavings a household-year",
    "lower_80": "leavings a household-year, 80% interval",
    "upper_80": "leavings a household-year, 80% interval",
}


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_TTL)
def describe(_data: CarerHouseholds, key: str, by: str) -> dict[str, pd.DataFrame]:
    """Survival curves, reasons, yearly rates and the fitted hazards."""
    del key
    households, extract = _data.households, _data.extract_date
    model = RetentionModel(group_column=by).fit(households, extract)
    curves = kaplan_meier(households, extract, by=by)
    model_curves = pd.concat(
        [model.survival_curve(group, 180) for group in curves["group"].unique()],
        ignore_index=True,
    )
    since = extract - pd.DateOffset(years=5)
    return {
        "curves": curves,
        "model_curves": model_curves,
        "reasons": leaving_reasons(households, start=since, end=extract),
        "reasons_by_group": leaving_reasons(households, start=since, end=extract, by=by),
        "rates": annual_leaving_rates(households, extract, by=by),
        "hazards": model.hazard_table_,
    }


@st.cache_data(show_spinner=False, max_entries=32, ttl=CACHE_TTL)
def projection(
    _data: CarerHouseholds,
    key: str,
    horizon: int,
    approvals: float,
    occupancy: float,
    carer_types: tuple[str, ...],
) -> pd.DataFrame:
    """Households and usable places by month and age band (mean and 10th-90th percentiles)."""
    del key
    model = RetentionModel().fit(_data.households, _data.extract_date)
    result = project_capacity(
        _data.households,
        _data.extract_date,
        horizon,
        approvals_per_month=approvals or None,
        retention_model=model,
        carer_types=carer_types,
        occupancy=occupancy,
        n_paths=400,
        random_state=0,
    )
    return result.summary()


def upload_section(is_demo: bool) -> None:
    with st.expander("Use your own carer household records", expanded=False):
        st.write(
            "Upload one row per approved household, current or past: household_id, carer_type "
            "(mainstream, kinship, parent and child, teenagers, sibling groups, disabled "
            "children), approval_date, approved_places, age_from, age_to, deregistration_date and "
            "deregistration_reason. CSV or Excel. No names or addresses are needed and household "
            "references are never shown. The format is described in docs/supply_formats.md."
        )
        if EXAMPLE.exists():
            st.download_button(
                "Example carer_households.csv",
                EXAMPLE.read_bytes(),
                file_name="example_carer_households.csv",
                mime="text/csv",
                icon=":material/download:",
                on_click="ignore",
            )
        extract = st.date_input(
            "Extract date (the date the records describe)",
            value=None,
            help="Leave blank to use the latest approval or deregistration date in the file.",
            key="households_extract_date",
        )
        _files, checked = read_uploads(
            "Carer household files",
            "upload_households",
            lambda files: read_households_uploads(
                files, extract_date=pd.Timestamp(extract) if extract else None
            ),
            DEFAULT_MAX_UPLOAD_BYTES,
        )
        if checked is not None:
            show_validation(
                checked,
                report_file_name="carer_households_validation_report.csv",
                use_label="Use these records",
                session_key=HOUSEHOLDS_KEY,
                name_key=HOUSEHOLDS_NAME_KEY,
                name=f"your carer household records (to {checked.extract_date:%d %B %Y})",
                unusable_message="No household rows can be used yet: see the report.",
            )
        if not is_demo:
            back_to_demo_button(HOUSEHOLDS_KEY, HOUSEHOLDS_NAME_KEY)


def in_words(figure) -> str:
    """A sourced share as a percentage in words: '15% of mainstream households ... (source: ...)'."""
    unit = str(figure.unit).removesuffix(" (0-1)")
    if unit.startswith("share of "):
        return f"{float(figure.value):.0%} of {unit.removeprefix('share of ')} (source: {figure.source})"
    return figure.describe()


def usable_places_note(projected_now: float, reconciliation, occupancy_pct: float) -> str:
    """Why the projection's usable places now can differ from the figure at the top: the
    projection counts approved places x occupancy; the top figure is never below the children
    placed in-house now (a place in use is usable)."""
    if round(projected_now) == round(reconciliation.usable_places):
        return ""
    return (
        f" The projection counts approved places x {occupancy_pct:g}% occupancy; the "
        f"{reconciliation.usable_places:,.0f} usable places at the top of the page are the larger "
        "of that and the children placed with in-house carers now (a place in use is usable)."
    )


def survival_chart(curves: pd.DataFrame, model_curves: pd.DataFrame, legend: str) -> alt.Chart:
    curves = curves.assign(years=curves["tenure_months"] / 12)
    model_curves = model_curves.assign(years=model_curves["tenure_months"] / 12)
    x = alt.X("years:Q", title="Years since approval", scale=alt.Scale(domain=[0, 15]))
    colour = alt.Color("group:N", title=legend, legend=alt.Legend(orient="bottom", symbolOpacity=1))
    band = (
        alt.Chart(curves[curves["years"] <= 15])
        .mark_area(opacity=0.15, interpolate="step-after")
        .encode(x=x, y=alt.Y("lower:Q"), y2="upper:Q", color=colour)
    )
    steps = (
        alt.Chart(curves[curves["years"] <= 15])
        .mark_line(interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y(
                "survival:Q",
                title="Households still approved",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=colour,
            tooltip=[
                alt.Tooltip("group:N", title=legend),
                alt.Tooltip("years:Q", title="Years since approval", format=".1f"),
                alt.Tooltip("survival:Q", title="Still approved", format=".0%"),
                alt.Tooltip("at_risk:Q", title="Households observed"),
            ],
        )
    )
    fitted = (
        alt.Chart(model_curves[model_curves["years"] <= 15])
        .mark_line(strokeDash=[4, 3], opacity=0.7)
        .encode(x=x, y="survival:Q", color=colour)
    )
    return (band + steps + fitted).properties(height=320)


def reasons_chart(reasons: pd.DataFrame) -> alt.Chart:
    shown = reasons[reasons["households"] > 0]
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X(
                "households:Q",
                title="Households that left (last 5 years)",
                axis=alt.Axis(tickMinStep=1),
            ),
            y=alt.Y(
                "label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=460, labelOverlap=False)
            ),
            color=alt.Color(
                "initiator:N",
                title="Whose decision (Ofsted category)",
                legend=alt.Legend(orient="right", labelLimit=260, titleLimit=320),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Reason"),
                alt.Tooltip("households:Q", title="Households"),
                alt.Tooltip("share:Q", title="Share of leavers", format=".0%"),
            ],
        )
        .properties(height=alt.Step(22))
    )


def projection_chart(frame: pd.DataFrame, measure: str, title: str) -> alt.Chart:
    total = frame[frame["age_band"] == ALL_AGES]
    x = alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y"))
    band = (
        alt.Chart(total)
        .mark_area(opacity=0.2)
        .encode(x=x, y=alt.Y(f"{measure}_p10:Q", title=title), y2=f"{measure}_p90:Q")
    )
    line = (
        alt.Chart(total)
        .mark_line()
        .encode(
            x=x,
            y=f"{measure}_mean:Q",
            tooltip=[
                alt.Tooltip("month:T", title="Month end", format="%b %Y"),
                alt.Tooltip(f"{measure}_mean:Q", title="Expected", format=".0f"),
                alt.Tooltip(f"{measure}_p10:Q", title="10th percentile", format=".0f"),
                alt.Tooltip(f"{measure}_p90:Q", title="90th percentile", format=".0f"),
            ],
        )
    )
    return (band + line).properties(height=280)


def band_chart(frame: pd.DataFrame) -> alt.Chart:
    bands = frame[frame["age_band"] != ALL_AGES]
    return (
        alt.Chart(bands)
        .mark_area()
        .encode(
            x=alt.X("month:T", title="Month end", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("usable_places_mean:Q", title="Usable places", stack=True),
            color=alt.Color(
                "age_band:N",
                title="Age band (years)",
                sort=list(BANDS_WITH_TOTAL),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("month:T", title="Month end", format="%b %Y"),
                alt.Tooltip("age_band:N", title="Age band"),
                alt.Tooltip("usable_places_mean:Q", title="Usable places", format=".1f"),
            ],
        )
        .properties(height=280)
    )


# --- page -----------------------------------------------------------------------------------
st.title("Carer retention")
st.caption(
    "How long the service's own foster-carer households stay approved, why they leave, and the "
    "households and usable places to expect if nobody new is approved (or with the approvals you "
    "set)."
)
data, label, is_demo = active_households()
if is_demo:
    st.info(f"**{label}**. Upload your own below.", icon=":material/science:")
else:
    st.caption(f"Showing {label}.")
upload_section(is_demo)
key = households_key(data, label)
extract = data.extract_date
households = data.households

now = households_on(households, extract)
kinship_now = now[now["carer_group"] == "kinship"]
models, models_key = authority_models()
figures = models.figures
reconciliation = figures.in_house
first, second, third, fourth = st.columns(4)
if reconciliation.records_households is not None:
    first.metric(
        "In-house households",
        f"{reconciliation.households:,.0f}",
        help=f"Mainstream and specialist households approved on {extract:%d %b %Y}; family and "
        "friends (kinship) households, approved "
        f"for named children, are counted apart: {len(kinship_now):,}.",
    )
    second.metric("In-house places approved", f"{reconciliation.records_approved_places or 0:,.0f}")
third.metric(
    "Usable in-house places",
    f"{reconciliation.usable_places:,.0f}",
    help=reconciliation.rule,
)
fourth.metric(
    "Households leaving a year",
    figures.annual_leaving_rate.text,
    help=f"{figures.annual_leaving_rate.source}. Benchmarks: "
    f"{in_words(defaults.ANNUAL_LEAVING_RATE_MAINSTREAM)}; "
    f"{in_words(defaults.ANNUAL_LEAVING_RATE_LA_ALL)}",
)
st.caption(
    f"Kinship (family and friends) households approved now: {len(kinship_now):,}. "
    + reconciliation.describe()
    + " The same households, places and leaving rate are used on every page."
)

by = st.radio(
    "Split charts and tables by",
    list(GROUP_LABELS),
    format_func=GROUP_LABELS.get,
    horizontal=True,
    key="retention_by",
)
tables = describe(data, key, by)
st.subheader("How long households stay")
altair_chart(
    survival_chart(tables["curves"], tables["model_curves"], GROUP_LABELS[by]),
    width="stretch",
)
st.caption(
    "Solid steps: the share of households still approved after each length of service, "
    "from the records, shaded with the range it is 95% likely to lie in; households still "
    "approved are counted until the extract date, and households approved before the records "
    "begin join when they do. Dashed: the smoothed leaving rates by length of service used for "
    "projections, pulled towards Ofsted's published rates where records are few.",
    help="Method: Kaplan-Meier estimate with late entry; 95% confidence interval.",
)
st.subheader("Why households left")
altair_chart(reasons_chart(tables["reasons"]), width="stretch")
shares = tables["reasons"].groupby("initiated_by")["share"].sum()
ofsted = defaults.DEREGISTRATION_INITIATOR_SHARES_LA
st.caption(
    f"Carer's decision {shares.get('carer', 0):.0%} (Ofsted local authorities "
    f"{float(ofsted['carer']):.0%}); fostering service's decision "
    f"{shares.get('service', 0):.0%} (Ofsted {float(ofsted['service']):.0%}). Source: "
    f"{ofsted['carer'].source}; {ofsted['service'].source}."
)

st.subheader("Leaving rates by year")
rates = (
    tables["rates"]
    .sort_values("year", ascending=False, kind="stable")
    .rename(
        columns={
            "year": "Year to 31 March",
            "group": GROUP_LABELS[by],
            "households_start": "Households at start",
            "approved": "Approved in year",
            "deregistered": "Deregistered in year",
            "households_end": "Households at end",
            "leaving_rate": "Leaving rate",
        }
    )
    .assign(**{"Leaving rate": lambda f: f["Leaving rate"] * 100})
)
st.dataframe(
    rates,
    hide_index=True,
    width="stretch",
    height=240,
    # short headers and fixed widths: every column visible on a 1280 px laptop screen
    column_config={
        "Year to 31 March": st.column_config.NumberColumn(format="%d", width=115),
        GROUP_LABELS[by]: st.column_config.TextColumn(width=100),
        **{
            label: st.column_config.NumberColumn(short, width=width, help=f"{label} (households).")
            for label, short, width in (
                ("Households at start", "At start (hh)", 95),
                ("Approved in year", "Approved (hh)", 100),
                ("Deregistered in year", "Left (hh)", 80),
                ("Households at end", "At end (hh)", 90),
            )
        },
        "Leaving rate": st.column_config.NumberColumn(
            "Leaving rate (% a year)",
            format="%.0f%%",
            width=160,
            help="Households deregistered in the year / households approved at the start.",
        ),
    },
)
st.caption("hh: households (count). Left: deregistered in the year.")
st.caption(
    f"Benchmarks: {in_words(defaults.ANNUAL_LEAVING_RATE_MAINSTREAM)}. "
    f"{in_words(defaults.ANNUAL_LEAVING_RATE_LA_ALL)}."
)
with st.expander("Leaving rates used for projections (per year, by length of service)"):
    hazards = tables["hazards"][
        [
            "group",
            "tenure_band",
            "left",
            "exposure_years",
            "observed_rate",
            "chance_leaving_within_year",
            "lower_80",
            "upper_80",
        ]
    ]
    st.dataframe(
        hazards.rename(
            columns={
                "group": GROUP_LABELS[by],
                "tenure_band": "Length of service",
                "left": "Households left (last 5 years)",
                "exposure_years": "Household-years observed",
                "observed_rate": "Observed rate (per year)",
                "chance_leaving_within_year": "Chance of leaving within a year",
                "lower_80": "Rate, 80% interval low (per year)",
                "upper_80": "Rate, 80% interval high (per year)",
            }
        ),
        hide_index=True,
        width="stretch",
        # short headers and fixed widths: every column visible on a 1280 px laptop screen
        column_config={
            GROUP_LABELS[by]: st.column_config.TextColumn(width=90),
            "Length of service": st.column_config.TextColumn(width=105),
            "Households left (last 5 years)": st.column_config.NumberColumn(
                "Left (hh)", width=75, help="Households that left in the last 5 years."
            ),
            "Household-years observed": st.column_config.NumberColumn(
                "Observed (hh-years)", format="%.1f", width=115
            ),
            "Observed rate (per year)": st.column_config.NumberColumn(
                "Rate (a year)", format="%.3f", width=90, help="Leavings per household-year."
            ),
            "Chance of leaving within a year": st.column_config.NumberColumn(
                "In a year (%)",
                format="percent",
                width=95,
                help="Chance of leaving within a year.",
            ),
            "Rate, 80% interval low (per year)": st.column_config.NumberColumn(
                "80% low (a year)", format="%.3f", width=95
            ),
            "Rate, 80% interval high (per year)": st.column_config.NumberColumn(
                "80% high (a year)", format="%.3f", width=95
            ),
        },
    )
    st.caption(
        "Rates are leavings per household-year over the last five years, by length of service. "
        "Where few households were observed they are pulled towards the published rate for the "
        "carer group (mainstream: "
        f"{defaults.ANNUAL_LEAVING_RATE_MAINSTREAM.source}; kinship: "
        f"{defaults.ANNUAL_LEAVING_RATE_KINSHIP.source})."
    )


st.subheader("Households and usable places expected")
controls = st.columns(3)
horizon = controls[0].slider(
    "Horizon (months)", min_value=12, max_value=120, value=60, step=12, key="retention_horizon"
)
approvals = controls[1].number_input(
    "New mainstream approvals (households a month)",
    min_value=0.0,
    max_value=20.0,
    value=0.0,
    step=0.5,
    key="retention_approvals",
    help="Leave at 0 to see what happens with no recruitment. Use the recruitment calculator to "
    "work out the enquiries behind a number of approvals.",
)
occupancy = controls[2].number_input(
    "Occupancy (% of approved places usable)",
    min_value=10.0,
    max_value=100.0,
    value=float(defaults.OCCUPANCY) * 100,
    step=1.0,
    key="retention_occupancy",
    help=defaults.OCCUPANCY.describe(),
)
st.caption(f"Occupancy default: {in_words(defaults.OCCUPANCY)}.")
carer_types = st.multiselect(
    "Carer types counted",
    list(CARER_TYPES),
    default=list(IN_HOUSE_CARER_TYPES),
    key="retention_carer_types",
    help="Kinship households are left out by default: they are approved for named children, so "
    "their places are not open to other children.",
)
if not carer_types:
    st.warning("Choose at least one carer type.", icon=":material/warning:")
    st.stop()
frame = projection(
    data, key, int(horizon), float(approvals), float(occupancy) / 100, tuple(carer_types)
)
total = frame[frame["age_band"] == ALL_AGES]
end = total.iloc[-1]
start_row = total.iloc[0]
st.write(
    f"Households counted: **{start_row['households_mean']:.0f}** "
    f"now, about **{end['households_mean']:.0f}** by {end['month']:%B %Y} (80% interval "
    f"{end['households_p10']:.0f}-{end['households_p90']:.0f}); usable places "
    f"**{start_row['usable_places_mean']:.0f}** now, about **{end['usable_places_mean']:.0f}** "
    f"then ({end['usable_places_p10']:.0f}-{end['usable_places_p90']:.0f})."
    + usable_places_note(start_row["usable_places_mean"], reconciliation, float(occupancy))
)
if set(carer_types) == set(IN_HOUSE_CARER_TYPES):
    # the explorer's figures from the same model (a cached run, shared with the explorer)
    scenario = current_scenario()
    result = scenario_result(models, models_key, scenario.to_json(), SEED)
    with_plan = result.summary["in_house_households_end"]
    changed = round(with_plan) != round(result.baseline_summary["in_house_households_end"])
    explorer = ExplorerHouseholds(
        end_month=pd.Timestamp(result.carers["month"].max()),
        without_plan=result.baseline_summary["in_house_households_end"],
        as_now_per_quarter=result.summary["approvals_without_plan_per_quarter"],
        yearly_leaving_rate=float(result.resolved.annual_leaving_rate),
        scenario_name=plain(scenario.name) if changed else None,
        with_plan=with_plan if changed else None,
        extra_approved=float(result.carers["extra_approvals"].sum()),
        horizon_months=scenario.horizon_months,
    )
    as_now = projection(
        data,
        key,
        int(horizon),
        explorer.as_now_per_quarter / 3,
        float(occupancy) / 100,
        tuple(carer_types),
    )
    here_as_now = as_now[as_now["age_band"] == ALL_AGES].iloc[-1]["households_mean"]
    st.markdown(
        retention_against_explorer(
            start_row["households_mean"],
            end["households_mean"],
            end["month"],
            float(approvals),
            explorer,
            here_as_now,
        )
    )
else:
    st.caption(
        "The Scenario explorer counts mainstream and specialist households (not kinship): "
        "choose those carer types above to compare this projection with it."
    )
chart_left, chart_right = st.columns(2)
with chart_left:
    altair_chart(projection_chart(frame, "households", "Households (count)"), width="stretch")
with chart_right:
    altair_chart(band_chart(frame), width="stretch")
st.caption(
    "Line: expected value; shaded: 80% of simulated futures (10th to 90th percentile), from "
    "simulating each household's leaving. Usable places are credited to the age bands a "
    "household's approval covers, in proportion to the years of age in each band. Kinship "
    "households are left out unless chosen above: they are approved for named children."
)

st.subheader("Downloads")
# side by side at their own widths, wrapping when the row is full: in four equal columns
# "Households and places projection (CSV)" was cut at 1280 px
downloads = st.container(horizontal=True, gap="small")
downloads.download_button(
    "Survival curves (CSV)",
    csv_bytes(tables["curves"], units=RETENTION_UNITS),
    file_name="survival_curves.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
downloads.download_button(
    "Leaving reasons (CSV)",
    csv_bytes(tables["reasons_by_group"]),
    file_name="leaving_reasons.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
downloads.download_button(
    "Households and places projection (CSV)",
    csv_bytes(frame),
    help="Households and usable places expected, by month and age band: mean and 10th, 50th "
    "and 90th percentiles of the simulated futures.",
    file_name="capacity_projection.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
downloads.download_button(
    "All tables (Excel)",
    partial(  # built on click, not on every run
        excel_bytes,
        units=RETENTION_UNITS,
        sheets={
            "survival_curves": tables["curves"],
            "leaving_reasons": tables["reasons_by_group"],
            "leaving_rates": tables["rates"],
            "leaving_rates_used": tables["hazards"],
            "capacity_projection": frame,
        },
    ),
    file_name="carer_retention.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
)
