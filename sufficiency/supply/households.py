"""Approved foster-carer household records: the format and its validated reader.

One row per approved fostering household (the service's own carers), current or past, in a CSV or
XLSX file (:data:`HOUSEHOLD_COLUMNS`)::

    household_id,carer_type,approval_date,approved_places,age_from,age_to,deregistration_date,deregistration_reason
    H0001,mainstream,14/05/2012,2,0,17,,
    H0002,kinship,02/09/2019,1,5,9,30/11/2021,permanence

The reader mirrors the SSDA903 reader: every problem becomes a row of a report with the
:data:`sufficiency.schemas.VALIDATION_REPORT` columns; rows with an ``error`` are left out, rows
with a ``warning`` are kept (with the stated assumption); problems that make a file unusable raise
:class:`~sufficiency.errors.InputDataError`. For every file, rows in = rows kept + rows rejected.
Household identifiers can identify carers, so they are masked in the report and never printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.data.readers import (
    Source,
    file_issue,
    issues_frame,
    read_one_table,
    sources_from_paths,
    sources_from_uploads,
)
from sufficiency.data.report import (
    ProblemReport,
    clean_text,
    empty_report,
    file_summary,
    parse_dates,
    problem_counts,
)
from sufficiency.errors import InputDataError
from sufficiency.progress import ProgressCallback, report

TABLE = "carer_households"

MAINSTREAM = "mainstream"
KINSHIP = "kinship"
PARENT_AND_CHILD = "parent and child"
TEENAGERS = "teenagers"
SIBLING_GROUPS = "sibling groups"
DISABLED_CHILDREN = "disabled children"

CARER_TYPES: tuple[str, ...] = (
    MAINSTREAM,
    KINSHIP,
    PARENT_AND_CHILD,
    TEENAGERS,
    SIBLING_GROUPS,
    DISABLED_CHILDREN,
)
"""Carer types. The last four are specialist schemes."""

SPECIALIST_CARER_TYPES: tuple[str, ...] = CARER_TYPES[2:]
IN_HOUSE_CARER_TYPES: tuple[str, ...] = (MAINSTREAM, *SPECIALIST_CARER_TYPES)
"""Households whose places count as in-house fostering capacity (kinship carers are approved for
named children, so their places are not open to other children)."""

CARER_GROUPS: tuple[str, ...] = ("mainstream", "specialist", "kinship")
"""Coarser grouping used for retention estimates, where specialist schemes are small."""


def carer_group(carer_type: str) -> str:
    """``'mainstream'``, ``'specialist'`` or ``'kinship'`` for a carer type."""
    if carer_type == KINSHIP:
        return "kinship"
    if carer_type == MAINSTREAM:
        return "mainstream"
    return "specialist"


_CARER_TYPE_ALIASES: dict[str, str] = {
    "general": MAINSTREAM,
    "mainstream foster care": MAINSTREAM,
    "short term": MAINSTREAM,
    "long term": MAINSTREAM,
    "family and friends": KINSHIP,
    "family & friends": KINSHIP,
    "connected": KINSHIP,
    "connected person": KINSHIP,
    "connected carer": KINSHIP,
    "kinship carer": KINSHIP,
    "parent & child": PARENT_AND_CHILD,
    "parent and baby": PARENT_AND_CHILD,
    "p&c": PARENT_AND_CHILD,
    "teenager": TEENAGERS,
    "teens": TEENAGERS,
    "adolescents": TEENAGERS,
    "sibling group": SIBLING_GROUPS,
    "siblings": SIBLING_GROUPS,
    "sibling": SIBLING_GROUPS,
    "disabled": DISABLED_CHILDREN,
    "disability": DISABLED_CHILDREN,
    "disabled child": DISABLED_CHILDREN,
    "children with disabilities": DISABLED_CHILDREN,
}

DEREGISTRATION_REASONS: dict[str, tuple[str, str]] = {
    "retirement": ("Retirement", "carer"),
    "health_or_family": ("Health or family circumstances", "carer"),
    "support_or_pay": ("Unhappy with support, allowances or fees", "carer"),
    "work_or_housing": ("Change of work, money or housing", "carer"),
    "moved_away": ("Moved out of the area", "carer"),
    "resigned_other": ("Resigned, other reason", "carer"),
    "permanence": ("Special guardianship, adoption or child arrangements order", "carer"),
    "kinship_ended": ("Kinship arrangement ended (child returned home or moved on)", "service"),
    "service_ended": ("Approval ended by the service (review, standards, allegation)", "service"),
    "transfer_ifa": ("Transferred to an independent fostering agency", "transfer"),
    "transfer_la": ("Transferred to another local authority", "transfer"),
    "other": ("Other or not recorded", "unknown"),
}
"""Reason code -> (label, who initiated it). The initiator follows Ofsted's deregistration
categories (carer, fostering service, transfer, unknown), so local rates compare with Ofsted's."""

