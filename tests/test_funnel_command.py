"""``sufficiency funnel``: outputs from demo and user files, clear errors, no identifiers printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("funnel")
    status = main(["funnel", "--out", str(out), "--simulations", "300", "--horizon", "18"])
    assert status == 0
    return out


def test_demo_outputs_have_the_agreed_columns(demo_out):
    conversion = pd.read_csv(demo_out / "conversion.csv")
    assert list(conversion.columns[:6]) == [
        "from_stage",
        "to_stage",
        "group",
        "rate",
        "lower",
        "upper",
    ]
    assert {"all", "channel: radio", "year: 2019-20"} <= set(conversion["group"])
    assert conversion["rate"].dropna().between(0, 1).all()
    durations = pd.read_csv(demo_out / "stage_durations.csv")
    assert {"from_stage", "to_stage", "group", "median_days", "share_converting"} <= set(
        durations.columns
    )
    projection = pd.read_csv(demo_out / "pipeline_projection.csv")
    assert list(projection.columns[:4]) == ["month", "expected_approvals", "lower", "upper"]
    assert len(projection) == 18 and projection["month"].iloc[0] == "2024-04"
    assert (projection["lower"] <= projection["upper"]).all()
    costs = pd.read_csv(demo_out / "cost_per_outcome.csv")
    assert {"channel", "campaign", "cost_per_approval"} <= set(costs.columns)
    assert "ROC AUC" in (demo_out / "model_evaluation.txt").read_text()


def test_outputs_hold_no_enquiry_identifiers(demo_out):
    for path in demo_out.iterdir():
        assert "SYN-" not in path.read_text(), path.name


def test_user_files_with_too_little_history_still_give_the_tables(tmp_path, capsys):
    status = main(
        [
            "funnel",
            str(REPO / "examples/supply"),
            "--out",
            str(tmp_path),
            "--extract-date",
            "2024-03-31",
        ]
    )
    assert status == 0
    conversion = pd.read_csv(tmp_path / "conversion.csv")
    overall = conversion[(conversion["group"] == "all") & (conversion["to_stage"] == "approval")]
    assert not overall.empty
    assert not (tmp_path / "pipeline_projection.csv").exists()
    captured = capsys.readouterr()
    assert "not written" in captured.err and "EX-00" not in captured.err + captured.out


def test_bad_arguments_and_files_give_one_clear_message(tmp_path, capsys):
    assert main(["funnel", str(tmp_path / "missing.csv"), "--out", str(tmp_path)]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["funnel", "--out", str(tmp_path), "--interval", "80"]) == 1
    assert "--interval" in capsys.readouterr().err
    bad = tmp_path / "enquiries.csv"
    bad.write_text("enquiry_id,channel\nA1,radio\n")
    assert main(["funnel", str(bad), "--out", str(tmp_path / "o")]) == 1
    assert "enquiry_date" in capsys.readouterr().err


def test_subprocess_run_with_spend_file(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sufficiency.cli",
            "funnel",
            str(REPO / "examples/supply/enquiries.csv"),
            str(REPO / "examples/supply/campaign_spend.csv"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    costs = pd.read_csv(tmp_path / "cost_per_outcome.csv")
    radio = costs[(costs["channel"] == "radio") & (costs["campaign"] == "all campaigns")].iloc[0]
    assert radio["spend"] == pytest.approx(4000 + 4250 + 12000)
    assert radio["enquiries"] == 3
