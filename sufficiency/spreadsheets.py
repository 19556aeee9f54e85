"""Every CSV and Excel workbook the project writes goes through here, so none can carry a formula.

A spreadsheet opening a CSV, or a person editing a workbook cell, treats text that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula (OWASP "CSV Injection"). Such
text reaches our files from scenario and home names, share links, scenario files and uploaded
903, enquiry and household values. Following OWASP, :func:`neutralise` puts a single quote in
front of such text, which spreadsheets show but do not run; text that is just a number (``-5``,
``+1.5e3``) is left alone, and numbers stored as numbers are never touched. Workbooks are written
with xlsxwriter told never to turn strings into formulas or links (``strings_to_formulas`` and
``strings_to_urls`` off); openpyxl, which writes any string starting with ``=`` as a formula, is
never used for writing.

Use :func:`write_csv` / :func:`csv_bytes` for CSV and :func:`excel_writer` (with
:func:`write_sheet`) or :func:`excel_bytes` for workbooks. ``tests/test_spreadsheets.py`` checks
that no other code in the project writes CSV or Excel itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Characters that make a spreadsheet read a cell as a formula (OWASP; plus line feed and the
full-width forms some spreadsheets also accept)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

XLSXWRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
"""xlsxwriter workbook options: strings stay strings (no formulas, no clickable links)."""


def neutralise_text(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    stripped = value.lstrip(" ")
    if stripped.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(stripped):
        return "'" + value
    return value


def _neutralise_cell(value: Any) -> Any:
    return neutralise_text(value) if isinstance(value, str) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas.

    Numeric, boolean and date columns are returned unchanged; only text is touched.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(_neutralise_cell, na_action="ignore")
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.MultiIndex.from_tuples(
            [tuple(_neutralise_cell(part) for part in column) for column in out.columns]
        )
    else:
        out.columns = [_neutralise_cell(column) for column in out.columns]
    return out


def _one_line_break(value: Any) -> Any:
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def write_csv(frame: pd.DataFrame, target: str | Path | IO[str], **options: Any) -> None:
    """Write ``frame`` as UTF-8 CSV (no index) to a path or an open text stream, neutralised.

    Carriage returns inside text become line feeds: Python's CSV writer quotes a field holding a
    line feed but not one holding only a carriage return, which a spreadsheet would read as the
    end of the row, so ``"x\r=1+1"`` would otherwise start a new cell with a formula.
    """
    options.setdefault("index", False)
    if isinstance(target, str | Path):
        options.setdefault("encoding", "utf-8")
    safe = neutralise(frame)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(_one_line_break, na_action="ignore")
    safe.columns = [_one_line_break(column) for column in safe.columns]
    safe.to_csv(target, **options)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as neutralised UTF-8 CSV bytes (e.g. for a download button)."""
    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue().encode("utf-8")


def excel_writer(target: str | Path | IO[bytes]) -> pd.ExcelWriter:
    """A pandas ExcelWriter on xlsxwriter that never turns strings into formulas or links.

    Write each sheet with :func:`write_sheet`; write extra cells with the worksheet's
    ``write_string`` (or ``write`` after :func:`neutralise_text`).
    """
    return pd.ExcelWriter(
        target, engine="xlsxwriter", engine_kwargs={"options": XLSXWRITER_OPTIONS}
    )


def write_sheet(
    writer: pd.ExcelWriter, sheet: str, frame: pd.DataFrame, *, startrow: int = 0
) -> Any:
    """Write ``frame`` (neutralised, no index) to ``sheet``; returns the xlsxwriter worksheet."""
    neutralise(frame).to_excel(writer, sheet_name=sheet[:31], index=False, startrow=startrow)
    return writer.sheets[sheet[:31]]


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Frames as an xlsx workbook, one sheet each (names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with excel_writer(buffer) as writer:
        for sheet, frame in sheets.items():
            write_sheet(writer, sheet, frame)
    return buffer.getvalue()
