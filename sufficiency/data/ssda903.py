"""Read, validate and merge SSDA903 extracts (Header, Episodes and UASC tables).

Local authorities hold several years of 903 returns as CSV or Excel files. :func:`read_903` reads
one file, several files or folders of yearly extracts (:func:`read_903_uploads` the explorer's
uploads) through the one file-opening path of :mod:`sufficiency.data.readers`, recognises each
table from its column headings (found within the first 20 rows of a sheet), checks every row,
merges the overlapping years and returns clean episodes with a report of every problem row and
every decision taken.

What happens to a problem depends on whether the row can still be counted:

* ``fatal``: the data cannot be used at all (unreadable, empty or 0-byte file, a required column
  missing, a file that is not a 903 table or has no heading row, dates mixing day-first and
  month-first). Reading stops with one :class:`UnusableInputError`.
* ``error``: the row is rejected and reported (no child id or start date, a bad or future start
  date, a start after the extract's coverage, DEC before DECOM, DECOM before the date of birth, a
  child missing from the Header table, a duplicate row).
* ``warning``: the row is kept and reported (unknown codes, overlapping episodes, an open episode
  that a later extract no longer shows, identifiers joined across leading zeros, ...).
* ``info``: a decision, nothing wrong: the date order of each file, the collection period and
  coverage of each extract and where they came from, the YEAR convention, rows and sheets
  skipped.

Decisions (:mod:`sufficiency.data.dates`, :mod:`sufficiency.data.periods`): dates are read in one
order per file; each extract gets a collection period and a coverage end; episodes open at the end
of one extract and absent from the next are closed at the end of the earlier one's coverage. When
an ``LA`` column holds several authorities the child key is (LA, CHILD) and the episodes get an
``la`` column; :meth:`Ssda903Data.for_authority` picks one.

Per table and file: rows in = rows kept + rows rejected; kept rows replaced by a later copy of the
same episode (or Header row) are counted as ``rows_superseded``. Blank and totals rows are not data
rows and are not counted; the report names them. Row numbers count from the first row under the
column headings (row 1).

Child identifiers, dates of birth and postcodes are never logged, printed or shown in the report
(masked as ``***``; other dates are shown by their shape only). Postcodes, UPNs and the mother's
child's date of birth are dropped as soon as a file is read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.data import dates as date_order
from sufficiency.data import readers
from sufficiency.data.authorities import authority_key, canonical_names, known_authorities
from sufficiency.data.extracts import assign_extracts, empty_coverage
from sufficiency.data.readers import INFO, Source, file_issue
from sufficiency.data.ssda903_checks import (
    CODE_COLUMNS,
    EPISODES,
    ERROR,
    FATAL,
    HEADER,
    ISSUE_COLUMNS,
    MASK,
    UASC,
    WARNING,
    Checker,
    check_episodes,
    check_header,
    check_uasc,
    count_rows,
    finish_episodes,
    merge_header,
)
from sufficiency.errors import InputDataError
from sufficiency.progress import ProgressCallback, report

__all__ = [
    "EPISODES",
    "ERROR",
    "FATAL",
    "HEADER",
    "INFO",
    "MASK",
    "MAX_UPLOAD_BYTES",
    "Ssda903Data",
    "UASC",
    "UnusableInputError",
    "WARNING",
    "read_903",
    "read_903_uploads",
]

TABLES: tuple[str, ...] = (HEADER, EPISODES, UASC)
MAX_UPLOAD_BYTES = readers.MAX_FILE_BYTES
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

LA_COLUMNS: tuple[str, ...] = ("LA", "LA_CODE", "LA_NAME", "LOCAL_AUTHORITY", "AUTHORITY")
"""Column headings naming the authority in stacked regional files (the first found is used)."""

# Columns read into the clean tables; everything else (postcodes, UPN, URN, ...) is dropped.
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
_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    HEADER: ("DOB",),
    EPISODES: ("DECOM", "DEC"),
    UASC: ("DUC",),
}

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
_KNOWN_HEADINGS = frozenset(
    {c for columns in TABLE_COLUMNS.values() for c in columns}
    | {c for columns in _OTHER_903_TABLES.values() for c in columns}
    | set(LA_COLUMNS)
    | {"YEAR", "UASC", "FILE", "RULE", "SEVERITY", "MESSAGE"}
)
_REPORT_HEADINGS = frozenset({"FILE", "RULE", "SEVERITY", "MESSAGE"})


class UnusableInputError(InputDataError):
    """One or more files cannot be used at all; ``report`` lists each fatal problem.

    Parameters
    ----------
    message : str
        Plain-language description naming each file and what to do.
    report : pandas.DataFrame
        VALIDATION_REPORT rows with severity 'fatal' (and any decisions taken before).
    """

    def __init__(self, message: str, report: pd.DataFrame) -> None:
        fatal = report[report["severity"] == FATAL]
        files = fatal["file"].tolist()
        super().__init__(message, file=files[0] if files else None)
        self.report = report


@dataclass
class Ssda903Data:
    """Clean SSDA903 data with its validation report.

    Attributes
    ----------
    episodes : pandas.DataFrame
        One row per episode, CLEAN_EPISODES schema (plus a leading ``la`` column when the files
        hold several authorities), sorted by child and DECOM. ``episodes.attrs['coverage']`` maps
        each authority ('' for a single one) to its (collection start, coverage end), which
        :func:`sufficiency.stocks.complete_history_start` reads.
    header : pandas.DataFrame
        One row per child: child, sex, dob, uasc, ethnic, source_file, source_row (and ``la``).
    report : pandas.DataFrame
        VALIDATION_REPORT schema: every problem and decision, personal values masked.
    files : pandas.DataFrame
        One row per table read: file, table, rows_in, rows_kept, rows_rejected, rows_reported,
        rows_superseded.
    extract_date : pandas.Timestamp
        The last day the data sees (the latest coverage end); open episodes run to its end.
    extract_date_source : str
        Where the extract date came from, in words.
    notes : list of str
        Plain-language notes for the summary (decisions with counts).
    coverage : pandas.DataFrame
        One row per extract: la, extract, collection_start (NaT when unknown), coverage_end,
        origin (where the coverage end came from), files.
    authorities : tuple of str
        Authorities named in an LA column (empty when there is none).
    """

    episodes: pd.DataFrame
    header: pd.DataFrame
    report: pd.DataFrame
    files: pd.DataFrame
    extract_date: pd.Timestamp
    extract_date_source: str = "latest date in the data"
    notes: list[str] = field(default_factory=list)
    coverage: pd.DataFrame = field(default_factory=lambda: empty_coverage())
    authorities: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """True when at least one episode was kept and no fatal problem was found."""
        return len(self.episodes) > 0 and not (self.report["severity"] == FATAL).any()

    @property
    def multi_authority(self) -> bool:
        """True when the episodes hold several authorities (an ``la`` column)."""
        return "la" in self.episodes.columns

    @property
    def coverage_start(self) -> pd.Timestamp | None:
        """The first day of the earliest collection period (None when no period is known)."""
        starts = self.coverage["collection_start"].dropna()
        return None if starts.empty else pd.Timestamp(starts.min())

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

    def for_authority(self, name: str) -> Ssda903Data:
        """The data of one authority, in the single-authority shape (no ``la`` column).

        ``name`` is matched without regard to case and spaces (a DfE or ONS code names its
        authority); ``'all'`` pools every authority (children stay distinct: their key becomes LA
        and CHILD).

        Raises
        ------
        InputDataError
            When no authority has that name (the message lists those there are).
        """
        if not self.multi_authority:
            if name.strip().lower() in ("all", *(a.lower() for a in self.authorities)):
                return self
            raise InputDataError(
                f"--la {name}: the files hold one authority"
                + (f" ({self.authorities[0]})" if self.authorities else " (no LA column)")
                + ". Leave out --la, or name that authority."
            )
        if name.strip().lower() == "all":
            return self.pooled()
        wanted = authority_key(name)
        wanted = authority_key(known_authorities().get(wanted, wanted))
        matches = [a for a in self.authorities if authority_key(a) == wanted]
        if not matches:
            raise InputDataError(
                f"No authority called '{name}' in these files. The LA column holds: "
                f"{', '.join(self.authorities)}. Give one of these with --la, or --la all to pool "
                "them."
            )
        chosen = matches[0]
        episodes = self.episodes[self.episodes["la"] == chosen].drop(columns="la")
        episodes = episodes.reset_index(drop=True)
        coverage = self.coverage[self.coverage["la"] == chosen].reset_index(drop=True)
        episodes.attrs["coverage"] = {"": _coverage_span(coverage)}
        header = self.header[self.header["la"] == chosen].drop(columns="la").reset_index(drop=True)
        end = pd.Timestamp(coverage["coverage_end"].max())
        origin = coverage.loc[coverage["coverage_end"].idxmax(), "origin"]
        return dataclasses.replace(
            self,
            episodes=episodes,
            header=header,
            extract_date=end,
            extract_date_source=str(origin),
            coverage=coverage,
            authorities=(chosen,),
            notes=[*self.notes, f"Authority chosen: {chosen} (of {len(self.authorities)})."],
        )

    def pooled(self) -> Ssda903Data:
        """Every authority together in the single-authority shape, children kept distinct."""
        if not self.multi_authority:
            return self
        episodes = self.episodes.assign(child=self.episodes["la"] + "|" + self.episodes["child"])
        episodes = (
            episodes.drop(columns="la").sort_values(["child", "decom"]).reset_index(drop=True)
        )
        span = _coverage_span(self.coverage)
        # Pooled counts are complete only where every authority's are.
        per_la = [_coverage_span(g) for _, g in self.coverage.groupby("la")]
        starts = [s for s, _ in per_la if pd.notna(s)]
        ends = [e for _, e in per_la]
        episodes.attrs["coverage"] = {
            "": (max(starts) if starts else span[0], min(ends) if ends else span[1])
        }
        header = self.header.assign(child=self.header["la"] + "|" + self.header["child"])
        end = min(ends) if ends else self.extract_date
        return dataclasses.replace(
            self,
            episodes=episodes,
            header=header.drop(columns="la"),
            extract_date=pd.Timestamp(end),
            extract_date_source="the earliest coverage end of the authorities pooled",
            notes=[*self.notes, f"All {len(self.authorities)} authorities pooled."],
        )

    def summary(self) -> str:
        """A plain-text summary: files, tables, row counts, coverage, decisions, problems.

        Never contains child identifiers, dates of birth or postcodes.
        """
        lines: list[str] = []
        n_files = self.files["file"].str.replace(r" \[sheet .*\]$", "", regex=True).nunique()
        lines.append(
            f"SSDA903 data: {_count(len(self.files), 'table')} read from "
            f"{_count(n_files, 'file')}; extract date {self.extract_date:%Y-%m-%d} "
            f"({self.extract_date_source})."
        )
        if self.authorities:
            lines.append(
                f"Authorities (LA column): {', '.join(self.authorities)}"
                + ("; children are keyed by LA and CHILD." if self.multi_authority else ".")
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
        if len(self.coverage):
            lines.append("")
            lines.append("Extracts (collection period; the last day each sees, and why):")
            for row in self.coverage.itertuples(index=False):
                start = (
                    f"from {row.collection_start:%d/%m/%Y}"
                    if pd.notna(row.collection_start)
                    else "start unknown"
                )
                who = f"{row.la}: " if row.la else ""
                lines.append(
                    f"  {who}{row.extract}: {start}, sees up to {row.coverage_end:%d/%m/%Y} "
                    f"({row.origin})"
                )
        lines.append("")
        episodes = self.episodes
        if len(episodes):
            last = pd.concat([episodes["decom"], episodes["dec"]]).max()
            short_breaks = int(episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUSES).sum())
            children = (
                episodes[["la", "child"]].drop_duplicates().shape[0]
                if "la" in episodes
                else episodes["child"].nunique()
            )
            lines.append(
                f"Episodes after merging extracts: {_count(len(episodes), 'episode')} of "
                f"{_count(children, 'child', 'children')}; dates run from "
                f"{episodes['decom'].min():%B %Y} to {last:%B %Y}; "
                f"{int(episodes['dec'].isna().sum()):,} open at the extract date; "
                f"{_count(short_breaks, 'short-break (V3/V4) episode')} kept but left out of "
                "counts of children looked after."
            )
        else:
            lines.append("Episodes after merging extracts: none usable.")
        decisions = self.report[self.report["severity"] == INFO]
        if len(decisions):
            lines.append("")
            lines.append("Decisions taken (see the report's 'info' rows):")
            for item in decisions.drop_duplicates(subset=["rule", "message"]).itertuples():
                where = item.file if pd.isna(item.row) else f"{item.file} row {int(item.row)}"
                lines.append(f"  {where}: {item.message}")
        lines.append("")
        problems = self.report[self.report["severity"] != INFO]
        if problems.empty:
            lines.append("Problems: none found.")
        else:
            counts = problems.groupby(["severity", "rule"]).size()
            by_severity = problems["severity"].value_counts()
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


def _coverage_span(coverage: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    starts = coverage["collection_start"].dropna()
    ends = coverage["coverage_end"].dropna()
    return (
        None if starts.empty else pd.Timestamp(starts.min()),
        None if ends.empty else pd.Timestamp(ends.max()),
    )


# --- recognising tables -------------------------------------------------------------------------


@dataclass
class _Raw:
    file: str
    source: int
    table: str
    frame: pd.DataFrame  # normalised names, cleaned text, '_row', '_la', year label columns
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


def _is_heading(names: set[str]) -> bool:
    table, other = _recognise(names)
    return table is not None or other is not None or _REPORT_HEADINGS <= names


def _headless_903_sheet(table_read: readers.TextTable) -> bool:
    """True for a sheet whose first row is data of a 903 table: its width or name says which."""
    columns = list(table_read.frame.columns)
    filled = [c for c in columns if not str(c).startswith("Unnamed: ")]
    if len(filled) < 3 or not readers.looks_like_data(filled):
        return False
    name = readers.normalise_column_name(table_read.sheet or "")
    named = any(word in name for word in ("HEADER", "EPISODE", "UASC"))
    return named or any(len(columns) == len(c) for c in TABLE_COLUMNS.values())


def _column_count_hint(n_columns: int) -> str:
    for table, columns in TABLE_COLUMNS.items():
        if n_columns == len(columns):
            return f" It has {n_columns} columns, like a 903 {table} table."
    return ""


def _read_source(
    source: Source, order: int, raws: list[_Raw], found: list[dict], fatal: list[dict]
) -> None:
    """Read one file into recognised raw tables; record file-level problems and decisions."""
    label = source.label
    try:
        tables = readers.read_tables(source, _is_heading)
    except InputDataError as error:
        rule = "empty_file" if "empty (0 bytes)" in str(error) else "unreadable_file"
        fatal.append(file_issue(label, "", rule, FATAL, str(error)))
        return
    is_workbook = source.suffix in readers.EXCEL_SUFFIXES or any(t.sheet for t in tables)
    recognised_any = False
    not_903: list[str] = []
    for table_read in tables:
        where = table_read.where(label)
        frame = table_read.frame
        frame.columns = [readers.normalise_column_name(c) for c in frame.columns]
        frame = frame.loc[:, ~frame.columns.duplicated()]
        table, other = _recognise(set(frame.columns))
        if table is None:
            recognised_any |= _not_a_903_table(
                source, table_read, where, other, set(frame.columns), found, fatal
            )
            if is_workbook and not other:
                not_903.append(str(table_read.sheet))
            continue
        recognised_any = True
        for item in table_read.skipped:
            found.append({**item, "table": table})
        missing = [c for c in REQUIRED_COLUMNS[table] if c not in frame.columns]
        if missing:
            fatal.append(
                file_issue(
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
        blank = cleaned[keep].isna().all(axis=1)
        la_column = next((c for c in LA_COLUMNS if c in frame.columns), None)
        cleaned["_la_text"] = (
            readers.clean_text(frame[la_column])
            if la_column
            else pd.Series(None, index=frame.index)
        )
        cleaned["_year_text"] = (
            readers.clean_text(frame["YEAR"])
            if "YEAR" in frame.columns
            else pd.Series(None, index=frame.index)
        )
        cleaned["_has_la"] = la_column is not None
        cleaned["_row"] = frame.index.to_numpy()
        cleaned = cleaned[~blank.to_numpy()]
        if cleaned.empty:
            if table == UASC:
                found.append(
                    file_issue(
                        where,
                        table,
                        "empty_table",
                        WARNING,
                        "The UASC table has no rows, so no child is marked UASC from it. Nothing "
                        "to do if there were no unaccompanied asylum-seeking children.",
                    )
                )
            else:
                fatal.append(
                    file_issue(
                        where,
                        table,
                        "empty_table",
                        FATAL,
                        f"{where}: the {table} table has column headings but no rows. Export it "
                        "again with its data.",
                    )
                )
            continue
        for optional in ("CIN", "REASON_PLACE_CHANGE"):
            if table == EPISODES and optional not in frame.columns:
                found.append(
                    file_issue(
                        where,
                        table,
                        "missing_column",
                        WARNING,
                        f"No {optional} column: the episodes are kept with {optional} blank. Add "
                        "it if you have it.",
                    )
                )
        if table_read.extra_fields:
            found.append(
                file_issue(
                    where,
                    table,
                    "extra_fields",
                    WARNING,
                    "A row has more fields than there are column headings (often a comma at the "
                    "end of each line); the extra fields were ignored. Check the columns line up.",
                )
            )
        if table_read.encoding in ("cp1252", "latin-1"):
            found.append(
                file_issue(
                    where,
                    table,
                    "non_utf8_encoding",
                    WARNING,
                    f"The file is not UTF-8 text; it was read as {table_read.encoding} (Windows "
                    "text). Check any names or accented text look right; save as 'CSV UTF-8' to "
                    "avoid this warning.",
                )
            )
        raws.append(_Raw(file=where, source=order, table=table, frame=cleaned, order=order))
    if is_workbook and not recognised_any and not any(f["file"].startswith(label) for f in fatal):
        fatal.append(
            file_issue(
                label,
                "",
                "not_903",
                FATAL,
                f"{label}: none of its sheets ({', '.join(not_903)}) holds an SSDA903 Header, "
                "Episodes or UASC table (column headings looked for in the first "
                f"{readers.HEADING_SEARCH_ROWS} rows of each sheet). Give the workbook holding "
                "the 903 tables.",
            )
        )


def _not_a_903_table(
    source: Source,
    table_read: readers.TextTable,
    where: str,
    other: str | None,
    columns: set[str],
    found: list[dict],
    fatal: list[dict],
) -> bool:
    """Report a table that is not Header, Episodes or UASC; True when it counts as recognised."""
    label = source.label
    frame = table_read.frame
    if table_read.sheet is not None and _headless_903_sheet(table_read):
        fatal.append(
            file_issue(
                where,
                "",
                "no_heading_row",
                FATAL,
                f"{where}: the first row looks like data, not column headings: the sheet seems to "
                "have been saved without its heading row."
                + _column_count_hint(frame.shape[1])
                + " Add the headings (CHILD, DECOM, RNE, ... for Episodes; CHILD, SEX, DOB, ... "
                "for Header; CHILD, SEX, DOB, DUC for UASC) as the first row of the sheet.",
            )
        )
        return False
    if table_read.sheet is not None:
        what = (
            f"a 903 {other} table, which this tool does not use"
            if other
            else "not a 903 Header, Episodes or UASC table (no 903 column headings in its first "
            f"{readers.HEADING_SEARCH_ROWS} rows)"
        )
        found.append(file_issue(where, "", "sheet_ignored", INFO, f"Sheet skipped: {what}."))
        return bool(other)
    if other:
        found.append(
            file_issue(
                label,
                "",
                "file_ignored",
                WARNING,
                f"File ignored: it is a 903 {other} table, which this tool does not use. Nothing "
                "to do.",
            )
        )
        return True
    if _REPORT_HEADINGS <= columns:
        found.append(
            file_issue(
                label,
                "",
                "file_ignored",
                WARNING,
                "File ignored: it is a validation report written by this tool. Nothing to do "
                "(keep reports outside the folder of 903 files to avoid this note).",
            )
        )
        return True
    if readers.looks_like_data(list(frame.columns)):
        fatal.append(
            file_issue(
                label,
                "",
                "no_heading_row",
                FATAL,
                f"{label}: the first row looks like data, not column headings: the file seems to "
                "have been exported without its heading line."
                + _column_count_hint(frame.shape[1])
                + " Export it again with the headings (CHILD, DECOM, RNE, ... for Episodes; "
                "CHILD, SEX, DOB, ... for Header) in the first row.",
            )
        )
        return False
    if source.in_folder:
        found.append(
            file_issue(
                label,
                "",
                "file_ignored",
                WARNING,
                "File ignored: not a 903 Header, Episodes or UASC table (its column headings were "
                "not recognised; 903 tables need CHILD and DECOM or DOB columns). Check the column "
                "headings if it should be a 903 table.",
            )
        )
        return True
    fatal.append(
        file_issue(
            label,
            "",
            "not_903",
            FATAL,
            f"{label}: this is not an SSDA903 Header, Episodes or UASC table (its heading row has "
            f"{readers.safe_headings(frame.columns, _KNOWN_HEADINGS)}). Give the 903 Header and "
            "Episodes files, with the column headings (CHILD, DECOM, ... or CHILD, SEX, DOB) in "
            "the first row.",
        )
    )
    return False


# --- the reader ---------------------------------------------------------------------------------


def read_903(
    paths: str | Path | Iterable[str | Path],
    *,
    extract_date: str | pd.Timestamp | None = None,
    extract_date_origin: str = "given with --extract-date",
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
        The last day the latest extract sees (earlier extracts see no later). By default each
        extract's coverage comes from a YEAR column or the file and folder names (a collection
        year, or a full export date), else from the latest date in the data; see
        :mod:`sufficiency.data.periods`.
    extract_date_origin : str
        How the extract date was given, for messages (e.g. 'given with --extract-date').
    progress : callable, optional
        ``progress(done, total, message)``; messages name files, never children.

    Returns
    -------
    Ssda903Data
        Clean episodes and header, the validation report, a per-file summary and coverage.

    Raises
    ------
    InputDataError
        When a file cannot be used at all (unreadable, empty, not 903, a required column missing,
        no heading row, mixed date orders) or there is no Episodes or Header table; one message
        names every such file (:class:`UnusableInputError` carries them as a report).
    """
    sources, ignored = readers.sources_from_paths(paths, what="903 Header and Episodes")
    return _read_sources(
        sources,
        ignored,
        extract_date=extract_date,
        extract_date_origin=extract_date_origin,
        progress=progress,
    )


