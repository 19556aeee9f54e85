"""Stocks and flows of children looked after, by age band x placement category.

This is the one place where time is bucketed. Everything works on clean episodes
(:data:`sufficiency.schemas.CLEAN_EPISODES`) and the extract date, after which nothing is known.

Conventions
-----------
- A child is counted on day ``d`` (end of day) when ``DECOM <= d < DEC``. Open episodes run to the
  end of the extract date.
- Episodes under short-break-only legal statuses (V3/V4) are left out, as in DfE's published counts.
- Each episode is split at the birthdays where the child moves to the next DfE age band. At the
  18th birthday a child still looked after leaves the 0-17 counts as an exit ("18+ / independence").
- Movements happen on a day: entries on DECOM of the first episode of a period of care, exits on
  DEC of its last, placement changes where consecutive episodes meet, ageing on birthdays. So the
  stock at the end of day ``d`` equals the stock the day before plus that day's movements in, minus
  movements out, for every age band x placement category.
- Coverage: the reader records each authority's collection start and coverage end in
  ``episodes.attrs['coverage']``. Monthly stocks start at the first collection period (before it
  the extracts miss children who had already left) and every table stops at the coverage end.
- Several authorities: when the episodes have an ``la`` column (a stacked regional file), every
  function works per authority, with that authority's coverage, and returns an ``la`` column;
  summing over it gives the pooled figures. Without it the output shape is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.codes import (
    AGE_BAND_LOWER_YEARS,
    AGE_BANDS,
    CARER_SIDE_ENDINGS,
    EXIT_INDEPENDENCE,
    EXIT_OTHER,
    PLACEMENT_CATEGORIES,
    SHORT_BREAK_LEGAL_STATUSES,
    exit_reason_group,
)
from sufficiency.schemas import CLEAN_EPISODES, MOVEMENTS, STOCK, check_columns

_PLACEMENT_MOVE_RNE = frozenset({"P", "B", "T", "U"})
_ADULT_AGE = 18


def _birthdays(dob: pd.Series, years: int) -> pd.Series:
    """Each date of birth's ``years``-th birthday; 29 February birthdays fall on 1 March."""
    parts = pd.DataFrame({"year": dob.dt.year + years, "month": dob.dt.month, "day": dob.dt.day})
    leap_day = (parts["month"] == 2) & (parts["day"] == 29)
    parts.loc[leap_day, ["month", "day"]] = [3, 1]
    return pd.to_datetime(parts, errors="coerce")


