"""The `sufficiency` command: help everywhere, the stocks command, no tracebacks for users."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sufficiency.cli import COMMAND_MODULES, main
from sufficiency.codes import AGE_BANDS, PLACEMENT_CATEGORIES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "903"


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sufficiency " + command)
    assert len(out.splitlines()) > 3


def test_top_level_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMAND_MODULES:
        assert command in out


def test_stocks_monthly_on_demo_has_every_state_each_month(tmp_path):
    out = tmp_path / "stocks.csv"
    assert main(["stocks", "--out", str(out)]) == 0
    stock = pd.read_csv(out, parse_dates=["date"])
    assert list(stock.columns) == ["date", "age_band", "placement_category", "children"]
    assert set(stock["age_band"]) == set(AGE_BANDS)
    assert set(stock["placement_category"]) == set(PLACEMENT_CATEGORIES)
    per_month = stock.groupby("date").size()
    assert (per_month == len(AGE_BANDS) * len(PLACEMENT_CATEGORIES)).all()
    assert (stock["date"] == stock["date"] + pd.offsets.MonthEnd(0)).all()
    on_31_march_2022 = stock.loc[stock["date"] == "2022-03-31", "children"].sum()
    assert 350 < on_31_march_2022 < 800


def test_stocks_daily_on_yearly_fixture_extracts(tmp_path):
    out = tmp_path / "daily.csv"
    assert main(["stocks", str(FIXTURES / "yearly"), "--freq", "day", "--out", str(out)]) == 0
    stock = pd.read_csv(out, parse_dates=["date"])
    assert stock["date"].max() == pd.Timestamp("2023-03-31")
    assert stock["date"].diff().dropna().dt.days.max() <= 1
    assert stock["children"].between(0, 5).all()


def test_stocks_on_a_file_that_is_not_903_gives_a_message_not_a_traceback(tmp_path):
    not_903 = tmp_path / "budget.csv"
    not_903.write_text("cost centre,amount\nA1,100\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sufficiency.cli",
            "stocks",
            str(not_903),
            "--out",
            str(tmp_path / "o.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "budget.csv" in result.stderr