def read_903_uploads(
    files: Sequence[tuple[str, bytes]],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    extract_date: str | pd.Timestamp | None = None,
    extract_date_origin: str = "given in the extract date box",
    progress: ProgressCallback | None = None,
) -> Ssda903Data:
    """Read 903 files uploaded in the explorer, given as ``(file name, content)`` pairs.

    Parameters
    ----------
    files : sequence of (str, bytes)
        File names (used to recognise the format and the collection year) and their bytes.
    max_bytes : int
        Largest accepted file size in bytes; a larger file is rejected before it is read.
    extract_date, extract_date_origin, progress
        As for :func:`read_903`.

    Raises
    ------
    InputDataError
        When a file is over ``max_bytes`` (naming the file and the limit) or cannot be used.
    """
    sources = readers.sources_from_uploads(
        files, max_bytes=max_bytes, what="903 Header and Episodes"
    )
    return _read_sources(
        sources,
        [],
        extract_date=extract_date,
        extract_date_origin=extract_date_origin,
        progress=progress,
    )


def _given_date(given: str | pd.Timestamp | None) -> pd.Timestamp | None:
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    try:
        value = pd.Timestamp(given)
    except (ValueError, TypeError) as error:
        raise InputDataError(
            f"Extract date '{given}' is not a date. Give it as YYYY-MM-DD, e.g. 2024-03-31."
        ) from error
    if pd.isna(value):
        raise InputDataError(
            f"Extract date '{given}' is not a date. Give it as YYYY-MM-DD, e.g. 2024-03-31."
        )
    return value.normalize()


