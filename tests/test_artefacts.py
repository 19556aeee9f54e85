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
    track_record_table,
)
from sufficiency.demand.stockflow import StockFlowModel
from tests.test_stockflow import synthetic_flows


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


@pytest.fixture(scope="module")
def fitted_pair():
    movements, stock = synthetic_flows(months=60, seed=11)
    inputs = DemandInputs(movements, stock, pd.Timestamp("2023-01-31"), "f" * 64)
    fitted = fit_demand(inputs, model_params={"n_entry_samples": 30}, backtest=False)
    return inputs, fitted


def test_round_trip_gives_identical_forecasts(tmp_path, fitted_pair):
    inputs, fitted = fitted_pair
    fitted.backtest = backtest_stockflow(
        inputs.movements,
        inputs.stock,
        n_paths=100,
        step_months=12,
        model_params={"n_entry_samples": 10},
    )
    manifest_path = save_fitted(fitted, tmp_path)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["data_fingerprint"] == "f" * 64
    assert {"prophet", "numpy", "pandas", "sufficiency"} <= set(manifest["versions"])
    assert manifest["created"].endswith("+00:00")
    prophet_files = sorted(p.name for p in tmp_path.glob("entries_*.json"))
    assert len(prophet_files) == 5
    # Prophet saved as JSON by prophet.serialize, not pickle
    assert json.loads((tmp_path / prophet_files[0]).read_text())["__prophet_version"]
    assert not list(tmp_path.glob("*.pkl")) and not list(tmp_path.glob("*.pickle"))

    loaded = load_fitted(tmp_path, fingerprint="f" * 64, model_params=fitted.model.get_params())
    assert loaded is not None and loaded.source == str(tmp_path)
    pd.testing.assert_frame_equal(loaded.backtest, fitted.backtest, check_dtype=False)
    a = fitted.model.forecast(12, n_paths=200, random_state=3)
    b = loaded.model.forecast(12, n_paths=200, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_allclose(
        loaded.model.entries_.predict_mean(6), fitted.model.entries_.predict_mean(6)
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
    for column in ("child", "dob", "decom", "postcode"):
        assert f'"{column}"' not in text and f"{column}," not in text


def test_load_or_fit_uses_the_saved_model(tmp_path, fitted_pair):
    inputs, fitted = fitted_pair
    params = {"n_entry_samples": 30}
    save_fitted(fitted, tmp_path)
    loaded = load_or_fit(inputs, directory=tmp_path, model_params=params, backtest=False)
    assert loaded.source == str(tmp_path)
    fresh = load_or_fit(
        DemandInputs(inputs.movements, inputs.stock, inputs.extract_date, "e" * 64),
        directory=tmp_path,
        model_params=params,
        backtest=False,
    )
    assert fresh.source == "fitted"


def test_backtest_and_accuracy_sentence():
    movements, stock = synthetic_flows(months=72, seed=4)
    frame = backtest_stockflow(
        movements, stock, n_paths=150, model_params={"n_entry_samples": 20}, step_months=12
    )
    assert set(frame["series_id"]) >= {"total", "category: IFA fostering", "age: 1-4"}
    assert frame["horizon"].between(1, 12).all()
    assert set(frame["method"]) == {"stockflow"}
    assert {"MAPE", "MASE", "mae_ratio_vs_naive", "coverage_80"} <= set(frame.columns)
    assert frame["origin"].nunique() == 3
    assert (frame["lower_95"] <= frame["upper_95"]).all()
    summary = accuracy_summary(frame)
    assert summary["checks"] == 3
    # the micro-simulation is stationary: a sound model is close on the total
    assert summary["mean_abs_pct_error"] < 10
    sentence = accuracy_sentence(frame)
    assert sentence.startswith("Over the last three years")
    assert f"within {summary['mean_abs_pct_error']:.0f}%" in sentence
    assert "No track record" in accuracy_sentence(None)
    table = track_record_table(frame)
    assert table["series"].iloc[0] == "total"
    assert (table["checks"] == 3).all()
    assert table["80% range held (%)"].between(0, 100).all()
    assert track_record_table(None).empty
    assert "carrying the last figure forward" in sentence


def test_backtest_too_short_is_a_plain_error():
    from sufficiency.errors import SufficiencyError

    movements, stock = synthetic_flows(months=20, seed=4)
    with pytest.raises(SufficiencyError, match="Too little history"):
        backtest_stockflow(movements, stock)
    inputs = DemandInputs(movements, stock, pd.Timestamp("2019-09-30"), "a" * 64)
    fitted = fit_demand(inputs, model_params={"n_entry_samples": 10})
    assert isinstance(fitted, FittedDemand) and fitted.backtest is None
    assert isinstance(fitted.model, StockFlowModel)
