"""Financial years and quarters are labelled in one place, the same way everywhere."""

import numpy as np
import pandas as pd
import pytest

from sufficiency import finance, periods
from sufficiency.errors import SufficiencyError
from sufficiency.plan.carers_needed import financial_quarter_start, financial_year_label
from sufficiency.supply import funnel


def test_year_labels_turn_over_on_1_april():
    assert periods.financial_year_label("2025-03-31") == "2024-25"
    assert periods.financial_year_label("2025-04-01") == "2025-26"
    assert periods.financial_year_label("1999-12-31") == "1999-00"
    assert periods.financial_year_start("2025-26") == 2025


@pytest.mark.parametrize("bad", ["2025-27", "25-26", "2025", "2025/26", "abcd-ef"])
def test_bad_year_labels_are_refused_in_plain_words(bad):
    with pytest.raises(SufficiencyError, match="Use the form 2025-26"):
        periods.financial_year_start(bad)


def test_quarter_labels():
    assert periods.financial_quarter_label("2025-04-01") == "Q1 2025-26 (Apr-Jun 2025)"
    assert periods.financial_quarter_label("2025-05-31") == "Q1 2025-26 (Apr-Jun 2025)"
    assert periods.financial_quarter_label("2026-02-28") == "Q4 2025-26 (Jan-Mar 2026)"
    assert periods.financial_quarter_label("2025-12-31") == "Q3 2025-26 (Oct-Dec 2025)"


def test_vectorised_labels_agree_with_the_scalar_ones():
    months = pd.date_range("2019-01-31", periods=40, freq="ME")
    assert list(periods.financial_year_labels(months)) == [
        periods.financial_year_label(m) for m in months
    ]
    assert periods.financial_quarter_labels(months) == [
        periods.financial_quarter_label(m) for m in months
    ]
    with_gap = pd.Series([pd.Timestamp("2024-04-01"), pd.NaT])
    assert list(periods.financial_year_labels(with_gap)) == ["2024-25", None]


def test_every_module_uses_the_same_labels():
    dates = pd.Series(pd.to_datetime(["2024-03-31", "2024-04-01", "2030-01-15"]))
    expected = ["2023-24", "2024-25", "2029-30"]
    assert list(finance.financial_year(dates)) == expected
    assert list(funnel.financial_year(dates)) == expected
    assert [finance.financial_year_of(d) for d in dates] == expected
    assert [financial_year_label(d) for d in dates] == expected
    starts = financial_quarter_start(pd.DatetimeIndex(dates))
    assert list(starts) == list(periods.financial_quarter_start(pd.DatetimeIndex(dates)))
    assert np.all(starts.day == 1)


def test_years_between():
    assert periods.financial_years_between("2023-24", "2025-26") == [
        "2023-24",
        "2024-25",
        "2025-26",
    ]
