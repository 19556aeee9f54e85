"""The published-table loader, checked against the raw files it reads."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.data import dfe
from sufficiency.errors import InputDataError
from sufficiency.paths import published_dir

KENT = "E10000016"
KEY = ["la_code", "year", "measure", "breakdown"]


@pytest.fixture(scope="module")
def tables() -> pd.DataFrame:
    return dfe.load_published_tables()


def _value(tables: pd.DataFrame, la_code: str, year: int, measure: str, breakdown="total"):
    rows = tables.loc[
        (tables["la_code"] == la_code)
        & (tables["year"] == year)
        & (tables["measure"] == measure)
        & (tables["breakdown"] == breakdown)
    ]
    assert len(rows) == 1, (la_code, year, measure, breakdown)
    return rows.iloc[0]


def _raw_rows(relative: str) -> list[dict[str, str]]:
    with open(published_dir() / relative, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_schema_and_no_duplicate_keys(tables):
    assert list(tables.columns) == list(dfe.COLUMNS)
    assert not tables.duplicated(KEY).any()
    assert tables["value"].dtype == float
    assert set(tables["measure"]) <= set(dfe.MEASURES)
    assert tables.loc[tables["measure"] == dfe.CLA_31_MARCH, "year"].agg(
        ["min", "max"]
    ).tolist() == [
        2010,
        2024,
    ]
    # Every missing value carries a code and every code goes with a missing value.
    assert (tables["value"].isna() == (tables["suppression"] != "")).all()
    assert set(tables["suppression"]) - {""} <= set(dfe.SUPPRESSION_CODES)


@pytest.mark.parametrize(
    ("year", "measure", "expected", "source_part"),
    [
        (2010, dfe.CLA_31_MARCH, 1454, "2010/SFR27_2010_March.csv"),  # 2010 layout
        (2012, dfe.CLA_31_MARCH, 1798, "2012/SFR20_CLA2012.csv"),  # SFR 2011-2017 layout
        (2017, dfe.CLA_31_MARCH, 1901, "2019/CLA2019.csv"),  # 2019 five-year columns
        (2020, dfe.CLA_31_MARCH, 1806, "la_2022_release"),  # EES 2022 release
        (2024, dfe.CLA_31_MARCH, 1956, "la_2021_2024"),  # EES 2025 release
        (2024, dfe.STARTED, 2741, "la_2021_2024"),
        (2023, dfe.CEASED, 1635, "la_2021_2024"),
        (2024, dfe.POPULATION, 350198, "ons_population"),
    ],
)
def test_kent_totals_match_the_raw_files(tables, year, measure, expected, source_part):
    row = _value(tables, KENT, year, measure)
    assert row["value"] == pytest.approx(expected)
    assert source_part in row["source"]
    assert row["suppression"] == ""


def test_2010_placements_use_the_true_column_order(tables):
    # Kent's 2010 March row holds Q1 = 72 and Q2 = 1072 in the alphabetical-order positions.
    assert _value(tables, KENT, 2010, dfe.CLA_31_MARCH, "placement: foster")["value"] == 1144
    assert (
        _value(tables, KENT, 2010, dfe.CLA_31_MARCH, "placement: placed with parents")["value"]
        == 48
    )
    # A3 and A4 are suppressed ('x'), so the adoption sum is unknown, not a partial sum.
    adoption = _value(tables, KENT, 2010, dfe.CLA_31_MARCH, "placement: placed for adoption")
    assert np.isnan(adoption["value"]) and adoption["suppression"] == "x"
    foster = tables.loc[
        (tables["measure"] == dfe.CLA_31_MARCH) & (tables["breakdown"] == "placement: foster")
    ].pivot(index="la_code", columns="year", values="value")
    ratio = (foster[2010] / foster[2011]).dropna()
    assert len(ratio) > 140
    assert 0.9 < ratio.median() < 1.1


def test_ees_characteristics_match_raw_rows(tables):
    relative = (
        "dfe_cla/la_2021_2024/la_cla_on_31_march_by_characteristics"
        "__from_dashboard_rds_2021_2024.csv"
    )
    raw = _raw_rows(relative)
    wanted = {
        ("Age group", "10 to 15 years"): "age: 10-15",
        ("Placement", "Foster placements"): "placement: foster",
        ("Place providers", "Private provision"): "provider: private",
    }
    checked = 0
    for row in raw:
        breakdown = wanted.get((row["cla_group"], row["characteristic"]))
        if row["new_la_code"] == KENT and breakdown and row["time_period"] == "2024":
            loaded = _value(tables, KENT, 2024, dfe.CLA_31_MARCH, breakdown)
            assert loaded["value"] == float(row["number"])
            checked += 1
    assert checked == 3


def test_suppressed_cells_stay_missing_with_their_code(tables):
    raw = _raw_rows("dfe_cla/la_2024_release/la_children_who_ceased_during_the_year.csv")
    suppressed = [
        row for row in raw if row["number"] == "c" and row["characteristic"] == "Under 1 year"
    ]
    assert suppressed
    row = suppressed[0]
    loaded = _value(tables, row["new_la_code"], int(row["time_period"]), dfe.CEASED, "age: under 1")
    assert np.isnan(loaded["value"])
    assert loaded["suppression"] == "c"
    # Nothing suppressed was turned into a zero.
    assert not ((tables["value"] == 0) & (tables["suppression"] != "")).any()


def test_parse_values_handles_every_code_and_rejects_garbage():
    cells = pd.Series(["12", "1,234", " c ", "x", "z", "k", ".", "-", "..", "low", "u", ""])
    parsed = dfe.parse_values(cells, file="f.csv", column="number")
    assert parsed["value"].iloc[0] == 12 and parsed["value"].iloc[1] == 1234
    assert parsed["value"].iloc[2:].isna().all()
    assert parsed["suppression"].tolist()[2:] == [
        "c",
        "x",
        "z",
        "k",
        ".",
        "-",
        "..",
        "low",
        "u",
        "x",
    ]
    with pytest.raises(InputDataError, match=r"f\.csv: data row 2, column 'number'.*'n/a'"):
        dfe.parse_values(pd.Series(["3", "n/a"]), file="f.csv", column="number")


def test_newest_release_wins_where_releases_overlap(tables):
    # Hartlepool 31 March 2022: 308 in the 2022 release, revised to 302 in the 2025 release.
    row = _value(tables, "E06000001", 2022, dfe.CLA_31_MARCH)
    assert row["value"] == 302
    assert "la_2021_2024" in row["source"]


def test_boundary_changes_keep_separate_series(tables):
    totals = tables.loc[(tables["measure"] == dfe.CLA_31_MARCH) & (tables["breakdown"] == "total")]
    present = totals.dropna(subset=["value"]).groupby("la_code")["year"].agg(["min", "max"])
    assert present.loc["E06000058"].tolist() == [2020, 2024]  # BCP
    assert present.loc["E06000028", "max"] == 2019  # Bournemouth
    assert present.loc["E10000009", "max"] == 2019  # old Dorset
    assert present.loc["E10000021", "max"] == 2021  # Northamptonshire
    assert present.loc["E06000061", "min"] == 2022  # North Northamptonshire
    assert present.loc["E10000006", "max"] == 2023  # Cumbria
    assert present.loc["E06000063", "min"] == 2024  # Cumberland
    assert _value(tables, "E06000028", 2020, dfe.CLA_31_MARCH)["suppression"] == "z"
    # Gateshead's ONS recode (E08000020 -> E08000037) is one series, not two.
    assert "E08000020" not in set(tables["la_code"])
    assert present.loc["E08000037"].tolist() == [2010, 2024]
    continuous = dfe.continuous_la_codes(tables)
    assert 140 <= len(continuous) <= 150
    assert not set(continuous) & set(dfe.BOUNDARY_CHANGES["la_code"])


def test_annual_series_long_frame(tables):
    series = dfe.annual_series(continuous_only=True, frame=tables)
    assert list(series.columns) == ["unique_id", "ds", "y"]
    assert series["y"].notna().all()
    assert (series["ds"].dt.month == 3).all() and (series["ds"].dt.day == 31).all()
    counts = series.groupby("unique_id").size()
    assert (counts == 15).all()
    assert (
        series.loc[(series["unique_id"] == KENT) & (series["ds"] == "2024-03-31"), "y"].item()
        == 1956
    )
    restricted = dfe.continuous_series_only(dfe.annual_series(frame=tables))
    assert set(restricted["unique_id"]) == set(series["unique_id"])
    ages = dfe.annual_series(dfe.STARTED, "age: 10-15", first_year=2018, frame=tables)
    assert ages["ds"].dt.year.min() == 2018
    with pytest.raises(InputDataError, match="unknown measure"):
        dfe.annual_series("children_in_need", frame=tables)
    with pytest.raises(InputDataError, match="Breakdowns available"):
        dfe.annual_series(dfe.CEASED, "placement: foster", frame=tables)


def test_encodings_bom_and_cp1252(tmp_path: Path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufefftime_period,la_name\n2024,Kent\n".encode())
    assert list(dfe.read_published_csv(bom).columns) == ["time_period", "la_name"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("geog_n,value\nSt Helens \u2013 Merseyside,5\n".encode("cp1252"))
    assert dfe.read_published_csv(latin)["geog_n"].iloc[0] == "St Helens \u2013 Merseyside"


def test_missing_folder_and_bad_cell_give_clear_errors(tmp_path: Path):
    with pytest.raises(InputDataError, match="missing or incomplete"):
        dfe.load_published_tables(tmp_path / "nowhere")
    copy = tmp_path / "published"
    shutil.copytree(published_dir(), copy)
    target = copy / "dfe_cla/la_underlying_2010_2019/2012/SFR20_CLA2012.csv"
    text = target.read_text()
    target.write_text(text.replace("Kent,1798,", "Kent,lots,", 1))
    with pytest.raises(
        InputDataError, match=r"SFR20_CLA2012\.csv: data row 138, column 'CLA_Mar2012'"
    ):
        dfe.load_published_tables(copy)
