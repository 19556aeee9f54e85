"""Approvals pipeline page: how many households the people in progress and future enquiries will
bring to approval each month, with intervals, and how well the model behind it does."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    CACHE_TTL,
    active_funnel_records,
    altair_chart,
    authority_models,
    csv_bytes,
    funnel_records_key,
)
from app_pages.plan_figures import show_plan_figures
from app_pages.presentation import axis_top, pipeline_monthly_chart
from sufficiency.authority import national_enquiry_to_approval
from sufficiency.errors import SufficiencyError
from sufficiency.supply.conversion import (
    ApprovalModel,
    backtest_projection,
    evaluate_approval_model,
)
from sufficiency.supply.records import STAGE_LABELS, STAGES, FunnelRecords


@st.cache_resource(show_spinner="Fitting the approval model...", max_entries=4, ttl=CACHE_TTL)
def fitted_model(_records: FunnelRecords, key: str) -> ApprovalModel:
    del key
    return ApprovalModel(random_state=0).fit(_records.enquiries, _records.extract_date)


@st.cache_data(
    show_spinner="Checking the model on later enquiries...", max_entries=4, ttl=CACHE_TTL
)
def evaluation(_records: FunnelRecords, key: str) -> dict[str, object]:
    del key
    result = evaluate_approval_model(_records.enquiries, _records.extract_date)
    return {
        "roc_auc": result.roc_auc,
        "brier": result.brier,
        "base_rate_brier": result.base_rate_brier,
        "calibration": result.calibration,
        "by_stage": result.by_stage,
        "text": result.text(),
        "backtest": backtest_projection(_records.enquiries, _records.extract_date).text(),
    }


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_TTL)
def projection(
    _model: ApprovalModel,
    _records: FunnelRecords,
    key: str,
    horizon: int,
    enquiries_per_month: float,
    chance: float,
    interval: float,
) -> pd.DataFrame:
    del key
    return _model.project(
        _records.enquiries,
        horizon,
        future_enquiries_per_month=enquiries_per_month,
        new_enquiry_probability=chance,
        interval=interval,
        n_simulations=2000,
        random_state=0,
    )


@st.cache_data(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def pipeline_by_stage(_model: ApprovalModel, _records: FunnelRecords, key: str) -> pd.DataFrame:
    del key
    people = _model.open_pipeline(_records.enquiries)
    table = (
        people.groupby("stage")
        .agg(
            households=("probability", "size"),
            mean_chance=("probability", "mean"),
            expected_approvals=("probability", "sum"),
            median_days_to_approval=("median_days_to_approval", "median"),
        )
        .reindex([stage for stage in STAGES if stage in set(people["stage"])])
        .reset_index()
    )
    table["stage"] = table["stage"].map(STAGE_LABELS)
    return table


def baseline_comparison(next_year: float, figures) -> str:
    """This page's next 12 months beside the approvals the Scenario explorer and Recommended plan
    assume without a plan (as many as now), in plain words."""
    now = float(figures.approvals_per_quarter.value)
    gap = next_year / 4 - now
    close = abs(gap) <= 0.15 * max(now, 1e-9)
    return (
        f"This forecast, {next_year:.1f} households in the next 12 months ({next_year / 4:.1f} a "
        f"quarter), is {'close to' if close else ('above' if gap > 0 else 'below')} the "
        f"{now:.1f} a quarter ({4 * now:.0f} a year) the Scenario explorer and the Recommended "
        f"plan keep approving without a plan, as now ({figures.approvals_per_quarter.source}). "
        "Their extra households come on top of it."
    )


st.title("Approvals pipeline")
records, label, is_demo = active_funnel_records()
if is_demo:
    st.info(f"**{label}**. Upload your own on the Campaign funnel page.", icon=":material/science:")
else:
    st.caption(f"Showing {label}.")
key = funnel_records_key(records, label)
try:
    model = fitted_model(records, key)
except SufficiencyError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()

national = national_enquiry_to_approval()
figures = authority_models()[0].figures
plan_conversion = figures.enquiry_to_approval
controls = st.columns(4)
with controls[0]:
    enquiries_per_month = st.number_input(
        "New enquiries a month",
        min_value=0.0,
        max_value=2000.0,
        value=float(round(model.recent_enquiries_per_month_, 1)),
        step=1.0,
        help="Default: the average of the 12 months to the extract date in these records.",
    )
with controls[1]:
    chance_percent = st.number_input(
        "Chance a new enquiry ends in approval (%)",
        min_value=0.0,
        max_value=100.0,
        value=float(round(100 * float(plan_conversion.value), 1)),
        step=0.5,
        help=(
            f"Default: the share of enquiries approved every page plans with, "
            f"{plan_conversion.text} ({plan_conversion.source}). The approval model's own "
            f"estimate for the last year's enquirers, a different measure, is "
            f"{model.new_enquiry_probability_:.1%}. National figure: {national.text} "
            f"({national.source})."
        ),
    )
with controls[2]:
    horizon = st.slider("Months ahead", min_value=6, max_value=36, value=24, step=6)
with controls[3]:
    interval_label = st.selectbox("Interval", ["80%", "90%", "95%"], index=0)
interval = int(interval_label.rstrip("%")) / 100
st.caption(
    f"Defaults and their sources: {model.recent_enquiries_per_month_:.1f} enquiries a month "
    f"(last 12 months of these records); {plan_conversion.text} of new enquiries approved, the "
    f"figure every page plans with ({plan_conversion.source}). The approval model's own estimate "
    f"for the last year's enquirers is {model.new_enquiry_probability_:.1%} (a different measure: "
    f"it scores last year's enquirers one by one, from their stage and channel); the national "
    f"figure, used without your records, is {national.text} ({national.source})."
)
show_plan_figures(figures, ("enquiry_to_approval", "days_enquiry_to_approval"))

table = projection(
    model,
    records,
    key,
    horizon,
    float(enquiries_per_month),
    float(chance_percent) / 100,
    interval,
)
first_year = table.head(12)
total_cols = st.columns(3)
total_cols[0].metric(
    "Approvals expected in the next 12 months",
    f"{first_year['expected_approvals'].sum():.1f} households",
)
total_cols[1].metric(
    "From people already in progress",
    f"{table['expected_from_pipeline'].sum():.1f} households",
    help="Over the whole projection; almost all land within 12 months.",
)
total_cols[2].metric(
    "People in progress now",
    f"{int((records.enquiries['outcome'] == 'open').sum()):,} households",
    help=f"Enquiries with no approval or withdrawal by {records.extract_date:%d %B %Y}.",
)
st.caption(baseline_comparison(first_year["expected_approvals"].sum(), figures))

# One time axis for both charts (month ends, the same range) and y axes that hold the whole
# interval with room above it, so no whisker or band reaches the top edge.
first_month, last_month = pd.to_datetime(table["month"]).min(), pd.to_datetime(table["month"]).max()
time_axis = alt.X(
    "month:T",
    title="Month end",
    axis=alt.Axis(format="%b %Y", labelAngle=-30),
    scale=alt.Scale(domain=[first_month.isoformat(), last_month.isoformat()], padding=12),
)
monthly_chart = pipeline_monthly_chart(table, interval_label, time_axis)
monthly_col, cumulative_col = st.columns(2)
altair_chart(monthly_chart.properties(height=320), width="stretch", container=monthly_col)
cumulative_base = alt.Chart(table).encode(
    x=time_axis,
    tooltip=[
        alt.Tooltip("month:T", title="By the end of", format="%b %Y"),
        alt.Tooltip("cumulative_expected:Q", title="Expected", format=".1f"),
        alt.Tooltip("cumulative_lower:Q", title=f"{interval_label} lower"),
        alt.Tooltip("cumulative_upper:Q", title=f"{interval_label} upper"),
    ],
)
cumulative_top = axis_top(table["cumulative_upper"])
altair_chart(
    (
        cumulative_base.mark_area(opacity=0.25).encode(
            y=alt.Y(
                "cumulative_lower:Q",
                # the left chart's "Approvals a month", added up (the longer "Households
                # approved, cumulative" only just fitted the plot's height at 1280 px)
                title="Approvals to date",
                axis=alt.Axis(titleLimit=400),
                scale=alt.Scale(domain=[0, cumulative_top], nice=False),
            ),
            y2="cumulative_upper:Q",
        )
        + cumulative_base.mark_line(point=True).encode(y="cumulative_expected:Q")
    ).properties(height=320),
    width="stretch",
    container=cumulative_col,
)
st.caption(
    f"Left: expected approvals per month (bars) with the {interval_label} interval of simulated "
    f"months (black lines). Right: approvals added up from the extract date, with the "
    f"{interval_label} interval shaded. Each person's approval is drawn from their model "
    "probability and its timing from people at the same stage in the past; new enquiries arrive "
    "at random."
)
st.download_button(
    "Projection by month (CSV)",
    csv_bytes(
        table.assign(month=table["month"].dt.strftime("%Y-%m")),
        units={
            column: "households a month" if "cumulative" not in column else "households"
            for column in table.columns
            if column != "month"
        },
    ),
    file_name="pipeline_projection.csv",
    mime="text/csv",
    icon=":material/download:",
)

st.subheader("Who is in the pipeline now")
st.dataframe(
    pipeline_by_stage(model, records, key),
    hide_index=True,
    width="stretch",
    # widths that fit a 1280 px laptop screen
    column_config={
        "stage": st.column_config.TextColumn("Stage reached", width=200),
        "households": st.column_config.NumberColumn("Households", width=95),
        "mean_chance": st.column_config.NumberColumn(
            "Chance of approval (%)",
            format="percent",
            width=160,
            help="Mean chance of approval over the households at this stage.",
        ),
        "expected_approvals": st.column_config.NumberColumn(
            "Expected (households)",
            format="%.1f",
            width=160,
            help="Households expected to be approved (the sum of their chances).",
        ),
        "median_days_to_approval": st.column_config.NumberColumn(
            "Days to approval (median)",
            format="%.0f",
            width=160,
            help="Median days from enquiry to approval for those approved from this stage.",
        ),
    },
)

st.subheader("How good is the model?")
try:
    checked = evaluation(records, key)
except SufficiencyError as error:
    st.warning(str(error))
else:
    quality = st.columns(2)
    quality[0].metric(
        "ROC AUC on later enquiries",
        f"{checked['roc_auc']:.2f}",
        help="0.5 = no better than chance, 1 = perfect ranking of who is approved.",
    )
    quality[1].metric(
        "Brier score (lower is better)",
        f"{checked['brier']:.3f}",
        help=f"Guessing the average rate for everyone scores {checked['base_rate_brier']:.3f}.",
    )
    calibration = checked["calibration"]
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="grey")
        .encode(x="x:Q", y="y:Q")
    )
    points = (
        alt.Chart(calibration)
        .mark_circle(size=90)
        .encode(
            x=alt.X(
                "mean_predicted:Q",
                title="Predicted chance of approval",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y(
                "observed:Q",
                title="Share actually approved",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            size=alt.Size("n:Q", title="Households in group"),
            tooltip=[
                alt.Tooltip("bin:N", title="Group"),
                alt.Tooltip("n:Q", title="Households"),
                alt.Tooltip("mean_predicted:Q", title="Predicted", format=".1%"),
                alt.Tooltip("observed:Q", title="Actually approved", format=".1%"),
            ],
        )
    )
    altair_chart((diagonal + points).properties(height=300), width="stretch")
    st.caption(
        "Households in the test period grouped by their predicted chance of approval. Dots on "
        "the dashed line mean the predicted chances matched what actually happened; dots below "
        "it mean the model was too hopeful, above it too cautious."
    )
    st.caption(checked["text"].splitlines()[0])
    st.caption(checked["backtest"])
