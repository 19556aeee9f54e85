"""Published DfE children-looked-after tables and ONS 0-17 population, as one tidy long table.

The files live in ``data/published/`` (see its README for provenance, licence and filtering). Four
source formats are read:

* old "underlying data" SFR files, one LA per row and one column per figure: 2010 has its own layout
  (counts by 903 placement code), 2011-2019 share column names (``CLA_Mar2015``, ``SCLA_U1`` ...);
  the 2018 and 2019 files also carry five-year series of totals and rates;
* explore-education-statistics (EES) CSVs from the 2022, 2024 and 2025 releases (long format);
* the ONS mid-year 0-17 population estimates in DfE's EES layout.

Rules applied everywhere:

* suppressed or special cells (``c``, ``x``, ``z``, ``k``, ``.``, ``-``, ``..``, ``low``, ``u``) become
  ``NaN`` with the code kept in ``suppression``; a blank cell becomes ``NaN`` with code ``x`` (not
  available). Nothing suppressed is ever read as zero.
* where releases overlap, the newest release wins (each release revises earlier years).
* each LA is keyed by the ONS code DfE uses today for its 3-digit DfE code. Code-only recodes with no
  boundary change (Gateshead E08000020 -> E08000037, Northumberland E06000048 -> E06000057) are
  joined into one series; real boundary changes keep separate series (see :data:`BOUNDARY_CHANGES`).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sufficiency.errors import InputDataError
from sufficiency.paths import published_dir

COLUMNS: dict[str, str] = {
    "la_code": "ONS code of the local authority (E06/E08/E09/E10), newest code for its DfE code",
    "old_la_code": "DfE 3-digit LA code (text)",
    "la_name": "local authority name as in the newest release",
    "year": "year ending 31 March (int): 2024 means April 2023 to March 2024, stock at 31 March 2024",
    "measure": "what is counted, one of MEASURES",
    "breakdown": "'total' or '<dimension>: <group>', e.g. 'age: 10-15', 'placement: foster'",
    "value": "the published figure (float); NaN when suppressed or not available",
    "suppression": "the published code when value is NaN ('c', 'x', 'z', ...), else ''",
    "source": "file the figure was read from (path under data/published/)",
}
"""The columns of :func:`load_published_tables`."""

CLA_31_MARCH = "children_looked_after_31_march"
STARTED = "started"
CEASED = "ceased"
POPULATION = "population_0_17"
RATE = "rate_per_10000"
STARTED_RATE = "started_rate_per_10000"
CEASED_RATE = "ceased_rate_per_10000"

MEASURES: dict[str, str] = {
    CLA_31_MARCH: "children looked after at 31 March (count)",
    STARTED: "children who started to be looked after during the year (count)",
    CEASED: "children who ceased to be looked after during the year (count)",
    POPULATION: (
        "ONS estimated children aged 0-17 (count); for year t this is the mid-(t-1) estimate, "
        "the denominator DfE uses for year t's rates"
    ),
    RATE: "children looked after at 31 March per 10,000 children aged 0-17 (DfE, rounded)",
    STARTED_RATE: "starts in the year per 10,000 children aged 0-17 (DfE, rounded)",
    CEASED_RATE: "ceased in the year per 10,000 children aged 0-17 (DfE, rounded)",
}

SUPPRESSION_CODES: dict[str, str] = {
    "c": "suppressed (usually fewer than 6 children) or secondary suppression",
    "x": "not available (older SFR files: suppressed); also used here for blank cells",
    "z": "not applicable, e.g. the LA did not exist that year",
    "k": "percentage below 0.5% but not zero",
    ".": "not applicable (older SFR files)",
    "-": "negligible (older SFR files)",
    "..": "suppressed or not collected",
    "low": "low figure, suppressed",
    "u": "low reliability",
}

BOUNDARY_CHANGES: pd.DataFrame = pd.DataFrame(
    [
        (
            "E06000028",
            "837",
            "Bournemouth",
            "ends 2019",
            "merged into BCP (E06000058) 1 April 2019",
        ),
        ("E06000029", "836", "Poole", "ends 2019", "merged into BCP (E06000058) 1 April 2019"),
        ("E10000009", "835", "Dorset (county)", "ends 2019", "replaced by Dorset UA (E06000059)"),
        ("E06000058", "839", "Bournemouth, Christchurch and Poole", "starts 2020", "new 2019/20"),
        ("E06000059", "838", "Dorset (unitary)", "starts 2020", "new 2019/20, incl. Christchurch"),
        ("E10000021", "928", "Northamptonshire", "ends 2021", "split 1 April 2021"),
        ("E06000061", "940", "North Northamptonshire", "starts 2022", "from Northamptonshire"),
        ("E06000062", "941", "West Northamptonshire", "starts 2022", "from Northamptonshire"),
        ("E10000006", "909", "Cumbria", "ends 2023", "split 1 April 2023"),
        ("E06000063", "942", "Cumberland", "starts 2024", "from Cumbria"),
        ("E06000064", "943", "Westmorland and Furness", "starts 2024", "from Cumbria"),
    ],
    columns=["la_code", "old_la_code", "la_name", "series", "note"],
)
"""LAs whose boundaries changed between 2010 and 2024. Each keeps its own series (no splicing);
``series`` gives the first or last 31 March year DfE published for it in these files (the 2025
release back-casts some new LAs a year earlier)."""

_SFR_FOLDER = "dfe_cla/la_underlying_2010_2019"
_NUMBER_AND_RATE = {
    "dfe_cla/la_2022_release/cla_number_and_rate_per_10k_children.csv": 2022,
    "dfe_cla/la_2021_2024/cla_number_and_rate_per_10k_children.csv": 2025,
}
_CHARACTERISTICS = {
    "dfe_cla/la_2022_release/la_cla_who_started_to_be_looked_after.csv": (STARTED, 2022),
    "dfe_cla/la_2024_release/la_children_who_ceased_during_the_year.csv": (CEASED, 2024),
    "dfe_cla/la_2021_2024/la_children_who_started_to_be_looked_after_during_the_year"
    "__from_dashboard_rds_2021_2024.csv": (STARTED, 2025),
    "dfe_cla/la_2021_2024/la_cla_on_31_march_by_characteristics"
    "__from_dashboard_rds_2021_2024.csv": (CLA_31_MARCH, 2025),
}
_ONS_POPULATION = ("ons_population/ons_mid-year_population_estimates_2012_to_2024.csv", 2025)

_AGE_16_PLUS_CEASED = "age: 16 and over"

# EES (cla_group, characteristic) -> breakdown. Characteristics not listed are not loaded.
_EES_BREAKDOWNS: dict[tuple[str, str], str] = {}
for _group in ("Age group", "Age on starting", "Age on ceasing"):
    _EES_BREAKDOWNS.update(
        {
            (_group, "Under 1 year"): "age: under 1",
            (_group, "1 to 4 years"): "age: 1-4",
            (_group, "5 to 9 years"): "age: 5-9",
            (_group, "10 to 15 years"): "age: 10-15",
            (_group, "16 years and over"): "age: 16-17",
        }
    )
_EES_BREAKDOWNS.update(
    {
        ("Placement", "Foster placements"): "placement: foster",
        ("Placement", "Placed for adoption"): "placement: placed for adoption",
        (
            "Placement",
            "Placed with parents or other person with parental responsibility",
        ): "placement: placed with parents",
        (
            "Placement",
            "Independent and semi-independent living arrangements/supported accommodation",
        ): "placement: independent or semi-independent living",
        ("Placement", "Secure homes and children's homes"): "placement: secure or children's homes",
        ("Placement", "Other residential settings"): "placement: other residential",
        ("Placement", "Residential schools"): "placement: residential schools",
        ("Placement", "Other placements"): "placement: other",
        ("Place providers", "Own provision (by the LA)"): "provider: own provision",
        ("Place providers", "Other LA provision"): "provider: other LA",
        ("Place providers", "Other public provision (e.g. by a PCT etc)"): "provider: other public",
        ("Place providers", "Private provision"): "provider: private",
        ("Place providers", "Voluntary/third sector provision"): "provider: voluntary",
        (
            "Place providers",
            "Parents or other person with parental responsibility",
        ): "provider: parents",
        ("Place providers", "Placement provider not reported"): "provider: not reported",
    }
)
# Ceased by age: 16, 17 and 18+ are published separately from 2016; summed into one band here.
_CEASED_OLDER = {"16 years", "17 years", "18 years and over"}

# SFR 2011-2019 column (lower case) -> (file kind, measure, breakdown).
_SFR_AGE_SUFFIXES = {
    "u1": "age: under 1",
    "1to4": "age: 1-4",
    "5to9": "age: 5-9",
    "10to15": "age: 10-15",
    "16over": "age: 16-17",
}
_SFR_COLUMNS: dict[str, tuple[str, str]] = {}
for _suffix, _breakdown in _SFR_AGE_SUFFIXES.items():
    _SFR_COLUMNS[f"cla_{_suffix}"] = (CLA_31_MARCH, _breakdown)
    _SFR_COLUMNS[f"scla_{_suffix}"] = (STARTED, _breakdown)
_SFR_COLUMNS.update(
    {
        "cla_fost": (CLA_31_MARCH, "placement: foster"),
        "cla_adopt": (CLA_31_MARCH, "placement: placed for adoption"),
        "cla_parent": (CLA_31_MARCH, "placement: placed with parents"),
        "cla_ocom": (CLA_31_MARCH, "placement: independent or semi-independent living"),
        "cla_secure": (CLA_31_MARCH, "placement: secure or children's homes"),
        "cla_ores": (CLA_31_MARCH, "placement: other residential"),
        "cla_rsch": (CLA_31_MARCH, "placement: residential schools"),
        "cla_othpl": (CLA_31_MARCH, "placement: other"),
        "cla_ownp": (CLA_31_MARCH, "provider: own provision"),
        "cla_othla": (CLA_31_MARCH, "provider: other LA"),
        "cla_othpp": (CLA_31_MARCH, "provider: other public"),
        "cla_priv": (CLA_31_MARCH, "provider: private"),
        "cla_vol": (CLA_31_MARCH, "provider: voluntary"),
        "cla_par": (CLA_31_MARCH, "provider: parents"),
        "cla_nrep": (CLA_31_MARCH, "provider: not reported"),
        "cla_cea1": (CEASED, "age: under 1"),
        "cla_cea14": (CEASED, "age: 1-4"),
        "cla_cea59": (CEASED, "age: 5-9"),
        "cla_cea1015": (CEASED, "age: 10-15"),
        "cea_u1": (CEASED, "age: under 1"),
        "cea_1to4": (CEASED, "age: 1-4"),
        "cea_5to9": (CEASED, "age: 5-9"),
        "cea_10to15": (CEASED, "age: 10-15"),
        "cea_16over": (CEASED, _AGE_16_PLUS_CEASED),
    }
)
_SFR_TOTALS = {
    re.compile(r"^cla_mar(\d{4})$"): CLA_31_MARCH,
    re.compile(r"^cla_started(\d{4})$"): STARTED,
    re.compile(r"^cla_cease(\d{4})?$"): CEASED,
    re.compile(r"^cla_rate(\d{4})$"): RATE,
}
# Files with 16, 17 and 18+ ceased columns but no 16-and-over column: summed.
_SFR_CEASED_OLDER = (("cla_cea16", "cla_cea17", "cla_cea18"), ("cea_16", "cea_17", "cea_18over"))

# 2010 layout: 31 March counts by 903 placement code. Only groups whose definitions match the
# later tables are derived (foster = Q1+Q2, adoption = A3-A6, parents = P1).
_SFR2010_PLACEMENTS = {
    "placement: foster": ("q1", "q2"),
    "placement: placed for adoption": ("a3", "a4", "a5", "a6"),
    "placement: placed with parents": ("p1",),
}


def read_published_csv(path: Path) -> pd.DataFrame:
    """All cells as stripped text; UTF-8 (with or without BOM) first, then cp1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, csv.Error) as error:
            raise InputDataError(
                f"{path.name}: could not be read as CSV ({error}). Replace it with the original "
                "file listed in data/published/README.md.",
                file=path.name,
            ) from error
    else:  # pragma: no cover - cp1252 decodes any byte except five unassigned ones
        raise InputDataError(f"{path.name}: unknown text encoding", file=path.name)
    frame.columns = [str(column).strip() for column in frame.columns]
    frame = frame.loc[:, [column != "" and not column.startswith("Unnamed") for column in frame]]
    return frame.apply(lambda column: column.str.strip())


