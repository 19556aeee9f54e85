"""Campaign funnel page: which channels and campaigns bring enquiries that become approved carers,
where applicants drop out, how long each stage takes and what each approval costs."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.answer import CONTEXT
from app_pages.common import (
    CACHE_TTL,
    FUNNEL_RECORDS_KEY,
    FUNNEL_RECORDS_NAME_KEY,
    active_funnel_records,
    altair_chart,
    authority_models,
    back_to_demo_button,
    csv_bytes,
    excel_bytes,
    files_phrase,
    funnel_records_key,
    read_uploads,
    show_validation,
)
from app_pages.plan_figures import show_plan_figures
from sufficiency.authority import funnel_window, national_enquiry_to_approval
from sufficiency.export_units import money_unit
from sufficiency.supply import funnel
from sufficiency.supply.records import (
    DEFAULT_MAX_UPLOAD_BYTES,
    STAGE_LABELS,
    STAGES,
    FunnelRecords,
    read_funnel_uploads,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "supply"
BENCHMARKS = funnel.PUBLISHED_BENCHMARKS


@st.cache_data(show_spinner=False, max_entries=32, ttl=CACHE_TTL)
def analyse(
    _records: FunnelRecords, key: str, start: str, end: str, channels: tuple[str, ...]
) -> dict[str, object]:
    """Every table the page shows, for the chosen enquiry window and channels."""
    del key
    enquiries = funnel.filter_enquiries(
        _records.enquiries, channels=list(channels), start=start, end=end
    )
    extract = _records.extract_date
    spend = _records.spend
    if len(spend) and channels:
        spend = spend[spend["channel"].isin(channels)]
    if len(enquiries) == 0:
        return {"enquiries": enquiries}
    tables = {
        "counts": funnel.funnel_counts(enquiries),
        "conversion": funnel.stage_conversion(
            enquiries, extract, by=[None, "channel", "campaign", "year"]
        ),
        "durations": funnel.stage_durations(
            enquiries, extract, by=[None, "channel", "campaign", "year"]
        ),
        "cost_channel": funnel.cost_per_outcome(
            enquiries, spend, by="channel", start=start, end=end
        ),
        "cost_campaign": funnel.cost_per_outcome(
            enquiries, spend, by="campaign", start=start, end=end
        ),
        "monthly": funnel.monthly_enquiries(enquiries, by="channel"),
        "cohorts": funnel.cohort_curves(enquiries, extract, max_months=24, by="year"),
    }
    tables["enquiries"] = enquiries
    return tables


def upload_section(is_demo: bool) -> None:
    with st.expander("Use your own enquiry and campaign spend records", expanded=not is_demo):
        st.write(
            "Upload an **enquiries** file (one row per enquiry: enquiry_id, enquiry_date, "
            "channel, campaign, the date each stage was reached or the withdrawal date and reason) "
            "and, optionally, a **campaign spend** file (channel, campaign, period, spend in £). "
            "CSV or Excel. No names or addresses are needed, and enquiry references are never "
            "shown. Files stay on this computer. The formats are described in "
            "docs/supply_formats.md; start from the examples:"
        )
        left, right = st.columns(2)
        for column, name in ((left, "enquiries.csv"), (right, "campaign_spend.csv")):
            path = EXAMPLES / name
            if path.exists():
                column.download_button(
                    f"Example {name}",
                    path.read_bytes(),
                    file_name=f"example_{name}",
                    mime="text/csv",
                    icon=":material/download:",
                )
        files, checked = read_uploads(
            "Enquiries and campaign spend files",
            "upload_funnel",
            read_funnel_uploads,
            DEFAULT_MAX_UPLOAD_BYTES,
        )
        if checked is not None:
            show_validation(
                checked,
                report_file_name="funnel_validation_report.csv",
                use_label="Use these records",
                session_key=FUNNEL_RECORDS_KEY,
                name_key=FUNNEL_RECORDS_NAME_KEY,
                name=f"your enquiry records ({files_phrase(files)}, "
                f"to {checked.extract_date:%d %B %Y})",
                unusable_message="No enquiry rows can be used yet: see the report.",
            )
        if not is_demo:
            back_to_demo_button(FUNNEL_RECORDS_KEY, FUNNEL_RECORDS_NAME_KEY)


COST_COLUMNS = {
    "channel": st.column_config.TextColumn("Channel", width=110),
    "campaign": st.column_config.TextColumn("Campaign", width=170),
    "enquiries": st.column_config.NumberColumn("Enquiries", width=80),
    "applications": st.column_config.NumberColumn("Applications", width=95),
    "approvals": st.column_config.NumberColumn("Approvals", width=80),
    "still_open": st.column_config.NumberColumn(
        "In progress", width=85, help="Enquirers still in progress at the extract date."
    ),
    "spend": st.column_config.TextColumn("Spend (£)", width=85),
    "cost_per_enquiry": st.column_config.TextColumn(
        "£/enquiry", width=80, help="Cost per enquiry (£)."
    ),
    "cost_per_application": st.column_config.TextColumn(
        "£/application", width=95, help="Cost per application (£)."
    ),
    "cost_per_approval": st.column_config.TextColumn(
        "£/approval so far",
        width=122,
        help="Spend ÷ approvals so far (£): people still in progress count as not approved, so "
        "a channel with many of them looks dearer than it will be.",
    ),
    "cost_per_decided_approval": st.column_config.TextColumn(
        "£/approval (plan)",
        width=122,
        help="£ per enquiry ÷ the share approved among enquiries whose outcome is known (people "
        "still in progress left out). The Recommended plan ranks channels by this, cheapest "
        "first.",
    ),
}
# (column labels, units and widths of the cost-per-outcome tables: all visible at 1280 px)


SPEND_UNIT = money_unit(basis="cash as spent")  # the authority's own spend records
SHARE_BOUNDS = {"lower": "share, 0-1, 95% interval", "upper": "share, 0-1, 95% interval"}

NO_COST = "–"  # no spend recorded, or no application or approval yet: no cost per outcome


def numeric_costs(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-pound costs as text, with a dash (not 'None') where there was no spend or outcome.

    The table grid shows a missing number as 'None'; a cost that does not exist is a dash.
    """
    money = [
        "spend",
        "cost_per_enquiry",
        "cost_per_application",
        "cost_per_approval",
        "cost_per_decided_approval",
    ]
    present = [column for column in money if column in frame.columns]

    def pounds(values: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(values, errors="coerce")
        return numbers.map(lambda v: NO_COST if pd.isna(v) else f"{v:,.0f}")

    return frame.assign(**{column: pounds(frame[column]) for column in present})


def with_plan_measure(table: pd.DataFrame) -> pd.DataFrame:
    """A cost-per-outcome table with the plan's £ per approval beside the one so far
    (:func:`sufficiency.supply.funnel.cost_per_decided_approval`)."""
    return table.assign(cost_per_decided_approval=funnel.cost_per_decided_approval(table))


def percent(value: float) -> str:
    return "not yet known" if pd.isna(value) else f"{value:.1%}"


# --- page -----------------------------------------------------------------------------------
st.title("Campaign funnel")
records, label, is_demo = active_funnel_records()
if is_demo:
    st.info(f"**{label}**. Upload your own below.", icon=":material/science:")
else:
    st.caption(f"Showing {label}.")
upload_section(is_demo)

years = sorted(funnel.financial_year(records.enquiries["enquiry_date"]).unique())
plan_figures = authority_models()[0].figures
# Start on the years the plan figures are measured on (the last three to the extract date), so the
# page opens on the same rate and lead time every other page plans with.
window_start, _ = funnel_window(records.extract_date)
plan_first_year = str(funnel.financial_year(pd.Series([window_start])).iloc[0])
default_first = plan_first_year if plan_first_year in years else years[0]
filter_years, filter_channels = st.columns([2, 3])
with filter_years:
    first_year, last_year = st.select_slider(
        "Enquiries made in financial years",
        options=years,
        value=(default_first, years[-1]),
        help="Starts on the last three years to the extract date: the window every page's "
        "figures are measured on. Widen it to see earlier years (a different measure).",
    )
with filter_channels:
    all_channels = sorted(records.enquiries["channel"].unique())
    channels = st.multiselect("Channels (all when empty)", all_channels, default=[])
start = f"{first_year[:4]}-04-01"
end = f"{int(last_year[:4]) + 1}-03-31"
tables = analyse(records, funnel_records_key(records, label), start, end, tuple(sorted(channels)))
enquiries = tables["enquiries"]
if len(enquiries) == 0:
    st.warning("No enquiries in this selection: widen the years or channels.")
    st.stop()

conversion = tables["conversion"]
overall = conversion[conversion["group"] == "all"].set_index(["from_stage", "to_stage"])
all_durations = tables["durations"]
overall_durations = all_durations[all_durations["group"] == "all"]
durations = overall_durations.set_index(["from_stage", "to_stage"])
to_application = overall.loc[("enquiry", "application")]
to_approval = overall.loc[("application", "approval")]
end_to_end = overall.loc[("enquiry", "approval")]

selection = f"enquiries {first_year} to {last_year}" + (
    f", {', '.join(channels)}" if channels else ", all channels"
)
median_days = durations.loc[("enquiry", "approval"), "median_days"]
plan_rate = plan_figures.enquiry_to_approval
plan_days = plan_figures.days_enquiry_to_approval
# The selection is the plan figures' own measure when it shows the same rate and lead time (the
# last three years, all channels, on the records the plan uses): then it is one figure, not two.
same_as_plan = (
    plan_rate.own_data
    and percent(end_to_end["rate"]) == plan_rate.text
    and f"{median_days:,.0f} days" == plan_days.text
)
national = national_enquiry_to_approval()
st.markdown(f"**In the years and channels selected** ({selection})")
metric_cols = st.columns(4)
metric_cols[0].metric("Enquiries", f"{len(enquiries):,}")
metric_cols[1].metric(
    "Enquiry to application",
    percent(to_application["rate"]),
    help=f"95% interval {percent(to_application['lower'])} to {percent(to_application['upper'])}. "
    f"Benchmark: {BENCHMARKS['enquiry_to_application'].source}.",
)
metric_cols[2].metric(
    "Application to approval",
    percent(to_approval["rate"]),
    help=f"95% interval {percent(to_approval['lower'])} to {percent(to_approval['upper'])}. "
    f"Benchmark: {BENCHMARKS['application_to_approval'].source}.",
)
metric_cols[3].metric(
    "Enquiry to approval",
    percent(end_to_end["rate"]),
    f"in {median_days:,.0f} days" + (": plan figures" if same_as_plan else ""),
    delta_color="off",
    **CONTEXT,
    help=f"95% interval {percent(end_to_end['lower'])} to {percent(end_to_end['upper'])}. "
    f"Median {median_days:.0f} days from enquiry to approval for those approved. National "
    f"figure {national.text} ({national.source}); older benchmark 11% in 281 days "
    f"({BENCHMARKS['enquiry_to_approval_days'].source}).",
)
if same_as_plan:
    measure_note = (
        "The selection above is the plan figures' own window (the last three years, all "
        "channels), so its rate and time to approval are these. Choose other years or channels "
        "to compare."
    )
else:
    measure_note = (
        f"The rates above are for the years and channels selected: a different measure from the "
        f"plan figures ({plan_rate.text} approved, {plan_days.text}), which are measured on the "
        "last three years of enquiries to the extract date, all channels."
    )
st.caption(
    f"How these are measured: people still in progress are allowed for (not counted as "
    f"drop-outs), so the rates are higher than the shares approved so far in the funnel chart. "
    f"National benchmark (not these records): {national.text} of enquiries approved "
    f"nationally, the figure used without your records ({national.source}); published ranges: enquiry to application 12-19% "
    f"({BENCHMARKS['enquiry_to_application'].source}), application to approval 33-36% "
    f"({BENCHMARKS['application_to_approval'].source}); older benchmark 11% in 281 days "
    f"({BENCHMARKS['enquiry_to_approval_days'].source})."
)
show_plan_figures(
    plan_figures,
    ("enquiry_to_approval", "days_enquiry_to_approval", "cost_per_enquiry"),
    note=measure_note,
)

# Only the open tab's charts and tables are built (eight charts in all; one tab shows at most
# three): a tab opened later reruns the page and builds its own.
funnel_tab, channel_tab, campaign_tab, trend_tab, stage_tab = st.tabs(
    ["Funnel", "By channel", "By campaign", "Trend", "Drop-out and time in stage"],
    key="funnel_view",
    on_change="rerun",
)

if funnel_tab.open:
    with funnel_tab:
        counts = tables["counts"].copy()
        counts["share_label"] = counts["share_of_enquiries"].map(lambda v: f"{v:.1%}")
        order = [STAGE_LABELS[stage] for stage in STAGES]
        bars = (
            alt.Chart(counts)
            .mark_bar()
            .encode(
                y=alt.Y(
                    "stage_label:N",
                    sort=order,
                    title="Stage reached",
                    axis=alt.Axis(labelLimit=220),
                ),
                x=alt.X("reached:Q", title="Enquirers reaching the stage (households)"),
                tooltip=[
                    alt.Tooltip("stage_label:N", title="Stage"),
                    alt.Tooltip("reached:Q", title="Households", format=","),
                    alt.Tooltip("share_of_enquiries:Q", title="Share of enquiries", format=".1%"),
                    alt.Tooltip("in_stage_now:Q", title="In this stage now"),
                ],
            )
        )
        text = bars.mark_text(align="left", dx=4).encode(text="share_label:N")
        altair_chart((bars + text).properties(height=300), width="stretch")
        approved_so_far = counts.loc[counts["stage"] == "approval", "share_of_enquiries"].sum()
        so_far = f"{approved_so_far:.1%}"
        # the national benchmark in the caption above can round to the same figure (4.0% on
        # the demo): name each so the two cannot be taken for one
        same = (
            f" (The national benchmark above is also {national.text}: a different figure, "
            "from national returns.)"
            if so_far == national.text
            else ""
        )
        st.caption(
            "Households reaching each stage among enquiries made in the selected years; the label is "
            f"the share of enquiries so far. Approved so far: {so_far} of these enquiries, counting "
            "people still in progress as not approved; allowing for them (as the rates above do) "
            f"gives {percent(end_to_end['rate'])}.{same} Hover over a bar to see how many are in "
            "that stage now."
        )

TWO_COSTS = (
    "Two costs per approval: '£/approval so far' is spend ÷ approvals to date, counting people "
    "still in progress as not approved; '£/approval (plan)' leaves them out of the "
    "share approved, as the Recommended plan does when it buys the cheapest approvals first. "
    "They differ most for channels with many people still in progress."
)

if channel_tab.open:
    with channel_tab:
        headline = conversion[
            (conversion["from_stage"] == "enquiry")
            & (conversion["to_stage"] == "approval")
            & conversion["group"].str.startswith("channel: ")
        ].copy()
        headline["channel"] = headline["group"].str.removeprefix("channel: ")
        points = alt.Chart(headline).encode(
            y=alt.Y(
                "channel:N",
                title="Channel",
                sort=alt.EncodingSortField("rate", order="descending"),
            ),
            x=alt.X(
                "rate:Q",
                title="Enquiries expected to end in approval (share)",
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                alt.Tooltip("channel:N", title="Channel"),
                alt.Tooltip("reached:Q", title="Enquiries"),
                alt.Tooltip("converted:Q", title="Approved"),
                alt.Tooltip("still_open:Q", title="Still in progress"),
                alt.Tooltip("rate:Q", title="Rate", format=".1%"),
                alt.Tooltip("lower:Q", title="95% lower", format=".1%"),
                alt.Tooltip("upper:Q", title="95% upper", format=".1%"),
            ],
        )
        rule = points.mark_rule().encode(x="lower:Q", x2="upper:Q")
        altair_chart(
            (rule + points.mark_point(filled=True, size=70)).properties(height=280), width="stretch"
        )
        st.caption(
            "Dots: share of enquiries from each channel expected to end in approval, allowing for "
            "people still in progress (the 'Approved, expected' share); lines: the range the "
            "true share is 95% likely to lie in, given how few enquiries some channels had. Small "
            "channels have wide ranges: judge them on more than one campaign.",
            help="Method: Wilson score intervals for a proportion.",
        )
        cost = numeric_costs(with_plan_measure(tables["cost_channel"]))
        st.subheader("Cost per enquiry and approval (£)")
        if records.spend.empty:
            st.info("Upload a campaign spend file to see costs.")
        st.dataframe(
            cost,
            hide_index=True,
            width="stretch",
            column_config=COST_COLUMNS,
            # applications and £/application are in the By campaign tab and the downloads:
            # every column fits at 1280 px
            column_order=[
                "channel",
                "enquiries",
                "approvals",
                "still_open",
                "spend",
                "cost_per_enquiry",
                "cost_per_approval",
                "cost_per_decided_approval",
            ],
        )
        st.caption(
            "Spend in periods overlapping the selected years, counted pro rata by days; enquiries "
            "made in those years followed to their outcome. A dash: no spend recorded (e.g. "
            "word of mouth) or no approval yet, so there is no cost per outcome. Cost per "
            f"application: the By campaign tab and the downloads. {TWO_COSTS}"
        )


EXPECTED_HELP = (
    "Share of enquiries expected to reach {stage}: people still in progress are allowed for "
    "by how those before them went, not counted as drop-outs. Method: cumulative incidence "
    "with people still in progress censored at the extract date (Aalen-Johansen)."
)


def approved_columns(expected: str) -> dict:
    """The two approval shares side by side: so far (approved ÷ enquiries) and expected (column
    ``expected``), with the same labels and help in every table."""
    return {
        "approved_so_far": st.column_config.NumberColumn(
            "Approved so far",
            format="percent",
            width=112,
            help="Approved ÷ enquiries: people still in progress count as not approved.",
        ),
        expected: st.column_config.NumberColumn(
            "Approved, expected",
            format="percent",
            width=130,
            help=EXPECTED_HELP.format(stage="approval"),
        ),
    }


SO_FAR_AND_EXPECTED = (
    "Two shares approved: 'so far' is approvals ÷ enquiries, counting people still in "
    "progress as not approved; 'expected' allows for them (as the rates at the top of the page "
    "do), so it is higher where many are still in progress."
)


def cohorts_left_out(years: list[str]) -> str:
    """The caption's words for enquiry years not drawn: followed for under a month."""
    if not years:
        return ""
    named = " and ".join(years)
    verb = "is" if len(years) == 1 else "are"
    return (
        f" {named} {verb} not drawn: {'its' if len(years) == 1 else 'their'} latest enquiries "
        "were made less than a month before the extract date, so there is no curve yet."
    )


def enquiry_rates_by(conversion: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Enquiry-to-application and enquiry-to-approval rows of ``conversion`` for groups
    "<kind>: <name>", with the name in a column called ``kind``."""
    rows = conversion[
        (conversion["from_stage"] == "enquiry")
        & (conversion["to_stage"].isin(["application", "approval"]))
        & conversion["group"].str.startswith(f"{kind}: ")
    ].copy()
    rows[kind] = rows["group"].str.removeprefix(f"{kind}: ")
    return rows


if campaign_tab.open:
    with campaign_tab:
        campaign_rates = enquiry_rates_by(conversion, "campaign")
        wide = campaign_rates.pivot_table(
            index="campaign", columns="to_stage", values="rate", aggfunc="first"
        ).rename(columns={"application": "to_application", "approval": "to_approval"})
        campaign_table = numeric_costs(with_plan_measure(tables["cost_campaign"])).merge(
            wide.reset_index(), on="campaign", how="left"
        )
        campaign_table["approved_so_far"] = campaign_table["approvals"] / campaign_table[
            "enquiries"
        ].where(campaign_table["enquiries"] > 0)
        campaign_table = campaign_table.sort_values("enquiries", ascending=False)
        # two narrow tables (outcomes, then costs), so every column shows on a laptop screen
        st.dataframe(
            campaign_table,
            hide_index=True,
            width="stretch",
            column_config={
                **COST_COLUMNS,
                "campaign": st.column_config.TextColumn("Campaign", width=190),
                "enquiries": st.column_config.NumberColumn("Enquiries", width=75),
                "approvals": st.column_config.NumberColumn("Approvals", width=75),
                "still_open": {**COST_COLUMNS["still_open"], "width": 80},
                "to_application": st.column_config.NumberColumn(
                    "Applied, expected",
                    format="percent",
                    width=122,
                    help=EXPECTED_HELP.format(stage="application"),
                ),
                **approved_columns("to_approval"),
            },
            # the channel is in the cost table below: every column fits at 1280 px
            column_order=[
                "campaign",
                "enquiries",
                "approvals",
                "still_open",
                "to_application",
                "approved_so_far",
                "to_approval",
            ],
        )
        st.dataframe(
            campaign_table,
            hide_index=True,
            width="stretch",
            column_config={
                **COST_COLUMNS,
                **{c: {**COST_COLUMNS[c], "width": 105} for c in COST_COLUMNS if "cost" in c},
            },
            column_order=[
                "campaign",
                "channel",
                "spend",
                "cost_per_enquiry",
                "cost_per_application",
                "cost_per_approval",
                "cost_per_decided_approval",
            ],
        )
        st.caption(
            "One row per campaign ('no campaign' = enquiries not linked to a campaign). "
            f"{SO_FAR_AND_EXPECTED} {TWO_COSTS} See the downloads for intervals."
        )

if trend_tab.open:
    with trend_tab:
        monthly = tables["monthly"].copy()
        monthly["channel"] = monthly["group"].str.removeprefix("channel: ")
        altair_chart(
            alt.Chart(monthly)
            .mark_bar()
            .encode(
                x=alt.X("yearmonth(month):T", title="Month of enquiry"),
                y=alt.Y("enquiries:Q", title="Enquiries per month", stack="zero"),
                color=alt.Color("channel:N", title="Channel", scale=alt.Scale(scheme="tableau10")),
                tooltip=[
                    alt.Tooltip("yearmonth(month):T", title="Month"),
                    alt.Tooltip("channel:N", title="Channel"),
                    alt.Tooltip("enquiries:Q", title="Enquiries"),
                ],
            )
            .properties(height=280),
            width="stretch",
        )
        yearly = enquiry_rates_by(conversion, "year")
        yearly["measure"] = "enquiry to " + yearly["to_stage"]
        base = alt.Chart(yearly).encode(
            x=alt.X("year:N", title="Financial year of enquiry", axis=alt.Axis(labelAngle=0)),
            color=alt.Color("measure:N", title="Conversion"),
        )
        share_axis = alt.Y("rate:Q", title="Share of enquiries", axis=alt.Axis(format="%"))
        altair_chart(
            (
                base.mark_line(point=True).encode(y=share_axis)
                + base.mark_errorbar().encode(
                    y=alt.Y("lower:Q", title="Share of enquiries", axis=alt.Axis(format="%")),
                    y2="upper:Q",
                )
            ).properties(height=260),
            width="stretch",
        )
        st.caption(
            "Conversion of each year's enquiries with 95% intervals. The latest year is still "
            "maturing: many of its enquirers are in assessment, so its approval rate will rise."
        )
        cohorts = tables["cohorts"]
        by_year = (
            cohorts.groupby(["group", "months_since_enquiry"], as_index=False)[
                ["reached", "enquiries"]
            ]
            .sum()
            .assign(share=lambda f: f["reached"] / f["enquiries"])
        )
        by_year["cohort"] = by_year["group"].str.removeprefix("year: ")
        # keep a year's curve only while every month of its enquiries has been followed that long:
        # later points would rest on the year's earliest enquiries alone
        year_total = by_year.groupby("group")["enquiries"].transform("max")
        by_year = by_year[by_year["enquiries"] == year_total]
        # a year followed for under a month is a single point: a legend entry with no line
        points = by_year.groupby("cohort")["months_since_enquiry"].transform("size")
        too_recent = sorted(by_year.loc[points < 2, "cohort"].unique())
        by_year = by_year[points >= 2]
        altair_chart(
            alt.Chart(by_year)
            .mark_line(point=True)
            .encode(
                x=alt.X("months_since_enquiry:Q", title="Months since enquiry"),
                y=alt.Y("share:Q", title="Share approved by then", axis=alt.Axis(format="%")),
                color=alt.Color("cohort:N", title="Enquiry year"),
                tooltip=[
                    "cohort:N",
                    "months_since_enquiry:Q",
                    alt.Tooltip("share:Q", format=".1%"),
                ],
            )
            .properties(height=260),
            width="stretch",
        )
        st.caption(
            "Cohort curves: of the enquiries made in a financial year, the share approved within "
            "that many months. A year's line stops where its latest enquiries have not yet been "
            "followed that long, so recent years have short lines." + cohorts_left_out(too_recent)
        )

if stage_tab.open:
    with stage_tab:
        steps = conversion[
            (conversion["group"] == "all")
            & conversion.apply(
                lambda r: (r["from_stage"], r["to_stage"]) in funnel.CONSECUTIVE_TRANSITIONS, axis=1
            )
        ].merge(
            overall_durations[
                ["from_stage", "to_stage", "median_days", "p25_days", "p75_days", "p90_days"]
            ],
            on=["from_stage", "to_stage"],
            how="left",
        )
        steps["step"] = (
            steps["from_stage"].map(STAGE_LABELS) + " → " + steps["to_stage"].map(STAGE_LABELS)
        )
        step_order = steps["step"].tolist()
        altair_chart(
            alt.Chart(steps)
            .mark_bar()
            .encode(
                y=alt.Y("step:N", sort=step_order, title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X(
                    "rate:Q", title="Share moving on to the next stage", axis=alt.Axis(format="%")
                ),
                tooltip=[
                    "step:N",
                    alt.Tooltip("rate:Q", format=".1%", title="Moving on"),
                    alt.Tooltip("withdrawn:Q", title="Withdrew"),
                    alt.Tooltip("still_open:Q", title="Still in stage"),
                ],
            )
            .properties(height=230),
            width="stretch",
        )
        altair_chart(
            alt.Chart(steps)
            .mark_bar()
            .encode(
                y=alt.Y("step:N", sort=step_order, title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X(
                    "p25_days:Q",
                    title="Days in stage (bar: middle half of households; tick: median)",
                ),
                x2="p75_days:Q",
                tooltip=["step:N", "p25_days:Q", "median_days:Q", "p75_days:Q", "p90_days:Q"],
            )
            .properties(height=230)
            + alt.Chart(steps)
            .mark_tick(color="black", thickness=2)
            .encode(y=alt.Y("step:N", sort=step_order), x="median_days:Q"),
            width="stretch",
        )
        st.caption(
            "Time in stage for those who moved on. People who withdrew and people still in the stage "
            "on the extract date are allowed for, so the times are not cut short by counting only "
            "those who have finished.",
            help="Method: Aalen-Johansen estimate, with withdrawal as a competing outcome and people "
            "still in the stage censored at the extract date.",
        )
        st.markdown("**Time from enquiry to approval by channel, campaign and year**")
        lead_times = all_durations[
            (all_durations["from_stage"] == "enquiry")
            & (all_durations["to_stage"] == "approval")
            & (all_durations["converted"] > 0)
        ][
            [
                "group",
                "entered",
                "converted",
                "share_converting",
                "p25_days",
                "median_days",
                "p75_days",
            ]
        ]
        lead_times.insert(3, "approved_so_far", lead_times["converted"] / lead_times["entered"])
        # the middle half in one column, so both shares approved fit beside each other
        lead_times["middle_half_days"] = [
            f"{low:,.0f} to {high:,.0f}"
            for low, high in zip(lead_times["p25_days"], lead_times["p75_days"], strict=True)
        ]
        lead_times = lead_times.drop(columns=["p25_days", "p75_days"])
        st.dataframe(
            lead_times,
            hide_index=True,
            width="stretch",
            height=250,
            # short headers and fixed widths: every column visible on a 1280 px screen
            column_config={
                "group": st.column_config.TextColumn("Group", width=190),
                "entered": st.column_config.NumberColumn("Enquiries", width=75),
                "converted": st.column_config.NumberColumn("Approved", width=75),
                **approved_columns("share_converting"),
                "median_days": st.column_config.NumberColumn("Median (days)", width=95),
                "middle_half_days": st.column_config.TextColumn(
                    "Middle half (days)",
                    width=125,
                    help="A quarter were approved within the first figure, three quarters "
                    "within the second.",
                ),
            },
        )
        st.caption(SO_FAR_AND_EXPECTED)
        withdrawn = enquiries[enquiries["outcome"] == "withdrawn"]
        if len(withdrawn):
            st.markdown("**Why people withdrew, by the last stage they reached (households)**")
            reasons = (
                withdrawn.groupby(["last_stage", "withdrawal_reason"]).size().rename("households")
            ).reset_index()
            reasons["stage"] = reasons["last_stage"].map(STAGE_LABELS)
            altair_chart(
                alt.Chart(reasons)
                .mark_bar()
                .encode(
                    y=alt.Y(
                        "stage:N",
                        sort=[STAGE_LABELS[s] for s in STAGES],
                        title="Last stage reached",
                        axis=alt.Axis(labelLimit=220),
                    ),
                    x=alt.X("households:Q", title="Withdrawals (households)", stack="zero"),
                    color=alt.Color(
                        "withdrawal_reason:N", title="Reason", legend=alt.Legend(labelLimit=260)
                    ),
                    tooltip=["stage:N", "withdrawal_reason:N", "households:Q"],
                )
                .properties(height=230),
                width="stretch",
            )

st.subheader("Downloads")
download_cols = st.columns(4)
download_cols[0].download_button(
    "Conversion rates (CSV)",
    csv_bytes(conversion, units=SHARE_BOUNDS),
    file_name="conversion.csv",
    mime="text/csv",
    icon=":material/download:",
)
download_cols[1].download_button(
    "Time in each stage (CSV)",
    csv_bytes(tables["durations"]),
    file_name="stage_durations.csv",
    mime="text/csv",
    icon=":material/download:",
)
download_cols[2].download_button(
    "Costs by campaign (CSV)",
    csv_bytes(tables["cost_campaign"], money=SPEND_UNIT),
    file_name="cost_per_outcome.csv",
    mime="text/csv",
    icon=":material/download:",
)
download_cols[3].download_button(
    "All tables (Excel)",
    lambda: excel_bytes(
        money=SPEND_UNIT,
        units=SHARE_BOUNDS,
        sheets={
            "conversion": conversion,
            "stage_durations": tables["durations"],
            "cost_by_channel": tables["cost_channel"],
            "cost_by_campaign": tables["cost_campaign"],
            "cohort_curves": tables["cohorts"],
        },
    ),
    file_name="campaign_funnel.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)
