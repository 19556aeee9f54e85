"""Carer household records: format, validation report, fatal problems."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency.errors import InputDataError
from sufficiency.schemas import VALIDATION_REPORT
from sufficiency.supply.households import (
    CARER_TYPES,
    CLEAN_HOUSEHOLDS,
    DEREGISTRATION_REASONS,
    households_on,
    read_households,
    read_households_uploads,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "supply" / "carer_households.csv"

GOOD = """household_id,carer_type,approval_date,approved_places,age_from,age_to,deregistration_date,deregistration_reason
H1,mainstream,14/05/2012,2,0,17,,
H2,Family and friends,2019-09-02,1,5,9,30/11/2021,SGO
H3,specialist: parent and child,01/01/2020,1,0,4,,
H4,Teenagers,01/06/2015,2,11,17,01/02/2023,Retirement
"""

BAD = """household_id,carer_type,approval_date,approved_places,age_from,age_to,deregistration_date,deregistration_reason
H1,mainstream,14/05/2012,2,0,17,,
,mainstream,14/05/2012,2,0,17,,
H1,mainstream,14/05/2013,2,0,17,,
H4,astronaut,14/05/2012,2,0,17,,
H5,mainstream,31/02/2012,2,0,17,,
H6,mainstream,14/05/2030,2,0,17,,
H7,mainstream,14/05/2012,2,0,17,01/01/2011,retired
H8,mainstream,14/05/2012,9,0,17,,
H9,mainstream,14/05/2012,2,12,4,,
H10,mainstream,14/05/2012,,,,,
H11,mainstream,14/05/2012,4,0,17,01/06/2024,retired
H12,mainstream,14/05/2012,2,0,17,01/06/2020,
H13,mainstream,14/05/2012,2,0,17,01/06/2020,fell out with the cat
H14,mainstream,14/05/2012,2,0,20,,
"""


def _write(tmp_path: Path, text: str, name: str = "households.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_reads_and_normalises(tmp_path: Path) -> None:
    data = read_households(_write(tmp_path, GOOD), extract_date="2024-03-31")
    frame = data.households
    assert list(frame.columns) == list(CLEAN_HOUSEHOLDS)
    assert len(frame) == 4 and data.report.empty
    assert frame["carer_type"].tolist() == [
        "mainstream",
        "kinship",
        "parent and child",
        "teenagers",
    ]
    assert frame["carer_group"].tolist() == ["mainstream", "kinship", "specialist", "specialist"]
    assert frame.loc[1, "deregistration_reason"] == "permanence"
    assert frame.loc[1, "initiated_by"] == "carer"
    assert frame.loc[3, "deregistration_reason"] == "retirement"
    assert pd.isna(frame.loc[0, "deregistration_reason"])
    assert frame["approval_date"].dtype == "datetime64[ns]"
    assert len(households_on(frame, "2024-03-31")) == 2
    assert "2 approved" in data.summary()


def test_report_rows_in_equals_kept_plus_rejected(tmp_path: Path) -> None:
    data = read_households(_write(tmp_path, BAD), extract_date="2024-03-31")
    report = data.report
    assert list(report.columns) == list(VALIDATION_REPORT)
    files = data.files.iloc[0]
    assert files["rows_in"] == 14
    assert files["rows_in"] == files["rows_kept"] + files["rows_rejected"]
    assert files["rows_kept"] == len(data.households)
    errors = report[report["severity"] == "error"]
    assert errors["row"].nunique() == files["rows_rejected"]
    rules = dict(zip(report["row"].astype(int), report["rule"], strict=False))
    assert rules[2] == "household_id_missing"
    assert rules[3] == "household_id_duplicate"
    assert rules[4] == "carer_type_unknown"
    assert rules[5] == "date_unreadable"
    assert rules[6] == "approval_after_extract"
    assert rules[7] == "deregistration_before_approval"
    assert rules[8] == "approved_places_invalid"
    assert rules[9] == "age_range_reversed"
    assert rules[14] == "age_invalid"
    # Warnings keep the row with the stated assumption.
    kept = data.households.set_index("source_row")
    assert kept.loc[10, "approved_places"] == 1 and kept.loc[10, "age_to"] == 17
    assert pd.isna(kept.loc[11, "deregistration_date"])  # after the extract date: still approved
    assert kept.loc[12, "deregistration_reason"] == "other"
    assert kept.loc[13, "deregistration_reason"] == "other"
    warned = set(report.loc[report["severity"] == "warning", "rule"])
    assert {"above_usual_limit", "deregistration_after_extract", "reason_missing"} <= warned
    assert {"reason_unknown", "approved_places_missing", "age_missing"} <= warned
    # Household references never leak into the report.
    assert not report["value"].isin([f"H{i}" for i in range(1, 15)]).any()


def test_missing_required_column_is_fatal(tmp_path: Path) -> None:
    path = _write(tmp_path, "household_id,approval_date\nH1,01/01/2020\n")
    with pytest.raises(InputDataError, match="carer_type"):
        read_households(path)


def test_unreadable_and_empty_inputs_are_fatal(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="no such file"):
        read_households(tmp_path / "nope.csv")
    path = _write(tmp_path, "household_id,carer_type,approval_date\nH1,astronaut,01/01/2020\n")
    with pytest.raises(InputDataError, match="no valid carer household rows"):
        read_households(path, extract_date="2024-03-31")
    with pytest.raises(InputDataError, match="pdf"):
        read_households(_write(tmp_path, "x", name="households.pdf"))


def test_extract_date_inferred_and_uploads_and_xlsx(tmp_path: Path) -> None:
    data = read_households_uploads([("h.csv", GOOD.encode())])
    assert data.extract_date == pd.Timestamp("2023-02-01")
    assert any("extract date" in note for note in data.notes)
    frame = pd.read_csv(_write(tmp_path, GOOD), dtype=str)
    xlsx = tmp_path / "households.xlsx"
    frame.to_excel(xlsx, index=False)
    from_xlsx = read_households(xlsx, extract_date="2024-03-31")
    assert len(from_xlsx.households) == 4
    with pytest.raises(InputDataError, match="limit"):
        read_households_uploads([("h.csv", GOOD.encode())], max_bytes=10)


def test_later_file_supersedes_earlier(tmp_path: Path) -> None:
    first = _write(tmp_path, GOOD, "2023.csv")
    later = GOOD.replace(
        "H1,mainstream,14/05/2012,2,0,17,,", "H1,mainstream,14/05/2012,2,0,17,01/03/2024,moved"
    )
    second = _write(tmp_path, later, "2024.csv")
    data = read_households([first, second], extract_date="2024-03-31")
    assert len(data.households) == 4
    row = data.households.set_index("household_id").loc["H1"]
    assert row["deregistration_reason"] == "moved_away"
    assert any("more than one file" in note for note in data.notes)


def test_example_file_is_valid() -> None:
    data = read_households(EXAMPLE, extract_date="2024-03-31")
    assert data.report.empty
    assert len(data.households) >= 10


CELLS = {
    "household_id": ["H1", "H2", "H3", "", "H1"],
    "carer_type": ["mainstream", "Kinship", "teens", "astronaut", ""],
    "approval_date": ["01/01/2020", "2019-05-05", "31/02/2020", "", "01/01/2030"],
    "approved_places": ["1", "2", "2.0", "9", "", "x"],
    "age_from": ["0", "11", "", "-1"],
    "age_to": ["17", "4", "", "20"],
    "deregistration_date": ["", "01/06/2021", "01/01/2019", "nonsense", "01/06/2025"],
    "deregistration_reason": ["", "retired", "SGO", "gremlins"],
}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {column: st.sampled_from(values) for column, values in CELLS.items()}
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rows_in_always_equal_kept_plus_rejected(rows: list[dict[str, str]]) -> None:
    text = pd.DataFrame(rows).to_csv(index=False).encode()
    try:
        data = read_households_uploads([("h.csv", text)], extract_date="2024-03-31")
    except InputDataError:
        return  # nothing usable: a clear message, which is the right outcome
    files = data.files.iloc[0]
    assert files["rows_in"] == len(rows)
    assert files["rows_in"] == files["rows_kept"] + files["rows_rejected"]
    assert len(data.households) == files["rows_kept"]
    rejected_rows = set(data.report.loc[data.report["severity"] == "error", "row"].astype(int))
    assert len(rejected_rows) == files["rows_rejected"]
    kept = data.households
    assert kept["carer_type"].isin(CARER_TYPES).all()
    assert (kept["age_from"] <= kept["age_to"]).all()
    assert kept["approved_places"].between(1, 6).all()
    assert (kept["approval_date"] <= pd.Timestamp("2024-03-31")).all()
    left = kept["deregistration_date"].notna()
    assert (kept.loc[left, "deregistration_date"] >= kept.loc[left, "approval_date"]).all()
    assert kept.loc[left, "deregistration_reason"].isin(list(DEREGISTRATION_REASONS)).all()


def test_folder_of_yearly_workbooks_reports_what_was_skipped(tmp_path: Path) -> None:
    # Sub-folders are searched; title rows above the headings, a read-me sheet and a stray
    # non-data file are named as report rows (downloadable), not just notes.
    year = tmp_path / "carers" / "2024"
    year.mkdir(parents=True)
    frame = pd.read_csv(_write(tmp_path, GOOD), dtype=str)
    with pd.ExcelWriter(year / "households.xlsx") as writer:
        pd.DataFrame({"About": ["Read me: carer households at 31 March"]}).to_excel(
            writer, sheet_name="Read me", index=False
        )
        pd.DataFrame([["Fostering households"], [""]]).to_excel(
            writer, sheet_name="Households", index=False, header=False
        )
        frame.to_excel(writer, sheet_name="Households", index=False, startrow=3)
    (year / "notes.docx").write_bytes(b"not data")
    (year / "contacts.csv").write_text("team,phone\nfostering,0100\n", encoding="utf-8")
    data = read_households(tmp_path / "carers", extract_date="2024-03-31")
    assert len(data.households) == 4
    report = data.report
    assert list(report.columns) == list(VALIDATION_REPORT)
    assert set(report["rule"]) == {
        "file_ignored",
        "not_a_household_table",
        "rows_above_headings_skipped",
        "sheet_not_read",
    }
    assert {"2024/notes.docx", "2024/contacts.csv"} <= set(report["file"])
    assert not (report["severity"] == "error").any()
    assert "skipped (in the report" in data.summary()
