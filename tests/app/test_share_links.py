"""AppTest: tampered share links (the ones from issue 12) open exactly as given or are refused with
a message naming the parameter, never a traceback and never a silent change; names from a link
are shown as plain text; the widgets' ranges are the ones the link check uses."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages.link_check import CHANNELS_SHOWN, PRICE_BASE_YEARS, SHOWN
from app_pages.scenarios import LEVER_TAB_KEY, LEVER_TABS
from sufficiency.scenario import LEVERS

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = str(REPO / "app_pages" / "scenarios.py")
FINANCE = str(REPO / "app_pages" / "finance.py")

REFUSED = {
    "step-downs above the slider": ({"sd": "150"}, "step_downs_per_year"),
    "conversion above the slider": ({"ci": "150"}, "conversion_improvement_pct"),
    "target month long before the data": (
        {"ifa": "30", "ifad": "2000-01"},
        "ifa_share_target_date",
    ),
    "home opening before the forecast start": ({"hm": "3:2020-01:20000:Oak"}, "homes"),
    "a second home": ({"hm": "3:2026-04:20000:Oak;2:2026-09:10000:Elm"}, "homes"),
    "spend on a channel with no box": ({"ms": "6:1500"}, "marketing_spend_per_quarter"),
    "horizon beyond the slider": ({"h": "120"}, "horizon_months"),
    "a share between slider steps": ({"ifa": "49.9", "ifad": "2027-03"}, "ifa_share_target_pct"),
    "inflation between slider steps": ({"inf": "3.3"}, "annual_inflation_pct"),
    "price year not offered": ({"pb": "2019-20"}, "price_base_year"),
    "a number that is not finite": ({"sd": "inf"}, "step_downs_per_year"),
    "a horizon that is not whole": ({"h": "24.5"}, "horizon_months"),
    "a repeated setting": ({"sd": ["1", "2"]}, "sd"),
    "an unknown setting": ({"zz": "1"}, "zz"),
    "a newer link format": ({"v": "99"}, "version"),
}


def open_link(query: dict, page: str = SCENARIOS) -> AppTest:
    app = AppTest.from_file(page, default_timeout=300)
    app.query_params["v"] = "2"
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def open_lever_tab(app: AppTest, tab: str) -> list:
    """Open a lever tab of the explorer as a click on it would (only the open tab is drawn);
    returns its sliders and number boxes."""
    app.session_state[LEVER_TAB_KEY] = tab
    app.run()
    assert not app.exception, app.exception
    return [*app.slider, *app.number_input]


def lever_widgets(app: AppTest) -> list:
    """The explorer's sliders and number boxes on every lever tab (their labels and ranges)."""
    return [widget for tab in LEVER_TABS for widget in open_lever_tab(app, tab)]


def slider(app: AppTest, label: str):
    """The slider labelled ``label``, with its lever tab left open (so its value can be read)."""
    for tab in LEVER_TABS:
        found = [w for w in open_lever_tab(app, tab) if w.label == label]
        if found:
            return found[0]
    raise AssertionError(f"no slider labelled {label!r} on any lever tab")


def test_tampered_links_are_refused_naming_the_parameter():
    for case, (query, parameter) in REFUSED.items():
        app = open_link(query)
        errors = " ".join(e.value.replace("\\", "") for e in app.error)
        assert "The link could not be opened" in errors or "cannot be shown here" in errors, case
        assert parameter in errors, (case, errors)
        # the default scenario is on screen instead, not something in between
        assert slider(app, SHOWN["step_downs_per_year"].label).value == 0, case
        assert slider(app, SHOWN["horizon_months"].label).value == 60, case


def test_valid_links_open_exactly_as_given():
    app = open_link(
        {
            "sd": "12",
            "ec": "1:-10",
            "ci": "25",
            "ms": "0:2500",
            "hm": "3:2026-09:21000:Oak House",
            "sims": "50",
            "inf": "2.5",
        }
    )
    assert not app.error, [e.value for e in app.error]
    assert slider(app, SHOWN["step_downs_per_year"].label).value == 12
    assert slider(app, "Age 1-4 (% change)").value == -10
    assert slider(app, SHOWN["conversion_improvement_pct"].label).value == 25
    scenario = app.session_state["scenario"]
    assert scenario.n_simulations == 50 and scenario.annual_inflation_pct == 2.5
    assert dict(scenario.marketing_spend_per_quarter) == {"radio": 2500.0}
    assert [(h.beds, h.opening_month, h.name) for h in scenario.homes] == [
        (3, "2026-09", "Oak House")
    ]