INITIATORS: dict[str, str] = {
    "carer": "carer's decision",
    "service": "fostering service's decision",
    "transfer": "transfer to another service",
    "unknown": "not known",
}

_REASON_ALIASES: dict[str, str] = {
    "retired": "retirement",
    "retire": "retirement",
    "health": "health_or_family",
    "ill health": "health_or_family",
    "family circumstances": "health_or_family",
    "personal circumstances": "health_or_family",
    "support": "support_or_pay",
    "pay": "support_or_pay",
    "allowances": "support_or_pay",
    "fees": "support_or_pay",
    "lack of support": "support_or_pay",
    "work": "work_or_housing",
    "housing": "work_or_housing",
    "finances": "work_or_housing",
    "moved": "moved_away",
    "moved area": "moved_away",
    "relocated": "moved_away",
    "resigned": "resigned_other",
    "resignation": "resigned_other",
    "sgo": "permanence",
    "special guardianship": "permanence",
    "special guardianship order": "permanence",
    "adoption": "permanence",
    "adopted": "permanence",
    "child arrangements order": "permanence",
    "placement ended": "kinship_ended",
    "child returned home": "kinship_ended",
    "approval removed": "service_ended",
    "terminated": "service_ended",
    "deregistered by service": "service_ended",
    "standards": "service_ended",
    "allegation": "service_ended",
    "transfer to ifa": "transfer_ifa",
    "ifa": "transfer_ifa",
    "transfer to la": "transfer_la",
    "transfer to another la": "transfer_la",
    "unknown": "other",
    "not recorded": "other",
    "not known": "other",
}

HOUSEHOLD_COLUMNS: dict[str, str] = {
    "household_id": "the service's own household reference (text; kept, never printed)",
    "carer_type": f"one of: {', '.join(CARER_TYPES)}",
    "approval_date": "date the household was approved (dd/mm/yyyy or yyyy-mm-dd)",
    "approved_places": "number of children the household is approved for (whole number 1-6)",
    "age_from": "youngest age the approval covers, in completed years 0-17 (blank: 0)",
    "age_to": "oldest age the approval covers, in completed years 0-17 (blank: 17)",
    "deregistration_date": "date the household stopped fostering (blank if still approved)",
    "deregistration_reason": f"why, one of: {', '.join(DEREGISTRATION_REASONS)}",
}
"""Columns of the carer households file. ``household_id``, ``carer_type`` and ``approval_date``
are required; the rest may be blank (see each description)."""

REQUIRED_COLUMNS: tuple[str, ...] = ("household_id", "carer_type", "approval_date")

_COLUMN_ALIASES: dict[str, str] = {
    "household": "household_id",
    "household_ref": "household_id",
    "id": "household_id",
    "type": "carer_type",
    "approval_type": "carer_type",
    "approved": "approval_date",
    "approved_date": "approval_date",
    "date_approved": "approval_date",
    "places": "approved_places",
    "number_of_places": "approved_places",
    "age_min": "age_from",
    "min_age": "age_from",
    "age_max": "age_to",
    "max_age": "age_to",
    "deregistered": "deregistration_date",
    "deregistered_date": "deregistration_date",
    "date_deregistered": "deregistration_date",
    "end_date": "deregistration_date",
    "reason": "deregistration_reason",
    "reason_for_leaving": "deregistration_reason",
    "leaving_reason": "deregistration_reason",
}

