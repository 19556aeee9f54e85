"""Read, validate and merge SSDA903 extracts (Header, Episodes and UASC tables).

Local authorities hold several years of 903 returns as CSV or Excel files. :func:`read_903` reads
one file, several files or folders of yearly extracts, recognises each table from its columns,
checks every row, merges the overlapping years and returns clean episodes with a report of every
problem row. :func:`read_903_uploads` does the same for files uploaded in the explorer.

What happens to a problem depends on whether the row can still be counted:

* ``fatal``: the data cannot be used at all (unreadable, empty or 0-byte file, a required column
  missing, a file that is not a 903 table). Reading stops with one :class:`InputDataError`.
* ``error``: the row is rejected and reported (no child id or start date, a bad or future start
  date, DEC before DECOM, DECOM before the date of birth, a child missing from the Header table, a
  duplicate row).
* ``warning``: the row is kept and reported. Unknown codes are warnings: an unknown PLACE counts
  as placement category 'other', an unknown PLACE_PROVIDER as external provision (the costlier
  assumption), an unknown REC as exit reason 'other'; the code itself is kept as written
  (upper-cased). Overlapping episodes are truncated at the next episode's start, and an end date
  after the extract date is treated as still open at the extract date.

Per table and file: rows in = rows kept + rows rejected. Rows kept from an older extract whose
episode reappears in a later one are counted as ``rows_superseded`` (the later copy is used).
Rows that are entirely blank are not data rows and are not counted, but row numbers still count
them so they match the file (row 1 is the first row under the column headings).

Child identifiers, dates of birth and postcodes are never logged or printed; in the report their
values are masked as ``***``. Postcodes, UPNs and the mother's child's date of birth are dropped
as soon as a file is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.data import readers
from sufficiency.errors import InputDataError
from sufficiency.progress import ProgressCallback, report
from sufficiency.schemas import CLEAN_EPISODES, VALIDATION_REPORT

HEADER = "header"
EPISODES = "episodes"
UASC = "uasc"
TABLES: tuple[str, ...] = (HEADER, EPISODES, UASC)

FATAL = "fatal"
ERROR = "error"
WARNING = "warning"

MASK = "***"
MAX_UPLOAD_BYTES = 50_000_000
"""Largest accepted upload per file (50 MB; a 60,000-episode CSV is about 5 MB)."""
DEFAULT_MAX_UPLOAD_BYTES = MAX_UPLOAD_BYTES

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    HEADER: ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    EPISODES: (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    UASC: ("CHILD", "SEX", "DOB", "DUC"),
}
"""The columns of each 903 table, as in the DfE specification."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    HEADER: ("CHILD", "SEX", "DOB"),
    EPISODES: ("CHILD", "DECOM", "RNE", "LS", "PLACE", "PLACE_PROVIDER", "DEC", "REC"),
    UASC: ("CHILD", "DUC"),
}
"""Columns without which a table cannot be used (missing ones are fatal)."""

# Columns read into the clean tables; everything else (postcodes, UPN, URN, LA, ...) is dropped.
_KEEP_COLUMNS: dict[str, tuple[str, ...]] = {
    HEADER: ("CHILD", "SEX", "DOB", "ETHNIC", "UASC"),
    EPISODES: (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
    ),
    UASC: ("CHILD", "SEX", "DOB", "DUC"),
}
# DUC (date UASC status ceased) is usually the 18th birthday, so it reveals the date of birth.
_PERSONAL_COLUMNS = frozenset(
    {"CHILD", "DOB", "DUC", "HOME_POST", "PL_POST", "UPN", "MC_DOB", "MOTHER", "URN"}
)

# Other 903 tables: recognised so they can be reported as "not used" rather than "not 903".
_OTHER_903_TABLES: dict[str, frozenset[str]] = {
    "reviews": frozenset({"REVIEW", "REVIEW_CODE"}),
    "missing": frozenset({"MISSING", "MIS_START", "MIS_END"}),
    "OC2": frozenset({"SDQ_SCORE", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS"}),
    "OC3": frozenset({"IN_TOUCH", "ACTIV", "ACCOM"}),
    "AD1": frozenset({"DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR"}),
    "placed for adoption": frozenset({"DATE_PLACED", "DATE_PLACED_CEASED"}),
    "previous permanence": frozenset({"PREV_PERM", "LA_PERM", "DATE_PERM"}),
    "social worker episodes": frozenset({"SW_ID", "SW_DECOM", "SW_DEC"}),
}

_CODE_LISTS: dict[str, frozenset[str]] = {
    "RNE": frozenset(codes.RNE_CODES),
    "LS": frozenset(codes.LS_CODES),
    "CIN": frozenset(codes.CIN_CODES),
    "PLACE": frozenset(codes.PLACE_CODES) | frozenset(codes.LEGACY_PLACE_CODES),
    "PLACE_PROVIDER": frozenset(codes.PLACE_PROVIDER_CODES),
    "REC": frozenset(codes.REC_CODES) | frozenset(codes.LEGACY_REC_CODES),
    "REASON_PLACE_CHANGE": frozenset(codes.REASON_PLACE_CHANGE_CODES),
}
_UNKNOWN_CODE_EFFECT: dict[str, str] = {
    "RNE": "the episode is kept",
    "LS": "the episode is kept and counted (it is not treated as a short break)",
    "CIN": "the episode is kept",
    "PLACE": "the episode is kept and counted in placement category 'other'",
    "PLACE_PROVIDER": (
        "the episode is kept; foster and residential placements are counted as external provision"
    ),
    "REC": "the episode is kept; an exit is grouped as exit reason 'other'",
    "REASON_PLACE_CHANGE": "the episode is kept",
}
_SEX_ALIASES = {"1": "1", "2": "2", "M": "1", "MALE": "1", "F": "2", "FEMALE": "2"}
_TRUE_TEXT = frozenset({"1", "Y", "YES", "TRUE", "T"})

_ISSUE_COLUMNS = list(VALIDATION_REPORT)
_FILES_COLUMNS = [
    "file",
    "table",
    "rows_in",
    "rows_kept",
    "rows_rejected",
    "rows_reported",
    "rows_superseded",
]
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-_ ]?(\d{2}|(?:19|20)\d{2}))?(?!\d)")


class UnusableInputError(InputDataError):
    """One or more files cannot be used at all; ``report`` lists each fatal problem.

    Parameters
    ----------
    message : str
        Plain-language description naming each file and what to do.
    report : pandas.DataFrame
        VALIDATION_REPORT rows with severity 'fatal'.
    """

    def __init__(self, message: str, report: pd.DataFrame) -> None:
        files = report["file"].tolist()
        super().__init__(message, file=files[0] if files else None)
        self.report = report


