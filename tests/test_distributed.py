"""Scenario sweeps on a real local Dask cluster (two worker processes)."""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.distributed import local_client, run_scenarios, sweep, swept_scenarios
from sufficiency.errors import SufficiencyError
from sufficiency.scenario import Scenario, run
from tests.scenario_fixtures import fitted_models
from tests.spreadsheet_checks import read_csv_by_name

BASE = Scenario(name="base", horizon_months=24, n_simulations=20)


@pytest.fixture(scope="module")
def models():
    return fitted_models()


@pytest.fixture(scope="module")
def client():
    with local_client(n_workers=2) as dask_client:
        yield dask_client


def test_cluster_runs_match_local_runs_in_order(models, client):
    scenarios = swept_scenarios(BASE, "step_downs_per_year", [0, 6, 12])
    results = run_scenarios(scenarios, models, client=client, random_state=3)
    assert [r.scenario for r in results] == scenarios
    local = run(scenarios[1], models=models, random_state=3)
    pd.testing.assert_frame_equal(results[1].placements, local.placements)
    assert len(client.scheduler_info()["workers"]) == 2


def test_more_approvals_lower_the_ifa_share(models, client):
    table = sweep(BASE, "approvals_per_quarter.mainstream", [0, 5, 10], models, client=client)
    assert list(table["value"]) == [0.0, 5.0, 10.0]
    assert (table["lever"] == "approvals_per_quarter.mainstream").all()
    assert table["ifa_share_end_pct"].is_monotonic_decreasing
    assert table["in_house_households_end"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("lever", "values", "message"),
    [
        ("no_such_lever", [1, 2], "not a lever"),
        ("approvals_per_quarter", [1, 2], "needs an entry name"),
        ("step_downs_per_year.x", [1, 2], "takes no"),
        ("step_downs_per_year", [1], "at least two values"),
        ("step_downs_per_year", [1, -5], "step"),
    ],
)
def test_bad_sweeps_are_plain_errors(lever, values, message):
    with pytest.raises(SufficiencyError, match=message):
        swept_scenarios(BASE, lever, values)


def test_sweep_command_writes_one_row_per_value(tmp_path):
    scenario_file = tmp_path / "base.toml"
    scenario_file.write_text(BASE.to_toml())
    out = tmp_path / "out"
    status = main(
        [
            "scenario",
            "sweep",
            str(scenario_file),
            "--lever",
            "step_downs_per_year",
            "--values",
            "0,10",
            "--workers",
            "2",
            "--simulations",
            "0",
            "--data",
            "tests/fixtures/903/d2i_fake",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    header = (out / "sweep.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "value (children a year" in header  # the lever's own unit
    assert "ifa_share_end_pct (% of all foster placements, at end_month)" in header
    table = read_csv_by_name(out / "sweep.csv")
    assert list(table["value"]) == [0.0, 10.0]