CLEAN_HOUSEHOLDS: dict[str, str] = {
    "household_id": "household reference (text; never printed)",
    "carer_type": "one of CARER_TYPES",
    "carer_group": "'mainstream', 'specialist' or 'kinship'",
    "approval_date": "approval date (datetime64)",
    "approved_places": "approved places (int)",
    "age_from": "youngest age covered, completed years (int)",
    "age_to": "oldest age covered, completed years (int)",
    "deregistration_date": "deregistration date (datetime64); NaT when approved at the extract date",
    "deregistration_reason": "one of DEREGISTRATION_REASONS; missing when still approved",
    "initiated_by": "'carer', 'service', 'transfer' or 'unknown'; missing when still approved",
    "source_file": "file the row was read from",
    "source_row": "1-based data row number in that file (header row excluded)",
}
"""Households after validation, one row per household."""

FILES_SUMMARY_COLUMNS: tuple[str, ...] = (
    "file",
    "table",
    "rows_in",
    "rows_kept",
    "rows_rejected",
    "rows_reported",
    "rows_superseded",
)
MAX_PLACES = 6
USUAL_FOSTERING_LIMIT = 3
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass
class CarerHouseholds:
    """Validated carer household records.

    Attributes
    ----------
    households : DataFrame
        :data:`CLEAN_HOUSEHOLDS` columns, one row per household.
    report : DataFrame
        :data:`~sufficiency.schemas.VALIDATION_REPORT` columns, one row per problem, and 'info'
        rows naming what was skipped (rows above the headings, other sheets, files in a folder).
    files : DataFrame
        Per file: file, table, rows_in, rows_kept, rows_rejected, rows_reported (rows with any
        problem, warnings included), rows_superseded; rows_in = rows_kept + rows_rejected.
    extract_date : Timestamp
        The date the records describe: households with no deregistration date were approved then.
    notes : list of str
        Plain-language notes on assumptions made while reading (no identifiers).
    """

    households: pd.DataFrame
    report: pd.DataFrame
    files: pd.DataFrame
    extract_date: pd.Timestamp
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when at least one valid household was read."""
        return len(self.households) > 0

    def summary(self) -> str:
        """A short plain-language summary (no identifiers)."""
        frame = self.households
        current = frame["deregistration_date"].isna()
        lines = [
            f"{len(frame):,} carer households read; {int(current.sum()):,} approved at "
            f"{self.extract_date:%d %b %Y} with {int(frame.loc[current, 'approved_places'].sum()):,}"
            " approved places",
            f"{int((~current).sum()):,} households deregistered before the extract date",
            problem_counts(self.report),
        ]
        return "\n".join(lines + self.notes)


# --- reading -----------------------------------------------------------------------------------


def _normalise_column(name: object) -> str:
    text = str(name).replace("\ufeff", "").strip().lower()
    text = "_".join(text.replace("-", " ").replace("/", " ").split())
    return _COLUMN_ALIASES.get(text, text)


def _is_households_heading(names: set[str]) -> bool:
    normalised = {_normalise_column(name) for name in names}
    return bool(normalised & {"household_id", "approval_date", "carer_type"})


def _read_table(source: Source) -> pd.DataFrame:
    """Read one CSV or XLSX file (the shared reader) as text columns with normalised names.

    Report rows naming what was skipped (rows above the headings, other sheets) are in
    ``frame.attrs['skipped']``.
    """
    frame, skipped = read_one_table(source, source.label, _is_households_heading)
    frame = frame.astype("string")
    frame.columns = [_normalise_column(column) for column in frame.columns]
    frame.attrs["skipped"] = skipped
    return frame


def normalise_carer_type(series: pd.Series) -> pd.Series:
    """Lower-case carer types with aliases (and a 'specialist:' prefix) resolved."""
    text = clean_text(series).str.lower().str.replace(r"\s+", " ", regex=True)
    text = text.str.replace(r"^specialist\s*[:\-]\s*", "", regex=True).str.replace("_", " ")
    return text.replace(_CARER_TYPE_ALIASES)


def normalise_reason(series: pd.Series) -> pd.Series:
    """Reason codes from codes, labels or common wording (unknown text stays as given)."""
    text = clean_text(series).str.lower().str.strip()
    labels = {label.lower(): code for code, (label, _) in DEREGISTRATION_REASONS.items()}
    spaced = text.str.replace("_", " ")
    resolved = spaced.map(lambda value: _resolve_reason(value, labels), na_action="ignore")
    return resolved.astype("string")


def _resolve_reason(value: str, labels: dict[str, str]) -> str:
    code = value.replace(" ", "_")
    if code in DEREGISTRATION_REASONS:
        return code
    if value in labels:
        return labels[value]
    return _REASON_ALIASES.get(value, f"?{value}")


def _whole_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse whole numbers ('2', '2.0'); returns values (Float64, NA when blank/bad) and a bad mask."""
    text = clean_text(series)
    numbers = pd.to_numeric(text, errors="coerce").astype("Float64")
    bad = text.notna() & (numbers.isna() | (numbers.round() != numbers))
    return numbers.mask(bad), bad.fillna(False).astype(bool)