@dataclass
class Ssda903Data:
    """Clean SSDA903 data with its validation report.

    Attributes
    ----------
    episodes : pandas.DataFrame
        One row per episode, CLEAN_EPISODES schema, sorted by child and DECOM.
    header : pandas.DataFrame
        One row per child: child, sex, dob, uasc, ethnic, source_file, source_row.
    report : pandas.DataFrame
        VALIDATION_REPORT schema: every problem found, personal values masked.
    files : pandas.DataFrame
        One row per table read: file, table, rows_in, rows_kept, rows_rejected, rows_reported,
        rows_superseded.
    extract_date : pandas.Timestamp
        Open episodes are ongoing up to and including this date.
    extract_date_source : str
        How the extract date was found, in words.
    """

    episodes: pd.DataFrame
    header: pd.DataFrame
    report: pd.DataFrame
    files: pd.DataFrame
    extract_date: pd.Timestamp
    extract_date_source: str = "latest date in the data"
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when at least one episode was kept and no fatal problem was found."""
        return len(self.episodes) > 0 and not (self.report["severity"] == FATAL).any()

    def raise_if_unusable(self) -> None:
        """Raise :class:`InputDataError` explaining why the data cannot be used."""
        if self.usable:
            return
        fatal = self.report[self.report["severity"] == FATAL]
        message = (
            fatal["message"].iloc[0]
            if len(fatal)
            else "No usable episodes were found in the 903 files."
        )
        raise InputDataError(message, file=fatal["file"].iloc[0] if len(fatal) else None)

    def summary(self) -> str:
        """A plain-text summary: files, tables, row counts, problems, extract date, date range.

        Never contains child identifiers, dates of birth or postcodes.
        """
        lines: list[str] = []
        n_files = self.files["file"].str.replace(r" \[sheet .*\]$", "", regex=True).nunique()
        lines.append(
            f"SSDA903 data: {_count(len(self.files), 'table')} read from "
            f"{_count(n_files, 'file')}; extract date {self.extract_date:%Y-%m-%d} "
            f"({self.extract_date_source})."
        )
        lines.append("")
        lines.append("Tables recognised (rows):")
        width = max([len(str(f)) for f in self.files["file"]] + [4])
        lines.append(
            f"  {'file':<{width}}  {'table':<8}  {'in':>7}  {'kept':>7}  {'rejected':>8}  "
            f"{'superseded':>10}"
        )
        for row in self.files.itertuples(index=False):
            lines.append(
                f"  {row.file:<{width}}  {row.table:<8}  {row.rows_in:>7,}  {row.rows_kept:>7,}  "
                f"{row.rows_rejected:>8,}  {row.rows_superseded:>10,}"
            )
        for table in TABLES:
            part = self.files[self.files["table"] == table]
            if len(part):
                lines.append(
                    f"  all {table}: {int(part['rows_in'].sum()):,} rows in, "
                    f"{int(part['rows_kept'].sum()):,} kept, "
                    f"{int(part['rows_rejected'].sum()):,} rejected"
                )
        lines.append("")
        episodes = self.episodes
        if len(episodes):
            last = pd.concat([episodes["decom"], episodes["dec"]]).max()
            short_breaks = int(episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUSES).sum())
            lines.append(
                f"Episodes after merging extracts: {_count(len(episodes), 'episode')} of "
                f"{_count(episodes['child'].nunique(), 'child', 'children')}; dates run from "
                f"{episodes['decom'].min():%Y-%m-%d} to {last:%Y-%m-%d}; "
                f"{int(episodes['dec'].isna().sum()):,} open at the extract date; "
                f"{_count(short_breaks, 'short-break (V3/V4) episode')} kept but left out of "
                "counts of children looked after."
            )
        else:
            lines.append("Episodes after merging extracts: none usable.")
        lines.append("")
        counts = self.report.groupby(["severity", "rule"]).size() if len(self.report) else None
        if counts is None or counts.empty:
            lines.append("Problems: none found.")
        else:
            by_severity = self.report["severity"].value_counts()
            effect = {FATAL: "(data unusable)", ERROR: "(rows rejected)", WARNING: "(rows kept)"}
            lines.append(
                "Problems: "
                + ", ".join(
                    f"{_count(int(by_severity[s]), s)} {effect[s]}"
                    for s in (FATAL, ERROR, WARNING)
                    if by_severity.get(s, 0)
                )
            )
            for severity in (FATAL, ERROR, WARNING):
                if severity not in counts.index.get_level_values(0):
                    continue
                for rule, count in counts[severity].sort_values(ascending=False).items():
                    lines.append(f"  {severity:<8} {rule:<28} {int(count):>7,}")
        if self.notes:
            lines.append("")
            lines.extend(self.notes)
        lines.append("")
        lines.append(f"Data usable: {'yes' if self.usable else 'no'}.")
        return "\n".join(lines)


def _count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 episode', '2 episodes' (thousands separated)."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


# --- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    label: str
    year_hints: tuple[str, ...]
    path: Path | None = None
    data: bytes | None = None
    in_folder: bool = False

    @property
    def suffix(self) -> str:
        return Path(self.label).suffix.lower()

    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]

    def read_bytes(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()  # type: ignore[union-attr]


_DATA_SUFFIXES = readers.CSV_SUFFIXES | readers.EXCEL_SUFFIXES | readers.LEGACY_EXCEL_SUFFIXES


def _collect_sources(paths: str | Path | Iterable[str | Path]) -> tuple[list[_Source], list[dict]]:
    """Expand files and folders into sources, plus warnings for ignored files."""
    if isinstance(paths, str | Path):
        paths = [paths]
    items = [Path(p) for p in paths]
    if not items:
        raise InputDataError("No 903 files were given. Give one or more CSV/XLSX files or folders.")
    found: list[tuple[Path, str, tuple[str, ...]]] = []
    ignored: list[dict] = []
    for item in items:
        if item.is_dir():
            files = sorted(p for p in item.rglob("*") if p.is_file())
            n_data = 0
            for file in files:
                relative = file.relative_to(item).as_posix()
                if file.name.startswith((".", "~$")):
                    continue
                if file.suffix.lower() in _DATA_SUFFIXES:
                    # Year hints: the file name, then each folder up to the one given.
                    hints = (file.stem, *reversed(Path(relative).parent.parts), item.resolve().name)
                    found.append((file, relative, hints))
                    n_data += 1
                else:
                    ignored.append(
                        _file_issue(
                            relative,
                            "",
                            "file_ignored",
                            WARNING,
                            "Not a CSV or Excel file, so it was not read. Nothing to do unless it "
                            "holds 903 data; then export it as CSV or .xlsx.",
                        )
                    )
            if n_data == 0:
                raise InputDataError(
                    f"{item}: the folder holds no CSV or Excel (.xlsx) files. Put the 903 Header "
                    "and Episodes files (one set per year) in it and try again.",
                    file=str(item),
                )
        elif item.is_file():
            found.append((item, item.name, ()))
        else:
            raise InputDataError(
                f"{item}: no such file or folder. Check the path and try again.", file=str(item)
            )
    # The same file named twice (or inside a folder also given) is read once.
    unique: dict[Path, tuple[Path, str, tuple[str, ...]]] = {}
    for path, label, hints in found:
        unique.setdefault(path.resolve(), (path, label, hints))
    labels = _distinct_labels([(path, label) for path, label, _ in unique.values()])
    sources = [
        _Source(
            label=labels[i],
            year_hints=hints or (path.stem, path.resolve().parent.name),
            path=path,
            in_folder=bool(hints),
        )
        for i, (path, _, hints) in enumerate(unique.values())
    ]
    return sources, ignored


def _distinct_labels(items: list[tuple[Path, str]]) -> list[str]:
    """Short labels for reports; equal names get as many parent folders as needed to differ."""
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


# --- reading and recognising tables -------------------------------------------------------------


@dataclass
class _Raw:
    file: str
    table: str
    frame: pd.DataFrame  # normalised names, cleaned text, '_row' (1-based) and '_year' columns
    order: int


def _recognise(columns: set[str]) -> tuple[str | None, str | None]:
    """Return (903 table, other 903 table name) recognised from normalised column names."""
    episode_specific = set(TABLE_COLUMNS[EPISODES]) - {"CHILD", "DECOM"}
    if "CHILD" in columns and "DECOM" in columns and len(columns & episode_specific) >= 3:
        return EPISODES, None
    if "CHILD" in columns:
        for name, signature in _OTHER_903_TABLES.items():
            if len(columns & signature) >= 2:
                return None, name
    if "CHILD" in columns and "DUC" in columns:
        return UASC, None
    if len(columns & set(TABLE_COLUMNS[EPISODES]) - {"CHILD"}) >= 4:
        return EPISODES, None
    if "CHILD" in columns and len(columns & {"SEX", "DOB", "ETHNIC", "UPN", "MOTHER"}) >= 1:
        return HEADER, None
    if {"SEX", "DOB", "ETHNIC"} <= columns:
        return HEADER, None
    return None, None


def _file_issue(file: str, table: str, rule: str, severity: str, message: str) -> dict:
    return {
        "file": file,
        "table": table,
        "row": pd.NA,
        "column": "",
        "value": "",
        "rule": rule,
        "severity": severity,
        "message": message,
    }


def _headings(frame: pd.DataFrame, shown: int = 6) -> str:
    """The first few column headings, for messages (headings are not personal data)."""
    names = [str(c) for c in frame.columns[:shown]]
    more = ", ..." if len(frame.columns) > shown else ""
    return "(" + ", ".join(names) + more + ")"


def _year_from_hints(hints: Sequence[str]) -> int | None:
    """Collection year (ending 31 March) from the last year written in a file or folder name."""
    for hint in hints:
        matches = list(_YEAR_IN_NAME.finditer(hint))
        if not matches:
            continue
        first, second = matches[-1].group(1), matches[-1].group(2)
        year = int(first)
        if second is not None and int(second) % 100 == (year + 1) % 100:
            year += 1
        return year
    return None


def _year_column(values: pd.Series) -> pd.Series:
    """Collection year from a YEAR column: '2023', '2022/23', '2022-23' or '2022-2023' -> 2023."""
    parts = values.str.extract(r"^\s*((?:19|20)\d{2})\s*(?:[-/]\s*(\d{2}|\d{4}))?\s*$")
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    consecutive = second.notna() & ((second % 100) == ((first + 1) % 100))
    return (first + consecutive.astype(int)).astype("Float64")


def _read_source(
    source: _Source, order: int, raws: list[_Raw], issues: list[dict], fatal: list[dict]
) -> None:
    """Read one file into recognised raw tables; record file-level issues."""
    label = source.label
    size = source.size()
    if size == 0:
        fatal.append(
            _file_issue(
                label,
                "",
                "empty_file",
                FATAL,
                f"{label}: the file is empty (0 bytes). Export the 903 table again and check the "
                "export finished.",
            )
        )
        return
    suffix = source.suffix
    if suffix in readers.LEGACY_EXCEL_SUFFIXES:
        fatal.append(
            _file_issue(
                label,
                "",
                "unreadable_file",
                FATAL,
                f"{label}: old-style .xls workbooks cannot be read. Open it in Excel and save it "
                "as .xlsx, or export each table as CSV.",
            )
        )
        return
    try:
        if suffix in readers.EXCEL_SUFFIXES:
            tables = readers.read_excel_bytes(source.read_bytes(), label)
        else:
            tables = [readers.read_csv_bytes(source.read_bytes(), label)]
    except InputDataError as error:
        fatal.append(_file_issue(label, "", "unreadable_file", FATAL, str(error)))
        return
    except OSError as error:
        fatal.append(
            _file_issue(
                label,
                "",
                "unreadable_file",
                FATAL,
                f"{label}: could not be read ({error.strerror or type(error).__name__}). Check "
                "the file is not open in another program and that you may read it.",
            )
        )
        return

    file_year = _year_from_hints(source.year_hints)
    is_workbook = suffix in readers.EXCEL_SUFFIXES
    recognised_any = False
    not_903: list[str] = []
    for table_read in tables:
        where = f"{label} [sheet {table_read.sheet}]" if is_workbook else label
        frame = table_read.frame
        frame.columns = [readers.normalise_column_name(c) for c in frame.columns]
        frame = frame.loc[:, ~frame.columns.duplicated()]
        table, other = _recognise(set(frame.columns))
        if table is None:
            if is_workbook:
                what = (
                    f"a 903 {other} table, which this tool does not use"
                    if other
                    else "not a 903 Header, Episodes or UASC table (its columns were not "
                    "recognised)"
                )
                issues.append(
                    _file_issue(
                        where,
                        "",
                        "sheet_ignored",
                        WARNING,
                        f"Sheet ignored: {what}. Nothing to do.",
                    )
                )
                not_903.append(str(table_read.sheet))
            elif other:
                issues.append(
                    _file_issue(
                        label,
                        "",
                        "file_ignored",
                        WARNING,
                        f"File ignored: it is a 903 {other} table, which this tool does not use. "
                        "Nothing to do.",
                    )
                )
                recognised_any = True
            elif {"FILE", "RULE", "SEVERITY", "MESSAGE"} <= set(frame.columns):
                issues.append(
                    _file_issue(
                        label,
                        "",
                        "file_ignored",
                        WARNING,
                        "File ignored: it is a validation report written by this tool. Nothing "
                        "to do (keep reports outside the folder of 903 files to avoid this note).",
                    )
                )
                recognised_any = True
            elif source.in_folder:
                # In a folder of extracts, other tables (lookups, notes) are skipped, not fatal;
                # a missing Episodes or Header table is still fatal and names these files.
                issues.append(
                    _file_issue(
                        label,
                        "",
                        "file_ignored",
                        WARNING,
                        "File ignored: not a 903 Header, Episodes or UASC table (its columns were "
                        "not recognised; 903 tables need CHILD and DECOM or DOB columns). Check "
                        "the column headings if it should be a 903 table.",
                    )
                )
                recognised_any = True
            else:
                fatal.append(
                    _file_issue(
                        label,
                        "",
                        "not_903",
                        FATAL,
                        f"{label}: this is not an SSDA903 Header, Episodes or UASC table (its "
                        f"column headings {_headings(table_read.frame)} were not recognised). "
                        "Give the 903 Header and Episodes files, with the column headings "
                        "(CHILD, DECOM, ... or CHILD, SEX, DOB) in the first row.",
                    )
                )
            continue
        recognised_any = True
        missing = [c for c in REQUIRED_COLUMNS[table] if c not in frame.columns]
        if missing:
            fatal.append(
                _file_issue(
                    where,
                    table,
                    "missing_column",
                    FATAL,
                    f"{where}: the {table} table has no {', '.join(missing)} column"
                    f"{'s' if len(missing) > 1 else ''}. A 903 {table} table needs "
                    f"{', '.join(REQUIRED_COLUMNS[table])}. Add the missing column"
                    f"{'s' if len(missing) > 1 else ''} (headings are not case-sensitive) and try "
                    "again.",
                )
            )
            continue
        keep = [c for c in _KEEP_COLUMNS[table] if c in frame.columns]
        cleaned = pd.DataFrame({c: readers.clean_text(frame[c]) for c in keep}, index=frame.index)
        cleaned["_row"] = np.arange(1, len(frame) + 1)
        if "YEAR" in frame.columns:
            cleaned["_year"] = _year_column(readers.clean_text(frame["YEAR"])).fillna(
                np.nan if file_year is None else float(file_year)
            )
        else:
            cleaned["_year"] = pd.Series(
                np.nan if file_year is None else float(file_year),
                index=frame.index,
                dtype="Float64",
            )
        blank = cleaned[keep].isna().all(axis=1)
        cleaned = cleaned[~blank]
        if cleaned.empty:
            message = (
                f"{where}: the {table} table has column headings but no rows. Export it again "
                "with its data."
            )
            if table == UASC:
                issues.append(
                    _file_issue(
                        where,
                        table,
                        "empty_table",
                        WARNING,
                        "The UASC table has no rows, so no child is marked UASC from it. Nothing "
                        "to do if there were no unaccompanied asylum-seeking children.",
                    )
                )
            else:
                fatal.append(_file_issue(where, table, "empty_table", FATAL, message))
            continue
        for optional in TABLE_COLUMNS[table]:
            if optional in ("CIN", "REASON_PLACE_CHANGE") and optional not in frame.columns:
                issues.append(
                    _file_issue(
                        where,
                        table,
                        "missing_column",
                        WARNING,
                        f"No {optional} column: the episodes are kept with {optional} blank. Add "
                        f"it if you have it.",
                    )
                )
        if table_read.extra_fields:
            issues.append(
                _file_issue(
                    where,
                    table,
                    "extra_fields",
                    WARNING,
                    "The first row has more fields than there are column headings (often a comma "
                    "at the end of each line); the extra fields were ignored. Check the columns "
                    "line up.",
                )
            )
        if table_read.encoding in ("cp1252", "latin-1"):
            issues.append(
                _file_issue(
                    where,
                    table,
                    "non_utf8_encoding",
                    WARNING,
                    f"The file is not UTF-8 text; it was read as {table_read.encoding} (Windows "
                    "text). Check any names or accented text look right; save as 'CSV UTF-8' to "
                    "avoid this warning.",
                )
            )
        raws.append(_Raw(file=where, table=table, frame=cleaned, order=order))
    if is_workbook and not recognised_any and not any(f["file"].startswith(label) for f in fatal):
        fatal.append(
            _file_issue(
                label,
                "",
                "not_903",
                FATAL,
                f"{label}: none of its sheets ({', '.join(not_903)}) is an SSDA903 Header, "
                "Episodes or UASC table. Give the workbook holding the 903 tables, with the column "
                "headings in the first row of each sheet.",
            )
        )


# --- validation helpers -------------------------------------------------------------------------


def _issues(
    rows: pd.DataFrame,
    table: str,
    column: str,
    rule: str,
    severity: str,
    message: str,
    values: pd.Series | None = None,
) -> pd.DataFrame:
    """Report rows (a frame holding '_file' and '_row') for one rule; values masked if personal."""
    if column in _PERSONAL_COLUMNS:
        value: pd.Series | str = MASK
    elif values is not None:
        value = values.astype("object").where(values.notna(), "").astype(str)
    else:
        value = ""
    return pd.DataFrame(
        {
            "file": rows["_file"].to_numpy(),
            "table": table,
            "row": rows["_row"].to_numpy(),
            "column": column,
            "value": value if isinstance(value, str) else value.to_numpy(),
            "rule": rule,
            "severity": severity,
            "message": message,
        },
        columns=_ISSUE_COLUMNS,
    )


class _Checker:
    """Collects issues and rejected rows for one concatenated table.

    Every problem of a row is reported (so all can be fixed at once); checks that pick one row
    among several (duplicates) look only at rows not already rejected.
    """

    def __init__(self, frame: pd.DataFrame, table: str) -> None:
        self.frame = frame
        self.table = table
        self.rejected = np.zeros(len(frame), dtype=bool)
        self.found: list[pd.DataFrame] = []

    def flag(
        self,
        mask: pd.Series | np.ndarray,
        column: str,
        rule: str,
        severity: str,
        message: str,
        values: pd.Series | None = None,
        only_kept: bool = False,
    ) -> np.ndarray:
        mask = np.asarray(mask, dtype=bool)
        if only_kept:
            mask = mask & ~self.rejected
        if not mask.any():
            return mask
        rows = self.frame.loc[mask]
        self.found.append(
            _issues(
                rows,
                self.table,
                column,
                rule,
                severity,
                message,
                None if values is None else values[mask],
            )
        )
        if severity == ERROR:
            self.rejected |= mask
        return mask


def _concat(raws: list[_Raw], table: str) -> pd.DataFrame:
    parts = []
    for raw in raws:
        if raw.table != table:
            continue
        part = raw.frame.copy()
        part["_file"] = raw.file
        part["_order"] = raw.order
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*_KEEP_COLUMNS[table], "_row", "_year", "_file", "_order"])
    frame = pd.concat(parts, ignore_index=True)
    for column in _KEEP_COLUMNS[table]:
        if column not in frame.columns:
            frame[column] = pd.Series(np.nan, index=frame.index, dtype="str")
    return frame


def _positions(keys: pd.Series, table: pd.DataFrame) -> np.ndarray:
    """Row position in ``table`` (indexed by child) of each key; -1 where absent."""
    return table.index.get_indexer(keys)


def _lookup(positions: np.ndarray, values: pd.Series, index: pd.Index) -> pd.Series:
    """``values`` taken at ``positions`` (missing where -1), keeping ``values``' dtype."""
    found = positions >= 0
    taken = (
        values.iloc[np.where(found, positions, 0)].reset_index(drop=True)
        if len(values)
        else (pd.Series(np.nan, index=range(len(positions)), dtype=values.dtype))
    )
    taken = taken.where(pd.Series(found))
    taken.index = index
    return taken


