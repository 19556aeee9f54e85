"""National forecasts from the published tables: panel, methods, ranges, reconciliation, notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.data.dfe import ENGLAND_CODE, REGIONS, authorities, load_published_tables
from sufficiency.errors import InputDataError
from sufficiency.national.forecast import OUTPUT_COLUMNS, family_shares, national_forecast
from sufficiency.national.intervals import calibrate, ranges
from sufficiency.national.methods import (
    METHODS,
    Naive,
    PooledRegression,
    PooledTrend,
    StockFlow,
    make_method,
)
from sufficiency.national.panel import BREAKDOWNS, CEASED, CLA, STARTS, TOTAL, Panel, build_panel

KENT = "E10000016"
CUMBRIA = "E10000006"
CUMBERLAND = "E06000063"
SCILLY = "E06000053"


@pytest.fixture(scope="module")
def panel() -> Panel:
    return build_panel()


@pytest.fixture(scope="module")
def forecast_2024(panel):
    return national_forecast(panel, 2024, 3)


def synthetic_panel(
    n: int = 40, years=range(2010, 2022), growth: float = 0.05, seed: int = 0
) -> Panel:
    """Authorities in four regions whose stock grows ``growth`` a year, with consistent flows."""
    rng = np.random.default_rng(seed)
    years = np.array(list(years))
    who = pd.DataFrame(
        {
            "la_code": [f"E0600{i:04d}" for i in range(n)],
            "la_name": [f"Authority {i}" for i in range(n)],
            "region_code": [sorted(REGIONS)[i % 4] for i in range(n)],
            "region_name": [REGIONS[sorted(REGIONS)[i % 4]] for i in range(n)],
            "la_type": "unitary authority",
        }
    )
    base = rng.uniform(100, 1500, n)
    stock = base[:, None] * (1 + growth) ** np.arange(len(years))[None, :]
    exit_share = 0.3
    # stock(t) = (1 - q) * (stock(t-1) + starts(t)) => starts(t) = stock(t) / (1 - q) - stock(t-1)
    starts = np.empty_like(stock)
    starts[:, 1:] = stock[:, 1:] / (1 - exit_share) - stock[:, :-1]
    starts[:, 0] = starts[:, 1] / (1 + growth)
    ceased = np.empty_like(stock)
    ceased[:, 1:] = exit_share * (stock[:, :-1] + starts[:, 1:])
    ceased[:, 0] = ceased[:, 1] / (1 + growth)
    values, codes = {}, {}
    for measure, array in ((CLA, stock), (STARTS, starts), (CEASED, ceased)):
        values[(measure, TOTAL)] = array
        for groups in BREAKDOWNS[measure].values():
            for k, group in enumerate(groups):
                values[(measure, group)] = array * (k + 1) / sum(range(1, len(groups) + 1))
    for key, array in values.items():
        codes[key] = np.full(array.shape, "", dtype=object).astype(str)
    population = np.full(stock.shape, 50_000.0)
    return Panel(who, years, values, codes, population)


def test_panel_matches_the_tidy_tables(panel):
    tables = load_published_tables()
    row = tables.loc[
        (tables["la_code"] == KENT)
        & (tables["year"] == 2024)
        & (tables["measure"] == "children_looked_after_31_march")
        & (tables["breakdown"] == "total")
    ]
    assert panel.get(CLA)[panel.index_of(KENT), panel.column(2024)] == row["value"].iloc[0]
    assert panel.years[0] == 2010 and panel.last_year == 2024
    assert panel.n == len(authorities()) == 158
    # Cumbria ends in 2023, Cumberland starts in 2024: separate series, never spliced.
    assert np.isnan(panel.get(CLA)[panel.index_of(CUMBRIA), panel.column(2024)])
    assert np.isnan(panel.get(CLA)[panel.index_of(CUMBERLAND), panel.column(2023)])
    assert panel.codes[(CLA, TOTAL)][panel.index_of(CUMBRIA), panel.column(2024)] == "z"


def test_regions_cover_every_authority():
    who = authorities()
    assert set(who["region_code"]) == set(REGIONS)
    assert (who["region_name"] == "London").sum() == 33
    assert who.loc[who["la_code"] == KENT, "region_name"].item() == "South East"


def test_until_hides_later_years(panel):
    at = panel.until(2016)
    assert at.last_year == 2016
    assert at.get(CLA).shape == (panel.n, 7)
    with pytest.raises(InputDataError, match="2030"):
        panel.column(2030)


def test_pooled_trend_learns_a_shared_growth():
    synthetic = synthetic_panel(growth=0.05)
    model = PooledTrend().fit(synthetic, CLA)
    ahead = model.predict(3)
    last = synthetic.get(CLA)[:, -1]
    expected = last[:, None] * 1.05 ** np.arange(1, 4)[None, :]
    assert model.params_.damping == pytest.approx(1.0)
    np.testing.assert_allclose(ahead, expected, rtol=0.01)
    np.testing.assert_allclose(Naive().fit(synthetic, CLA).predict(2)[:, 1], last)


def test_stockflow_reproduces_consistent_flows():
    synthetic = synthetic_panel(growth=0.03)
    model = StockFlow().fit(synthetic, CLA)
    last = synthetic.get(CLA)[:, -1]
    np.testing.assert_allclose(model.predict(2)[:, 0], last * 1.03, rtol=0.02)
    assert model.params_.exits.weight >= 0


def test_every_method_forecasts_every_authority_with_history(panel):
    at = panel.until(2015)
    level = at.get(CLA)[:, -1]
    for name in METHODS:
        if name in ("drift", "ses", "damped_holt", "combination"):
            continue  # single-series methods: covered by tests/test_series_models.py
        ahead = make_method(name).fit(at, CLA).predict(2)
        has = ~np.isnan(level)
        assert np.isfinite(ahead[has]).all(), name
        assert (ahead[has] >= 0).all(), name
    with pytest.raises(InputDataError, match="unknown method"):
        make_method("tea_leaves")


def test_pooled_regression_describes_its_features(panel):
    model = PooledRegression().fit(panel.until(2019), CLA)
    text = model.describe()
    assert "rate" in text and "older_share" in text and "pooled trend" in text


def test_conformal_ranges_hold_their_share_on_fresh_draws():
    rng = np.random.default_rng(1)
    size = rng.uniform(50, 2000, 4000)
    spread = np.sqrt(0.002 + 2.0 / size)
    actual = size * np.exp(rng.normal(0, spread))
    calibration = calibrate(size, actual, size, np.ones_like(size), 1)
    fresh_size = rng.uniform(50, 2000, 4000)
    fresh = fresh_size * np.exp(rng.normal(0, np.sqrt(0.002 + 2.0 / fresh_size)))
    bands = ranges(fresh_size[:, None], fresh_size, calibration)
    inside80 = (fresh >= bands["lower80"][:, 0]) & (fresh <= bands["upper80"][:, 0])
    inside95 = (fresh >= bands["lower95"][:, 0]) & (fresh <= bands["upper95"][:, 0])
    assert 0.77 < inside80.mean() < 0.83
    assert 0.93 < inside95.mean() < 0.97
    # Small authorities get proportionally wider ranges than large ones.
    widths = (bands["upper80"] - bands["lower80"])[:, 0] / fresh_size
    assert widths[fresh_size < 200].mean() > widths[fresh_size > 1500].mean()
    assert calibrate(np.ones(3), np.ones(3), np.ones(3), np.ones(3), 1) is None


def test_suppressed_breakdown_groups_take_the_remainder_of_the_total(panel):
    col = panel.column(2024)
    shares, used, estimated = family_shares(panel, CLA, "placement", col)
    row = int(np.flatnonzero(estimated & (used == 2024))[0])
    groups = BREAKDOWNS[CLA]["placement"]
    parts = np.array([panel.get(CLA, g)[row, col] for g in groups])
    total = panel.get(CLA)[row, col]
    assert np.isnan(parts).any()
    assert shares[row].sum() == pytest.approx(1.0)
    missing_share = shares[row][np.isnan(parts)].sum()
    assert missing_share == pytest.approx((total - np.nansum(parts)) / total, abs=1e-9)
    # No LA breakdowns were published for 2020: shares come from 2019.
    _, used_2020, _ = family_shares(panel, CLA, "age band", panel.column(2020))
    assert set(used_2020[used_2020 > 0]) == {2019}


def test_output_columns_and_years(forecast_2024):
    table = forecast_2024.table
    assert list(table.columns) == list(OUTPUT_COLUMNS)
    assert sorted(table["time_period"].unique()) == [2025, 2026, 2027]
    assert set(table["measure"]) == {"cla_31_march", "starts", "ceased"}
    expected = {TOTAL} | {g for m in BREAKDOWNS.values() for f in m.values() for g in f}
    assert set(table["breakdown"]) == expected
    assert not table.duplicated(["new_la_code", "time_period", "measure", "breakdown"]).any()


def test_authorities_add_up_to_regions_and_england(forecast_2024, panel):
    table = forecast_2024.table
    region_of = panel.authorities.set_index("la_code")["region_code"]
    las = table.loc[table["new_la_code"].isin(region_of.index) & table["point"].notna()]
    summed = (
        las.assign(region=las["new_la_code"].map(region_of))
        .groupby(["region", "time_period", "measure", "breakdown"])["point"]
        .sum()
    )
    regions = table.loc[table["new_la_code"].isin(REGIONS)].set_index(
        ["new_la_code", "time_period", "measure", "breakdown"]
    )["point"]
    regions.index = regions.index.set_names(summed.index.names)
    pd.testing.assert_series_equal(
        summed.sort_index(), regions.sort_index(), check_names=False, atol=0.01
    )
    england = table.loc[table["new_la_code"] == ENGLAND_CODE].set_index(
        ["time_period", "measure", "breakdown"]
    )["point"]
    by_region = regions.groupby(level=[1, 2, 3]).sum()
    pd.testing.assert_series_equal(
        by_region.sort_index(), england.sort_index(), check_names=False, atol=0.05
    )


def test_breakdowns_add_up_to_totals_and_ranges_are_ordered(forecast_2024):
    table = forecast_2024.table.dropna(subset=["point"])
    keyed = table.set_index(["new_la_code", "time_period", "measure"])
    totals = keyed.loc[keyed["breakdown"] == TOTAL, "point"]
    for measure, families in BREAKDOWNS.items():
        for groups in families.values():
            is_measure = keyed.index.get_level_values("measure") == measure
            parts = keyed.loc[is_measure & keyed["breakdown"].isin(groups)]
            summed = parts.groupby(level=[0, 1, 2])["point"].sum()
            gap = (summed - totals.reindex(summed.index)).abs()
            assert gap.max() < 0.05 * len(groups), (measure, groups)
    numbers = table[["lower95", "lower80", "point", "upper80", "upper95"]]
    assert (numbers >= 0).all().all()
    assert (numbers.diff(axis=1).iloc[:, 1:] >= -1e-9).all().all()


def test_nothing_is_dropped_silently(forecast_2024, panel):
    table = forecast_2024.table
    assert set(panel.authorities["la_code"]) <= set(table["new_la_code"])
    cumbria = table.loc[table["new_la_code"] == CUMBRIA]
    assert cumbria["point"].isna().all()
    assert cumbria["note"].str.contains("not forecast").all()
    assert cumbria["note"].str.contains("no longer exists").all()
    scilly = table.loc[table["new_la_code"] == SCILLY]
    assert scilly["point"].isna().all() and scilly["note"].str.contains("not forecast").all()
    cumberland = table.loc[table["new_la_code"] == CUMBERLAND]
    assert cumberland["point"].notna().all()
    assert cumberland["note"].str.contains("boundary change").all()
    assert cumberland["note"].str.contains("1 year").all()
    assert set(forecast_2024.not_forecast["la_code"]) >= {CUMBRIA, SCILLY}
    england = table.loc[table["new_la_code"] == ENGLAND_CODE, "note"]
    assert england.str.contains("Cumbria").all()


def test_notes_name_gaps_and_missing_breakdown_years(panel):
    result = national_forecast(panel, 2020, 1)
    table = result.table
    age = table.loc[
        (table["new_la_code"] == KENT)
        & (table["measure"] == CLA)
        & (table["breakdown"] == "age: 1-4")
    ]
    assert age["note"].str.contains("shares from 2019").all()
    assert age["note"].str.contains("no LA breakdowns").all()
    london = table.loc[table["new_la_code"] == "E09000001"]  # City of London: suppressed years
    assert london["note"].str.contains("no figure for").any()


def test_bad_origins_and_horizons_are_plain_errors(panel):
    with pytest.raises(InputDataError, match="2010-2024"):
        national_forecast(panel, 2030, 3)
    with pytest.raises(InputDataError, match="1 to 10"):
        national_forecast(panel, 2024, 0)
    with pytest.raises(InputDataError, match="unknown method"):
        national_forecast(panel, 2024, 1, methods={CLA: "crystal_ball"})
