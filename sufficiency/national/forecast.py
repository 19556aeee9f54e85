"""One forecast for every authority, region and England: totals and breakdowns, with ranges.

Totals of each measure come from the method the pre-registered backtest chose for it
(:data:`sufficiency.national.selection.CHOSEN`), with 80% and 95% ranges calibrated on that
method's own forecasts at every earlier origin. Breakdowns (age bands, placement types) are the
forecast total split in the shares of the latest published breakdown, so they add up to the
total exactly; their ranges are calibrated the same way on earlier breakdown forecasts. Regions
are the sums of their authorities and England the sum of the regions, for every measure,
breakdown and year (ranges of sums are calibrated on earlier sums, not added up).

Nothing is dropped silently: authorities that cannot be forecast (no figure in the last
:data:`~sufficiency.national.methods.MAX_LEVEL_GAP` + 1 years, or that no longer exist) get rows
with empty values and a ``note`` saying why; suppressed, missing and boundary-changed years are
named in the ``note`` of the rows they affect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency.data.dfe import BOUNDARY_CHANGES, ENGLAND_CODE, REGIONS
from sufficiency.errors import InputDataError
from sufficiency.national.evaluation import rolling_forecasts
from sufficiency.national.intervals import RANGE_LEVELS, calibrate, ranges
from sufficiency.national.methods import MAX_LEVEL_GAP, METHODS, last_level
from sufficiency.national.panel import BREAKDOWNS, CLA, MEASURE_WORDS, MEASURES, TOTAL, Panel
from sufficiency.progress import ProgressCallback

OUTPUT_COLUMNS: tuple[str, ...] = (
    "new_la_code",
    "la_name",
    "time_period",
    "measure",
    "breakdown",
    "point",
    "lower80",
    "upper80",
    "lower95",
    "upper95",
    "note",
)
"""Columns of the national forecast (``sufficiency national``)."""

DEFINITION_BREAKS: dict[tuple[str, str], tuple[int, str]] = {
    (CLA, "placement"): (
        2021,
        "placement types changed definition in 2021 (semi-independent living moved from "
        "'secure or children's homes' to 'independent or semi-independent living')",
    ),
}
"""Breakdown families whose groups changed meaning: forecasts are not calibrated across the
change."""

BREAKDOWN_LOOKBACK = 3
"""Breakdown shares come from the latest year at most this many years before the origin."""


@dataclass
class NationalForecast:
    """The forecast table and how it was made.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`OUTPUT_COLUMNS`, one row per area x year x measure x breakdown.
    origin : int
        The year ending 31 March the forecast starts from.
    methods : dict
        Measure -> method used for its totals.
    parameters : dict
        Measure -> the method's learned parameters in words.
    not_forecast : pandas.DataFrame
        Authorities left without a forecast and why (``la_code, la_name, reason``).
    engine : str
        Which engine ran it.
    """

    table: pd.DataFrame
    origin: int
    methods: dict[str, str]
    parameters: dict[str, str] = field(default_factory=dict)
    not_forecast: pd.DataFrame = field(default_factory=pd.DataFrame)
    engine: str = ""


def family_shares(
    panel: Panel, measure: str, family: str, column: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares of a breakdown family at the latest year on or before ``column`` that has them.

    Suppressed groups are given the part of the published total that the published groups leave
    (split evenly when several are suppressed), never zero.

    Returns
    -------
    (shares, year_used, estimated)
        ``(n, groups)`` shares summing to 1 (``NaN`` rows when no breakdown was published in
        the last :data:`BREAKDOWN_LOOKBACK` years), the year used (``-1`` if none) and whether any
        group was estimated from the total.
    """
    groups = BREAKDOWNS[measure][family]
    n = panel.n
    shares = np.full((n, len(groups)), np.nan)
    year_used = np.full(n, -1, dtype=int)
    estimated = np.zeros(n, dtype=bool)
    total = panel.get(measure)
    for back in range(BREAKDOWN_LOOKBACK + 1):
        col = column - back
        if col < 0:
            break
        parts = np.column_stack([panel.get(measure, g)[:, col] for g in groups])
        codes = np.column_stack([panel.codes[(measure, g)][:, col] for g in groups])
        published = ~np.isnan(parts)
        suppressed = ~published & ~np.isin(codes, ["absent", "z"])
        usable = np.isnan(shares[:, 0]) & (published.any(axis=1))
        if not usable.any():
            continue
        known = np.where(published, parts, 0.0).sum(axis=1)
        remainder = np.clip(np.where(np.isnan(total[:, col]), 0.0, total[:, col]) - known, 0, None)
        n_missing = suppressed.sum(axis=1)
        fill = np.where(n_missing > 0, remainder / np.maximum(n_missing, 1), 0.0)
        # No published total to take the remainder from: a suppressed cell is 1-5 children.
        fill = np.where(np.isnan(total[:, col]) & (n_missing > 0), 2.5, fill)
        filled = np.where(published, parts, np.where(suppressed, fill[:, None], 0.0))
        sums = filled.sum(axis=1)
        ok = usable & (sums > 0)
        shares[ok] = filled[ok] / sums[ok, None]
        year_used[ok] = panel.years[col]
        estimated[ok] = n_missing[ok] > 0
    return shares, year_used, estimated


