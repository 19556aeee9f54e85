"""The one file-opening path for every reader: 903 extracts, enquiries, campaign spend, households.

Every file, on disk or uploaded, becomes a :class:`Source` and goes through :func:`read_tables`:

1. size checks before anything is parsed: the file size, and for workbooks the inflated size of
   every part, the compression ratio, the declared row count, the longest shared string and any
   XML document type declaration (zip bombs and XML bombs are refused within a second);
2. decoding (UTF-8 with or without BOM, UTF-16, Windows-1252) and the delimiter;
3. finding each table's heading row within its first :data:`HEADING_SEARCH_ROWS` rows, so title
   rows, notes and blank rows above the headings are skipped (and named);
4. dropping blank rows and totals rows ("Total", "Grand total: 12") below the headings (named too).

Every value is read as text (no type guessing), so identifiers keep their leading zeros and dates
are parsed later with an order decided per file (:mod:`sufficiency.data.dates`). Messages name the
file, sheet and row, never a value from the file: headings are quoted only when they are column
names a reader knows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from sufficiency.errors import InputDataError
from sufficiency.schemas import VALIDATION_REPORT

CSV_SUFFIXES: frozenset[str] = frozenset({".csv", ".txt"})
EXCEL_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm"})
LEGACY_EXCEL_SUFFIXES: frozenset[str] = frozenset({".xls"})
DATA_SUFFIXES: frozenset[str] = CSV_SUFFIXES | EXCEL_SUFFIXES | LEGACY_EXCEL_SUFFIXES

MAX_FILE_BYTES = 50_000_000
"""Largest file read (50 MB; a 60,000-episode CSV is about 5 MB)."""
MAX_INFLATED_BYTES = 250_000_000
"""Largest total size of a workbook's parts once unzipped (250 MB; a 60,000-row sheet is ~25 MB)."""
MAX_COMPRESSION_RATIO = 200
"""Largest unzipped/zipped size of one workbook part over 1 MB (real sheets are 5-30x)."""
MAX_ROWS = 1_048_576
"""Most rows in one sheet: Excel's own limit."""
MAX_DATA_ROWS = 250_000
"""Most rows in one table (CSV or sheet), counted from the raw bytes before anything is parsed: four
times a large authority's ten years of 903 episodes (about 60,000). A 15 MB workbook or a 48 MB CSV
can hold millions of short rows, which would take minutes and gigabytes to parse."""
MAX_COLUMNS = 256
"""Most columns read from one sheet (a 903 table has 13)."""
MAX_CELL_CHARS = 32_767
"""Longest cell: Excel's own limit."""
HEADING_SEARCH_ROWS = 20
"""The heading row is looked for in this many rows at the top of each table."""

INFO = "info"
"""Severity of a decision the reader took (a row skipped, a date order chosen): nothing wrong."""

_TOTALS_ROW = re.compile(r"^\s*(?:grand\s+|sub-?\s*)?totals?\b", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"\S\s+\S")
_SAFE_HEADING = re.compile(r"^[A-Za-z][A-Za-z0-9_ \-]{0,40}$")


