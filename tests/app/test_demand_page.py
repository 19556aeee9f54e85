"""AppTest: the Demand page on the synthetic demo authority (model fitted once, loaded from models/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sufficiency.data.demo import load_demo
from sufficiency.demand.artefacts import default_directory, load_fitted, save_fitted
from sufficiency.demand.pipeline import backtest_stockflow, demand_inputs, fit_demand

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """The repository's saved demo model when it matches the demo data, else one fitted now."""
    demo = load_demo()
    inputs = demand_inputs(demo.episodes, demo.extract_date)
    if load_fitted(default_directory(), fingerprint=inputs.fingerprint) is not None:
        return default_directory().parent
    folder = tmp_path_factory.mktemp("models")
    fitted = fit_demand(inputs, backtest=False)
    fitted.backtest = backtest_stockflow(inputs.panel, inputs.stock, horizon=36, n_paths=100)
    save_fitted(fitted, folder / "demand")
    return folder


@pytest.fixture
def page(saved_models, monkeypatch):
    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(saved_models))
    app = AppTest.from_file(str(REPO / "app_pages" / "demand.py"), default_timeout=180)
    app.run()
    assert not app.exception, app.exception
    return app


def _headline(app: AppTest) -> float:
    return float(app.metric[0].value.split()[0].replace(",", ""))


def test_page_renders_fan_charts_track_record_and_download(page):
    assert any("synthetic" in element.value.lower() for element in page.info)
    text = " ".join(element.value for element in page.markdown)
    assert "One year ahead: off by" in text and "Three years ahead" in text
    assert "carrying the last figure forward" in text
    verdicts = [element.value for element in [*page.warning, *page.success]]
    assert any("carrying the last figure forward" in v for v in verdicts)
    assert len(page.get("vega_lite_chart")) == 2  # total, by category (the open tab)
    assert page.metric[0].value.endswith("children")
    labels = [button.label for button in page.get("download_button")]
    assert "Download the forecast (CSV)" in labels
    assert not any("saved model" in m.value for m in page.markdown)  # drawn when opened
    # the other tabs and the expanders are drawn when opened, as a click on them would
    for tab in ("By age band", "One age band and placement"):
        page.session_state["demand_breakdown"] = tab
        page.session_state["demand_how_open"] = True
        page.session_state["demand_track_record_open"] = True
        page.run()
        assert not page.exception, page.exception
        assert len(page.get("vega_lite_chart")) == 2  # total and the open tab's chart
    assert any("saved model" in m.value for m in page.markdown)


def test_lever_change_changes_the_forecast(page):
    before = _headline(page)
    page.slider(key="demand_entries_pct").set_value(60).run()
    assert not page.exception
    after = _headline(page)
    assert after < before
    assert any("Levers applied" in c.value for c in page.caption)
    page.number_input(key="demand_entries_add").set_value(10.0).run()
    assert not page.exception
    assert _headline(page) > after
    assert any("+10 children a month" in c.value for c in page.caption)


def test_step_down_and_invalid_combination(page):
    page.number_input(key="demand_step_children").set_value(6).run()
    assert not page.exception
    assert any("Move 6 children a year" in c.value for c in page.caption)
    page.selectbox(key="demand_step_to").set_value("external residential").run()
    assert not page.exception
    assert any("two different categories" in e.value for e in page.error)


def test_uploaded_short_history_has_no_track_record_but_a_forecast(monkeypatch, tmp_path):
    from app_pages.common import UPLOADED_903_KEY, UPLOADED_903_NAME_KEY
    from sufficiency.data.ssda903 import read_903

    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(tmp_path))
    data = read_903(REPO / "tests" / "fixtures" / "903" / "yearly")
    app = AppTest.from_file(str(REPO / "app_pages" / "demand.py"), default_timeout=180)
    app.session_state[UPLOADED_903_KEY] = data
    app.session_state[UPLOADED_903_NAME_KEY] = "your 903 data"
    app.run()
    assert not app.exception, app.exception
    assert any("No track record yet" in element.value for element in app.info)
    assert app.metric[0].value.endswith("children")
    assert not any("synthetic" in element.value.lower() for element in app.info)


def test_five_year_total_is_the_scenario_baselines_total(page):
    """The Demand page and the Scenario explorer's baseline show one total, from the same futures."""
    from sufficiency.scenario import Scenario
    from sufficiency.scenario.engine import demand_paths
    from sufficiency.scenario.models import fit_models

    page.select_slider(key="demand_horizon").set_value(5).run()
    assert not page.exception, page.exception
    scenario = Scenario()
    paths, _ = demand_paths(fit_models(), scenario, 0)
    scenario_total = paths.sum(axis=(2, 3)).mean(axis=0)[scenario.horizon_months - 1]
    assert round(scenario_total) == _headline(page)


def test_the_banner_says_when_now_is(page):
    """'Now' on the pages is the data's end, not today's date: the banner says so."""
    assert any("Forecasts start where the data ends" in element.value for element in page.info)