def _normalise_child(values: pd.Series) -> pd.Series:
    # Excel stores numeric ids as numbers; '123.0' and '123' must be the same child.
    return values.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _rank_dates(frame: pd.DataFrame, date_columns: Sequence[str]) -> pd.Series:
    """Extract date per row used to pick the latest copy: 31 March of its year, else file max."""
    years = frame["_year"].astype("float64").to_numpy()
    known = ~np.isnan(years)
    # 31 March = the first of March (month 2 counting from January 1970 as 0) plus 30 days.
    months = np.where(known, (years - 1970) * 12 + 2, 0).astype("int64")
    march_31 = months.astype("datetime64[M]").astype("datetime64[ns]") + np.timedelta64(30, "D")
    year_end = pd.Series(march_31, index=frame.index).where(known)
    row_max = frame[list(date_columns)].max(axis=1)
    file_max = row_max.groupby(frame["_file"]).transform("max")
    return year_end.fillna(file_max).astype("datetime64[ns]")


# --- the reader ---------------------------------------------------------------------------------


def read_903(
    paths: str | Path | Iterable[str | Path],
    *,
    extract_date: str | pd.Timestamp | None = None,
    progress: ProgressCallback | None = None,
) -> Ssda903Data:
    """Read, validate and merge SSDA903 Header, Episodes and UASC tables.

    Parameters
    ----------
    paths : path or list of paths
        CSV (.csv/.txt) or Excel (.xlsx/.xlsm) files, or folders of them (searched recursively,
        e.g. one folder per year). Each table, or each workbook sheet, is recognised from its
        column headings.
    extract_date : str or Timestamp, optional
        The date the data runs to (open episodes are ongoing up to it). By default the latest
        31 March of the collection years found in a YEAR column or in the file or folder names
        (e.g. ``episodes_2023.csv`` or ``2022-23/``), else the latest date in the data.
    progress : callable, optional
        ``progress(done, total, message)``; messages name files, never children.

    Returns
    -------
    Ssda903Data
        Clean episodes and header, the validation report and a per-file summary.

    Raises
    ------
    InputDataError
        When a file cannot be used at all (unreadable, empty, not 903, a required column missing)
        or there is no Episodes or Header table; one message names every such file.
    """
    sources, ignored = _collect_sources(paths)
    return _read_sources(sources, ignored, extract_date=extract_date, progress=progress)


