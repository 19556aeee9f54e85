"""Collection periods and coverage of 903 extracts: which year each row belongs to, and to when it sees.

An SSDA903 extract covers a *collection year* (1 April to 31 March) and holds every episode open
at any point in it. Each extract gets a collection period and a *coverage end* (the last day it
can see), from, in order:

1. ``extract_date`` given by the user (the latest extract ends there; earlier ones no later);
2. a ``YEAR`` column, else a year or full date in the file or folder names. A full date
   (``903_episodes_2023-10-05.csv``, ``..._20231005``) is the day the file was exported: the
   extract sees up to that day, within the collection year that holds it. A year range
   (``2022-23``) names the collection year ending 31 March 2023. A single year (``2023``, or a
   ``YEAR`` value) is read as the year the collection *ends* (the 903 convention) unless the
   episodes' start dates run past the 31 March that implies: then the label is the year the
   collection *starts* (``2022`` = 2022-23), and the report says so;
3. the data: without any label, the latest start or end date in the data.

An extract whose data stops long before its 31 March is an *in-year* extract: its coverage ends
at its latest date, and stocks and flows stop there. "Long" means a gap no real full-year extract
shows: at least 28 days, with at least 20 dated events before it, and less than a 1 in 1,000
chance of that gap at the extract's own rate of events. A collection year ending after today is
in-year too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.data.dates import MONTH_NUMBERS

_MONTH = "(" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + ")"
_FULL_DATE = (
    # yyyy-mm-dd, yyyymmdd, yyyy_mm_dd
    re.compile(r"(?<!\d)((?:19|20)\d{2})[-_. ]?(0[1-9]|1[0-2])[-_. ]?(0[1-9]|[12]\d|3[01])(?!\d)"),
    # dd-mm-yyyy, dd.mm.yyyy
    re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])[-_.](0[1-9]|1[0-2])[-_.]((?:19|20)\d{2})(?!\d)"),
    # 5 Oct 2023, 05Oct2023, 5th_October_2023
    re.compile(
        rf"(?<!\d)([1-9]|0[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?[-_. ]?{_MONTH}(?![a-z])[-_. ,]*"
        r"((?:19|20)\d{2})(?!\d)",
        re.IGNORECASE,
    ),
)
_EXPORT_MONTH = (
    # Oct 2023, October-2023 (month, year)
    re.compile(rf"(?<![a-z]){_MONTH}(?![a-z])[-_. ,]*((?:19|20)\d{{2}})(?!\d)", re.IGNORECASE),
    # 2023 Oct (year, month)
    re.compile(rf"(?<!\d)((?:19|20)\d{{2}})[-_. ]?{_MONTH}(?![a-z])", re.IGNORECASE),
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-_ /]?(\d{2}|(?:19|20)\d{2}))?(?!\d)")
_YEAR_VALUE = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:[-/]?\s*(\d{2}|\d{4}))?\s*$")

END_YEAR = "end"
START_YEAR = "start"
IN_YEAR_MIN_GAP_DAYS = 28
IN_YEAR_MIN_EVENTS = 20
IN_YEAR_CHANCE = 1e-3


@dataclass(frozen=True)
class NameLabel:
    """A collection year or export date found in a file or folder name.

    Attributes
    ----------
    year : int or None
        The year written (a single year, or the end year of a range such as 2022-23).
    is_range : bool
        True for ranges (unambiguous: the collection year ends 31 March of ``year``).
    export_date : Timestamp or None
        A full date in the name: the day the file was exported. For a month and year only
        (``2023-10``, ``Oct2023``), the last day of that month, with ``export_month`` True.
    name : str
        The file or folder name the label came from (for messages).
    export_month : bool
        True when the name gives the export month but not the day.
    """

    year: int | None
    is_range: bool
    export_date: pd.Timestamp | None
    name: str
    export_month: bool = False


def _full_date(hint: str) -> pd.Timestamp | None:
    for index, pattern in enumerate(_FULL_DATE):
        for match in pattern.finditer(hint):
            parts = match.groups()
            if index == 0:
                year, month, day = parts
            elif index == 1:
                day, month, year = parts
            else:
                day, month, year = parts[0], MONTH_NUMBERS[parts[1].lower()], parts[2]
            try:
                return pd.Timestamp(int(year), int(month), int(day))
            except ValueError:
                continue
    return None


def _export_month(hint: str, year_match: re.Match | None) -> pd.Timestamp | None:
    """The last day of a month named with its year (``Oct 2023``, ``2023-10``), else None."""
    for index, pattern in enumerate(_EXPORT_MONTH):
        match = pattern.search(hint)
        if match:
            month_name, year = match.groups() if index == 0 else match.groups()[::-1]
            return pd.Timestamp(
                int(year), MONTH_NUMBERS[month_name.lower()], 1
            ) + pd.offsets.MonthEnd(0)
    if year_match is not None and year_match.group(2) is not None:
        year, second = int(year_match.group(1)), year_match.group(2)
        if len(second) == 2 and 1 <= int(second) <= 12:
            return pd.Timestamp(year, int(second), 1) + pd.offsets.MonthEnd(0)
    return None


def label_from_names(hints: Sequence[str]) -> NameLabel | None:
    """The first collection year or export date in the file name, then each folder name up.

    A full date (``2023-10-05``, ``05-10-2023``, ``20231005``, ``5 Oct 2023``) is an export date;
    a year range (``2022-23``, ``202223``) a collection year; a month and year (``2023-10``,
    ``Oct 2023``) an export month; a single year (``2023``) a collection year whose convention the
    data settles.
    """
    for hint in hints:
        date = _full_date(hint)
        if date is not None:
            return NameLabel(None, False, date, hint)
        matches = list(_YEAR.finditer(hint))
        last = matches[-1] if matches else None
        if last is not None and last.group(2) is not None:
            year = int(last.group(1))
            if int(last.group(2)) % 100 == (year + 1) % 100:
                return NameLabel(year + 1, True, None, hint)
        month_end = _export_month(hint, last)
        if month_end is not None:
            return NameLabel(None, False, month_end, hint, export_month=True)
        if last is not None:
            return NameLabel(int(last.group(1)), False, None, hint)
    return None


def year_column(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A YEAR column's labels: (year written as the end year of a range or the single year, is_range).

    '2023' -> (2023, False); '2022/23', '2022-23', '2022-2023' -> (2023, True); others missing.
    """
    codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
    parts = pd.Series(uniques, dtype="str").str.extract(_YEAR_VALUE)
    first = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float)
    second = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float)
    is_range = ~np.isnan(second) & ((second % 100) == ((first + 1) % 100))
    year = first + is_range
    take = np.where(codes >= 0, codes, 0)
    known = codes >= 0
    year_rows = np.where(known, year[take] if len(year) else np.nan, np.nan)
    range_rows = np.where(known, is_range[take] if len(is_range) else False, False)
    return (
        pd.Series(year_rows, index=values.index).astype("Float64"),
        pd.Series(range_rows, index=values.index, dtype=bool),
    )


