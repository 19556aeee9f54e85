"""Building validation reports (:data:`sufficiency.schemas.VALIDATION_REPORT`) for record readers.

Shared by the readers of recruitment enquiries, campaign spend and carer households, so each
reports problems the same way as the 903 reader: one row per problem with file, row, column,
value, rule, severity and a plain-English message, and a per-file count where rows in = rows
kept + rows rejected.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sufficiency.data.readers import clean_text as clean_object_text
from sufficiency.data.readers import parse_dates as parse_text_dates
from sufficiency.schemas import VALIDATION_REPORT


def empty_report() -> pd.DataFrame:
    """A validation report with no rows."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in VALIDATION_REPORT})


class ProblemReport:
    """Collects report rows for one file and table.

    Parameters
    ----------
    file, table : str
        Shown in every row of the report.
    """

    def __init__(self, file: str, table: str) -> None:
        self.file = file
        self.table = table
        self.rows: list[dict[str, object]] = []

    def add(
        self,
        rows: Iterable[int],
        column: str,
        values: Iterable[object],
        rule: str,
        severity: str,
        message: str,
    ) -> None:
        """Record one problem for each (row number, value) pair."""
        for row, value in zip(rows, values, strict=True):
            self.rows.append(
                {
                    "file": self.file,
                    "table": self.table,
                    "row": int(row),
                    "column": column,
                    "value": "" if value is None or value is pd.NA else str(value),
                    "rule": rule,
                    "severity": severity,
                    "message": message,
                }
            )

    def frame(self) -> pd.DataFrame:
        """The problems recorded so far as a report frame (``row`` as nullable integers)."""
        if not self.rows:
            return empty_report()
        report = pd.DataFrame(self.rows, columns=list(VALIDATION_REPORT))
        report["row"] = report["row"].astype("Int64")
        return report


def problem_counts(report: pd.DataFrame) -> str:
    """'N rows rejected with errors, N warnings' (and what was skipped), for reader summaries."""
    errors = int((report["severity"] == "error").sum())
    warnings = int((report["severity"] == "warning").sum())
    skipped = int((report["severity"] == "info").sum())
    text = f"{errors:,} rows rejected with errors, {warnings:,} warnings"
    if skipped:
        text += (
            f"; {skipped:,} note{'s' if skipped != 1 else ''} on rows, sheets or files skipped "
            "(in the report, severity 'info')"
        )
    return text


def file_summary(
    file: str, table: str, rows_in: int, rejected: np.ndarray, report: pd.DataFrame
) -> dict[str, object]:
    """One row of a reader's per-file table: rows in, kept, rejected, reported, superseded."""
    return {
        "file": file,
        "table": table,
        "rows_in": rows_in,
        "rows_kept": rows_in - int(rejected.sum()),
        "rows_rejected": int(rejected.sum()),
        "rows_reported": int(report["row"].dropna().nunique()),
        "rows_superseded": 0,
    }


def clean_text(series: pd.Series) -> pd.Series:
    """Stripped text (pandas string dtype); blanks and renderings of blanks become missing."""
    return clean_object_text(series).astype("string")


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dd/mm/yyyy or ISO dates (Excel date cells too).

    Returns
    -------
    (dates, bad) : tuple of Series
        ``datetime64[ns]`` dates (NaT when blank or unreadable) and a mask of values that were
        given but could not be read.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        dates = pd.to_datetime(series).astype("datetime64[ns]")
        return dates, pd.Series(False, index=series.index)
    text = clean_text(series)
    # Excel cells read as objects may already be timestamps; their text form is ISO.
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$", r"\1", regex=True)
    dates = parse_text_dates(text.astype(object).where(text.notna(), None))
    bad = (text.notna() & dates.isna()).fillna(False).astype(bool)
    return dates, bad
