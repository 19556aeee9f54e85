"""Benchmarking page: an authority beside its neighbours, region and England, with the forecast."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import csv_bytes
from app_pages.national_common import (
    latest_national_forecast,
    provider_counts,
    published_panel,
)
from sufficiency.data.dfe import ENGLAND_CODE
from sufficiency.national.benchmarking import (
    NEIGHBOUR_FEATURES,
    in_house_fostering_share,
    indicator_table,
    neighbour_average_history,
    rate_history,
    statistical_neighbours,
)
from sufficiency.national.methods import SHORT_NAMES
from sufficiency.national.panel import CLA, TOTAL
from sufficiency.national.quality import track_record_sentence

st.title("Benchmarking")
st.caption(
    "Real published figures for every English local authority (DfE children looked after in "
    "England, ONS population), not the synthetic demo authority. Years end on 31 March."
)

panel = published_panel()
who = panel.authorities
first, last = panel.first_and_last_years()
current = who.loc[last == panel.last_year].sort_values("la_name")
names = dict(zip(current["la_code"], current["la_name"], strict=True))

left, right = st.columns([2, 1])
la_code = left.selectbox(
    "Authority",
    options=list(names),
    index=None,
    format_func=names.get,
    placeholder="Choose your authority",
    key="benchmark_authority",
)
years = [int(y) for y in panel.years[1:]]
year = right.selectbox(
    "Year (31 March)",
    options=years[::-1],
    index=0,
    help="DfE published no local-authority placement or age breakdowns for 2020.",
)

if la_code is None:
    st.info(
        "Choose an authority to see it beside its statistical neighbours, its region and "
        "England: children looked after per 10,000 children, starts and ceased, placement mix, "
        "in-house fostering, and the forecast for the next three years."
    )
    st.stop()

row = who.set_index("la_code").loc[la_code]
region_codes = who.loc[who["region_code"] == row["region_code"], "la_code"].tolist()

# --- neighbours ---------------------------------------------------------------------------------
derived = statistical_neighbours(la_code)
with st.expander(
    "Statistical neighbours: how they were chosen, and using your own", expanded=False
):
    st.write(
        "The DfE's statistical neighbour benchmarking tool is not available to this tool, so "
        "neighbours are derived here, openly, from published population figures (ONS mid-2023): "
        + ", ".join(NEIGHBOUR_FEATURES.values())
        + ", plus the kind of authority and its region. They are **not** the DfE's statistical "
        "neighbours, which also use deprivation and other census measures. If you use the DfE "
        "list, pick it below."
    )
    shown = derived.assign(distance=derived["distance"].round(2)).rename(
        columns={
            "la_name": "Authority",
            "la_type": "Kind",
            "distance": "Distance (standard deviations)",
        }
    )
    st.dataframe(shown.drop(columns="la_code"), hide_index=True)
    chosen = st.multiselect(
        "Neighbours used on this page",
        options=[code for code in names if code != la_code],
        default=derived["la_code"].tolist(),
        format_func=names.get,
        key=f"neighbours_{la_code}",
    )
neighbours = chosen or derived["la_code"].tolist()
own_list = set(neighbours) != set(derived["la_code"])
neighbour_label = "Your neighbours" if own_list else "Derived neighbours"
st.caption(
    f"{neighbour_label} ({len(neighbours)}): " + ", ".join(names.get(c, c) for c in neighbours)
)

# --- indicators ---------------------------------------------------------------------------------
table = indicator_table(panel, la_code, neighbours, year, provider_counts())
rate = table.set_index("indicator")["authority"]
england = table.set_index("indicator")["england"]
metric_columns = st.columns(4)
rate_name = "Children looked after per 10,000 children aged 0-17"
metric_columns[0].metric(
    f"Children looked after, 31 March {year}",
    f"{rate['Children looked after at 31 March']:,.0f} children",
)
metric_columns[1].metric(
    "Per 10,000 children aged 0-17",
    f"{rate[rate_name]:,.0f}",
    delta=f"{rate[rate_name] - england[rate_name]:+,.0f} against England ({england[rate_name]:,.0f})",
    delta_color="off",
)
metric_columns[2].metric(
    f"Started in {year - 1}-{str(year)[2:]}", f"{rate['Started in the year']:,.0f}"
)
metric_columns[3].metric(
    f"Ceased in {year - 1}-{str(year)[2:]}", f"{rate['Ceased in the year']:,.0f}"
)


def shown_value(value: float, unit: str) -> str:
    """A figure as people read it: whole children, rates to the unit, shares to 0.1%."""
    if pd.isna(value):
        return "–"
    if unit == "children":
        return f"{value:,.0f}"
    if unit.startswith("%"):
        return f"{value:.1f}%"
    return f"{value:,.0f}"


value_columns = {
    "authority": names[la_code],
    "neighbours": f"{neighbour_label} (average)",
    "region": f"{row['region_name']} (region)",
    "england": "England",
}
shown = table.rename(columns={"indicator": "Indicator", "unit": "Unit", **value_columns})
display = shown[["Indicator", *value_columns.values()]].copy()
for column in value_columns.values():
    display[column] = [shown_value(v, u) for v, u in zip(shown[column], shown["Unit"], strict=True)]
st.subheader(f"{names[la_code]} beside its neighbours, region and England, {year}")
st.dataframe(
    display,
    hide_index=True,
    height=35 * (len(display) + 1) + 3,
    column_config={c: st.column_config.TextColumn(c) for c in value_columns.values()},
)
if year == 2020:
    st.warning(
        "DfE published no local-authority placement breakdowns for 2020: those rows are empty."
    )
st.caption(
    f"Source: DfE children looked after in England (local-authority tables), {year}; rates per "
    "10,000 use the ONS population of children aged 0-17 DfE uses for the year. Region and "
    "England are totals over their authorities; the neighbours' figure is the average of their "
    "own figures. '–': suppressed by DfE (fewer than 6 children) or not published. Shares are "
    "of all children looked after at 31 March. **External residential:** "
    "DfE's local-authority tables do not split children's homes by provider, so the closest "
    "published figures are the share in secure or children's homes and the share in private "
    "provision (all placement types)."
)

# --- in-house fostering -------------------------------------------------------------------------
fostering = in_house_fostering_share(panel).set_index("la_code")
st.subheader("In-house share of fostering (31 March 2019, the latest local-authority figure)")
if la_code in fostering.index and pd.notna(fostering.loc[la_code, "share_pct"]):
    own = fostering.loc[la_code]
    columns = st.columns(4)
    columns[0].metric(names[la_code], f"{own['share_pct']:.0f}%")

    def pooled(codes):
        part = fostering.reindex(codes).dropna(subset=["in_house", "fostered"])
        return 100 * part["in_house"].sum() / part["fostered"].sum() if len(part) else float("nan")

    columns[1].metric(
        f"{neighbour_label} (average)",
        f"{fostering.reindex(neighbours)['share_pct'].mean():.0f}%",
    )
    columns[2].metric(f"{row['region_name']}", f"{pooled(region_codes):.0f}%")
    columns[3].metric("England", f"{pooled(fostering.index.tolist()):.0f}%")
    if own["note"]:
        st.caption(own["note"])
else:
    st.info(
        "No Ofsted figure for this council's own fostering service in 2018-19 (for example a "
        "joint or trust-run service)."
    )
st.caption(
    "Children placed with the council's own foster carers (Ofsted, fostering in England "
    "2018-19, rounded to 5, family and friends carers included) as a share of its children in "
    "foster placements (DfE, 31 March 2019). Neither source publishes this by authority for "
    "later years."
)

# --- rate over time -----------------------------------------------------------------------------
st.subheader("Children looked after per 10,000 children, 2010-" + str(panel.last_year))
history = pd.concat(
    [
        rate_history(panel, [la_code], names[la_code]),
        neighbour_average_history(panel, neighbours, f"{neighbour_label} (average)"),
        rate_history(panel, region_codes, row["region_name"]),
        rate_history(panel, who["la_code"].tolist(), "England"),
    ]
)
chart = (
    alt.Chart(history)
    .mark_line(point=True)
    .encode(
        x=alt.X("year:O", title="Year ending 31 March", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title="Per 10,000 children aged 0-17"),
        color=alt.Color(
            "group:N",
            title=None,
            scale=alt.Scale(
                domain=[
                    names[la_code],
                    f"{neighbour_label} (average)",
                    row["region_name"],
                    "England",
                ],
                range=["#d62728", "#1f77b4", "#9467bd", "#7f7f7f"],
            ),
            legend=alt.Legend(orient="bottom", labelLimit=300),
        ),
        tooltip=[
            alt.Tooltip("group:N", title="Who"),
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("rate:Q", title="Per 10,000", format=".0f"),
        ],
    )
    .properties(height=320)
)
st.altair_chart(chart, width="stretch")
st.caption("2011 and 2012 have no ONS population in these files, so no rate.")

# --- the national forecast ----------------------------------------------------------------------
st.subheader(f"Forecast from 31 March {panel.last_year}")
with st.spinner("Forecasting every authority from the published tables (once, about a minute)..."):
    forecast = latest_national_forecast()
rows = forecast.table
mine = rows.loc[
    (rows["measure"] == CLA) & (rows["breakdown"] == TOTAL) & (rows["new_la_code"] == la_code)
]
observed = pd.DataFrame(
    {
        "year": panel.years,
        "children": panel.get(CLA)[panel.index_of(la_code)],
    }
).dropna()
ahead = mine.rename(columns={"time_period": "year", "point": "children"})
if len(observed) and observed["year"].iloc[-1] == panel.last_year:
    # Start the forecast at the last published figure so the lines join.
    start = observed.iloc[[-1]].assign(
        lower80=lambda f: f["children"],
        upper80=lambda f: f["children"],
        lower95=lambda f: f["children"],
        upper95=lambda f: f["children"],
    )
    ahead = pd.concat([start, ahead], ignore_index=True)
year_axis = alt.X("year:O", title="Year ending 31 March", axis=alt.Axis(labelAngle=0))
band95 = (
    alt.Chart(ahead)
    .mark_area(opacity=0.18, color="#1f77b4")
    .encode(x=year_axis, y=alt.Y("lower95:Q", title="Children looked after"), y2="upper95:Q")
)
band80 = (
    alt.Chart(ahead)
    .mark_area(opacity=0.3, color="#1f77b4")
    .encode(x=year_axis, y="lower80:Q", y2="upper80:Q")
)
line = (
    alt.Chart(ahead)
    .mark_line(point=True, color="#1f77b4")
    .encode(
        x=year_axis,
        y="children:Q",
        tooltip=[
            alt.Tooltip("year:O", title="31 March"),
            alt.Tooltip("children:Q", title="Forecast (children)", format=",.0f"),
            alt.Tooltip("lower80:Q", title="80% range from", format=",.0f"),
            alt.Tooltip("upper80:Q", title="80% range to", format=",.0f"),
            alt.Tooltip("lower95:Q", title="95% range from", format=",.0f"),
            alt.Tooltip("upper95:Q", title="95% range to", format=",.0f"),
        ],
    )
)
past = (
    alt.Chart(observed)
    .mark_line(point=True, color="#333333")
    .encode(
        x=year_axis,
        y="children:Q",
        tooltip=[
            alt.Tooltip("year:O", title="31 March"),
            alt.Tooltip("children:Q", title="Published (children)", format=",.0f"),
        ],
    )
)
st.altair_chart(alt.layer(band95, band80, past, line).properties(height=320), width="stretch")
st.caption(
    "Black: published. Blue: forecast with its 80% (darker) and 95% ranges, in children. "
    f"Method: {SHORT_NAMES[forecast.methods[CLA]]}, chosen by a backtest rule written down "
    "before it was checked on 2022-2024 (see Model quality)."
)
st.write(track_record_sentence(forecast.methods[CLA]))
note = mine["note"].iloc[0] if len(mine) else ""
if note:
    st.caption(f"About this authority's figures: {note}")

areas = rows.loc[
    (rows["measure"] == CLA)
    & (rows["breakdown"] == TOTAL)
    & rows["new_la_code"].isin([la_code, row["region_code"], ENGLAND_CODE])
]
summary = areas.pivot_table(index="la_name", columns="time_period", values="point", sort=False)
summary.columns = [f"31 March {c}" for c in summary.columns]
summary = summary.reindex([names[la_code], row["region_name"], "England"]).round(0)
summary.index.name = "Forecast (children looked after)"
st.dataframe(
    summary,
    column_config={c: st.column_config.NumberColumn(format="%,.0f") for c in summary.columns},
)
st.caption(
    "Regions and England are the sums of their authorities' forecasts (authorities that no "
    "longer exist or have no recent figure are left out and named in the download's notes)."
)
downloads = st.columns(2)
downloads[0].download_button(
    "Download this comparison (CSV)",
    data=lambda: csv_bytes(shown),
    file_name=f"benchmarking_{la_code}_{year}.csv",
    mime="text/csv",
)
downloads[1].download_button(
    "Download the forecast for every authority (CSV)",
    data=lambda: csv_bytes(rows),
    file_name=f"national_forecast_{panel.last_year}.csv",
    mime="text/csv",
)
