"""Data page: the children looked after month by month, and checking and loading your own 903 files."""

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    UPLOADED_903_KEY,
    UPLOADED_903_NAME_KEY,
    active_903_data,
    altair_chart,
    back_to_demo_button,
    cached_monthly_stock,
    coverage_table,
    csv_bytes,
    data_key,
    files_phrase,
    read_uploads,
    show_data_banner,
    show_validation,
)
from sufficiency.codes import AGE_BANDS, PLACEMENT_CATEGORIES, PLACEMENT_CATEGORY_DESCRIPTIONS
from sufficiency.data.ssda903 import MAX_UPLOAD_BYTES, read_903_uploads

ALL_AUTHORITIES = "All authorities together (pooled)"

st.title("Children looked after")
active = active_903_data()
show_data_banner(active)

# --- the user's own files -----------------------------------------------------------------
with st.expander("Check and use your own SSDA903 files", expanded=not active.is_demo):
    st.write(
        "Upload the Header and Episodes tables (and UASC if you have it) as CSV or Excel: one "
        "year or several overlapping yearly extracts. Files are read on this computer only; child "
        "identifiers, dates of birth and postcodes are never shown, logged or saved. "
        f"Limit: {MAX_UPLOAD_BYTES // 1_000_000} MB per file."
    )
    upload_column, date_column = st.columns([3, 1])
    with date_column:
        extract_date = st.date_input(
            "Extract date (optional)",
            value=None,
            format="DD/MM/YYYY",
            key="extract_date_903",
            help="The last day your extract sees: open episodes run to it and counts stop there. "
            "Leave empty to take it from a YEAR column or the file names (a collection year such "
            "as 903_2024, or an export date such as _2023-10-05), else from the latest date in "
            "the data.",
        )
    with upload_column:
        files, checked = read_uploads(
            "SSDA903 files",
            "upload_903",
            lambda uploads: read_903_uploads(uploads, extract_date=extract_date),
            MAX_UPLOAD_BYTES,
            folders=True,
        )
    if checked is not None:
        chosen, authority = checked, ""
        if checked.multi_authority:
            st.info(
                f"These files hold {len(checked.authorities)} authorities (the LA column): "
                f"{', '.join(checked.authorities)}. Children are kept apart by authority. Choose "
                "the one to use; every page then shows that authority.",
                icon=":material/account_balance:",
            )
            picked = st.selectbox(
                "Authority",
                [*checked.authorities, ALL_AUTHORITIES],
                key="authority_903",
                help="Which authority's children the explorer counts and forecasts. 'All "
                "authorities together' adds them up (no child is merged with another).",
            )
            chosen = checked.for_authority("all" if picked == ALL_AUTHORITIES else picked)
            authority = "all authorities, " if picked == ALL_AUTHORITIES else f"{picked}, "
        st.markdown("**Extracts read**: the collection year each covers and the last day it sees")
        st.table(coverage_table(checked.coverage).set_index("Extract (collection year)"))
        checked_name = (
            f"your 903 data ({authority}{files_phrase(files)}, to {chosen.extract_date:%d %B %Y})"
        )
        show_validation(
            chosen,
            report_file_name="903_validation_report.csv",
            use_label="Use this data in the explorer",
            session_key=UPLOADED_903_KEY,
            name_key=UPLOADED_903_NAME_KEY,
            name=checked_name,
            unusable_message="These files cannot be used yet: see the report above for "
            "what to fix.",
        )
        if active.label != checked_name:
            st.warning(
                f"The charts below still show {active.label}, not the files checked above. "
                + (
                    "Press 'Use this data in the explorer' to count and forecast your own."
                    if chosen.usable
                    else "Fix the files and upload them again to use them."
                ),
                icon=":material/info:",
            )
    if not active.is_demo:
        back_to_demo_button(UPLOADED_903_KEY, UPLOADED_903_NAME_KEY)

# --- stocks over time -----------------------------------------------------------------------
data = active.data
stock = cached_monthly_stock(data.episodes, data.extract_date, data_key(active)).copy()
stock["age_band"] = stock["age_band"].astype(str)
stock["placement_category"] = stock["placement_category"].astype(str)
first_month = st.select_slider(
    "Show months from",
    options=sorted(stock["date"].dt.strftime("%Y-%m").unique()),
    value=max(stock["date"].min(), data.extract_date - pd.DateOffset(years=8)).strftime("%Y-%m"),
)
shown = stock[stock["date"] >= pd.Timestamp(first_month + "-01")]