# --- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One file to read, from disk or uploaded.

    Attributes
    ----------
    label : str
        Short name used in every message (file name, or folder/file when names clash).
    path : Path, optional
        The file on disk, or ``None`` for uploads.
    data : bytes, optional
        The uploaded content.
    hints : tuple of str
        Names that may carry a collection year or export date: the file name, then each folder
        up to the one given.
    in_folder : bool
        True when found by searching a folder (unrecognised files are then skipped, not fatal).
    """

    label: str
    path: Path | None = None
    data: bytes | None = None
    hints: tuple[str, ...] = ()
    in_folder: bool = False

    @property
    def suffix(self) -> str:
        return Path(self.label).suffix.lower()

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        return self.path.stat().st_size  # type: ignore[union-attr]

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        return self.path.read_bytes()  # type: ignore[union-attr]


def file_issue(
    file: str, table: str, rule: str, severity: str, message: str, row: object = pd.NA
) -> dict:
    """One validation-report row for a problem or decision about a whole file, sheet or row."""
    return {
        "file": file,
        "table": table,
        "row": row,
        "column": "",
        "value": "",
        "rule": rule,
        "severity": severity,
        "message": message,
    }


def sources_from_paths(
    paths: str | Path | Iterable[str | Path], *, what: str = "903"
) -> tuple[list[Source], list[dict]]:
    """Expand files and folders (searched recursively) into sources, plus notes on skipped files.

    Raises
    ------
    InputDataError
        When nothing is given, a path does not exist, or a folder holds no CSV or Excel file.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    items = [Path(p) for p in paths]
    if not items:
        raise InputDataError(
            f"No {what} files were given. Give one or more CSV/XLSX files or folders."
        )
    found: list[tuple[Path, str, tuple[str, ...], bool]] = []
    ignored: list[dict] = []
    for item in items:
        if item.is_dir():
            n_data = 0
            for file in sorted(p for p in item.rglob("*") if p.is_file()):
                relative = file.relative_to(item).as_posix()
                if file.name.startswith((".", "~$")):
                    continue
                if file.suffix.lower() in DATA_SUFFIXES:
                    hints = (file.stem, *reversed(Path(relative).parent.parts), item.resolve().name)
                    found.append((file, relative, hints, True))
                    n_data += 1
                else:
                    ignored.append(
                        file_issue(
                            relative,
                            "",
                            "file_ignored",
                            "warning",
                            "Not a CSV or Excel file, so it was not read. Nothing to do unless it "
                            "holds data for this tool; then export it as CSV or .xlsx.",
                        )
                    )
            if n_data == 0:
                raise InputDataError(
                    f"{item.name or item}: the folder holds no CSV or Excel (.xlsx) files. Put the "
                    f"{what} files in it and try again.",
                    file=str(item),
                )
        elif item.is_file():
            found.append((item, item.name, (item.stem, item.resolve().parent.name), False))
        else:
            raise InputDataError(
                f"{item}: no such file or folder. Check the path and try again.", file=str(item)
            )
    unique: dict[Path, tuple[Path, str, tuple[str, ...], bool]] = {}
    for entry in found:
        unique.setdefault(entry[0].resolve(), entry)
    entries = list(unique.values())
    labels = _distinct_labels([(path, label) for path, label, _, _ in entries])
    sources = [
        Source(label=labels[i], path=path, hints=hints, in_folder=in_folder)
        for i, (path, _, hints, in_folder) in enumerate(entries)
    ]
    return sources, ignored


def sources_from_uploads(
    files: Sequence[tuple[str, bytes]], *, max_bytes: int = MAX_FILE_BYTES, what: str = "903"
) -> list[Source]:
    """Sources for browser uploads given as ``(file name, content)`` pairs.

    A folder upload names each file by its path in the folder (``903_2023/episodes.csv``); the
    folder names then carry collection years as they do on disk.

    Raises
    ------
    InputDataError
        When nothing was uploaded or a file is over ``max_bytes`` (naming the file and the limit).
    """
    if not files:
        raise InputDataError(f"No files were uploaded. Upload the {what} files.")
    for name, content in files:
        if len(content) > max_bytes:
            raise InputDataError(
                f"{name}: the file is {len(content) / 1e6:,.1f} MB, over the upload limit of "
                f"{max_bytes / 1e6:,.1f} MB ({max_bytes:,} bytes). Upload fewer years at a time, "
                "or use the `sufficiency` command on your own machine for large files.",
                file=name,
            )
    names = [name for name, _ in files]
    return [
        Source(
            label=name if names.count(name) == 1 else f"{name} (upload {i + 1})",
            data=content,
            hints=_upload_hints(name),
        )
        for i, (name, content) in enumerate(files)
    ]


def _upload_hints(name: str) -> tuple[str, ...]:
    """The file name, then each folder up, of an uploaded file (a folder upload names its path)."""
    path = PurePosixPath(name.replace("\\", "/"))
    return (path.stem, *reversed(path.parent.parts))


