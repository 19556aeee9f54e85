"""Engines (local worker processes, a real Dask LocalCluster) and the ``national`` command."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.distributed import (
    MAX_WORKERS,
    engine,
    validate_engine,
    validate_scheduler,
    validate_workers,
)
from sufficiency.errors import SufficiencyError
from sufficiency.national.forecast import OUTPUT_COLUMNS, national_forecast
from sufficiency.national.panel import build_panel

FAST = {"cla_31_march": "pooled_regression", "starts": "pooled_trend", "ceased": "stockflow"}


@pytest.fixture(scope="module")
def panel():
    return build_panel()


@pytest.fixture(scope="module")
def serial(panel):
    return national_forecast(panel, 2016, 2, methods=FAST)


def _square(shared, item):
    return shared * item * item


@pytest.mark.parametrize("bad", [-3, 0, MAX_WORKERS + 1, "two", 1.5, True])
def test_bad_worker_counts_are_refused_before_anything_starts(bad):
    with pytest.raises(SufficiencyError, match="--workers"):
        validate_workers(bad)


def test_engine_choices_are_checked():
    assert validate_workers(None) is None and validate_workers(2) == 2
    assert validate_scheduler("10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert validate_scheduler("tcp://localhost:8786") == "tcp://localhost:8786"
    for bad in ("nowhere", "tcp://host:99999", "http//x:1"):
        with pytest.raises(SufficiencyError, match="scheduler"):
            validate_scheduler(bad)
    with pytest.raises(SufficiencyError, match="--engine dask"):
        validate_engine("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(SufficiencyError, match="one or the other"):
        validate_engine("dask", workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(SufficiencyError, match="--engine"):
        validate_engine("spark")


def test_unreachable_scheduler_is_a_plain_error():
    started = time.monotonic()
    with pytest.raises(SufficiencyError, match="could not reach"):
        with engine("dask", scheduler="tcp://127.0.0.1:9"):
            pass
    assert time.monotonic() - started < 60


def test_results_come_back_in_order_on_every_engine():
    items = list(range(12))
    expected = [3 * i * i for i in items]
    for kind, workers in (("local", 1), ("local", 2), ("dask", 2)):
        with engine(kind, workers, preload=("sufficiency.national.evaluation",)) as running:
            assert running.map(_square, items, 3) == expected, kind
            # The same shared value again straight away (a Dask scatter must not be released
            # under the second map's feet).
            assert running.map(_square, items, 3) == expected, kind
            assert running.workers == workers


def test_same_numbers_on_local_processes_and_a_dask_cluster(panel, serial):
    with engine("local", 2) as running:
        local = national_forecast(panel, 2016, 2, methods=FAST, engine=running)
    with engine("dask", 2) as running:
        assert running.startup_seconds > 0
        assert len(running.client.scheduler_info()["workers"]) == 2
        on_cluster = national_forecast(panel, 2016, 2, methods=FAST, engine=running)
    pd.testing.assert_frame_equal(local.table, serial.table)
    pd.testing.assert_frame_equal(on_cluster.table, serial.table)


def test_sweep_refuses_a_negative_worker_count_at_once(tmp_path, capsys, monkeypatch):
    import sufficiency.commands.scenario as scenario_command

    def no_fitting(*args, **kwargs):  # the check must come before any slow work
        raise AssertionError("models were fitted before the worker count was checked")

    monkeypatch.setattr(scenario_command, "_models", no_fitting)
    status = main(
        [
            "scenario",
            "sweep",
            "examples/scenarios/baseline.toml",
            "--lever",
            "step_downs_per_year",
            "--values",
            "0,5",
            "--workers",
            "-3",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 1
    error = capsys.readouterr().err
    assert "--workers must be 1 or more (got -3)" in error
    assert "Traceback" not in error


def test_national_command_writes_the_agreed_columns(tmp_path, capsys):
    out = tmp_path / "national.csv"
    status = main(
        ["national", "--origin", "2024", "--horizon", "1", "--workers", "1", "--out", str(out)]
    )
    assert status == 0
    table = pd.read_csv(out, dtype={"new_la_code": str})
    assert list(table.columns) == list(OUTPUT_COLUMNS)
    assert set(table["time_period"]) == {2025}
    printed = capsys.readouterr().out
    assert "England, 31 March 2025" in printed
    assert "latest published year" in printed
    assert "Not forecast" in printed and "Cumbria" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--origin", "2030"], "2010-2024"),
        (["--horizon", "0"], "1 to 10"),
        (["--workers", "0"], "--workers"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--engine dask"),
        (["--data", "/no/such/folder"], "no such folder"),
    ],
)
def test_national_command_errors_are_plain(tmp_path, capsys, args, message):
    status = main(["national", *args, "--out", str(tmp_path / "x.csv")])
    assert status == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_backtest_published_accepts_the_latest_origin(tmp_path, capsys):
    out = tmp_path / "backtest.csv"
    status = main(
        ["backtest", "--published", "--origins", "2024", "--methods", "naive", "--out", str(out)]
    )
    assert status == 0
    rows = pd.read_csv(out)
    assert len(rows) > 100 and rows["actual"].isna().all() and rows["forecast"].notna().all()
    printed = capsys.readouterr().out
    assert "not published yet" in printed and "nothing to score" in printed