def read_903_uploads(
    files: Sequence[tuple[str, bytes]],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    extract_date: str | pd.Timestamp | None = None,
    progress: ProgressCallback | None = None,
) -> Ssda903Data:
    """Read 903 files uploaded in the explorer, given as ``(file name, content)`` pairs.

    Parameters
    ----------
    files : sequence of (str, bytes)
        File names (used to recognise the format and the collection year) and their bytes.
    max_bytes : int
        Largest accepted file size in bytes; a larger file is rejected before it is read.
    extract_date, progress
        As for :func:`read_903`.

    Raises
    ------
    InputDataError
        When a file is over ``max_bytes`` (naming the file and the limit) or cannot be used.
    """
    if not files:
        raise InputDataError("No files were uploaded. Upload the 903 Header and Episodes files.")
    for name, content in files:
        if len(content) > max_bytes:
            raise InputDataError(
                f"{name}: the file is {len(content) / 1e6:,.1f} MB, over the upload limit of "
                f"{max_bytes / 1e6:,.1f} MB ({max_bytes:,} bytes). Upload fewer years at a time, or use the "
                "`sufficiency validate` command on your own machine for large files.",
                file=name,
            )
    names = [name for name, _ in files]
    sources = [
        _Source(
            label=name if names.count(name) == 1 else f"{name} (upload {i + 1})",
            year_hints=(Path(name).stem,),
            data=content,
        )
        for i, (name, content) in enumerate(files)
    ]
    return _read_sources(sources, [], extract_date=extract_date, progress=progress)