def _distinct_labels(items: list[tuple[Path, str]]) -> list[str]:
    """Short labels; equal names get as many parent folders as needed to differ."""
    labels = [label for _, label in items]
    for depth in (2, 3, 4):
        clashes = {label for label in labels if labels.count(label) > 1}
        if not clashes:
            return labels
        labels = [
            "/".join(path.resolve().parts[-depth:]) if label in clashes else label
            for (path, _), label in zip(items, labels, strict=True)
        ]
    clashes = {label for label in labels if labels.count(label) > 1}
    return [
        str(path) if label in clashes else label
        for (path, _), label in zip(items, labels, strict=True)
    ]


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextTable:
    """One table read from a file: a CSV file or one sheet of a workbook.

    Attributes
    ----------
    sheet : str or None
        Sheet name for workbooks, ``None`` for CSV files.
    frame : pandas.DataFrame
        Column names as written in the heading row; every value text or missing. Blank and totals
        rows are removed; the index is the data row number (1 = the first row under the headings).
    encoding : str
        'utf-8', 'utf-16', 'cp1252' or 'latin-1'; 'xlsx' for workbooks.
    extra_fields : bool
        True when a data row had more fields than headings (the extras were dropped).
    heading_found : bool
        True when ``is_heading`` recognised the heading row (False: the first non-blank row was
        taken as headings).
    skipped : list of dict
        Validation-report rows (severity 'info') naming rows skipped and why.
    """

    sheet: str | None
    frame: pd.DataFrame
    encoding: str
    extra_fields: bool = False
    heading_found: bool = True
    skipped: list[dict] = field(default_factory=list)

    def where(self, label: str) -> str:
        """'file' for CSV, 'file [sheet NAME]' for workbooks."""
        return label if self.sheet is None else f"{label} [sheet {self.sheet}]"


HeadingTest = Callable[[set[str]], bool]


def normalise_column_name(name: object) -> str:
    """Upper-case a column name, drop a stray BOM and whitespace, and join words with '_'."""
    text = str(name).replace("\ufeff", "").strip().upper()
    return re.sub(r"\s+", "_", text)


def safe_headings(columns: Sequence[object], known: Iterable[str], shown: int = 8) -> str:
    """Describe a heading row without quoting anything that could be personal data.

    Headings a reader knows (``known``, compared normalised) are quoted; others are counted.
    """
    known_set = {normalise_column_name(k) for k in known}
    names = [str(c) for c in columns]
    quoted = [n for n in names if normalise_column_name(n) in known_set][:shown]
    others = len(names) - len([n for n in names if normalise_column_name(n) in known_set])
    parts = []
    if quoted:
        parts.append("recognised: " + ", ".join(quoted))
    if others:
        parts.append(f"{others} other{'s' if others != 1 else ''} not recognised")
    return f"{len(names)} column{'s' if len(names) != 1 else ''} ({'; '.join(parts) or 'none'})"


