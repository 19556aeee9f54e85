"""Reading dates written as text, with the day/month order decided once per file.

A file's dates are all read one way. ISO dates (``2023-04-01``), Excel date cells, Excel serial
day numbers (``45017``) and dates with month names (``1 Apr 2023``, ``Apr 1, 2023``) are
unambiguous. For ``a/b/yyyy`` (or ``-`` or ``.``) the order is settled by the values: a first part
over 12 can only be a day, a second part over 12 only a day too (so the first is the month). When
no value settles it the 903 convention, day-first, is used. A file where both orders are needed is refused unless
the values only the other order reads are a handful (at most 2% of those that settle it, and under
a tenth); those are then reported as not dates, never silently swapped.

Two-digit years (``01/04/23``) are read as 2000-2099 up to this year's last two digits and as
1900-1999 above them (so ``98`` is 1998 and ``23`` is 2023), and counted so the reader can say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
ORDER_LABELS = {DAY_FIRST: "day-first (dd/mm/yyyy)", MONTH_FIRST: "month-first (mm/dd/yyyy)"}

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$"
_PARTS = rf"^(\d{{1,2}})[-/.](\d{{1,2}})[-/.](\d{{4}}|\d{{2}}){_TIME}$"
_NAMED = r"^(\d{1,2})(?:st|nd|rd|th)?[-/ ]([A-Za-z]{3,9})\.?[-/ ,]*(\d{4}|\d{2})$"
_NAMED_MONTH_FIRST = r"^([A-Za-z]{3,9})\.?[-/ ]+(\d{1,2})(?:st|nd|rd|th)?,?[-/ ,]+(\d{4})$"
_COMPACT = r"^((?:19|20)\d{2})(\d{2})(\d{2})$"
_SERIAL = r"^(\d{5})(?:\.0+)?$"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
MONTH_NUMBERS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
MIXED_TOLERANCE = 0.02
"""Share of order-settling values that may contradict the chosen order before a file is refused."""


@dataclass(frozen=True)
class DateOrder:
    """The date order decided for one file and the evidence for it.

    Attributes
    ----------
    order : str
        :data:`DAY_FIRST` or :data:`MONTH_FIRST`.
    day_first_only, month_first_only : int
        Distinct values that only day-first (first part over 12) or only month-first (second
        part over 12) can read.
    two_digit_years : int
        Distinct values written with a two-digit year.
    serial_numbers : int
        Distinct values written as Excel serial day numbers.
    """

    order: str
    day_first_only: int = 0
    month_first_only: int = 0
    two_digit_years: int = 0
    serial_numbers: int = 0
    day_month_values: int = 0
    from_other_files: bool = False

    @property
    def contradicting(self) -> int:
        """Values the chosen order cannot read (reported as not dates)."""
        return self.month_first_only if self.order == DAY_FIRST else self.day_first_only

    @property
    def settled(self) -> bool:
        """True when some value can only be read one way."""
        return bool(self.day_first_only or self.month_first_only)

    @property
    def mixed(self) -> bool:
        """True when too many values need the other order: the file is refused."""
        settling = self.day_first_only + self.month_first_only
        if not self.contradicting:
            return False
        return self.contradicting > max(1, MIXED_TOLERANCE * settling) or (
            self.contradicting * 10 > settling
        )

    def reason(self) -> str:
        """Why this order, in words."""
        label = ORDER_LABELS[self.order]
        if self.from_other_files:
            return (
                f"dates read {label}: no date in this file settles the order, and the other "
                "files read with it are month-first, so this one is read that way too"
            )
        if self.order == MONTH_FIRST:
            why = (
                f"{self.month_first_only:,} date{'s' if self.month_first_only != 1 else ''} can "
                "only be read month-first (the second part is over 12)"
            )
        elif self.day_first_only:
            why = (
                f"{self.day_first_only:,} date{'s' if self.day_first_only != 1 else ''} can only "
                "be read day-first (the first part is over 12)"
            )
        elif self.day_month_values == 0:
            return "dates are all written unambiguously (yyyy-mm-dd, Excel dates or month names)"
        else:
            why = "no date in the file settles the order, so the 903 convention was used"
        return f"dates read {label}: {why}"


# (pattern, kind, year group, first part group, second part group), tried in this order on the
# values no earlier shape matched. For "named" shapes the first part is the month name, turned into
# its number. ISO and compact dates hold (month, day) as (first, second).
_SHAPES = (
    (_ISO, "iso", 0, 1, 2),
    (_PARTS, "parts", 2, 0, 1),
    (_NAMED, "named", 2, 1, 0),
    (_NAMED_MONTH_FIRST, "named", 2, 0, 1),
    (_COMPACT, "iso", 0, 1, 2),
)


def _components(unique: pd.Series) -> pd.DataFrame:
    """Year, first and second part, and kind for each unique text value."""
    text = unique.astype("str").str.strip()
    out = pd.DataFrame(index=unique.index, columns=["kind", "y", "a", "b"], dtype=object)
    for pattern, kind, year, first, second in _SHAPES:
        found = text[out["kind"].isna()].str.extract(pattern)
        first_part = found[first]
        hit = found[year].notna()
        if kind == "named":
            first_part = first_part.str.lower().map(MONTH_NUMBERS)
            hit &= first_part.notna()
            first_part = first_part.where(hit, 0).astype(int).astype(str)
        idx = found.index[hit]
        out.loc[idx, "kind"] = kind
        out.loc[idx, "y"] = found.loc[idx, year]
        out.loc[idx, "a"] = first_part.loc[idx]
        out.loc[idx, "b"] = found.loc[idx, second]
    serial = text[out["kind"].isna()].str.extract(_SERIAL)
    idx = serial.index[serial[0].notna()]
    out.loc[idx, "kind"] = "serial"
    out.loc[idx, "y"] = serial.loc[idx, 0]
    return out


def _full_year(years: pd.Series) -> pd.Series:
    """Four-digit years; two-digit ones by the stated rule (2000-2099 up to this year)."""
    numbers = pd.to_numeric(years, errors="coerce")
    pivot = pd.Timestamp.today().year % 100
    two = years.astype(str).str.len() == 2
    century = np.where(numbers <= pivot, 2000, 1900)
    return numbers.where(~two, numbers + century)


class DateTexts:
    """Date texts of many columns (of several files), split into parts once.

    Real extracts repeat the same dates in every yearly file, so the distinct texts are parsed
    once for all of them; :meth:`decide` and :meth:`parse` then work per column group.

    Parameters
    ----------
    columns : sequence of Series
        Cleaned text (missing where blank), in the order later referred to by position.
    """

    def __init__(self, columns: list[pd.Series]) -> None:
        lengths = [len(c) for c in columns]
        self._bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
        joined = (
            pd.concat([pd.Series(c, dtype="str") for c in columns], ignore_index=True)
            if columns
            else pd.Series([], dtype="str")
        )
        self._codes, uniques = pd.factorize(joined, use_na_sentinel=True)
        parts = _components(pd.Series(uniques, dtype="str"))
        is_parts = (parts["kind"] == "parts").to_numpy()
        a = pd.to_numeric(parts["a"], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(parts["b"], errors="coerce").to_numpy(dtype=float)
        self._is_parts = is_parts
        self._day_only = is_parts & (a > 12) & (a <= 31) & (b >= 1) & (b <= 12)
        self._month_only = is_parts & (b > 12) & (b <= 31) & (a >= 1) & (a <= 12)
        self._two_digit = (parts["y"].astype("str").str.len() == 2).fillna(False).to_numpy(bool)
        self._serial = (parts["kind"] == "serial").to_numpy()
        self._parsed = {order: _dates_of(parts, order) for order in (DAY_FIRST, MONTH_FIRST)}

    def _unique_codes(self, positions: Iterable[int]) -> np.ndarray:
        chunks = [self._codes[self._bounds[i] : self._bounds[i + 1]] for i in positions]
        codes = np.concatenate(chunks) if chunks else np.array([], dtype=int)
        return np.unique(codes[codes >= 0])

    def decide(self, positions: Iterable[int]) -> DateOrder:
        """The day/month order of the columns at ``positions`` (one file), from their values."""
        used = self._unique_codes(positions)
        day_only = int(self._day_only[used].sum())
        month_only = int(self._month_only[used].sum())
        return DateOrder(
            MONTH_FIRST if month_only > day_only else DAY_FIRST,
            day_only,
            month_only,
            int(self._two_digit[used].sum()),
            int(self._serial[used].sum()),
            int(self._is_parts[used].sum()),
        )

    def parse(self, position: int, order: str, index: pd.Index) -> pd.Series:
        """The column at ``position`` as ``datetime64[ns]`` in ``order`` (NaT if not a date)."""
        codes = self._codes[self._bounds[position] : self._bounds[position + 1]]
        out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
        present = codes >= 0
        out[present] = self._parsed[order][codes[present]]
        return pd.Series(out, index=index)


def decide_order(columns: Iterable[pd.Series]) -> DateOrder:
    """Decide the day/month order of one file from all its date values.

    Parameters
    ----------
    columns : iterable of Series
        The file's date columns as cleaned text (missing where blank).
    """
    columns = list(columns)
    return DateTexts(columns).decide(range(len(columns)))


def _dates_of(parts: pd.DataFrame, order: str) -> np.ndarray:
    """``datetime64[ns]`` for each row of :func:`_components` output read in ``order``."""
    year = _full_year(parts["y"])
    first = pd.to_numeric(parts["a"], errors="coerce")
    second = pd.to_numeric(parts["b"], errors="coerce")
    # ISO, compact and named dates, and month-first a/b/y, hold (month, day) as (a, b).
    day_first_parts = ((parts["kind"] == "parts") & (order == DAY_FIRST)).to_numpy()
    month = first.where(~day_first_parts, second)
    day = second.where(~day_first_parts, first)
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    valid = frame.notna().all(axis=1) & frame["month"].between(1, 12) & frame["day"].between(1, 31)
    # outside what datetime64[ns] holds (years 1678-2261) a date such as 0000/1/1 is not a date
    valid &= frame["year"].between(1678, 2261)
    parsed = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if valid.any():
        parsed[valid] = pd.to_datetime(frame[valid].astype(int), errors="coerce")
    serial = parts["kind"] == "serial"
    if serial.any():
        days = pd.to_numeric(parts.loc[serial, "y"], errors="coerce").to_numpy(dtype="int64")
        parsed[serial] = (_EXCEL_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    return parsed.to_numpy(dtype="datetime64[ns]")


def parse_with_order(values: pd.Series, order: str = DAY_FIRST) -> pd.Series:
    """Parse text dates in the given day/month order.

    Parameters
    ----------
    values : pandas.Series
        Cleaned text (missing where blank).
    order : str
        :data:`DAY_FIRST` or :data:`MONTH_FIRST`, for ``a/b/yyyy`` values.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` on the same index; NaT where blank or not a date in that order.
    """
    return DateTexts([values]).parse(0, order, values.index)
