"""Saved demand models: round trip, manifest, fingerprint, staleness, no child data written."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sufficiency.demand.artefacts import (
    FittedDemand,
    data_fingerprint,
    load_fitted,
    matches,
    read_manifest,
    save_fitted,
)
from sufficiency.demand.pipeline import (
    DemandInputs,
    accuracy_sentence,
    accuracy_summary,
    backtest_stockflow,
    fit_demand,
    load_or_fit,
    track_record_sentences,
    track_record_table,
)
from sufficiency.demand.stockflow import StockFlowModel
from tests.demand_fixtures import micro_panel


def _episodes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child": ["A1", "B2", "C3"],
            "dob": pd.to_datetime(["2010-05-01", "2015-02-03", "2008-11-30"]),
            "decom": pd.to_datetime(["2020-01-01", "2021-06-15", "2019-03-03"]),
            "dec": pd.to_datetime(["2021-01-01", None, "2020-01-01"]),
            "place": ["U4", "K2", "U1"],
            "source_file": ["a.csv", "a.csv", "b.csv"],
            "source_row": [1, 2, 3],
        }
    )


def test_fingerprint_is_stable_order_free_and_sensitive():
    episodes = _episodes()
    day = pd.Timestamp("2022-03-31")
    first = data_fingerprint(episodes, day)
    assert len(first) == 64
    shuffled = episodes.iloc[[2, 0, 1]].assign(source_file="renamed.csv")
    assert data_fingerprint(shuffled, day) == first
    changed = episodes.assign(place=["U4", "K2", "U3"])
    assert data_fingerprint(changed, day) != first
    assert data_fingerprint(episodes, pd.Timestamp("2022-04-01")) != first
    assert "A1" not in first


def _inputs(months: int, seed: int, fingerprint: str = "f" * 64) -> DemandInputs:
    from sufficiency.demand.panel import month_end_stock

    panel = micro_panel(months=months, seed=seed)
    return DemandInputs(
        panel, month_end_stock(panel), pd.Timestamp(panel["date"].max()), fingerprint
    )


@pytest.fixture(scope="module")
def fitted_pair():
    inputs = _inputs(60, 11)
    fitted = fit_demand(inputs, model_params={"max_horizon": 24}, backtest=False)
    return inputs, fitted


def test_round_trip_gives_identical_forecasts(tmp_path, fitted_pair):
    inputs, fitted = fitted_pair
    fitted.backtest = backtest_stockflow(
        inputs.panel, inputs.stock, n_paths=100, horizon=24, model_params={"max_horizon": 24}
    )
    manifest_path = save_fitted(fitted, tmp_path)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["data_fingerprint"] == "f" * 64
    assert {"numpy", "pandas", "sufficiency"} <= set(manifest["versions"])
    assert manifest["created"].endswith("+00:00")
    assert not list(tmp_path.glob("*.pkl")) and not list(tmp_path.glob("*.pickle"))

    params = fitted.model.get_params()
    loaded = load_fitted(tmp_path, fingerprint="f" * 64, model_params=params, panel=inputs.panel)
    assert loaded is not None and loaded.source == str(tmp_path)
    pd.testing.assert_frame_equal(loaded.backtest, fitted.backtest, check_dtype=False)
    a = fitted.model.forecast(12, n_paths=200, random_state=3)
    b = loaded.model.forecast(12, n_paths=200, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert loaded.model.entries_.methods_ == fitted.model.entries_.methods_
    pd.testing.assert_frame_equal(
        loaded.model.structural_zeros_, fitted.model.structural_zeros_, check_dtype=False
    )


def test_stale_or_damaged_models_are_not_loaded(tmp_path, fitted_pair):
    _, fitted = fitted_pair
    save_fitted(fitted, tmp_path)
    params = fitted.model.get_params()
    assert load_fitted(tmp_path, fingerprint="0" * 64, model_params=params) is None
    other = params | {"reference_months": 24}
    assert load_fitted(tmp_path, fingerprint="f" * 64, model_params=other) is None
    assert not matches(read_manifest(tmp_path), "f" * 64, other)
    (tmp_path / "rates.csv").write_text("tampered")
    assert load_fitted(tmp_path, fingerprint="f" * 64, model_params=params) is None
    assert load_fitted(tmp_path / "missing") is None


def test_no_child_level_data_is_written(tmp_path, fitted_pair):
    _, fitted = fitted_pair
    save_fitted(fitted, tmp_path)
    text = " ".join(
        p.read_text(errors="ignore") for p in tmp_path.iterdir() if p.suffix in {".csv", ".json"}
    )
    for column in ("child", "dob", "decom", "postcode", "age_months", "care_months"):
        assert f'"{column}"' not in text and f"{column}," not in text
    arrays = np.load(tmp_path / "stockflow_params.npz")
    assert "start_population" not in arrays.files


def test_load_or_fit_uses_the_saved_model(tmp_path, fitted_pair):
    inputs, fitted = fitted_pair
    params = {"max_horizon": 24}
    save_fitted(fitted, tmp_path)
    loaded = load_or_fit(inputs, directory=tmp_path, model_params=params, backtest=False)
    assert loaded.source == str(tmp_path)
    np.testing.assert_allclose(loaded.model.params_.start_stock, fitted.model.params_.start_stock)
    fresh = load_or_fit(
        DemandInputs(inputs.panel, inputs.stock, inputs.extract_date, "e" * 64),
        directory=tmp_path,
        model_params=params,
        backtest=False,
    )
    assert fresh.source == "fitted"


def test_backtest_and_track_record_in_plain_words():
    inputs = _inputs(72, 4)
    frame = backtest_stockflow(inputs.panel, inputs.stock, n_paths=150, horizon=36)
    assert set(frame["series_id"]) >= {"total", "category: IFA fostering", "age: 1-4"}
    assert frame["horizon"].between(1, 36).all()
    assert set(frame["method"]) == {"stockflow"}
    assert {"MAPE", "MASE", "mae_ratio_vs_naive", "coverage_80"} <= set(frame.columns)
    origins = pd.DatetimeIndex(frame["origin"].unique())
    assert set(origins.month) <= {3, 9}
    assert (frame["lower_95"] <= frame["upper_95"]).all()
    summary = accuracy_summary(frame)
    assert summary["checks"] == len(origins)
    # the micro-simulation is stationary: a sound model is close on the total a year ahead
    assert summary["mean_abs_pct_error"] < 10
    sentence = accuracy_sentence(frame)
    assert f"within {summary['mean_abs_pct_error']:.0f}%" in sentence
    assert "carrying the last figure forward" in sentence
    assert "No track record" in accuracy_sentence(None)
    lines = track_record_sentences(frame)
    assert lines[0].startswith("One year ahead: off by")
    assert lines[1].startswith("Two years ahead") and lines[2].startswith("Three years ahead")
    assert "carrying the last figure forward" in lines[-1]
    never_held = track_record_sentences(frame.assign(coverage_80=False))
    assert any("treat the shaded ranges as too narrow" in line for line in never_held)
    always_held = track_record_sentences(frame.assign(coverage_80=True))
    assert any("wider than needed" in line for line in always_held)
    # where the total did worse than naive, the last figure is named as the better guide
    worse = frame.assign(forecast=frame["actual"] + 2 * (frame["naive_forecast"] - frame["actual"]))
    worse["MAE"] = (worse["actual"] - worse["forecast"]).abs()
    worse["mae_ratio_vs_naive"] = 2.0
    last = (pd.Timestamp("2024-03-31"), 513.0)
    named = track_record_sentences(worse, last=last)[-1]
    assert named.startswith("Not better than carrying the last figure forward for the total")
    assert "the last figure itself (513 children at 31 March 2024)" in named
    assert "the last figure itself" not in track_record_sentences(worse)[-1]
    table = track_record_table(frame)
    assert table["series"].iloc[0] == "total"
    assert (table["checks"] == summary["checks"]).all()
    assert table["80% range held (%)"].between(0, 100).all()
    assert track_record_table(None).empty


def test_backtest_too_short_is_a_plain_error():
    from sufficiency.errors import SufficiencyError

    inputs = _inputs(30, 4, "a" * 64)
    with pytest.raises(SufficiencyError, match="Too little history"):
        backtest_stockflow(inputs.panel, inputs.stock)
    fitted = fit_demand(inputs, model_params={"max_horizon": 12})
    assert isinstance(fitted, FittedDemand) and fitted.backtest is None
    assert isinstance(fitted.model, StockFlowModel)
