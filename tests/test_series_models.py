"""Direct series forecasters: shape, known-truth accuracy and interval calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.demand import baselines
from sufficiency.demand.series import (
    FORECAST_COLUMNS,
    METHODS,
    QUANTILES,
    ProphetForecaster,
    future_dates,
    infer_frequency,
    make_forecaster,
)
from sufficiency.errors import InputDataError

CHEAP_METHODS = [m for m in METHODS if m != "prophet"]


def annual_panel(values: np.ndarray, first_year: int = 2010) -> pd.DataFrame:
    """Long frame from an array (n_series, n_years) of 31 March values."""
    n_series, n_years = values.shape
    dates = pd.to_datetime([f"{first_year + t}-03-31" for t in range(n_years)])
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:03d}" for i in range(n_series)], n_years),
            "ds": np.tile(dates, n_series),
            "y": values.ravel(),
        }
    )


def monthly_panel(values: np.ndarray, start: str = "2018-01-31") -> pd.DataFrame:
    n_series, n_months = values.shape
    dates = pd.date_range(start, periods=n_months, freq="ME")
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"m{i}" for i in range(n_series)], n_months),
            "ds": np.tile(dates, n_series),
            "y": values.ravel(),
        }
    )


def linear_trend(n_series=20, n_years=12, seed=1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    slopes = rng.uniform(8, 20, size=(n_series, 1))
    t = np.arange(n_years + 1)
    truth = 200 + slopes * t
    noisy = truth + rng.normal(0, 3, size=truth.shape)
    return annual_panel(noisy[:, :-1]), noisy[:, -1]


@pytest.mark.parametrize("method", CHEAP_METHODS)
def test_every_method_has_the_forecast_shape(method):
    train, _ = linear_trend(n_series=3)
    model = make_forecaster(method)
    assert model.fit(train) is model
    forecast = model.predict(3)
    assert list(forecast.columns) == list(FORECAST_COLUMNS)
    assert len(forecast) == 9
    assert set(forecast["ds"].dt.strftime("%m-%d")) == {"03-31"}
    assert forecast["ds"].dt.year.max() == 2024
    ordered = forecast[list(QUANTILES)].to_numpy()
    assert (np.diff(ordered, axis=1) >= -1e-9).all()
    assert np.allclose(forecast["p50"], forecast["mean"], rtol=0.02)
    # intervals widen with the horizon
    widths = (forecast["p97_5"] - forecast["p2_5"]).to_numpy().reshape(3, 3)
    assert (np.diff(widths, axis=1) > 0).all()
    # constructor parameters are stored untouched and clone gives an unfitted copy
    assert model.clone().get_params() == model.get_params()
    assert not hasattr(model.clone(), "states_")


def test_drift_and_damped_holt_beat_naive_on_a_linear_trend():
    train, actual = linear_trend()
    errors = {}
    for method in ("naive", "drift", "damped_holt", "ses"):
        forecast = make_forecaster(method).fit(train).predict(1)
        errors[method] = np.mean(np.abs(forecast["mean"].to_numpy() - actual))
    assert errors["drift"] < 0.5 * errors["naive"]
    assert errors["damped_holt"] < 0.6 * errors["naive"]
    # SES has no trend, so it cannot beat naive by much on a trend
    assert errors["ses"] > 0.8 * errors["naive"]


def test_naive_intervals_are_calibrated_on_random_walks():
    rng = np.random.default_rng(7)
    walks = 500 + np.cumsum(rng.normal(0, 10, size=(600, 16)), axis=1)
    forecast = baselines.Naive().fit(annual_panel(walks[:, :-1])).predict(1)
    actual = walks[:, -1]
    inside_80 = np.mean((actual >= forecast["p10"]) & (actual <= forecast["p90"]))
    inside_95 = np.mean((actual >= forecast["p2_5"]) & (actual <= forecast["p97_5"]))
    assert 0.75 <= inside_80 <= 0.86
    assert 0.92 <= inside_95 <= 0.98


def test_drift_intervals_are_calibrated_on_random_walks_with_drift():
    rng = np.random.default_rng(11)
    walks = 300 + np.cumsum(rng.normal(5, 8, size=(600, 14)), axis=1)
    forecast = baselines.Drift().fit(annual_panel(walks[:, :-1])).predict(1)
    actual = walks[:, -1]
    inside_80 = np.mean((actual >= forecast["p10"]) & (actual <= forecast["p90"]))
    assert 0.74 <= inside_80 <= 0.87


def test_seasonal_naive_repeats_last_year_for_monthly_series():
    months = np.arange(36)
    seasonal = 100 + 20 * np.sin(2 * np.pi * months / 12)
    train = monthly_panel(seasonal[None, :])
    assert infer_frequency(train["ds"]) == "monthly"
    forecast = baselines.SeasonalNaive().fit(train).predict(12)
    assert np.allclose(forecast["mean"], seasonal[24:36])
    assert forecast["ds"].iloc[0] == pd.Timestamp("2021-01-31")
    # annual data: seasonal naive is naive
    annual, _ = linear_trend(n_series=2)
    a = baselines.SeasonalNaive().fit(annual).predict(2)
    b = baselines.Naive().fit(annual).predict(2)
    assert np.allclose(a["mean"], b["mean"])


def test_counts_are_never_forecast_below_zero():
    falling = annual_panel(np.array([[40.0, 30, 22, 15, 9, 4, 2]]))
    for method in CHEAP_METHODS:
        forecast = make_forecaster(method).fit(falling).predict(4)
        assert (forecast[["mean", *QUANTILES]].to_numpy() >= 0).all(), method
    signed = baselines.Drift(nonnegative=False).fit(falling).predict(4)
    assert signed["mean"].min() < 0


def test_short_series_are_skipped_and_empty_input_is_a_clear_error():
    frame = pd.concat(
        [
            annual_panel(np.array([[10.0, 12, 13, 15, 16]])),
            annual_panel(np.array([[5.0, 6]])).assign(unique_id="short"),
        ]
    )
    model = baselines.DampedHolt().fit(frame)
    assert model.skipped_ == ["short"]
    assert set(model.predict(1)["unique_id"]) == {"s000"}
    with pytest.raises(InputDataError, match="fewer than 4 points"):
        baselines.DampedHolt().fit(frame.loc[frame["unique_id"] == "short"])
    with pytest.raises(InputDataError, match="missing column"):
        baselines.Naive().fit(frame.rename(columns={"y": "value"}))
    with pytest.raises(InputDataError, match="unknown forecasting method"):
        make_forecaster("crystal_ball")
    with pytest.raises(RuntimeError, match="not fitted"):
        baselines.Naive().predict(1)


def test_missing_values_are_gaps_not_zeros():
    frame = annual_panel(np.array([[100.0, 110, np.nan, 130, 140]]))
    forecast = baselines.Naive().fit(frame).predict(1)
    assert forecast["mean"].item() == 140


def test_future_dates():
    assert list(future_dates(pd.Timestamp("2023-03-31"), 2, "annual")) == [
        pd.Timestamp("2024-03-31"),
        pd.Timestamp("2025-03-31"),
    ]
    assert list(future_dates(pd.Timestamp("2024-01-31"), 2, "monthly")) == [
        pd.Timestamp("2024-02-29"),
        pd.Timestamp("2024-03-31"),
    ]


def test_prophet_annual_trend_is_reasonable_and_repeatable():
    train, actual = linear_trend(n_series=2, seed=3)
    model = ProphetForecaster(uncertainty_samples=100, random_state=5)
    first = model.fit(train).predict(1)
    again = ProphetForecaster(uncertainty_samples=100, random_state=5).fit(train).predict(1)
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == list(FORECAST_COLUMNS)
    assert np.all(np.abs(first["mean"].to_numpy() - actual) < 0.1 * actual)
    ordered = first[list(QUANTILES)].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
    assert (first["p97_5"] > first["p2_5"]).all()


def test_prophet_monthly_learns_yearly_seasonality():
    rng = np.random.default_rng(4)
    months = np.arange(48)
    y = 300 + 40 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 3, size=48)
    train = monthly_panel(y[None, :36])
    prophet = ProphetForecaster(uncertainty_samples=0).fit(train).predict(12)
    naive = baselines.Naive().fit(train).predict(12)
    prophet_error = np.mean(np.abs(prophet["mean"].to_numpy() - y[36:]))
    naive_error = np.mean(np.abs(naive["mean"].to_numpy() - y[36:]))
    assert prophet_error < 0.4 * naive_error


def test_combination_averages_its_members():
    train, _ = linear_trend(n_series=3, seed=9)
    combined = make_forecaster("combination").fit(train).predict(2)
    members = [make_forecaster(m).fit(train).predict(2) for m in ("naive", "ses", "damped_holt")]
    for column in ("mean", *QUANTILES):
        expected = np.mean([m[column].to_numpy() for m in members], axis=0)
        assert np.allclose(combined[column], expected)
    two = baselines.Combination(members=("naive", "drift")).fit(train).predict(1)
    assert list(two.columns) == list(FORECAST_COLUMNS)
