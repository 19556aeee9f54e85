"""Row checks and the merge of yearly extracts for :mod:`sufficiency.data.ssda903`.

Works on the concatenated raw tables, whose internal columns are: the 903 columns (text), the
parsed dates (``DECOM_DATE``, ``DEC_DATE``, ``DOB_DATE``, ``DUC_DATE``), ``_key`` (the child key:
CHILD, or LA and CHILD when a file holds several authorities), ``_la``, ``_file``, ``_row``,
``_order`` (file order), ``_extract`` (the extract's label), ``_cov_start`` and ``_cov_end`` (its
collection start and coverage end) and ``_cov_origin`` (where the coverage end came from, in words).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sufficiency import codes
from sufficiency.data.readers import INFO
from sufficiency.demand.feasibility import SUPPORTED_MIN_AGE, SUPPORTED_RULE_START
from sufficiency.schemas import CLEAN_EPISODES, VALIDATION_REPORT

HEADER = "header"
EPISODES = "episodes"
UASC = "uasc"
FATAL = "fatal"
ERROR = "error"
WARNING = "warning"
MASK = "***"
NOT_SHOWN = "(not shown)"

ISSUE_COLUMNS = list(VALIDATION_REPORT)
EPISODE_CONTENT = (
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
)
# DUC (date UASC status ceased) is usually the 18th birthday, so it reveals the date of birth.
PERSONAL_COLUMNS = frozenset(
    {"CHILD", "HOME_POST", "PL_POST", "UPN", "MOTHER", "URN", "DOB", "MC_DOB", "DUC"}
)
DATE_COLUMNS = frozenset({"DECOM", "DEC", "DOB", "DUC", "MC_DOB"})
_SAFE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '&\-]{0,39}$")

_CODE_LISTS: dict[str, frozenset[str]] = {
    "RNE": frozenset(codes.RNE_CODES),
    "LS": frozenset(codes.LS_CODES),
    "CIN": frozenset(codes.CIN_CODES),
    "PLACE": frozenset(codes.PLACE_CODES) | frozenset(codes.LEGACY_PLACE_CODES),
    "PLACE_PROVIDER": frozenset(codes.PLACE_PROVIDER_CODES),
    "REC": frozenset(codes.REC_CODES) | frozenset(codes.LEGACY_REC_CODES),
    "REASON_PLACE_CHANGE": frozenset(codes.REASON_PLACE_CHANGE_CODES),
}
CODE_COLUMNS = tuple(_CODE_LISTS)
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
_BAD_DATE = (
    "{column} is not a date in this file's date order (see the file's 'date_order' row): either "
    "the day does not exist in that month (such as 31/02, or 29/02 outside a leap year) or it is "
    "not written as {example} or yyyy-mm-dd. Correct the {what}."
)


def shown_values(column: str, values: pd.Series) -> pd.Series | str:
    """What the report may show of a value: never identifiers, dates of birth or postcodes.

    Identifiers, postcodes and dates of birth are masked; other dates are shown by their shape
    only (``99/99/9999``), so a typing error can be found without quoting the date; codes are
    shown when they look like codes, else ``(not shown)``.
    """
    if column in PERSONAL_COLUMNS:
        return MASK
    text = values.astype("object").where(values.notna(), "").astype(str)
    if column in DATE_COLUMNS:
        shape = text.str.replace(r"\d", "9", regex=True).str.replace(r"[^\W\d_]", "A", regex=True)
        return shape.str.slice(0, 20).where(~text.isin(["", "(blank)"]), text)
    safe = text.str.fullmatch(_SAFE_CODE).fillna(False).astype(bool)
    return text.where(safe | (text == ""), NOT_SHOWN)


def issues(
    rows: pd.DataFrame,
    table: str,
    column: str,
    rule: str,
    severity: str,
    message: str,
    values: pd.Series | None = None,
) -> pd.DataFrame:
    """Report rows (a frame holding '_file' and '_row') for one rule; values made safe."""
    if column in PERSONAL_COLUMNS:
        value: pd.Series | str = MASK
    else:
        value = "" if values is None else shown_values(column, values)
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
        columns=ISSUE_COLUMNS,
    )


class Checker:
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
            issues(
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

    def flag_after_coverage(
        self, dates: pd.Series, column: str, severity: str, effect: str, values: pd.Series
    ) -> np.ndarray:
        """Flag dates after their own extract's coverage end; the message names that end."""
        after = (dates > self.frame["_cov_end"]).fillna(False).to_numpy(dtype=bool)
        if not after.any():
            return after
        groups = self.frame.loc[after].groupby(["_cov_end", "_cov_origin"], sort=True).groups
        for (end, origin), index in groups.items():
            mask = self.frame.index.isin(index)
            self.flag(
                mask,
                column,
                "date_after_extract",
                severity,
                f"{column} is after the extract date used for this file, {end:%d/%m/%Y} "
                f"({origin}); {effect}",
                values=values,
            )
        return after


