"""The ``sufficiency validate`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.schemas import VALIDATION_REPORT

FIXTURES = Path(__file__).parent / "fixtures" / "903"
YEARLY = FIXTURES / "yearly"
D2I = FIXTURES / "d2i_fake"


def _personal_strings(folder: Path) -> set[str]:
    """Child ids, dates of birth (as written and ISO) and postcodes in a fixture folder."""
    secrets: set[str] = set()
    dates_not_personal: set[str] = set()
    for path in folder.rglob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.columns = [c.strip().upper().lstrip("\ufeff") for c in frame.columns]
        secrets |= {v.strip() for v in frame.get("CHILD", pd.Series(dtype=str)) if v.strip()}
        for column in ("HOME_POST", "PL_POST"):
            secrets |= {v.strip() for v in frame.get(column, pd.Series(dtype=str)) if v.strip()}
        for dob in frame.get("DOB", pd.Series(dtype=str)):
            if dob.strip():
                secrets.add(dob.strip())
                parsed = pd.to_datetime(dob.strip(), dayfirst=True, errors="coerce")
                if pd.notna(parsed):
                    secrets.add(f"{parsed:%Y-%m-%d}")
        for column in ("DECOM", "DEC"):
            for value in frame.get(column, pd.Series(dtype=str)):
                if value.strip():
                    parsed = pd.to_datetime(value.strip(), dayfirst=True)
                    dates_not_personal |= {value.strip(), f"{parsed:%Y-%m-%d}"}
    # A date of birth that is also an episode date is printed as an episode date, not as a DOB.
    return secrets - dates_not_personal


def _write_bad_folder(folder: Path) -> Path:
    """A folder with a problem of each kind, using identifiers that are easy to search for."""
    folder.mkdir()
    (folder / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "KID0001,1,03/04/2011,WBRI,,,\n"
        "KID0002,2,17/09/2014,WBRI,,,\n"
        "KID0003,2,31/02/2014,WBRI,,,\n"
    )
    (folder / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "KID0001,01/06/2020,S,C2,N1,U4,PR1,,,,ZZ9 9ZZ,YY8 8YY,SC1\n"
        "KID0001,01/09/2020,P,C2,N1,XX,PR4,01/08/2020,E13,,ZZ9 9ZZ,YY8 8YY,SC1\n"
        "KID0002,01/06/2010,S,C2,N1,U4,PR1,,,,ZZ9 9ZZ,YY8 8YY,SC1\n"
        "KID0003,01/06/2020,S,C2,N1,U4,PR1,,,,ZZ9 9ZZ,YY8 8YY,SC1\n"
        "KID0009,01/06/2020,S,C2,N1,U4,PR1,,,,ZZ9 9ZZ,YY8 8YY,SC1\n"
    )
    return folder


def test_validate_fixture_prints_summary_and_exits_zero(capsys: pytest.CaptureFixture) -> None:
    status = main(["validate", str(YEARLY)])
    out = capsys.readouterr().out
    assert status == 0
    assert "extract date 2023-03-31" in out
    assert "2022-23/episodes.csv" in out
    assert "all episodes: 8 rows in, 8 kept, 0 rejected" in out
    assert "5 episodes of 4 children; dates run from April 2019 to March 2023" in out
    assert "Data usable: yes" in out


def test_report_csv_has_every_problem_row(tmp_path: Path, capsys) -> None:
    folder = _write_bad_folder(tmp_path / "bad")
    report_path = tmp_path / "out" / "report.csv"
    status = main(["validate", str(folder), "--report", str(report_path)])
    out = capsys.readouterr().out
    assert status == 0  # some episodes are usable
    report = pd.read_csv(report_path, dtype=str, keep_default_na=False)
    assert list(report.columns) == list(VALIDATION_REPORT)
    errors = report[report["severity"] == "error"]
    assert set(errors["rule"]) == {
        "bad_date",
        "dec_before_decom",
        "decom_before_dob",
        "child_not_in_header",
    }
    assert set(report.loc[report["severity"] == "warning", "rule"]) == {"unknown_code"}
    assert "rows_in" not in out
    assert "all episodes: 5 rows in, 1 kept, 4 rejected" in out
    assert f"written to {report_path}" in out
    assert (report["message"].str.len() > 20).all()


def test_no_child_ids_dates_of_birth_or_postcodes_leak(tmp_path: Path, capsys) -> None:
    folder = _write_bad_folder(tmp_path / "bad")
    for source, name in ((folder, "bad.csv"), (D2I, "d2i.csv")):
        report_path = tmp_path / name
        main(["validate", str(source), "--report", str(report_path)])
        captured = capsys.readouterr()
        text = captured.out + captured.err + report_path.read_text()
        secrets = _personal_strings(source)
        assert len(secrets) > 10
        leaked = sorted(s for s in secrets if s in text)
        assert leaked == []


def test_unusable_data_exits_one(tmp_path: Path, capsys) -> None:
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB\nA1,1,01/01/2012\n")
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,PLACE,PLACE_PROVIDER,DEC,REC\nB2,01/06/2020,S,C2,U4,PR1,,\n"
    )
    status = main(["validate", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1
    assert "Data usable: no" in out
    assert "child_not_in_header" in out


def test_fatal_problem_is_one_message_and_report_row(tmp_path: Path, capsys) -> None:
    (tmp_path / "budget.csv").write_text("cost_centre,amount\nA12,100\n")
    report_path = tmp_path / "report.csv"
    status = main(["validate", str(tmp_path / "budget.csv"), "--report", str(report_path)])
    captured = capsys.readouterr()
    assert status == 1
    assert "budget.csv: this is not an SSDA903" in captured.err
    assert "Traceback" not in captured.err
    report = pd.read_csv(report_path, dtype=str, keep_default_na=False)
    assert list(report["severity"]) == ["fatal"]
    assert list(report["rule"]) == ["not_903"]
    # Without --report the message still comes through main's error handling.
    status = main(["validate", str(tmp_path / "missing.csv")])
    assert status == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_help_describes_the_command(capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["validate", "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert "--report" in out
    assert "Exit status: 0" in out


def test_no_path_checks_the_demo_authority(capsys) -> None:
    status = main(["validate"])
    out = capsys.readouterr().out
    assert status == 0
    assert "synthetic demo authority" in out
    assert "Data usable: yes" in out


def test_subprocess_run_has_no_traceback(tmp_path: Path) -> None:
    folder = _write_bad_folder(tmp_path / "bad")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    good = subprocess.run(
        [sys.executable, "-m", "sufficiency.cli", "validate", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0
    assert "Problems:" in good.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "sufficiency.cli", "validate", str(empty)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "empty.csv: the file is empty (0 bytes)" in bad.stderr
    assert "Traceback" not in bad.stderr + good.stderr