def _read_sources(
    sources: list[_Source],
    ignored: list[dict],
    *,
    extract_date: str | pd.Timestamp | None,
    progress: ProgressCallback | None,
) -> Ssda903Data:
    total = len(sources) + 3
    raws: list[_Raw] = []
    file_issues: list[dict] = list(ignored)
    fatal: list[dict] = []
    for i, source in enumerate(sources):
        report(progress, i, total, f"reading {source.label}")
        _read_source(source, i, raws, file_issues, fatal)
    tables_found = {raw.table for raw in raws}
    if not fatal:
        labels = ", ".join(s.label for s in sources)
        not_recognised = [i["file"] for i in file_issues if i["rule"] == "file_ignored"]
        if not_recognised:
            labels += f" (ignored: {', '.join(not_recognised)})"
        if EPISODES not in tables_found:
            fatal.append(
                _file_issue(
                    labels,
                    "",
                    "no_episodes_table",
                    FATAL,
                    f"No 903 Episodes table was found in: {labels}. Add the Episodes file (columns "
                    "CHILD, DECOM, RNE, LS, PLACE, PLACE_PROVIDER, DEC, REC, ...).",
                )
            )
        elif HEADER not in tables_found:
            fatal.append(
                _file_issue(
                    labels,
                    "",
                    "no_header_table",
                    FATAL,
                    f"No 903 Header table was found in: {labels}. Add the Header file (columns "
                    "CHILD, SEX, DOB): it gives each child's date of birth, needed for age bands.",
                )
            )
    if fatal:
        fatal_report = pd.DataFrame(fatal, columns=_ISSUE_COLUMNS)
        if len(fatal) == 1:
            message = fatal[0]["message"]
        else:
            message = f"{len(fatal)} problems stop these files being used:\n" + "\n".join(
                f"  - {item['message']}" for item in fatal
            )
        raise UnusableInputError(message, fatal_report)

    report(progress, len(sources), total, "checking rows")
    today = pd.Timestamp.today().normalize()
    header = _concat(raws, HEADER)
    episodes = _concat(raws, EPISODES)
    uasc = _concat(raws, UASC)
    for frame in (header, episodes, uasc):
        frame["CHILD"] = _normalise_child(frame["CHILD"])
    header["DOB_DATE"] = readers.parse_dates(header["DOB"])
    uasc["DUC_DATE"] = readers.parse_dates(uasc["DUC"])
    episodes["DECOM_DATE"] = readers.parse_dates(episodes["DECOM"])
    episodes["DEC_DATE"] = readers.parse_dates(episodes["DEC"])
    for column in _CODE_LISTS:
        episodes[column] = episodes[column].str.upper()

    date_source, extract = _extract_date(episodes, extract_date, today)

    header_checker = _check_header(header, extract, today)
    header_kept, header_superseded = _merge_header(header, header_checker)
    uasc_checker = _check_uasc(uasc)
    uasc_children = set(uasc.loc[~uasc_checker.rejected, "CHILD"].dropna())

    report(progress, len(sources) + 1, total, "merging extracts")
    episode_checker = _check_episodes(episodes, extract, today)
    clean, superseded = _finish_episodes(episodes, episode_checker, header_kept, uasc_children)

    report(progress, len(sources) + 2, total, "summarising")
    issue_frames = [pd.DataFrame(file_issues, columns=_ISSUE_COLUMNS)]
    for checker in (header_checker, episode_checker, uasc_checker):
        issue_frames.extend(checker.found)
    issue_frames = [f for f in issue_frames if len(f)]
    report_frame = (
        pd.concat(issue_frames, ignore_index=True)
        if issue_frames
        else pd.DataFrame(columns=_ISSUE_COLUMNS)
    )
    report_frame["row"] = report_frame["row"].astype("Int64")
    for column in ("file", "table", "column", "value", "rule", "severity", "message"):
        report_frame[column] = report_frame[column].astype(object).fillna("").astype(str)
    if clean.empty:
        report_frame = pd.concat(
            [
                report_frame,
                pd.DataFrame(
                    [
                        _file_issue(
                            ", ".join(s.label for s in sources),
                            EPISODES,
                            "no_usable_episodes",
                            FATAL,
                            "Every episode row was rejected, so there is nothing to count. The "
                            "error rows of this report say what to fix in each row.",
                        )
                    ],
                    columns=_ISSUE_COLUMNS,
                ).astype({"row": "Int64"}),
            ],
            ignore_index=True,
        )
    report_frame = report_frame.sort_values(
        ["file", "row", "column"], kind="stable", na_position="first"
    ).reset_index(drop=True)

    notes = []
    n_superseded = int(superseded.sum())
    if n_superseded:
        notes.append(
            f"{n_superseded:,} episode rows appeared again in a later or more complete extract "
            "(same child and DECOM); the latest, most complete copy of each was used."
        )
    files = _count_rows(
        raws,
        {
            HEADER: (header, header_checker, header_superseded),
            EPISODES: (episodes, episode_checker, superseded),
            UASC: (uasc, uasc_checker, np.zeros(len(uasc), dtype=bool)),
        },
        report_frame,
    )
    header_out = pd.DataFrame(
        {
            "child": header_kept["CHILD"].astype("str"),
            "sex": header_kept["SEX"],
            "dob": header_kept["DOB_DATE"].astype("datetime64[ns]"),
            "uasc": header_kept["CHILD"].isin(uasc_children).to_numpy()
            | header_kept["_uasc_flag"].to_numpy(dtype=bool),
            "ethnic": header_kept["ETHNIC"],
            "source_file": header_kept["_file"],
            "source_row": header_kept["_row"].astype("int64"),
        }
    ).reset_index(drop=True)
    report(progress, total, total, "done")
    return Ssda903Data(
        episodes=clean,
        header=header_out,
        report=report_frame,
        files=files,
        extract_date=extract,
        extract_date_source=date_source,
        notes=notes,
    )


