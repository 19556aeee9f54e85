"""Month-end care histories: where each child in care at a month end is one month later.

The duration-aware stock-flow model works in whole months on month-end snapshots, the same
convention as :func:`sufficiency.stocks.monthly_stock` (a child is counted at the end of day
``T`` when ``DECOM <= T < DEC``; short-break-only legal statuses V3/V4 are left out; care ends
at the 18th birthday). For every child in care at a month end ``T`` the table records the
child's completed months of age and of time in care, the placement category, and what had
happened by the next month end: still in the same placement category (``stay``), in another
(``move``), or out of care (``exit``, with the exit reason group; leaving at 18 is
``18+ / independence``). Children in care at the last month end are ``censored``: their next
month is not known yet. A child's first month end in a period of care is also an ``entry`` row.

Discrete monthly outcomes on month-end snapshots handle censoring and late entry into the
observation window exactly: a child contributes exposure only for the months seen, and a
transition only when its outcome was seen. Children who come into care and leave within one
month never appear at a month end, so they are neither entries nor exits here (they do not
change month-end counts either).

Only aggregate rows leave this module: counts of children by month end, age in months, months in
care, placement and outcome. No child identifier or date of birth is kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BAND_LOWER_YEARS,
    AGE_BANDS,
    EXIT_INDEPENDENCE,
    EXIT_OTHER,
    SHORT_BREAK_LEGAL_STATUSES,
    exit_reason_group,
)
from sufficiency.errors import SufficiencyError
from sufficiency.schemas import CLEAN_EPISODES, check_columns

ADULT_MONTHS = 216
"""Care ends at the 18th birthday: 18 x 12 completed months."""

TRUNCATED_EXTRA_MONTHS = 24
"""Months added to the visible time in care of children whose period of care began before the
first collection year with an episode the files do not hold (their first visible episode is not
a start, RNE 'S'): they had been in care for longer than the files show. Two years puts them with
the long-stayers, which is where such children mostly are."""

CARE_MONTHS: dict[str, str] = {
    "date": "month end T (end of day)",
    "kind": "'in care' (in care at T, outcome by the next month end) or 'entry' (first month "
    "end of a period of care)",
    "age_months": "completed months of age at T (0-215)",
    "care_months": "completed months since the period of care began, at T",
    "placement_category": "placement category at T",
    "outcome": "'stay', 'move', 'exit' or 'censored' (no later month end in the data); "
    "'entry' rows carry 'entry'",
    "to_category": "placement category at the next month end (stay and move rows)",
    "exit_reason_group": "exit reason group (exit rows; 'not recorded (missing from a later "
    "extract)' where the reader closed an episode a later extract no longer shows)",
    "children": "number of children (count)",
}
"""Columns of :func:`care_months` (aggregate: no child-level fields)."""

_KEYS = [
    "date",
    "kind",
    "age_months",
    "care_months",
    "placement_category",
    "outcome",
    "to_category",
    "exit_reason_group",
]


def _month_index(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of datetime64[D] values."""
    return days.astype("datetime64[M]").astype(np.int64)


def _completed_months(start: np.ndarray, on: np.ndarray, *, month_end_counts: bool = False):
    """Completed months between datetime64[D] dates (a month counts on its day, as birthdays).

    With ``month_end_counts`` a start on the 29th-31st completes its month on the last day of a
    shorter month (31 October to 30 November is a month in care).
    """
    months = _month_index(on) - _month_index(start)
    day_on = (on - on.astype("datetime64[M]")).astype(np.int64)
    day_start = (start - start.astype("datetime64[M]")).astype(np.int64)
    if month_end_counts:
        month = on.astype("datetime64[M]")
        last_day = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(
            np.int64
        ) - 1
        day_start = np.minimum(day_start, last_day)
    return months - (day_on < day_start)


def _month_end(index: np.ndarray) -> np.ndarray:
    """Month-end datetime64[D] of month indices (months since January 1970)."""
    return ((index + 1).astype("datetime64[M]").astype("datetime64[D]")) - np.timedelta64(1, "D")


def _eighteenth_birthdays(dob: pd.Series) -> pd.Series:
    parts = pd.DataFrame({"year": dob.dt.year + 18, "month": dob.dt.month, "day": dob.dt.day})
    leap_day = (parts["month"] == 2) & (parts["day"] == 29)
    parts.loc[leap_day, ["month", "day"]] = [3, 1]
    return pd.to_datetime(parts, errors="coerce")


