"""AppTest: the scenario explorer on the synthetic demo authority.

Two tests only: each one fits (or loads) the demand model for the demo, which takes seconds.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from sufficiency.scenario import Scenario
from sufficiency.store import ENV_VAR, ScenarioStore
from tests.app.answer_view import shown_values

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "scenarios.py")


@pytest.fixture(autouse=True)
def library(tmp_path, monkeypatch):
    path = tmp_path / "scenarios.db"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path


def open_page(query: dict | None = None) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=240)
    if query:
        app.query_params.update(query)
    app.run()
    assert not app.exception, app.exception
    return app


def open_library_tab(app: AppTest, label: str) -> None:
    """Only the library's open tab is drawn: open ``label`` as a click on it would."""
    app.session_state["library_tab"] = label
    app.run()
    assert not app.exception, app.exception


def open_lever_tab(app: AppTest, label: str) -> None:
    """Only the open lever tab's widgets are drawn: open ``label`` as a click on it would."""
    app.session_state["explorer_lever_tab"] = label
    app.run()
    assert not app.exception, app.exception


def metric(app: AppTest, label: str) -> str:
    return shown_values(app)[label]


def test_explorer_levers_share_save_and_compare(library, monkeypatch):
    from app_pages import long_lived

    monkeypatch.setattr(long_lived, "_frozen", False)
    app = open_page()
    assert long_lived._frozen  # the first run froze the objects then alive (app_pages/long_lived)
    assert any("synthetic" in element.value.lower() for element in app.info)
    assert len(app.get("vega_lite_chart")) == 3
    assert "£" in metric(app, "Total cost (cash)")
    assert "£" in metric(app, "Net present value")
    assert metric(app, "Targets") == "none set"
    labels = [button.label for button in app.get("download_button")]
    assert "Download the workbook (Excel)" in labels

    # a lever changes the result and the share link
    before = metric(app, "Total cost (cash)")
    assert not any(s.label == "Age 10-15 (% change)" for s in app.slider)  # its tab is closed
    open_lever_tab(app, "Entries and step-downs")
    assert metric(app, "Total cost (cash)") == before  # opening a tab changes nothing
    next(s for s in app.slider if s.label == "Age 10-15 (% change)").set_value(-40).run()
    assert not app.exception
    after = metric(app, "Total cost (cash)")
    assert float(after[1:-1].replace(",", "")) < float(before[1:-1].replace(",", ""))
    assert any("edge-of-care programme cost" in w.value for w in app.warning)
    # no longer the baseline, so no longer called it: the name says what changed
    assert app.session_state["scenario"].name == "entries changed"
    # ... and the name box says so on the same run, not one interaction late
    assert app.text_input(key="sx_name").value == "entries changed"
    assert any(c.value.startswith("**entries changed**") for c in app.caption)
    assert not app.code  # the share tab is not open: its link is not drawn
    open_library_tab(app, "Share a link")
    link = app.code[0].value
    assert link.startswith("?v=2")
    assert Scenario.from_query_string(link).entries_change_pct == (("10-15", -40.0),)

    # save to the library, then compare it with a changed scenario on screen
    open_library_tab(app, "Save")
    next(t for t in app.text_input if t.label == "Scenario name").set_value("fewer teenagers")
    next(t for t in app.text_input if t.label == "Your name").set_value("Commissioner")
    next(b for b in app.button if b.label == "Save scenario").click().run()
    assert not app.exception
    saved = ScenarioStore(library).get("fewer teenagers")
    assert saved.author == "Commissioner"
    assert saved.scenario.entries_change_pct == (("10-15", -40.0),)
    open_library_tab(app, "Compare")
    app.multiselect[0].set_value([saved.uid]).run()
    assert not app.exception
    headline = next(f.value for f in app.dataframe if "scenario" in f.value.columns)
    assert len(headline) == 2
    assert len(app.get("vega_lite_chart")) == 4  # placements, households, costs, comparison


