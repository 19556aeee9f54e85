"""Financial years and quarters: the one place that labels them.

English councils budget from April to March. A financial year is labelled ``"2025-26"`` (1 April
2025 to 31 March 2026) and its quarters ``"Q1 2025-26 (Apr-Jun 2025)"`` ... ``"Q4 2025-26
(Jan-Mar 2026)"``. Every page, export and command uses these functions, so the same period is
always written the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.errors import SufficiencyError

MONTH_ABBREVIATIONS: tuple[str, ...] = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def financial_year_label_of_start(start_year: int) -> str:
    """``'2025-26'`` for the financial year starting in April ``start_year``."""
    start_year = int(start_year)
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def financial_year_start(label: str) -> int:
    """First calendar year of a financial year label such as ``"2025-26"``.

    Raises
    ------
    SufficiencyError
        When ``label`` is not of the form ``YYYY-YY`` with consecutive years.
    """
    try:
        start, end = str(label).split("-")
        start_year = int(start)
        if len(start) != 4 or len(end) != 2 or int(end) != (start_year + 1) % 100:
            raise ValueError
    except ValueError:
        raise SufficiencyError(
            f"'{label}' is not a financial year. Use the form 2025-26 (April 2025 to March 2026)."
        ) from None
    return start_year


def financial_year_label(date: object) -> str:
    """Financial year (April-March) containing ``date``, labelled like ``"2025-26"``."""
    date = pd.Timestamp(date)
    return financial_year_label_of_start(date.year if date.month >= 4 else date.year - 1)


def financial_year_labels(dates: pd.Series | pd.DatetimeIndex | np.ndarray) -> pd.Series:
    """Vectorised :func:`financial_year_label`: one label per date (missing dates stay missing).

    Returns
    -------
    pandas.Series
        Object dtype, aligned with ``dates`` when it is a Series.
    """
    index = dates.index if isinstance(dates, pd.Series) else None
    stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(dates)))
    missing = stamps.isna()
    years = stamps.year.to_numpy(dtype="float64") - (stamps.month.to_numpy(dtype="float64") < 4)
    labels = np.full(len(stamps), None, dtype=object)
    if (~missing).any():
        unique, inverse = np.unique(years[~missing].astype(int), return_inverse=True)
        names = np.array([financial_year_label_of_start(y) for y in unique], dtype=object)
        labels[~missing] = names[inverse]
    return pd.Series(labels, index=index, dtype=object)


def financial_quarter_start(months: pd.DatetimeIndex | pd.Series | np.ndarray) -> pd.DatetimeIndex:
    """First day of the financial quarter (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar) of each date."""
    month = pd.DatetimeIndex(months).to_numpy().astype("datetime64[M]")
    into_quarter = month.astype("int64") % 3  # months since Jan/Apr/Jul/Oct
    return pd.DatetimeIndex((month - into_quarter).astype("datetime64[ns]"))


def _quarter_label(year: int, month: int) -> str:
    fy = year if month >= 4 else year - 1
    number = ((month - 4) % 12) // 3 + 1
    first = MONTH_ABBREVIATIONS[month - 1]
    last = MONTH_ABBREVIATIONS[(month + 1) % 12]
    return f"Q{number} {financial_year_label_of_start(fy)} ({first}-{last} {year})"


def financial_quarter_label(quarter_start: object) -> str:
    """``'Q1 2025-26 (Apr-Jun 2025)'`` for the quarter starting 1 April 2025.

    Any date inside the quarter gives the same label.
    """
    start = financial_quarter_start(pd.DatetimeIndex([pd.Timestamp(quarter_start)]))[0]
    return _quarter_label(start.year, start.month)


def financial_quarter_labels(dates: pd.DatetimeIndex | pd.Series | np.ndarray) -> list[str]:
    """:func:`financial_quarter_label` for many dates (fast: no Timestamp per element)."""
    starts = financial_quarter_start(dates).to_numpy().astype("datetime64[M]").astype("int64")
    cache: dict[int, str] = {}
    labels = []
    for value in starts:
        value = int(value)
        if value not in cache:
            cache[value] = _quarter_label(value // 12 + 1970, value % 12 + 1)
        labels.append(cache[value])
    return labels


def financial_years_between(first: str, last: str) -> list[str]:
    """Every financial year label from ``first`` to ``last`` inclusive."""
    return [
        financial_year_label_of_start(year)
        for year in range(financial_year_start(first), financial_year_start(last) + 1)
    ]