def _family_of(measure: str, group: str) -> str:
    for family, groups in BREAKDOWNS[measure].items():
        if group in groups:
            return family
    raise KeyError(group)


def _calibration(history: pd.DataFrame, origin: int, horizon: int):
    """Calibration from earlier forecasts in ``history`` known by ``origin`` (None if too few)."""
    if history is None or not len(history):
        return None
    known = history.loc[
        (history["origin"] < origin) & (history["year"] <= origin) & history["actual"].notna()
    ]
    return calibrate(
        known["point"].to_numpy(),
        known["actual"].to_numpy(),
        known["size"].to_numpy(),
        known["horizon"].to_numpy(),
        horizon,
    )


def breakdown_history(
    panel: Panel, totals: pd.DataFrame, measure: str, family: str
) -> dict[str, pd.DataFrame]:
    """Earlier breakdown forecasts (total forecast x latest shares) and what was published.

    Returns ``{group: frame}`` with columns ``origin, horizon, year, la_code, point, size,
    actual`` (``size`` is the group's published figure in the year its shares came from).
    Forecasts made before a definition change and checked after it are left out.
    """
    groups = BREAKDOWNS[measure][family]
    first = int(panel.years[0])
    row_of = pd.Series(np.arange(panel.n), index=panel.authorities["la_code"].to_numpy())
    pieces: dict[str, list[pd.DataFrame]] = {group: [] for group in groups}
    change = DEFINITION_BREAKS.get((measure, family))
    for origin, block in totals.groupby("origin", sort=True):
        shares, used, _ = family_shares(panel, measure, family, panel.column(int(origin)))
        rows = row_of[block["la_code"]].to_numpy()
        used_col = np.where(used[rows] > 0, used[rows] - first, -1)
        years = block["year"].to_numpy()
        known = years <= panel.last_year
        if change is not None:
            known &= ~((int(origin) < change[0]) & (years >= change[0]))
        for g, group in enumerate(groups):
            values = panel.get(measure, group)
            now = np.where(used_col >= 0, values[rows, np.clip(used_col, 0, None)], np.nan)
            actual = np.full(len(rows), np.nan)
            actual[known] = values[rows[known], years[known] - first]
            pieces[group].append(
                pd.DataFrame(
                    {
                        "origin": int(origin),
                        "horizon": block["horizon"].to_numpy(),
                        "year": years,
                        "la_code": block["la_code"].to_numpy(),
                        "point": block["point"].to_numpy() * shares[rows, g],
                        "size": np.where(np.isnan(now), 0.0, now),
                        "actual": actual,
                    }
                )
            )
    return {
        group: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        for group, parts in pieces.items()
    }