def parse_values(cells: pd.Series, *, file: str = "", column: str = "") -> pd.DataFrame:
    """Published cells -> ``value`` (float, NaN when suppressed) and ``suppression`` (code or '').

    Parameters
    ----------
    cells : pandas.Series
        Cell text as published (numbers may carry thousands separators).
    file, column : str
        Named in the error raised for a cell that is neither a number nor a known code.

    Returns
    -------
    pandas.DataFrame
        Columns ``value`` and ``suppression``, same index as ``cells``.
    """
    text = cells.astype("string").fillna("").str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    lowered = text.str.lower()
    is_code = lowered.isin(list(SUPPRESSION_CODES))
    is_blank = text == ""
    bad = numbers.isna() & ~is_code & ~is_blank
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        label = cells.index[position]
        # Loaders keep the file's row index, so this is the data row in the file (header excluded).
        row = int(label) + 1 if isinstance(label, (int, np.integer)) else position + 1
        raise InputDataError(
            f"{file}: data row {row}, column '{column}': expected a number or a "
            f"suppression code ({', '.join(SUPPRESSION_CODES)}), found '{text.iloc[position]}'. "
            "Replace the file with the original listed in data/published/README.md.",
            file=file,
        )
    suppression = np.where(is_code, lowered, np.where(is_blank, "x", ""))
    value = numbers.where(~(is_code | is_blank)).astype(float)
    return pd.DataFrame({"value": value, "suppression": suppression}, index=cells.index)


