"""Rolling-origin backtests, scoring, the recommendation and the ``backtest`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sufficiency.cli import main
from sufficiency.demand.backtest import (
    METRIC_COLUMNS,
    backtest,
    backtest_monthly_stock,
    backtest_published,
    recommend_by_kind,
    recommend_method,
    rolling_origin_forecasts,
    score_forecasts,
    summarise_backtest,
)
from sufficiency.demand.series import FORECAST_COLUMNS, future_dates
from sufficiency.errors import InputDataError

REPO = Path(__file__).resolve().parent.parent
KENT, HARTLEPOOL = "E10000016", "E06000001"


def trend_panel(n_series=12, n_years=15, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.to_datetime([f"{2010 + t}-03-31" for t in range(n_years)])
    slopes = rng.uniform(10, 20, size=(n_series, 1))
    values = 300 + slopes * np.arange(n_years) + rng.normal(0, 4, size=(n_series, n_years))
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"la{i:02d}" for i in range(n_series)], n_years),
            "ds": np.tile(dates, n_series),
            "y": values.ravel(),
        }
    )


def test_score_forecasts_by_hand():
    history = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.to_datetime(["2021-03-31", "2022-03-31", "2023-03-31", "2024-03-31"]),
            "y": [100.0, 104.0, 105.0, 110.0],
        }
    )
    forecasts = pd.DataFrame(
        {
            "unique_id": ["a"],
            "ds": [pd.Timestamp("2024-03-31")],
            "mean": [100.0],
            "p2_5": [90.0],
            "p10": [95.0],
            "p50": [100.0],
            "p90": [105.0],
            "p97_5": [111.0],
            "method": ["stockflow"],
        }
    )
    scores = score_forecasts(forecasts, history)
    assert list(scores.columns[: len(METRIC_COLUMNS)]) == list(METRIC_COLUMNS)
    row = scores.iloc[0]
    assert row["origin"] == pd.Timestamp("2023-03-31")  # inferred: last date before the forecast
    assert row["horizon"] == 1
    assert row["MAE"] == pytest.approx(10)
    assert row["MAPE"] == pytest.approx(100 * 10 / 110)
    assert row["MASE"] == pytest.approx(10 / 2.5)  # mean |change| up to the origin = (4+1)/2
    assert row["mae_ratio_vs_naive"] == pytest.approx(10 / 5)  # naive = 105
    assert row["coverage_80"] == 0 and row["coverage_95"] == 1


def test_rolling_origin_uses_only_history_up_to_each_origin():
    panel = trend_panel(n_series=3)
    # poison the future: values after 2018 are huge; naive at origin 2018 must not see them
    poisoned = panel.copy()
    poisoned.loc[poisoned["ds"].dt.year > 2018, "y"] = 1e6
    forecasts = rolling_origin_forecasts(poisoned, ["naive"], [2018], horizon=2)
    expected = panel.loc[panel["ds"].dt.year == 2018].set_index("unique_id")["y"]
    got = forecasts.loc[forecasts["horizon"] == 1].set_index("unique_id")["mean"]
    assert np.allclose(got.sort_index(), expected.sort_index())
    assert set(forecasts["ds"].dt.year) == {2019, 2020}
    assert {"origin", "horizon", "method", *FORECAST_COLUMNS} <= set(forecasts.columns)


def test_drift_beats_naive_on_trends_and_naive_ratio_is_one():
    panel = trend_panel()
    scores = backtest(panel, ["naive", "drift", "ses"], range(2019, 2024), horizon=1)
    assert len(scores) == 12 * 5 * 3
    summary = summarise_backtest(scores).set_index("method")
    assert summary.loc["naive", "mae_ratio_vs_naive"] == pytest.approx(1.0)
    assert summary.loc["drift", "mae_ratio_vs_naive"] < 0.5
    recommendation = recommend_method(scores)
    assert recommendation.method == "drift"
    assert recommendation.origins == 5
    assert "Over the last 5 years (2019-2023" in recommendation.sentence
    assert "extending the average trend" in recommendation.sentence
    assert "within" in recommendation.sentence and "less error than" in recommendation.sentence


class TruthModel:
    """An estimator-shaped model that is not a SeriesForecaster: any such model can be backtested."""

    def __init__(self, *, slope_by_id=None, random_state=0):
        self.slope_by_id = slope_by_id
        self.random_state = random_state

    def get_params(self):
        return {"slope_by_id": self.slope_by_id, "random_state": self.random_state}

    def fit(self, series):
        self.last_ = series.sort_values("ds").groupby("unique_id").tail(1).set_index("unique_id")
        return self

    def predict(self, horizon, random_state=None):
        rows = []
        for uid, last in self.last_.iterrows():
            for step, ds in enumerate(future_dates(last["ds"], horizon, "annual"), start=1):
                mean = last["y"] + self.slope_by_id[uid] * step
                rows.append((uid, ds, mean, mean - 30, mean - 12, mean, mean + 12, mean + 30))
        return pd.DataFrame(rows, columns=list(FORECAST_COLUMNS))


def test_any_estimator_shaped_model_can_be_backtested():
    panel = trend_panel(n_series=4)
    slopes = panel.groupby("unique_id")["y"].apply(lambda y: (y.iloc[-1] - y.iloc[0]) / 14)
    model = TruthModel(slope_by_id=slopes.to_dict())
    scores = backtest(panel, {"naive": "naive", "truth": model}, [2020, 2022], horizon=1)
    assert set(scores["method"]) == {"naive", "truth"}
    summary = summarise_backtest(scores).set_index("method")
    assert summary.loc["truth", "mae_ratio_vs_naive"] < 0.6


def test_no_adequate_coverage_is_said_plainly():
    panel = trend_panel(n_series=6)
    slopes = panel.groupby("unique_id")["y"].apply(lambda y: (y.iloc[-1] - y.iloc[0]) / 14)

    class Overconfident(TruthModel):
        def predict(self, horizon, random_state=None):
            frame = super().predict(horizon, random_state)
            for name in ("p2_5", "p10", "p90", "p97_5"):
                frame[name] = frame["p50"] + 1e-3 * np.sign(frame[name] - frame["p50"])
            return frame

    scores = backtest(
        panel, {"overconfident": Overconfident(slope_by_id=slopes.to_dict())}, [2020, 2021]
    )
    recommendation = recommend_method(scores)
    assert not recommendation.adequate_coverage
    assert "too narrow" in recommendation.sentence
    with pytest.raises(InputDataError):
        recommend_method(scores.iloc[0:0])


def test_published_backtest_on_a_few_authorities():
    scores = backtest_published(["naive", "drift"], la_codes=[KENT, HARTLEPOOL])
    assert len(scores) == 2 * 2 * 5
    assert set(scores["origin"].dt.year) == set(range(2019, 2024))
    kent_2024 = scores.loc[
        (scores["series_id"] == KENT) & (scores["ds"].dt.year == 2024), "actual"
    ].unique()
    assert kent_2024.tolist() == [1956.0]  # DfE 2025 release, 31 March 2024
    naive = scores.loc[(scores["series_id"] == KENT) & (scores["method"] == "naive")]
    assert np.allclose(naive["forecast"], naive["naive_forecast"])
    assert scores["kind"].str.startswith("published DfE LA tables").all()
    with pytest.raises(InputDataError, match="unbroken"):
        backtest_published(["naive"], la_codes=["E06000058"])  # BCP: created 2019/20


def monthly_stock_frame(months=40, seed=2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2020-01-31", periods=months, freq="ME")
    rows = []
    for band, base in (("5-9", 30), ("10-15", 60)):
        for category, share in (("IFA fostering", 0.5), ("in-house fostering", 0.5)):
            level = base * share + np.cumsum(rng.normal(0.2, 1.0, size=months))
            for date, value in zip(dates, np.maximum(level, 0).round(), strict=True):
                rows.append((date, band, category, int(value)))
    return pd.DataFrame(rows, columns=["date", "age_band", "placement_category", "children"])


def test_monthly_stock_backtest_labels_kinds_and_uses_default_origins():
    stock = monthly_stock_frame()
    scores = backtest_monthly_stock(stock, ["naive", "drift"], horizon=3)
    assert set(scores["kind"]) == {
        "monthly 903 total",
        "monthly 903 age band",
        "monthly 903 placement category",
    }
    assert scores["horizon"].max() == 3
    assert scores["origin"].max() == pd.Timestamp("2023-01-31")  # last date minus 3 months
    assert scores["origin"].min() >= pd.Timestamp("2022-01-31")  # two years of history first
    recommendation = recommend_method(scores.loc[scores["kind"] == "monthly 903 total"])
    assert "1- to 3-month-ahead" in recommendation.sentence
    by_kind = recommend_by_kind(scores)
    assert set(by_kind) == set(scores["kind"])
    assert by_kind["monthly 903 total"] == recommendation
    with pytest.raises(InputDataError, match="too short a period"):
        backtest_monthly_stock(monthly_stock_frame(months=20), ["naive"], horizon=3)


def test_backtest_command_in_process(tmp_path, capsys):
    out = tmp_path / "backtest.csv"
    status = main(
        [
            "backtest",
            "--published",
            "--la",
            f"{KENT},{HARTLEPOOL}",
            "--methods",
            "drift,ses",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    written = pd.read_csv(out)
    assert list(written.columns[: len(METRIC_COLUMNS)]) == list(METRIC_COLUMNS)
    assert set(written["method"]) == {"naive", "drift", "ses"}
    assert len(written) == 2 * 3 * 5
    printed = capsys.readouterr().out
    assert "Trust:" in printed and "inside 80% range" in printed
    assert main(["backtest", "--published", "--methods", "tea_leaves", "--out", str(out)]) == 1
    assert "unknown method" in capsys.readouterr().err
    assert main(["backtest", "--published", "--origins", "soon", "--out", str(out)]) == 1


def test_backtest_command_on_903_files_subprocess(tmp_path):
    from sufficiency.data.synthetic import generate_authority, write_yearly_extracts

    tables = generate_authority(seed=3, scale=0.3, first_year=2018, last_year=2023)
    write_yearly_extracts(tables, tmp_path / "903", range(2019, 2024))
    out = tmp_path / "monthly.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sufficiency.cli",
            "backtest",
            str(tmp_path / "903"),
            "--methods",
            "drift",
            "--horizon",
            "3",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    written = pd.read_csv(out)
    assert written["kind"].str.startswith("monthly 903").all()
    assert written["horizon"].max() == 3
    assert "monthly 903 total" in result.stdout
    assert "Traceback" not in result.stderr


def test_sentence_uses_a_decimal_for_small_errors():
    stock = monthly_stock_frame()
    stock["children"] = stock["children"] + 1000  # large, steady series: errors well under 1%
    scores = backtest_monthly_stock(stock, ["naive"], horizon=1)
    total = scores.loc[scores["kind"] == "monthly 903 total"]
    sentence = recommend_method(total).sentence
    assert "within 0." in sentence and "within 0%" not in sentence
