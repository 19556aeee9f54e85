"""Model quality page: how the national forecasts did in the backtest, by method, region and size."""

import altair as alt
import streamlit as st

from app_pages.common import csv_bytes
from app_pages.national_common import saved_quality
from sufficiency.national.methods import METHODS, SHORT_NAMES
from sufficiency.national.panel import MEASURE_WORDS
from sufficiency.national.quality import (
    SPLIT_LABELS,
    SPLITS,
    track_record_sentence,
    weak_spots,
)
from sufficiency.national.selection import CHOSEN

st.title("Model quality: national forecasts")
st.write(
    "How well would each method have forecast every English authority's published figures, had "
    "it been used at the time? At each past 31 March the methods saw only the figures published "
    "by then, forecast one to three years ahead, and were checked against what DfE later "
    "published. The yardstick is **carrying the last figure forward**: a ratio below 1 means "
    "less error than that. The method used by the forecasts was chosen by a rule written down "
    "and saved *before* it was checked on 2022-2024 (the pre-registration note ships with the tool's documentation)."
)

tables = saved_quality()
if tables is None:
    st.error(
        "The saved backtest results are missing (models/national/). Run "
        "`benchmarks/bench_national.py --write-results` to make them."
    )
    st.stop()


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


left, middle = st.columns(2)
measure = left.selectbox(
    "Figure forecast",
    options=list(MEASURE_WORDS),
    format_func=lambda m: sentence_case(MEASURE_WORDS[m]),
)
split = middle.radio(
    "Which forecasts",
    options=list(SPLIT_LABELS),
    format_func=SPLIT_LABELS.get,
    help="\n\n".join(f"**{SPLIT_LABELS[k]}**: {v}" for k, v in SPLITS.items()),
)
st.caption(sentence_case(SPLITS[split]) + ".")
chosen = CHOSEN[measure]
st.info(track_record_sentence(chosen, measure))

by_method = tables["by_method"]
rows = by_method.loc[(by_method["split"] == split) & (by_method["measure"] == measure)].copy()
rows["Method"] = rows["method"].map(lambda m: sentence_case(SHORT_NAMES.get(m, m)))
rows["Role"] = (rows["method"] == chosen).map(
    {True: "used by the forecasts", False: "other candidates"}
)
rows["Years ahead"] = rows["horizon"].astype(int).astype(str)
rows["change_pct"] = 100 * (rows["mae_ratio_vs_naive"] - 1)

CHANGE_TITLE = "Error against carrying the last figure forward (%)"


def change_chart(frame, y: str, color, height: int) -> alt.Chart:
    """Bars of % more (right) or less (left) error than carrying the last figure forward."""
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{y}:N", sort="x", title=None, axis=alt.Axis(labelLimit=280)),
            x=alt.X("change_pct:Q", title=CHANGE_TITLE),
            color=color,
            tooltip=[
                alt.Tooltip(f"{y}:N"),
                alt.Tooltip("Years ahead:N"),
                alt.Tooltip("mae_ratio_vs_naive:Q", title="Error ratio", format=".3f"),
                alt.Tooltip("MAE:Q", title="Average error (children)", format=".1f"),
                alt.Tooltip("coverage_80:Q", title="Inside 80% range", format=".0%"),
                alt.Tooltip("forecasts:Q", title="Forecasts checked"),
            ],
        )
    )
    zero = alt.Chart(frame).mark_rule(color="#333333").encode(x=alt.datum(0))
    return (bars + zero).properties(height=height)


st.subheader("Each method against carrying the last figure forward")
st.caption("Bars to the left of the line: less error than carrying the last figure forward.")
highlight = alt.Color(
    "Role:N",
    scale=alt.Scale(
        domain=["used by the forecasts", "other candidates"], range=["#1f77b4", "#b0b0b0"]
    ),
    legend=alt.Legend(orient="bottom", title=None),
)
horizons = sorted(rows["Years ahead"].unique())
for column, ahead in zip(st.columns(len(horizons)), horizons, strict=True):
    with column:
        st.markdown(f"**{ahead} year{'s' if ahead != '1' else ''} ahead**")
        st.altair_chart(
            change_chart(rows.loc[rows["Years ahead"] == ahead], "Method", highlight, 300),
            width="stretch",
        )