def _records(
    la: pd.DataFrame,
    values: pd.Series,
    *,
    year: int | pd.Series,
    measure: str,
    breakdown: str,
    source: str,
    release: float,
    column: str = "",
) -> pd.DataFrame:
    parsed = parse_values(values, file=source, column=column)
    return pd.DataFrame(
        {
            "la_code": la["la_code"].to_numpy(),
            "old_la_code": la["old_la_code"].to_numpy(),
            "la_name": la["la_name"].to_numpy(),
            "year": np.asarray(year, dtype=int) if not np.isscalar(year) else int(year),
            "measure": measure,
            "breakdown": breakdown,
            "value": parsed["value"].to_numpy(),
            "suppression": parsed["suppression"].to_numpy(),
            "source": source,
            "_release": release,
        }
    )


def _sum_parts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum of parsed parts; NaN (first part's code) unless every part is a number."""
    values = np.sum([part["value"].to_numpy() for part in parts], axis=0)
    codes = np.full(len(values), "", dtype=object)
    for part in reversed(parts):
        codes = np.where(part["suppression"].to_numpy() != "", part["suppression"], codes)
    return pd.DataFrame({"value": values, "suppression": np.where(np.isnan(values), codes, "")})


def _sfr_la_rows(frame: pd.DataFrame) -> pd.DataFrame:
    lower = {column.lower(): column for column in frame.columns}
    level = frame[lower["geog_l"]].str.upper()
    code = frame[lower["geog_c"]]
    keep = code.str.fullmatch(r"\d{3}") & ~level.isin(["NATIONAL", "REGION", "GOR"])
    la = frame.loc[keep]
    new_code = la[lower["new_geog_code"]] if "new_geog_code" in lower else ""
    la = la.assign(
        la_code=new_code, old_la_code=la[lower["geog_c"]], la_name=la[lower["geog_n"]].str.strip()
    )
    return la


def _load_sfr_2010(root: Path) -> list[pd.DataFrame]:
    out = []
    folder = root / _SFR_FOLDER / "2010"
    for name, measure in (
        ("SFR27_2010_March.csv", CLA_31_MARCH),
        ("SFR27_2010_Started.csv", STARTED),
        ("SFR27_2010_Ceased.csv", CEASED),
    ):
        path = folder / name
        source = f"{_SFR_FOLDER}/2010/{name}"
        la = _sfr_la_rows(read_published_csv(path))
        lower = {column.lower(): column for column in la.columns}
        total = next(c for c in lower if c.endswith("total_2010"))
        common = dict(year=2010, measure=measure, source=source, release=2010.0)
        out.append(_records(la, la[lower[total]], breakdown="total", column=lower[total], **common))
        if measure == CLA_31_MARCH:
            out.append(
                _records(
                    la,
                    la[lower["mid2009pop0-17"]],
                    year=2010,
                    measure=POPULATION,
                    breakdown="total",
                    source=source,
                    release=2010.0,
                    column="Mid2009Pop0-17",
                )
            )
            # The March file's placement headers are out of order: the values run in alphabetical
            # code order (A3, A4, ... Z1). Checked: read that way, foster (Q1+Q2) is 73% of the
            # England total and each LA's 2010 foster count is close to its 2011 CLA_Fost.
            header_columns = [c for c in la.columns if c.lower().startswith("marplace_")]
            true_codes = sorted(c.lower().split("_")[1] for c in header_columns)
            column_of = dict(zip(true_codes, header_columns, strict=True))
            for breakdown, codes in _SFR2010_PLACEMENTS.items():
                parts = [
                    parse_values(la[column_of[code]], file=source, column=column_of[code])
                    for code in codes
                ]
                summed = _sum_parts(parts)
                record = _records(la, la[lower[total]], breakdown=breakdown, **common)
                record["value"] = summed["value"].to_numpy()
                record["suppression"] = summed["suppression"].to_numpy()
                out.append(record)
    return out


def _load_sfr(root: Path) -> list[pd.DataFrame]:
    out = _load_sfr_2010(root)
    for folder in sorted((root / _SFR_FOLDER).iterdir()):
        if not folder.is_dir() or folder.name == "2010":
            continue
        file_year = int(folder.name)
        for path in sorted(folder.glob("*.csv")):
            source = f"{_SFR_FOLDER}/{folder.name}/{path.name}"
            la = _sfr_la_rows(read_published_csv(path))
            lower = {column.lower().replace("-", "_"): column for column in la.columns}
            totals = [
                (column, measure, match.group(1))
                for column in lower
                for pattern, measure in _SFR_TOTALS.items()
                if (match := pattern.match(column))
            ]
            multi_year = sum(1 for _, measure, _ in totals if measure != RATE) > 1
            for column, measure, suffix in totals:
                # Single-year files: the file's year (2015's ADM file labels its column 2014).
                year = int(suffix) if multi_year and suffix else file_year
                out.append(
                    _records(
                        la,
                        la[lower[column]],
                        year=year,
                        measure=measure,
                        breakdown="total",
                        source=source,
                        release=float(file_year),
                        column=lower[column],
                    )
                )
            for column, (measure, breakdown) in _SFR_COLUMNS.items():
                if column in lower:
                    out.append(
                        _records(
                            la,
                            la[lower[column]],
                            year=file_year,
                            measure=measure,
                            breakdown=breakdown,
                            source=source,
                            release=float(file_year),
                            column=lower[column],
                        )
                    )
            ceased_16 = "cla_cea16" in lower and "cla_cea17" not in lower
            if ceased_16:  # 2011-2015: one 16-and-over column
                out.append(
                    _records(
                        la,
                        la[lower["cla_cea16"]],
                        year=file_year,
                        measure=CEASED,
                        breakdown=_AGE_16_PLUS_CEASED,
                        source=source,
                        release=float(file_year),
                        column=lower["cla_cea16"],
                    )
                )
            for group in _SFR_CEASED_OLDER:
                if all(column in lower for column in group) and "cea_16over" not in lower:
                    summed = _sum_parts(
                        [parse_values(la[lower[c]], file=source, column=c) for c in group]
                    )
                    record = _records(
                        la,
                        la[lower[group[0]]],
                        year=file_year,
                        measure=CEASED,
                        breakdown=_AGE_16_PLUS_CEASED,
                        source=source,
                        release=float(file_year),
                    )
                    record["value"] = summed["value"].to_numpy()
                    record["suppression"] = summed["suppression"].to_numpy()
                    out.append(record)
    return out


def _ees_la_rows(frame: pd.DataFrame) -> pd.DataFrame:
    la = frame.loc[frame["geographic_level"] == "Local authority"]
    return la.assign(la_code=la["new_la_code"], la_name=la["la_name"].str.strip())


def _load_number_and_rate(root: Path) -> list[pd.DataFrame]:
    out = []
    for rel, release in _NUMBER_AND_RATE.items():
        la = _ees_la_rows(read_published_csv(root / rel))
        label_column = "population_type" if "population_type" in la else "population_count"
        count_column = "children_count" if "children_count" in la else "number"
        label = la[label_column].str.lower()
        kinds = {
            CLA_31_MARCH: (label.str.contains("looked after (?:at|on) 31 march"), RATE),
            STARTED: (label.str.contains("starting"), STARTED_RATE),
            CEASED: (label.str.contains("ceasing"), CEASED_RATE),
        }
        for measure, (mask, rate_measure) in kinds.items():
            rows = la.loc[mask]
            common = dict(
                year=rows["time_period"].astype(int),
                breakdown="total",
                source=rel,
                release=float(release) + 0.5,  # same release as its characteristics: totals win
            )
            out.append(
                _records(rows, rows[count_column], measure=measure, column=count_column, **common)
            )
            out.append(
                _records(
                    rows,
                    rows["rate_per_10000"],
                    measure=rate_measure,
                    column="rate_per_10000",
                    **common,
                )
            )
            if measure == CLA_31_MARCH:
                out.append(
                    _records(
                        rows,
                        rows["population_estimate"],
                        measure=POPULATION,
                        column="population_estimate",
                        **common,
                    )
                )
    return out


def _load_characteristics(root: Path) -> list[pd.DataFrame]:
    out = []
    for rel, (measure, release) in _CHARACTERISTICS.items():
        la = _ees_la_rows(read_published_csv(root / rel))
        key = list(zip(la["cla_group"], la["characteristic"], strict=True))
        breakdown = pd.Series([_EES_BREAKDOWNS.get(k) for k in key], index=la.index, dtype=object)
        if measure == CEASED:
            breakdown = breakdown.where(
                ~la["characteristic"].isin(["16 years and over"]), _AGE_16_PLUS_CEASED
            )
        known = breakdown.notna().to_numpy()
        rows = la.loc[known]
        for name, group in rows.groupby(breakdown[known].to_numpy(), sort=False):
            out.append(
                _records(
                    group,
                    group["number"],
                    year=group["time_period"].astype(int),
                    measure=measure,
                    breakdown=str(name),
                    source=rel,
                    release=float(release),
                    column="number",
                )
            )
        if measure == CEASED:
            older = la.loc[la["characteristic"].isin(_CEASED_OLDER)]
            parts = []
            for characteristic in sorted(_CEASED_OLDER):
                part = older.loc[older["characteristic"] == characteristic]
                parts.append(part.set_index(["time_period", "old_la_code"]))
            common_index = parts[0].index
            for part in parts[1:]:
                common_index = common_index.intersection(part.index)
            parsed = [
                parse_values(
                    part.loc[common_index, "number"], file=rel, column="number"
                ).reset_index(drop=True)
                for part in parts
            ]
            summed = _sum_parts(parsed)
            base = parts[0].loc[common_index].reset_index()
            record = _records(
                base,
                base["number"],
                year=base["time_period"].astype(int),
                measure=CEASED,
                breakdown=_AGE_16_PLUS_CEASED,
                source=rel,
                release=float(release),
            )
            record["value"] = summed["value"].to_numpy()
            record["suppression"] = summed["suppression"].to_numpy()
            out.append(record)
    return out


def _load_population(root: Path) -> list[pd.DataFrame]:
    rel, release = _ONS_POPULATION
    la = _ees_la_rows(read_published_csv(root / rel))
    # ONS mid-year t is DfE's denominator for the year ending 31 March t+1.
    return [
        _records(
            la,
            la["population_estimate"],
            year=la["time_period"].astype(int) + 1,
            measure=POPULATION,
            breakdown="total",
            source=rel,
            release=float(release) + 0.75,
            column="population_estimate",
        )
    ]


def _harmonise_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every row the newest ONS code and name for its DfE code."""
    newest = (
        frame.loc[frame["la_code"].str.match(r"^E\d{8}$", na=False)]
        .sort_values(["_release", "year"])
        .drop_duplicates("old_la_code", keep="last")
        .set_index("old_la_code")
    )
    missing = sorted(set(frame["old_la_code"]) - set(newest.index))
    if missing:
        raise InputDataError(
            f"published tables: no ONS code found for DfE LA code(s) {', '.join(missing)}. "
            "Restore data/published/ from the repository.",
        )
    frame["la_code"] = frame["old_la_code"].map(newest["la_code"])
    frame["la_name"] = frame["old_la_code"].map(newest["la_name"])
    return frame


@lru_cache(maxsize=4)
def _load(root: str) -> pd.DataFrame:
    folder = Path(root)
    if not (folder / _SFR_FOLDER).is_dir():
        raise InputDataError(
            f"{folder}: the published tables folder is missing or incomplete (expected "
            f"{_SFR_FOLDER}/). Restore data/published/ from the repository or set "
            "SUFFICIENCY_DATA_DIR to a folder that contains it.",
        )
    try:
        parts = (
            _load_sfr(folder)
            + _load_number_and_rate(folder)
            + _load_characteristics(folder)
            + _load_population(folder)
        )
    except (FileNotFoundError, KeyError) as error:
        raise InputDataError(
            f"{folder}: a published file or column is missing ({error}). Restore "
            "data/published/ from the repository.",
        ) from error
    frame = pd.concat(parts, ignore_index=True)
    frame = _harmonise_codes(frame)
    # Newest release wins; within a release a number beats a code.
    frame["_has_value"] = frame["value"].notna()
    frame = frame.sort_values(["_release", "_has_value"], kind="stable")
    frame = frame.drop_duplicates(["la_code", "year", "measure", "breakdown"], keep="last")
    frame = frame.drop(columns=["_release", "_has_value"])
    frame = frame.sort_values(["la_code", "measure", "breakdown", "year"]).reset_index(drop=True)
    for column in ("la_code", "old_la_code", "la_name", "measure", "breakdown", "suppression"):
        frame[column] = frame[column].astype(str)
    frame["source"] = frame["source"].astype(str)
    frame["year"] = frame["year"].astype(int)
    frame["value"] = frame["value"].astype(float)
    return frame[list(COLUMNS)]


def load_published_tables(folder: str | Path | None = None) -> pd.DataFrame:
    """All published LA-level tables as one tidy long table (see :data:`COLUMNS`).

    Parameters
    ----------
    folder : str or Path, optional
        Folder holding the published files; defaults to ``data/published/``.

    Returns
    -------
    pandas.DataFrame
        One row per (la_code, year, measure, breakdown), 2010-2024 (population to 2025). Read once
        per process and memoised; a copy is returned.
    """
    root = Path(folder) if folder is not None else published_dir()
    return _load(str(root.resolve())).copy()


def continuous_la_codes(
    frame: pd.DataFrame | None = None,
    *,
    measure: str = CLA_31_MARCH,
    breakdown: str = "total",
    first_year: int = 2010,
    last_year: int = 2024,
) -> list[str]:
    """LA codes with a published (non-missing) figure in every year from first to last year."""
    frame = load_published_tables() if frame is None else frame
    rows = frame.loc[
        (frame["measure"] == measure)
        & (frame["breakdown"] == breakdown)
        & frame["year"].between(first_year, last_year)
        & frame["value"].notna()
    ]
    years = rows.groupby("la_code")["year"].nunique()
    return sorted(years.index[years == last_year - first_year + 1])


def continuous_series_only(
    frame: pd.DataFrame,
    *,
    measure: str = CLA_31_MARCH,
    breakdown: str = "total",
    first_year: int = 2010,
    last_year: int = 2024,
) -> pd.DataFrame:
    """Restrict a published or series frame to LAs with an unbroken series.

    Works on the tidy table (``la_code``) and on series frames (``unique_id``). LAs affected by
    boundary changes (:data:`BOUNDARY_CHANGES`) and LAs with a suppressed year drop out.
    """
    codes = continuous_la_codes(
        load_published_tables(),
        measure=measure,
        breakdown=breakdown,
        first_year=first_year,
        last_year=last_year,
    )
    key = "la_code" if "la_code" in frame.columns else "unique_id"
    return frame.loc[frame[key].isin(codes)].reset_index(drop=True)


def annual_series(
    measure: str = CLA_31_MARCH,
    breakdown: str = "total",
    *,
    continuous_only: bool = False,
    first_year: int = 2010,
    last_year: int = 2024,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One published measure as a long forecasting frame.

    Parameters
    ----------
    measure, breakdown : str
        Which figure (see :data:`MEASURES`; breakdown 'total' or e.g. 'age: 10-15').
    continuous_only : bool
        Keep only LAs with a figure in every year from ``first_year`` to ``last_year``.
    first_year, last_year : int
        Years (ending 31 March) to keep.
    frame : pandas.DataFrame, optional
        A tidy table from :func:`load_published_tables`; loaded when not given.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (la_code), ``ds`` (31 March of the year), ``y`` (float). Suppressed
        years are left out (not zero-filled).
    """
    frame = load_published_tables() if frame is None else frame
    if measure not in set(frame["measure"]):
        raise InputDataError(
            f"published tables: unknown measure '{measure}'. Use one of: {', '.join(MEASURES)}."
        )
    rows = frame.loc[
        (frame["measure"] == measure)
        & (frame["breakdown"] == breakdown)
        & frame["year"].between(first_year, last_year)
        & frame["value"].notna()
    ]
    if rows.empty:
        known = sorted(set(frame.loc[frame["measure"] == measure, "breakdown"]))
        raise InputDataError(
            f"published tables: no figures for measure '{measure}' with breakdown '{breakdown}'. "
            f"Breakdowns available: {', '.join(known)}."
        )
    if continuous_only:
        codes = continuous_la_codes(
            frame,
            measure=measure,
            breakdown=breakdown,
            first_year=first_year,
            last_year=last_year,
        )
        rows = rows.loc[rows["la_code"].isin(codes)]
    series = pd.DataFrame(
        {
            "unique_id": rows["la_code"].astype(str).to_numpy(),
            "ds": pd.to_datetime({"year": rows["year"], "month": 3, "day": 31}).to_numpy(),
            "y": rows["value"].astype(float).to_numpy(),
        }
    )
    return series.sort_values(["unique_id", "ds"]).reset_index(drop=True)


REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
"""The nine English regions (ONS codes); DfE's Inner and Outer London are both London here."""

ENGLAND_CODE = "E92000001"

LA_TYPES: dict[str, str] = {
    "E06": "unitary authority",
    "E08": "metropolitan district",
    "E09": "London borough",
    "E10": "county council",
}
"""Kind of authority, from the first three characters of its ONS code."""

_REGION_FILES = (
    "dfe_cla/la_2022_release/cla_number_and_rate_per_10k_children.csv",
    "dfe_cla/la_2021_2024/cla_number_and_rate_per_10k_children.csv",
    _ONS_POPULATION[0],
)
_LONDON_PARTS = {"Inner London", "Outer London"}


@lru_cache(maxsize=4)
def _authorities(root: str) -> pd.DataFrame:
    folder = Path(root)
    rows = []
    for rel in _REGION_FILES:
        la = _ees_la_rows(read_published_csv(folder / rel))
        rows.append(la[["old_la_code", "region_name"]])
    regions = pd.concat(rows).drop_duplicates("old_la_code", keep="last")
    regions["region_name"] = regions["region_name"].where(
        ~regions["region_name"].isin(_LONDON_PARTS), "London"
    )
    code_of_region = {name: code for code, name in REGIONS.items()}
    unknown = sorted(set(regions["region_name"]) - set(code_of_region))
    if unknown:
        raise InputDataError(
            f"published tables: unknown region name(s) {', '.join(unknown)} in "
            f"{', '.join(_REGION_FILES)}. Restore data/published/ from the repository."
        )
    names = (
        _load(root)[["la_code", "old_la_code", "la_name"]]
        .drop_duplicates("la_code")
        .merge(regions, on="old_la_code", how="left")
    )
    missing = names.loc[names["region_name"].isna(), "la_name"].tolist()
    if missing:
        raise InputDataError(
            f"published tables: no region found for {', '.join(missing)}. Restore "
            "data/published/ from the repository."
        )
    names["region_code"] = names["region_name"].map(code_of_region)
    names["la_type"] = names["la_code"].str[:3].map(LA_TYPES).fillna("other")
    return names.sort_values(["region_code", "la_name"]).reset_index(drop=True)[
        ["la_code", "old_la_code", "la_name", "region_code", "region_name", "la_type"]
    ]


def authorities(folder: str | Path | None = None) -> pd.DataFrame:
    """Every local authority in the published tables with its region and kind.

    Regions come from the LA rows of the EES number-and-rate files (2018-2024) and the ONS
    population file (which still lists Bournemouth, Poole and the old Dorset county); Inner and
    Outer London are one region, London.

    Returns
    -------
    pandas.DataFrame
        ``la_code, old_la_code, la_name, region_code, region_name, la_type`` (one row per LA code,
        including authorities that no longer exist; see :data:`BOUNDARY_CHANGES`).
    """
    root = Path(folder) if folder is not None else published_dir()
    return _authorities(str(root.resolve())).copy()