def _raise_fatal(fatal: list[dict], found: list[dict]) -> None:
    if len(fatal) == 1:
        message = fatal[0]["message"]
    else:
        message = f"{len(fatal)} problems stop these files being used:\n" + "\n".join(
            f"  - {item['message']}" for item in fatal
        )
    frame = pd.DataFrame(
        [*fatal, *[f for f in found if f["severity"] == INFO]], columns=ISSUE_COLUMNS
    )
    raise UnusableInputError(message, frame)


def _read_sources(
    sources: list[Source],
    ignored: list[dict],
    *,
    extract_date: str | pd.Timestamp | None,
    extract_date_origin: str,
    progress: ProgressCallback | None,
) -> Ssda903Data:
    given = _given_date(extract_date)
    total = len(sources) + 4
    raws: list[_Raw] = []
    found: list[dict] = list(ignored)
    fatal: list[dict] = []
    for i, source in enumerate(sources):
        report(progress, i, total, f"reading {source.label}")
        _read_source(source, i, raws, found, fatal)
    tables_found = {raw.table for raw in raws}
    if not fatal:
        labels = ", ".join(s.label for s in sources)
        not_recognised = [i["file"] for i in found if i["rule"] == "file_ignored"]
        if not_recognised:
            labels += f" (ignored: {', '.join(not_recognised)})"
        if EPISODES not in tables_found:
            fatal.append(
                file_issue(
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
                file_issue(
                    labels,
                    "",
                    "no_header_table",
                    FATAL,
                    f"No 903 Header table was found in: {labels}. Add the Header file (columns "
                    "CHILD, SEX, DOB): it gives each child's date of birth, needed for age bands.",
                )
            )
    if fatal:
        _raise_fatal(fatal, found)

    report(progress, len(sources), total, "reading dates")
    today = pd.Timestamp.today().normalize()
    positions = {
        (i, column): None
        for i, raw in enumerate(raws)
        for column in _DATE_COLUMNS[raw.table]
        if column in raw.frame
    }
    for position, key in enumerate(positions):
        positions[key] = position
    texts = date_order.DateTexts([raws[i].frame[column] for i, column in positions])
    orders = _decide_date_orders(raws, sources, found, fatal, texts, positions)
    if fatal:
        _raise_fatal(fatal, found)
    frames = {table: _concat(raws, table, orders, texts, positions) for table in TABLES}
    header, episodes, uasc = frames[HEADER], frames[EPISODES], frames[UASC]
    for column in CODE_COLUMNS:
        episodes[column] = episodes[column].str.upper()

    authorities, multi_la = _authorities(raws, frames, found, fatal)
    if fatal:
        _raise_fatal(fatal, found)
    la_checks = {table: Checker(frames[table], table) for table in TABLES}
    if multi_la:
        for table, frame in frames.items():
            has_column = frame["_has_la"].to_numpy(dtype=bool)
            la_checks[table].flag(
                frame["_la_inferred"].to_numpy(dtype=bool) & has_column,
                "LA",
                "la_from_child",
                WARNING,
                "LA is blank; the row was given the authority of its CHILD in the other rows "
                "(the only authority using that identifier). Fill in the LA to be sure.",
            )
            la_checks[table].flag(
                frame["_la"].isna(),
                "LA",
                "missing_value",
                ERROR,
                "LA is blank (or the table has no LA column), these files hold several "
                "authorities, and the CHILD identifier is used by more than one of them (or by "
                "none in the tables with an LA), so the row cannot be given to one. Fill in the "
                "LA.",
            )
            frame["_la"] = frame["_la"].fillna("")
            frame["_key"] = _key(frame)
    joined = _join_leading_zeros(frames, la_checks)

    report(progress, len(sources) + 1, total, "finding collection periods")
    extracts = assign_extracts(frames, sources, given, extract_date_origin, today, found)
    example = "dd/mm/yyyy"
    header_checker = check_header(header, today, example)
    _absorb(header_checker, la_checks[HEADER])
    header_kept, header_superseded = merge_header(header, header_checker)
    uasc_checker = check_uasc(uasc, example)
    _absorb(uasc_checker, la_checks[UASC])
    uasc_children = set(uasc.loc[~uasc_checker.rejected, "_key"].dropna())

    report(progress, len(sources) + 2, total, "merging extracts")
    episode_checker = check_episodes(episodes, today, example)
    _absorb(episode_checker, la_checks[EPISODES])
    clean, superseded, stale = finish_episodes(
        episodes, episode_checker, header_kept, uasc_children, extracts, multi_la
    )

    report(progress, len(sources) + 3, total, "summarising")
    report_frame = _report_frame(found, (header_checker, episode_checker, uasc_checker))
    if clean.empty:
        report_frame = pd.concat(
            [
                report_frame,
                pd.DataFrame(
                    [
                        file_issue(
                            ", ".join(s.label for s in sources),
                            EPISODES,
                            "no_usable_episodes",
                            FATAL,
                            "Every episode row was rejected, so there is nothing to count. The "
                            "error rows of this report say what to fix in each row.",
                        )
                    ],
                    columns=ISSUE_COLUMNS,
                ).astype({"row": "Int64"}),
            ],
            ignore_index=True,
        )
    notes = _notes(superseded, stale, joined, extracts)
    files = count_rows(
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
            "uasc": header_kept["_key"].isin(uasc_children).to_numpy()
            | header_kept["_uasc_flag"].to_numpy(dtype=bool),
            "ethnic": header_kept["ETHNIC"],
            "source_file": header_kept["_file"],
            "source_row": header_kept["_row"].astype("int64"),
        }
    ).reset_index(drop=True)
    if multi_la:
        header_out.insert(0, "la", header_kept["_la"].astype(str).to_numpy())
    clean.attrs["coverage"] = {
        ("" if not multi_la else la): _coverage_span(group) for la, group in extracts.groupby("la")
    }
    latest = extracts.sort_values("coverage_end").iloc[-1]
    report(progress, total, total, "done")
    return Ssda903Data(
        episodes=clean,
        header=header_out,
        report=report_frame,
        files=files,
        extract_date=pd.Timestamp(latest["coverage_end"]),
        extract_date_source=str(latest["origin"]),
        notes=notes,
        coverage=extracts.reset_index(drop=True),
        authorities=authorities,
    )


