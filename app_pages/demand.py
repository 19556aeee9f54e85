"""Demand page (commissioners): fan charts of children looked after, what-if levers, track record."""

import json
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    CACHE_TTL,
    SEED,
    active_903_data,
    altair_chart,
    authority_models,
    csv_bytes,
    current_scenario,
    data_key,
    demand_inputs_for,
    scenario_result,
    show_data_banner,
)
from sufficiency.codes import AGE_BANDS, EXIT_REASON_GROUPS, PLACEMENT_CATEGORIES
from sufficiency.demand.levers import (
    ENTRY_CHANGE_BOUNDS,
    ENTRY_MULTIPLIER_BOUNDS,
    EXIT_MULTIPLIER_BOUNDS,
    STEP_DOWN_CHILDREN_BOUNDS,
    DemandLevers,
    LeverError,
    StepDown,
)
from sufficiency.demand.pipeline import (
    TRACK_RECORD_HORIZONS,
    chart_frame,
    forecast_with_levels,
    history_totals,
    horizon_table,
    last_total,
    load_or_fit,
    ranges_sentence,
    track_record_sentences,
    track_record_table,
)
from sufficiency.errors import SufficiencyError
from sufficiency.plan.shares import SHARE_MEASURE, forecast_with_shares
from sufficiency.scenario import Scenario, baseline_of

# The same simulated futures as the scenario pages (their default paths, horizon and seed), so
# the Demand page's total is the Scenario explorer's baseline total, not a second draw of it.
_SCENARIO_DEFAULTS = Scenario()
N_PATHS = _SCENARIO_DEFAULTS.n_simulations
SIMULATED_MONTHS = _SCENARIO_DEFAULTS.horizon_months


@st.cache_resource(show_spinner=False, ttl=CACHE_TTL, max_entries=8)
def fitted_demand(_data, key: str):
    """The fitted stock-flow model for this data: loaded from models/ when it matches, else fitted."""
    return load_or_fit(demand_inputs_for(_data, key))


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_TTL)
def forecast_for(_fitted, key: str, levers_json: str, horizon: int, n_paths: int, seed: int):
    """Forecast frame under the levers (cheap: no refitting) and the mix's IFA shares by month
    (each future's own share, averaged, as every page), from the same simulated futures."""
    levers = DemandLevers.from_dict(json.loads(levers_json))
    return forecast_with_shares(_fitted.model, horizon, n_paths, seed, levers)


@st.cache_data(show_spinner=False, max_entries=8, ttl=CACHE_TTL)
def track_record_lines(_fitted, key: str) -> list[str]:
    """The track record in sentences, once per data set (``key``)."""
    return track_record_sentences(_fitted.backtest, last=last_total(_fitted.model))


# The forecast download's headers: each range end says which range it ends, with its unit (a
# comment, not a docstring: a bare string in a page script is drawn on the page).
FORECAST_UNITS = {
    "mean": "children, average of the simulated futures",
    "p2_5": "children, low end of the 95% range: 2.5th percentile",
    "p10": "children, low end of the 80% range: 10th percentile",
    "p25": "children, low end of the 50% range: 25th percentile",
    "p50": "children, median: 50th percentile",
    "p75": "children, high end of the 50% range: 75th percentile",
    "p90": "children, high end of the 80% range: 90th percentile",
    "p97_5": "children, high end of the 95% range: 97.5th percentile",
}