st.subheader("Children looked after at each month end")
coverage_start = getattr(data, "coverage_start", None)
st.caption(
    "Counted from the 903 episodes: every child in care on the last day of each month, by "
    "placement and age on that day. Short breaks (legal status V3/V4) are not counted. "
    + (
        f"Counts start with the first collection year (from {coverage_start:%d %B %Y}; before it "
        "the extracts miss children who had already left) and "
        if coverage_start is not None
        else "Counts "
    )
    + f"stop on {data.extract_date:%d %B %Y}, the last day the extracts see ("
    + f"{data.extract_date_source})."
)
by_category = shown.groupby(["date", "placement_category"], as_index=False)["children"].sum()
category_chart = (
    alt.Chart(by_category)
    .mark_area()
    .encode(
        x=alt.X("date:T", title="Month end", axis=alt.Axis(format="%b %Y")),
        y=alt.Y("children:Q", title="Children looked after", stack="zero"),
        color=alt.Color(
            "placement_category:N",
            title="Placement category",
            sort=list(PLACEMENT_CATEGORIES),
            scale=alt.Scale(scheme="tableau10"),
            legend=alt.Legend(labelLimit=260),
        ),
        order=alt.Order("category_order:Q"),
        tooltip=[
            alt.Tooltip("date:T", title="Month end", format="%b %Y"),
            alt.Tooltip("placement_category:N", title="Placement"),
            alt.Tooltip("children:Q", title="Children"),
        ],
    )
    .transform_calculate(
        category_order=f"indexof({list(PLACEMENT_CATEGORIES)!r}, datum.placement_category)"
    )
    .properties(height=340, title="By placement category")
)
altair_chart(category_chart, width="stretch")

by_band = shown.groupby(["date", "age_band"], as_index=False)["children"].sum()
band_chart = (
    alt.Chart(by_band)
    .mark_line(strokeWidth=2)
    .encode(
        x=alt.X("date:T", title="Month end", axis=alt.Axis(format="%b %Y")),
        y=alt.Y("children:Q", title="Children looked after"),
        color=alt.Color("age_band:N", title="Age band (years)", sort=list(AGE_BANDS)),
        tooltip=[
            alt.Tooltip("date:T", title="Month end", format="%b %Y"),
            alt.Tooltip("age_band:N", title="Age band"),
            alt.Tooltip("children:Q", title="Children"),
        ],
    )
    .properties(height=280, title="By age band")
)
altair_chart(band_chart, width="stretch")

# --- latest snapshot ------------------------------------------------------------------------
latest_date = stock["date"].max()
st.subheader(f"Snapshot at {latest_date:%d %B %Y}")
st.caption(
    "Children looked after (count) by placement category (rows) and age band in years (columns) at the latest month end."
)
latest = stock[stock["date"] == latest_date]
snapshot = latest.pivot_table(
    index="placement_category", columns="age_band", values="children", aggfunc="sum"
)
snapshot = snapshot.reindex(index=list(PLACEMENT_CATEGORIES), columns=list(AGE_BANDS)).fillna(0)
snapshot["All ages"] = snapshot.sum(axis=1)
snapshot.loc["All placements"] = snapshot.sum(axis=0)
snapshot = snapshot.astype(int)
snapshot.index.name = "Placement category"
# tall enough to show every row, including the total
st.dataframe(snapshot, width="stretch", height=35 * (len(snapshot) + 1) + 3)
left, right = st.columns(2)
left.download_button(
    "Download this snapshot (CSV)",
    csv_bytes(snapshot.reset_index(), units=dict.fromkeys(snapshot.columns, "children")),
    file_name=f"children_looked_after_{latest_date:%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
)
right.download_button(
    "Download all month-end counts (CSV)",
    csv_bytes(stock.assign(date=stock["date"].dt.date)),
    file_name="children_looked_after_by_month.csv",
    mime="text/csv",
    icon=":material/download:",
)
with st.expander("What the placement categories mean"):
    st.table(
        pd.DataFrame(
            {
                "Placement category": list(PLACEMENT_CATEGORY_DESCRIPTIONS),
                "SSDA903 codes": list(PLACEMENT_CATEGORY_DESCRIPTIONS.values()),
            }
        ).set_index("Placement category")
    )
