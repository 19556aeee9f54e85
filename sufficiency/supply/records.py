"""Recruitment-funnel record formats (enquiries, campaign spend) and their validated readers.

Two tables, each one CSV or XLSX file (several files of the same table are stacked):

- **enquiries**: one row per enquiry to become a foster carer, with the date each stage was
  reached or the withdrawal date and reason (:data:`ENQUIRY_COLUMNS`);
- **campaign spend**: what was spent on each campaign in a period (:data:`SPEND_COLUMNS`).

Readers mirror the SSDA903 reader: every problem becomes a row of a report with the
:data:`sufficiency.schemas.VALIDATION_REPORT` columns; rows with an ``error`` are left out, rows
with a ``warning`` are kept; file-level problems raise :class:`~sufficiency.errors.InputDataError`.
For every file, rows in = rows kept + rows rejected. The format holds no names or addresses;
enquiry identifiers are masked in the report and never printed.
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

ENQUIRIES_TABLE = "enquiries"
SPEND_TABLE = "campaign_spend"
MAX_SPEND_PER_ROW = 1_000_000.0
"""Largest believable spend on one campaign in one period, £. Far above any council's fostering
recruitment marketing (the scenario explorer allows up to £500,000 a quarter per channel), so a
larger figure is a typing or unit error and the row is rejected, not added to the totals."""

STAGES: tuple[str, ...] = (
    "enquiry",
    "initial_visit",
    "application",
    "skills_to_foster",
    "assessment",
    "panel",
    "approval",
)
"""Funnel stages in order. Every enquiry reaches ``enquiry``; ``approval`` is the end."""

STAGE_LABELS: dict[str, str] = {
    "enquiry": "Enquiry",
    "initial_visit": "Initial visit",
    "application": "Application",
    "skills_to_foster": "Skills to Foster training",
    "assessment": "Assessment (stage 2) start",
    "panel": "Fostering panel",
    "approval": "Approval",
}

STAGE_DATE_COLUMNS: dict[str, str] = {
    "enquiry": "enquiry_date",
    "initial_visit": "initial_visit_date",
    "application": "application_date",
    "skills_to_foster": "skills_to_foster_date",
    "assessment": "assessment_start_date",
    "panel": "panel_date",
    "approval": "approval_date",
}
"""Column holding the date each stage was reached."""

CHANNELS: tuple[str, ...] = (
    "radio",
    "social media",
    "billboard",
    "bus stop",
    "leaflet drop",
    "stadium screen",
    "word of mouth",
    "council website",
    "event",
    "other",
)
"""Standard recruitment channels. Other values are kept (with a warning) so local names still work."""

_CHANNEL_ALIASES: dict[str, str] = {
    "social": "social media",
    "facebook": "social media",
    "instagram": "social media",
    "billboards": "billboard",
    "bus stops": "bus stop",
    "bus-stop posters": "bus stop",
    "bus stop posters": "bus stop",
    "bus-stop poster": "bus stop",
    "leaflet": "leaflet drop",
    "leaflets": "leaflet drop",
    "leaflet drops": "leaflet drop",
    "stadium": "stadium screen",
    "stadium screens": "stadium screen",
    "match-day screens": "stadium screen",
    "website": "council website",
    "web": "council website",
    "word-of-mouth": "word of mouth",
    "referral": "word of mouth",
    "events": "event",
}

WITHDRAWAL_REASONS: tuple[str, ...] = (
    "changed circumstances",
    "not the right time",
    "chose another fostering service",
    "home not suitable",
    "counselled out",
    "not recommended at panel",
    "lost contact",
    "other",
    "not recorded",
)
"""Recommended withdrawal reasons (lower case). Other text is kept, with a warning."""

HOUSEHOLD_TYPES: tuple[str, ...] = ("single", "couple")
FOSTERING_INTERESTS: tuple[str, ...] = (
    "mainstream",
    "short breaks",
    "teenagers",
    "sibling groups",
    "parent and child",
)

ENQUIRY_COLUMNS: dict[str, str] = {
    "enquiry_id": "the service's own enquiry reference (text; kept, never printed)",
    "enquiry_date": "date the enquiry was made (dd/mm/yyyy or yyyy-mm-dd)",
    "channel": f"how the enquirer heard of fostering, one of: {', '.join(CHANNELS)}",
    "campaign": "campaign name, matching the campaign spend file (blank when none)",
    "household_type": "optional: 'single' or 'couple'",
    "spare_bedrooms": "optional: number of spare bedrooms (whole number)",
    "has_children_at_home": "optional: 'yes' or 'no'",
    "fostering_interest": f"optional: one of {', '.join(FOSTERING_INTERESTS)}",
    "initial_visit_date": "date of the initial home visit (blank if not reached)",
    "application_date": "date the formal application was received",
    "skills_to_foster_date": "date Skills to Foster training started",
    "assessment_start_date": "date the stage 2 (Form F) assessment started",
    "panel_date": "date the fostering panel heard the application",
    "approval_date": "date the agency decision maker approved the household",
    "withdrawal_date": "date the enquirer withdrew or the service closed the enquiry",
    "withdrawal_reason": f"why, preferably one of: {', '.join(WITHDRAWAL_REASONS)}",
}
"""Columns of the enquiries file. Only ``enquiry_id``, ``enquiry_date`` and ``channel`` are required."""

ENQUIRY_REQUIRED: tuple[str, ...] = ("enquiry_id", "enquiry_date", "channel")
ENQUIRY_OPTIONAL_FACTS: tuple[str, ...] = (
    "household_type",
    "spare_bedrooms",
    "has_children_at_home",
    "fostering_interest",
)

CLEAN_ENQUIRIES: dict[str, str] = {
    **{name: text for name, text in ENQUIRY_COLUMNS.items() if name != "withdrawal_reason"},
    "withdrawal_reason": "withdrawal reason (lower case); missing unless withdrawn",
    "outcome": "'approved', 'withdrawn' or 'open' at the extract date",
    "last_stage": "the furthest stage reached (one of STAGES)",
    "source_file": "file the row was read from",
    "source_row": "1-based data row number in that file (header row excluded)",
}
"""Enquiries after validation; dates are datetime64, missing stage dates are NaT."""

SPEND_COLUMNS: dict[str, str] = {
    "channel": "channel, as in the enquiries file",
    "campaign": "campaign name, as in the enquiries file",
    "period": (
        "the period the money was spent in: a month '2023-04', a quarter '2023-Q2' or a "
        "financial year '2023-24' (April to March)"
    ),
    "spend": "money spent in the period, in pounds (GBP, no £ sign needed)",
}
"""Columns of the campaign spend file."""

CLEAN_SPEND: dict[str, str] = {
    "channel": "channel (lower case, aliases resolved)",
    "campaign": "campaign name",
    "period": "the period as given",
    "period_start": "first day of the period",
    "period_end": "last day of the period",
    "spend": "pounds spent (float)",
    "source_file": "file the row was read from",
    "source_row": "1-based data row number in that file",
}

FILES_SUMMARY_COLUMNS: tuple[str, ...] = (
    "file",
    "table",
    "rows_in",
    "rows_kept",
    "rows_rejected",
    "rows_reported",
    "rows_superseded",
)
"""As the SSDA903 reader: rows_in = rows_kept + rows_rejected; rows_reported counts rows with any
report entry (errors or warnings); rows_superseded counts kept rows replaced by the same enquiry
in a later file."""

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass
class FunnelRecords:
    """Validated funnel records.

    Attributes
    ----------
    enquiries : DataFrame
        :data:`CLEAN_ENQUIRIES` columns, one row per enquiry.
    spend : DataFrame
        :data:`CLEAN_SPEND` columns (empty when no spend file was given).
    report : DataFrame
        :data:`~sufficiency.schemas.VALIDATION_REPORT` columns, one row per problem.
    files : DataFrame
        Per-file counts (:data:`FILES_SUMMARY_COLUMNS`); rows_in = rows_kept + rows_rejected.
    extract_date : Timestamp
        The date the records describe: enquiries with no outcome are in progress up to it.
    """

    enquiries: pd.DataFrame
    spend: pd.DataFrame
    report: pd.DataFrame
    files: pd.DataFrame
    extract_date: pd.Timestamp
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when there is at least one valid enquiry."""
        return len(self.enquiries) > 0

    def summary(self) -> str:
        """A short plain-language summary (no identifiers)."""
        outcomes = self.enquiries["outcome"].value_counts()
        lines = [
            f"{len(self.enquiries):,} enquiries "
            f"({int(outcomes.get('approved', 0)):,} approved, "
            f"{int(outcomes.get('withdrawn', 0)):,} withdrawn, "
            f"{int(outcomes.get('open', 0)):,} in progress) up to {self.extract_date:%d %b %Y}",
            f"{len(self.spend):,} campaign spend rows, £{self.spend['spend'].sum():,.0f} in total",
            problem_counts(self.report),
        ]
        return "\n".join(lines + self.notes)