def test_a_crafted_name_is_shown_as_plain_text():
    name = "[click me](https://example.invalid) ![x](https://example.invalid/x.png) :red[big]"
    for page in (SCENARIOS, FINANCE):
        app = open_link({"n": name, "sd": "3"}, page)
        assert app.session_state["scenario"].name == name
        shown = [e.value for e in [*app.markdown, *app.caption, *app.error, *app.info]]
        assert any("click me" in text for text in shown), page
        for text in shown:
            assert "](https" not in text and ":red[" not in text, text


def test_the_link_check_uses_the_widgets_own_ranges():
    app = open_link({})
    every = lever_widgets(app)
    for name, shown in SHOWN.items():
        if name == "annual_inflation_pct":
            continue
        widgets = [w for w in every if w.label == shown.label]
        assert widgets, f"no widget labelled {shown.label!r} for {name}"
        widget = widgets[0]
        assert (widget.min, widget.max) == (shown.minimum, shown.maximum), name
        assert widget.step == shown.step, name
        lever = LEVERS[name]
        assert lever.minimum <= shown.minimum and shown.maximum <= lever.maximum, name
    spend_boxes = [w.label for w in every if w.label.endswith("(£)")]
    assert sorted(label.removesuffix(" (£)").lower() for label in spend_boxes) == sorted(
        CHANNELS_SHOWN
    )
    beds = next(w for w in every if w.label.startswith("In-house children's home"))
    assert (beds.min, beds.max) == (LEVERS["homes"].minimum, LEVERS["homes"].maximum)
    finance = open_link({}, FINANCE)
    inflation = SHOWN["annual_inflation_pct"]
    widget = next(s for s in finance.slider if s.label == inflation.label)
    assert (widget.min, widget.max, widget.step) == (
        inflation.minimum,
        inflation.maximum,
        inflation.step,
    )
    price_base = next(s for s in finance.selectbox if s.label == "Price base (financial year)")
    assert tuple(price_base.options) == PRICE_BASE_YEARS


def test_zero_targets_open_as_zero_not_as_the_default():
    """A 0% IFA target and a target of no children in external residential care are targets:
    a link with them opened as 30 (the widgets read 0 as 'not set')."""
    from tests.app.answer_view import paragraphs

    app = open_link({"ifa": "0", "ifad": "2028-03", "er": "0", "erd": "2029-03"})
    assert not app.error, [e.value for e in app.error]
    scenario = app.session_state["scenario"]
    assert scenario.ifa_share_target_pct == 0.0
    assert scenario.external_residential_target == 0.0
    headlines = [p for p in paragraphs(app) if p.startswith("Target ")]
    assert any(p.startswith("Target 0% by March 2028") for p in headlines), headlines
    assert any(p.startswith("Target 0 children by March 2029") for p in headlines), headlines
    assert slider(app, SHOWN["ifa_share_target_pct"].label).value == 0
    boxes = open_lever_tab(app, "Targets")
    assert (
        next(w for w in boxes if w.label == SHOWN["external_residential_target"].label).value == 0
    )
    assert app.session_state["scenario"].ifa_share_target_pct == 0.0  # still, after a rerun


def test_a_target_date_after_the_forecast_says_when_it_is_checked():
    """A target for March 2035 with a forecast to March 2029 opens as given (the date box says
    2035) and the headline says it is checked at March 2029, instead of silently reading
    'by March 2029'."""
    from tests.app.answer_view import paragraphs

    app = open_link({"ifa": "30", "ifad": "2035-03"})
    assert not app.error, [e.value for e in app.error]
    assert app.session_state["scenario"].ifa_share_target_date == "2035-03"
    (headline,) = [p for p in paragraphs(app) if p.startswith("Target 30%")]
    assert headline.startswith("Target 30% by March 2029"), headline
    assert (
        "The target date (March 2035) is after the projection ends, so the target is checked at "
        "its last month, March 2029"
    ) in headline, headline


def test_a_link_opened_on_another_page_is_named_after_what_it_changes():
    """The Placement budget page opened from a link said 'Scenario: baseline' for a 30% target
    (the name followed the levers only once the explorer had run)."""
    app = open_link({"ifa": "30", "ifad": "2028-03"}, page=FINANCE)
    assert not app.error, [e.value for e in app.error]
    scenario = app.session_state["scenario"]
    assert scenario.ifa_share_target_pct == 30.0
    assert scenario.name != "baseline"
    shown = [c.value for c in app.caption if c.value.startswith("Scenario: ")]
    assert shown and "baseline" not in shown[0], shown
    # the explorer, opened from the same link, shows the same name
    assert open_link({"ifa": "30", "ifad": "2028-03"}).session_state["scenario"].name == (
        scenario.name
    )