def _absorb(checker: Checker, la_checker: Checker) -> None:
    """Carry rows rejected for a blank LA into the table's main checker."""
    checker.rejected |= la_checker.rejected
    checker.found = la_checker.found + checker.found


def _report_frame(found: list[dict], checkers: Sequence[Checker]) -> pd.DataFrame:
    frames = [pd.DataFrame(found, columns=ISSUE_COLUMNS)]
    for checker in checkers:
        frames.extend(checker.found)
    frames = [f for f in frames if len(f)]
    report_frame = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ISSUE_COLUMNS)
    )
    report_frame["row"] = pd.to_numeric(report_frame["row"], errors="coerce").astype("Int64")
    for column in ("file", "table", "column", "value", "rule", "severity", "message"):
        report_frame[column] = report_frame[column].astype(object).fillna("").astype(str)
    return report_frame.sort_values(
        ["file", "row", "column"], kind="stable", na_position="first"
    ).reset_index(drop=True)


def _notes(superseded: np.ndarray, stale: int, joined: int, extracts: pd.DataFrame) -> list[str]:
    notes = []
    n_superseded = int(superseded.sum())
    if n_superseded:
        notes.append(
            f"{n_superseded:,} episode rows appeared again in a later or more complete extract "
            "(same child and DECOM); the latest, most complete copy of each was used."
        )
    if stale:
        notes.append(
            f"{_count(stale, 'open episode')} missing from the next extract "
            f"{'was' if stale == 1 else 'were'} closed at the end of the earlier extract's "
            "coverage (rule stale_open_episode)."
        )
    if joined:
        notes.append(
            f"{_count(joined, 'row')} had a CHILD identifier that matches another only once "
            "leading zeros are removed (a file re-saved in Excel); they were joined to the "
            "identifier with the zeros (rule leading_zeros_joined)."
        )
    return notes


