"""`sufficiency carers`: in-process runs on the demo and a user file, errors, one subprocess run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.supply.capacity import ALL_AGES, BANDS_WITH_TOTAL

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "supply" / "carer_households.csv"


def test_demo_run_writes_months_by_age_band(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "carers.csv"
    status = main(["carers", "--horizon", "24", "--out", str(out), "--simulations", "200"])
    assert status == 0
    frame = pd.read_csv(out)
    assert len(frame) == 25 * len(BANDS_WITH_TOTAL)
    assert set(frame["age_band"]) == set(BANDS_WITH_TOTAL)
    for measure in ("households", "approved_places", "usable_places"):
        assert {f"{measure}_mean", f"{measure}_p10", f"{measure}_p90"} <= set(frame.columns)
    total = frame[frame["age_band"] == ALL_AGES]
    assert total["month"].iloc[0] == "2024-03-31" and total["month"].iloc[-1] == "2026-03-31"
    assert (total["households_p10"] <= total["households_p90"]).all()
    assert total["households_mean"].iloc[-1] < total["households_mean"].iloc[0]
    assert total["usable_places_mean"].iloc[0] == pytest.approx(
        total["approved_places_mean"].iloc[0] * 0.66, rel=1e-3
    )
    err = capsys.readouterr().err
    assert "synthetic" in err.lower() and "Households (mainstream" in err
    assert "SYN-H" not in err  # no household references printed


def test_recruitment_raises_the_projection(tmp_path: Path) -> None:
    base, recruited = tmp_path / "base.csv", tmp_path / "recruited.csv"
    assert main(["carers", "--horizon", "12", "--out", str(base), "--simulations", "100"]) == 0
    assert (
        main(
            [
                "carers",
                "--horizon",
                "12",
                "--out",
                str(recruited),
                "--simulations",
                "100",
                "--approvals-per-month",
                "3",
            ]
        )
        == 0
    )
    last = {
        name: pd.read_csv(path).query("age_band == @ALL_AGES").iloc[-1]
        for name, path in (("base", base), ("recruited", recruited))
    }
    gained = last["recruited"]["households_mean"] - last["base"]["households_mean"]
    assert gained == pytest.approx(36 * 0.93, rel=0.15)  # 3 a month, a few leave within the year


def test_user_file_and_report(tmp_path: Path) -> None:
    out, report = tmp_path / "out.csv", tmp_path / "report.csv"
    status = main(
        [
            "carers",
            str(EXAMPLE),
            "--extract-date",
            "2024-03-31",
            "--horizon",
            "6",
            "--out",
            str(out),
            "--report",
            str(report),
        ]
    )
    assert status == 0
    assert pd.read_csv(out)["horizon_month"].max() == 6
    assert report.exists()


def test_errors_are_messages_not_tracebacks(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("household_id,approval_date\nH1,01/01/2020\n", encoding="utf-8")
    assert main(["carers", str(bad), "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert "carer_type" in err and "Traceback" not in err
    assert main(["carers", "--horizon", "0", "--out", str(tmp_path / "x.csv")]) == 1
    assert "--horizon" in capsys.readouterr().err
    assert main(["carers", "--extract-date", "someday", "--out", str(tmp_path / "x.csv")]) == 1
    assert main(["carers", "--carer-types", "pirates", "--out", str(tmp_path / "x.csv")]) == 1
    assert "pirates" in capsys.readouterr().err


def test_carer_types_select_households(tmp_path: Path) -> None:
    everyone, kinship = tmp_path / "all.csv", tmp_path / "kinship.csv"
    common = ["--horizon", "1", "--simulations", "10"]
    assert main(["carers", *common, "--out", str(everyone)]) == 0
    assert (
        main(["carers", *common, "--carer-types", "Family and friends", "--out", str(kinship)]) == 0
    )
    first = {
        name: pd.read_csv(path).query("age_band == @ALL_AGES").iloc[0]["households_mean"]
        for name, path in (("all", everyone), ("kinship", kinship))
    }
    assert 50 < first["kinship"] < 90 and 50 < first["all"] < 90


def test_subprocess_run(tmp_path: Path) -> None:
    out = tmp_path / "carers.csv"
    result = subprocess.run(
        [sys.executable, "-m", "sufficiency.cli", "carers", "--horizon", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == 4 * len(BANDS_WITH_TOTAL)
    help_text = subprocess.run(
        [sys.executable, "-m", "sufficiency.cli", "carers", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "--horizon" in help_text and "Ofsted" in help_text