def test_the_name_box_follows_the_levers_on_the_same_run_and_keeps_a_typed_name():
    app = open_page()
    assert app.text_input(key="sx_name").value == "baseline"
    open_lever_tab(app, "Entries and step-downs")
    next(s for s in app.slider if s.label.startswith("Step-downs")).set_value(6).run()
    assert not app.exception, app.exception
    assert app.text_input(key="sx_name").value == "step-downs"
    assert any(c.value.startswith("**step\\-downs**") for c in app.caption)
    # back to no levers: the automatic name goes back to "baseline" at once
    next(s for s in app.slider if s.label.startswith("Step-downs")).set_value(0).run()
    assert app.text_input(key="sx_name").value == "baseline"
    # a name the user typed is kept whatever the levers do
    app.text_input(key="sx_name").set_value("Board option A").run()
    next(s for s in app.slider if s.label.startswith("Step-downs")).set_value(9).run()
    assert not app.exception, app.exception
    assert app.text_input(key="sx_name").value == "Board option A"
    assert app.session_state["scenario"].name == "Board option A"
    assert app.session_state["scenario"].step_downs_per_year == 9


def test_a_link_reopens_the_same_scenario():
    scenario = Scenario(step_downs_per_year=12, entries_change_pct={"1-4": -10})
    app = open_page(dict(parse_qsl(scenario.to_query_string())))
    open_lever_tab(app, "Entries and step-downs")
    assert next(s for s in app.slider if s.label.startswith("Step-downs")).value == 12
    assert next(s for s in app.slider if s.label == "Age 1-4 (% change)").value == -10
    # a link without a name opens under a name that says what it changes, never "baseline"
    named = scenario.replace(name="entries changed + step-downs")
    assert app.session_state["scenario"] == named
    assert app.text_input(key="sx_name").value == named.name
    open_library_tab(app, "Share a link")
    assert app.code[0].value == "?" + named.to_query_string()


def test_a_version_1_link_opens_migrated_with_a_note():
    app = open_page({"v": "1", "ap": "0:3", "ifa": "30", "ifad": "2028-03"})
    notes = " ".join(element.value for element in app.info)
    assert "older version" in notes and "on top of" in notes
    assert app.session_state["scenario"].ifa_share_target_basis == "non-kinship fostering"
    assert metric(app, "Can it be met?") in ("Yes", "No")


def test_charts_drawn_without_schema_check_are_the_checked_charts():
    """The explorer skips Altair's JSON-schema check on its three charts (a lever change pays for
    it otherwise): the specs must be exactly what the checked conversion gives."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as convert

    from app_pages.common import Unvalidated
    from app_pages.scenarios import costs_chart, households_chart, placements_chart
    from sufficiency.scenario import baseline_of, fit_models, run

    models = fit_models()
    scenario = Scenario(step_downs_per_year=12)
    result = run(scenario, models=models, random_state=0)
    baseline = run(baseline_of(scenario), models=models, random_state=0)
    for chart in (
        placements_chart(result, baseline),
        households_chart(result, baseline),
        costs_chart(result),
    ):
        assert convert(Unvalidated(chart)) == convert(chart)


def test_templated_chart_specs_are_the_converted_charts():
    """The explorer converts each chart once and then only fills in new data: for scenarios whose
    data differ (levers, a target, a shorter horizon), the spec is exactly the full conversion's."""
    from app_pages import chart_templates
    from app_pages.common import vega_lite_spec
    from app_pages.scenarios import (
        costs_chart_of,
        costs_frame,
        households_chart_of,
        households_frame,
        placements_chart_of,
        placements_frame,
    )
    from sufficiency.scenario import baseline_of, fit_models, run

    models = fit_models()
    charts = {
        "placements": (placements_chart_of, lambda r, b: placements_frame(r, b)),
        "households": (households_chart_of, lambda r, b: households_frame(r, b)),
        "costs": (costs_chart_of, lambda r, b: costs_frame(r)),
    }
    chart_templates._TEMPLATES.clear()
    scenarios = (
        Scenario(),
        Scenario(step_downs_per_year=12, entries_change_pct={"10-15": -20}),
        Scenario(ifa_share_target_pct=30, ifa_share_target_date="2028-03", horizon_months=36),
    )
    names = {name: set() for name in charts}
    for scenario in scenarios:
        result = run(scenario, models=models, random_state=0)
        baseline = run(baseline_of(scenario), models=models, random_state=0)
        for name, (chart_of, frame_of) in charts.items():
            frame = frame_of(result, baseline)
            spec = chart_templates.chart_spec(f"test {name}", frame, chart_of)
            assert spec == vega_lite_spec(chart_of(frame)), (name, scenario.name)
            names[name].add(next(iter(spec["datasets"])))
    assert len(chart_templates._TEMPLATES) == 3
    # new data on each run, not the template's first (households change with the target only)
    assert {name: len(seen) for name, seen in names.items()} == {
        "placements": 3,
        "households": 2,
        "costs": 3,
    }
    chart_templates._TEMPLATES.clear()