def aggregate_history(history: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """Region and England sums of earlier forecasts and of what was published.

    Where some members' figures were suppressed, forecast and published figure are both summed
    over the members that published (so like is compared with like); an aggregate is checked
    only when at least half its members published.
    """
    if not len(history):
        return history
    region_of = panel.authorities.set_index("la_code")["region_code"]
    data = history.assign(area=history["la_code"].map(region_of))
    published = data["actual"].notna()
    data = data.assign(
        checked_point=data["point"].where(published, 0.0),
        checked_size=data["size"].where(published, 0.0),
    )
    parts = []
    for areas in (data["area"], pd.Series(ENGLAND_CODE, index=data.index)):
        summed = (
            data.assign(area=areas)
            .groupby(["area", "origin", "horizon", "year"], sort=False)
            .agg(
                all_point=("point", "sum"),
                all_size=("size", "sum"),
                point=("checked_point", "sum"),
                size=("checked_size", "sum"),
                total=("actual", "sum"),
                members=("actual", "size"),
                published=("actual", "count"),
            )
            .reset_index()
        )
        enough = summed["published"] >= 0.5 * summed["members"]
        summed["actual"] = np.where(enough, summed["total"], np.nan)
        # Forecasts not yet checkable keep every member.
        pending = summed["published"] == 0
        summed.loc[pending, "point"] = summed.loc[pending, "all_point"]
        summed.loc[pending, "size"] = summed.loc[pending, "all_size"]
        parts.append(
            summed.rename(columns={"area": "la_code"})[
                ["la_code", "origin", "horizon", "year", "point", "size", "actual"]
            ]
        )
    return pd.concat(parts, ignore_index=True)


def authority_notes(panel: Panel, origin: int) -> tuple[dict[str, str], pd.DataFrame]:
    """A note per authority about its history up to ``origin``, and who cannot be forecast."""
    at = panel.until(origin)
    col = at.last_year - int(at.years[0])
    boundary = BOUNDARY_CHANGES.set_index("la_code")
    notes: dict[str, str] = {}
    dropped = []
    for i, row in enumerate(at.authorities.itertuples(index=False)):
        parts = []
        changed = row.la_code in boundary.index
        if changed:
            change = boundary.loc[row.la_code]
            parts.append(
                f"boundary change: {change['la_name']} {change['series']} ({change['note']}); "
                "its series is not joined to its predecessors'"
            )
        for measure in MEASURES:
            values = at.get(measure)[i]
            codes = at.codes[(measure, TOTAL)][i]
            present = np.flatnonzero(~np.isnan(values))
            if len(present) == 0:
                continue
            gaps = [
                f"{at.years[j]} (code '{codes[j]}')"
                for j in range(present[0], col + 1)
                if np.isnan(values[j])
            ]
            if gaps:
                parts.append(f"{MEASURE_WORDS[measure]}: no figure for {', '.join(gaps)}")
        stock = at.get(CLA)[i]
        present = np.flatnonzero(~np.isnan(stock))
        ended = at.codes[(CLA, TOTAL)][i][col] == "z"
        if len(present) == 0 or present[-1] < col - MAX_LEVEL_GAP or ended:
            gone = changed and "ends" in boundary.loc[row.la_code, "series"]
            code = at.codes[(CLA, TOTAL)][i][col]
            said = "no row" if code == "absent" else f"code '{code}'"
            if gone:
                reason = (
                    f"the authority no longer exists ({boundary.loc[row.la_code, 'note']}); last "
                    f"published figure {at.years[present[-1]]}"
                    if len(present)
                    else f"the authority no longer exists ({boundary.loc[row.la_code, 'note']})"
                )
            elif len(present) == 0:
                reason = f"no published figure for children looked after up to {origin}"
            else:
                reason = (
                    f"no published figure since {at.years[present[-1]]} ({said} in the "
                    f"{origin} tables)"
                )
            dropped.append((row.la_code, row.la_name, f"not forecast: {reason}"))
            notes[row.la_code] = f"not forecast: {reason}"
            continue
        if present[-1] < col:
            parts.append(f"forecast from the {at.years[present[-1]]} figure (none for {origin})")
        elif len(present) < 4:
            parts.append(
                f"only {len(present)} year(s) of history: its trend leans on region and England"
            )
        notes[row.la_code] = "; ".join(parts)
    return notes, pd.DataFrame(dropped, columns=["la_code", "la_name", "reason"])


def _breakdown_notes(
    family: str, used: np.ndarray, estimated: np.ndarray, origin: int
) -> np.ndarray:
    notes = np.full(len(used), "", dtype=object)
    for i, (year, guessed) in enumerate(zip(used, estimated, strict=True)):
        bits = []
        if year < 0:
            bits.append(
                f"no {family} breakdown published in {origin - BREAKDOWN_LOOKBACK}-{origin}"
            )
        elif year != origin:
            why = " (DfE published no LA breakdowns for 2020)" if year < 2020 <= origin else ""
            bits.append(f"{family} shares from {year}{why}")
        if guessed:
            bits.append("suppressed groups estimated from the published total")
        notes[i] = "; ".join(bits)
    return notes


def _region_shares(panel: Panel, shares: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each authority's region's shares (authorities weighted by ``weight``), ``(n, groups)``."""
    regions, codes = panel.region_index()
    ok = ~np.isnan(shares).any(axis=1) & ~np.isnan(weight)
    out = np.full(shares.shape, np.nan)
    england = np.nansum(shares[ok] * weight[ok, None], axis=0)
    england = england / england.sum() if england.sum() > 0 else np.full(shares.shape[1], np.nan)
    for r in range(len(codes)):
        members = ok & (regions == r)
        summed = (shares[members] * weight[members, None]).sum(axis=0)
        out[regions == r] = summed / summed.sum() if summed.sum() > 0 else england
    return out


@dataclass
class _Series:
    """One measure x breakdown for every authority: points, sizes, notes and earlier forecasts."""

    point: np.ndarray
    size: np.ndarray
    note: np.ndarray
    history: pd.DataFrame


def national_forecast(
    panel: Panel,
    origin: int,
    horizon: int = 3,
    *,
    methods: Mapping[str, str] | None = None,
    engine=None,
    progress: ProgressCallback | None = None,
) -> NationalForecast:
    """Forecast every authority, region and England from ``origin``.

    Parameters
    ----------
    panel : Panel
        Published tables (:func:`~sufficiency.national.panel.build_panel`); years after
        ``origin`` are ignored.
    origin : int
        Year ending 31 March to forecast from; any published year after the first two.
    horizon : int
        Years ahead (1-10).
    methods : mapping, optional
        Measure -> method name (:data:`~sufficiency.national.methods.METHODS`); default the
        pre-registered choice :data:`~sufficiency.national.selection.CHOSEN`.
    engine : Engine, optional
        Where the per-origin fits run (:mod:`sufficiency.distributed`); default this process.

    Returns
    -------
    NationalForecast

    Raises
    ------
    InputDataError
        For an origin outside the published years or a horizon outside 1-10.
    """
    from sufficiency.national.selection import CHOSEN

    if not 1 <= int(horizon) <= 10:
        raise InputDataError(f"--horizon must be 1 to 10 years, got {horizon}.")
    years = panel.years
    if origin not in set(years.tolist()) or origin < years[0] + 2:
        raise InputDataError(
            f"--origin {origin}: the published tables cover {years[0]}-{years[-1]}; forecast "
            f"from {years[0] + 2} to {years[-1]} (the latest published year)."
        )
    methods = {**CHOSEN, **dict(methods or {})}
    unknown = sorted(set(methods.values()) - set(METHODS))
    if unknown:
        raise InputDataError(
            f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}."
        )
    at = panel.until(origin)
    by_method: dict[str, list[str]] = {}
    for measure in MEASURES:
        by_method.setdefault(methods[measure], []).append(measure)
    frames, parameters = [], {}
    for method, measures in by_method.items():
        frame, described = rolling_forecasts(
            at,
            [method],
            [int(y) for y in at.years[1:]],
            horizon,
            measures=measures,
            engine=engine,
            progress=progress,
        )
        frames.append(frame)
        for measure in measures:
            parameters[measure] = described.get((method, origin), "")
    totals = pd.concat(frames, ignore_index=True)
    notes, not_forecast = authority_notes(panel, origin)
    codes = at.authorities["la_code"].to_numpy()
    col = at.last_year - int(at.years[0])
    series: dict[tuple[str, str], _Series] = {}
    for measure in MEASURES:
        history = totals.loc[totals["measure"] == measure]
        now = history.loc[history["origin"] == origin]
        point = np.round(
            now.pivot(index="la_code", columns="horizon", values="point")
            .reindex(index=codes, columns=range(1, horizon + 1))
            .to_numpy(),
            2,
        )
        dropped = np.isin(codes, not_forecast["la_code"])
        point[dropped] = np.nan
        level, _ = last_level(at.get(measure), col)
        # A method that cannot forecast an authority (e.g. its flows are suppressed) hands over
        # to the last figure, and the note says so.
        fallback = np.isnan(point).any(axis=1) & ~dropped & ~np.isnan(level)
        point[fallback] = np.round(level[fallback, None], 2)
        total_note = np.where(
            fallback,
            f"{methods[measure]} could not forecast this from the published figures: "
            "last figure carried forward",
            "",
        ).astype(object)
        total_note[np.isnan(level) & ~dropped] = (
            f"no {MEASURE_WORDS[measure]} figure in {origin - MAX_LEVEL_GAP}-{origin}: not forecast"
        )
        size = now.groupby("la_code")["size"].first().reindex(codes).to_numpy()
        size = np.where(np.isnan(size), level, size)
        series[(measure, TOTAL)] = _Series(point, size, total_note, history)
        earlier = history.loc[history["origin"] < origin]
        for family, groups in BREAKDOWNS[measure].items():
            shares, used, estimated = family_shares(at, measure, family, col)
            borrowed = np.isnan(shares).any(axis=1) & ~np.isnan(point[:, 0])
            shares[borrowed] = _region_shares(at, shares, point[:, 0])[borrowed]
            past = breakdown_history(at, earlier, measure, family)
            note = _breakdown_notes(family, used, estimated, origin)
            note[borrowed] = (
                f"no {family} breakdown published in {origin - BREAKDOWN_LOOKBACK}-{origin}: "
                "its region's shares used"
            )
            note = np.array(
                ["; ".join(p for p in (a, b) if p) for a, b in zip(total_note, note, strict=True)],
                dtype=object,
            )
            for g, group in enumerate(groups):
                values = at.get(measure, group)
                now_cell = np.array(
                    [
                        values[i, y - int(at.years[0])] if y > 0 else np.nan
                        for i, y in enumerate(used)
                    ]
                )
                series[(measure, group)] = _Series(
                    np.round(point * shares[:, g][:, None], 2),
                    np.where(np.isnan(now_cell), 0.0, now_cell),
                    note,
                    past[group],
                )
    who = at.authorities.set_index("la_code")
    region_of = who["region_code"]
    out = []
    for (measure, breakdown), item in series.items():
        rng = ranges(item.point, item.size, _calibration(item.history, origin, horizon))
        base = pd.Series(codes).map(notes).fillna("").to_numpy()
        note = ["; ".join(p for p in (b, e) if p) for b, e in zip(base, item.note, strict=True)]
        for h in range(horizon):
            out.append(
                pd.DataFrame(
                    {
                        "new_la_code": codes,
                        "la_name": who["la_name"].to_numpy(),
                        "time_period": origin + h + 1,
                        "measure": measure,
                        "breakdown": breakdown,
                        "point": item.point[:, h],
                        **{name: np.round(rng[name][:, h], 2) for name in RANGE_LEVELS},
                        "note": note,
                    }
                )
            )
        # Regions add their authorities up; England adds the regions up.
        forecast = ~np.isnan(item.point[:, 0])
        regions = region_of.reindex(codes).to_numpy()
        area_codes = sorted(set(regions[forecast])) + [ENGLAND_CODE]
        member = [
            regions == a if a != ENGLAND_CODE else np.ones(len(codes), bool) for a in area_codes
        ]
        point = np.vstack([item.point[m & forecast].sum(axis=0) for m in member])
        size = np.array([np.nansum(item.size[m & forecast]) for m in member])
        history = item.history.loc[item.history["la_code"].isin(codes[forecast])]
        rng = ranges(point, size, _calibration(aggregate_history(history, at), origin, horizon))
        missing = ", ".join(not_forecast["la_name"])
        for k, area in enumerate(area_codes):
            count = int((member[k] & forecast).sum())
            if area == ENGLAND_CODE:
                note = f"England: sum of the {count} authorities forecast"
                note += f" (not forecast: {missing})" if missing else ""
            else:
                note = f"region: sum of its {count} authorities forecast"
            for h in range(horizon):
                out.append(
                    pd.DataFrame(
                        {
                            "new_la_code": [area],
                            "la_name": [REGIONS.get(area, "England")],
                            "time_period": [origin + h + 1],
                            "measure": [measure],
                            "breakdown": [breakdown],
                            "point": [round(float(point[k, h]), 2)],
                            **{name: [round(float(rng[name][k, h]), 2)] for name in RANGE_LEVELS},
                            "note": [note],
                        }
                    )
                )
    table = pd.concat(out, ignore_index=True)
    table = _ordered(table, at)
    return NationalForecast(
        table=table[list(OUTPUT_COLUMNS)],
        origin=origin,
        methods={m: methods[m] for m in MEASURES},
        parameters=parameters,
        not_forecast=not_forecast,
        engine=engine.describe() if engine is not None else "local engine, this process only",
    )


def _ordered(table: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """Authorities by region and name, then regions, then England; measures and groups in order."""
    order = {code: i for i, code in enumerate(panel.authorities["la_code"])}
    order.update({code: len(order) + i for i, code in enumerate(sorted(REGIONS))})
    order[ENGLAND_CODE] = len(order)
    groups = [TOTAL] + [g for m in MEASURES for fam in BREAKDOWNS[m].values() for g in fam]
    group_rank = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    measure_rank = {m: i for i, m in enumerate(MEASURES)}
    keys = pd.DataFrame(
        {
            "a": table["new_la_code"].map(order),
            "m": table["measure"].map(measure_rank),
            "g": table["breakdown"].map(group_rank),
            "t": table["time_period"],
        }
    )
    return table.iloc[np.lexsort([keys["t"], keys["g"], keys["m"], keys["a"]])].reset_index(
        drop=True
    )
