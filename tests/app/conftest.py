"""AppTest fixtures: every test starts with empty Streamlit caches."""

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def check_every_chart(monkeypatch):
    """Pages draw charts without Altair's schema check (app_pages.common.altair_chart); in the
    page tests every chart drawn is checked."""
    from app_pages.common import CHECK_CHARTS_ENV

    monkeypatch.setenv(CHECK_CHARTS_ENV, "1")
