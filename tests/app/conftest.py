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


@pytest.fixture(autouse=True)
def check_every_download(monkeypatch):
    """Every download built in a page test must give each number column's unit in its header
    (app_pages.common.csv_bytes / excel_bytes raise otherwise)."""
    from app_pages.common import CHECK_EXPORTS_ENV

    monkeypatch.setenv(CHECK_EXPORTS_ENV, "1")
