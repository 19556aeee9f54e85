"""Recency-weighted entry level (session 4 candidate): hand cases and the default unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sufficiency.demand.entries import DampedTrendEntries, level_weights
from sufficiency.demand.stockflow import StockFlowModel
from sufficiency.errors import SufficiencyError


def _history(counts: list[float]) -> pd.DataFrame:
    months = pd.date_range("2020-01-31", periods=len(counts), freq="ME")
    return pd.DataFrame({"unique_id": "10-15", "ds": months, "y": counts})


def test_level_weights_halve_every_halflife_back_from_the_last_month():
    np.testing.assert_allclose(level_weights(3, 1.0), [0.25, 0.5, 1.0])
    np.testing.assert_allclose(level_weights(4, None), [1, 1, 1, 1])


def test_recency_weighted_level_by_hand():
    fitted = DampedTrendEntries(level_months=3, damping=0.0, level_halflife=1.0)
    fitted.fit(_history([9.0, 1.0, 2.0, 4.0]))  # the 9 falls outside the 3-month window
    level = (0.25 * 1 + 0.5 * 2 + 1.0 * 4) / 1.75
    assert fitted.level_[0] == pytest.approx(level)
    # effective months (Kish): 1.75^2 / (0.0625 + 0.25 + 1)
    assert fitted.level_entries_ == pytest.approx(level * 1.75**2 / 1.3125)
    np.testing.assert_allclose(fitted.predict_mean(5), level)
    assert "half-life" in fitted.methods_["10-15"]


def test_without_recency_the_level_is_the_plain_mean():
    fitted = DampedTrendEntries(level_months=3, damping=0.0).fit(_history([9.0, 1.0, 2.0, 6.0]))
    assert fitted.level_[0] == pytest.approx(3.0) and fitted.level_entries_ == pytest.approx(9.0)


def test_halflife_setting_is_checked():
    with pytest.raises(SufficiencyError, match="entry_level_halflife"):
        StockFlowModel(entry_level_halflife=0)._validate()
    assert StockFlowModel().entry_level_halflife is None
