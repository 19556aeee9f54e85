"""Every CSV and workbook the commands and the explorer write, fed hostile names and uploaded
values (OWASP CSV-injection examples): no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.exports import workbook_bytes, write_comparison, write_result
from sufficiency.scenario import Scenario, compare, run
from tests.scenario_fixtures import fitted_models
from tests.spreadsheet_checks import HOSTILE, assert_csv_safe, assert_workbook_safe

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "903" / "yearly"
SUPPLY = REPO / "examples" / "supply"

HOSTILE_SCENARIO = Scenario(
    name=HOSTILE[0],
    description=HOSTILE[3],
    horizon_months=24,
    n_simulations=0,
    homes=[
        {"beds": 2, "opening_month": "2025-06", "weekly_running_cost": 9000, "name": HOSTILE[1]},
        {"beds": -1, "opening_month": "2026-01", "weekly_running_cost": 0, "name": HOSTILE[2]},
    ],
)


def assert_folder_safe(folder: Path, *, expect_neutralised: int = 0) -> int:
    """Every CSV and xlsx under ``folder`` is safe; returns how many files were checked."""
    files = sorted(folder.rglob("*.csv")) + sorted(folder.rglob("*.xlsx"))
    assert files, f"nothing written in {folder}"
    for path in files:
        if path.suffix == ".csv":
            assert_csv_safe(path)
        else:
            assert_workbook_safe(path)
    if expect_neutralised:
        text = "".join(p.read_text(encoding="utf-8") for p in files if p.suffix == ".csv")
        assert text.count("'") >= expect_neutralised
    return len(files)


@pytest.fixture(scope="module")
def hostile_result():
    return run(HOSTILE_SCENARIO, models=fitted_models(), random_state=0)


def test_scenario_exports_defuse_names_from_files_and_links(hostile_result, tmp_path):
    write_result(hostile_result, tmp_path)
    assert_folder_safe(tmp_path)
    assert_csv_safe(tmp_path / "assumptions.csv", expect_neutralised=1)
    # the title row, and the homes in the Assumptions sheet
    assert_workbook_safe(tmp_path / "workbook.xlsx", expect_neutralised=1 + 7)
    assert_workbook_safe(workbook_bytes(hostile_result), expect_neutralised=8)


def test_comparison_exports_defuse_scenario_names(hostile_result, tmp_path):
    other = run(Scenario(name=HOSTILE[4], n_simulations=0), models=fitted_models(), random_state=0)
    paths = write_comparison(compare([hostile_result, other]), tmp_path)
    assert_folder_safe(tmp_path)
    assert_csv_safe(paths["headline"], expect_neutralised=2)
    assert_workbook_safe(paths["workbook"], expect_neutralised=2)


def test_scenario_run_and_compare_commands(tmp_path):
    scenario_file = tmp_path / "hostile.toml"
    scenario_file.write_text(HOSTILE_SCENARIO.to_toml(), encoding="utf-8")
    assert main(["scenario", "run", str(scenario_file), "--out", str(tmp_path / "run")]) == 0
    assert_folder_safe(tmp_path / "run")
    assert_workbook_safe(tmp_path / "run" / "workbook.xlsx", expect_neutralised=8)
    baseline = REPO / "examples" / "scenarios" / "baseline.toml"
    status = main(
        ["scenario", "compare", str(scenario_file), str(baseline), "--out", str(tmp_path / "cmp")]
    )
    assert status == 0
    assert_folder_safe(tmp_path / "cmp")


def _hostile_903(folder: Path) -> Path:
    target = folder / "903"
    shutil.copytree(FIXTURES, target)
    path = target / "2021-22" / "episodes.csv"
    episodes = pd.read_csv(path, dtype=str)
    for i, value in enumerate(HOSTILE[:4]):
        episodes.loc[i, "PLACE" if i % 2 else "REASON_PLACE_CHANGE"] = value
    episodes.to_csv(path, index=False)  # a hostile input file, as an attacker would write it
    return target


def test_validation_report_defuses_uploaded_values(tmp_path):
    report = tmp_path / "problems.csv"
    main(["validate", str(_hostile_903(tmp_path)), "--report", str(report)])
    assert_csv_safe(report)
    # The 903 report shows a value only when it looks like a code, so none of these is echoed.
    text = report.read_text()
    assert not any(value in text for value in HOSTILE[:4])
    assert "(not shown)" in text


def test_funnel_outputs_defuse_uploaded_channel_and_campaign_names(tmp_path):
    enquiries = pd.read_csv(SUPPLY / "enquiries.csv", dtype=str)
    spend = pd.read_csv(SUPPLY / "campaign_spend.csv", dtype=str)
    first = enquiries["campaign"].dropna().iloc[0]
    enquiries["campaign"] = enquiries["campaign"].replace(first, HOSTILE[0])
    spend["campaign"] = spend["campaign"].replace(first, HOSTILE[0])
    enquiries.loc[enquiries["withdrawal_reason"].notna(), "withdrawal_reason"] = HOSTILE[3]
    enquiries.loc[0, "channel"] = HOSTILE[2]
    enquiries.to_csv(tmp_path / "enquiries.csv", index=False)
    spend.to_csv(tmp_path / "campaign_spend.csv", index=False)
    out = tmp_path / "funnel"
    status = main(
        [
            "funnel",
            str(tmp_path / "enquiries.csv"),
            str(tmp_path / "campaign_spend.csv"),
            "--out",
            str(out),
            "--simulations",
            "100",
        ]
    )
    assert status == 0
    assert_folder_safe(out)
    assert_csv_safe(out / "cost_per_outcome.csv", expect_neutralised=1)


def test_carer_household_report_defuses_uploaded_values(tmp_path):
    households = pd.read_csv(SUPPLY / "carer_households.csv", dtype=str)
    households.loc[0, "carer_type"] = HOSTILE[0]
    households.loc[1, "deregistration_reason"] = HOSTILE[3]
    households.loc[1, "deregistration_date"] = "01/01/2024"
    households.to_csv(tmp_path / "households.csv", index=False)
    report = tmp_path / "report.csv"
    status = main(
        [
            "carers",
            str(tmp_path / "households.csv"),
            "--out",
            str(tmp_path / "carers.csv"),
            "--report",
            str(report),
            "--simulations",
            "20",
            "--horizon",
            "12",
        ]
    )
    assert status == 0
    assert_csv_safe(tmp_path / "carers.csv")
    assert_csv_safe(report, expect_neutralised=1)


def test_plan_command_outputs(tmp_path):
    scenario_file = tmp_path / "hostile.toml"
    scenario_file.write_text(HOSTILE_SCENARIO.to_toml(), encoding="utf-8")
    out = tmp_path / "plan"
    status = main(
        [
            "plan",
            str(scenario_file),
            "--ifa-share-target",
            "40",
            "--ifa-share-by",
            "2026-03",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    assert assert_folder_safe(out) >= 2


def test_the_explorers_download_helpers_defuse_text():
    from app_pages.common import csv_bytes, excel_bytes

    frame = pd.DataFrame({"name": list(HOSTILE), "children": range(len(HOSTILE))})
    assert_csv_safe(csv_bytes(frame), expect_neutralised=len(HOSTILE) - 1)
    assert_workbook_safe(excel_bytes({"table": frame}), expect_neutralised=len(HOSTILE) - 1)
