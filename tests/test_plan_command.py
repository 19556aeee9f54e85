"""``sufficiency plan``: in-process and as a real subprocess, on the d2i fake 903 extract.

The demand model is fitted once (real fit) and saved to a temporary models folder, so every run
below loads it through the same path ``sufficiency fit`` users take.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from tests.spreadsheet_checks import read_csv_by_name

DATA = Path(__file__).parent / "fixtures" / "903" / "d2i_fake"
REPO = Path(__file__).resolve().parents[1]

SCENARIO = """
version = 1
name = "planned"
horizon_months = 36
n_simulations = 0
ifa_share_target_pct = 25.0
ifa_share_target_date = "2020-03"
"""


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    from sufficiency.data.ssda903 import read_903
    from sufficiency.demand.artefacts import save_fitted
    from sufficiency.demand.pipeline import demand_inputs, fit_demand

    folder = tmp_path_factory.mktemp("models")
    data = read_903(DATA)
    fitted = fit_demand(demand_inputs(data.episodes, data.extract_date), backtest=False)
    save_fitted(fitted, folder / "demand")
    return folder


@pytest.fixture
def saved_models(models_dir, monkeypatch):
    monkeypatch.setenv("SUFFICIENCY_MODELS_DIR", str(models_dir))
    return models_dir


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "planned.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_plan_writes_the_promised_files(saved_models, scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(
        [
            "plan",
            str(scenario_file),
            "--data",
            str(DATA),
            "--out",
            str(out),
            "--assessment-capacity",
            "8",
            "--budget",
            "200000",
            "--channel-reach",
            "20",
        ]
    )
    assert status == 0, capsys.readouterr().err
    households = read_csv_by_name(out / "recommended_households.csv")
    assert list(households.columns) == [
        "quarter",
        "quarter_start",
        "specialism",
        "approvals",
        "households_in_post",
        "usable_places",
    ]
    assert households["approvals"].sum() >= 1
    targets = read_csv_by_name(out / "targets.csv")
    assert {"feasible", "best_achievable", "earliest_month", "now", "projected"} <= set(targets)
    marketing = read_csv_by_name(out / "marketing_by_channel.csv")
    assert list(marketing.columns) == ["quarter", "quarter_start", "channel", "enquiries", "spend"]
    costs = read_csv_by_name(out / "costs.csv").set_index("item")["cost_gbp"]
    assert any("net present value" in item for item in costs.index)
    assert set(pd.read_excel(out / "plan.xlsx", sheet_name=None)) >= {
        "recommended_households",
        "targets",
        "costs",
    }
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert text.startswith("# Recommended recruitment plan: planned")
    assert "Assessment capacity: 8 households a quarter (set in the scenario)" in text
    assert "£200,000 per financial year" in text
    printed = capsys.readouterr()
    assert "extra in-house households" in printed.out or "cannot be met" in printed.out


def test_plan_and_scenario_run_report_the_same_approvals(saved_models, scenario_file, tmp_path):
    import json

    assert (
        main(["plan", str(scenario_file), "--data", str(DATA), "--out", str(tmp_path / "p")]) == 0
    )
    assert (
        main(
            [
                "scenario",
                "run",
                str(scenario_file),
                "--data",
                str(DATA),
                "--out",
                str(tmp_path / "s"),
            ]
        )
        == 0
    )
    planned = read_csv_by_name(tmp_path / "p" / "recommended_households.csv")["approvals"].sum()
    summary = json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))
    assert summary["approvals_needed_total"] == round(planned)
    assert {"feasible", "best_achievable"} <= set(summary["targets"][0])
    assert "ifa_share_of_fostering_end_pct" in summary
    assert "ifa_share_of_non_kinship_fostering_end_pct" in summary
    assert "npv_gbp" in summary


def test_plan_needs_no_file_and_reports_bad_options_plainly(saved_models, tmp_path, capsys):
    status = main(
        ["plan", "--out", str(tmp_path), "--ifa-share-target", "30", "--ifa-share-by", "March 2020"]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert "ifa_share_target_date" in err and "2028-03" in err
    assert "Traceback" not in err

    assert main(["plan", "--out", str(tmp_path), "--ifa-share-by", "2020-03"]) == 1
    assert "ifa_share_target_pct is not" in capsys.readouterr().err

    assert main(["plan", "--out", str(tmp_path), "--assessment-capacity", "-1"]) == 1
    assert "zero or more households a quarter" in capsys.readouterr().err


def test_plan_subprocess_baseline_with_a_target(saved_models, tmp_path):
    out = tmp_path / "sub"
    env = {**os.environ, "SUFFICIENCY_MODELS_DIR": str(saved_models)}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sufficiency.cli",
            "plan",
            "--data",
            str(DATA),
            "--out",
            str(out),
            "--simulations",
            "0",
            "--ifa-share-target",
            "40",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    for name in (
        "recommended_households.csv",
        "marketing_by_channel.csv",
        "targets.csv",
        "quarterly.csv",
        "costs.csv",
        "plan.md",
    ):
        assert (out / name).is_file(), name
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert "Scenario: baseline (no levers)" in text
    targets = read_csv_by_name(out / "targets.csv")
    # the target applies from the horizon's last month when no month is given
    assert targets["target_value"].iloc[0] == pytest.approx(40)
    assert targets["feasible"].iloc[0] == (targets["projected"].iloc[0] <= 40.05)


def test_plan_with_funnel_records_plans_marketing(saved_models, scenario_file, tmp_path, capsys):
    supply = REPO / "data" / "demo" / "supply"
    out = tmp_path / "funnel"
    # without a plan the approvals of the records' last 12 months continue: the demo's 3.25 a
    # quarter would swamp this small authority's 2.5 households, so leave out the enquiries
    # approved in that year (no approvals now: every household the target needs is planned)
    enquiries = pd.read_csv(supply / "enquiries.csv")
    recent = pd.to_datetime(enquiries["approval_date"]) > "2023-03-31"
    enquiries_file = tmp_path / "enquiries.csv"
    enquiries[~recent].to_csv(enquiries_file, index=False)
    status = main(
        [
            "plan",
            str(scenario_file),
            "--data",
            str(DATA),
            "--funnel",
            str(enquiries_file),
            str(supply / "campaign_spend.csv"),
            "--channel-reach",
            "3",
            "--out",
            str(out),
        ]
    )
    assert status == 0, capsys.readouterr().err
    marketing = read_csv_by_name(out / "marketing_by_channel.csv")
    assert list(marketing.columns) == ["quarter", "quarter_start", "channel", "enquiries", "spend"]
    assert marketing["spend"].sum() > 0
    assert "marketing (national figures)" not in set(marketing["channel"])
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert "3x recent enquiries (set in the scenario)" in text
    assert "your records" in text


def test_plan_on_the_demo_at_an_earlier_extract_date_says_it_is_synthetic(
    scenario_file, tmp_path, capsys
):
    # --extract-date without --data reads the demo authority as extracted on that date: still
    # the synthetic demo, never "your 903 data ()".
    out = tmp_path / "plan"
    status = main(["plan", str(scenario_file), "--extract-date", "2023-09-30", "--out", str(out)])
    assert status == 0
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert "synthetic demo data, not a real council" in text
    assert "your 903 data" not in text