def _extract_date(
    episodes: pd.DataFrame, given: str | pd.Timestamp | None, today: pd.Timestamp
) -> tuple[str, pd.Timestamp]:
    """The extract date and, in words, where it came from."""
    if given is not None:
        try:
            return "given", pd.Timestamp(given).normalize()
        except (ValueError, TypeError) as error:
            raise InputDataError(
                f"Extract date '{given}' is not a date. Give it as YYYY-MM-DD, e.g. 2024-03-31."
            ) from error
    dates = pd.concat([episodes["DECOM_DATE"], episodes["DEC_DATE"]])
    latest_in_data = dates[dates <= today].max()
    years = episodes["_year"].dropna()
    if len(years):
        year_end = pd.Timestamp(f"{int(years.max())}-03-31")
        if year_end <= today:
            return "31 March of the latest collection year in a YEAR column or the file names", (
                year_end
            )
        if pd.notna(latest_in_data):
            # The collection year has not ended yet: a mid-year extract runs to its latest date.
            return "latest date in the data (the collection year is still running)", latest_in_data
    if pd.isna(latest_in_data):
        return "today (no usable dates in the data)", today
    return "latest DECOM or DEC in the data", pd.Timestamp(latest_in_data).normalize()


_FUTURE_MESSAGE = (
    "is after {what}. A 903 extract cannot hold dates after it was taken: check for a typing "
    "error in the year."
)


def _check_header(header: pd.DataFrame, extract: pd.Timestamp, today: pd.Timestamp) -> _Checker:
    check = _Checker(header, HEADER)
    check.flag(
        header["CHILD"].isna(),
        "CHILD",
        "missing_value",
        ERROR,
        "CHILD is blank. Every Header row needs the child's 903 identifier; fill it in or remove "
        "the row.",
    )
    dob_blank = header["DOB"].isna()
    check.flag(
        dob_blank,
        "DOB",
        "missing_value",
        ERROR,
        "DOB is blank: without a date of birth the child's episodes cannot be age-banded. Fill "
        "in the date of birth (dd/mm/yyyy).",
    )
    check.flag(
        ~dob_blank & header["DOB_DATE"].isna(),
        "DOB",
        "bad_date",
        ERROR,
        "DOB is not a date. Expected dd/mm/yyyy (or yyyy-mm-dd); correct the date of birth.",
    )
    check.flag(
        header["DOB_DATE"] > min(extract, today),
        "DOB",
        "future_date",
        ERROR,
        "DOB " + _FUTURE_MESSAGE.format(what="the extract date"),
    )
    sex = header["SEX"].str.upper().map(_SEX_ALIASES)
    check.flag(
        header["SEX"].isna(),
        "SEX",
        "missing_value",
        WARNING,
        "SEX is blank. The child is kept; fill in 1 (male) or 2 (female) if known.",
    )
    check.flag(
        header["SEX"].notna() & sex.isna(),
        "SEX",
        "unknown_code",
        WARNING,
        "SEX is not a 903 code. Expected 1 (male) or 2 (female); the child is kept with sex "
        "unknown.",
        values=header["SEX"],
    )
    header["SEX"] = sex
    header["_uasc_flag"] = header["UASC"].str.upper().isin(_TRUE_TEXT).fillna(False)
    content = ["CHILD", "SEX", "DOB", "ETHNIC", "UASC"]
    extract_key = ["_file", "_year"]
    check.flag(
        header.duplicated(subset=[*extract_key, *content], keep="first").to_numpy(),
        "",
        "duplicate_row",
        ERROR,
        "Exact copy of an earlier row in the same file; this copy was left out. Nothing to do "
        "unless the row should differ.",
        only_kept=True,
    )
    kept = ~check.rejected
    dup_child = np.zeros(len(header), dtype=bool)
    dup_child[kept] = header.loc[kept].duplicated(subset=[*extract_key, "CHILD"], keep="first")
    check.flag(
        dup_child,
        "CHILD",
        "duplicate_child",
        ERROR,
        "The child appears more than once in this Header table with different details; the "
        "first row was used and this one left out. Keep one row per child.",
        only_kept=True,
    )
    return check