# --- dates, authorities, identifiers, periods ---------------------------------------------------


def _decide_date_orders(
    raws: list[_Raw],
    sources: list[Source],
    found: list[dict],
    fatal: list[dict],
    texts: date_order.DateTexts,
    positions: dict[tuple[int, str], int],
) -> dict[int, str]:
    """One date order per file, from all its date values; mixed orders are fatal.

    A file whose own dates do not settle the order follows the others when they are all
    month-first (the same export tool wrote them), else the 903 convention, day-first.
    """
    orders: dict[int, str] = {}
    decisions = {}
    for index in range(len(sources)):
        mine = [p for (i, _), p in positions.items() if raws[i].source == index]
        if any(raw.source == index for raw in raws):
            decisions[index] = texts.decide(mine)
    settled = {d.order for d in decisions.values() if d.settled and not d.mixed}
    for index, decision in decisions.items():
        source = sources[index]
        if (
            not decision.settled
            and decision.day_month_values
            and settled == {date_order.MONTH_FIRST}
        ):
            decision = dataclasses.replace(
                decision, order=date_order.MONTH_FIRST, from_other_files=True
            )
        if decision.mixed:
            fatal.append(
                file_issue(
                    source.label,
                    "",
                    "mixed_date_order",
                    FATAL,
                    f"{source.label}: the dates mix day-first and month-first: "
                    f"{decision.day_first_only:,} can only be read day-first (dd/mm/yyyy) and "
                    f"{decision.month_first_only:,} only month-first (mm/dd/yyyy), so no single "
                    "reading is safe. Export the file again with one date format (dd/mm/yyyy or "
                    "yyyy-mm-dd).",
                )
            )
            continue
        orders[index] = decision.order
        extra = []
        if decision.contradicting:
            extra.append(
                f"{decision.contradicting:,} date{'s' if decision.contradicting != 1 else ''} "
                "that only the other order can read are reported as not dates"
            )
        if decision.two_digit_years:
            pivot = pd.Timestamp.today().year % 100
            extra.append(
                f"{decision.two_digit_years:,} two-digit year{'s' if decision.two_digit_years != 1 else ''} "
                f"read as 2000-20{pivot:02d} for 00-{pivot:02d} and 1900s above"
            )
        if decision.serial_numbers:
            extra.append(f"{decision.serial_numbers:,} Excel serial day numbers read as dates")
        found.append(
            file_issue(
                source.label,
                "",
                "date_order",
                INFO,
                decision.reason()[0].upper()
                + decision.reason()[1:]
                + ("; " + "; ".join(extra) if extra else "")
                + ".",
            )
        )
    return orders