def validate_households(
    raw: pd.DataFrame, file_name: str, *, extract_date: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    """Validate one households table read as text.

    Parameters
    ----------
    raw : DataFrame
        The table with normalised lower-case column names (all text).
    file_name : str
        Used in the report and error messages.
    extract_date : Timestamp
        Approvals after it are errors; deregistrations after it are treated as not yet happened.

    Returns
    -------
    (households, report, file_summary)
        Clean rows (:data:`CLEAN_HOUSEHOLDS`), report rows and the per-file counts.

    Raises
    ------
    InputDataError
        When a required column is missing.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in raw.columns]
    if missing:
        raise InputDataError(
            f"{file_name}: the carer households table needs the column(s) {', '.join(missing)}. "
            f"Expected columns: {', '.join(HOUSEHOLD_COLUMNS)} (see docs/supply_formats.md).",
            file=file_name,
        )
    reporter = ProblemReport(file_name, TABLE)
    frame = pd.DataFrame(
        {
            column: (
                clean_text(raw[column]).reset_index(drop=True)
                if column in raw.columns
                else pd.Series(pd.NA, index=range(len(raw)), dtype="string")
            )
            for column in HOUSEHOLD_COLUMNS
        }
    )
    n = len(frame)
    rows = np.arange(1, n + 1)
    blank_row = frame.isna().all(axis=1).to_numpy()
    rejected = blank_row.copy()
    reporter.add(
        rows[blank_row],
        "",
        [""] * int(blank_row.sum()),
        "blank_row",
        "error",
        "The row is empty and was skipped; delete empty rows from the file.",
    )
    live = ~rejected

    ids = frame["household_id"]
    no_id = ids.isna().to_numpy() & live
    reporter.add(
        rows[no_id],
        "household_id",
        [""] * int(no_id.sum()),
        "household_id_missing",
        "error",
        "Every household needs a household_id; fill in the service's reference for it.",
    )
    rejected |= no_id
    duplicated = (ids.duplicated(keep="first") & ids.notna()).to_numpy() & ~rejected
    reporter.add(
        rows[duplicated],
        "household_id",
        ["(masked)"] * int(duplicated.sum()),
        "household_id_duplicate",
        "error",
        "This household_id appears on an earlier row; the later row is left out. Keep one row per "
        "approval (if a household left and was approved again, give the new approval its own id).",
    )
    rejected |= duplicated

    carer_type = normalise_carer_type(frame["carer_type"])
    bad_type = (~carer_type.isin(CARER_TYPES)).fillna(True).to_numpy() & ~rejected
    reporter.add(
        rows[bad_type],
        "carer_type",
        frame.loc[bad_type, "carer_type"].fillna(""),
        "carer_type_unknown",
        "error",
        f"carer_type must be one of: {', '.join(CARER_TYPES)}.",
    )
    rejected |= bad_type

    approval, bad_approval = parse_dates(frame["approval_date"])
    no_approval = (approval.isna() & ~bad_approval).to_numpy() & ~rejected
    reporter.add(
        rows[no_approval],
        "approval_date",
        [""] * int(no_approval.sum()),
        "approval_date_missing",
        "error",
        "approval_date is required: the date the agency decision maker approved the household.",
    )
    rejected |= no_approval
    bad = bad_approval.to_numpy() & ~rejected
    reporter.add(
        rows[bad],
        "approval_date",
        frame.loc[bad, "approval_date"],
        "date_unreadable",
        "error",
        "approval_date must be a date written dd/mm/yyyy or yyyy-mm-dd.",
    )
    rejected |= bad
    future = (approval > extract_date).fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[future],
        "approval_date",
        approval[future].dt.strftime("%d/%m/%Y"),
        "approval_after_extract",
        "error",
        f"approval_date is after the extract date {extract_date:%d/%m/%Y}; check the date or give "
        "the right extract date.",
    )
    rejected |= future

    dereg, bad_dereg = parse_dates(frame["deregistration_date"])
    bad = bad_dereg.to_numpy() & ~rejected
    reporter.add(
        rows[bad],
        "deregistration_date",
        frame.loc[bad, "deregistration_date"],
        "date_unreadable",
        "error",
        "deregistration_date must be a date written dd/mm/yyyy or yyyy-mm-dd, or blank while the "
        "household is still approved.",
    )
    rejected |= bad
    before = (dereg < approval).fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[before],
        "deregistration_date",
        dereg[before].dt.strftime("%d/%m/%Y"),
        "deregistration_before_approval",
        "error",
        "deregistration_date is before approval_date; check both dates.",
    )
    rejected |= before
    after = (dereg > extract_date).fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[after],
        "deregistration_date",
        dereg[after].dt.strftime("%d/%m/%Y"),
        "deregistration_after_extract",
        "warning",
        f"deregistration_date is after the extract date {extract_date:%d/%m/%Y}; the household is "
        "treated as still approved at the extract date.",
    )
    dereg = dereg.mask(pd.Series(after, index=dereg.index))

    places, bad_places = _whole_numbers(frame["approved_places"])
    bad = bad_places | (places < 1).fillna(False) | (places > MAX_PLACES).fillna(False)
    bad = bad.to_numpy() & ~rejected
    reporter.add(
        rows[bad],
        "approved_places",
        frame.loc[bad, "approved_places"],
        "approved_places_invalid",
        "error",
        f"approved_places must be a whole number from 1 to {MAX_PLACES}.",
    )
    rejected |= bad
    no_places = places.isna().to_numpy() & ~rejected
    reporter.add(
        rows[no_places],
        "approved_places",
        [""] * int(no_places.sum()),
        "approved_places_missing",
        "warning",
        "approved_places is blank; 1 place is assumed. Fill in the number of children the "
        "household is approved for.",
    )
    places = places.fillna(1)
    exemption = (places > USUAL_FOSTERING_LIMIT).fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[exemption],
        "approved_places",
        places[exemption].astype("Int64").astype("string"),
        "above_usual_limit",
        "warning",
        f"more than {USUAL_FOSTERING_LIMIT} places is above the usual fostering limit; kept on the "
        "understanding an exemption is in place. Check the figure if not.",
    )

    ages: dict[str, pd.Series] = {}
    for column, default in (("age_from", 0), ("age_to", 17)):
        values, bad_values = _whole_numbers(frame[column])
        bad = (bad_values | (values < 0).fillna(False) | (values > 17).fillna(False)).to_numpy()
        bad &= ~rejected
        reporter.add(
            rows[bad],
            column,
            frame.loc[bad, column],
            "age_invalid",
            "error",
            f"{column} must be a whole number of years from 0 to 17, or blank.",
        )
        rejected |= bad
        blank = values.isna().to_numpy() & ~rejected
        reporter.add(
            rows[blank],
            column,
            [""] * int(blank.sum()),
            "age_missing",
            "warning",
            f"{column} is blank; {default} is assumed.",
        )
        ages[column] = values.fillna(default)
    reversed_range = (ages["age_from"] > ages["age_to"]).fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[reversed_range],
        "age_to",
        frame.loc[reversed_range, "age_to"],
        "age_range_reversed",
        "error",
        "age_to is below age_from; the approval must cover age_from up to age_to.",
    )
    rejected |= reversed_range

    reason = normalise_reason(frame["deregistration_reason"])
    has_dereg = dereg.notna().to_numpy()
    reason_without_date = reason.notna().to_numpy() & ~has_dereg & ~rejected & ~after
    reporter.add(
        rows[reason_without_date],
        "deregistration_reason",
        frame.loc[reason_without_date, "deregistration_reason"],
        "reason_without_date",
        "warning",
        "a deregistration_reason is given but no deregistration_date; the household is treated as "
        "still approved. Add the date if it has left.",
    )
    no_reason = has_dereg & reason.isna().to_numpy() & ~rejected
    reporter.add(
        rows[no_reason],
        "deregistration_reason",
        [""] * int(no_reason.sum()),
        "reason_missing",
        "warning",
        "deregistration_reason is blank; counted as 'other'. Recording why carers leave makes "
        "the reasons chart useful.",
    )
    unknown_reason = has_dereg & reason.str.startswith("?").fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[unknown_reason],
        "deregistration_reason",
        frame.loc[unknown_reason, "deregistration_reason"],
        "reason_unknown",
        "warning",
        f"deregistration_reason not recognised; counted as 'other'. Use one of: "
        f"{', '.join(DEREGISTRATION_REASONS)}.",
    )
    reason = reason.mask(reason.str.startswith("?").fillna(False), "other")
    reason = reason.fillna("other").where(has_dereg, pd.NA)

    keep = ~rejected
    households = pd.DataFrame(
        {
            "household_id": ids[keep].astype("string"),
            "carer_type": carer_type[keep].astype(object),
            "approval_date": approval[keep],
            "approved_places": places[keep].astype(int),
            "age_from": ages["age_from"][keep].astype(int),
            "age_to": ages["age_to"][keep].astype(int),
            "deregistration_date": dereg[keep].astype("datetime64[ns]"),
            "deregistration_reason": reason[keep].astype(object),
            "source_file": file_name,
            "source_row": rows[keep],
        }
    )
    households.insert(2, "carer_group", households["carer_type"].map(carer_group))
    households["initiated_by"] = households["deregistration_reason"].map(
        lambda code: DEREGISTRATION_REASONS[code][1] if isinstance(code, str) else None
    )
    households = households[list(CLEAN_HOUSEHOLDS)].reset_index(drop=True)
    problems = reporter.frame()
    return households, problems, file_summary(file_name, TABLE, n, rejected, problems)


def read_households(
    paths: str | Path | Sequence[str | Path],
    *,
    extract_date: str | pd.Timestamp | None = None,
    progress: ProgressCallback | None = None,
) -> CarerHouseholds:
    """Read and validate carer household files.

    Parameters
    ----------
    paths : path or list of paths
        CSV/XLSX files, or folders of them. Several files are stacked; a household appearing in
        more than one file takes its record from the last file given (a later extract).
    extract_date : date, optional
        The date the records describe. Defaults to the latest approval or deregistration date found
        (noted in the result).
    progress : callable, optional
        ``progress(done, total, message)``.

    Returns
    -------
    CarerHouseholds

    Raises
    ------
    InputDataError
        When a file cannot be read, lacks a required column, or no valid household remains.
    """
    sources, ignored = sources_from_paths(paths, what="carer household")
    return _read_sources(sources, extract_date, progress, ignored)


def read_households_uploads(
    files: list[tuple[str, bytes]],
    *,
    extract_date: str | pd.Timestamp | None = None,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> CarerHouseholds:
    """Read households from browser uploads, given as (file name, bytes) pairs.

    A file over ``max_bytes`` raises :class:`~sufficiency.errors.InputDataError` before anything
    is parsed; workbooks are checked as the 903 reader checks them (:mod:`sufficiency.data.readers`).
    """
    sources = sources_from_uploads(files, max_bytes=max_bytes, what="carer household")
    return _read_sources(sources, extract_date, None, [])


def _read_sources(
    sources: list[Source],
    extract_date: str | pd.Timestamp | None,
    progress: ProgressCallback | None,
    ignored: list[dict],
) -> CarerHouseholds:
    tables: list[tuple[str, pd.DataFrame]] = []
    skipped = list(ignored)
    for done, source in enumerate(sources):
        report(progress, done, len(sources) + 1, f"reading {source.label}")
        frame = _read_table(source)
        if source.in_folder and not _is_households_heading(set(frame.columns)):
            # Another table found in a folder (a read-me, a different export): skipped, said so.
            skipped.append(
                file_issue(
                    source.label,
                    "",
                    "not_a_household_table",
                    "warning",
                    "Not a carer household table (no household_id, carer_type or approval_date "
                    "heading in its first 20 rows), so it was skipped. Nothing to do unless it "
                    "holds carer households; then check its column headings.",
                )
            )
            continue
        skipped.extend(frame.attrs["skipped"])
        tables.append((source.label, frame))
    if not tables:
        raise InputDataError(
            "No carer household table was found in the files given (a table needs the headings "
            "household_id, carer_type and approval_date). See docs/supply_formats.md.",
            file=sources[0].label,
        )
    notes: list[str] = []
    if extract_date is None:
        latest = pd.NaT
        for _, raw in tables:
            for column in ("approval_date", "deregistration_date"):
                if column in raw.columns:
                    candidate = parse_dates(raw[column])[0].max()
                    if pd.notna(candidate) and (pd.isna(latest) or candidate > latest):
                        latest = candidate
        if pd.isna(latest):
            raise InputDataError(
                f"{tables[0][0]}: no readable approval_date was found, so the records cannot be "
                "used. Dates must be written dd/mm/yyyy or yyyy-mm-dd.",
                file=tables[0][0],
            )
        extract = pd.Timestamp(latest)
        notes.append(
            f"No extract date was given; the latest date in the records ({extract:%d %b %Y}) is "
            "used."
        )
    else:
        extract = pd.Timestamp(extract_date)
    frames, reports, summaries = [], [], []
    for name, raw in tables:
        households, problems, summary = validate_households(raw, name, extract_date=extract)
        frames.append(households)
        reports.append(problems)
        summaries.append(summary)
    report(progress, len(sources), len(sources) + 1, "merging")
    households = pd.concat(frames, ignore_index=True)
    repeated = households["household_id"].duplicated(keep="last")
    if repeated.any():
        notes.append(
            f"{int(repeated.sum()):,} households appeared in more than one file; the record from the "
            "last file given was used."
        )
        households = households[~repeated].reset_index(drop=True)
    if skipped:
        reports.append(issues_frame(skipped))
    full_report = pd.concat([r for r in reports if len(r)] or [empty_report()], ignore_index=True)
    result = CarerHouseholds(
        households=households,
        report=full_report,
        files=pd.DataFrame(summaries, columns=list(FILES_SUMMARY_COLUMNS)),
        extract_date=extract,
        notes=notes,
    )
    report(progress, len(sources) + 1, len(sources) + 1, "done")
    if not result.usable:
        raise InputDataError(
            f"{', '.join(source.label for source in sources)}: no valid carer household rows were "
            "found. See the report for each rejected row.",
            file=sources[0].label,
        )
    return result


def households_on(households: pd.DataFrame, date: pd.Timestamp | str) -> pd.DataFrame:
    """Households approved at the end of ``date`` (approved on or before, not yet deregistered)."""
    date = pd.Timestamp(date)
    approved = households["approval_date"] <= date
    still = households["deregistration_date"].isna() | (households["deregistration_date"] > date)
    return households[approved & still]


def empty_households() -> pd.DataFrame:
    """A households frame with the :data:`CLEAN_HOUSEHOLDS` columns and no rows."""
    return pd.DataFrame(
        {
            "household_id": pd.Series(dtype="string"),
            "carer_type": pd.Series(dtype=object),
            "carer_group": pd.Series(dtype=object),
            "approval_date": pd.Series(dtype="datetime64[ns]"),
            "approved_places": pd.Series(dtype=int),
            "age_from": pd.Series(dtype=int),
            "age_to": pd.Series(dtype=int),
            "deregistration_date": pd.Series(dtype="datetime64[ns]"),
            "deregistration_reason": pd.Series(dtype=object),
            "initiated_by": pd.Series(dtype=object),
            "source_file": pd.Series(dtype=object),
            "source_row": pd.Series(dtype=int),
        }
    )