# --- helpers --------------------------------------------------------------------------------


def normalise_channel(series: pd.Series) -> pd.Series:
    """Lower-case channel names with common aliases resolved."""
    text = clean_text(series).str.lower().str.replace(r"\s+", " ", regex=True)
    return text.replace(_CHANNEL_ALIASES)


def _is_records_heading(names: set[str]) -> bool:
    lower = {name.lower() for name in names}
    return detect_table(sorted(lower)) is not None


def _read_table(source: Source) -> pd.DataFrame:
    """Read a CSV or XLSX file (the shared reader) as text columns with normalised names.

    Report rows naming what was skipped (rows above the headings, other sheets) are in
    ``frame.attrs['skipped']``.
    """
    frame, skipped = read_one_table(source, source.label, _is_records_heading)
    frame = frame.astype("string")
    frame.columns = [
        str(column).strip().lower().replace(" ", "_").replace("-", "_") for column in frame.columns
    ]
    frame.attrs["skipped"] = skipped
    return frame


def detect_table(columns: Sequence[str]) -> str | None:
    """Which funnel table a header row belongs to, or None."""
    names = set(columns)
    if "enquiry_date" in names or "enquiry_id" in names:
        return ENQUIRIES_TABLE
    if "spend" in names and "period" in names:
        return SPEND_TABLE
    return None