def _counted_episodes(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> pd.DataFrame:
    """Episodes that count towards looked-after figures, with open episodes closed at the extract."""
    check_columns(episodes, CLEAN_EPISODES, "clean episodes")
    extract_date = pd.Timestamp(extract_date).normalize()
    counted = episodes.loc[
        ~episodes["ls"].isin(SHORT_BREAK_LEGAL_STATUSES) & (episodes["decom"] <= extract_date),
        ["child", "dob", "decom", "dec", "rne", "placement_category", "rec", "reason_place_change"],
    ].copy()
    after_extract = counted["dec"].isna() | (counted["dec"] > extract_date)
    counted["end"] = counted["dec"].where(~after_extract, extract_date + pd.Timedelta(days=1))
    counted = counted.sort_values(["child", "decom", "end"], kind="mergesort")
    # Defensive: overlapping episodes for one child would be counted twice, so each episode ends
    # no later than the child's next episode starts (ingestion reports such overlaps).
    next_start = counted.groupby("child", sort=False)["decom"].shift(-1)
    counted["end"] = counted["end"].where(
        next_start.isna() | (next_start >= counted["end"]), next_start
    )
    counted["episode_id"] = np.arange(len(counted))
    return counted.reset_index(drop=True)


def _segments(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> pd.DataFrame:
    """Split counted episodes into pieces of constant age band.

    Returns one row per piece: child, episode_id, start, end (half-open), age_band,
    placement_category, and the episode fields movements need.
    """
    counted = _counted_episodes(episodes, extract_date)
    pieces = []
    upper_years = (*AGE_BAND_LOWER_YEARS[1:], _ADULT_AGE)
    for band, lower, upper in zip(AGE_BANDS, AGE_BAND_LOWER_YEARS, upper_years, strict=True):
        band_start = counted["dob"] if lower == 0 else _birthdays(counted["dob"], lower)
        band_end = _birthdays(counted["dob"], upper)
        start = counted["decom"].where(counted["decom"] >= band_start, band_start)
        end = counted["end"].where(counted["end"] <= band_end, band_end)
        keep = start < end
        piece = counted.loc[keep].copy()
        piece["start"] = start[keep]
        piece["end"] = end[keep]
        piece["age_band"] = band
        piece["reaches_18_in_care"] = (band == AGE_BANDS[-1]) & (
            counted.loc[keep, "end"] > band_end[keep]
        )
        pieces.append(piece)
    segments = pd.concat(pieces, ignore_index=True)
    return segments.sort_values(["child", "start", "end"], kind="mergesort").reset_index(drop=True)


def _categorical_states(frame: pd.DataFrame) -> pd.DataFrame:
    frame["age_band"] = pd.Categorical(frame["age_band"], categories=AGE_BANDS, ordered=True)
    frame["placement_category"] = pd.Categorical(
        frame["placement_category"], categories=PLACEMENT_CATEGORIES, ordered=True
    )
    return frame


def daily_stock(
    episodes: pd.DataFrame,
    extract_date: pd.Timestamp,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Children looked after at the end of each day, by age band x placement category.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Clean episodes (:data:`sufficiency.schemas.CLEAN_EPISODES`).
    extract_date : Timestamp
        The last day the data describes; open episodes run to its end.
    start, end : Timestamp, optional
        First and last day to report. Default: the first episode start and the extract date.

    Returns
    -------
    pandas.DataFrame
        :data:`sufficiency.schemas.STOCK` columns, one row for every day x age band x category
        (zeros included).
    """
    if "la" in episodes.columns:
        return _per_authority(
            episodes, extract_date, lambda one, last: daily_stock(one, last, start=start, end=end)
        )
    segments = _segments(episodes, extract_date)
    extract_date = pd.Timestamp(extract_date).normalize()
    first_day = pd.Timestamp(start).normalize() if start is not None else segments["start"].min()
    last_day = pd.Timestamp(end).normalize() if end is not None else extract_date
    if pd.isna(first_day):
        first_day = last_day
    days = pd.date_range(first_day, last_day, freq="D")
    states = pd.MultiIndex.from_product([AGE_BANDS, PLACEMENT_CATEGORIES])

    # Difference array: +1 on the day a piece starts, -1 on the day it ends, then a running sum.
    deltas = pd.concat(
        [
            segments[["start", "age_band", "placement_category"]]
            .rename(columns={"start": "date"})
            .assign(delta=1),
            segments[["end", "age_band", "placement_category"]]
            .rename(columns={"end": "date"})
            .assign(delta=-1),
        ]
    )
    before = deltas["date"] < first_day
    opening = deltas.loc[before].groupby(["age_band", "placement_category"])["delta"].sum()
    in_window = deltas.loc[~before & (deltas["date"] <= last_day)]
    daily_changes = (
        in_window.groupby(["date", "age_band", "placement_category"])["delta"]
        .sum()
        .unstack(["age_band", "placement_category"])
        .reindex(index=days, columns=states, fill_value=0)
        .fillna(0)
    )
    opening = opening.reindex(states, fill_value=0)
    counts = daily_changes.cumsum() + opening.to_numpy()
    stock = counts.stack([0, 1], future_stack=True).rename("children").reset_index()
    stock.columns = list(STOCK)
    stock["children"] = stock["children"].astype("int64")
    return _categorical_states(stock)


def complete_history_start(
    episodes: pd.DataFrame, coverage_start: pd.Timestamp | None = None
) -> pd.Timestamp | None:
    """The first day from which the episodes give complete stocks.

    Yearly 903 extracts hold only the episodes open during their collection years, so before the
    first collection year starts the files miss every child who had already left: stocks (and
    the entries feeding the demand model) would ramp up from almost nothing. The first day of
    the earliest collection period is used: ``coverage_start`` when given, else the one the
    reader recorded in ``episodes.attrs['coverage']`` (with several authorities, the latest of
    their starts, so pooled counts are complete). Without either, the earliest recorded end of an
    episode stands in for it. ``None`` when nothing is known and no episode has ended.
    """
    if coverage_start is not None and pd.notna(coverage_start):
        return pd.Timestamp(coverage_start).normalize()
    coverage = episodes.attrs.get("coverage") or {}
    starts = [pd.Timestamp(start) for start, _ in coverage.values() if start is not None]
    starts = [start for start in starts if pd.notna(start)]
    if starts:
        return max(starts).normalize()
    ended = pd.to_datetime(episodes["dec"]).dropna()
    return None if ended.empty else ended.min().normalize()


def _per_authority(episodes: pd.DataFrame, extract_date: pd.Timestamp, compute) -> pd.DataFrame:
    """Run ``compute(episodes, extract_date)`` per authority; add an ``la`` column."""
    coverage = episodes.attrs.get("coverage") or {}
    parts = []
    for la, group in episodes.groupby("la", sort=True):
        one = group.drop(columns="la")
        span = coverage.get(la, (None, None))
        one.attrs = {"coverage": {"": span}}
        end = pd.Timestamp(extract_date).normalize()
        if span[1] is not None and pd.notna(span[1]):
            end = min(end, pd.Timestamp(span[1]))
        result = compute(one, end)
        result.insert(0, "la", la)
        parts.append(result)
    return pd.concat(parts, ignore_index=True)


def monthly_stock(
    episodes: pd.DataFrame,
    extract_date: pd.Timestamp,
    start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Children looked after at each month end, by age band x placement category.

    Parameters
    ----------
    episodes, extract_date
        As for :func:`daily_stock`.
    start : Timestamp, optional
        First day to count from. Default: :func:`complete_history_start`, so months before the
        extracts give complete counts are left out.

    Returns
    -------
    pandas.DataFrame
        :data:`sufficiency.schemas.STOCK` columns at month ends, up to the last month end on or
        before the extract date.
    """
    if "la" in episodes.columns:
        return _per_authority(
            episodes, extract_date, lambda one, end: monthly_stock(one, end, start=start)
        )
    if start is None:
        start = complete_history_start(episodes)
    stock = daily_stock(episodes, extract_date, start=start)
    month_ends = stock["date"] == stock["date"] + pd.offsets.MonthEnd(0)
    return stock.loc[month_ends].reset_index(drop=True)


def stock_on(episodes: pd.DataFrame, extract_date: pd.Timestamp, day: pd.Timestamp) -> pd.DataFrame:
    """Children looked after at the end of one day (for example 31 March), by state."""
    return daily_stock(episodes, extract_date, start=day, end=day)


def movements(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> pd.DataFrame:
    """Every entry, exit, placement change and birthday-ageing event, one row each.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Clean episodes (:data:`sufficiency.schemas.CLEAN_EPISODES`).
    extract_date : Timestamp
        The last day the data describes. Episodes open at the extract do not exit.

    Returns
    -------
    pandas.DataFrame
        :data:`sufficiency.schemas.MOVEMENTS` columns, sorted by date.
    """
    if "la" in episodes.columns:
        return _per_authority(episodes, extract_date, movements)
    segments = _segments(episodes, extract_date)
    same_child_next = segments["child"].shift(-1).eq(segments["child"])
    next_start = segments["start"].shift(-1)
    continues = same_child_next & next_start.eq(segments["end"])
    has_predecessor = continues.shift(1, fill_value=False)

    entries = segments.loc[~has_predecessor]
    entry_rows = pd.DataFrame(
        {
            "date": entries["start"],
            "movement": "entry",
            "from_age_band": None,
            "from_category": None,
            "to_age_band": entries["age_band"],
            "to_category": entries["placement_category"],
            "exit_reason_group": None,
            "reason_place_change": None,
            "carer_side_ending": False,
        }
    )

    # Open episodes run to the day after the extract, so only real endings fall in the window.
    ends_in_window = ~continues & (segments["end"] <= pd.Timestamp(extract_date).normalize())
    exits = segments.loc[ends_in_window]
    reason = exit_reason_group(exits["rec"], keep_unrecorded=True).fillna(EXIT_OTHER)
    reason = reason.where(~exits["reaches_18_in_care"], EXIT_INDEPENDENCE)
    exit_rows = pd.DataFrame(
        {
            "date": exits["end"],
            "movement": "exit",
            "from_age_band": exits["age_band"],
            "from_category": exits["placement_category"],
            "to_age_band": None,
            "to_category": None,
            "exit_reason_group": reason,
            "reason_place_change": None,
            "carer_side_ending": False,
        }
    )

    before = segments.loc[continues]
    after = segments.shift(-1).loc[continues]
    same_episode = before["episode_id"].to_numpy() == after["episode_id"].to_numpy()
    changed_category = (
        before["placement_category"].to_numpy() != after["placement_category"].to_numpy()
    )
    changed_band = before["age_band"].to_numpy() != after["age_band"].to_numpy()
    placement_move = ~same_episode & (
        after["rne"].isin(_PLACEMENT_MOVE_RNE).to_numpy() | changed_category
    )
    kind = np.where(placement_move, "placement_change", np.where(changed_band, "ageing", ""))
    reason_code = before["reason_place_change"].where(placement_move, None)
    change_rows = pd.DataFrame(
        {
            "date": after["start"].to_numpy(),
            "movement": kind,
            "from_age_band": before["age_band"].to_numpy(),
            "from_category": before["placement_category"].to_numpy(),
            "to_age_band": after["age_band"].to_numpy(),
            "to_category": after["placement_category"].to_numpy(),
            "exit_reason_group": None,
            "reason_place_change": reason_code.to_numpy(),
            "carer_side_ending": reason_code.isin(CARER_SIDE_ENDINGS).to_numpy(),
        }
    )
    change_rows = change_rows.loc[change_rows["movement"] != ""]

    all_rows = pd.concat([entry_rows, exit_rows, change_rows], ignore_index=True)
    all_rows["children"] = 1
    all_rows = all_rows.astype({"movement": "object", "carer_side_ending": "bool"})
    all_rows = all_rows.sort_values(["date", "movement"], kind="mergesort").reset_index(drop=True)
    return all_rows[list(MOVEMENTS)]


def monthly_flows(episodes: pd.DataFrame, extract_date: pd.Timestamp) -> pd.DataFrame:
    """Movements counted by calendar month (dated at the month end).

    Returns
    -------
    pandas.DataFrame
        Columns month, movement, from_age_band, from_category, to_age_band, to_category,
        exit_reason_group, children. A movement on the last day of a month belongs to that month,
        matching the end-of-day month-end stocks of :func:`monthly_stock`.
    """
    events = movements(episodes, extract_date)
    events["month"] = events["date"] + pd.offsets.MonthEnd(0)
    keys = [
        *(["la"] if "la" in events.columns else []),
        "month",
        "movement",
        "from_age_band",
        "from_category",
        "to_age_band",
        "to_category",
        "exit_reason_group",
    ]
    return (
        events.groupby(keys, dropna=False, observed=True)["children"]
        .sum()
        .reset_index()
        .sort_values(["month", "movement"], kind="mergesort")
        .reset_index(drop=True)
    )


def net_change_by_state(flows: pd.DataFrame) -> pd.DataFrame:
    """Net movements into each age band x category per month, from :func:`monthly_flows` output.

    Used to check conservation: month-on-month stock change equals this net flow.
    """
    inflow = (
        flows.dropna(subset=["to_age_band"])
        .groupby(["month", "to_age_band", "to_category"])["children"]
        .sum()
    )
    outflow = (
        flows.dropna(subset=["from_age_band"])
        .groupby(["month", "from_age_band", "from_category"])["children"]
        .sum()
    )
    inflow.index.names = outflow.index.names = ["month", "age_band", "placement_category"]
    net = inflow.sub(outflow, fill_value=0).rename("net_change").reset_index()
    return net