def fan_chart(frame: pd.DataFrame, title: str, columns: int = 1) -> alt.Chart:
    """95%, 80% and 50% bands, the mean line and the observed history, in children."""
    panels = frame["series"].nunique() > 1
    base = alt.Chart().encode(x=alt.X("date:T", title="Month end", axis=alt.Axis(format="%b %Y")))
    ahead = base.transform_filter(alt.datum.kind == "forecast")
    # a 150 px panel cannot hold "Children looked after (children)" (it ran past the panel at
    # 1280 px); the panel titles and the section heading say what the children are
    band95 = ahead.mark_area(opacity=0.18, color="#1f77b4").encode(
        y=alt.Y("p2_5:Q", title="Children" if panels else "Children looked after (children)"),
        y2="p97_5:Q",
    )
    band80 = ahead.mark_area(opacity=0.3, color="#1f77b4").encode(y="p10:Q", y2="p90:Q")
    band50 = ahead.mark_area(opacity=0.35, color="#1f77b4").encode(y="p25:Q", y2="p75:Q")
    median = ahead.mark_line(color="#1f77b4").encode(
        y="children:Q",
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("date:T", title="Month end", format="%b %Y"),
            alt.Tooltip("children:Q", title="Mean (children)", format=".0f"),
            alt.Tooltip("p50:Q", title="Median (children)", format=".0f"),
            alt.Tooltip("p25:Q", title="50% range from", format=".0f"),
            alt.Tooltip("p75:Q", title="50% range to", format=".0f"),
            alt.Tooltip("p10:Q", title="80% range from", format=".0f"),
            alt.Tooltip("p90:Q", title="80% range to", format=".0f"),
            alt.Tooltip("p2_5:Q", title="95% range from", format=".0f"),
            alt.Tooltip("p97_5:Q", title="95% range to", format=".0f"),
        ],
    )
    observed = (
        base.transform_filter(alt.datum.kind == "history")
        .mark_line(color="#333333")
        .encode(
            y="children:Q",
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("date:T", title="Month end", format="%b %Y"),
                alt.Tooltip("children:Q", title="Observed (children)", format=".0f"),
            ],
        )
    )
    layered = alt.layer(band95, band80, band50, median, observed, data=frame)
    if panels:
        return (
            # three panels of 250 px were wider than the page's main column at 1280 px and
            # the right-hand column was cut: 180 px panels fit with their axes
            layered.properties(width=180, height=150)
            .facet(facet=alt.Facet("series:N", title=None), columns=columns)
            .resolve_scale(y="independent")
            .properties(title=title)
        )
    return layered.properties(height=320, title=title)


def show_ifa_share_measure(forecast: pd.DataFrame, shares: pd.DataFrame, date, active) -> None:
    """The mix's IFA share, labelled as demand before carers are counted, beside the one to quote
    (without a plan), each with its date, and the dates the Scenario explorer shows instead.
    ``shares`` is :func:`sufficiency.plan.shares.forecast_with_shares`' by month."""
    month = f"{pd.Timestamp(date):%B %Y}"
    at = shares.set_index("month").loc[pd.Timestamp(date)]
    of_fostering = at["ifa_share_of_fostering_pct"]
    of_non_kinship = at["ifa_share_of_non_kinship_fostering_pct"]
    scenario = current_scenario()
    # the forecast starts the month after the data ends, as the explorer's does
    origin = pd.Timestamp(forecast["date"].min()) - pd.offsets.MonthEnd(1)
    explorer_end = origin + pd.offsets.MonthEnd(scenario.horizon_months)
    target = (
        f"the target date ({pd.Timestamp(scenario.ifa_share_target_date):%B %Y}) and "
        if scenario.ifa_share_target_pct is not None and scenario.ifa_share_target_date
        else ""
    )
    st.markdown(
        f"**IFA share in this mix, {month}: {of_fostering:.0f}% of foster "
        f"placements** ({of_non_kinship:.0f}% leaving out family and friends carers; "
        f"{SHARE_MEASURE}, as on every page).\n"
        "- This is *demand*, a different measure from the IFA share to quote: it assumes "
        "in-house carers keep taking children as they did in your data, whether or not the "
        "authority will have the carers.\n"
        "- The Scenario explorer and the Recommended plan place the same children with the "
        "in-house carers projected to be there and send the rest to IFAs: quote their figure "
        "(below, without a plan).\n"
        f"- This page shows {month}, the end of the horizon chosen above; the Scenario explorer "
        f"shows {target}the end of its forecast ({explorer_end:%B %Y}). The share changes month "
        "by month, so figures for different months differ. Totals of children are the same on "
        "every page."
    )
    quote = st.expander(
        # a fixed label: a label with the month would close the expander when the horizon moves
        "The IFA share to quote, without a plan (in-house carers counted)",
        key="demand_quote_share_open",
        on_change="rerun",
    )
    with quote:
        if quote.open:  # the scenario run is drawn only when asked for
            models, key = authority_models(active)
            baseline = baseline_of(scenario)
            result = scenario_result(models, key, baseline.to_json(), SEED)
            shares = result.shares.set_index("month")
            at = shares.loc[pd.Timestamp(date)]
            plan_note = (
                f" Your scenario sets a target of {scenario.ifa_share_target_pct:g}%: the "
                "Scenario explorer and the Recommended plan show the share with the plan."
                if scenario.ifa_share_target_pct is not None
                else ""
            )
            st.markdown(
                f"**Without a plan: {at['ifa_share_of_fostering_pct']:.0f}% of foster "
                f"placements** ({at['ifa_share_of_non_kinship_fostering_pct']:.0f}% leaving out "
                f"family and friends carers) by {month}: the Scenario explorer's baseline (no "
                "levers, no extra recruitment), from the same simulated futures, after placing "
                "children with the in-house carers projected to be there. Source: your 903 data "
                "and the authority's carer figures (Scenario explorer, 'The authority's "
                f"figures').{plan_note}"
            )


