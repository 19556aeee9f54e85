"""Dates outside what pandas can hold are reported as not dates, never a crash."""

from __future__ import annotations

import pandas as pd

from sufficiency.data.dates import DAY_FIRST, parse_with_order


def test_year_zero_is_not_a_date_and_does_not_crash() -> None:
    parsed = parse_with_order(pd.Series(["0000/1/1", "01/02/2020", "31/12/9999"]), DAY_FIRST)
    assert parsed.isna().tolist() == [True, False, True]
    assert parsed.iloc[1] == pd.Timestamp("2020-02-01")
