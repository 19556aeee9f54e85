"""Checks a commissioner takes to a board with the figures (user test, session 7).

The Scenario explorer and the Recommended plan showed the demand forecast and the total cost
with no word of two checks the other pages make: the forecast did not beat carrying the last
figure forward two and three years ahead on the total (the Demand forecast page's track record),
and the model's fostering services sit at 1.35 times what the authority spent on them (the
Placement budget page's RO3 2024-25 cross-check). Both now come from the same functions, in the
same words, for the pages to show beside the chart and the total.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sufficiency import finance as fin
from sufficiency.demand.pipeline import (
    demand_inputs,
    forecast_caveat,
    last_total,
    load_or_fit,
    track_record_sentences,
)
from sufficiency.demand.track_record import TRACK_RECORD_NOT_CHECKED
from sufficiency.scenario import Scenario, fit_models, run

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    return fit_models()


@pytest.fixture(scope="module")
def demand_page_fit():
    """The demand model as the Demand forecast page gets it (with its track record)."""
    from sufficiency.data.demo import load_demo

    data = load_demo()
    return load_or_fit(demand_inputs(data.episodes, data.extract_date))


def test_the_scenario_pages_caveat_is_the_demand_pages_sentence(demo, demand_page_fit):
    """On the demo the forecast did not beat carrying the last figure forward two and three
    years ahead on the total: the models every scenario page reads carry the Demand forecast
    page's own sentence, worked out once when they are built (the committed backtest)."""
    lines = track_record_sentences(demand_page_fit.backtest, last=last_total(demand_page_fit.model))
    assert demo.forecast_caveat == lines[-1]
    assert demo.forecast_caveat.startswith(
        "Not better than carrying the last figure forward for the total two years ahead and "
        "three years ahead: there the last figure itself (513 children at 31 March 2024)"
    )


def test_the_caveat_says_what_the_track_record_says():
    backtest = pd.read_csv(REPO / "models" / "demand" / "backtest.csv", parse_dates=["origin"])
    # no backtest run for this data: not checked, and where to check it
    assert forecast_caveat(None) == TRACK_RECORD_NOT_CHECKED
    assert "Demand forecast page" in TRACK_RECORD_NOT_CHECKED
    assert "Track record on this data" in TRACK_RECORD_NOT_CHECKED
    # run, but the data is too short to check anything
    assert forecast_caveat(backtest.iloc[:0]).startswith("No track record yet")
    # a forecast that hit every actual beat carrying the last figure forward: nothing to say
    perfect = backtest.assign(forecast=backtest["actual"])
    assert forecast_caveat(perfect) is None


def test_an_uploaded_authority_without_a_backtest_says_it_has_not_been_checked(
    tmp_path, monkeypatch
):
    """The scenario pages fit an uploaded authority's model without a backtest (it takes
    minutes): they say the forecast has not been checked and where to check it."""
    from sufficiency.data.ssda903 import read_903

    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(tmp_path))
    models = fit_models(read_903(REPO / "tests" / "fixtures" / "903" / "yearly"))
    assert models.forecast_caveat == TRACK_RECORD_NOT_CHECKED


@pytest.fixture(scope="module")
def thirty(demo):
    return run(
        Scenario(ifa_share_target_pct=30.0, ifa_share_target_date="2028-03"),
        models=demo,
        random_state=0,
    )


def test_the_total_cost_note_is_the_budget_pages_cross_check(thirty):
    """Fostering services at 1.35 times the authority's RO3 2024-25 spend on the demo (against
    Middlesbrough): more than 25% away, so the line beside the total names it, with the ratio the
    Placement budget page's table shows."""
    check = fin.spend_cross_check(thirty.costs_by_financial_year, fin.DEMO_RO3_AUTHORITY)
    off = fin.cross_check_lines_to_question(check)
    assert list(off["line"]) == ["fostering services"]
    assert off["model_over_ro3"].iloc[0] == pytest.approx(1.35, abs=0.005)
    note = fin.ro3_cost_note(thirty.costs_by_financial_year, fin.DEMO_RO3_AUTHORITY)
    # the line's own figures (model £15.1m, RO3 £11.2m), not the £215.0m total beside it
    assert note == (
        "Check before quoting this total: the model's 2024-25 cost for fostering services "
        "(£15.1m) is 1.35 times the authority's RO3 2024-25 spend on them (£11.2m), more than "
        "25% away. A unit cost or a placement count may be wrong: see the Placement budget page, "
        "'Cross-check against what the authority spent (RO3 2024-25)'."
    )


def test_the_total_cost_note_names_every_line_off_and_none_within(thirty):
    costs = thirty.costs_by_financial_year
    # residential care is 1.06 times RO3: named only with a tolerance under 6%
    both = fin.ro3_cost_note(costs, fin.DEMO_RO3_AUTHORITY, tolerance=0.05)
    assert (
        "for fostering services (£15.1m) is 1.35 times the authority's RO3 2024-25 spend on them "
        "(£11.2m), and for residential care (£23.1m) 1.06 times (£21.8m), more than 5% away."
    ) in both
    assert fin.ro3_cost_note(costs, fin.DEMO_RO3_AUTHORITY, tolerance=0.4) is None


def test_the_printable_summary_lists_the_checks_it_is_given(thirty):
    from sufficiency.exports import summary_html

    assert "Check before quoting" not in summary_html(thirty)
    page = summary_html(thirty, ("Fostering services <1.35> times RO3.",))
    assert "<h2>Check before quoting these figures</h2>" in page
    assert "<li>Fostering services &lt;1.35&gt; times RO3.</li>" in page