# --- enquiries ------------------------------------------------------------------------------


def validate_enquiries(
    raw: pd.DataFrame, file_name: str, *, extract_date: pd.Timestamp | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    """Validate one enquiries table read as text.

    Parameters
    ----------
    raw : DataFrame
        The table with lower-case column names (all text).
    file_name : str
        Used in the report and error messages.
    extract_date : Timestamp, optional
        Dates after it are errors. Defaults to the latest date in the table.

    Returns
    -------
    (enquiries, report, file_summary)
        Clean rows (:data:`CLEAN_ENQUIRIES` without outcome/last_stage, which
        :func:`finalise_enquiries` adds), report rows, and the per-file counts.
    """
    missing = [column for column in ENQUIRY_REQUIRED if column not in raw.columns]
    if missing:
        raise InputDataError(
            f"{file_name}: the enquiries table needs the column(s) {', '.join(missing)}. "
            f"Expected columns: {', '.join(ENQUIRY_COLUMNS)} (see docs/supply_formats.md).",
            file=file_name,
        )
    reporter = ProblemReport(file_name, ENQUIRIES_TABLE)
    n = len(raw)
    rows = np.arange(1, n + 1)
    rejected = np.zeros(n, dtype=bool)
    frame = pd.DataFrame(index=raw.index)
    for column in ENQUIRY_COLUMNS:
        frame[column] = (
            clean_text(raw[column]) if column in raw.columns else pd.Series(pd.NA, index=raw.index)
        )
    frame = frame.reset_index(drop=True)

    ids = frame["enquiry_id"].astype("string")
    no_id = ids.isna().to_numpy()
    reporter.add(
        rows[no_id],
        "enquiry_id",
        [""] * int(no_id.sum()),
        "enquiry_id_missing",
        "error",
        "Every enquiry needs an enquiry_id; fill it in (any reference unique to the enquiry).",
    )
    rejected |= no_id
    duplicated = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    reporter.add(
        rows[duplicated],
        "enquiry_id",
        ["(masked)"] * int(duplicated.sum()),
        "enquiry_id_duplicate",
        "error",
        "This enquiry_id appears on an earlier row; the later row is left out. Keep one row per "
        "enquiry, with the dates of every stage it reached.",
    )
    rejected |= duplicated

    dates: dict[str, pd.Series] = {}
    for column in (*STAGE_DATE_COLUMNS.values(), "withdrawal_date"):
        parsed, bad = parse_dates(frame[column])
        bad_mask = bad.to_numpy()
        reporter.add(
            rows[bad_mask],
            column,
            frame.loc[bad_mask, column],
            "date_unreadable",
            "error",
            f"{column} must be a date written dd/mm/yyyy or yyyy-mm-dd (or left blank).",
        )
        rejected |= bad_mask
        dates[column] = parsed
    no_date = (dates["enquiry_date"].isna() & frame["enquiry_date"].isna()).to_numpy()
    reporter.add(
        rows[no_date],
        "enquiry_date",
        [""] * int(no_date.sum()),
        "enquiry_date_missing",
        "error",
        "enquiry_date is required: the date the enquirer first contacted the service.",
    )
    rejected |= no_date

    all_dates = pd.concat(dates.values(), axis=1)
    if extract_date is None:
        latest = all_dates[~rejected].max().max()
        extract_date = (
            pd.Timestamp(latest) if pd.notna(latest) else pd.Timestamp.today().normalize()
        )
    extract_date = pd.Timestamp(extract_date)
    for column, parsed in dates.items():
        future = (parsed > extract_date).to_numpy() & ~rejected
        reporter.add(
            rows[future],
            column,
            parsed[future].dt.strftime("%d/%m/%Y"),
            "date_after_extract",
            "error",
            f"{column} is after the extract date {extract_date:%d/%m/%Y}; check the date or the "
            "extract date.",
        )
        rejected |= future

    enquiry_date = dates["enquiry_date"]
    for stage, column in STAGE_DATE_COLUMNS.items():
        if stage == "enquiry":
            continue
        early = (dates[column] < enquiry_date).to_numpy() & ~rejected
        reporter.add(
            rows[early],
            column,
            dates[column][early].dt.strftime("%d/%m/%Y"),
            "stage_before_enquiry",
            "error",
            f"{column} is before the enquiry_date; a stage cannot be reached before the enquiry.",
        )
        rejected |= early

    # A later stage implies the earlier ones were passed: fill a missing earlier date with the next
    # known one (zero days in that stage) so funnel counts stay monotone, and say so.
    stage_columns = [STAGE_DATE_COLUMNS[stage] for stage in STAGES]
    stage_matrix = pd.concat([dates[c] for c in stage_columns], axis=1).to_numpy("datetime64[ns]")
    filled = stage_matrix.copy()
    for position in range(len(stage_columns) - 2, 0, -1):
        gap = np.isnat(filled[:, position]) & ~np.isnat(filled[:, position + 1])
        filled[gap, position] = filled[gap, position + 1]
        reporter.add(
            rows[gap & ~rejected],
            stage_columns[position],
            [""] * int((gap & ~rejected).sum()),
            "stage_date_filled",
            "warning",
            f"{stage_columns[position]} is blank but a later stage was reached; the later stage's "
            "date is used (0 days in this stage). Fill in the real date if known.",
        )
    # Stages out of order (e.g. panel before application) are kept: durations are floored at 0.
    later_earlier = np.zeros(n, dtype=bool)
    running_max = filled[:, 0].copy()
    for position in range(1, len(stage_columns)):
        current = filled[:, position]
        has = ~np.isnat(current) & ~np.isnat(running_max)
        later_earlier |= has & (current < running_max)
        running_max = np.where(
            ~np.isnat(current) & (np.isnat(running_max) | (current > running_max)),
            current,
            running_max,
        )
    out_of_order = later_earlier & ~rejected
    reporter.add(
        rows[out_of_order],
        "",
        [""] * int(out_of_order.sum()),
        "stages_out_of_order",
        "warning",
        "A stage date is earlier than the date of a previous stage; the row is kept and time in "
        "stage is counted as 0 days where negative. Check the dates.",
    )

    withdrawal = dates["withdrawal_date"]
    approval = pd.Series(filled[:, -1], index=frame.index)
    both = (withdrawal.notna() & approval.notna()).to_numpy() & ~rejected
    reporter.add(
        rows[both],
        "withdrawal_date",
        withdrawal[both].dt.strftime("%d/%m/%Y"),
        "withdrawn_after_approval",
        "warning",
        "Both an approval and a withdrawal date are given; the household is counted as approved. "
        "Carers leaving after approval belong in the carer households file.",
    )
    withdrawal = withdrawal.mask(pd.Series(both, index=withdrawal.index))
    last_reached = pd.Series(
        np.where(np.isnat(running_max), np.datetime64("NaT"), running_max), index=frame.index
    ).astype("datetime64[ns]")
    before_stage = (withdrawal < last_reached).to_numpy() & ~rejected
    reporter.add(
        rows[before_stage],
        "withdrawal_date",
        withdrawal[before_stage].dt.strftime("%d/%m/%Y"),
        "withdrawal_before_stage",
        "error",
        "withdrawal_date is before the date of a stage the enquiry reached; correct either date.",
    )
    rejected |= before_stage

    reason = frame["withdrawal_reason"].str.lower()
    reason_without_date = (reason.notna() & withdrawal.isna()).to_numpy() & ~rejected & ~both
    reporter.add(
        rows[reason_without_date],
        "withdrawal_reason",
        reason[reason_without_date],
        "withdrawal_reason_without_date",
        "warning",
        "A withdrawal reason is given without a withdrawal_date; the enquiry is treated as still "
        "in progress. Add the withdrawal date.",
    )
    reason = reason.mask(withdrawal.isna())
    reason = reason.mask(withdrawal.notna() & reason.isna(), "not recorded")
    unknown_reason = (reason.notna() & ~reason.isin(WITHDRAWAL_REASONS)).to_numpy() & ~rejected
    reporter.add(
        rows[unknown_reason],
        "withdrawal_reason",
        reason[unknown_reason],
        "withdrawal_reason_unrecognised",
        "warning",
        f"Not one of the recommended reasons ({', '.join(WITHDRAWAL_REASONS)}); kept as written.",
    )

    channel = normalise_channel(frame["channel"])
    no_channel = channel.isna().to_numpy() & ~rejected
    reporter.add(
        rows[no_channel],
        "channel",
        [""] * int(no_channel.sum()),
        "channel_missing",
        "warning",
        "channel is blank; counted as 'not recorded'. Record how the enquirer heard of fostering.",
    )
    channel = channel.fillna("not recorded")
    unknown_channel = (~channel.isin((*CHANNELS, "not recorded"))).to_numpy() & ~rejected
    reporter.add(
        rows[unknown_channel],
        "channel",
        channel[unknown_channel],
        "channel_unrecognised",
        "warning",
        f"Not a standard channel ({', '.join(CHANNELS)}); kept as its own channel.",
    )

    bedrooms = pd.to_numeric(frame["spare_bedrooms"], errors="coerce")
    bad_bedrooms = (
        frame["spare_bedrooms"].notna() & (bedrooms.isna() | (bedrooms < 0) | (bedrooms % 1 != 0))
    ).fillna(False).to_numpy() & ~rejected
    reporter.add(
        rows[bad_bedrooms],
        "spare_bedrooms",
        frame.loc[bad_bedrooms, "spare_bedrooms"],
        "spare_bedrooms_invalid",
        "warning",
        "spare_bedrooms should be a whole number of 0 or more; the value is ignored.",
    )
    bedrooms = bedrooms.mask(pd.Series(bad_bedrooms, index=bedrooms.index)).astype("Float64")

    household = frame["household_type"].str.lower()
    bad_household = (household.notna() & ~household.isin(HOUSEHOLD_TYPES)).to_numpy() & ~rejected
    reporter.add(
        rows[bad_household],
        "household_type",
        household[bad_household],
        "household_type_invalid",
        "warning",
        "household_type should be 'single' or 'couple'; the value is ignored.",
    )
    household = household.mask(pd.Series(bad_household, index=household.index))

    children = (
        frame["has_children_at_home"]
        .str.lower()
        .replace({"y": "yes", "n": "no", "true": "yes", "false": "no", "1": "yes", "0": "no"})
    )
    bad_children = (children.notna() & ~children.isin(["yes", "no"])).to_numpy() & ~rejected
    reporter.add(
        rows[bad_children],
        "has_children_at_home",
        children[bad_children],
        "has_children_invalid",
        "warning",
        "has_children_at_home should be 'yes' or 'no'; the value is ignored.",
    )
    children = children.mask(pd.Series(bad_children, index=children.index))

    clean = pd.DataFrame(
        {
            "enquiry_id": ids.astype(object),
            "enquiry_date": enquiry_date,
            "channel": channel.astype(object),
            "campaign": frame["campaign"].fillna("no campaign").astype(object),
            "household_type": household.astype(object),
            "spare_bedrooms": bedrooms,
            "has_children_at_home": children.astype(object),
            "fostering_interest": frame["fostering_interest"].str.lower().astype(object),
        }
    )
    for position, column in enumerate(stage_columns):
        if position == 0:
            continue
        clean[column] = pd.Series(filled[:, position], index=clean.index).astype("datetime64[ns]")
    clean["withdrawal_date"] = withdrawal.astype("datetime64[ns]")
    clean["withdrawal_reason"] = reason.astype(object)
    clean["source_file"] = file_name
    clean["source_row"] = rows
    clean = clean[~rejected].reset_index(drop=True)
    report = reporter.frame()
    summary = file_summary(file_name, ENQUIRIES_TABLE, n, rejected, report)
    return clean, report, summary


def finalise_enquiries(enquiries: pd.DataFrame, extract_date: pd.Timestamp) -> pd.DataFrame:
    """Add ``outcome`` and ``last_stage`` and order the columns as :data:`CLEAN_ENQUIRIES`."""
    enquiries = enquiries.copy()
    approved = enquiries["approval_date"].notna()
    withdrawn = enquiries["withdrawal_date"].notna() & ~approved
    enquiries["outcome"] = np.where(approved, "approved", np.where(withdrawn, "withdrawn", "open"))
    reached = np.column_stack(
        [enquiries[STAGE_DATE_COLUMNS[stage]].notna().to_numpy() for stage in STAGES]
    )
    last_index = reached.shape[1] - 1 - np.argmax(reached[:, ::-1], axis=1)
    enquiries["last_stage"] = np.asarray(STAGES, dtype=object)[last_index]
    for column in ("outcome", "last_stage"):
        enquiries[column] = enquiries[column].astype(object)
    return enquiries[list(CLEAN_ENQUIRIES)]


# --- campaign spend -------------------------------------------------------------------------


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of a period written '2023-04', '2023-Q2' or '2023-24' (financial year)."""
    value = text.strip().upper()
    try:
        if len(value) == 7 and value[4] == "-" and value[5] == "Q" and value[6] in "1234":
            year, quarter = int(value[:4]), int(value[6])
            start = pd.Timestamp(year, 3 * quarter - 2, 1)
            return start, start + pd.offsets.QuarterEnd(0)
        if len(value) == 7 and value[4] == "-" and value[5:].isdigit():
            year, second = int(value[:4]), int(value[5:])
            if second == (year + 1) % 100:
                return pd.Timestamp(year, 4, 1), pd.Timestamp(year + 1, 3, 31)
            if 1 <= second <= 12:
                start = pd.Timestamp(year, second, 1)
                return start, start + pd.offsets.MonthEnd(0)
    except ValueError:
        return None
    return None


def validate_spend(raw: pd.DataFrame, file_name: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Validate one campaign spend table read as text (see :func:`validate_enquiries`)."""
    missing = [column for column in SPEND_COLUMNS if column not in raw.columns]
    if missing:
        raise InputDataError(
            f"{file_name}: the campaign spend table needs the column(s) {', '.join(missing)}. "
            f"Expected columns: {', '.join(SPEND_COLUMNS)} (see docs/supply_formats.md).",
            file=file_name,
        )
    reporter = ProblemReport(file_name, SPEND_TABLE)
    n = len(raw)
    rows = np.arange(1, n + 1)
    rejected = np.zeros(n, dtype=bool)
    frame = raw.reset_index(drop=True)

    channel = normalise_channel(frame["channel"])
    no_channel = channel.isna().to_numpy()
    reporter.add(
        rows[no_channel],
        "channel",
        [""] * int(no_channel.sum()),
        "channel_missing",
        "error",
        "channel is required so spend can be matched to enquiries.",
    )
    rejected |= no_channel
    campaign = clean_text(frame["campaign"]).fillna("no campaign")

    period_text = clean_text(frame["period"])
    bounds = [parse_period(str(value)) if pd.notna(value) else None for value in period_text]
    bad_period = np.array([item is None for item in bounds], dtype=bool)
    reporter.add(
        rows[bad_period],
        "period",
        period_text[bad_period].fillna(""),
        "period_unreadable",
        "error",
        "period must be a month '2023-04', a quarter '2023-Q2' or a financial year '2023-24'.",
    )
    rejected |= bad_period

    spend_text = clean_text(frame["spend"]).str.replace(r"[£,\s]", "", regex=True)
    spend = pd.to_numeric(spend_text, errors="coerce").astype("float64")
    # 'inf', 'nan' and 1e308 parse as numbers; none is an amount anyone spent.
    bad_spend = (~np.isfinite(spend) | (spend < 0) | (spend > MAX_SPEND_PER_ROW)).to_numpy()
    reporter.add(
        rows[bad_spend],
        "spend",
        frame.loc[bad_spend, "spend"].fillna(""),
        "spend_invalid",
        "error",
        f"spend must be an amount in pounds from 0 to {MAX_SPEND_PER_ROW:,.0f} a row, e.g. 1250 "
        "or 1,250.00.",
    )
    rejected |= bad_spend

    starts = [item[0] if item else pd.NaT for item in bounds]
    ends = [item[1] if item else pd.NaT for item in bounds]
    clean = pd.DataFrame(
        {
            "channel": channel.astype(object),
            "campaign": campaign.astype(object),
            "period": period_text.astype(object),
            "period_start": pd.to_datetime(pd.Series(starts)).astype("datetime64[ns]"),
            "period_end": pd.to_datetime(pd.Series(ends)).astype("datetime64[ns]"),
            "spend": spend,
            "source_file": file_name,
            "source_row": rows,
        }
    )
    clean = clean[~rejected].reset_index(drop=True)
    report = reporter.frame()
    summary = file_summary(file_name, SPEND_TABLE, n, rejected, report)
    return clean, report, summary


def empty_spend() -> pd.DataFrame:
    """A campaign spend frame with no rows."""
    return pd.DataFrame(
        {
            "channel": pd.Series(dtype=object),
            "campaign": pd.Series(dtype=object),
            "period": pd.Series(dtype=object),
            "period_start": pd.Series(dtype="datetime64[ns]"),
            "period_end": pd.Series(dtype="datetime64[ns]"),
            "spend": pd.Series(dtype="float64"),
            "source_file": pd.Series(dtype=object),
            "source_row": pd.Series(dtype="int64"),
        }
    )


# --- readers --------------------------------------------------------------------------------


def read_funnel_tables(
    tables: Sequence[tuple[str, pd.DataFrame]],
    *,
    extract_date: str | pd.Timestamp | None = None,
    skippable: Sequence[str] = (),
    skipped: Sequence[dict] = (),
) -> FunnelRecords:
    """Validate already-read tables given as (file name, text frame) pairs.

    Files named in ``skippable`` (found in a folder) are skipped with a report row when they are
    not funnel tables; any other unrecognised file raises :class:`InputDataError`. ``skipped``
    (report rows naming files, sheets or rows the reader skipped) and each frame's
    ``attrs['skipped']`` join the report.
    """
    enquiry_parts: list[tuple[str, pd.DataFrame]] = []
    spend_parts: list[tuple[str, pd.DataFrame]] = []
    skipped = [*skipped, *(row for _, frame in tables for row in frame.attrs.get("skipped", []))]
    for file_name, frame in tables:
        table = detect_table(frame.columns)
        if table == ENQUIRIES_TABLE:
            enquiry_parts.append((file_name, frame))
        elif table == SPEND_TABLE:
            spend_parts.append((file_name, frame))
        elif file_name in skippable:
            skipped.append(
                file_issue(
                    file_name,
                    "",
                    "not_a_funnel_table",
                    "warning",
                    "Not an enquiries file (enquiry_id, enquiry_date, channel) or a campaign "
                    "spend file (channel, campaign, period, spend), so it was skipped. Nothing to "
                    "do unless it holds enquiries or spend; then check its column headings.",
                )
            )
        else:
            raise InputDataError(
                f"{file_name}: not recognised as an enquiries file (needs enquiry_id, "
                "enquiry_date, channel) or a campaign spend file (needs channel, campaign, period, "
                f"spend). Its columns are: {', '.join(map(str, frame.columns[:12]))}.",
                file=file_name,
            )
    if not enquiry_parts:
        raise InputDataError(
            "No enquiries file was given. Provide a CSV with one row per enquiry "
            "(see docs/supply_formats.md and examples/supply/enquiries.csv)."
        )
    wanted = pd.Timestamp(extract_date) if extract_date is not None else None
    if wanted is None:
        # One extract date for all files: the latest date in any of them.
        latest = []
        for _, frame in enquiry_parts:
            for column in (*STAGE_DATE_COLUMNS.values(), "withdrawal_date"):
                if column in frame.columns:
                    latest.append(parse_dates(frame[column])[0].max())
        known = [value for value in latest if pd.notna(value)]
        wanted = max(known) if known else pd.Timestamp.today().normalize()
    reports, summaries, cleaned = [], [], []
    for file_name, frame in enquiry_parts:
        clean, report, summary = validate_enquiries(frame, file_name, extract_date=wanted)
        cleaned.append(clean)
        reports.append(report)
        summaries.append(summary)
    enquiries = pd.concat(cleaned, ignore_index=True)
    notes: list[str] = []
    if len(enquiry_parts) > 1:
        # The same enquiry in several extracts: keep the latest file's row (files in given order).
        before = len(enquiries)
        superseded = enquiries["enquiry_id"].duplicated(keep="last")
        replaced = enquiries.loc[superseded, "source_file"].value_counts()
        for summary in summaries:
            summary["rows_superseded"] = int(replaced.get(summary["file"], 0))
        enquiries = enquiries[~superseded].reset_index(drop=True)
        if before > len(enquiries):
            notes.append(
                f"{before - len(enquiries):,} enquiries appeared in more than one file; "
                "the row from the last file was used."
            )
    spend_frames = []
    for file_name, frame in spend_parts:
        clean, report, summary = validate_spend(frame, file_name)
        spend_frames.append(clean)
        reports.append(report)
        summaries.append(summary)
    spend = pd.concat(spend_frames, ignore_index=True) if spend_frames else empty_spend()
    if skipped:
        reports.append(issues_frame(skipped))
    non_empty = [report for report in reports if len(report)]
    report = pd.concat(non_empty, ignore_index=True) if non_empty else empty_report()
    return FunnelRecords(
        enquiries=finalise_enquiries(enquiries, wanted),
        spend=spend,
        report=report,
        files=pd.DataFrame(summaries, columns=list(FILES_SUMMARY_COLUMNS)),
        extract_date=wanted,
        notes=notes,
    )


def read_funnel_records(
    paths: str | Path | Sequence[str | Path], *, extract_date: str | pd.Timestamp | None = None
) -> FunnelRecords:
    """Read and validate enquiries and (optionally) campaign spend files.

    Parameters
    ----------
    paths : path or list of paths
        Files (CSV or XLSX) or folders holding them. The table is recognised from the header;
        other tables found in a folder are skipped with a note.
    extract_date : date, optional
        The date the records describe; defaults to the latest date found in the enquiries.

    Returns
    -------
    FunnelRecords

    Raises
    ------
    InputDataError
        When a file cannot be read, a required column is missing or no enquiries file is given.
    """
    sources, ignored = sources_from_paths(paths, what="enquiries or campaign spend")
    tables = [(source.label, _read_table(source)) for source in sources]
    found_in_folder = [source.label for source in sources if source.in_folder]
    return read_funnel_tables(
        tables, extract_date=extract_date, skippable=found_in_folder, skipped=ignored
    )


def read_funnel_uploads(
    files: Sequence[tuple[str, bytes]],
    *,
    extract_date: str | pd.Timestamp | None = None,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> FunnelRecords:
    """Read browser uploads given as (file name, bytes) pairs; see :func:`read_funnel_records`.

    A file over ``max_bytes`` raises :class:`~sufficiency.errors.InputDataError` before anything
    is parsed.
    """
    sources = sources_from_uploads(files, max_bytes=max_bytes, what="enquiries or campaign spend")
    tables = [(source.label, _read_table(source)) for source in sources]
    return read_funnel_tables(tables, extract_date=extract_date)
