"""`sufficiency backtest PATH --methods stockflow,...`: the model users see, judged beside naive."""

from __future__ import annotations

import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.demand.backtest import METRIC_COLUMNS


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    from sufficiency.data.synthetic import generate_authority, write_yearly_extracts

    folder = tmp_path_factory.mktemp("903")
    tables = generate_authority(seed=5, scale=0.3, first_year=2017, last_year=2023)
    write_yearly_extracts(tables, folder, range(2018, 2024))
    return folder


def test_stockflow_and_naive_on_the_same_origins(extracts, tmp_path, capsys):
    out = tmp_path / "backtest.csv"
    status = main(
        [
            "backtest",
            str(extracts),
            "--methods",
            "stockflow,ses",
            "--horizon",
            "24",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    written = pd.read_csv(out, parse_dates=["origin"])
    assert list(written.columns[: len(METRIC_COLUMNS)]) == list(METRIC_COLUMNS)
    assert set(written["method"]) == {"stockflow", "naive", "ses"}
    assert written["horizon"].max() == 24
    # every method is judged at the same forecast dates, every six months (March, September)
    origins = {m: set(rows["origin"]) for m, rows in written.groupby("method")}
    assert origins["stockflow"] == origins["naive"] == origins["ses"]
    assert {o.month for o in origins["stockflow"]} <= {3, 9}
    series = set(written.loc[written["method"] == "stockflow", "series_id"])
    assert {"total", "age: 10-15", "category: IFA fostering"} <= series
    printed = capsys.readouterr().out
    assert "The stock-flow model (total children)" in printed
    assert "One year ahead: off by" in printed


def test_horizon_and_method_errors_are_plain(extracts, tmp_path, capsys):
    out = str(tmp_path / "x.csv")
    assert main(["backtest", str(extracts), "--horizon", "61", "--out", out]) == 1
    assert "at most 60 months" in capsys.readouterr().err
    assert main(["backtest", "--published", "--methods", "stockflow", "--out", out]) == 1
    assert "needs 903 files" in capsys.readouterr().err