st.title("Demand forecast")
st.write(
    "Children looked after by age band and placement category, one to five years ahead. The "
    "forecast follows every child in care month by month (their age and where they are "
    "placed) with the chances of moving or leaving care seen in this authority's own 903 data, "
    "adds new children at the level of recent years, and does this for "
    f"{N_PATHS:,} "
    "possible futures in which those rates and the number coming into care drift as they have "
    "in the past. Dark line: what happened; blue line: the forecast (the average of those "
    "futures); shaded, darkest first: the ranges holding 50%, 80% and 95% of them."
)
active = active_903_data()
show_data_banner(active)
key = data_key(active)

try:
    with st.spinner(
        "Fitting the demand model and testing it on the last six years (first time only)..."
    ):
        fitted = fitted_demand(active.data, key)
except SufficiencyError as error:
    st.error(f"The demand model cannot be fitted on this data: {error}", icon=":material/error:")
    st.stop()
model = fitted.model

# --- levers ---------------------------------------------------------------------------------
with st.expander("What if: demand levers", expanded=True, icon=":material/tune:"):
    horizon_col, entries_col, step_col = st.columns(3)
    horizon_years = horizon_col.select_slider(
        "Forecast horizon (years)", options=[1, 2, 3, 4, 5], value=3, key="demand_horizon"
    )
    low, high = ENTRY_MULTIPLIER_BOUNDS
    entries_pct = entries_col.slider(
        "Entries into care, all ages (% of expected)",
        min_value=int(low * 100),
        max_value=int(min(high, 2.0) * 100),
        value=100,
        step=5,
        key="demand_entries_pct",
        help="100% = the level, trend and seasonality Prophet expects from past entries.",
    )
    band_pct = {}
    with entries_col.popover("Entries by age band"):
        low_add, high_add = ENTRY_CHANGE_BOUNDS
        extra_entries = st.number_input(
            "Extra children entering per month, all ages (children/month)",
            min_value=low_add,
            max_value=high_add,
            value=0.0,
            step=0.5,
            key="demand_entries_add",
            help="Added to the expected entries, spread across age bands in proportion to them; "
            "negative numbers remove entries (never below zero).",
        )
        for band in AGE_BANDS:
            band_pct[band] = st.slider(
                f"Age {band} (% on top of the all-ages setting)",
                0,
                150,
                value=100,
                step=5,
                key=f"demand_entries_{band}",
            )
    exit_pct = {}
    with entries_col.popover("Exit rates by reason"):
        low_exit, high_exit = EXIT_MULTIPLIER_BOUNDS
        for group in EXIT_REASON_GROUPS:
            exit_pct[group] = st.slider(
                f"Exits: {group} (% of recent rate)",
                int(low_exit * 100),
                int(min(high_exit, 2.0) * 100),
                value=100,
                step=5,
                key=f"demand_exit_{group}",
            )
    step_col.markdown("**Step-down between placements**")
    step_band = step_col.selectbox(
        "Age band", AGE_BANDS, index=AGE_BANDS.index("10-15"), key="demand_step_band"
    )
    step_from = step_col.selectbox(
        "From",
        PLACEMENT_CATEGORIES,
        index=PLACEMENT_CATEGORIES.index("external residential"),
        key="demand_step_from",
    )
    step_to = step_col.selectbox(
        "To",
        PLACEMENT_CATEGORIES,
        index=PLACEMENT_CATEGORIES.index("in-house fostering"),
        key="demand_step_to",
    )
    step_children = step_col.number_input(
        "Children moved per year (children/year)",
        min_value=int(STEP_DOWN_CHILDREN_BOUNDS[0]),
        max_value=200,
        value=0,
        step=1,
        key="demand_step_children",
        help="Moved as a count, spread evenly over the months (12 a year = 1 a month), while "
        "the age band and placement holds that many children; then as many as there are.",
    )

levers_error = None
try:
    entry_multiplier = {"all": entries_pct / 100}
    entry_multiplier |= {b: entries_pct * v / 10_000 for b, v in band_pct.items() if v != 100}
    step_downs = []
    if step_children:
        step_downs.append(StepDown(step_band, step_from, step_to, float(step_children)))
    levers = DemandLevers(
        entry_multiplier=entry_multiplier,
        entry_change={"all": float(extra_entries)} if extra_entries else {},
        exit_multiplier={g: v / 100 for g, v in exit_pct.items() if v != 100},
        step_downs=step_downs,
    )