rows["coverage_80"] = 100 * rows["coverage_80"]
rows["coverage_95"] = 100 * rows["coverage_95"]
table = rows[
    [
        "Method",
        "Years ahead",
        "forecasts",
        "MAE",
        "mae_ratio_vs_naive",
        "coverage_80",
        "coverage_95",
    ]
].rename(
    columns={
        "forecasts": "Forecasts checked",
        "MAE": "Average error (children)",
        "mae_ratio_vs_naive": "Error ratio vs last figure",
        "coverage_80": "Inside 80% range",
        "coverage_95": "Inside 95% range",
    }
)
st.dataframe(
    table.sort_values(["Years ahead", "Error ratio vs last figure"]),
    hide_index=True,
    height=35 * (len(table) + 1) + 3,
    column_config={
        "Average error (children)": st.column_config.NumberColumn(format="%.1f"),
        "Error ratio vs last figure": st.column_config.NumberColumn(format="%.3f"),
        "Inside 80% range": st.column_config.NumberColumn(format="%.0f%%"),
        "Inside 95% range": st.column_config.NumberColumn(format="%.0f%%"),
    },
)
with st.expander("What each method does"):
    for name, words in METHODS.items():
        st.markdown(f"- **{sentence_case(SHORT_NAMES[name])}** (`{name}`): {words}.")


def compare(name: str, column: str) -> None:
    """The chosen method against the yardstick, group by group."""
    frame = tables[name]
    frame = frame.loc[
        (frame["split"] == split) & (frame["measure"] == measure) & (frame["method"] == chosen)
    ].copy()
    frame["Years ahead"] = frame["horizon"].astype(int).astype(str)
    frame["change_pct"] = 100 * (frame["mae_ratio_vs_naive"] - 1)
    frame[column] = frame[column].map(lambda text: sentence_case(str(text)))
    color = alt.Color("Years ahead:N", legend=alt.Legend(orient="bottom"))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{column}:N", sort="x", title=None, axis=alt.Axis(labelLimit=280)),
            yOffset="Years ahead:N",
            x=alt.X("change_pct:Q", title=CHANGE_TITLE),
            color=color,
            tooltip=[
                alt.Tooltip(f"{column}:N"),
                alt.Tooltip("Years ahead:N"),
                alt.Tooltip("mae_ratio_vs_naive:Q", title="Error ratio", format=".3f"),
                alt.Tooltip("coverage_80:Q", title="Inside 80% range", format=".0%"),
                alt.Tooltip("forecasts:Q", title="Forecasts checked"),
            ],
        )
        .properties(height=alt.Step(16 * max(frame["Years ahead"].nunique(), 1)))
    )
    zero = alt.Chart(frame).mark_rule(color="#333333").encode(x=alt.datum(0))
    st.altair_chart(alt.layer(bars, zero), width="stretch")


st.subheader(f"{sentence_case(SHORT_NAMES[chosen])}, by region")
compare("by_region", "region_name")
st.subheader(f"{sentence_case(SHORT_NAMES[chosen])}, by authority size")
st.caption("Size: children looked after at the date the forecast was made.")
compare("by_size", "size_band")
spots = weak_spots(tables, chosen, split, measure)
if spots:
    st.warning(
        "Where it did not beat carrying the last figure forward:\n\n"
        + "\n".join(f"- {s}" for s in spots)
    )
else:
    st.success("It beat carrying the last figure forward in every region and size band here.")
st.caption(
    "Regions and size bands rest on few forecasts each (see the tooltips): differences of a few "
    "per cent there are within chance."
)

if measure == "cla_31_march":
    st.subheader("Authority by authority")
    per = tables["by_authority"]
    per = per.loc[(per["split"] == split) & (per["method"] == chosen)]
    shown = per[
        ["la_name", "region_name", "horizon", "forecasts", "MAE", "naive_MAE", "mae_ratio_vs_naive"]
    ].rename(
        columns={
            "la_name": "Authority",
            "region_name": "Region",
            "horizon": "Years ahead",
            "forecasts": "Forecasts checked",
            "MAE": "Average error (children)",
            "naive_MAE": "Last figure's average error",
            "mae_ratio_vs_naive": "Error ratio",
        }
    )
    st.dataframe(
        shown.sort_values(["Authority", "Years ahead"]),
        hide_index=True,
        column_config={
            "Average error (children)": st.column_config.NumberColumn(format="%.1f"),
            "Last figure's average error": st.column_config.NumberColumn(format="%.1f"),
            "Error ratio": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.caption(
        "One authority has only one to three forecasts checked here: its ratio is mostly chance. "
        "Judge methods on the totals above."
    )
st.download_button(
    "Download the results by method (CSV)",
    data=lambda: csv_bytes(tables["by_method"]),
    file_name="national_backtest_by_method.csv",
    mime="text/csv",
)
st.caption(
    "Source: rolling-origin backtest on the published DfE tables (children looked after at "
    "31 March, 2010-2024), run by the tool's national benchmark and saved with the tool."
)
