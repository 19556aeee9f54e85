"""Which extract each 903 row belongs to, and each extract's collection start and coverage end.

The rules are in :mod:`sufficiency.data.periods`; this module applies them to the concatenated
raw tables of :mod:`sufficiency.data.ssda903`. Labels (a file's name, a row's YEAR value) take few
distinct values, so every rule is worked out once per distinct label and then given to the rows:
an extract of a large authority has 60,000 rows but one label.

Each table gets the columns ``_extract`` (label such as '2022-23'), ``_cov_start``, ``_cov_end``
and ``_cov_origin`` (where the coverage end came from, in words).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.data import periods
from sufficiency.data.readers import INFO, Source, file_issue

YEAR_COLUMN = "YEAR column"
NAMES = "file and folder names"
UNLABELLED = "no collection year given"
COVERAGE_COLUMNS = ("la", "extract", "collection_start", "coverage_end", "origin", "files")


def empty_coverage() -> pd.DataFrame:
    """A coverage table (one row per extract) with no rows."""
    return pd.DataFrame(
        {
            "la": pd.Series(dtype=object),
            "extract": pd.Series(dtype=object),
            "collection_start": pd.Series(dtype="datetime64[ns]"),
            "coverage_end": pd.Series(dtype="datetime64[ns]"),
            "origin": pd.Series(dtype=object),
            "files": pd.Series(dtype=object),
        }
    )


def _labels(frames: dict[str, pd.DataFrame], sources: list[Source]) -> pd.DataFrame:
    """One row per distinct (file, YEAR text): the year written, range, kind, export date, name.

    Sets ``_label`` (the row's position in the returned table) on every frame.
    """
    # Factorise each frame's (few) YEAR texts, then number the (file, YEAR text) pairs.
    per_frame = []
    for frame in frames.values():
        year_codes, year_texts = pd.factorize(frame["_year_text"].astype("str").fillna(""))
        per_frame.append((frame["_source"].to_numpy(dtype=int), year_codes, list(year_texts)))
    numbered: dict[tuple[int, str], int] = {}
    for (sources_of, year_codes, year_texts), frame in zip(per_frame, frames.values(), strict=True):
        pairs = sources_of * max(len(year_texts), 1) + year_codes
        distinct, inverse = np.unique(pairs, return_inverse=True)
        ids = np.array(
            [
                numbered.setdefault(
                    (
                        int(p // max(len(year_texts), 1)),
                        year_texts[int(p % max(len(year_texts), 1))],
                    ),
                    len(numbered),
                )
                for p in distinct
            ],
            dtype=int,
        )
        frame["_label"] = ids[inverse] if len(distinct) else np.zeros(0, dtype=int)
    table = pd.DataFrame(list(numbered), columns=["source", "year_text"])
    year, is_range = periods.year_column(table["year_text"])
    from_column = year.notna().to_numpy()
    names = [periods.label_from_names(sources[int(i)].hints) for i in table["source"]]
    name_year = np.array([n.year if n and n.year is not None else np.nan for n in names], float)
    table["year"] = np.where(from_column, year.astype(float).to_numpy(), name_year)
    table["range"] = np.where(
        from_column, is_range.to_numpy(), [bool(n and n.is_range) for n in names]
    )
    table["kind"] = np.where(from_column, YEAR_COLUMN, np.where(~np.isnan(name_year), NAMES, ""))
    table["export"] = pd.to_datetime(
        [
            n.export_date if (n and n.export_date is not None and not c) else pd.NaT
            for n, c in zip(names, from_column, strict=True)
        ]
    )
    table["name"] = [
        n.name if (n and not c) else "" for n, c in zip(names, from_column, strict=True)
    ]
    table["export_month"] = [
        bool(n and n.export_month and not c) for n, c in zip(names, from_column, strict=True)
    ]
    return table


def _periods(table: pd.DataFrame, conventions: dict[str, periods.YearConvention]) -> None:
    """Collection year, start, coverage end, extract label and origin for each distinct label."""
    end_year = table["year"].astype(float).copy()
    for kind, decision in conventions.items():
        if decision.convention == periods.START_YEAR:
            shift = (table["kind"] == kind) & ~table["range"].astype(bool)
            end_year = end_year.where(~shift, end_year + 1)
    export = table["export"]
    has_export = export.notna()
    export_year = (export.dt.year + (export.dt.month >= 4).astype(int)).astype(float)
    end_year = end_year.where(~has_export, export_year)
    starts, ends, extracts, origins = [], [], [], []
    rows = zip(end_year, export, table["kind"], table["name"], table["export_month"], strict=True)
    for y, exported, kind, name, month_only in rows:
        if pd.isna(y):
            starts.append(pd.NaT)
            ends.append(pd.NaT)
            extracts.append(UNLABELLED)
            origins.append("")
            continue
        label = periods.collection_label(int(y))
        starts.append(pd.Timestamp(int(y) - 1, 4, 1))
        if pd.notna(exported) and month_only:
            ends.append(pd.Timestamp(exported))
            extracts.append(f"{label} (exported {exported:%B %Y})")
            origins.append(f"the export month in the name '{name}'")
        elif pd.notna(exported):
            ends.append(pd.Timestamp(exported))
            extracts.append(f"{label} (exported {exported:%d/%m/%Y})")
            origins.append(f"the export date in the name '{name}'")
        else:
            ends.append(periods.march_31(y))
            extracts.append(label)
            where = "the YEAR column" if kind == YEAR_COLUMN else f"the name '{name}'"
            origins.append(f"the end of collection year {label}, from {where}")
    table["start"] = pd.to_datetime(pd.Series(starts, index=table.index))
    table["end"] = pd.to_datetime(pd.Series(ends, index=table.index))
    table["extract"] = extracts
    table["origin"] = origins


def _export_month_end(
    part: pd.DataFrame, month_end: pd.Timestamp, today: pd.Timestamp, origin: str
) -> tuple[pd.Timestamp, str]:
    """Coverage end of an extract whose name gives only its export month.

    The day is unknown, so the extract is taken to see up to its latest date in that month (or
    the end of the month before, when it has none): never a day it may not have seen.
    """
    month_start = month_end - pd.offsets.MonthBegin(1)
    dates = pd.concat([part["DECOM_DATE"], part["DEC_DATE"]]).dropna()
    dates = dates[(dates >= month_start) & (dates <= min(month_end, today))]
    if len(dates):
        end = pd.Timestamp(dates.max()).normalize()
        why = "its latest date in that month, as the name gives the month but not the day"
    else:
        end = month_start - pd.Timedelta(days=1)
        why = "the end of the month before, as the name gives the month but not the day"
    return end, f"{origin}: {why}"


def _conventions(
    table: pd.DataFrame, episodes: pd.DataFrame, found: list[dict]
) -> dict[str, periods.YearConvention]:
    """End-year or start-year reading of single years, per kind of label, from the episodes."""
    decided = {}
    labels = episodes["_label"].to_numpy()
    for kind in (YEAR_COLUMN, NAMES):
        single = (
            (table["kind"] == kind) & ~table["range"].astype(bool) & table["export"].isna()
        ).to_numpy()
        rows = single[labels] if len(labels) else np.zeros(0, dtype=bool)
        years = pd.Series(table["year"].to_numpy(dtype=float)[labels], index=episodes.index)
        decision = periods.decide_convention(kind, years.where(rows), episodes["DECOM_DATE"])
        if decision is None:
            continue
        decided[kind] = decision
        reason = decision.reason()
        found.extend(
            file_issue(file, "", "year_convention", INFO, reason[0].upper() + reason[1:] + ".")
            for file in sorted(pd.unique(episodes.loc[rows, "_file"]))
        )
    return decided


def assign_extracts(
    frames: dict[str, pd.DataFrame],
    sources: list[Source],
    given: pd.Timestamp | None,
    given_origin: str,
    today: pd.Timestamp,
    found: list[dict],
    episodes_table: str = "episodes",
) -> pd.DataFrame:
    """Give every row its extract and coverage; return one row per extract (and report them).

    Parameters
    ----------
    frames : dict of str to DataFrame
        The concatenated raw tables, with ``_source``, ``_year_text``, ``_la``, ``_file`` and the
        episodes' ``DECOM_DATE`` and ``DEC_DATE``.
    given, given_origin
        The extract date given by the user and how it was given, or None.
    found : list of dict
        Report rows; the decisions are appended.
    """
    table = _labels(frames, sources)
    episodes = frames[episodes_table]
    _periods(table, _conventions(table, episodes, found))

    # Per (authority, label): tables labelled on their own (or not at all) join their
    # authority's latest episodes extract, so a Header file named differently still belongs.
    las = pd.concat([f["_la"].astype("str") for f in frames.values()], ignore_index=True)
    la_codes, la_names = pd.factorize(las.fillna(""))
    start = 0
    for frame in frames.values():
        frame["_la_code"] = la_codes[start : start + len(frame)]
        start += len(frame)
    n_labels = max(len(table), 1)
    pair = episodes["_la_code"].to_numpy() * n_labels + episodes["_label"].to_numpy()
    episode_pairs = np.unique(pair)
    extract_of = table["extract"].to_numpy(dtype=object)
    end_of = table["end"].to_numpy(dtype="datetime64[ns]")
    latest_label: dict[int, int] = {}
    for la_code in np.unique(episode_pairs // n_labels):
        labels = episode_pairs[episode_pairs // n_labels == la_code] % n_labels
        ends = end_of[labels]
        order = np.argsort(np.where(np.isnat(ends), np.datetime64("1000-01-01"), ends))
        latest_label[int(la_code)] = int(labels[order[-1]])
    for frame in frames.values():
        frame_pair = frame["_la_code"].to_numpy() * n_labels + frame["_label"].to_numpy()
        orphan = ~np.isin(frame_pair, episode_pairs)
        if orphan.any():
            replacement = np.array(
                [latest_label.get(int(c), -1) for c in frame["_la_code"].to_numpy()[orphan]]
            )
            labels = frame["_label"].to_numpy().copy()
            known = replacement >= 0
            labels[np.flatnonzero(orphan)[known]] = replacement[known]
            frame["_label"] = labels

    # One row per extract: (authority, extract label); in-year extracts and unlabelled data
    # get their coverage end from the data.
    rows = []
    frame_pairs = {
        name: f["_la_code"].to_numpy() * n_labels + f["_label"].to_numpy()
        for name, f in frames.items()
    }
    extract_pairs: dict[tuple[str, str], list[int]] = {}
    for value in np.unique(np.concatenate(list(frame_pairs.values()))):
        la = str(la_names[int(value) // n_labels])
        extract_pairs.setdefault((la, extract_of[int(value) % n_labels]), []).append(int(value))
    ep_pair = frame_pairs[episodes_table]
    for (la, extract), values in extract_pairs.items():
        first = table.iloc[values[0] % n_labels]
        part = episodes.loc[np.isin(ep_pair, values)]
        start_day, end, origin = first["start"], first["end"], first["origin"]
        if pd.isna(end):
            dates = pd.concat([part["DECOM_DATE"], part["DEC_DATE"]]).dropna()
            dates = dates[dates <= today]
            end = pd.Timestamp(dates.max()).normalize() if len(dates) else today
            origin = (
                "the latest start or end date in the data (no collection year in a YEAR column "
                "or the file names)"
                if len(dates)
                else "today (no usable dates in the data)"
            )
        elif first["export_month"]:
            end, origin = _export_month_end(part, end, today, origin)
        elif pd.isna(first["export"]):
            last, why = periods.in_year_end(
                part["DECOM_DATE"], part["DEC_DATE"], start_day, end, today
            )
            if last is not None:
                end, origin = last, f"the latest date in the {extract} extract: {why}"
        files = sorted(
            {
                file
                for name, f in frames.items()
                for file in pd.unique(f.loc[np.isin(frame_pairs[name], values), "_file"])
            }
        )
        episode_files = sorted(pd.unique(part["_file"]))
        if extract == UNLABELLED and len(episode_files) > 1:
            found.extend(
                file_issue(
                    file,
                    episodes_table,
                    "no_collection_year",
                    "warning",
                    f"{len(episode_files)} Episodes tables ({', '.join(episode_files)}) have no "
                    "collection year in a YEAR column or their file or folder names, so they were "
                    "read as one extract: an open episode that a later year's file no longer "
                    "shows cannot be closed. Put the year in each file's name (903_2023_..., or "
                    "a folder per year) or give a YEAR column.",
                )
                for file in episode_files
            )
        rows.append(
            {
                "la": la,
                "extract": extract,
                "collection_start": start_day,
                "coverage_end": pd.Timestamp(end),
                "origin": origin,
                "files": ", ".join(files),
                "_pairs": values,
            }
        )
    extracts = pd.DataFrame(rows, columns=[*COVERAGE_COLUMNS, "_pairs"])
    extracts["collection_start"] = pd.to_datetime(extracts["collection_start"])
    extracts["coverage_end"] = pd.to_datetime(extracts["coverage_end"])
    if given is not None:
        for _, group in extracts.groupby("la"):
            latest = group["coverage_end"].idxmax()
            capped = group.index[(group["coverage_end"] > given) | (group.index == latest)]
            extracts.loc[capped, "coverage_end"] = given
            extracts.loc[capped, "origin"] = given_origin
    extracts = extracts.sort_values(["la", "coverage_end", "extract"]).reset_index(drop=True)

    # Give the rows their extract's label, start, coverage end and origin.
    size = int(max(max(v) for v in extracts["_pairs"]) + 1) if len(extracts) else 1
    position = np.full(size, -1, dtype=int)
    for i, values in enumerate(extracts["_pairs"]):
        position[values] = i
    for name, frame in frames.items():
        at = position[frame_pairs[name]]
        frame["_extract"] = extracts["extract"].to_numpy(dtype=object)[at]
        frame["_cov_start"] = extracts["collection_start"].to_numpy(dtype="datetime64[ns]")[at]
        frame["_cov_end"] = extracts["coverage_end"].to_numpy(dtype="datetime64[ns]")[at]
        frame["_cov_origin"] = extracts["origin"].to_numpy(dtype=object)[at]
        del frame["_label"], frame["_la_code"]
    extracts = extracts.drop(columns="_pairs")
    if len(set(extracts["la"])) > 1:
        # Rows of several authorities that could not be given one (rejected): no extract of theirs.
        extracts = extracts[extracts["la"] != ""].reset_index(drop=True)
    for row in extracts.itertuples(index=False):
        start_text = (
            f"collection year from {row.collection_start:%d/%m/%Y}"
            if pd.notna(row.collection_start)
            else "collection start unknown"
        )
        who = f"{row.la}, " if row.la else ""
        found.extend(
            file_issue(
                file,
                "",
                "extract_coverage",
                INFO,
                f"Extract {who}{row.extract}: {start_text}; it sees up to "
                f"{row.coverage_end:%d/%m/%Y} ({row.origin}). Stocks and flows stop there; give "
                "an extract date to change it.",
            )
            for file in row.files.split(", ")
        )
    return extracts