def looks_like_data(values: Sequence[object]) -> bool:
    """True when a row reads as data rather than headings (a date, or mostly digits)."""
    texts = [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
    if not texts:
        return False
    date_like = sum(bool(re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", t)) for t in texts)
    digits = sum(any(ch.isdigit() for ch in t) for t in texts)
    odd = sum(not _SAFE_HEADING.match(t) for t in texts)
    return date_like > 0 or digits * 2 > len(texts) or odd * 2 > len(texts)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-16 (with BOM), UTF-8 (BOM allowed), Windows-1252 or Latin-1.

    Returns
    -------
    tuple of (str, str)
        The text and the encoding that worked.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
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


def read_tables(
    source: Source,
    is_heading: HeadingTest | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    drop_rows: bool = True,
) -> list[TextTable]:
    """Read a CSV file (one table) or every sheet of an .xlsx/.xlsm workbook.

    Parameters
    ----------
    source : Source
        The file.
    is_heading : callable, optional
        Called with the normalised names of a candidate heading row; True when it is the table's
        heading row. The first row among the top :data:`HEADING_SEARCH_ROWS` for which it is True
        is used; without a match (or without ``is_heading``) the first non-blank row is.
    max_bytes : int
        Largest file accepted.
    drop_rows : bool
        Drop blank and totals rows (named in ``skipped``). Readers that report blank rows
        themselves pass False.

    Raises
    ------
    InputDataError
        When the file is empty, too large, a workbook that would inflate beyond the limits, an
        old-style .xls, or cannot be parsed. The message names the file, never a value from it.
    """
    label = source.label
    try:
        size = source.size()
    except OSError as error:
        raise _os_error(label, error) from error
    if size == 0:
        raise InputDataError(
            f"{label}: the file is empty (0 bytes). Export the table again and check the export "
            "finished.",
            file=label,
        )
    if size > max_bytes:
        raise InputDataError(
            f"{label}: the file is {size / 1e6:,.1f} MB, over the limit of {max_bytes / 1e6:,.0f} "
            "MB. Split it by year and read the parts together.",
            file=label,
        )
    suffix = source.suffix
    if suffix in LEGACY_EXCEL_SUFFIXES:
        raise InputDataError(
            f"{label}: old-style .xls workbooks cannot be read. Open it in Excel and save it as "
            ".xlsx (Excel Workbook), or export each table as CSV.",
            file=label,
        )
    try:
        data = source.read_bytes()
    except OSError as error:
        raise _os_error(label, error) from error
    if suffix in EXCEL_SUFFIXES or data[:4] == b"PK\x03\x04":
        return _read_workbook(data, label, is_heading, drop_rows)
    return [_read_csv(data, label, is_heading, drop_rows)]


def read_one_table(
    source: Source | Path | bytes,
    file_name: str,
    is_heading: HeadingTest | None = None,
    *,
    drop_rows: bool = False,
) -> tuple[pd.DataFrame, list[dict]]:
    """Read a file holding one table (the first recognised sheet of a workbook).

    Returns
    -------
    tuple of (DataFrame, list of dict)
        The frame (text columns as written, positional index) and validation-report rows
        (severity 'info') naming what was skipped: rows above the headings and other sheets.
    """
    if not isinstance(source, Source):
        source = (
            Source(label=file_name, data=source)
            if isinstance(source, bytes)
            else Source(label=file_name, path=Path(source))
        )
    tables = read_tables(source, is_heading, drop_rows=drop_rows)
    chosen = next((t for t in tables if t.heading_found and t.frame.shape[1]), None)
    chosen = chosen or next((t for t in tables if t.frame.shape[1]), tables[0])
    skipped = list(chosen.skipped)
    skipped += [
        file_issue(
            file_name,
            "",
            "sheet_not_read",
            INFO,
            f"Sheet {t.sheet} was not read: the table was taken from sheet {chosen.sheet}. "
            "Nothing to do unless that sheet holds the records; then put them in one sheet.",
        )
        for t in tables
        if t is not chosen
    ]
    return chosen.frame.reset_index(drop=True), skipped


def issues_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Validation-report rows (from :func:`file_issue`) as a report frame."""
    frame = pd.DataFrame(list(rows), columns=list(VALIDATION_REPORT))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def _os_error(label: str, error: OSError) -> InputDataError:
    return InputDataError(
        f"{label}: could not be read ({error.strerror or type(error).__name__}). Check the file "
        "is not open in another program and that you may read it.",
        file=label,
    )


# --- CSV ---------------------------------------------------------------------------------------


def _delimiter(first_line: str) -> str:
    if "," not in first_line:
        for candidate in ("\t", ";", "|"):
            if candidate in first_line:
                return candidate
    return ","


def _find_heading(
    rows: Sequence[Sequence[object]], is_heading: HeadingTest | None
) -> tuple[int | None, bool]:
    """(index of the heading row among ``rows``, recognised?); None when every row is blank."""
    first_non_blank = None
    for i, row in enumerate(rows[:HEADING_SEARCH_ROWS]):
        cells = [str(v).strip() for v in row if v is not None and str(v).strip() != ""]
        if not cells:
            continue
        if first_non_blank is None:
            first_non_blank = i
        if is_heading is not None and is_heading({normalise_column_name(c) for c in cells}):
            return i, True
    return first_non_blank, is_heading is None


def _skipped_above(
    rows: Sequence[Sequence[object]], heading: int, where: str, unit: str = "line"
) -> list[dict]:
    """Info rows naming each line above the headings that was skipped, and why."""
    if heading <= 0:
        return []
    kinds = [
        "blank"
        if not any(v is not None and str(v).strip() for v in row)
        else "a title or note (not data)"
        for row in rows[:heading]
    ]
    described = "; ".join(f"{unit} {i + 1}: {kind}" for i, kind in enumerate(kinds[:10]))
    more = f"; and {len(kinds) - 10} more" if len(kinds) > 10 else ""
    return [
        file_issue(
            where,
            "",
            "rows_above_headings_skipped",
            INFO,
            f"The column headings are on {unit} {heading + 1}; the {len(kinds)} {unit}"
            f"{'s' if len(kinds) != 1 else ''} above them were skipped ({described}{more}). "
            "Nothing to do.",
        )
    ]


def _read_csv(
    data: bytes, label: str, is_heading: HeadingTest | None, drop_rows: bool = True
) -> TextTable:
    lines = max(data.count(b"\n"), data.count(b"\r"))
    if lines > MAX_DATA_ROWS + HEADING_SEARCH_ROWS + 1:
        raise _too_many_rows(label, f"it has {lines:,} lines")
    text, encoding = decode_text(data)
    if not text.strip():
        raise InputDataError(
            f"{label}: the file has no column headings or rows. Export the table again with its "
            "heading row and data.",
            file=label,
        )
    head_lines = text.splitlines()[: HEADING_SEARCH_ROWS + 1]
    non_blank = next((line for line in head_lines if line.strip()), "")
    sep = _delimiter(non_blank)
    try:
        head_rows = list(csv.reader(head_lines, delimiter=sep))
    except csv.Error:
        head_rows = [line.split(sep) for line in head_lines]
    heading, recognised = _find_heading(head_rows, is_heading)
    if heading is None:
        raise InputDataError(
            f"{label}: the file has no column headings or rows in its first "
            f"{HEADING_SEARCH_ROWS} lines. Export the table again with its heading row and data.",
            file=label,
        )
    skipped = _skipped_above(head_rows, heading, label)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a first row with a trailing delimiter must not become the index.
            frame = pd.read_csv(
                io.StringIO(text) if encoding == "utf-16" else io.BytesIO(data),
                encoding=None if encoding == "utf-16" else _pandas_encoding(encoding),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                skiprows=heading,
                sep=sep,
                quoting=csv.QUOTE_MINIMAL,
                index_col=False,
            )
    except pd.errors.EmptyDataError as error:
        raise InputDataError(
            f"{label}: the file has no column headings or rows. Export the table again with its "
            "heading row and data.",
            file=label,
        ) from error
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as error:
        raise InputDataError(
            f"{label}: could not be read as a CSV table ({_parser_detail(error, heading)}). Check "
            "each row has the same number of commas as the heading row and that quotes are "
            "closed, then try again.",
            file=label,
        ) from error
    extra_fields = any(issubclass(w.category, pd.errors.ParserWarning) for w in caught)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame, below = _drop_blank_and_totals(frame, label) if drop_rows else (frame, [])
    return TextTable(
        sheet=None,
        frame=frame,
        encoding=encoding,
        extra_fields=extra_fields,
        heading_found=recognised,
        skipped=skipped + below,
    )


def _pandas_encoding(encoding: str) -> str:
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _parser_detail(error: Exception, heading: int) -> str:
    """The parser's complaint (a line number and field counts only, never a value)."""
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        expected, line, saw = (int(g) for g in match.groups())
        return f"line {line + heading} has {saw} fields where the headings have {expected}"
    if isinstance(error, UnicodeDecodeError):
        return "some bytes are not text in any known encoding"
    return re.sub(r"'[^']*'", "'...'", text)[:200]


def _drop_blank_and_totals(frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[dict]]:
    """Remove rows that are blank or totals; return the rest and info rows naming them."""
    if frame.empty or frame.shape[1] == 0:
        return frame, []
    n = len(frame)
    # Most rows have their first cell filled: test that column at once, the rest row by row.
    first = frame.iloc[:, 0].astype("str")
    first_filled = (first.notna() & (first.str.strip().str.len() > 0)).to_numpy(dtype=bool)
    totals = np.zeros(n, dtype=bool)
    if first_filled.any():
        totals[first_filled] = (
            first[first_filled].str.match(_TOTALS_ROW).fillna(False).to_numpy(dtype=bool)
        )
    blank = np.zeros(n, dtype=bool)
    rest = np.flatnonzero(~first_filled)
    if len(rest):
        others = frame.iloc[rest, 1:]
        found = np.zeros(len(rest), dtype=bool)
        first_text = np.full(len(rest), "", dtype=object)
        for column in range(others.shape[1]):
            values = others.iloc[:, column].astype("str")
            filled = (values.notna() & (values.str.strip().str.len() > 0)).to_numpy(dtype=bool)
            take = filled & ~found
            if take.any():
                first_text[take] = values.to_numpy(dtype=object)[take]
                found |= take
        blank[rest[~found]] = True
        totals[rest[found]] = [bool(_TOTALS_ROW.match(str(t))) for t in first_text[found]]
    notes = _notes_below(frame, blank | totals)
    if not blank.any() and not totals.any() and not notes.any():
        return frame, []
    issues = []
    rows = frame.index.to_numpy()
    if blank.any():
        listed = ", ".join(str(r) for r in rows[blank][:10])
        more = f" and {int(blank.sum()) - 10} more" if blank.sum() > 10 else ""
        issues.append(
            file_issue(
                where,
                "",
                "blank_rows_skipped",
                INFO,
                f"{int(blank.sum())} blank row{'s' if blank.sum() != 1 else ''} skipped (data "
                f"row{'s' if blank.sum() != 1 else ''} {listed}{more}); they are not counted as "
                "rows read. Nothing to do.",
            )
        )
    for row in rows[totals]:
        issues.append(
            file_issue(
                where,
                "",
                "totals_row_skipped",
                INFO,
                "A totals row (its first cell starts with 'Total') was skipped: it is a summary, "
                "not data. Nothing to do.",
                row=int(row),
            )
        )
    if notes.any():
        listed = ", ".join(str(r) for r in rows[notes][:10])
        issues.append(
            file_issue(
                where,
                "",
                "note_rows_skipped",
                INFO,
                f"{int(notes.sum())} note{'s' if notes.sum() != 1 else ''} below the table skipped "
                f"(data row{'s' if notes.sum() != 1 else ''} {listed}: a single cell of words, "
                "such as a source or footnote, not data). Nothing to do.",
            )
        )
    return frame.loc[~(blank | totals | notes)], issues


def _notes_below(frame: pd.DataFrame, skipped: np.ndarray) -> np.ndarray:
    """Rows after the last data row that hold one cell of words (a footnote or source line).

    Only tables of three or more columns, and only below the data: a row of one filled cell
    there cannot be a record, and words with spaces cannot be an identifier.
    """
    notes = np.zeros(len(frame), dtype=bool)
    if frame.shape[1] < 3:
        return notes
    for i in range(len(frame) - 1, -1, -1):
        if skipped[i]:
            continue
        cells = [str(v).strip() for v in frame.iloc[i].tolist() if isinstance(v, str)]
        cells = [c for c in cells if c]
        if len(cells) != 1 or not (_LETTER.search(cells[0]) and _WORDS.search(cells[0])):
            break
        notes[i] = True
    return notes


# --- workbooks ---------------------------------------------------------------------------------


def check_workbook(data: bytes, label: str) -> None:
    """Refuse a workbook that would inflate beyond the limits, before any part is parsed.

    Checks the unzipped size of every part (declared in the zip directory; Python's zip reader
    never inflates a part past its declared size), the compression ratio, the row count each
    sheet declares, the longest shared string, and XML document type declarations.

    Raises
    ------
    InputDataError
        Naming the file, the limit and what to do.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _not_a_workbook(label, error) from error
    with archive:
        if len(parts) > 10_000:
            raise _too_big(label, f"it holds {len(parts):,} parts")
        inflated = sum(part.file_size for part in parts)
        if inflated > MAX_INFLATED_BYTES:
            raise _too_big(
                label,
                f"it would unzip to {inflated / 1e6:,.0f} MB, over the limit of "
                f"{MAX_INFLATED_BYTES / 1e6:,.0f} MB",
            )
        for part in parts:
            if part.file_size > 1_000_000 and part.file_size > MAX_COMPRESSION_RATIO * max(
                part.compress_size, 1
            ):
                raise _too_big(
                    label,
                    f"one part unzips to {part.file_size / max(part.compress_size, 1):,.0f} times "
                    "its stored size, which real workbooks never do (a 'zip bomb')",
                )
        for part in parts:
            if not part.filename.endswith((".xml", ".rels")):
                continue
            try:
                with archive.open(part) as stream:
                    start = stream.read(8192)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as error:
                raise _not_a_workbook(label, error) from error
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                raise _too_big(label, "it contains an XML document type declaration")
            match = re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', start)
            if match and int(match.group(1)) > MAX_ROWS:
                raise _too_big(label, f"a sheet declares {int(match.group(1)):,} rows")
        strings = [p for p in parts if p.filename.lower().endswith("sharedstrings.xml")]
        for part in strings:
            _check_shared_strings(archive, part, label)
        for part in parts:
            if part.filename.lower().startswith("xl/worksheets/") and part.filename.endswith(
                ".xml"
            ):
                _check_row_count(archive, part, label)


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def _check_row_count(archive: zipfile.ZipFile, part: zipfile.ZipInfo, label: str) -> None:
    """Count a sheet's rows by streaming its XML (no parsing) and refuse more than the limit."""
    limit = MAX_DATA_ROWS + HEADING_SEARCH_ROWS + 1
    rows, pending = 0, b""
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(1 << 20):
                block = pending + chunk
                # Count up to the last '<': a row tag starts with '<' and holds no other, so
                # none is split between what is counted now and what is kept for the next chunk.
                cut = block.rfind(b"<")
                if cut < 0:
                    pending = b""
                    continue
                rows += len(_ROW_TAG.findall(block, 0, cut))
                pending = block[cut:]
                if rows > limit:
                    raise _too_many_rows(label, f"a sheet has more than {limit:,} rows")
            rows += len(_ROW_TAG.findall(pending))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as error:
        raise _not_a_workbook(label, error) from error
    if rows > limit:
        raise _too_many_rows(label, f"a sheet has {rows:,} rows")


def _check_shared_strings(archive: zipfile.ZipFile, part: zipfile.ZipInfo, label: str) -> None:
    """Stream the shared strings and refuse any longer than a spreadsheet cell can hold."""
    import xml.etree.ElementTree as ElementTree

    try:
        with archive.open(part) as stream:
            for _, element in ElementTree.iterparse(stream, events=("end",)):
                if (
                    element.tag.rsplit("}", 1)[-1] == "t"
                    and element.text
                    and len(element.text) > MAX_CELL_CHARS
                ):
                    raise _too_big(
                        label,
                        f"a cell holds {len(element.text):,} characters, more than a spreadsheet "
                        f"cell can ({MAX_CELL_CHARS:,})",
                    )
                if element.tag.rsplit("}", 1)[-1] == "si":
                    element.clear()
    except InputDataError:
        raise
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _not_a_workbook(label, error) from error


def _too_many_rows(label: str, why: str) -> InputDataError:
    return InputDataError(
        f"{label}: this file was refused before reading because {why}, more than the "
        f"{MAX_DATA_ROWS:,} rows one table may hold (ten years of a large authority's 903 episodes "
        "are about 60,000). Check it holds only the table you meant to give; split a file holding "
        "several authorities or many years into smaller files.",
        file=label,
    )


def _too_big(label: str, why: str) -> InputDataError:
    return InputDataError(
        f"{label}: this workbook was refused before reading because {why}. Open it in Excel and "
        "check it holds only the tables you meant to give, or export each table as CSV.",
        file=label,
    )


def _not_a_workbook(label: str, error: BaseException) -> InputDataError:
    return InputDataError(
        f"{label}: could not be opened as an Excel workbook ({type(error).__name__}). Open it in "
        "Excel and save it again as .xlsx, or export each table as CSV.",
        file=label,
    )


def _cell_text(value: object) -> object:
    """A workbook cell as text: dates as ISO, whole numbers without '.0', blanks as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_workbook(
    data: bytes, label: str, is_heading: HeadingTest | None, drop_rows: bool = True
) -> list[TextTable]:
    check_workbook(data, label)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types for corrupt files
        raise _not_a_workbook(label, error) from error
    tables = []
    try:
        for sheet in book.worksheets:
            tables.append(_read_sheet(sheet, label, is_heading, drop_rows))
    except InputDataError:
        raise
    except Exception as error:  # noqa: BLE001 - a corrupt sheet part
        raise _not_a_workbook(label, error) from error
    finally:
        book.close()
    return tables


def _read_sheet(
    sheet, label: str, is_heading: HeadingTest | None, drop_rows: bool = True
) -> TextTable:
    where = f"{label} [sheet {sheet.title}]"
    if hasattr(sheet, "reset_dimensions"):
        # Declared dimensions can claim 16,384 columns; rows are padded only to what we ask for.
        sheet.reset_dimensions()
    top = [
        tuple(_cell_text(v) for v in row)
        for row in sheet.iter_rows(
            max_row=HEADING_SEARCH_ROWS + 1, max_col=MAX_COLUMNS, values_only=True
        )
    ]
    heading, recognised = _find_heading(top, is_heading)
    if heading is None:
        return TextTable(sheet=sheet.title, frame=pd.DataFrame(), encoding="xlsx")
    heading_row = list(top[heading])
    while heading_row and (heading_row[-1] is None or str(heading_row[-1]).strip() == ""):
        heading_row.pop()
    width = len(heading_row)
    rows: list[tuple] = []
    too_long = False
    for i, row in enumerate(
        sheet.iter_rows(min_row=heading + 2, max_col=width, values_only=True), start=heading + 2
    ):
        if i > MAX_ROWS:
            raise _too_big(label, f"sheet {sheet.title} has more than {MAX_ROWS:,} rows")
        cells = tuple(_cell_text(v) for v in row)
        if not too_long:
            too_long = any(isinstance(c, str) and len(c) > MAX_CELL_CHARS for c in cells)
            if too_long:
                raise _too_big(
                    label,
                    f"a cell in sheet {sheet.title} holds more characters than a spreadsheet "
                    f"cell can ({MAX_CELL_CHARS:,})",
                )
        rows.append(cells + (None,) * (width - len(cells)))
    names = [
        str(c).strip() if c is not None else f"Unnamed: {j}" for j, c in enumerate(heading_row)
    ]
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    frame = frame.astype(object).where(frame.notna(), "")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame, below = _drop_blank_and_totals(frame, where) if drop_rows else (frame, [])
    return TextTable(
        sheet=sheet.title,
        frame=frame,
        encoding="xlsx",
        heading_found=recognised,
        skipped=_skipped_above(top, heading, where, unit="row") + below,
    )


# --- values ------------------------------------------------------------------------------------


def clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace and turn empty strings (and renderings of blanks) into missing values."""
    text = values.astype("str").str.strip()
    return text.mask(text.isin(["", "nan", "NaN", "None", "<NA>", "NaT"]))


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse text dates, day-first where the order is ambiguous (see :mod:`sufficiency.data.dates`).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]``; NaT where the value is blank or could not be parsed.
    """
    from sufficiency.data.dates import DAY_FIRST, parse_with_order

    return parse_with_order(values, DAY_FIRST)
