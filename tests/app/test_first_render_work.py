"""AppTest through the router: work done once per data set, not once per page.

The Start page builds the one model of the authority; the Demand page then needs the same demand
inputs (every child's care history month by month and the data's fingerprint): they are made once
and shared, in every session, for as long as the cache keeps them.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

import sufficiency.demand.pipeline as pipeline

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")


def test_demand_inputs_are_made_once_for_the_start_page_and_the_demand_page(monkeypatch):
    calls = []
    real = pipeline.demand_inputs

    def counted(episodes, extract_date):  # the real function, counted
        calls.append(len(episodes))
        return real(episodes, extract_date)

    monkeypatch.setattr(pipeline, "demand_inputs", counted)
    first = AppTest.from_file(APP, default_timeout=300)
    first.run()
    assert not first.exception, first.exception
    assert len(calls) == 1
    first.switch_page("app_pages/demand.py").run()
    assert not first.exception, first.exception
    # a second user, in a new session, opening the Demand page straight away
    second = AppTest.from_file(APP, default_timeout=300)
    second.switch_page("app_pages/demand.py").run()
    assert not second.exception, second.exception
    assert len(calls) == 1


def test_page_tests_check_every_chart_the_pages_draw_unchecked(monkeypatch):
    import altair as alt
    import pandas as pd
    import pytest

    from app_pages.common import CHECK_CHARTS_ENV, altair_chart

    frame = pd.DataFrame({"month": [1, 2], "households": [3, 4]})
    # a field type Vega-Lite does not have: Altair only finds it with its schema check
    broken = (
        alt.Chart(frame)
        .mark_bar()
        .encode(x={"field": "month", "type": "sideways"}, y="households:Q")
    )
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="sideways"):
        altair_chart(broken)  # the page tests set CHECK_CHARTS_ENV
    monkeypatch.delenv(CHECK_CHARTS_ENV)
    altair_chart(broken)  # a user's page does not pay for the check