def _merge_header(header: pd.DataFrame, check: _Checker) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per child: the latest extract's row. Returns it and the superseded-row mask."""
    header["_rank"] = _rank_dates(header.assign(_d=header["DOB_DATE"]), ["_d"])
    kept = header.loc[~check.rejected].sort_values(["CHILD", "_rank", "_order", "_row"])
    latest = ~kept.duplicated(subset=["CHILD"], keep="last")
    dob_differs = kept.groupby("CHILD")["DOB_DATE"].transform("nunique") > 1
    conflicting = latest & dob_differs
    if conflicting.any():
        check.found.append(
            _issues(
                kept.loc[conflicting],
                HEADER,
                "DOB",
                "conflicting_dob",
                WARNING,
                "The child's date of birth differs between extracts; the latest extract's date "
                "was used. Check which is right.",
            )
        )
    superseded = np.zeros(len(header), dtype=bool)
    superseded[kept.index[~latest].to_numpy()] = True
    return kept.loc[latest].set_index("CHILD", drop=False), superseded


def _check_uasc(uasc: pd.DataFrame) -> _Checker:
    check = _Checker(uasc, UASC)
    check.flag(
        uasc["CHILD"].isna(),
        "CHILD",
        "missing_value",
        ERROR,
        "CHILD is blank. Every UASC row needs the child's 903 identifier; fill it in or remove "
        "the row.",
    )
    check.flag(
        uasc["DUC"].notna() & uasc["DUC_DATE"].isna(),
        "DUC",
        "bad_date",
        WARNING,
        "DUC (date UASC status ceased) is not a date. Expected dd/mm/yyyy; the child is still "
        "marked as UASC.",
        values=uasc["DUC"],
    )
    return check


def _check_episodes(episodes: pd.DataFrame, extract: pd.Timestamp, today: pd.Timestamp) -> _Checker:
    check = _Checker(episodes, EPISODES)
    check.flag(
        episodes["CHILD"].isna(),
        "CHILD",
        "missing_value",
        ERROR,
        "CHILD is blank. Every episode needs the child's 903 identifier; fill it in.",
    )
    decom_blank = episodes["DECOM"].isna()
    check.flag(
        decom_blank,
        "DECOM",
        "missing_value",
        ERROR,
        "DECOM (episode start date) is blank, so the episode cannot be placed in time. Fill it in "
        "(dd/mm/yyyy).",
    )
    check.flag(
        ~decom_blank & episodes["DECOM_DATE"].isna(),
        "DECOM",
        "bad_date",
        ERROR,
        "DECOM is not a date. Expected dd/mm/yyyy (or yyyy-mm-dd); correct the episode start date.",
        values=episodes["DECOM"],
    )
    check.flag(
        episodes["DEC"].notna() & episodes["DEC_DATE"].isna(),
        "DEC",
        "bad_date",
        ERROR,
        "DEC is not a date. Expected dd/mm/yyyy (or yyyy-mm-dd), or blank when the episode is "
        "still open; correct the episode end date.",
        values=episodes["DEC"],
    )
    check.flag(
        episodes["DECOM_DATE"] > today,
        "DECOM",
        "future_date",
        ERROR,
        "DECOM " + _FUTURE_MESSAGE.format(what="today"),
        values=episodes["DECOM"],
    )
    check.flag(
        episodes["DECOM_DATE"] > extract,
        "DECOM",
        "date_after_extract",
        ERROR,
        f"DECOM is after the extract date ({extract:%d/%m/%Y}), so the episode is outside the "
        "data. Check the year, or give the right extract date.",
        values=episodes["DECOM"],
    )
    check.flag(
        episodes["DEC_DATE"] < episodes["DECOM_DATE"],
        "DEC",
        "dec_before_decom",
        ERROR,
        "DEC (episode end) is before DECOM (episode start). Correct one of the two dates.",
        values=episodes["DEC"],
    )
    late_end = check.flag(
        episodes["DEC_DATE"] > min(extract, today),
        "DEC",
        "date_after_extract",
        WARNING,
        f"DEC is after the extract date ({min(extract, today):%d/%m/%Y}); the episode is treated "
        "as still open at the extract date. Check the year.",
        values=episodes["DEC"],
    )
    episodes.loc[late_end, ["DEC_DATE", "REC"]] = [pd.NaT, np.nan]

    for column, known in _CODE_LISTS.items():
        values = episodes[column]
        if column in ("LS", "PLACE", "PLACE_PROVIDER", "RNE"):
            check.flag(
                values.isna(),
                column,
                "missing_value",
                WARNING,
                f"{column} is blank; {_UNKNOWN_CODE_EFFECT[column]}. Fill in the 903 code.",
            )
        check.flag(
            values.notna() & ~values.isin(known),
            column,
            "unknown_code",
            WARNING,
            f"{column} is not a 903 code (current or legacy); {_UNKNOWN_CODE_EFFECT[column]}. "
            "Check the code against the 903 guidance.",
            values=values,
        )
    open_with_rec = episodes["DEC_DATE"].isna() & episodes["REC"].notna()
    check.flag(
        open_with_rec,
        "REC",
        "rec_without_dec",
        WARNING,
        "REC is filled in but DEC is blank, so the episode is treated as open and REC is ignored. "
        "Fill in DEC if the episode ended.",
        values=episodes["REC"],
    )
    episodes.loc[open_with_rec.to_numpy() & ~check.rejected, "REC"] = np.nan
    check.flag(
        episodes["DEC_DATE"].notna() & episodes["REC"].isna(),
        "REC",
        "missing_value",
        WARNING,
        "DEC is filled in but REC (reason episode ceased) is blank; an exit is grouped as exit "
        "reason 'other'. Fill in REC.",
    )

    content = list(_KEEP_COLUMNS[EPISODES])
    extract_key = ["_file", "_year"]
    check.flag(
        episodes.duplicated(subset=[*extract_key, *content], keep="first").to_numpy(),
        "",
        "duplicate_row",
        ERROR,
        "Exact copy of an earlier row in the same extract; this copy was left out. Nothing to do "
        "unless the row should differ.",
        only_kept=True,
    )
    # Same child and start date twice in one extract: keep the most complete row.
    kept = ~check.rejected
    completeness = episodes[content].notna().sum(axis=1)
    order = (
        episodes.loc[kept]
        .assign(_complete=completeness[kept])
        .sort_values(
            [*extract_key, "CHILD", "DECOM_DATE", "_complete", "_row"],
            ascending=[True, True, True, True, False, True],
        )
    )
    dup = order.duplicated(subset=[*extract_key, "CHILD", "DECOM_DATE"], keep="first")
    mask = np.zeros(len(episodes), dtype=bool)
    mask[order.index[dup].to_numpy()] = True
    check.flag(
        mask,
        "DECOM",
        "duplicate_episode",
        ERROR,
        "Another row in the same extract has the same child and DECOM; the more complete row was "
        "used and this one left out. Keep one row per episode.",
        values=episodes["DECOM"],
        only_kept=True,
    )
    return check