def march_31(year: float | int) -> pd.Timestamp:
    """31 March of ``year``."""
    return pd.Timestamp(int(year), 3, 31)


def collection_year_of(day: pd.Timestamp) -> int:
    """The collection year (ending 31 March) that holds ``day``."""
    return day.year + 1 if day.month >= 4 else day.year


def collection_label(end_year: int) -> str:
    """'2022-23' for the collection year ending 31 March 2023."""
    return f"{end_year - 1}-{end_year % 100:02d}"


@dataclass(frozen=True)
class YearConvention:
    """How single-year labels of one kind (YEAR column or names) are read."""

    kind: str  # "YEAR column" or "file and folder names"
    convention: str  # END_YEAR or START_YEAR
    rows_past_end: int
    rows_dated: int

    def reason(self) -> str:
        if self.convention == START_YEAR:
            return (
                f"single years in the {self.kind} were read as the year each collection starts "
                f"(2022 = 2022-23): {self.rows_past_end:,} of {self.rows_dated:,} episode start "
                "dates run past the 31 March the year would otherwise mean"
            )
        return (
            f"single years in the {self.kind} were read as the year each collection ends (2023 = "
            "2022-23, the 903 convention): no episode start date runs past the 31 March that "
            "implies"
            if self.rows_past_end == 0
            else f"single years in the {self.kind} were read as the year each collection ends "
            f"(2023 = 2022-23, the 903 convention); only {self.rows_past_end:,} of "
            f"{self.rows_dated:,} episode start dates run past that 31 March, too few to mean "
            "the other reading"
        )


def decide_convention(kind: str, labels: pd.Series, decom: pd.Series) -> YearConvention | None:
    """End-year or start-year reading of single-year labels, settled by the episodes' start dates.

    Parameters
    ----------
    labels : Series of float
        The single year written for each episode row (missing for rows without one).
    decom : Series of datetime64
        The episode start dates.
    """
    known = labels.notna() & decom.notna()
    if not known.any():
        return None
    years = labels[known].astype(float).to_numpy()
    starts = decom[known].to_numpy(dtype="datetime64[ns]")
    end_if_end = _march_31_array(years)
    end_if_start = _march_31_array(years + 1)
    past_end = int((starts > end_if_end).sum())
    past_start = int((starts > end_if_start).sum())
    n = int(known.sum())
    if past_end - past_start >= max(1, math.ceil(0.01 * n)):
        return YearConvention(kind, START_YEAR, past_end, n)
    return YearConvention(kind, END_YEAR, past_end, n)


def _march_31_array(years: np.ndarray) -> np.ndarray:
    months = ((years - 1970) * 12 + 2).astype("int64")
    return months.astype("datetime64[M]").astype("datetime64[ns]") + np.timedelta64(30, "D")


def in_year_end(
    starts: pd.Series,
    ends: pd.Series,
    period_start: pd.Timestamp,
    period_end: pd.Timestamp,
    today: pd.Timestamp,
) -> tuple[pd.Timestamp | None, str]:
    """The coverage end of an extract whose data stops long before its 31 March, else None.

    Returns
    -------
    (Timestamp or None, str)
        The last date the extract sees and why, in words; ``(None, '')`` for a full-year extract.
    """
    events = pd.concat([starts, ends]).dropna()
    events = events[(events >= period_start) & (events <= min(period_end, today))]
    if period_end > today:
        last = events.max() if len(events) else today
        return pd.Timestamp(last).normalize(), (
            f"the collection year ends on {period_end:%d/%m/%Y}, after today, so the extract "
            f"runs to its latest date, {pd.Timestamp(last):%d/%m/%Y}"
        )
    if len(events) < IN_YEAR_MIN_EVENTS:
        return None, ""
    last = pd.Timestamp(events.max()).normalize()
    gap = (period_end - last).days
    if gap < IN_YEAR_MIN_GAP_DAYS:
        return None, ""
    rate = len(events) / max(1, (last - period_start).days + 1)
    if math.exp(-rate * gap) >= IN_YEAR_CHANCE:
        return None, ""
    return last, (
        f"its {len(events):,} start and end dates stop on {last:%d/%m/%Y}, {gap} days before the "
        f"collection year ends on {period_end:%d/%m/%Y} (about {rate * 30.4:,.0f} a month "
        "before then), so it is read as an in-year extract that sees up to that date"
    )