def _periods(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> pd.DataFrame:
    """Counted episodes (cut at the extract, the next episode and the 18th birthday) with the
    period of care each belongs to."""
    check_columns(episodes, CLEAN_EPISODES, "clean episodes")
    extract_date = pd.Timestamp(extract_date).normalize()
    counted = episodes.loc[
        ~episodes["ls"].isin(SHORT_BREAK_LEGAL_STATUSES)
        & (episodes["decom"] <= extract_date)
        & episodes["dob"].notna(),
        ["child", "dob", "decom", "dec", "rne", "placement_category", "rec"],
    ].copy()
    open_at_extract = counted["dec"].isna() | (counted["dec"] > extract_date)
    counted["end"] = counted["dec"].where(~open_at_extract, extract_date + pd.Timedelta(days=1))
    counted = counted.sort_values(["child", "decom", "end"], kind="mergesort")
    next_start = counted.groupby("child", sort=False)["decom"].shift(-1)
    counted["end"] = counted["end"].where(
        next_start.isna() | (next_start >= counted["end"]), next_start
    )
    adult = _eighteenth_birthdays(counted["dob"])
    counted["reaches_18"] = counted["end"] > adult
    counted["end"] = counted["end"].where(~counted["reaches_18"], adult)
    counted = counted.loc[counted["decom"] < counted["end"]].reset_index(drop=True)
    same_child = counted["child"].eq(counted["child"].shift())
    continues = same_child & counted["decom"].eq(counted["end"].shift())
    counted["period"] = np.cumsum(~continues.to_numpy())
    return counted


def care_months(
    episodes: pd.DataFrame,
    extract_date: pd.Timestamp,
    start: pd.Timestamp | None = None,
    *,
    placement_months: bool = False,
) -> pd.DataFrame:
    """Month-end care histories from clean episodes (see the module docstring).

    Parameters
    ----------
    episodes : pandas.DataFrame
        Clean episodes (:data:`sufficiency.schemas.CLEAN_EPISODES`).
    extract_date : Timestamp
        The last day the data describes; the last month end on or before it is the last ``T``.
    placement_months : bool, default False
        Add a ``placement_months`` column: completed months since the child's current placement
        category began (consecutive episodes in the same category are one spell; a change of
        category starts a new one), for models whose rates depend on time in the current
        placement (``StockFlowModel(duration_clock="placement")``). More rows, so off by default.
    start : Timestamp, optional
        First day of complete history (default :func:`sufficiency.stocks.complete_history_start`);
        month ends before it are left out. Children in care at the first month end kept are the
        starting stock, not entries.

    Returns
    -------
    pandas.DataFrame
        :data:`CARE_MONTHS` columns, aggregated (one row per distinct combination).

    Raises
    ------
    SufficiencyError
        When no child is in care at any month end.
    """
    from sufficiency.stocks import complete_history_start

    counted = _periods(episodes, extract_date)
    if start is None:
        start = complete_history_start(episodes)
    extract_date = pd.Timestamp(extract_date).normalize()
    first_day = pd.Timestamp(start).normalize() if start is not None else counted["decom"].min()
    # the first month end on or after the first day of complete history
    first_t = _month_index(np.array([np.datetime64(first_day.date(), "D")]))[0]
    # the last month end on or before the extract date
    ext = np.datetime64(extract_date.date(), "D")
    last_t = _month_index(np.array([ext]))[0]
    if _month_end(np.array([last_t]))[0] > ext:
        last_t -= 1

    decom = counted["decom"].to_numpy("datetime64[D]")
    end = counted["end"].to_numpy("datetime64[D]")
    first_me = _month_index(decom)  # month end of DECOM's month is on or after DECOM
    last_day = end - np.timedelta64(1, "D")
    last_me = _month_index(last_day) - (_month_end(_month_index(last_day)) > last_day)
    first_me = np.maximum(first_me, first_t)
    last_me = np.minimum(last_me, last_t)
    n = np.clip(last_me - first_me + 1, 0, None)
    if n.sum() == 0:
        raise SufficiencyError(
            "No child is looked after at any month end in the data, so there is nothing to "
            "forecast from. Check the episodes and the extract date."
        )

    # period-level facts: start, how it ended
    period = counted["period"].to_numpy()
    grouped = counted.groupby("period", sort=False)
    period_start = grouped["decom"].transform("min").to_numpy("datetime64[D]")
    first_rne = grouped["rne"].transform("first").astype(object).to_numpy()
    history_day = np.datetime64(pd.Timestamp(first_day).date(), "D")
    truncated = (first_rne != "S") & (period_start < history_day)
    # how each period ended: its last episode's end and reason (an episode with no month end
    # of its own can close a period whose earlier episode holds the last month end)
    # exits the reader made (an episode a later extract no longer shows) keep their own label:
    # the hazards share them among the recorded reasons rather than count them as 'other'
    reason = exit_reason_group(counted["rec"], keep_unrecorded=True).fillna(EXIT_OTHER)
    reason = reason.where(~counted["reaches_18"], EXIT_INDEPENDENCE)
    period_end = grouped["end"].transform("last").to_numpy("datetime64[D]")
    ended = period_end <= ext
    reason = reason.groupby(counted["period"]).transform("last").to_numpy(dtype=object)

    rows = np.repeat(np.arange(len(counted)), n)
    offset = np.arange(rows.size) - np.repeat(np.cumsum(n) - n, n)
    t_index = first_me[rows] + offset
    t_day = _month_end(t_index)
    dob = counted["dob"].to_numpy("datetime64[D]")[rows]
    age = _completed_months(dob, t_day)
    in_care = _completed_months(period_start[rows], t_day, month_end_counts=True)
    in_care = in_care + np.where(truncated[rows], TRUNCATED_EXTRA_MONTHS, 0)
    category = counted["placement_category"].to_numpy(dtype=object)[rows]
    row_period = period[rows]
    if placement_months:
        # a placement spell: consecutive episodes of a period in the same category
        cats = counted["placement_category"].astype(object)
        new_spell = ~(counted["period"].eq(counted["period"].shift()) & cats.eq(cats.shift()))
        spell = np.cumsum(new_spell.to_numpy())
        spell_start = counted.groupby(spell)["decom"].transform("min").to_numpy("datetime64[D]")
        in_placement = _completed_months(spell_start[rows], t_day, month_end_counts=True)

    # what happened by the next month end: the next row of the same period, if any
    same_next = np.zeros(rows.size, dtype=bool)
    same_next[:-1] = (row_period[1:] == row_period[:-1]) & (t_index[1:] == t_index[:-1] + 1)
    next_category = np.empty(rows.size, dtype=object)
    next_category[:-1] = category[1:]
    next_category[~same_next] = None
    is_last_t = t_index == last_t
    # a period whose final month end is T has ended (exit) unless T is the last month end
    exit_now = ~same_next & ~is_last_t & ended[rows]
    outcome = np.where(
        same_next, np.where(next_category == category, "stay", "move"), "censored"
    ).astype(object)
    outcome[exit_now] = "exit"
    reason_row = np.where(exit_now, reason[rows], None)

    first_month_of_period = t_index == _month_index(period_start[rows])
    # an entry: the first month end of a period that began within the history
    entry = first_month_of_period & (period_start[rows] >= history_day) & ~truncated[rows]
    frame = pd.DataFrame(
        {
            "date": t_day.astype("datetime64[ns]"),
            "kind": "in care",
            "age_months": age.astype(np.int64),
            "care_months": in_care.astype(np.int64),
            "placement_category": category,
            "outcome": outcome,
            "to_category": next_category,
            "exit_reason_group": reason_row,
        }
    )
    keys = list(_KEYS)
    if placement_months:
        frame["placement_months"] = in_placement.astype(np.int64)
        keys.insert(keys.index("care_months") + 1, "placement_months")
    entries = frame.loc[entry].assign(
        kind="entry", outcome="entry", to_category=None, exit_reason_group=None
    )
    both = pd.concat([frame, entries], ignore_index=True)
    out = (
        both.groupby(keys, dropna=False, sort=True)
        .size()
        .rename("children")
        .reset_index()
        .astype({"children": "int64"})
    )
    for column in ("to_category", "exit_reason_group"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    columns = list(CARE_MONTHS)
    if placement_months:
        columns.insert(columns.index("care_months") + 1, "placement_months")
    return out[columns]


def age_band_of_months(age_months: np.ndarray) -> np.ndarray:
    """Index into :data:`sufficiency.codes.AGE_BANDS` of ages in completed months."""
    lower = np.array(AGE_BAND_LOWER_YEARS) * 12
    return np.searchsorted(lower, np.asarray(age_months), side="right") - 1


def month_end_stock(panel: pd.DataFrame) -> pd.DataFrame:
    """Children in care at each month end by age band and placement category (STOCK schema).

    The same counts as :func:`sufficiency.stocks.monthly_stock` over the panel's months, with a
    row (zero included) for every month end, age band and placement category.
    """
    from sufficiency.codes import PLACEMENT_CATEGORIES

    rows = panel.loc[panel["kind"] == "in care"]
    band = np.array(AGE_BANDS, dtype=object)[age_band_of_months(rows["age_months"].to_numpy())]
    counts = (
        rows.assign(age_band=band)
        .groupby(["date", "age_band", "placement_category"])["children"]
        .sum()
    )
    dates = pd.DatetimeIndex(sorted(pd.to_datetime(panel["date"]).unique()))
    full = pd.MultiIndex.from_product(
        [dates, list(AGE_BANDS), list(PLACEMENT_CATEGORIES)],
        names=["date", "age_band", "placement_category"],
    )
    return counts.reindex(full, fill_value=0).astype("int64").reset_index()