except LeverError as error:
    levers_error = str(error)
    levers = DemandLevers()
if levers_error:
    st.error(levers_error + " The forecast below ignores the levers.", icon=":material/error:")
elif not levers.is_neutral:
    st.caption("Levers applied: " + " ".join(levers.describe()))

horizon = 12 * horizon_years
with st.spinner(f"Simulating {N_PATHS:,} futures..."):
    simulated, mix_shares = forecast_for(
        fitted,
        key,
        json.dumps(levers.to_dict(), sort_keys=True),
        min(SIMULATED_MONTHS, model.params_.max_horizon),
        N_PATHS,
        SEED,
    )
months_simulated = simulated["date"].drop_duplicates()
last_shown = months_simulated.iloc[min(horizon, len(months_simulated)) - 1]
forecast = simulated[simulated["date"] <= last_shown]
history = history_totals(model)

# --- headline: total with its track record --------------------------------------------------
chart_col, record_col = st.columns([3, 2])
with chart_col:
    altair_chart(
        fan_chart(chart_frame(forecast, history, "total"), "All children looked after"),
        width="stretch",
    )
with record_col:
    total = forecast[(forecast["age_band"] == "all") & (forecast["placement_category"] == "all")]
    last = total.iloc[-1]
    st.metric(
        f"Children looked after, {pd.Timestamp(last['date']):%B %Y} (forecast)",
        f"{last['mean']:,.0f} children",
        help=(
            f"The average of {N_PATHS:,} simulated futures: the same futures, and so the same "
            "total, as the Scenario explorer's baseline."
        ),
    )
    st.write(
        f"50% range: {last['p25']:,.0f} to {last['p75']:,.0f} children; "
        f"80% range: {last['p10']:,.0f} to {last['p90']:,.0f} children; "
        f"95% range: {last['p2_5']:,.0f} to {last['p97_5']:,.0f} children."
    )
    lines = track_record_lines(fitted, key)
    if lines[-1].startswith("Not better"):
        # beside the chart: where the forecast did not beat carrying the last figure forward
        st.warning(lines[-1], icon=":material/report:")
    st.caption(ranges_sentence(model))
    for note in model.notes_:
        st.warning(note, icon=":material/warning:")

st.subheader("Track record on this data")
st.caption(
    "How this forecast would have done: the model was refitted at every 31 March and "
    "30 September over the last six years, using only the data up to then, and its forecast of "
    "all children looked after compared with what happened, beside the simplest forecast there "
    "is, carrying the last figure forward. Without levers."
)
for line in lines[:-1]:
    st.markdown(f"- {line}")
if fitted.backtest is None:
    st.info(lines[-1], icon=":material/fact_check:")
elif lines[-1].startswith("Not better"):
    st.markdown(f"- {lines[-1]}")  # also beside the chart, as a warning
else:
    st.success(lines[-1], icon=":material/fact_check:")
if fitted.backtest is not None:
    every_series = st.expander(
        "Track record for every series (age bands and placements)",
        key="demand_track_record_open",
        on_change="rerun",
    )
    with every_series:
        if every_series.open:  # drawn only when opened
            tabs = st.tabs(
                [f"{h // 12} year{'s' if h > 12 else ''} ahead" for h in TRACK_RECORD_HORIZONS]
            )
            for tab, months_ahead in zip(tabs, TRACK_RECORD_HORIZONS, strict=True):
                with tab:
                    record = track_record_table(fitted.backtest, months_ahead)
                    if record.empty:
                        st.write("No checks this far ahead yet: the data ends too soon.")
                    else:
                        st.dataframe(record, hide_index=True, width="stretch")

by_category, by_band, by_cell = st.tabs(
    ["By placement category", "By age band", "One age band and placement"],
    key="demand_breakdown",
    on_change="rerun",  # only the open tab is drawn
)
with by_category:
    if by_category.open:
        show_ifa_share_measure(forecast, mix_shares, last_shown, active)
        altair_chart(
            fan_chart(
                chart_frame(forecast, history, "placement_category"), "By placement category", 3
            ),
            width="content",
        )
        categories_table = horizon_table(forecast, "placement_category")
        st.dataframe(
            categories_table,
            hide_index=True,
            width="stretch",
            height=38 + 35 * len(categories_table),
            column_config={"series": "Placement category"},
        )