def check_header(header: pd.DataFrame, today: pd.Timestamp, example: str) -> Checker:
    check = Checker(header, HEADER)
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
        _BAD_DATE.format(column="DOB", example=example, what="date of birth"),
    )
    check.flag(
        header["DOB_DATE"] > today,
        "DOB",
        "future_date",
        ERROR,
        f"DOB is after today ({today:%d/%m/%Y}); check for a typing error in the year.",
    )
    check.flag_after_coverage(
        header["DOB_DATE"].where(header["DOB_DATE"] <= today),
        "DOB",
        ERROR,
        "the child cannot be in this extract. Check the year, or give the right extract date.",
        header["DOB"],
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
    kept = ~check.rejected
    dup_child = np.zeros(len(header), dtype=bool)
    content = ["_key", "SEX", "DOB_DATE", "ETHNIC", "UASC"]
    extract_key = ["_file", "_extract"]
    distinct = header.loc[kept].drop_duplicates(subset=[*extract_key, *content])
    repeated = distinct.duplicated(subset=[*extract_key, "_key"], keep="first")
    dup_child[distinct.index[repeated.to_numpy()]] = True
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


def merge_header(header: pd.DataFrame, check: Checker) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per child: the latest extract's row; repeats are merged (superseded), not errors."""
    kept = header.loc[~check.rejected].sort_values(["_key", "_cov_end", "_order", "_row"])
    latest = ~kept.duplicated(subset=["_key"], keep="last")
    dob_differs = kept.groupby("_key")["DOB_DATE"].transform("nunique") > 1
    conflicting = latest & dob_differs
    if conflicting.any():
        check.found.append(
            issues(
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
    return kept.loc[latest].set_index("_key", drop=False), superseded


def check_uasc(uasc: pd.DataFrame, example: str) -> Checker:
    check = Checker(uasc, UASC)
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
        f"DUC (date UASC status ceased) is not a date in this file's order (expected {example}); "
        "the child is still marked as UASC.",
        values=uasc["DUC"],
    )
    return check


def check_episodes(episodes: pd.DataFrame, today: pd.Timestamp, example: str) -> Checker:
    check = Checker(episodes, EPISODES)
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
        _BAD_DATE.format(column="DECOM", example=example, what="episode start date"),
        values=episodes["DECOM"],
    )
    check.flag(
        episodes["DEC"].notna() & episodes["DEC_DATE"].isna(),
        "DEC",
        "bad_date",
        ERROR,
        _BAD_DATE.format(column="DEC", example=example, what="episode end date (blank if open)"),
        values=episodes["DEC"],
    )
    check.flag(
        episodes["DECOM_DATE"] > today,
        "DECOM",
        "future_date",
        ERROR,
        f"DECOM is after today ({today:%d/%m/%Y}). A 903 extract cannot hold dates after it was "
        "taken: check for a typing error in the year.",
        values=episodes["DECOM"],
    )
    check.flag_after_coverage(
        episodes["DECOM_DATE"].where(episodes["DECOM_DATE"] <= today),
        "DECOM",
        ERROR,
        "the episode starts outside the data. Check the year, or give the right extract date.",
        episodes["DECOM"],
    )
    check.flag(
        episodes["DEC_DATE"] < episodes["DECOM_DATE"],
        "DEC",
        "dec_before_decom",
        ERROR,
        "DEC (episode end) is before DECOM (episode start). Correct one of the two dates.",
        values=episodes["DEC"],
    )
    late_end = check.flag_after_coverage(
        episodes["DEC_DATE"].where(~check.rejected),
        "DEC",
        WARNING,
        "the episode is treated as still open at that date. Check the year.",
        episodes["DEC"],
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

    content = [c for c in EPISODE_CONTENT if c != "CHILD"] + ["_key"]
    extract_key = ["_file", "_extract"]
    check.flag(
        episodes.duplicated(subset=[*extract_key, *content], keep="first").to_numpy(),
        "",
        "duplicate_row",
        ERROR,
        "Exact copy of an earlier row in the same extract; this copy was left out. Nothing to do "
        "unless the row should differ.",
        only_kept=True,
    )
    kept = ~check.rejected
    completeness = episodes[list(EPISODE_CONTENT)].notna().sum(axis=1)
    order = (
        episodes.loc[kept]
        .assign(_complete=completeness[kept])
        .sort_values(
            [*extract_key, "_key", "DECOM_DATE", "_complete", "_row"],
            ascending=[True, True, True, True, False, True],
        )
    )
    dup = order.duplicated(subset=[*extract_key, "_key", "DECOM_DATE"], keep="first")
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


def _lookup(
    keys: pd.Series, table: pd.DataFrame, column: str, positions: np.ndarray | None = None
) -> pd.Series:
    """``table[column]`` for each key (``table`` indexed by ``_key``), missing where absent.

    ``positions`` (from ``table.index.get_indexer(keys)``) saves looking the keys up again.
    """
    if positions is None:
        positions = table.index.get_indexer(keys)
    found = positions >= 0
    values = table[column]
    if len(values):
        taken = values.iloc[np.where(found, positions, 0)].reset_index(drop=True)
    else:
        taken = pd.Series(np.nan, index=range(len(positions)), dtype=values.dtype)
    taken = taken.where(pd.Series(found))
    taken.index = keys.index
    return taken


def finish_episodes(
    episodes: pd.DataFrame,
    check: Checker,
    header: pd.DataFrame,
    uasc_children: set[str],
    extracts: pd.DataFrame,
    multi_la: bool,
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Join the header, merge extracts, close stale episodes, resolve overlaps.

    Returns clean episodes, the superseded-row mask and the number of stale episodes closed.
    """
    header_position = header.index.get_indexer(episodes["_key"])
    dob = _lookup(episodes["_key"], header, "DOB_DATE", header_position)
    check.flag(
        dob.isna() & episodes["CHILD"].notna(),
        "CHILD",
        "child_not_in_header",
        ERROR,
        "The child is not in the Header table (or their Header row was rejected), so there is no "
        "date of birth and the episode cannot be age-banded. Add the child to the Header table"
        + (" (with the same LA)." if multi_la else "."),
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

    check.flag(
        (
            episodes["PLACE"].isin(codes.SUPPORTED_PLACE_CODES)
            & (age_at_start < SUPPORTED_MIN_AGE)
            & (episodes["DECOM_DATE"] >= SUPPORTED_RULE_START)
        ).to_numpy(),
        "PLACE",
        "supported_under_16",
        WARNING,
        f"The child was under {SUPPORTED_MIN_AGE} when this placement in supported or "
        "semi-independent accommodation (PLACE H5, K3 or P2) started, which has been unlawful "
        f"since {SUPPORTED_RULE_START:%d %B %Y} (SI 2021/161). The episode is kept and counted as "
        "it is; check PLACE and the date of birth. Forecasts never place under-16s there.",
        values=episodes["PLACE"],
    )

    # Merge yearly extracts: one copy per (child, DECOM); a closed copy beats an open one, then
    # the later extract, then the more complete row.
    kept_index = np.flatnonzero(~check.rejected)
    key_rank = pd.factorize(episodes["_key"], sort=True)[0]
    complete = episodes[list(EPISODE_CONTENT)].notna().sum(axis=1).to_numpy()
    # One sort of numbers (faster than sorting by the text key): child, DECOM, closed last,
    # then the later extract, the later file, the more complete row, the later row.
    order = np.lexsort(
        (
            episodes["_row"].to_numpy()[kept_index],
            complete[kept_index],
            episodes["_order"].to_numpy()[kept_index],
            episodes["_cov_end"].to_numpy(dtype="datetime64[ns]")[kept_index],
            episodes["DEC_DATE"].notna().to_numpy()[kept_index],
            episodes["DECOM_DATE"].to_numpy(dtype="datetime64[ns]")[kept_index],
            key_rank[kept_index],
        )
    )
    candidates = episodes.iloc[kept_index[order]].assign(_hpos=header_position[kept_index[order]])
    latest = ~candidates.duplicated(subset=["_key", "DECOM_DATE"], keep="last")
    superseded = np.zeros(len(episodes), dtype=bool)
    superseded[candidates.index[~latest].to_numpy()] = True
    merged = candidates.loc[latest].copy()
    stale = close_stale_episodes(merged, candidates, extracts, check)
    resolve_overlaps(merged, check)

    where = merged["_hpos"].to_numpy()
    dob_merged = _lookup(merged["_key"], header, "DOB_DATE", where)
    clean = pd.DataFrame(
        {
            "child": merged["CHILD"].astype("str"),
            "sex": _lookup(merged["_key"], header, "SEX", where).astype("str"),
            "dob": dob_merged.astype("datetime64[ns]"),
            "uasc": (
                merged["_key"].isin(uasc_children)
                | _lookup(merged["_key"], header, "_uasc_flag", where)
                .astype(object)
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
    )
    if multi_la:
        clean.insert(0, "la", merged["_la"].astype("str"))
    return clean.reset_index(drop=True), superseded, stale


def close_stale_episodes(
    merged: pd.DataFrame, candidates: pd.DataFrame, extracts: pd.DataFrame, check: Checker
) -> int:
    """Close episodes open at the end of one extract that a later extract no longer shows.

    An episode whose latest copy is open in extract E is stale when the next extract F of the
    same authority (coverage ending later, with a known collection start) shows no episode of
    that child in care on the day after E's coverage ends (or on F's first day, if later). It is
    closed at the end of E's coverage (DEC = the next day, REC :data:`codes.REC_CLOSED_MISSING`:
    an exit with no recorded reason, :data:`codes.EXIT_NOT_RECORDED`), so a child who comes back
    later starts a new period of care. Returns the number closed.
    """
    open_rows = merged["DEC_DATE"].isna()
    if not open_rows.any() or len(extracts) < 2:
        return 0
    ordered = extracts.dropna(subset=["collection_start"]).sort_values(["la", "coverage_end"])
    closed = 0
    next_for: dict[tuple[str, pd.Timestamp], pd.Series] = {}
    for la, group in ordered.groupby("la", sort=False):
        rows = list(group.itertuples(index=False))
        for earlier in rows:
            later = [r for r in rows if r.coverage_end > earlier.coverage_end]
            if later:
                next_for[(la, earlier.coverage_end)] = later[0]
    if not next_for:
        return 0
    for (la, end), following in next_for.items():
        in_e = open_rows & (merged["_la"] == la) & (merged["_cov_end"] == end)
        if not in_e.any():
            continue
        day = max(end + pd.Timedelta(days=1), following.collection_start)
        in_f = candidates[(candidates["_la"] == la) & (candidates["_extract"] == following.extract)]
        present = (in_f["DECOM_DATE"] <= day) & (in_f["DEC_DATE"].isna() | (in_f["DEC_DATE"] > day))
        still_in_care = set(in_f.loc[present, "_key"])
        # A copy of the same episode in F (open or closed) would have been the one kept, so
        # every open episode from E here is missing from F.
        stale = in_e & ~merged["_key"].isin(still_in_care)
        if not stale.any():
            continue
        merged.loc[stale, "DEC_DATE"] = end + pd.Timedelta(days=1)
        merged.loc[stale, "REC"] = codes.REC_CLOSED_MISSING
        closed += int(stale.sum())
        check.found.append(
            issues(
                merged.loc[stale],
                EPISODES,
                "DEC",
                "stale_open_episode",
                WARNING,
                f"The episode is open at the end of the {_extract_name(merged.loc[stale])} "
                f"extract (which sees up to {end:%d/%m/%Y}) but the later {following.extract} "
                f"extract, which covers {day:%d/%m/%Y}, does not show the child in care then. It "
                f"was closed at the end of {end:%d/%m/%Y}: an exit whose reason was not recorded "
                f"(REC {codes.REC_CLOSED_MISSING}; flows list it apart from the exit reasons, not as "
                "'other'). If the child comes back later, that starts a new period of care. Check "
                "the later extract.",
            )
        )
    return closed


def _extract_name(rows: pd.DataFrame) -> str:
    return str(rows["_extract"].iloc[0])


def resolve_overlaps(merged: pd.DataFrame, check: Checker) -> None:
    """Cut an episode that is open, or ends after the child's next episode starts, at that start.

    The child stayed looked after, so REC becomes X1 unless the next episode starts a new period
    of care (RNE 'S'), when the original REC (or E8 if open) is kept.
    """
    next_decom = merged.groupby("_key")["DECOM_DATE"].shift(-1)
    next_rne = merged.groupby("_key")["RNE"].shift(-1)
    overlaps = next_decom.notna() & (merged["DEC_DATE"].isna() | (merged["DEC_DATE"] > next_decom))
    if overlaps.any():
        was_open = merged["DEC_DATE"].isna()
        check.found.append(
            issues(
                merged.loc[overlaps],
                EPISODES,
                "DEC",
                "overlapping_episodes",
                WARNING,
                "The episode overlaps the child's next episode (it is open, or ends after the next "
                "one starts); its end was set to the next episode's DECOM. Correct DEC.",
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
            issues(
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


def count_rows(
    raws: list,
    per_table: dict[str, tuple[pd.DataFrame, Checker, np.ndarray]],
    report_frame: pd.DataFrame,
) -> pd.DataFrame:
    """Rows in / kept / rejected / reported / superseded per file and table."""
    records = []
    problems = report_frame[report_frame["severity"] != INFO]
    reported = problems.dropna(subset=["row"]).groupby(["file", "table"])["row"].nunique()
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
    return pd.DataFrame(
        records,
        columns=[
            "file",
            "table",
            "rows_in",
            "rows_kept",
            "rows_rejected",
            "rows_reported",
            "rows_superseded",
        ],
    )
