"""Reading, validating and merging SSDA903 extracts (sufficiency.data.ssda903)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sufficiency import codes
from sufficiency.data import readers
from sufficiency.data.ssda903 import (
    MASK,
    Ssda903Data,
    UnusableInputError,
    read_903,
    read_903_uploads,
)
from sufficiency.errors import InputDataError
from sufficiency.schemas import CLEAN_EPISODES, VALIDATION_REPORT

FIXTURES = Path(__file__).parent / "fixtures" / "903"
YEARLY = FIXTURES / "yearly"
D2I = FIXTURES / "d2i_fake"

HEADER_COLUMNS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODE_COLUMNS = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def header_csv(*rows: str) -> str:
    return "\n".join([HEADER_COLUMNS, *rows]) + "\n"


def episodes_csv(*rows: str) -> str:
    return "\n".join([EPISODE_COLUMNS, *rows]) + "\n"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


BASIC_HEADER = header_csv(
    "C1,1,01/05/2010,WBRI,,,",
    "C2,2,20/08/2015,WBRI,,,",
)


def read_pair(tmp_path: Path, episode_rows: list[str], header: str = BASIC_HEADER, **kwargs):
    write(tmp_path, "header.csv", header)
    write(tmp_path, "episodes.csv", episodes_csv(*episode_rows))
    return read_903([tmp_path / "header.csv", tmp_path / "episodes.csv"], **kwargs)


def problems(data: Ssda903Data) -> pd.DataFrame:
    """The report without its 'info' rows (decisions, not problems)."""
    return data.report[data.report["severity"] != "info"]


def rules(data: Ssda903Data, severity: str | None = None) -> set[str]:
    report = data.report
    if severity is not None:
        report = report[report["severity"] == severity]
    return set(report["rule"])


def assert_invariants(data: Ssda903Data) -> None:
    """Rows in = kept + rejected per file; kept minus superseded episodes = clean episodes."""
    files = data.files
    assert (files["rows_in"] == files["rows_kept"] + files["rows_rejected"]).all()
    episodes = files[files["table"] == "episodes"]
    assert int((episodes["rows_kept"] - episodes["rows_superseded"]).sum()) == len(data.episodes)
    header = files[files["table"] == "header"]
    assert int((header["rows_kept"] - header["rows_superseded"]).sum()) == len(data.header)
    assert list(data.episodes.columns) == list(CLEAN_EPISODES)
    assert list(data.report.columns) == list(VALIDATION_REPORT)
    assert set(data.episodes["placement_category"]) <= set(codes.PLACEMENT_CATEGORIES)
    assert not data.episodes.duplicated(["child", "decom"]).any()
    # Every rejected row has exactly one error row in the report and appears nowhere else.
    errors = data.report[data.report["severity"] == "error"]
    per_file = errors.groupby(["file", "table"])["row"].nunique()
    for row in files.itertuples():
        assert per_file.get((row.file, row.table), 0) == row.rows_rejected


# --- happy paths ----------------------------------------------------------------------------


def test_overlapping_yearly_extracts_merge_to_latest_complete_copy() -> None:
    data = read_903(YEARLY)

    assert data.usable
    assert data.extract_date == pd.Timestamp("2023-03-31")
    assert "collection year" in data.extract_date_source
    episodes = data.episodes.set_index(["child", "decom"])
    assert len(episodes) == 5
    assert data.episodes["child"].nunique() == 4
    # The episode open in 2021-22 is closed in the 2022-23 extract: the closed copy is kept.
    moved = episodes.loc[("900001", pd.Timestamp("2021-09-15"))]
    assert moved["dec"] == pd.Timestamp("2023-02-01")
    assert moved["rec"] == "E13"
    assert moved["source_file"] == "2022-23/episodes.csv"
    # Only in the older extract: kept from there.
    first = episodes.loc[("900001", pd.Timestamp("2020-06-01"))]
    assert first["source_file"] == "2021-22/episodes.csv"
    assert first["placement_category"] == codes.IN_HOUSE_FOSTERING
    # Lower-case, space-padded codes and column names in 2022-23.
    new = episodes.loc[("900003", pd.Timestamp("2023-03-20"))]
    assert (new["rne"], new["ls"], new["place"], new["place_provider"]) == ("S", "C1", "U4", "PR1")
    assert pd.isna(new["dec"])
    assert data.files.set_index("file").loc["2021-22/episodes.csv", "rows_superseded"] == 3
    assert len(data.header) == 4
    assert data.header.set_index("child").loc["900001", "dob"] == pd.Timestamp("2010-05-01")
    assert problems(data).empty
    assert_invariants(data)


def test_single_files_with_iso_and_ddmm_dates_lower_case_codes_and_bom(tmp_path: Path) -> None:
    header = "\ufeff" + header_csv(" C1 ,1,2010-05-01,WBRI,,,", "C2,2,20/08/2015,WBRI,,,")
    data = read_pair(
        tmp_path,
        [
            "C1,01/06/2020,s,c2,n1,u4,pr1,2021-09-15,x1,carpl,,,",
            "C1, 2021-09-15 ,P,C2,N1,U6,PR4, , ,,,,",
            "C2,10/01/2022,S,V3,N2,R1,PR1,,,,,,",
        ],
        header=header,
    )
    assert data.usable
    assert problems(data).empty
    assert list(data.episodes["child"]) == ["C1", "C1", "C2"]
    assert list(data.episodes["decom"]) == list(
        pd.to_datetime(["2020-06-01", "2021-09-15", "2022-01-10"])
    )
    assert list(data.episodes["placement_category"]) == [
        codes.IN_HOUSE_FOSTERING,
        codes.IFA_FOSTERING,
        codes.IN_HOUSE_RESIDENTIAL,
    ]
    assert data.episodes.loc[0, "rec"] == "X1"
    assert data.episodes.loc[0, "reason_place_change"] == "CARPL"
    # Short-break-only statuses are kept (stocks.py leaves them out of counts).
    assert data.episodes.loc[2, "ls"] == "V3"
    assert data.extract_date == pd.Timestamp("2022-01-10")
    assert "latest" in data.extract_date_source
    assert_invariants(data)


def test_folder_search_is_recursive_and_ignores_other_files(tmp_path: Path) -> None:
    write(tmp_path, "2023/header.csv", BASIC_HEADER)
    write(tmp_path, "2023/episodes.csv", episodes_csv("C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,"))
    write(tmp_path, "notes.docx", "not data")
    write(tmp_path, ".hidden.csv", "x")
    data = read_903(tmp_path)
    assert data.usable
    assert len(data.episodes) == 1
    ignored = data.report[data.report["rule"] == "file_ignored"]
    assert list(ignored["file"]) == ["notes.docx"]
    assert data.extract_date == pd.Timestamp("2023-03-31")


def test_realistic_validator_fake_data_reads_cleanly() -> None:
    data = read_903([D2I / "header.csv", D2I / "episodes.csv"])
    assert data.usable
    files = data.files.set_index("table")
    assert files.loc["episodes", "rows_in"] == 296
    assert files.loc["header", "rows_in"] == 127
    assert not (data.report["severity"] == "error").any()
    # The fixture writes REC X1 on open episodes: kept, treated as open and reported.
    assert "rec_without_dec" in rules(data, "warning")
    assert data.episodes["rec"].isna().sum() == data.episodes["dec"].isna().sum()
    assert data.episodes["ls"].isin(["V3", "V4"]).sum() > 0
    # No year in the names: the extract runs to the latest date in the data.
    assert data.extract_date == pd.Timestamp("2018-04-01")
    assert_invariants(data)


def test_extract_date_from_year_column_and_override(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    write(
        tmp_path,
        "episodes.csv",
        "YEAR," + EPISODE_COLUMNS + "\n"
        "2021/22,C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,\n"
        "2022/23,C1,01/06/2020,S,C2,N1,U4,PR1,01/02/2023,E13,,,,\n",
    )
    data = read_903(tmp_path)
    assert data.extract_date == pd.Timestamp("2023-03-31")
    # The same episode in two YEAR extracts of one file is a merge, not a duplicate.
    assert len(data.episodes) == 1
    assert data.episodes.loc[0, "dec"] == pd.Timestamp("2023-02-01")
    assert not (data.report["severity"] == "error").any()
    override = read_903(tmp_path, extract_date="2024-03-31")
    assert override.extract_date == pd.Timestamp("2024-03-31")
    assert override.extract_date_source == "given with --extract-date"
    with pytest.raises(InputDataError, match="not a date"):
        read_903(tmp_path, extract_date="soon")


def test_year_in_file_or_folder_name(tmp_path: Path) -> None:
    write(tmp_path, "903_header_2019.csv", BASIC_HEADER)
    write(tmp_path, "903_episodes_2018-19.csv", episodes_csv("C1,01/06/2017,S,C2,N1,U4,PR1,,,,,,"))
    data = read_903(tmp_path)
    assert data.extract_date == pd.Timestamp("2019-03-31")
    nested = tmp_path / "SSDA903 2020"
    write(nested, "q4/header.csv", BASIC_HEADER)
    write(nested, "q4/episodes.csv", episodes_csv("C1,01/06/2017,S,C2,N1,U4,PR1,,,,,,"))
    assert read_903(nested).extract_date == pd.Timestamp("2020-03-31")
    # A long LA code is not a year; a table labelled on its own joins the episodes' extract.
    plain = tmp_path / "plain"
    write(plain, "E06000047_header_20240101.csv", BASIC_HEADER)
    write(plain, "episodes.csv", episodes_csv("C1,01/06/2017,S,C2,N1,U4,PR1,,,,,,"))
    assert read_903(plain).extract_date == pd.Timestamp("2017-06-01")
    # A full date in a name is the export date: the extract sees up to it.
    exported = tmp_path / "exported"
    write(exported, "header_20240101.csv", BASIC_HEADER)
    write(exported, "episodes_20240101.csv", episodes_csv("C1,01/06/2017,S,C2,N1,U4,PR1,,,,,,"))
    data = read_903(exported)
    assert data.extract_date == pd.Timestamp("2024-01-01")
    assert "export date" in data.extract_date_source


def test_uasc_table_marks_children(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    write(tmp_path, "episodes.csv", episodes_csv("C1,01/06/2020,S,V2,N4,U4,PR1,,,,,,"))
    write(tmp_path, "uasc.csv", "CHILD,SEX,DOB,DUC\nC1,1,01/05/2010,01/05/2028\nC2,2,,1 May\n")
    data = read_903(tmp_path)
    bad_duc = data.report[data.report["rule"] == "bad_date"]
    assert list(zip(bad_duc["table"], bad_duc["row"], bad_duc["value"], strict=True)) == [
        ("uasc", 2, MASK)
    ]
    assert bool(data.episodes.loc[0, "uasc"])
    assert set(data.files["table"]) == {"header", "episodes", "uasc"}
    assert bool(data.header.set_index("child").loc["C1", "uasc"])
    # A DUC that is not a date is a warning: the child is still UASC.
    assert bool(data.header.set_index("child").loc["C2", "uasc"])


def test_xlsx_with_extra_sheets_recognised_by_columns(tmp_path: Path) -> None:
    path = tmp_path / "903_2023.xlsx"
    header = pd.DataFrame(
        {"CHILD": [1001, 1002], "SEX": [1, 2], "DOB": pd.to_datetime(["2010-05-01", "2015-08-20"])}
    )
    episodes = pd.read_csv(
        io.StringIO(
            episodes_csv(
                "1001,01/06/2020,S,C2,N1,U4,PR1,15/09/2021,X1,CARPL,,,",
                "1001,15/09/2021,P,C2,N1,K2,PR4,,,,,,",
                "1002,10/01/2022,S,V2,N4,U1,PR1,,,,,,",
            )
        ),
        dtype=str,
    )
    episodes["DECOM"] = pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y")
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"About": ["903 return 2022-23"]}).to_excel(
            writer, sheet_name="Notes", index=False
        )
        episodes.to_excel(writer, sheet_name="Episodes", index=False)
        header.to_excel(writer, sheet_name="Header", index=False)
    data = read_903(path)
    assert data.usable
    assert sorted(data.files["file"]) == [
        "903_2023.xlsx [sheet Episodes]",
        "903_2023.xlsx [sheet Header]",
    ]
    ignored = data.report[data.report["rule"] == "sheet_ignored"]
    assert list(ignored["file"]) == ["903_2023.xlsx [sheet Notes]"]
    assert list(ignored["severity"]) == ["info"]
    assert list(data.episodes["child"]) == ["1001", "1001", "1002"]
    assert data.episodes["decom"].iloc[1] == pd.Timestamp("2021-09-15")
    assert data.episodes["placement_category"].iloc[1] == codes.EXTERNAL_RESIDENTIAL
    assert data.extract_date == pd.Timestamp("2023-03-31")
    assert_invariants(data)


def test_uploads_are_read_like_files() -> None:
    files = [
        (name, (YEARLY / "2022-23" / name).read_bytes()) for name in ("header.csv", "episodes.csv")
    ]
    data = read_903_uploads(files)
    assert data.usable
    assert len(data.episodes) == 4
    assert set(data.files["file"]) == {"header.csv", "episodes.csv"}


def test_upload_over_size_limit_is_rejected_naming_file_and_limit() -> None:
    content = (YEARLY / "2022-23" / "episodes.csv").read_bytes()
    with pytest.raises(InputDataError) as raised:
        read_903_uploads([("header.csv", b"CHILD,SEX,DOB\n"), ("big.csv", content)], max_bytes=100)
    message = str(raised.value)
    assert "big.csv" in message
    assert "upload limit" in message
    assert "100 bytes" in message
    assert raised.value.file == "big.csv"


# --- fatal problems -------------------------------------------------------------------------


def test_missing_required_column_is_fatal_and_names_file_and_column(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    write(
        tmp_path, "episodes.csv", "CHILD,DECOM,RNE,LS,PLACE,PLACE_PROVIDER,REC\nC1,x,S,C2,U4,PR1,\n"
    )
    with pytest.raises(UnusableInputError) as raised:
        read_903(tmp_path)
    message = str(raised.value)
    assert "episodes.csv" in message
    assert "DEC column" in message
    assert list(raised.value.report["rule"]) == ["missing_column"]
    assert list(raised.value.report["severity"]) == ["fatal"]


def test_file_that_is_not_903_is_fatal(tmp_path: Path) -> None:
    header = write(tmp_path, "header.csv", BASIC_HEADER)
    budget = write(tmp_path, "budget.csv", "cost_centre,amount\nA12,100\n")
    with pytest.raises(InputDataError, match=r"budget\.csv: this is not an SSDA903"):
        read_903([header, budget])


def test_in_a_folder_other_tables_and_reports_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    write(tmp_path, "lookup.csv", "cost_centre,amount\nA12,100\n")
    with pytest.raises(InputDataError, match=r"No 903 Episodes table.*ignored: lookup\.csv"):
        read_903(tmp_path)
    write(tmp_path, "episodes.csv", episodes_csv("C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,"))
    first = read_903(tmp_path)
    first.report.to_csv(tmp_path / "report.csv", index=False)
    again = read_903([tmp_path, tmp_path / "episodes.csv"])
    ignored = again.report[again.report["rule"] == "file_ignored"]
    assert list(ignored["file"]) == ["lookup.csv", "report.csv"]
    assert "validation report" in ignored["message"].iloc[1]
    # episodes.csv was named twice but is read once.
    assert len(again.files) == 2
    assert again.usable


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty \\(0 bytes\\)"),
        (EPISODE_COLUMNS.encode() + b"\n", "column headings but no rows"),
        (EPISODE_COLUMNS.encode() + b"\n,,,,,,,,,,,,\n\n", "column headings but no rows"),
        (b"\n\n  \n", "no column headings"),
    ],
)
def test_empty_files_are_fatal(tmp_path: Path, content: bytes, expected: str) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    (tmp_path / "episodes.csv").write_bytes(content)
    with pytest.raises(InputDataError, match=expected) as raised:
        read_903(tmp_path)
    assert "episodes.csv" in str(raised.value)


def test_several_fatal_problems_come_in_one_message(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_bytes(b"")
    write(tmp_path, "other.csv", "a,b\n1,2\n")
    with pytest.raises(UnusableInputError) as raised:
        read_903([tmp_path / "header.csv", tmp_path / "other.csv"])
    message = str(raised.value)
    assert message.startswith("2 problems")
    assert "header.csv" in message
    assert "other.csv" in message


def test_missing_episodes_or_header_table_is_fatal(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    with pytest.raises(InputDataError, match="No 903 Episodes table"):
        read_903(tmp_path / "header.csv")
    write(tmp_path, "episodes.csv", episodes_csv("C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,"))
    with pytest.raises(InputDataError, match="No 903 Header table"):
        read_903(tmp_path / "episodes.csv")


def test_workbook_without_903_sheets_and_corrupt_workbook_are_fatal(tmp_path: Path) -> None:
    path = tmp_path / "budget.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"cost": [1]}).to_excel(writer, sheet_name="Sheet1", index=False)
    with pytest.raises(InputDataError, match=r"budget\.xlsx: none of its sheets \(Sheet1\)"):
        read_903(path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(InputDataError, match=r"broken\.xlsx: could not be opened"):
        read_903(broken)


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="no such file or folder"):
        read_903(tmp_path / "nope.csv")
    with pytest.raises(InputDataError, match="holds no CSV or Excel"):
        read_903(tmp_path)


def test_ragged_csv_is_fatal_with_line_number(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    rows = ["C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,", "C2,01/06/2020,S,C2,N1,U4,PR1,,,,,,,,,extra"]
    write(tmp_path, "episodes.csv", episodes_csv(*rows))
    with pytest.raises(InputDataError, match=r"episodes\.csv: could not be read as a CSV.*line 3"):
        read_903(tmp_path)


def test_trailing_delimiters_do_not_shift_columns(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    write(tmp_path, "episodes.csv", episodes_csv("C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,,"))
    data = read_903(tmp_path)
    assert list(data.episodes["child"]) == ["C1"]
    assert data.episodes.loc[0, "decom"] == pd.Timestamp("2020-06-01")
    assert "extra_fields" in rules(data, "warning")


# --- row problems ---------------------------------------------------------------------------


def test_non_utf8_text_is_read_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", header_csv("C1,1,01/05/2010,WBRI,,,"), encoding="cp1252")
    write(
        tmp_path,
        "episodes.csv",
        "LA_NAME," + EPISODE_COLUMNS + "\nDurham – Comté,C1,01/06/2020,S,C2,N1,U4é,PR1,,,,,,\n",
        encoding="cp1252",
    )
    data = read_903(tmp_path)
    assert data.usable
    warnings = data.report[data.report["rule"] == "non_utf8_encoding"]
    assert list(warnings["file"]) == ["episodes.csv"]
    unknown = data.report[data.report["rule"] == "unknown_code"]
    # A value that is not a plain code (here an accented letter) is not echoed.
    assert list(unknown["value"]) == ["(not shown)"]
    assert data.episodes.loc[0, "placement_category"] == codes.OTHER


def test_dates_in_the_future_or_after_extract(tmp_path: Path) -> None:
    future = (pd.Timestamp.today() + pd.DateOffset(years=2)).strftime("%d/%m/%Y")
    header = header_csv("C1,1,01/05/2010,WBRI,,,", f"C2,2,{future},WBRI,,,", "C3,1,01/01/2015,,,,")
    data = read_pair(
        tmp_path,
        [
            "C1,01/06/2020,S,C2,N1,U4,PR1,01/02/2021,X1,,,,",
            f"C1,01/02/2021,P,C2,N1,U6,PR4,{future},E13,,,,",
            "C2,10/01/2022,S,V2,N4,U1,PR1,,,,,,",
            f"C3,{future},S,C2,N1,U4,PR1,,,,,,",
        ],
        header=header,
        extract_date="2023-03-31",
    )
    report = data.report.set_index(["file", "row", "column"])
    assert report.loc[("header.csv", 2, "DOB"), "rule"] == "future_date"
    assert report.loc[("header.csv", 2, "DOB"), "value"] == MASK
    assert report.loc[("episodes.csv", 3, "CHILD"), "rule"] == "child_not_in_header"
    future_start = report.loc[("episodes.csv", 4, "DECOM")]
    assert (future_start["rule"], future_start["severity"]) == ("future_date", "error")
    late = report.loc[("episodes.csv", 2, "DEC")]
    assert (late["rule"], late["severity"]) == ("date_after_extract", "warning")
    # The message names the extract date used and where it came from.
    assert "31/03/2023 (given with --extract-date)" in late["message"]
    # The episode ending after the extract date is kept as open at the extract date.
    kept = data.episodes.set_index("decom").loc[pd.Timestamp("2021-02-01")]
    assert pd.isna(kept["dec"]) and pd.isna(kept["rec"])
    assert len(data.episodes) == 2
    assert_invariants(data)


def test_decom_after_given_extract_date_is_rejected(tmp_path: Path) -> None:
    data = read_pair(
        tmp_path,
        ["C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,", "C2,01/06/2023,S,C2,N1,U4,PR1,,,,,,"],
        extract_date="2023-03-31",
    )
    assert rules(data, "error") == {"date_after_extract"}
    assert len(data.episodes) == 1


def test_decom_before_birth_and_dec_before_decom_are_rejected(tmp_path: Path) -> None:
    data = read_pair(
        tmp_path,
        [
            "C1,01/06/2009,S,C2,N1,U4,PR1,,,,,,",
            "C2,10/01/2022,S,V2,N4,U1,PR1,09/01/2022,E13,,,,",
            "C2,10/02/2022,S,V2,N4,U1,PR1,,,,,,",
        ],
    )
    report = data.report.set_index("row")
    assert report.loc[1, "rule"] == "decom_before_dob"
    # Dates are shown by their shape only, never quoted.
    assert report.loc[1, "value"] == "99/99/9999"
    assert report.loc[2, "rule"] == "dec_before_decom"
    assert "Correct one of the two dates" in report.loc[2, "message"]
    assert list(data.files.set_index("table").loc["episodes", ["rows_kept", "rows_rejected"]]) == [
        1,
        2,
    ]
    assert_invariants(data)


def test_bad_and_missing_dates_and_values(tmp_path: Path) -> None:
    header = header_csv("C1,1,01/05/2010,WBRI,,,", "C2,2,31/02/2015,WBRI,,,", ",1,01/01/2012,,,,")
    data = read_pair(
        tmp_path,
        [
            "C1,2020-13-01,S,C2,N1,U4,PR1,,,,,,",
            "C1,,S,C2,N1,U4,PR1,,,,,,",
            ",01/06/2020,S,C2,N1,U4,PR1,,,,,,",
            "C1,01/06/2020,S,C2,N1,U4,PR1,someday,E13,,,,",
            "C1,01/07/2020,,,N1,,,,,,,,",
        ],
        header=header,
    )
    report = data.report
    header_rules = report[report["table"] == "header"].set_index("row")
    assert header_rules.loc[2, "rule"] == "bad_date"
    assert header_rules.loc[3, "rule"] == "missing_value"
    episode_errors = report[(report["table"] == "episodes") & (report["severity"] == "error")]
    assert dict(zip(episode_errors["row"], episode_errors["rule"], strict=True)) == {
        1: "bad_date",
        2: "missing_value",
        3: "missing_value",
        4: "bad_date",
    }
    # Missing codes are warnings: the row is kept.
    warned = report[(report["row"] == 5) & (report["severity"] == "warning")]
    assert set(warned["column"]) == {"RNE", "LS", "PLACE", "PLACE_PROVIDER"}
    assert len(data.episodes) == 1
    assert data.episodes.loc[0, "placement_category"] == codes.OTHER
    assert_invariants(data)


def test_unknown_codes_are_warnings_per_column(tmp_path: Path) -> None:
    data = read_pair(
        tmp_path,
        [
            "C1,01/06/2020,Q,ZZ,N9,XX,PR9,01/02/2021,E99,NOPE,,,",
            "C1,01/02/2021,S,C2,N1,Q2,PR1,,,,,,",
            "C2,10/01/2022,S,C2,N1,U4,PR9,,,,,,",
        ],
    )
    unknown = data.report[data.report["rule"] == "unknown_code"]
    assert set(unknown["severity"]) == {"warning"}
    assert set(zip(unknown["row"], unknown["column"], unknown["value"], strict=True)) == {
        (1, "RNE", "Q"),
        (1, "LS", "ZZ"),
        (1, "CIN", "N9"),
        (1, "PLACE", "XX"),
        (1, "PLACE_PROVIDER", "PR9"),
        (1, "REC", "E99"),
        (1, "REASON_PLACE_CHANGE", "NOPE"),
        (3, "PLACE_PROVIDER", "PR9"),
    }
    categories = list(data.episodes["placement_category"])
    # Unknown PLACE -> other; legacy Q2 with PR1 -> in-house; unknown provider -> external.
    assert categories == [codes.OTHER, codes.IN_HOUSE_FOSTERING, codes.IFA_FOSTERING]
    assert len(data.episodes) == 3
    assert "placement category 'other'" in unknown.set_index("column").loc["PLACE", "message"]


def test_duplicate_rows_and_episodes(tmp_path: Path) -> None:
    header = header_csv("C1,1,01/05/2010,WBRI,,,", "C1,1,01/05/2010,WBRI,,,", "C2,2,20/08/2015,,,,")
    data = read_pair(
        tmp_path,
        [
            "C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,",
            "C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,",
            "C2,10/01/2022,S,V2,N4,U1,PR1,,,,,,",
            "C2,10/01/2022,S,V2,N4,U1,PR1,01/03/2022,E4A,,,,",
        ],
        header=header,
    )
    report = data.report.set_index(["table", "row"])
    # The same Header row twice is merged (superseded), not an error.
    assert ("header", 2) not in report.index
    assert data.files.set_index("table").loc["header", "rows_superseded"] == 1
    assert report.loc[("episodes", 2), "rule"] == "duplicate_row"
    # Same child and DECOM twice: the more complete row is kept, the other rejected.
    assert report.loc[("episodes", 3), "rule"] == "duplicate_episode"
    c2 = data.episodes[data.episodes["child"] == "C2"].iloc[0]
    assert c2["dec"] == pd.Timestamp("2022-03-01")
    assert c2["source_row"] == 4
    assert len(data.episodes) == 2
    assert_invariants(data)


def test_overlapping_episodes_are_truncated_with_a_warning(tmp_path: Path) -> None:
    data = read_pair(
        tmp_path,
        [
            "C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,",
            "C1,01/09/2020,P,C2,N1,U6,PR4,01/12/2020,X1,CARPL,,,",
            "C1,15/11/2020,P,C2,N1,K2,PR4,,,,,,",
            "C2,10/01/2022,S,V2,N4,U1,PR1,01/02/2022,E13,,,,",
            "C2,15/01/2022,S,V2,N4,U1,PR1,,,,,,",
        ],
    )
    overlaps = data.report[data.report["rule"] == "overlapping_episodes"]
    assert list(overlaps["row"]) == [1, 2, 4]
    assert set(overlaps["severity"]) == {"warning"}
    assert list(overlaps["value"]) == ["(blank)", "99/99/9999", "99/99/9999"]
    c1 = data.episodes[data.episodes["child"] == "C1"].reset_index(drop=True)
    assert c1["dec"].iloc[:2].tolist() == [pd.Timestamp("2020-09-01"), pd.Timestamp("2020-11-15")]
    assert pd.isna(c1["dec"].iloc[2])
    assert list(c1["rec"].iloc[:2]) == ["X1", "X1"]
    c2 = data.episodes[data.episodes["child"] == "C2"].reset_index(drop=True)
    # The next episode starts a new period of care (RNE S): the exit reason is kept.
    assert c2.loc[0, "dec"] == pd.Timestamp("2022-01-15")
    assert c2.loc[0, "rec"] == "E13"
    # No episode overlaps the next one any more.
    ordered = data.episodes.sort_values(["child", "decom"])
    next_start = ordered.groupby("child")["decom"].shift(-1)
    assert not (next_start.notna() & (ordered["dec"].isna() | (ordered["dec"] > next_start))).any()
    assert_invariants(data)


def test_child_missing_from_header_is_rejected_with_message(tmp_path: Path) -> None:
    data = read_pair(
        tmp_path, ["C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,", "C9,01/06/2020,S,C2,N1,U4,PR1,,,,,,"]
    )
    problem = data.report[data.report["rule"] == "child_not_in_header"]
    assert len(problem) == 1
    assert problem["row"].iloc[0] == 2
    assert problem["value"].iloc[0] == MASK
    assert "Add the child to the Header table" in problem["message"].iloc[0]
    assert list(data.episodes["child"]) == ["C1"]


def test_all_rows_rejected_is_unusable_not_a_crash(tmp_path: Path) -> None:
    data = read_pair(tmp_path, ["C9,01/06/2020,S,C2,N1,U4,PR1,,,,,,"])
    assert not data.usable
    assert "no_usable_episodes" in rules(data, "fatal")
    assert "Data usable: no" in data.summary()
    with pytest.raises(InputDataError, match="Every episode row was rejected"):
        data.raise_if_unusable()


def test_other_903_tables_are_ignored_not_fatal(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", BASIC_HEADER)
    write(tmp_path, "episodes.csv", episodes_csv("C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,"))
    write(tmp_path, "reviews.csv", "CHILD,DOB,DECOM,REVIEW,REVIEW_CODE\nC1,01/05/2010,x,y,z\n")
    data = read_903(tmp_path)
    assert data.usable
    ignored = data.report[data.report["rule"] == "file_ignored"]
    assert list(ignored["file"]) == ["reviews.csv"]
    assert "reviews" in ignored["message"].iloc[0]


def test_report_masks_identifiers_dates_of_birth_and_postcodes(tmp_path: Path) -> None:
    header = header_csv("SECRET1,9,bad-dob,WBRI,,,")
    data = read_pair(
        tmp_path,
        ["SECRET1,01/06/2020,S,C2,N1,U4,PR1,,,,AB1 2CD,EF3 4GH,", "SECRET2,01/06/2020,S,,,,,,,,,,"],
        header=header,
    )
    text = data.report.to_csv(index=False) + data.summary()
    for secret in ("SECRET1", "SECRET2", "bad-dob", "AB1 2CD", "EF3 4GH"):
        assert secret not in text
    assert (data.report.loc[data.report["column"].isin(["CHILD", "DOB"]), "value"] == MASK).all()


def test_progress_is_reported_without_personal_data() -> None:
    calls: list[tuple[int, int, str]] = []
    read_903(YEARLY, progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls[-1][0] == calls[-1][1]
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    assert not any("9000" in message for _, _, message in calls)


# --- readers --------------------------------------------------------------------------------


def test_parse_dates_accepts_903_formats() -> None:
    values = pd.Series(
        [
            "01/02/2020",
            "2020-02-01",
            "2020-02-01 00:00:00",
            "1/2/2020",
            "43862",
            None,
            "31/02/2020",
            "02-01-20",
        ]
    )
    parsed = readers.parse_dates(values)
    expected = pd.Timestamp("2020-02-01")
    assert (parsed.iloc[:5] == expected).all()
    assert parsed.iloc[5:7].isna().all()
    # Two-digit years: 00 up to this year's two digits are 2000s.
    assert parsed.iloc[7] == pd.Timestamp("2020-01-02")


def test_decode_text_falls_back_to_windows_encoding() -> None:
    assert readers.decode_text("é".encode()) == ("é", "utf-8")
    assert readers.decode_text("\ufeffé".encode()) == ("é", "utf-8")
    assert readers.decode_text("é".encode("cp1252")) == ("é", "cp1252")
    assert readers.decode_text(b"\x81") == ("\x81", "latin-1")
    assert readers.decode_text("é".encode("utf-16")) == ("é", "utf-16")


def test_excel_unicode_text_export_is_read(tmp_path: Path) -> None:
    write(tmp_path, "header.txt", BASIC_HEADER.replace(",", "\t"), encoding="utf-16")
    write(tmp_path, "episodes.csv", episodes_csv("C1,01/06/2020,S,C2,N1,U4,PR1,,,,,,"))
    data = read_903(tmp_path)
    assert data.usable
    assert len(data.header) == 2
    assert problems(data).empty


# --- property: the row invariant holds whatever the rows contain ---------------------------

_CELL_CHOICES = {
    "CHILD": ["C1", "C2", "C3", "", " c1 "],
    "DECOM": ["01/06/2020", "2020-09-01", "15/11/2020", "", "bad", "01/06/2009", "01/01/2099"],
    "RNE": ["S", "P", "", "z"],
    "LS": ["C2", "V3", "", "ZZ"],
    "PLACE": ["U4", "K2", "XX", ""],
    "PLACE_PROVIDER": ["PR1", "PR4", ""],
    "DEC": ["", "01/09/2020", "01/05/2020", "2021-01-31", "nope"],
    "REC": ["", "X1", "E13", "E99"],
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _CELL_CHOICES.items()}),
        min_size=1,
        max_size=12,
    )
)
def test_row_invariant_holds_for_any_rows(rows: list[dict[str, str]]) -> None:
    frame = pd.DataFrame(rows)
    for column in ("CIN", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"):
        frame[column] = ""
    header = header_csv("C1,1,01/05/2010,,,,", "C2,2,20/08/2015,,,,")
    files = [
        ("header.csv", header.encode()),
        ("episodes.csv", frame.to_csv(index=False).encode()),
    ]
    data = read_903_uploads(files, extract_date="2023-03-31")
    assert_invariants(data)
    rows_in = int(data.files.set_index("table").loc["episodes", "rows_in"])
    non_blank = (frame[list(_CELL_CHOICES)].apply(lambda c: c.str.strip()) != "").any(axis=1)
    assert rows_in == int(non_blank.sum())
    assert (data.episodes["dec"].isna() | (data.episodes["dec"] >= data.episodes["decom"])).all()
    assert (data.episodes["decom"] >= data.episodes["dob"]).all()
    assert np.all(data.episodes["decom"] <= data.extract_date)


def test_files_with_the_same_name_get_short_distinct_labels() -> None:
    files = [
        YEARLY / year / name
        for year in ("2021-22", "2022-23")
        for name in ("header.csv", "episodes.csv")
    ]
    data = read_903(files)
    assert set(data.files["file"]) == {
        "2021-22/header.csv",
        "2021-22/episodes.csv",
        "2022-23/header.csv",
        "2022-23/episodes.csv",
    }
    # The year comes from each file's folder name.
    assert data.extract_date == pd.Timestamp("2023-03-31")
    assert len(data.episodes) == 5


def test_warnings_that_keep_the_row(tmp_path: Path) -> None:
    header = header_csv("C1,1,01/05/2000,WBRI,,,", "C2,2,20/08/2015,WBRI,,,")
    write(tmp_path, "2022/header.csv", header_csv("C2,2,21/08/2015,WBRI,,,"))
    write(tmp_path, "2023/header.csv", header)
    write(
        tmp_path,
        "2023/episodes.csv",
        episodes_csv(
            "C1,01/06/2018,S,C2,N1,U4,PR1,01/09/2018,X1,,,,",
            "C1,01/10/2018,P,C2,N1,U6,PR4,01/01/2019,,,,,",
            "C2,10/01/2022,S,V2,N4,U1,PR1,,E13,,,,",
        ),
    )
    data = read_903(tmp_path)
    report = data.report.set_index(["file", "row", "column"])
    assert report.loc[("2023/episodes.csv", 1, "REC"), "rule"] == "gap_after_x1"
    assert report.loc[("2023/episodes.csv", 1, "DECOM"), "rule"] == "aged_18_at_start"
    assert report.loc[("2023/episodes.csv", 2, "REC"), "rule"] == "missing_value"
    assert report.loc[("2023/episodes.csv", 3, "REC"), "rule"] == "rec_without_dec"
    conflict = report.loc[("2023/header.csv", 2, "DOB")]
    assert (conflict["rule"], conflict["value"]) == ("conflicting_dob", MASK)
    assert set(problems(data)["severity"]) == {"warning"}
    assert len(data.episodes) == 3
    assert pd.isna(data.episodes.set_index("child").loc["C2", "rec"])
    assert data.header.set_index("child").loc["C2", "dob"] == pd.Timestamp("2015-08-20")
    assert_invariants(data)


def test_under_16_in_supported_accommodation_is_warned_in_the_report(tmp_path: Path) -> None:
    # Born 2008: 14 in 2022 (unlawful in H5 since 9 September 2021), 16 in 2024 (lawful).
    write(tmp_path, "2024/header.csv", header_csv("C1,1,15/03/2008,WBRI,,,"))
    write(
        tmp_path,
        "2024/episodes.csv",
        episodes_csv(
            "C1,01/06/2021,S,C2,N1,H5,PR1,01/10/2021,P1,,,,",
            "C1,01/10/2021,P,C2,N1,H5,PR1,20/03/2024,E13,,,,",
            "C1,20/03/2024,P,C2,N1,H5,PR1,,,,,,",
        ),
    )
    data = read_903(tmp_path)
    flagged = data.report[data.report["rule"] == "supported_under_16"]
    # Only the placement that started under 16 after the law came in; the row is kept.
    assert flagged["row"].tolist() == [2]
    assert flagged["severity"].tolist() == ["warning"]
    assert flagged["value"].tolist() == ["H5"]
    assert "9 September 2021" in flagged["message"].iloc[0]
    assert len(data.episodes) == 3


def test_impossible_calendar_day_is_named_as_such(tmp_path: Path) -> None:
    write(tmp_path, "2024/header.csv", header_csv("C1,1,15/03/2008,WBRI,,,"))
    write(
        tmp_path,
        "2024/episodes.csv",
        episodes_csv("C1,31/02/2023,S,C2,N1,U4,PR1,,,,,,", "C1,25/12/2023,P,C2,N1,U4,PR1,,,,,,"),
    )
    data = read_903(tmp_path)
    bad = data.report[data.report["rule"] == "bad_date"]
    assert bad["row"].tolist() == [1]
    assert "31/02" in bad["message"].iloc[0] and "does not exist" in bad["message"].iloc[0]
    assert "2023" not in bad["value"].iloc[0]  # the date itself is never quoted
