"""AppTest: the Finance page on the synthetic demo authority."""

from __future__ import annotations

import math
from pathlib import Path

from streamlit.testing.v1 import AppTest

from sufficiency import codes

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "finance.py")


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_finance_page_costs_sources_parts_fan_chart_cross_check_and_downloads():
    app = AppTest.from_file(PAGE, default_timeout=240)
    app.run()
    assert not app.exception, app.exception
    assert any("synthetic" in element.value.lower() for element in app.info)
    assert any("Scenario:" in element.value for element in app.caption)

    costs = app.dataframe[0].value  # the unit cost editor
    assert "£ per child per week" in costs.columns
    sources = " ".join(costs["source"])
    assert "PSSRU" in sources and "2016-17 prices" in sources
    assert "NAO" in sources and "assumption" in sources
    assert len(costs) == len(codes.PLACEMENT_CATEGORIES)

    # the in-house cost in its parts, adding up to the all-in cost
    parts = next(f.value for f in app.dataframe if "grows_with" in f.value.columns)
    assert math.isclose(parts["weekly_cost"].iloc[:-1].sum(), parts["weekly_cost"].iloc[-1])

    # the budget fan chart; on the baseline the invest-to-save chart gives way to a pointer
    assert len(app.get("vega_lite_chart")) == 1
    assert any("Scenario explorer" in element.value for element in app.info)
    budget = next(f.value for f in app.dataframe if "cost_p90" in f.value.columns)
    assert (budget["cost_p10"] <= budget["cost_p90"]).all()
    assert budget["financial_year"].str.match(r"^\d{4}-\d{2}$").all()
    labels = [button.label for button in app.get("download_button")]
    assert "Download the finance workbook (Excel)" in labels
    assert "Download costs by financial year (CSV)" in labels
    assert "£" in metric(app, "Net present value (£)")

    # every source readable in full (the tables cut long text)
    sources = [e for e in app.expander if e.label == "Sources in full"]
    assert len(sources) == 2 and "PSSRU" in " ".join(m.value for m in sources[0].markdown)

    # the cross-check against Middlesbrough's RO3 spend, the demo's real counterpart
    check = next(f.value for f in app.dataframe if "ro3_gbp" in f.value.columns)
    assert list(check["line"])[0] == "fostering services"
    assert (check["ro3_gbp"] > 0).all()
    assert app.selectbox(key="fx_ro3_authority").value == "E06000002"
    fostering = check.set_index("line").loc["fostering services", "model_over_ro3"]
    flagged = any("fostering services is" in w.value for w in app.warning)
    assert flagged == (abs(fostering - 1) > 0.25)  # a ratio far from 1 is said, not left to spot

    # higher inflation means a larger budget in later years
    before = budget["cost_mean"].iloc[-1]
    next(s for s in app.slider if s.label.startswith("Annual inflation")).set_value(8.0).run()
    assert not app.exception
    after = next(f.value for f in app.dataframe if "cost_p90" in f.value.columns)
    assert after["cost_mean"].iloc[-1] > before * 1.05


