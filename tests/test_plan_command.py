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
            "3",
            "--budget",
            "60000",
        ]
    )
    assert status == 0
    households = pd.read_csv(out / "recommended_households.csv")
    assert list(households.columns) == [
        "quarter",
        "quarter_start",
        "specialism",
        "approvals",
        "households_in_post",
        "usable_places",
    ]
    assert households["approvals"].sum() >= 1
    assert households.groupby("quarter_start")["approvals"].sum().max() <= 3 + 1e-6
    placements = pd.read_csv(out / "placements.csv")
    assert {"ifa_share_pct", "target_ifa_share_pct", "in_house_fostering"} <= set(placements)
    assert placements["ifa_share_pct"].between(0, 100).all()
    shortfalls = pd.read_csv(out / "shortfalls.csv")
    assert list(shortfalls.columns) == ["quarter", "target", "places_short", "best_ifa_share_pct"]
    marketing = pd.read_csv(out / "marketing_by_channel.csv")
    # real 903 data without --funnel: no marketing planned, and the note says so
    assert marketing.empty
    costs = pd.read_csv(out / "costs.csv").set_index("item")["cost_gbp"]
    assert costs["recruitment and assessment"] == pytest.approx(
        households["approvals"].sum() * 9_500, rel=1e-6
    )
    assert set(pd.read_excel(out / "plan.xlsx", sheet_name=None)) >= {
        "recommended_households",
        "placements",
        "costs",
    }
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert text.startswith("# Recommended recruitment plan: planned")
    assert "Assessment capacity: 3 households a quarter (entered)" in text
    assert "£60,000 per financial year" in text
    assert "IFA share of non-kinship fostering at or below 25%" in text
    assert "marketing is not planned" in text
    printed = capsys.readouterr()
    assert "Recommended plan from" in printed.out


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
            "--no-marketing",
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
        "placements.csv",
        "shortfalls.csv",
        "plan.md",
    ):
        assert (out / name).is_file(), name
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert "Scenario: baseline (no levers)" in text
    assert "not planned (--no-marketing)" in text
    placements = pd.read_csv(out / "placements.csv")
    # the target applies from the horizon's last month when no month is given
    assert placements["target_ifa_share_pct"].iloc[-1] == pytest.approx(40)
    assert placements["ifa_share_pct"].iloc[-1] <= 40 + 0.1 or (
        not pd.read_csv(out / "shortfalls.csv").empty
    )


def test_plan_with_funnel_records_plans_marketing(saved_models, scenario_file, tmp_path, capsys):
    supply = REPO / "data" / "demo" / "supply"
    out = tmp_path / "funnel"
    status = main(
        [
            "plan",
            str(scenario_file),
            "--data",
            str(DATA),
            "--funnel",
            str(supply / "enquiries.csv"),
            str(supply / "campaign_spend.csv"),
            "--channel-reach",
            "3",
            "--out",
            str(out),
        ]
    )
    assert status == 0, capsys.readouterr().err
    marketing = pd.read_csv(out / "marketing_by_channel.csv")
    assert list(marketing.columns) == ["quarter", "quarter_start", "channel", "enquiries", "spend"]
    assert marketing["spend"].sum() > 0
    costs = pd.read_csv(out / "costs.csv").set_index("item")["cost_gbp"]
    assert costs["marketing"] == pytest.approx(marketing["spend"].sum(), rel=1e-6)
    text = (out / "plan.md").read_text(encoding="utf-8")
    assert "enquiries.csv" in text and "reach 3x" in text
    assert "median days from enquiry to approval in your enquiry records" in text


def test_demand_quantile_needs_simulated_paths(saved_models, scenario_file, tmp_path, capsys):
    args = ["plan", str(scenario_file), "--data", str(DATA), "--out", str(tmp_path)]
    assert main([*args, "--demand-quantile", "1.5"]) == 1
    assert "share between 0 and 1" in capsys.readouterr().err
    assert main([*args, "--demand-quantile", "0.8"]) == 1
    assert "--simulations" in capsys.readouterr().err
