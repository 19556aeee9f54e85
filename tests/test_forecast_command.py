"""`sufficiency fit` and `sufficiency forecast`: in-process and one real subprocess run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.codes import AGE_BANDS, PLACEMENT_CATEGORIES

FIXTURE = Path(__file__).parent / "fixtures" / "903" / "d2i_fake"
COLUMNS = ["date", "age_band", "placement_category", "mean", "p2_5", "p10", "p50", "p90", "p97_5"]


@pytest.fixture
def models(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(folder))
    return folder


def test_fit_then_forecast_uses_saved_model(tmp_path, models, capsys):
    assert main(["fit", str(FIXTURE), "--no-backtest"]) == 0
    manifest = json.loads((models / "demand" / "manifest.json").read_text())
    assert len(manifest["data_fingerprint"]) == 64
    out = tmp_path / "forecast.csv"
    assert main(["forecast", str(FIXTURE), "--horizon", "12", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "saved model" in err
    frame = pd.read_csv(out)
    assert list(frame.columns) == COLUMNS
    assert frame["date"].nunique() == 12
    totals = frame[(frame["age_band"] == "all") & (frame["placement_category"] == "all")]
    assert len(totals) == 12
    assert (totals["p2_5"] <= totals["p50"]).all() and (totals["p50"] <= totals["p97_5"]).all()
    assert set(frame.loc[frame["age_band"] == "all", "placement_category"]) >= {
        "all",
        "IFA fostering",
    }
    assert frame[COLUMNS[3:]].notna().all().all()
    # the same seed gives the same forecast; a fresh fit gives it too
    again = tmp_path / "again.csv"
    assert main(["forecast", str(FIXTURE), "--horizon", "12", "--out", str(again), "--refit"]) == 0
    pd.testing.assert_frame_equal(frame, pd.read_csv(again))
    quartiles = tmp_path / "quartiles.csv"
    assert (
        main(["forecast", str(FIXTURE), "--horizon", "2", "--out", str(quartiles), "--quartiles"])
        == 0
    )
    wide = pd.read_csv(quartiles)
    assert {"p25", "p75"} <= set(wide.columns)
    assert (wide["p25"] <= wide["p75"]).all()


def test_bad_arguments_are_plain_errors(tmp_path, models, capsys):
    assert main(["forecast", str(FIXTURE), "--horizon", "0", "--out", str(tmp_path / "x.csv")]) == 1
    assert "--horizon must be between 1 and 120" in capsys.readouterr().err
    assert main(["forecast", str(FIXTURE), "--paths", "5"]) == 1
    assert "--paths must be between" in capsys.readouterr().err
    assert main(["forecast", str(tmp_path / "nowhere"), "--horizon", "3"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_forecast_subprocess_writes_stdout(tmp_path):
    env = os.environ | {"SUFFICIENCY_MODELS_DIR": str(tmp_path / "models")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sufficiency.cli",
            "forecast",
            str(FIXTURE),
            "--horizon",
            "3",
            "--paths",
            "200",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    # every cell, each band's total, each category's total and the grand total, each month
    rows_per_month = (len(AGE_BANDS) + 1) * (len(PLACEMENT_CATEGORIES) + 1)
    assert len(lines) == 1 + 3 * rows_per_month
    assert not (tmp_path / "models").exists()  # forecasting never writes models
