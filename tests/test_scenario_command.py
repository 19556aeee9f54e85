"""``sufficiency scenario run`` and ``compare``: in-process and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sufficiency.cli import main
from tests.spreadsheet_checks import read_csv_by_name

DATA = Path(__file__).parent / "fixtures" / "903" / "d2i_fake"
EXAMPLES = Path(__file__).parent.parent / "examples" / "scenarios"
HOUSEHOLDS = Path(__file__).parent.parent / "data" / "demo" / "supply" / "carer_households.csv"


def test_run_writes_the_promised_files(tmp_path, capsys):
    status = main(
        [
            "scenario",
            "run",
            str(EXAMPLES / "recruitment_push.toml"),
            "--data",
            str(DATA),
            "--out",
            str(tmp_path),
            "--simulations",
            "20",
            "--households",
            str(HOUSEHOLDS),
            "--funnel",
            str(HOUSEHOLDS.parent / "enquiries.csv"),
            str(HOUSEHOLDS.parent / "campaign_spend.csv"),
        ]
    )
    assert status == 0
    placements = read_csv_by_name(tmp_path / "placements.csv")
    # the documented columns first, in their order (scripts that read them by position still
    # work), then the shares of the average counts and the figures without the plan
    assert list(placements.columns[:9]) == [
        "month",
        "age_band",
        "placement_category",
        "provider",
        "mean",
        "p10",
        "p90",
        "ifa_share_of_fostering_pct",
        "ifa_share_of_non_kinship_fostering_pct",
    ]
    assert list(placements.columns[9:]) == [
        "ifa_share_of_fostering_of_mean_counts_pct",
        "ifa_share_of_non_kinship_fostering_of_mean_counts_pct",
        "mean_without_plan",
        "ifa_share_of_fostering_without_plan_pct",
        "ifa_share_of_non_kinship_fostering_without_plan_pct",
        "ifa_share_of_fostering_without_plan_of_mean_counts_pct",
        "ifa_share_of_non_kinship_fostering_without_plan_of_mean_counts_pct",
    ]
    costs = read_csv_by_name(tmp_path / "costs_by_financial_year.csv")
    assert list(costs.columns[:6]) == [
        "financial_year",
        "placement_category",
        "provider",
        "cost_mean",
        "cost_p10",
        "cost_p90",
    ]
    assert (tmp_path / "carers_needed.csv").is_file()
    assert (tmp_path / "workbook.xlsx").stat().st_size > 5000
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["scenario"] == "recruitment push"
    assert summary["simulated_paths"] == 20
    assert summary["synthetic_demo_data"] is False
    out = capsys.readouterr().out
    assert "Total cost" in out
    # the end month is named beside the share, with the measure every page uses
    end = pd.Timestamp(summary["origin"]) + pd.offsets.MonthEnd(summary["horizon_months"])
    assert summary["ifa_share_end_month"] == f"{end:%Y-%m}"
    assert f"IFA share at the end ({end:%B %Y}): " in out
    assert "each simulated future's own share, averaged" in out


def test_bad_scenario_file_is_one_clear_message(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("version = 1\nstep_downs_per_year = -4\n", encoding="utf-8")
    status = main(["scenario", "run", str(bad), "--data", str(DATA), "--out", str(tmp_path)])
    assert status == 1
    err = capsys.readouterr().err
    assert "step_downs_per_year" in err and "0 to 200" in err and "Traceback" not in err
    assert main(["scenario", "run", str(tmp_path / "missing.toml"), "--out", str(tmp_path)]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_compare_subprocess(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sufficiency.cli",
            "scenario",
            "compare",
            str(EXAMPLES / "baseline.toml"),
            str(EXAMPLES / "edge_of_care.toml"),
            "--data",
            str(DATA),
            "--out",
            str(tmp_path),
            "--simulations",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    headline = read_csv_by_name(tmp_path / "compare_headline.csv")  # units in the headers
    for name in ("placements", "carers", "costs", "differences"):
        read_csv_by_name(tmp_path / f"compare_{name}.csv")
    assert list(headline["scenario"]) == ["baseline", "edge-of-care reduction"]
    # fewer entries cannot mean more children at the end
    assert headline["children_end"].iloc[1] <= headline["children_end"].iloc[0] + 1e-9
    assert (tmp_path / "comparison.xlsx").is_file()
    assert (tmp_path / "baseline" / "placements.csv").is_file()
    assert (tmp_path / "edge-of-care_reduction" / "summary.html").is_file()
