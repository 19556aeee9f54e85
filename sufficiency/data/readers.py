"""Generic reading of CSV and Excel files into all-text frames.

Every value is read as text (no type guessing), so identifiers keep their leading zeros and dates
are parsed later with explicit formats. Callers pass raw bytes, which makes browser uploads and
files on disk go through the same code.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.errors import InputDataError

CSV_SUFFIXES: frozenset[str] = frozenset({".csv", ".txt"})
EXCEL_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm"})
LEGACY_EXCEL_SUFFIXES: frozenset[str] = frozenset({".xls"})

DATE_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
)
"""Accepted date formats, tried in order: dd/mm/yyyy first (the 903 convention), then ISO."""

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")


@dataclass(frozen=True)
class TextTable:
    """One table read from a file: a CSV file or one sheet of a workbook.

    Attributes
    ----------
    sheet : str or None
        Sheet name for workbooks, ``None`` for CSV files.
    frame : pandas.DataFrame
        Column names as written in the file; every value text or missing.
    encoding : str
        Text encoding used ('utf-8', 'cp1252' or 'latin-1'; 'xlsx' for workbooks).
    extra_fields : bool
        True when the first data row had more fields than headings (the extras were dropped;
        usually a trailing delimiter).
    """

    sheet: str | None
    frame: pd.DataFrame
    encoding: str
    extra_fields: bool = False


def normalise_column_name(name: object) -> str:
    """Upper-case a column name, drop a stray BOM and whitespace, and join words with '_'."""
    text = str(name).replace("\ufeff", "").strip().upper()
    return re.sub(r"\s+", "_", text)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed), falling back to Windows-1252 then Latin-1.

    Returns
    -------
    tuple of (str, str)
        The text and the encoding that worked ('utf-16', 'utf-8', 'cp1252' or 'latin-1').
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark.
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Latin-1 maps every byte, so this cannot fail; cp1252 leaves five bytes undefined.
        return data.decode("latin-1"), "latin-1"


def _delimiter(text: str) -> str:
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    if "," not in first_line:
        for candidate in ("\t", ";", "|"):
            if candidate in first_line:
                return candidate
    return ","


def read_csv_bytes(data: bytes, file: str) -> TextTable:
    """Read a delimited text file into an all-text frame.

    Blank lines are kept as empty rows so that row numbers match the file.

    Raises
    ------
    InputDataError
        When the text cannot be parsed as a table (ragged quoting, a row with too many fields).
    """
    text, encoding = decode_text(data)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a first row with a trailing delimiter must not become the index.
            # The C parser decodes bytes itself, faster than going through a Python string.
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                sep=_delimiter(text),
                quoting=csv.QUOTE_MINIMAL,
                index_col=False,
            )
    except pd.errors.EmptyDataError as error:
        raise InputDataError(
            f"{file}: the file has no column headings or rows. Export the table again with its "
            "header row and data.",
            file=file,
        ) from error
    except (pd.errors.ParserError, ValueError) as error:
        # The parser message names a line number and field counts only, never a value.
        detail = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise InputDataError(
            f"{file}: could not be read as a CSV table ({detail}). Check the row has the same "
            "number of commas as the header row and that quotes are closed, then try again.",
            file=file,
        ) from error
    extra_fields = any(issubclass(w.category, pd.errors.ParserWarning) for w in caught)
    return TextTable(sheet=None, frame=frame, encoding=encoding, extra_fields=extra_fields)


def read_excel_bytes(data: bytes, file: str) -> list[TextTable]:
    """Read every sheet of an .xlsx/.xlsm workbook into all-text frames.

    Raises
    ------
    InputDataError
        When the bytes are not a readable workbook.
    """
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise InputDataError(
            f"{file}: could not be opened as an Excel workbook ({type(error).__name__}). Open it "
            "in Excel and save it again as .xlsx, or export each table as CSV.",
            file=file,
        ) from error
    return [
        TextTable(sheet=str(name), frame=frame, encoding="xlsx") for name, frame in sheets.items()
    ]


def clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace and turn empty strings into missing values."""
    text = values.astype("str").str.strip()
    # Spreadsheet and pandas renderings of an empty cell count as blank too.
    return text.mask(text.isin(["", "nan", "NaN", "None", "<NA>", "NaT"]))


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse text dates in any of :data:`DATE_FORMATS` (or Excel serial numbers).

    Parameters
    ----------
    values : pandas.Series
        Cleaned text (missing where blank).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]``; NaT where the value is blank or could not be parsed.
    """
    # Dates repeat a lot (one DECOM per placement move, shared DOBs): parse each text once.
    positions_of_unique, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed_uniques = _parse_unique_dates(np.asarray(uniques, dtype=object))
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    present = positions_of_unique >= 0
    out[present] = parsed_uniques[positions_of_unique[present]]
    return pd.Series(out, index=values.index)


def _parse_unique_dates(text: np.ndarray) -> np.ndarray:
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    todo = np.ones(len(text), dtype=bool)
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        positions = np.flatnonzero(todo)
        parsed = pd.to_datetime(
            pd.Series(text[positions], dtype=object), format=fmt, errors="coerce"
        )
        ok = parsed.notna().to_numpy()
        out[positions[ok]] = parsed.to_numpy(dtype="datetime64[ns]")[ok]
        todo[positions[ok]] = False
    if todo.any():
        positions = np.flatnonzero(todo)
        serial = pd.Series(text[positions], dtype=object).astype(str)
        is_serial = serial.str.match(_EXCEL_SERIAL).to_numpy(dtype=bool)
        if is_serial.any():
            days = serial[is_serial].astype(float).to_numpy()
            out[positions[is_serial]] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_numpy(
                dtype="datetime64[ns]"
            )
    return out
