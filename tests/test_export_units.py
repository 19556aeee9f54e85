"""Units in download headers: names say them, callers give the rest, the check finds gaps."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from sufficiency.export_units import missing_units, money_unit, unit_of, with_units
from sufficiency.exports import (
    RESULT_UNITS,
    costs_table,
    export_frame,
    placements_table,
    workbook_bytes,
)
from sufficiency.scenario import Scenario, run
from tests.scenario_fixtures import fitted_models

PRICES = money_unit("2025-26")


@pytest.mark.parametrize(
    ("column", "unit"),
    [
        ("cost_mean", PRICES),
        ("total_cost_gbp", PRICES),
        ("saving_p10", PRICES),
        ("ifa_share_pct", "%"),
        ("leaving_rate", "share, 0-1"),
        ("median_days", "days"),
        ("months_in_projection", "months"),
        ("usable_places_mean", "places"),
        ("approvals_mainstream", "households"),
        ("enquiries_per_month", "enquiries a month"),
        ("still_open", "households"),
        ("mean", None),
        ("lower", None),
    ],
)
def test_units_from_column_names(column, unit):
    assert unit_of(column, PRICES) == unit


def test_headers_get_units_and_the_check_finds_those_without():
    frame = pd.DataFrame(
        {
            "financial_year": ["2025-26"],
            "cost_mean": [1234.567],
            "mean": [3.5],
            "households": [4],
            "label": ["x"],
            "flag": [True],
        }
    )
    assert missing_units(frame) == ["cost_mean", "mean", "households"]
    # pounds without a price year are still missing one
    assert missing_units(with_units(frame, units={"mean": "children"})) == ["cost_mean (£)"]
    out = export_frame(frame, money=PRICES, units={"mean": "children"})
    assert list(out.columns) == [
        "financial_year",
        "cost_mean (£, cash in each year's prices, price base 2025-26)",
        "mean (children)",
        "households (count)",
        "label",
        "flag",
    ]
    assert missing_units(out) == []
    assert out.iloc[0, 1] == 1235  # rounded to the pound, as before


def test_a_table_with_a_unit_column_points_to_it():
    frame = pd.DataFrame({"item": ["occupancy"], "value": [0.66], "unit": ["share"]})
    assert list(with_units(frame).columns) == ["item", "value (unit as in the unit column)", "unit"]


def test_every_sheet_of_the_scenario_workbook_has_units():
    scenario = Scenario(
        name="units",
        horizon_months=24,
        n_simulations=10,
        approvals_per_quarter={"mainstream": 4},
        ifa_share_target_pct=30,
        ifa_share_target_date="2026-03",
    )
    result = run(scenario, models=fitted_models(), random_state=1)
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(result)), read_only=True)
    checked = 0
    for sheet in book.worksheets:
        rows = list(sheet.values)
        if len(rows) < 4:
            continue  # title and header only
        header, body = rows[2], rows[3:]
        frame = pd.DataFrame(body, columns=header)
        for column in frame.columns:
            if frame[column].map(lambda v: type(v) in (int, float)).all():
                frame[column] = pd.to_numeric(frame[column])
        assert missing_units(frame) == [], sheet.title
        checked += 1
    assert checked >= 6
    assert RESULT_UNITS["mean"].startswith("children")
    costs = [c for c in book["Costs by financial year"].values][2]
    assert (
        f"cost_mean (£, cash in each year's prices, price base {scenario.price_base_year})" in costs
    )


def test_cash_wording_is_right_for_years_before_the_price_base():
    # the demo's forecast starts in 2024-25, before the default 2025-26 price base: its costs
    # are deflated, so "cash from 2025-26 prices" misdescribed them
    from sufficiency.export_units import cash_basis

    assert PRICES == "£, cash in each year's prices, price base 2025-26"
    assert "from" not in PRICES
    assert cash_basis("2025-26", 3.0) == (
        "cash: each year's own prices, from the 2025-26 price base at 3% a year inflation "
        "(deflated for years before 2025-26)"
    )


def test_the_budget_sheet_says_which_cost_is_which():
    # the recommended plan's workbook showed £214.98m and £214.53m side by side, unlabelled:
    # the whole budget (placements and investment) and the placements alone
    scenario = Scenario(
        name="budget", horizon_months=24, n_simulations=10, approvals_per_quarter={"mainstream": 4}
    )
    result = run(scenario, models=fitted_models(), random_state=1)
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(result)), read_only=True)
    rows = list(book["Budget and savings"].values)
    assert rows[1][0].startswith("Two costs of the scenario: cost_mean")
    header = dict(zip(rows[2], rows[3], strict=True))
    whole = f"cost_mean ({PRICES}; placements and investment, with the scenario)"
    placements = f"scenario_cost_mean ({PRICES}; placements only, with the scenario)"
    baseline = f"baseline_cost_mean ({PRICES}; placements only, baseline (no levers))"
    assert {whole, placements, baseline} <= set(header)
    first = result.budget_by_financial_year.iloc[0]
    saving = result.savings_by_financial_year.iloc[0]
    assert header[whole] == pytest.approx(first["cost_mean"], abs=1)
    assert header[placements] == pytest.approx(saving["scenario_cost_mean"], abs=1)
    # the two differ by the investment (recruitment here): the labels name a real difference
    assert header[whole] > header[placements]


def test_workbook_number_formats_round_the_display_not_the_values():
    # a user opened the workbook and read 2.007333572069858 children in General format: counts
    # show one decimal, pounds to the pound, percentages one decimal; the cells keep full values
    scenario = Scenario(
        name="formats",
        horizon_months=24,
        n_simulations=10,
        approvals_per_quarter={"mainstream": 4},
        ifa_share_target_pct=30,
        ifa_share_target_date="2026-03",
    )
    result = run(scenario, models=fitted_models(), random_state=1)
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(result)))

    def column(sheet: str, starts: str) -> list[openpyxl.cell.Cell]:
        ws = book[sheet]
        header = [c.value for c in ws[3]]
        index = next(i for i, h in enumerate(header) if str(h).startswith(starts))
        return [row[index] for row in ws.iter_rows(min_row=4)]

    placements = column("Placements by month", "mean (children")
    assert {c.number_format for c in placements} == {"#,##0.0"}
    table = placements_table(result)
    assert [c.value for c in placements] == pytest.approx(table["mean"].tolist(), rel=1e-12)
    approvals = column("Carers and recruitment", "approvals (households)")
    assert {c.number_format for c in approvals} == {"#,##0.0"}
    frac = [c.value for c in approvals if c.value != round(c.value)]
    assert frac, "the approvals column should hold unrounded averages"
    enquiries = column("Carers needed", "enquiries_needed (enquiries)")
    assert {c.number_format for c in enquiries} == {"#,##0.0"}
    share = column("Placements by month", "ifa_share_of_fostering_pct (%")
    assert {c.number_format for c in share} == {"0.0"}
    assert share[0].value == pytest.approx(table["ifa_share_of_fostering_pct"].iloc[0], rel=1e-12)
    cost = column("Costs by financial year", "cost_mean (£")
    assert {c.number_format for c in cost} == {"£#,##0"}
    assert cost[0].value == pytest.approx(costs_table(result)["cost_mean"].iloc[0], rel=1e-12)
    # months are whole: no decimals
    assert {c.number_format for c in column("Budget and savings", "months (count)")} == {"General"}


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("cost_mean (£, cash in each year's prices, price base 2025-26)", "£#,##0"),
        ("mean (children, average of the simulated futures)", "#,##0.0"),
        ("households (count)", "#,##0.0"),
        ("enquiries_needed (enquiries)", "#,##0.0"),
        ("ifa_share_of_fostering_pct (% of all foster placements)", "0.0"),
        ("months (count)", None),
        ("leaving_rate (share, 0-1)", None),
        ("source", None),
    ],
)
def test_number_format_of_headers(header, code):
    from sufficiency.exports import number_format_of

    assert number_format_of(header) == code