def _finish_episodes(
    episodes: pd.DataFrame,
    check: _Checker,
    header: pd.DataFrame,
    uasc_children: set[str],
) -> tuple[pd.DataFrame, np.ndarray]:
    """Join the header, merge extracts, resolve overlaps; return clean episodes and superseded."""
    dob = _lookup(_positions(episodes["CHILD"], header), header["DOB_DATE"], episodes.index)
    check.flag(
        dob.isna() & episodes["CHILD"].notna(),
        "CHILD",
        "child_not_in_header",
        ERROR,
        "The child is not in the Header table (or their Header row was rejected), so there is no "
        "date of birth and the episode cannot be age-banded. Add the child to the Header table.",
    )
    check.flag(
        episodes["DECOM_DATE"] < dob,
        "DECOM",
        "decom_before_dob",
        ERROR,
        "DECOM (episode start) is before the child's date of birth in the Header table. Correct "
        "the start date or the date of birth.",
        values=episodes["DECOM"],
    )
    age_at_start = codes.age_in_years(dob, episodes["DECOM_DATE"])
    check.flag(
        (age_at_start >= 18).to_numpy(),
        "DECOM",
        "aged_18_at_start",
        WARNING,
        "The child was 18 or over when this episode started; children are looked after only up "
        "to 18. The episode is kept but not counted in any age band. Check DECOM and DOB.",
        values=episodes["DECOM"],
    )

    # Merge yearly extracts: one copy per (child, DECOM); a closed copy beats an open one, then
    # the latest extract, then the more complete row.
    rank = _rank_dates(episodes, ["DECOM_DATE", "DEC_DATE"])
    kept_index = np.flatnonzero(~check.rejected)
    content = list(_KEEP_COLUMNS[EPISODES])
    candidates = episodes.iloc[kept_index].assign(
        _has_dec=episodes["DEC_DATE"].iloc[kept_index].notna(),
        _rank=rank.iloc[kept_index],
        _complete=episodes[content].iloc[kept_index].notna().sum(axis=1),
    )
    candidates = candidates.sort_values(
        ["CHILD", "DECOM_DATE", "_has_dec", "_rank", "_order", "_complete", "_row"]
    )
    latest = ~candidates.duplicated(subset=["CHILD", "DECOM_DATE"], keep="last")
    superseded = np.zeros(len(episodes), dtype=bool)
    superseded[candidates.index[~latest].to_numpy()] = True
    merged = candidates.loc[latest].copy()

    # Overlaps: an episode that is open, or ends after the child's next episode starts, is cut at
    # the next start. The child stayed looked after, so REC becomes X1 unless the next episode
    # starts a new period of care (RNE 'S'), when the original REC (or E8 if open) is kept.
    next_decom = merged.groupby("CHILD")["DECOM_DATE"].shift(-1)
    next_rne = merged.groupby("CHILD")["RNE"].shift(-1)
    overlaps = next_decom.notna() & (merged["DEC_DATE"].isna() | (merged["DEC_DATE"] > next_decom))
    if overlaps.any():
        was_open = merged["DEC_DATE"].isna()
        message = (
            "The episode overlaps the child's next episode (it is open, or ends after the next "
            "one starts); its end was set to the next episode's DECOM. Correct DEC."
        )
        check.found.append(
            _issues(
                merged.loc[overlaps],
                EPISODES,
                "DEC",
                "overlapping_episodes",
                WARNING,
                message,
                values=merged.loc[overlaps, "DEC"].fillna("(blank)"),
            )
        )
        new_period = next_rne == "S"
        rec = merged["REC"].copy()
        rec = rec.mask(overlaps & ~new_period, codes.CONTINUING_REC)
        rec = rec.mask(overlaps & new_period & was_open, "E8")
        merged["REC"] = rec
        merged["DEC_DATE"] = merged["DEC_DATE"].mask(overlaps, next_decom)
    gap_after_x1 = (
        next_decom.notna()
        & (merged["REC"] == codes.CONTINUING_REC)
        & (merged["DEC_DATE"] < next_decom)
    )
    if gap_after_x1.any():
        check.found.append(
            _issues(
                merged.loc[gap_after_x1],
                EPISODES,
                "REC",
                "gap_after_x1",
                WARNING,
                "REC is X1 (a new episode starts the same day) but the child's next episode starts "
                "later, leaving a gap. The gap is counted as time out of care; check DEC and REC.",
                values=merged.loc[gap_after_x1, "DEC"],
            )
        )

    where = _positions(merged["CHILD"], header)
    merged_dob = _lookup(where, header["DOB_DATE"], merged.index)
    clean = pd.DataFrame(
        {
            "child": merged["CHILD"].astype("str"),
            "sex": _lookup(where, header["SEX"], merged.index).astype("str"),
            "dob": merged_dob.astype("datetime64[ns]"),
            "uasc": (
                merged["CHILD"].isin(uasc_children)
                | _lookup(where, header["_uasc_flag"].astype(object), merged.index)
                .fillna(False)
                .astype(bool)
            ).astype(bool),
            "decom": merged["DECOM_DATE"].astype("datetime64[ns]"),
            "dec": merged["DEC_DATE"].astype("datetime64[ns]"),
            "rne": merged["RNE"],
            "ls": merged["LS"],
            "cin": merged["CIN"],
            "place": merged["PLACE"],
            "place_provider": merged["PLACE_PROVIDER"],
            "rec": merged["REC"],
            "reason_place_change": merged["REASON_PLACE_CHANGE"],
            "placement_category": codes.placement_category(
                merged["PLACE"], merged["PLACE_PROVIDER"]
            ),
            "source_file": merged["_file"],
            "source_row": merged["_row"].astype("int64"),
        },
        columns=list(CLEAN_EPISODES),
    ).reset_index(drop=True)
    return clean, superseded


def _count_rows(
    raws: list[_Raw],
    per_table: dict[str, tuple[pd.DataFrame, _Checker, np.ndarray]],
    report_frame: pd.DataFrame,
) -> pd.DataFrame:
    """Rows in / kept / rejected / reported / superseded per file and table."""
    records = []
    reported = report_frame.dropna(subset=["row"]).groupby(["file", "table"])["row"].nunique()
    for raw in raws:
        frame, check, superseded = per_table[raw.table]
        in_file = (frame["_file"] == raw.file).to_numpy()
        rows_in = int(in_file.sum())
        rejected = int((check.rejected & in_file).sum())
        records.append(
            {
                "file": raw.file,
                "table": raw.table,
                "rows_in": rows_in,
                "rows_kept": rows_in - rejected,
                "rows_rejected": rejected,
                "rows_reported": int(reported.get((raw.file, raw.table), 0)),
                "rows_superseded": int((superseded & in_file).sum()),
            }
        )
    return pd.DataFrame(records, columns=_FILES_COLUMNS)
