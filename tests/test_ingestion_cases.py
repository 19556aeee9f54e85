"""The shared ingestion cases (real-world 903 shapes), each with its right value, through the CLI.

Inputs are copies of ``shared/cases/ingestion`` in ``tests/fixtures/903/cases`` (synthetic).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.data.ssda903 import UnusableInputError, read_903

CASES = Path(__file__).parent / "fixtures" / "903" / "cases"
VALUES_FROM_FILES = ("C3001", "C3002", "08/08/2014", "27/01/2012", "04/04/2022")


def children_on(tmp_path: Path, folder: Path, day: str, *options: str) -> float:
    out = tmp_path / "stocks.csv"
    assert main(["stocks", str(folder), "--freq", "month", "--out", str(out), *options]) == 0
    stocks = pd.read_csv(out)
    on_day = pd.to_datetime(stocks["date"]) == pd.Timestamp(day)
    assert on_day.any(), f"{day} is not in the stocks output"
    return float(stocks.loc[on_day, "children"].sum())


def test_stale_open_episode_is_closed_at_the_end_of_its_extract(tmp_path: Path) -> None:
    assert children_on(tmp_path, CASES / "stale_open_episode" / "input", "2023-03-31") == 2
    data = read_903(CASES / "stale_open_episode" / "input")
    stale = data.report[data.report["rule"] == "stale_open_episode"]
    assert len(stale) == 1 and stale["severity"].iloc[0] == "warning"
    assert "31/03/2022" in stale["message"].iloc[0]
    assert any("1 open episode" in note for note in data.notes)


def test_stale_episode_then_a_new_period_of_care(tmp_path: Path) -> None:
    folder = CASES / "stale_open_episode" / "input_b"
    for day, right in (("2023-03-31", 1), ("2023-06-30", 0), ("2023-12-31", 0), ("2024-01-31", 1)):
        assert children_on(tmp_path, folder, day) == right, day
    data = read_903(folder)
    assert "overlapping_episodes" not in set(data.report["rule"])
    assert data.episodes["dec"].iloc[0] == pd.Timestamp("2023-04-01")


@pytest.mark.parametrize("sub", ["input", "input_b"])
def test_no_heading_row_is_fatal_and_quotes_no_value(sub: str, capsys, tmp_path: Path) -> None:
    folder = CASES / "no_heading_row" / sub
    report = tmp_path / "report.csv"
    status = main(
        [
            "validate",
            str(folder / "header_2023.csv"),
            str(folder / "episodes_2023.csv"),
            "--report",
            str(report),
        ]
    )
    captured = capsys.readouterr()
    text = captured.out + captured.err + report.read_text()
    assert status == 1
    assert "first row looks like data" in text
    assert not [value for value in VALUES_FROM_FILES if value in text]


def test_month_first_file_is_read_month_first_with_a_note(tmp_path: Path) -> None:
    folder = CASES / "month_first_dates" / "input"
    assert children_on(tmp_path, folder, "2023-03-31") == 4
    data = read_903(folder)
    order = data.report[data.report["rule"] == "date_order"].set_index("file")["message"]
    assert "month-first" in order["episodes_2023.csv"]
    assert not (data.report["severity"] == "error").any()


def test_two_authorities_are_never_merged(tmp_path: Path) -> None:
    folder = CASES / "two_authorities_one_file" / "input"
    assert children_on(tmp_path, folder, "2023-03-31") == 4
    stocks = pd.read_csv(tmp_path / "stocks.csv")
    per_la = stocks[stocks["date"] == "2023-03-31"].groupby("la")["children"].sum()
    assert per_la.to_dict() == {"Northtown": 2, "Southvale": 2}
    assert children_on(tmp_path, folder, "2023-03-31", "--la", "Southvale") == 2
    assert children_on(tmp_path, folder, "2023-03-31", "--la", "all") == 4


@pytest.mark.parametrize("sub", ["input", "input_b"])
def test_workbook_with_title_rows_read_me_and_totals(sub: str, capsys, tmp_path: Path) -> None:
    path = CASES / "workbook_title_rows" / sub / "903_2024.xlsx"
    report = tmp_path / "report.csv"
    assert main(["validate", str(path), "--report", str(report)]) == 0
    rules = pd.read_csv(report).set_index("rule")
    assert "Read me" in rules.loc["sheet_ignored", "file"]
    assert rules.loc["totals_row_skipped", "severity"] == "info"
    assert "blank_rows_skipped" in rules.index
    if sub == "input":
        assert "headings are on row 3" in rules.loc["rows_above_headings_skipped", "message"]
    data = read_903(path)
    assert len(data.header) == 2 and len(data.episodes) == 2


def test_export_date_in_file_name_is_not_a_collection_year(tmp_path: Path) -> None:
    folder = CASES / "export_date_in_file_name" / "input"
    assert children_on(tmp_path, folder, "2023-09-30") == 2
    data = read_903(folder)
    assert len(data.episodes) == 3
    assert data.extract_date == pd.Timestamp("2023-10-05")
    assert "export date" in data.extract_date_source
    stocks = pd.read_csv(tmp_path / "stocks.csv")
    # Stocks stop at the coverage end: no month after the export is filled in.
    assert pd.to_datetime(stocks["date"]).max() == pd.Timestamp("2023-09-30")


def test_unusable_cases_carry_their_report() -> None:
    folder = CASES / "no_heading_row" / "input"
    with pytest.raises(UnusableInputError) as raised:
        read_903([folder / "header_2023.csv", folder / "episodes_2023.csv"])
    assert list(raised.value.report.query("severity == 'fatal'")["rule"]) == ["no_heading_row"]