with by_band:
    if by_band.open:
        altair_chart(
            fan_chart(chart_frame(forecast, history, "age_band"), "By age band", 3), width="content"
        )
        bands_table = horizon_table(forecast, "age_band")
        st.dataframe(
            bands_table,
            hide_index=True,
            width="stretch",
            height=38 + 35 * len(bands_table),
            column_config={"series": "Age band"},
        )
with by_cell:
    if by_cell.open:
        band_col, category_col = st.columns(2)
        cell_band = band_col.selectbox(
            "Age band",
            ("all", *AGE_BANDS),
            index=AGE_BANDS.index("10-15") + 1,
            key="demand_cell_band",
        )
        cell_category = category_col.selectbox(
            "Placement category",
            ("all", *PLACEMENT_CATEGORIES),
            index=PLACEMENT_CATEGORIES.index("external residential") + 1,
            key="demand_cell_category",
        )
        altair_chart(
            fan_chart(
                chart_frame(
                    forecast,
                    history,
                    "cell",
                    age_band=cell_band,
                    placement_category=cell_category,
                ),
                f"Age {cell_band}, {cell_category}",
            ),
            width="stretch",
        )
st.caption("Table cells: forecast number of children (80% range).")

download = forecast_with_levels(forecast.assign(date=forecast["date"].dt.date))
st.download_button(
    "Download the forecast (CSV)",
    partial(  # built on click, not on every run; every number column is children
        csv_bytes,
        download.round(2),
        units={
            **dict.fromkeys(download.select_dtypes("number"), "children"),
            **FORECAST_UNITS,
        },
    ),
    file_name=f"demand_forecast_{horizon}_months.csv",
    mime="text/csv",
    icon=":material/download:",
    help="Columns: date, age_band, placement_category, mean (average of the simulated "
    "futures), then the ranges' ends, each named in its header: p10 and p90 are the low and high "
    "ends of the 80% range (10th and 90th percentiles), p25/p75 of the 50% range, p2_5/p97_5 of "
    "the 95% range, p50 the median; all in children. The first column, level, says what a "
    "row is: only the 'age band and placement' rows add up to the total (filter on them before "
    "summing); 'age band total', 'placement category total' and 'all children' rows are totals "
    "with their own ranges.",
    on_click="ignore",
)

how = st.expander(
    "How this forecast works", icon=":material/info:", key="demand_how_open", on_change="rerun"
)
with how:
    if how.open:  # drawn only when opened
        start, end = model.reference_period_
        methods = sorted(set(model.entries_.methods_.values()))
        edges = list(model.params_.duration_edges)
        if edges:
            by_time = (
                f"on time in care (bands split at {', '.join(str(e) for e in edges)} months), "
            )
        else:
            by_time = ""
        weighting = (
            f", each month's weight halving every {model.halflife_months:g} months back"
            if model.halflife_months
            else ""
        )
        st.markdown(
            f"""
    - **Each child is followed** by single year of age and placement, month by month. Care ends at
      the 18th birthday.
    - **Chances of leaving care (by reason) and of moving placement** each month depend on age,
      {by_time}and on placement; they come from this authority's month ends from
      {start:%B %Y} to {end:%B %Y}{weighting}. Small groups are pulled towards what age and
      placement predict on their own. (Time in care can be added; on three test authorities it did
      not make the forecast more accurate, so it is left out by default.)
    - **Entries**: {"; ".join(methods)}; ages and first placements as recent entrants'.
    - **Placements nobody is sent to** (the table below): those the law rules out (no child under
      16 in supported accommodation) and those no child of that age came into in this data. Where
      no child of that age was ever in such a placement, nobody is forecast there at all: a child
      who would grow into it leaves it at that birthday, out of care or to another placement, in
      the proportions this authority's leaving and moving chances at that age give (for children
      placed for adoption, mostly adopted).
    - **Ranges** come from {N_PATHS:,} simulated futures (seed {SEED}) in which the rates and the
      number of children coming into care drift; the same inputs always give the same forecast.
    - How the settings were chosen, and how well they did on three synthetic test authorities:
      the tool's documentation (demand defaults).
    - Model source: {"the saved model (`sufficiency fit`, folder " + Path(fitted.source).name + ")" if fitted.source != "fitted" else "fitted now on this data"}.
    """
        )
        st.markdown("**Placements nobody is sent to, and why**")
        st.dataframe(model.structural_zeros_, hide_index=True, width="stretch")
        st.markdown("**Monthly chances of leaving and moving, with the child-months behind them**")
        st.dataframe(model.rates_, hide_index=True, width="stretch", height=260)
