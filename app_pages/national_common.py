"""Cached published-table objects shared by the Benchmarking and Model quality pages."""

import streamlit as st

from sufficiency.national.forecast import national_forecast
from sufficiency.national.panel import build_panel
from sufficiency.national.quality import load_quality

FORECAST_HORIZON = 3


@st.cache_resource(show_spinner="Reading the published DfE tables...", max_entries=1)
def published_panel():
    """Every authority's published figures (real DfE and ONS statistics)."""
    return build_panel()


@st.cache_resource(show_spinner=False, max_entries=1)
def latest_national_forecast():
    """The national forecast from the latest published year (fitted once per server)."""
    panel = published_panel()
    return national_forecast(panel, panel.last_year, FORECAST_HORIZON)


@st.cache_data(show_spinner=False, max_entries=1)
def provider_counts():
    """Published 31 March counts by provider, every authority and year."""
    from sufficiency.national.benchmarking import provider_rows

    return provider_rows()


@st.cache_data(show_spinner=False, max_entries=1)
def saved_quality():
    """The saved backtest summaries (models/national/), or None."""
    return load_quality()