def test_a_second_session_reuses_the_simulated_futures(monkeypatch):
    """Sessions on the same data share the heavy work: a colleague moving a lever to a value
    someone already ran gets the same numbers without simulating the 200 futures again."""
    import sufficiency.demand.stockflow as stockflow

    first = open_page()
    open_lever_tab(first, "Entries and step-downs")
    next(s for s in first.slider if s.label.startswith("Step-downs")).set_value(7).run()
    cost = metric(first, "Total cost (cash)")
    simulations = []
    real_simulate = stockflow.simulate

    def counting_simulate(*args, **kwargs):
        simulations.append(1)
        return real_simulate(*args, **kwargs)

    monkeypatch.setattr(stockflow, "simulate", counting_simulate)
    second = open_page()
    open_lever_tab(second, "Entries and step-downs")
    next(s for s in second.slider if s.label.startswith("Step-downs")).set_value(7).run()
    assert not second.exception, second.exception
    assert metric(second, "Total cost (cash)") == cost
    assert simulations == []


def test_each_placement_range_is_shaded_in_its_own_series_colour():
    """The IFA and external residential ranges were the same light blue (two blues in the
    default scheme) and swamped the lines: each range takes its series' hue, faint and outlined,
    under thicker lines, in the template's two layers."""
    import pandas as pd

    from app_pages.common import vega_lite_spec
    from app_pages.scenarios import PLACEMENT_COLOURS, placements_chart_of
    from sufficiency import codes

    months = pd.date_range("2024-04-30", periods=3, freq="ME")
    frame = pd.DataFrame(
        [
            {"month": m, "placement_category": c, "run": r, "mean": 100.0, "p10": 40, "p90": 290}
            for m in months
            for c in PLACEMENT_COLOURS
            for r in ("with the plan", "baseline")
        ]
    )
    spec = vega_lite_spec(placements_chart_of(frame))
    band, lines = spec["layer"]
    hues = list(PLACEMENT_COLOURS.values())
    assert len(set(hues)) == 3
    assert list(PLACEMENT_COLOURS) == [
        codes.IN_HOUSE_FOSTERING,
        codes.IFA_FOSTERING,
        codes.EXTERNAL_RESIDENTIAL,
    ]
    for channel in ("color", "stroke"):  # the fill and the outline of each range
        scale = band["encoding"][channel]["scale"]
        assert band["encoding"][channel]["field"] == "placement_category"
        assert scale == {"domain": list(PLACEMENT_COLOURS), "range": hues}
    assert lines["encoding"]["color"]["scale"] == {"domain": list(PLACEMENT_COLOURS), "range": hues}
    assert band["mark"]["fillOpacity"] == 0.12  # faint: the lines stay readable
    assert lines["mark"]["strokeWidth"] == 2.5
