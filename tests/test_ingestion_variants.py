"""Other inputs of the kinds the shared ingestion cases stand for, each with its right value.

Synthetic inputs (invented identifiers and dates) in ``tests/fixtures/903/variants`` (README there
says which the reader got wrong before). Counts are children looked after at month ends, through
the command line as a user runs it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.codes import EXIT_NOT_RECORDED, EXIT_REASON_GROUPS, share_unrecorded_exits
from sufficiency.data.ssda903 import read_903
from sufficiency.stocks import monthly_flows, movements

VARIANTS = Path(__file__).parent / "fixtures" / "903" / "variants"

RIGHT_COUNTS: dict[str, tuple[dict[str, object], tuple[str, ...]]] = {
    # stale open episodes
    "stale_three_extracts": (
        {"2021-03-31": 3, "2021-04-30": 2, "2022-03-31": 2, "2022-04-30": 1, "2023-03-31": 1},
        (),
    ),
    "stale_absent_then_back": (
        {"2021-03-31": 2, "2021-06-30": 1, "2022-09-30": 1, "2022-10-31": 2, "2023-03-31": 2},
        (),
    ),
    "stale_xlsx": ({"2022-03-31": 2, "2022-04-30": 1, "2023-03-31": 2}, ()),
    "stale_year_column_stacked": ({"2022-03-31": 2, "2022-04-30": 1, "2023-03-31": 2}, ()),
    # dates
    "month_first_few_dates": ({"2022-08-31": 1, "2022-09-30": 2, "2023-03-31": 2}, ()),
    "month_name_first": ({"2022-04-30": 1, "2022-12-31": 2, "2023-03-31": 2}, ()),
    "iso_and_serial_dates": (
        {"2022-04-30": 1, "2022-10-31": 3, "2022-11-30": 2, "2023-03-31": 2},
        (),
    ),
    "two_digit_years": ({"2022-04-30": 1, "2022-12-31": 2, "2023-03-31": 1}, ()),
    # authorities
    "three_authorities": ({"2023-03-31": 6}, ()),
    "la_case_and_space": ({"2023-03-31": 2}, ()),
    "la_code_vs_name": ({"2023-03-31": 2}, ()),
    "la_header_only": ({"2023-03-31": 3}, ()),
    "la_episodes_only": ({"2023-03-31": 2}, ()),
    "la_header_only_shared_id": ({"2023-03-31": 1}, ()),
    # workbooks
    "workbook_many_title_rows": ({"2023-03-31": 2}, ()),
    "workbook_footnote_rows": ({"2023-03-31": 2}, ()),
    "workbook_totals_words": ({"2023-03-31": 3}, ()),
    # names, YEAR columns and the extract date
    "export_date_with_month_name": ({"2023-06-30": 3, "2023-09-30": 2, "last": "2023-09-30"}, ()),
    "export_date_compact_month_name": (
        {"2023-06-30": 3, "2023-09-30": 2, "last": "2023-09-30"},
        (),
    ),
    "export_month_only": ({"2023-06-30": 3, "2023-09-30": 2, "last": "2023-09-30"}, ()),
    "year_column_start_compact": ({"2022-03-31": 1, "2023-03-31": 2, "last": "2023-03-31"}, ()),
    "extract_date_before_data_end_two_extracts": (
        {"2022-03-31": 2, "2022-04-30": 1, "2022-09-30": 2, "last": "2022-09-30"},
        ("--extract-date", "2022-09-30"),
    ),
    # identifiers
    "leading_zeros_xlsx_numbers": ({"2022-03-31": 1, "2023-03-31": 2}, ()),
}


@pytest.mark.parametrize("name", sorted(RIGHT_COUNTS))
def test_variant_gives_its_right_counts(name: str, tmp_path: Path) -> None:
    right, options = RIGHT_COUNTS[name]
    out = tmp_path / "stocks.csv"
    status = main(["stocks", str(VARIANTS / name), "--freq", "month", "--out", str(out), *options])
    assert status == 0
    stocks = pd.read_csv(out, parse_dates=["date"])
    got = stocks.groupby("date")["children"].sum()
    for day, count in right.items():
        if day == "last":
            assert got.index.max() == pd.Timestamp(str(count))
        else:
            assert got.get(pd.Timestamp(day)) == count, day


def test_authorities_written_as_codes_and_names_are_one_each() -> None:
    data = read_903(VARIANTS / "la_code_vs_name")
    assert data.authorities == ("Gateshead", "Newcastle upon Tyne")
    said = data.report[data.report["rule"] == "authority_names"]["message"].iloc[0]
    assert "'Gateshead' (also written '390')" in said


def test_la_taken_from_the_other_table_only_when_one_authority_uses_the_id() -> None:
    data = read_903(VARIANTS / "la_header_only_shared_id")
    rejected = data.report[(data.report["column"] == "LA") & (data.report["severity"] == "error")]
    assert len(rejected) == 1 and rejected["value"].iloc[0] == ""
    assert list(data.coverage["la"]) == ["Northtown", "Southvale"]
    inferred = data.report[data.report["rule"] == "la_from_child"]
    assert "1 of its 2 rows" in inferred["message"].iloc[0]


def test_footnotes_and_totals_are_skipped_and_named() -> None:
    data = read_903(VARIANTS / "workbook_footnote_rows")
    notes = data.report[data.report["rule"] == "note_rows_skipped"]
    assert len(notes) == 1 and notes["severity"].iloc[0] == "info"
    assert not (data.report["severity"] == "error").any()
    data = read_903(VARIANTS / "workbook_totals_words")
    assert (data.report["rule"] == "totals_row_skipped").sum() == 7
    assert not (data.report["severity"] == "error").any()


def test_export_month_in_a_name_sees_only_what_the_data_shows() -> None:
    data = read_903(VARIANTS / "export_month_only")
    assert data.coverage["extract"].tolist() == ["2023-24 (exported October 2023)"]
    # The name gives October 2023 but not the day: the latest date the data shows in it.
    assert data.extract_date == pd.Timestamp("2023-09-30")
    assert "gives the month but not the day" in data.extract_date_source


@pytest.mark.parametrize("name", ["no_heading_row_uasc_sheet", "no_heading_row_episodes_sheet"])
def test_sheet_without_its_heading_row_is_refused_quoting_nothing(
    name: str, capsys, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    status = main(["validate", str(VARIANTS / name), "--report", str(report)])
    captured = capsys.readouterr()
    text = captured.out + captured.err + report.read_text()
    assert status == 1
    assert "first row looks like data" in text
    values = (
        "G9001",
        "G9002",
        "08/08/2014",
        "27/01/2012",
        "2014-08-08",
        "2022-04-04",
        "04/04/2022",
    )
    assert not [value for value in values if value in text]


def test_closed_stale_exit_is_apart_from_the_exit_reasons() -> None:
    data = read_903(VARIANTS / "stale_closed_exit_reason")
    events = movements(data.episodes, data.extract_date)
    exits = events[events["movement"] == "exit"]
    assert exits["exit_reason_group"].tolist() == [EXIT_NOT_RECORDED]
    assert EXIT_NOT_RECORDED not in EXIT_REASON_GROUPS
    flows = monthly_flows(data.episodes, data.extract_date)
    assert "other" not in set(flows["exit_reason_group"].dropna())
    stale = data.report[data.report["rule"] == "stale_open_episode"]["message"].iloc[0]
    assert "not as 'other'" in stale


def test_unrecorded_exits_are_shared_as_the_recorded_reasons_are() -> None:
    # Two cells: one with recorded exits 3 adoption / 1 return home, one with none recorded.
    exits = np.zeros((2, len(EXIT_REASON_GROUPS)))
    exits[0, 0], exits[0, 2] = 3.0, 1.0
    shared = share_unrecorded_exits(exits, np.array([2.0, 1.0]))
    assert shared.sum() == exits.sum() + 3.0
    np.testing.assert_allclose(shared[0], [4.5, 0, 1.5, 0, 0])
    # A cell without recorded reasons takes the shares over all cells; 'other' is not raised.
    np.testing.assert_allclose(shared[1], [0.75, 0, 0.25, 0, 0])
