"""Estimates in £ rounded as far as they are known, and the per-household saving a year."""

import numpy as np
import pytest

from sufficiency import finance as fin


@pytest.mark.parametrize(
    ("pounds", "text"),
    [
        (2_034_593.49, "£2.0m"),
        (140_686.88, "£141,000"),
        (51_948.0, "£52,000"),
        (9_785.0, "£9,800"),
        (463.0, "£460"),
        (-1_534_076.7, "-£1.5m"),
        (0.0, "£0"),
    ],
)
def test_money_text(pounds, text):
    assert fin.money_text(pounds) == text


def test_household_saving_a_year_and_household_years_by_hand():
    one = fin.saving_per_household(years=5.0)
    running = one["gross_saving"] - one["allowances"] - one["fee"] - one["supervision"]
    assert fin.household_saving_per_year(one) == pytest.approx(running / 5)
    # two households in post for 18 months, one of two types for 6: 42 household-months
    in_post = np.zeros((24, 2))
    in_post[:18, 0] = 2
    in_post[:6, 1] = 1
    assert fin.household_years_in_post(in_post) == pytest.approx(42 / 12)