def test_one_households_saving_is_reconciled_with_the_plans_in_words():
    """£141,000 for one household over five years and £2.0m for the plan's 34 households both
    hold: the plan's households are in post for fewer household-years within the forecast."""
    from sufficiency import finance as fin
    from sufficiency.scenario import Scenario, fit_models, run

    scenario = Scenario(ifa_share_target_pct=30.0, ifa_share_target_date="2028-03")
    app = AppTest.from_file(PAGE, default_timeout=240)
    app.session_state["scenario"] = scenario
    app.run()
    assert not app.exception, app.exception
    result = run(scenario, models=fit_models(), random_state=0)
    households = int(round(result.plan.approvals.sum()))
    in_post = fin.household_years_in_post(result.plan.schedule.in_post)
    saving = result.summary["total_saving_vs_baseline_gbp"]
    text = " ".join(m.value for m in app.markdown)
    assert f"Against the plan's {fin.money_text(saving)} saving for {households} households" in text
    assert f"about {in_post:.0f} household-years, not {households} × 5 = {households * 5}" in text
    assert f"about {fin.money_text(saving / in_post)} per household-year" in text
    assert in_post < households * 5  # the reason the plan saves less per household
    # estimates are rounded as far as they are known; the money is whole thousands here
    one = next(line for line in text.split("**") if "over five years" in line)
    assert one.startswith("£") and one.split()[0].endswith(",000"), one
    assert metric(app, "Saving (£, cash)") == fin.money_text(saving)
    # the marketing line says what it buys: the plan's extra enquiries, counted once, the same
    # purchase as the Recommended plan's channel table (about £103,000 cash for 782 enquiries
    # on the demo, no longer £160,000 when each quarter's approvals were bought as if they came
    # every month)
    costs = result.costs_by_financial_year
    marketing = costs.loc[costs["placement_category"] == "marketing", "cost_mean"].sum()
    enquiries = result.plan.enquiries.sum()
    captions = " ".join(c.value for c in app.caption)
    assert (
        f"Marketing: {fin.money_text(marketing)} in cash over the horizon for about "
        f"{enquiries:,.0f} extra enquiries" in captions
    )
    assert "the enquiries and spend in the Recommended plan's channel table" in captions
    assert "enquiries a quarter received now are not priced" in captions
    assert 100_000 < marketing < 110_000 and 770 < enquiries < 790
    # the saving's 10th and 90th percentiles are equal in every year on the demo (the extra
    # places are full in every future); in 2028-29 the mean (£791,000) is below them (£794,000)
    assert "Saving, 2024-25, 2025-26, 2026-27, 2027-28, 2028-29: the 10th and 90th" in captions
    assert "In 2028-29 a few futures with fewer children" in captions


def test_sources_fit_their_cells_and_the_budget_is_rounded_to_thousands():
    """A table cell shows a source's name, never cut mid-word; the full text is below it."""
    from app_pages.finance import SOURCE_CHARS, short_source

    long = "PSSRU Unit Costs of Health and Social Care 2017: £646 per child per week, all-in"
    assert short_source(long, limit=60) == "PSSRU Unit Costs of Health and Social Care 2017"
    assert short_source(long) == "PSSRU Unit Costs of Health…"
    cut = short_source("word " * 30)
    assert cut.endswith("…") and len(cut) <= SOURCE_CHARS + 1 and "wor…" not in cut
    app = AppTest.from_file(PAGE, default_timeout=240)
    app.run()
    assert not app.exception, app.exception
    costs = app.dataframe[0].value
    assert (costs["source_short"].str.len() <= SOURCE_CHARS + 1).all()
    assert (costs["source"].str.len() > SOURCE_CHARS + 1).any()  # the short column is needed
    full = " ".join(
        m.value for e in app.expander if e.label == "Sources in full" for m in e.markdown
    )
    assert "2016\\-17 prices" in full or "2016-17 prices" in full
    budget = next(f.value for f in app.dataframe if "cost_p90" in f.value.columns)
    assert (budget["cost_mean"] % 1000 == 0).all()


def test_the_equal_percentiles_note_is_for_years_with_a_saving_only():
    # on the baseline every saving is £0 (10th = 90th percentile): the page said "the plan's
    # extra in-house places are full" with no plan on screen
    import pandas as pd

    from app_pages.finance import equal_saving_range_note

    years = ["2024-25", "2025-26", "2026-27"]
    table = pd.DataFrame(
        {
            "financial_year": years,
            "saving_mean": [0.0, 201_000.0, 791_000.0],
            "saving_p10": [0.0, 201_000.0, 794_000.0],
            "saving_p90": [0.0, 201_000.0, 794_000.0],
        }
    )
    note = equal_saving_range_note(table)
    assert note.startswith("Saving, 2025-26, 2026-27: the 10th and 90th percentiles are equal")
    assert "In 2026-27 a few futures" in note
    nothing = table.assign(saving_mean=0.0, saving_p10=0.0, saving_p90=0.0)
    assert equal_saving_range_note(nothing) == ""
    app = AppTest.from_file(PAGE, default_timeout=240)
    app.run()  # the default scenario is the baseline: no saving, no note
    assert not app.exception, app.exception
    assert not any("percentiles are equal" in c.value for c in app.caption)
