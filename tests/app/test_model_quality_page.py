"""AppTest: the Model quality page shows the saved national backtest by method, region and size."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from sufficiency.national.selection import CHOSEN

REPO = Path(__file__).resolve().parents[2]


def _page() -> AppTest:
    app = AppTest.from_file(str(REPO / "app_pages" / "model_quality.py"), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def test_confirmation_figures_by_method_region_and_size():
    app = _page()
    assert app.radio[0].value == "confirmation A"
    assert "carrying the last figure forward" in app.info[0].value
    assert "2022" in app.info[0].value
    assert len(app.get("vega_lite_chart")) == 4  # by method (1-2 years ahead), region, size
    methods = app.dataframe[0].value
    assert "The pooled regression" in set(methods["Method"])
    assert methods["Inside 80% range"].between(50, 100).all()  # per cent
    # Where the chosen method did not beat naive, the page says so in words.
    assert any("no better than carrying the last figure forward" in w.value for w in app.warning)
    authorities = app.dataframe[1].value
    assert authorities["Authority"].nunique() > 100


def test_switching_to_the_choosing_set_and_to_ceased():
    app = _page()
    app.radio[0].set_value("choosing").run()
    app.selectbox[0].set_value("ceased").run()
    assert not app.exception
    methods = app.dataframe[0].value
    assert set(methods["Years ahead"]) == {"1", "2", "3"}
    assert CHOSEN["ceased"] == "pooled_regression"
    assert len(app.dataframe) == 1  # authority detail only for children looked after
