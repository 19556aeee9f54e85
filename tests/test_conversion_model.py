"""Approval model: snapshots, estimator shape, time-split evaluation and the projection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.errors import SufficiencyError
from sufficiency.supply.conversion import (
    FEATURES,
    PROJECTION_COLUMNS,
    ApprovalModel,
    backtest_projection,
    cumulative_approvals,
    evaluate_approval_model,
    pipeline_snapshot,
)
from sufficiency.supply.demo_records import load_demo_funnel
from sufficiency.supply.funnel import financial_year


@pytest.fixture(scope="module")
def demo():
    return load_demo_funnel()


@pytest.fixture(scope="module")
def fitted(demo):
    return ApprovalModel(random_state=0).fit(demo.enquiries, demo.extract_date)


def test_parameters_are_stored_untouched_and_fit_returns_self(demo):
    model = ApprovalModel(max_iter=7, learning_rate=0.3, random_state=5)
    assert (model.max_iter, model.learning_rate, model.random_state) == (7, 0.3, 5)
    assert not hasattr(model, "classifier_")
    assert model.fit(demo.enquiries, demo.extract_date) is model
    assert model.max_iter == 7 and model.classifier_.max_iter == 7


def test_snapshot_reads_stage_and_days_at_a_date(demo):
    enquiries = demo.enquiries
    at = pd.Timestamp("2021-06-30")
    snapshot = pipeline_snapshot(enquiries, at)
    assert set(FEATURES) <= set(snapshot.columns)
    assert (snapshot["days_in_stage"] <= snapshot["days_since_enquiry"]).all()
    assert (snapshot["days_in_stage"] >= 0).all()
    # Check a few people against their dates.
    indexed = enquiries.set_index("enquiry_id")
    for _, person in snapshot.sample(20, random_state=1).iterrows():
        record = indexed.loc[person["enquiry_id"]]
        assert (at - record["enquiry_date"]).days == person["days_since_enquiry"]
        column = {
            "enquiry": "enquiry_date",
            "initial_visit": "initial_visit_date",
            "application": "application_date",
            "skills_to_foster": "skills_to_foster_date",
            "assessment": "assessment_start_date",
            "panel": "panel_date",
        }[person["stage"]]
        assert record[column] <= at
        assert pd.isna(record["approval_date"]) or record["approval_date"] > at
        assert person["approved"] == (1.0 if pd.notna(record["approval_date"]) else 0.0)


def test_time_split_evaluation_beats_the_base_rate(demo):
    evaluation = evaluate_approval_model(demo.enquiries, demo.extract_date)
    assert evaluation.split_date == pd.Timestamp("2022-03-31")
    assert evaluation.roc_auc > 0.68
    assert evaluation.brier < evaluation.base_rate_brier
    calibration = evaluation.calibration
    assert calibration["n"].sum() == evaluation.n_test
    # Predicted and observed agree within 20 points in every bin.
    assert (calibration["mean_predicted"] - calibration["observed"]).abs().max() < 0.2
    text = evaluation.text()
    assert "ROC AUC" in text and "Calibration" in text
    assert "SYN-" not in text
    # Later stages are more likely to end in approval.
    by_stage = evaluation.by_stage.set_index("stage")["mean_predicted"]
    assert by_stage["enquiry"] < by_stage["application"] < by_stage["panel"]


def test_open_pipeline_probabilities(demo, fitted):
    pipeline = fitted.open_pipeline(demo.enquiries)
    open_count = int((demo.enquiries["outcome"] == "open").sum())
    assert len(pipeline) == open_count
    assert pipeline["probability"].between(0, 1).all()
    mean_by_stage = pipeline.groupby("stage")["probability"].mean()
    assert mean_by_stage["enquiry"] < mean_by_stage["assessment"]
    assert (pipeline["median_days_to_approval"] > 0).all()


def test_projection_shape_intervals_and_seed(demo, fitted):
    projection = fitted.project(demo.enquiries, 24, n_simulations=500, random_state=3)
    assert list(projection.columns) == list(PROJECTION_COLUMNS)
    assert len(projection) == 24
    assert projection["month"].iloc[0] == pd.Timestamp("2024-04-30")
    assert (projection["lower"] <= projection["expected_approvals"] + 1e-9).all()
    assert (projection["expected_approvals"] <= projection["upper"] + 1e-9).all()
    np.testing.assert_allclose(
        projection["expected_approvals"],
        projection["expected_from_pipeline"] + projection["expected_from_new_enquiries"],
    )
    np.testing.assert_allclose(
        projection["cumulative_expected"], projection["expected_approvals"].cumsum()
    )
    assert (projection["cumulative_lower"] <= projection["cumulative_upper"]).all()
    assert projection["cumulative_upper"].is_monotonic_increasing
    again = fitted.project(demo.enquiries, 24, n_simulations=500, random_state=3)
    pd.testing.assert_frame_equal(projection, again)
    # Pipeline approvals come first; new enquiries take over after a lead time.
    assert projection["expected_from_new_enquiries"].iloc[0] == 0
    assert projection["expected_from_pipeline"].iloc[-1] < 0.05
    # Steady state matches recent enquiries x conversion, and history (15-25 a year).
    yearly_new = projection["expected_from_new_enquiries"].iloc[12:].sum()
    assert yearly_new == pytest.approx(
        12 * fitted.recent_enquiries_per_month_ * fitted.new_enquiry_probability_, rel=0.15
    )
    history = demo.enquiries.dropna(subset=["approval_date"])
    per_year = history.groupby(financial_year(history["approval_date"])).size()
    assert per_year.loc["2017-18":"2023-24"].mean() * 0.5 < yearly_new < 30


def test_more_enquiries_mean_more_approvals(demo, fitted):
    none = cumulative_approvals(
        fitted, demo.enquiries, 24, future_enquiries_per_month=0, n_simulations=400
    )
    many = cumulative_approvals(
        fitted, demo.enquiries, 24, future_enquiries_per_month=60, n_simulations=400
    )
    assert none["lower"] <= none["expected"] <= none["upper"]
    pipeline_expected = fitted.open_pipeline(demo.enquiries)["probability"].sum()
    # With no new enquiries, only the pipeline approves (almost all within 24 months).
    assert none["expected"] == pytest.approx(pipeline_expected, rel=0.15)
    assert many["expected"] > none["expected"] + 10


def test_too_little_history_is_a_clear_error(demo):
    small = demo.enquiries.head(40)
    with pytest.raises(SufficiencyError, match="Too few resolved enquiries"):
        ApprovalModel().fit(small, pd.Timestamp("2016-06-30"))


def test_records_without_household_facts_still_fit(demo):
    enquiries = demo.enquiries.copy()
    for column in ("household_type", "has_children_at_home", "fostering_interest"):
        enquiries[column] = None
    enquiries["spare_bedrooms"] = np.nan
    model = ApprovalModel().fit(enquiries, demo.extract_date)
    assert model.features_ == ["stage_number", "days_since_enquiry", "days_in_stage", "channel"]
    projection = model.project(enquiries, 12, n_simulations=300)
    assert 5 < projection["expected_approvals"].sum() < 35


def test_backtest_compares_a_past_projection_with_what_happened(demo):
    check = backtest_projection(
        demo.enquiries, demo.extract_date, origin="2021-03-31", n_simulations=400
    )
    approvals = demo.enquiries["approval_date"]
    window = (approvals > pd.Timestamp("2021-03-31")) & (approvals <= pd.Timestamp("2022-03-31"))
    assert check.actual == int(window.sum())
    assert check.lower <= check.expected <= check.upper
    # Within 40% of what happened: the model only knew the records up to the origin.
    assert check.expected == pytest.approx(check.actual, rel=0.4)
    assert "Projection check" in check.text()
