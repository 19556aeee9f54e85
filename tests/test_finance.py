"""Finance: financial years, price conversion, costs per draw, savings and invest-to-save."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency import codes
from sufficiency import finance as fin
from sufficiency.errors import SufficiencyError


def test_financial_year_labels_run_april_to_march():
    dates = pd.Series(pd.to_datetime(["2025-03-31", "2025-04-01", "2026-03-31", "1999-12-31"]))
    assert list(fin.financial_year(dates)) == ["2024-25", "2025-26", "2025-26", "1999-00"]
    assert fin.financial_year_of(pd.Timestamp("2025-04-30")) == "2025-26"
    assert fin.financial_year_start("2025-26") == 2025
    with pytest.raises(SufficiencyError, match="2025-26"):
        fin.financial_year_start("2025/26")
    with pytest.raises(SufficiencyError):
        fin.financial_year_start("2025-27")


def test_price_factor_uses_cpi_then_the_inflation_rate():
    assert fin.price_factor(2017, 2024, 0.0) == pytest.approx(133.9 / 103.4)
    assert fin.price_factor(2024, 2026, 3.0) == pytest.approx(1.03**2)
    assert fin.price_factor(2020, 2020, 5.0) == 1.0
    with pytest.raises(SufficiencyError, match="before"):
        fin.price_factor(2001, 2024, 2.0)


def test_every_default_unit_cost_has_a_source_and_no_placeholder_values():
    assert set(fin.DEFAULT_UNIT_COSTS) == set(codes.PLACEMENT_CATEGORIES)
    for cost in fin.DEFAULT_UNIT_COSTS.values():
        assert cost.source.strip()
        assert cost.weekly_cost not in (100.0, 150.0, 250.0, 1000.0)
    # PSSRU Unit Costs 2017 quotes 2016-17 prices
    assert fin.DEFAULT_UNIT_COSTS[codes.IN_HOUSE_FOSTERING].price_year == 2016
    assert "2016-17 prices" in fin.DEFAULT_UNIT_COSTS[codes.IN_HOUSE_FOSTERING].source
    assert "PSSRU" in fin.DEFAULT_UNIT_COSTS[codes.IN_HOUSE_FOSTERING].source
    assert "CMA" in fin.DEFAULT_UNIT_COSTS[codes.IFA_FOSTERING].source
    assert "NAO" in fin.DEFAULT_UNIT_COSTS[codes.EXTERNAL_RESIDENTIAL].source
    assert fin.ASSUMPTION in fin.DEFAULT_UNIT_COSTS[codes.SECURE].source


def test_derived_own_provision_fostering_cost_is_the_stated_arithmetic():
    derived = fin.derive_own_provision_fostering_cost()
    weekly = 2_161_000_000 / (365.25 / 7)
    external = 54_820 * 22_530 / 56_390
    expected = (weekly - external * 820 * 133.9 / 111.6) / (54_820 - external)
    assert derived == pytest.approx(expected)
    assert 500 < derived < 700
    # below the RO3 blended figure (£756) because bought-in placements cost more
    assert derived < 756


def test_monthly_costs_hand_computed():
    placements = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-04-30", "2025-05-31"]),
            "placement_category": [codes.IFA_FOSTERING, codes.IFA_FOSTERING],
            "children": [2.0, 3.0],
        }
    )
    unit = {codes.IFA_FOSTERING: fin.UnitCost(codes.IFA_FOSTERING, 700.0, 2025, "test")}
    monthly = fin.monthly_costs(placements, unit, price_base_year=2025, annual_inflation_pct=12.0)
    april = monthly.loc[monthly["month"] == "2025-04-30", "cost"].item()
    may = monthly.loc[monthly["month"] == "2025-05-31", "cost"].item()
    assert april == pytest.approx(2 * 700 * 30 / 7)
    assert may == pytest.approx(3 * 700 * 31 / 7 * 1.12 ** (1 / 12))
    assert set(monthly["provider"]) == {fin.EXTERNAL}


def test_monthly_costs_rejects_unknown_categories():
    bad = pd.DataFrame({"month": ["2025-04-30"], "placement_category": ["hotel"], "children": [1]})
    with pytest.raises(SufficiencyError, match="hotel"):
        fin.monthly_costs(bad)


def _draws(values_by_draw: list[float], month: str = "2025-06-30") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime([month] * len(values_by_draw)),
            "draw": np.arange(len(values_by_draw)),
            "placement_category": codes.IFA_FOSTERING,
            "provider": fin.EXTERNAL,
            "cost": values_by_draw,
        }
    )


def test_costs_by_financial_year_quantiles_are_over_draw_totals():
    monthly = pd.concat(
        [
            _draws(list(np.arange(101.0))),
            _draws(list(np.arange(101.0)[::-1]), "2025-07-31"),
        ]
    )
    by_year = fin.costs_by_financial_year(monthly, by_category=False)
    row = by_year.iloc[0]
    # every draw totals 100: the interval of the total is a point, not the sum of two intervals
    assert row["financial_year"] == "2025-26"
    assert row["cost_mean"] == pytest.approx(100.0)
    assert row["cost_p10"] == pytest.approx(100.0)
    assert row["cost_p90"] == pytest.approx(100.0)
    assert row["months"] == 2


def test_savings_pair_draws():
    base = _draws([10.0, 20.0, 30.0])
    scen = _draws([8.0, 18.0, 28.0])
    savings = fin.savings_by_financial_year(base, scen)
    assert savings["saving_mean"].item() == pytest.approx(2.0)
    assert savings["saving_p10"].item() == pytest.approx(2.0)


def test_invest_to_save_payback_month():
    months = pd.date_range("2025-04-30", periods=6, freq="ME")
    base = pd.DataFrame(
        {"month": months, "draw": 0, "placement_category": codes.IFA_FOSTERING, "cost": 100.0}
    )
    scen = base.assign(cost=[100.0, 100.0, 60.0, 60.0, 60.0, 60.0])
    invest = pd.DataFrame({"month": months, "investment": [50.0, 30.0, 0, 0, 0, 0]})
    result = fin.invest_to_save(base, scen, invest)
    # cumulative net: -50, -80, -40, 0, 40, 80 -> pays back in the fourth month
    assert list(result.monthly["cumulative_net"]) == pytest.approx([-50, -80, -40, 0, 40, 80])
    assert result.payback_month == months[3]
    assert result.payback_months == 4
    assert result.total_investment == pytest.approx(80.0)
    assert result.net_position == pytest.approx(80.0)
    never = fin.invest_to_save(base, base, invest)
    assert never.payback_month is None


def test_saving_per_household_is_positive_with_default_costs():
    result = fin.saving_per_household()
    assert result["gross_saving"] > 0
    assert result["net_saving"] == pytest.approx(
        result["gross_saving"]
        - result["allowances"]
        - result["fee"]
        - result["supervision"]
        - result["recruitment_assessment"]
    )
    assert 0 < result["payback_months"] < 60


def test_unit_cost_table_lists_sources():
    table = fin.unit_cost_table(price_base_year=2025, annual_inflation_pct=2.0)
    assert len(table) == len(codes.PLACEMENT_CATEGORIES)
    assert table["source"].str.len().min() > 5
    ih = table.set_index("placement_category").loc[codes.IN_HOUSE_FOSTERING]
    assert ih["weekly_cost_2025_prices"] == pytest.approx(646 * 133.9 / 100.7 * 1.02)


def test_array_fast_path_matches_the_frame_functions():
    rng = np.random.default_rng(5)
    months = pd.date_range("2025-01-31", periods=15, freq="ME")
    children = rng.poisson(6, size=(25, len(months), len(codes.PLACEMENT_CATEGORIES))).astype(float)
    costs = fin.cost_paths(children, months, price_base_year=2025, annual_inflation_pct=4.0)
    frame = pd.DataFrame(
        {
            "month": np.tile(np.repeat(months.to_numpy(), len(codes.PLACEMENT_CATEGORIES)), 25),
            "draw": np.repeat(np.arange(25), len(months) * len(codes.PLACEMENT_CATEGORIES)),
            "placement_category": np.tile(
                np.array(codes.PLACEMENT_CATEGORIES, dtype=object), 25 * len(months)
            ),
            "children": children.reshape(-1),
        }
    )
    monthly = fin.monthly_costs(frame, price_base_year=2025, annual_inflation_pct=4.0)
    assert monthly["cost"].sum() == pytest.approx(costs.sum())
    slow = fin.costs_by_financial_year(monthly)
    fast = fin.financial_year_summary(costs, months, codes.PLACEMENT_CATEGORIES)
    merged = slow.merge(fast, on=["financial_year", "placement_category", "provider"])
    assert len(merged) == len(slow) == len(fast)
    for column in ("cost_mean", "cost_p10", "cost_p90"):
        assert np.allclose(merged[f"{column}_x"], merged[f"{column}_y"])
    assert set(fast["financial_year"]) == {"2024-25", "2025-26"}
    totals = fin.financial_year_summary(costs, months, codes.PLACEMENT_CATEGORIES, by_label=False)
    assert totals["cost_mean"].sum() == pytest.approx(costs.sum() / 25)


def test_in_house_cost_breakdown_adds_up_to_the_all_in_cost():
    table = fin.in_house_cost_breakdown(children_per_household=1.0, price_year=2024)
    parts = table["weekly_cost"].iloc[:-1].sum()
    assert parts == pytest.approx(table["weekly_cost"].iloc[-1])
    assert table["weekly_cost"].iloc[-1] == pytest.approx(646 * 133.9 / 100.7)
    costs = fin.CarerCosts()
    # with one child per household the fee and supervision are not shared
    assert table["weekly_cost"].iloc[1] == pytest.approx(costs.fee_per_household_per_week)
    assert table["weekly_cost"].iloc[2] == pytest.approx(
        costs.supervising_social_worker_per_household_per_year / fin.WEEKS_PER_YEAR
    )
    assert table["source"].str.len().min() > 5