def _concat(
    raws: list[_Raw],
    table: str,
    orders: dict[int, str],
    texts: date_order.DateTexts,
    positions: dict[tuple[int, str], int],
) -> pd.DataFrame:
    parts = []
    for i, raw in enumerate(raws):
        if raw.table != table:
            continue
        part = raw.frame.copy()
        part["_file"] = raw.file
        part["_order"] = raw.order
        part["_source"] = raw.source
        for column in _DATE_COLUMNS[table]:
            if column in part:
                part[f"{column}_DATE"] = texts.parse(
                    positions[(i, column)],
                    orders.get(raw.source, date_order.DAY_FIRST),
                    part.index,
                )
        parts.append(part)
    columns = [*_KEEP_COLUMNS[table], "_row", "_file", "_order", "_source"]
    if not parts:
        frame = pd.DataFrame(columns=[*columns, "_la_text", "_year_text", "_has_la"])
    else:
        frame = pd.concat(parts, ignore_index=True)
    for column in _KEEP_COLUMNS[table]:
        if column not in frame.columns:
            frame[column] = pd.Series(np.nan, index=frame.index, dtype=object)
    for column in _DATE_COLUMNS[table]:
        if f"{column}_DATE" not in frame.columns:
            frame[f"{column}_DATE"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        frame[f"{column}_DATE"] = frame[f"{column}_DATE"].astype("datetime64[ns]")
    # Excel stores numeric ids as numbers; '123.0' and '123' must be the same child.
    frame["CHILD"] = frame["CHILD"].astype("str").str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    frame["_has_la"] = frame["_has_la"].astype(bool) if len(frame) else frame["_has_la"]
    return frame


def _authorities(
    raws: list[_Raw], frames: dict[str, pd.DataFrame], found: list[dict], fatal: list[dict]
) -> tuple[tuple[str, ...], bool]:
    """The authorities in LA columns; sets '_la', '_la_inferred' and '_key' on every frame.

    LA values are compared without regard to case and spaces, and DfE codes, ONS codes and names
    of the same English authority are one (:mod:`sufficiency.data.authorities`). With several
    authorities, a row without an LA (its table has no LA column, or the cell is blank) takes the
    authority of its CHILD in the tables that have one, when exactly one authority uses that
    identifier; otherwise ``_la`` stays missing (the caller rejects the row).
    """
    texts = pd.concat([frames[t]["_la_text"] for t in TABLES]).dropna().astype(str)
    names = canonical_names(texts)
    authorities = tuple(sorted(set(names.values())))
    multi = len(authorities) > 1
    files = sorted({raw.file for raw in raws})
    joined = {}
    for written, name in names.items():
        joined.setdefault(name, set()).add(written)
    renamed = {
        name: sorted(w for w in spellings if w != name) for name, spellings in joined.items()
    }
    renamed = {name: spellings for name, spellings in renamed.items() if spellings}
    if renamed:
        shown = "; ".join(
            f"{_shown_la(name)} (also written {', '.join(_shown_la(w) for w in spellings[:5])})"
            for name, spellings in sorted(renamed.items())
        )
        found.extend(
            file_issue(
                file,
                "",
                "authority_names",
                INFO,
                "The LA column writes the same authority in more than one way (case, spaces, "
                f"or a DfE or ONS code for a name); each is read as one authority: {shown}.",
            )
            for file in files
        )
    for frame in frames.values():
        la = frame["_la_text"].map(names) if multi else pd.Series("", index=frame.index)
        frame["_la"] = la.astype(object)
        frame["_la_inferred"] = False
    if multi:
        _disjoint_authorities(frames, fatal)
        _infer_authorities(frames, raws, found)
        found.extend(
            file_issue(
                file,
                "",
                "authorities",
                INFO,
                f"The LA column holds {len(authorities)} authorities ({', '.join(authorities)}): "
                "each child is keyed by LA and CHILD, so children of different authorities are "
                "never merged. Stocks are given per authority; choose one with --la (or in the "
                "explorer), or --la all to pool them.",
            )
            for file in files
        )
    for frame in frames.values():
        frame["_key"] = _key(frame)
    return authorities, multi


def _shown_la(text: str) -> str:
    """An LA value as it may be quoted: authority names and codes, never other text."""
    return (
        f"'{text}'"
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ,.'&()\-]{0,59}", text)
        else "(not shown)"
    )


def _disjoint_authorities(frames: dict[str, pd.DataFrame], fatal: list[dict]) -> None:
    """Fatal when the Header and Episodes name no authority in common (codes vs unknown names)."""
    in_header = set(frames[HEADER]["_la"].dropna())
    in_episodes = set(frames[EPISODES]["_la"].dropna())
    if in_header and in_episodes and not in_header & in_episodes:
        fatal.append(
            file_issue(
                ", ".join(sorted(set(frames[EPISODES]["_file"]) | set(frames[HEADER]["_file"]))),
                "",
                "authorities_do_not_match",
                FATAL,
                "The LA column of the Episodes names "
                f"{', '.join(_shown_la(a) for a in sorted(in_episodes))} but that of the Header "
                f"names {', '.join(_shown_la(a) for a in sorted(in_header))}: no authority is in "
                "both, so no child can be matched to a date of birth. Write each authority the "
                "same way in every table (its name, or its DfE or ONS code for English "
                "authorities).",
            )
        )


def _infer_authorities(
    frames: dict[str, pd.DataFrame], raws: list[_Raw], found: list[dict]
) -> None:
    """Give rows without an LA the one authority that uses their CHILD elsewhere."""
    child_key = {t: _stripped_ids(f["CHILD"]) for t, f in frames.items()}
    known = pd.concat(
        [pd.DataFrame({"child": child_key[t], "la": f["_la"]}) for t, f in frames.items()],
        ignore_index=True,
    ).dropna()
    known = known.drop_duplicates()
    n_authorities = known.groupby("child")["la"].nunique()
    only = known[known["child"].map(n_authorities) == 1].drop_duplicates("child")
    only_la = only.set_index("child")["la"]
    for table, frame in frames.items():
        missing = frame["_la"].isna() & frame["CHILD"].notna()
        if not missing.any():
            continue
        inferred = child_key[table][missing].map(only_la)
        frame.loc[inferred.index, "_la"] = inferred
        took = missing & frame["_la"].notna()
        frame["_la_inferred"] = took.to_numpy()
        without_column = ~frame["_has_la"].to_numpy(dtype=bool)
        for file in sorted(pd.unique(frame.loc[took.to_numpy() & without_column, "_file"])):
            in_file = (frame["_file"] == file).to_numpy()
            n = int((took.to_numpy() & in_file).sum())
            found.append(
                file_issue(
                    file,
                    table,
                    "la_from_child",
                    INFO,
                    f"This table has no LA column: {n:,} of its {int(in_file.sum()):,} rows were "
                    "given the authority of their CHILD in the tables that have one (the only "
                    "authority using that identifier). Rows whose identifier several "
                    "authorities use cannot be placed and are rejected.",
                )
            )


def _stripped_ids(child: pd.Series) -> pd.Series:
    """CHILD with leading zeros removed from all-digit identifiers (to match across tables)."""
    text = child.astype("str")
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return text.where(~digits, text.str.lstrip("0").replace("", "0"))


def _key(frame: pd.DataFrame) -> pd.Series:
    la = frame["_la"].astype("str").fillna("")
    child = frame["CHILD"].astype("str")
    return (la + "\x1f" + child.fillna("")).where(child.notna())


def _join_leading_zeros(frames: dict[str, pd.DataFrame], checks: dict[str, Checker]) -> int:
    """Join numeric ids that match only once leading zeros are stripped; returns rows changed."""
    ids = pd.concat([frames[t][["_la", "CHILD"]] for t in TABLES]).dropna().drop_duplicates()
    numeric = ids[ids["CHILD"].str.fullmatch(r"\d+").fillna(False).astype(bool)].copy()
    if numeric.empty:
        return 0
    numeric["stripped"] = numeric["CHILD"].str.lstrip("0").replace("", "0")
    numeric["length"] = numeric["CHILD"].str.len()
    groups = numeric.groupby(["_la", "stripped"])["CHILD"].transform("nunique")
    clash = numeric[groups > 1].sort_values(["_la", "stripped", "length", "CHILD"])
    if clash.empty:
        return 0
    canonical = clash.groupby(["_la", "stripped"])["CHILD"].transform("last")
    mapping = dict(
        zip(
            zip(clash["_la"], clash["CHILD"], strict=True),
            canonical,
            strict=True,
        )
    )
    changed = 0
    for table, frame in frames.items():
        pairs = list(zip(frame["_la"], frame["CHILD"], strict=True))
        new = pd.Series(
            [mapping.get(p, c) for p, c in zip(pairs, frame["CHILD"], strict=True)],
            index=frame.index,
            dtype=object,
        )
        moved = (new != frame["CHILD"]) & frame["CHILD"].notna()
        if moved.any():
            checks[table].flag(
                moved,
                "CHILD",
                "leading_zeros_joined",
                WARNING,
                "This CHILD identifier matches another in the files only once leading zeros are "
                "removed (a file re-saved in Excel drops them); it was joined to the identifier "
                "written with the zeros. Check both are the same child.",
            )
            changed += int(moved.sum())
            frame["CHILD"] = new
            frame["_key"] = _key(frame)
    return changed
