"""Regenerate the synthetic demo authority in ``data/demo/`` (deterministic for the seed).

Usage::

    python scripts/generate_demo.py                      # regenerate data/demo from the targets
    python scripts/generate_demo.py --extract-targets /work/shared/data/real
                                                         # first rebuild calibration_targets.csv

The demo is calibrated to published DfE figures for Middlesbrough (E06000002), a north-east
unitary; see ``data/demo/README.md``. ``--extract-targets`` re-reads those figures from the DfE
tables (the SFR underlying files for 2012-2019, the 2022 release for 2018-2022 totals and the
2025-release tables filtered to 2021-2024) and rewrites ``data/demo/calibration_targets.csv``.
The generator only ever reads the committed CSV, so a fresh clone does not need the DfE files.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sufficiency.data import synthetic  # noqa: E402
from sufficiency.spreadsheets import write_csv  # noqa: E402

LA_NAME = "Middlesbrough"
LA_CODE = "E06000002"

FOSTER = "PLACE=U1|U2|U3|U4|U5|U6"
ADOPTION = "PLACE=A3|A4|A5|A6"
PARENTS = "PLACE=P1"

# SFR underlying files (2012-2019): column -> (breakdown label, filter on the episode's codes).
_SFR_AGE = {
    "CLA_U1": "under 1",
    "CLA_1to4": "1-4",
    "CLA_5to9": "5-9",
    "CLA_10to15": "10-15",
    "CLA_16over": "16-17",
}
_SFR_PLACEMENT = {
    "CLA_Fost": ("placement: foster", FOSTER),
    "CLA_Adopt": ("placement: placed for adoption", ADOPTION),
    "CLA_Parent": ("placement: placed with parents", PARENTS),
    # DfE metadata: "secure units, children's homes and semi-independent living accommodation".
    "CLA_Secure": ("placement: secure, children's homes and semi-independent", "PLACE=K1|K2|H5|K3"),
}
_SFR_PROVIDER = {"CLA_OwnP": ("provider: own provision", "PLACE_PROVIDER=PR1")}
_SFR_STARTS_AGE = {
    "SCLA_U1": "under 1",
    "SCLA_1to4": "1-4",
    "SCLA_5to9": "5-9",
    "SCLA_10to15": "10-15",
    "SCLA_16over": "16-17",
}
_SFR_FILES = {
    2012: ("2012/SFR20_CLA2012.csv", "2012/SFR20_ADM2012.csv", "2012/SFR_CEA2012.csv"),
    2013: ("2013/SFR36_CLA2013.csv", "2013/SFR36_ADM2013.csv", "2013/SFR36_CEA2013.csv"),
    2014: ("2014/SFR36_CLA2014.csv", "2014/SFR36_ADM2014.csv", "2014/SFR36_CEA2014.csv"),
    2015: ("2015/SFR34_CLA2015.csv", "2015/SFR34_ADM2015.csv", "2015/SFR34_CEA2015.csv"),
    2016: ("2016/SFR41_CLA2016.csv", "2016/SFR41_ADM2016.csv", "2016/SFR41_CEA2016.csv"),
    2017: ("2017/SFR50_CLA2017.csv", "2017/SFR50_ADM2017.csv", "2017/SFR50_CEA2017.csv"),
    2018: ("2018/CLA2018.csv", "2018/ADM2018_amended.csv", "2018/CEA2018.csv"),
    2019: ("2019/CLA2019.csv", "2019/ADM2019.csv", "2019/CEA2019.csv"),
}

# EES 31 March characteristics (2021-2024): characteristic -> (breakdown, filter).
_EES_AGE = {
    "Under 1 year": "under 1",
    "1 to 4 years": "1-4",
    "5 to 9 years": "5-9",
    "10 to 15 years": "10-15",
    "16 years and over": "16-17",
}
_EES_PLACEMENT = {
    "Foster placements": ("placement: foster", FOSTER),
    "Placed for adoption": ("placement: placed for adoption", ADOPTION),
    "Placed with parents or other person with parental responsibility": (
        "placement: placed with parents",
        PARENTS,
    ),
    "Secure homes and children's homes": ("placement: secure and children's homes", "PLACE=K1|K2"),
    "Independent and semi-independent living arrangements/supported accommodation": (
        "placement: independent, semi-independent and supported",
        "PLACE=H5|K3|P2",
    ),
}
_EES_REASONS = {
    "Adopted": ("reason: adopted", "REC=E11|E12"),
    "Special guardianship orders": ("reason: special guardianship", "REC=E45|E46|E47|E48"),
    "Residence order or child arrangement order granted": (
        "reason: child arrangements order",
        "REC=E41",
    ),
    "Care ceased for any other reason": ("reason: any other reason", "REC=E8"),
}
_EES_PROVIDER = {"Own provision (by the LA)": ("provider: own provision", "PLACE_PROVIDER=PR1")}

# Generator inputs not published at LA level: counts by the project's placement categories at
# 31 March. Foster, adoption, parents and residential+supported totals follow the DfE tables
# above; the split of fostering into kinship / in-house / IFA and of residential into in-house /
# external is derived from the DfE "own provision" counts and the council-report figures in
# DOMAIN.md (kinship peak 212 in 2020 falling to 114; Jan 2022: 52% of foster placements in-house,
# 34% of residential in the council's own homes). 2020 has no LA placement table: foster (439) is
# from the Goodair panel (la_panel_2011_2022), the rest interpolated. Order of columns:
_CATEGORY_KEYS = (
    "kinship fostering",
    "in-house fostering",
    "IFA fostering",
    "in-house residential",
    "external residential",
    "secure",
    "supported / semi-independent",
    "placed with parents",
    "placed for adoption",
    "other",
)
_DERIVED_CATEGORIES: dict[int, tuple[int, ...]] = {
    2012: (40, 95, 136, 14, 30, 1, 12, 10, 10, 3),
    2013: (45, 90, 143, 14, 24, 1, 16, 10, 15, 2),
    2014: (45, 85, 129, 16, 30, 1, 20, 15, 9, 3),
    2015: (50, 80, 135, 16, 30, 1, 19, 21, 8, 1),
    2016: (55, 80, 138, 16, 25, 1, 15, 40, 7, 0),
    2017: (70, 80, 172, 17, 30, 1, 12, 56, 5, 1),
    2018: (90, 75, 172, 18, 30, 1, 12, 61, 6, 1),
    2019: (130, 61, 169, 18, 34, 1, 16, 75, 12, 2),
    2020: (195, 63, 181, 18, 38, 1, 16, 92, 12, 2),
    2021: (160, 70, 173, 19, 36, 1, 23, 71, 17, 0),
    2022: (114, 78, 163, 17, 33, 1, 25, 48, 21, 2),
    2023: (105, 100, 161, 18, 34, 1, 32, 34, 20, 4),
    2024: (100, 99, 154, 21, 44, 1, 11, 49, 10, 24),
}
_DOMAIN = "DOMAIN.md (council scrutiny / corporate parenting reports)"


def _number(value: str) -> float | None:
    value = (value or "").strip().replace(",", "")
    try:
        return float(value)
    except ValueError:
        return None  # suppressed (x, c, z, ...): left out, never treated as zero


def _sfr_row(path: Path, la_name: str = LA_NAME) -> dict[str, str]:
    with path.open(encoding="latin-1", newline="") as handle:
        for row in csv.DictReader(handle):
            if any(la_name == (value or "").strip() for value in row.values()):
                return {k.strip(): v for k, v in row.items() if k}
    raise ValueError(f"{la_name} not found in {path}")


def extract_targets(
    real_dir: Path, la_name: str = LA_NAME, la_code: str = LA_CODE, council_reports: bool = True
) -> pd.DataFrame:
    """Read the calibration targets for the demo from the copied DfE tables.

    Parameters
    ----------
    real_dir : Path
        The ``data/real`` folder described in the shared README (holds ``dfe_cla/``).
    la_name, la_code : str
        The authority (default Middlesbrough, the demo's); other authorities are used for the
        synthetic test authorities (``scripts/generate_test_authorities.py``).
    council_reports : bool
        Add the demo's council-report figures and derived placement categories (DOMAIN.md);
        only true of Middlesbrough.

    Returns
    -------
    pandas.DataFrame
        Columns measure, year, period_end, breakdown, filter, value, source, note. Where releases
        overlap the newest figure is kept.
    """
    dfe = real_dir / "dfe_cla"
    rows: list[dict] = []

    def add(measure, year, breakdown, value, source, filter_="", period_end=None, note=""):
        if value is None:
            return
        rows.append(
            {
                "measure": measure,
                "year": int(year),
                "period_end": period_end or f"{int(year)}-03-31",
                "breakdown": breakdown,
                "filter": filter_,
                "value": float(value),
                "source": source,
                "note": note,
            }
        )

    for year, (cla_file, adm_file, cea_file) in _SFR_FILES.items():
        source = f"dfe_cla/la_underlying_2010_2019/{cla_file}"
        cla = _sfr_row(dfe / "la_underlying_2010_2019" / cla_file, la_name)
        add("cla_31_march", year, "total", _number(cla.get(f"CLA_Mar{year}")), source)
        for column, band in _SFR_AGE.items():
            add("cla_31_march", year, f"age: {band}", _number(cla[column]), source, f"age={band}")
        for column, (label, filter_) in {**_SFR_PLACEMENT, **_SFR_PROVIDER}.items():
            add("cla_31_march", year, label, _number(cla[column]), source, filter_)
        # Later files carry revised 5-year series of 31 March totals.
        for back in range(year - 4, year):
            revised = _number(cla.get(f"CLA_Mar{back}", ""))
            add("cla_31_march_revised", back, "total", revised, source)
        adm_source = f"dfe_cla/la_underlying_2010_2019/{adm_file}"
        adm = _sfr_row(dfe / "la_underlying_2010_2019" / adm_file, la_name)
        started = next(
            (adm[k] for k in (f"CLA_started{year}", "CLA_started2014") if k in adm), None
        )
        add("started", year, "total", _number(started), adm_source)
        for back in range(year - 4, year):
            add(
                "started_revised",
                back,
                "total",
                _number(adm.get(f"CLA_started{back}", "")),
                adm_source,
            )
        for column, band in _SFR_STARTS_AGE.items():
            add("started", year, f"age: {band}", _number(adm[column]), adm_source, f"age={band}")
        cea_source = f"dfe_cla/la_underlying_2010_2019/{cea_file}"
        cea = _sfr_row(dfe / "la_underlying_2010_2019" / cea_file, la_name)
        ceased = next((cea[k] for k in (f"CLA_cease{year}", "CLA_cease") if k in cea), None)
        add("ceased", year, "total", _number(ceased), cea_source)
        for back in range(year - 4, year):
            add(
                "ceased_revised",
                back,
                "total",
                _number(cea.get(f"CLA_cease{back}", "")),
                cea_source,
            )

    # 2022 release: totals, starts and ceased 2018-2022.
    release_2022 = "dfe_cla/la_2022_release/cla_number_and_rate_per_10k_children.csv"
    frame = pd.read_csv(dfe / "la_2022_release/cla_number_and_rate_per_10k_children.csv", dtype=str)
    frame = frame[frame["new_la_code"] == la_code]
    measures = {
        "Children looked after at 31 March each year": "cla_31_march_revised",
        "Children starting to be looked after each year": "started_revised",
        "Children ceasing to be looked after each year": "ceased_revised",
    }
    for _, row in frame.iterrows():
        measure = measures.get(row["population_count"])
        if measure:
            add(measure, row["time_period"], "total", _number(row["number"]), release_2022)

    # 2025 release filtered to 2021-2024: totals, starts, ceased.
    latest = "dfe_cla/la_2021_2024/cla_number_and_rate_per_10k_children.csv"
    frame = pd.read_csv(dfe / "la_2021_2024/cla_number_and_rate_per_10k_children.csv", dtype=str)
    frame = frame[frame["new_la_code"] == la_code]
    measures = {
        "Children looked after on 31 March each year": "cla_31_march_revised",
        "Children starting to be looked after each year": "started_revised",
        "Children ceasing to be looked after each year": "ceased_revised",
    }
    for _, row in frame.iterrows():
        measure = measures.get(row["population_type"])
        if measure:
            add(measure, row["time_period"], "total", _number(row["children_count"]), latest)

    chars = "dfe_cla/la_2021_2024/la_cla_on_31_march_by_characteristics__from_dashboard_rds_2021_2024.csv"
    frame = pd.read_csv(dfe.parent / chars, dtype=str)
    frame = frame[frame["new_la_code"] == la_code]
    for _, row in frame.iterrows():
        group, characteristic, value = row["cla_group"], row["characteristic"], row["number"]
        if group == "Age group" and characteristic in _EES_AGE:
            band = _EES_AGE[characteristic]
            add(
                "cla_31_march",
                row["time_period"],
                f"age: {band}",
                _number(value),
                chars,
                f"age={band}",
            )
        elif group == "Placement" and characteristic in _EES_PLACEMENT:
            label, filter_ = _EES_PLACEMENT[characteristic]
            add("cla_31_march", row["time_period"], label, _number(value), chars, filter_)
        elif group == "Place providers" and characteristic in _EES_PROVIDER:
            label, filter_ = _EES_PROVIDER[characteristic]
            add("cla_31_march", row["time_period"], label, _number(value), chars, filter_)

    starts = (
        "dfe_cla/la_2021_2024/"
        "la_children_who_started_to_be_looked_after_during_the_year__from_dashboard_rds_2021_2024.csv"
    )
    frame = pd.read_csv(dfe.parent / starts, dtype=str)
    frame = frame[(frame["new_la_code"] == la_code) & (frame["cla_group"] == "Age on starting")]
    for _, row in frame.iterrows():
        if row["characteristic"] in _EES_AGE:
            band = _EES_AGE[row["characteristic"]]
            add(
                "started",
                row["time_period"],
                f"age: {band}",
                _number(row["number"]),
                starts,
                f"age={band}",
            )

    ceased = "dfe_cla/la_2024_release/la_children_who_ceased_during_the_year.csv"
    frame = pd.read_csv(dfe.parent / ceased, dtype=str)
    frame = frame[
        (frame["new_la_code"] == la_code) & (frame["cla_group"] == "Reason episode ceased")
    ]
    for _, row in frame.iterrows():
        if row["characteristic"] in _EES_REASONS:
            label, filter_ = _EES_REASONS[row["characteristic"]]
            add("ceased", row["time_period"], label, _number(row["number"]), ceased, filter_)

    # Newest revision wins for totals.
    table = pd.DataFrame(rows)
    sources_rank = {
        "dfe_cla/la_2021_2024": 3,
        "dfe_cla/la_2022_release": 2,
    }
    table["_rank"] = table["source"].map(
        lambda s: next((r for prefix, r in sources_rank.items() if s.startswith(prefix)), 1)
    )
    totals = []
    for base in ("cla_31_march", "started", "ceased"):
        both = table[
            table["measure"].isin([base, f"{base}_revised"]) & (table["breakdown"] == "total")
        ]
        best = both.sort_values(["year", "_rank", "source"]).groupby("year").tail(1).copy()
        best["measure"] = base
        best["note"] = "newest release where releases overlap"
        totals.append(best)
    detail = table[~table["measure"].str.endswith("_revised") & (table["breakdown"] != "total")]
    table = pd.concat([*totals, detail], ignore_index=True).drop(columns="_rank")
    if not council_reports:
        table["year"] = table["year"].astype(int)
        return table.sort_values(["measure", "breakdown", "year"], kind="mergesort").reset_index(
            drop=True
        )

    # Council-report figures quoted in DOMAIN.md (month-end points and shares).
    for period_end, value in (("2020-09-30", 702), ("2021-07-31", 539), ("2022-01-31", 510)):
        extra = {
            "measure": "cla_month_end",
            "year": int(period_end[:4]) + (period_end[5:7] > "03"),
            "period_end": period_end,
            "breakdown": "total",
            "filter": "",
            "value": float(value),
            "source": _DOMAIN,
            "note": "peak 702 in Sept 2020; 539 July 2021; 510 Jan 2022",
        }
        table = pd.concat([table, pd.DataFrame([extra])], ignore_index=True)
    report_rows = [
        (
            "in_house_share",
            2022,
            "2022-01-31",
            "fostering",
            "",
            52.0,
            "169 of 326 foster placements with the council's own carers (own provision incl. "
            "connected carers), percent",
        ),
        (
            "in_house_share",
            2022,
            "2022-01-31",
            "residential",
            "",
            34.0,
            "23 of 68 children in residential care in the council's own homes, percent",
        ),
        (
            "cla_month_end",
            2021,
            "2020-09-30",
            "placement: kinship fostering",
            "placement_category=kinship fostering",
            212.0,
            "connected carer placements, 2020 peak",
        ),
        (
            "cla_month_end",
            2022,
            "2022-01-31",
            "placement: kinship fostering",
            "placement_category=kinship fostering",
            114.0,
            "connected carer placements after the fall",
        ),
        (
            "cla_month_end",
            2021,
            "2020-09-30",
            "placement: placed with parents",
            PARENTS,
            99.0,
            "placed with parents, Sept 2020",
        ),
    ]
    for measure, year, period_end, breakdown, filter_, value, note in report_rows:
        table = pd.concat(
            [
                table,
                pd.DataFrame(
                    [
                        {
                            "measure": measure,
                            "year": year,
                            "period_end": period_end,
                            "breakdown": breakdown,
                            "filter": filter_,
                            "value": value,
                            "source": _DOMAIN,
                            "note": note,
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
    derived = [
        {
            "measure": "generator_category",
            "year": year,
            "period_end": f"{year}-03-31",
            "breakdown": f"placement: {key}",
            "filter": f"placement_category={key}",
            "value": float(value),
            "source": "derived (generator input; see data/demo/README.md)",
            "note": "DfE placement/provider counts split with DOMAIN.md shares",
        }
        for year, values in _DERIVED_CATEGORIES.items()
        for key, value in zip(_CATEGORY_KEYS, values, strict=True)
    ]
    table = pd.concat([table, pd.DataFrame(derived)], ignore_index=True)
    table["year"] = table["year"].astype(int)
    return table.sort_values(["measure", "breakdown", "year"], kind="mergesort").reset_index(
        drop=True
    )


MARK_START = "<!-- calibration table: written by scripts/generate_demo.py -->"
MARK_END = "<!-- end of calibration table -->"


def _on(episodes: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return episodes[(episodes["decom"] <= day) & (episodes["dec"].isna() | (episodes["dec"] > day))]


def calibration_table(folder: Path, targets: pd.DataFrame) -> str:
    """Markdown tables of target vs achieved, computed from the written extracts via read_903."""
    from sufficiency import codes
    from sufficiency.data.demo import demo_extract_folders
    from sufficiency.data.ssda903 import read_903

    data = read_903(demo_extract_folders(folder))
    episodes = data.episodes[~data.episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUSES)]
    first, last = synthetic.DEMO_FIRST_YEAR, synthetic.DEMO_LAST_YEAR

    def target(measure, breakdown, year=None, period_end=None):
        rows = targets[(targets["measure"] == measure) & (targets["breakdown"] == breakdown)]
        if year is not None:
            rows = rows[rows["year"] == year]
        if period_end is not None:
            rows = rows[rows["period_end"] == pd.Timestamp(period_end)]
        return float(rows["value"].iloc[0]) if len(rows) else None

    def cell(t, a):
        return f"{a:.0f}" if t is None else f"{t:.0f} / {a:.0f}"

    lines = [
        "Each cell is **published target / achieved** in the shipped files (read back through "
        "`read_903`; V3/V4 short breaks excluded). A lone number means the published figure is "
        "suppressed or not published for that year.",
        "",
        "| 31 March | children looked after | starts in year | ceased in year |",
        "|---|---|---|---|",
    ]
    for year in range(first, last + 1):
        day = pd.Timestamp(f"{year}-03-31")
        window = (pd.Timestamp(f"{year - 1}-04-01"), day)
        on = _on(episodes, day)
        started = episodes[(episodes["rne"] == "S") & episodes["decom"].between(*window)]
        ended = episodes["rec"].notna() & (episodes["rec"] != codes.CONTINUING_REC)
        ceased = episodes[ended & episodes["dec"].between(*window)]
        lines.append(
            f"| {year} | {cell(target('cla_31_march', 'total', year), len(on))} "
            f"| {cell(target('started', 'total', year), started['child'].nunique())} "
            f"| {cell(target('ceased', 'total', year), ceased['child'].nunique())} |"
        )
    lines += ["", "| 31 March | " + " | ".join(codes.AGE_BANDS) + " |", "|---" * 6 + "|"]
    for year in range(first, last + 1):
        day = pd.Timestamp(f"{year}-03-31")
        on = _on(episodes, day)
        bands = codes.age_band(on["dob"], day).value_counts()
        cells = [
            cell(target("cla_31_march", f"age: {b}", year), bands.get(b, 0))
            for b in codes.AGE_BANDS
        ]
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    groups = [
        ("foster (U1-U6)", "placement: foster", "PLACE=U1|U2|U3|U4|U5|U6"),
        ("placed for adoption", "placement: placed for adoption", "PLACE=A3|A4|A5|A6"),
        ("placed with parents", "placement: placed with parents", "PLACE=P1"),
        (
            "secure, children's homes, semi-indep. (K1 K2 H5; to 2019)",
            "placement: secure, children's homes and semi-independent",
            "PLACE=K1|K2|H5|K3",
        ),
        (
            "secure and children's homes (K1 K2; from 2021)",
            "placement: secure and children's homes",
            "PLACE=K1|K2",
        ),
        (
            "independent / supported (H5 K3 P2; from 2021)",
            "placement: independent, semi-independent and supported",
            "PLACE=H5|K3|P2",
        ),
        ("own provision (PR1)", "provider: own provision", "PLACE_PROVIDER=PR1"),
    ]
    lines += ["", "| 31 March | " + " | ".join(g[0] for g in groups) + " |", "|---" * 8 + "|"]
    for year in range(first, last + 1):
        on = _on(episodes, pd.Timestamp(f"{year}-03-31"))
        cells = []
        for _, breakdown, filter_ in groups:
            field, values = filter_.split("=")
            column = "place" if field == "PLACE" else "place_provider"
            achieved = int(on[column].isin(values.split("|")).sum())
            cells.append(cell(target("cla_31_march", breakdown, year), achieved))
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    reasons = [
        ("adopted (E11/E12)", "reason: adopted", {"E11", "E12"}),
        (
            "special guardianship (E45-E48)",
            "reason: special guardianship",
            {"E45", "E46", "E47", "E48"},
        ),
        ("child arrangements order (E41)", "reason: child arrangements order", {"E41"}),
        ("any other reason (E8)", "reason: any other reason", {"E8"}),
    ]
    lines += [
        "",
        "Reasons for leaving care (not steered; for information):",
        "",
        "| year to 31 March | " + " | ".join(r[0] for r in reasons) + " |",
        "|---" * 5 + "|",
    ]
    for year in range(2020, last + 1):
        window = (pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31"))
        ended = episodes[episodes["dec"].between(*window)]
        cells = [
            cell(target("ceased", breakdown, year), ended["rec"].isin(recs).sum())
            for _, breakdown, recs in reasons
        ]
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| date | figure (council reports, DOMAIN.md) | target | achieved |",
        "|---|---|---|---|",
    ]
    for period_end, breakdown in (
        ("2020-09-30", "total"),
        ("2021-07-31", "total"),
        ("2022-01-31", "total"),
        ("2020-09-30", "placement: kinship fostering"),
        ("2022-01-31", "placement: kinship fostering"),
        ("2020-09-30", "placement: placed with parents"),
    ):
        on = _on(episodes, pd.Timestamp(period_end))
        if breakdown == "total":
            achieved = len(on)
        else:
            achieved = int(
                (on["placement_category"] == breakdown.removeprefix("placement: ")).sum()
            )
        label = (
            "children looked after"
            if breakdown == "total"
            else breakdown.removeprefix("placement: ")
        )
        lines.append(
            f"| {period_end} | {label} | {target('cla_month_end', breakdown, period_end=period_end):.0f} | {achieved} |"
        )
    on = _on(episodes, pd.Timestamp("2022-01-31"))
    cats = on["placement_category"].value_counts()
    fostering = sum(cats.get(c, 0) for c in codes.FOSTERING_CATEGORIES)
    own = cats.get(codes.IN_HOUSE_FOSTERING, 0) + cats.get(codes.KINSHIP_FOSTERING, 0)
    residential = sum(cats.get(c, 0) for c in codes.RESIDENTIAL_CATEGORIES)
    lines.append(
        f"| 2022-01-31 | in-house share of foster placements (own carers incl. connected carers) "
        f"| 52% | {100 * own / fostering:.0f}% ({own} of {fostering}) |"
    )
    lines.append(
        f"| 2022-01-31 | in-house share of residential (council's own homes) "
        f"| 34% | {100 * cats.get(codes.IN_HOUSE_RESIDENTIAL, 0) / residential:.0f}% "
        f"({cats.get(codes.IN_HOUSE_RESIDENTIAL, 0)} of {residential}) |"
    )
    lines.append(
        f"| 2022-01-31 | IFA share of foster placements | 48% | "
        f"{100 * cats.get(codes.IFA_FOSTERING, 0) / fostering:.0f}% |"
    )
    return "\n".join(lines)


def _write_table_into_readme(readme: Path, table: str) -> None:
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    if MARK_START not in text or MARK_END not in text:
        return
    head, rest = text.split(MARK_START, 1)
    _, tail = rest.split(MARK_END, 1)
    readme.write_text(f"{head}{MARK_START}\n{table}\n{MARK_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "data" / "demo", help="output folder")
    parser.add_argument("--seed", type=int, default=synthetic.DEMO_SEED, help="random seed")
    parser.add_argument(
        "--extract-targets",
        type=Path,
        default=None,
        metavar="REAL_DATA_DIR",
        help="rebuild calibration_targets.csv from the DfE tables in this folder first",
    )
    parser.add_argument(
        "--print-table", action="store_true", help="print the target vs achieved tables"
    )
    args = parser.parse_args(argv)
    targets_path = args.out / "calibration_targets.csv"
    if args.extract_targets is not None:
        targets = extract_targets(args.extract_targets)
        args.out.mkdir(parents=True, exist_ok=True)
        write_csv(targets, targets_path)
        print(f"wrote {len(targets)} calibration targets to {targets_path}")
    targets = synthetic.load_calibration_targets(targets_path)
    tables = synthetic.generate_demo_authority(targets, seed=args.seed)
    for old in args.out.glob("903_*"):
        shutil.rmtree(old)
    written = synthetic.write_yearly_extracts(
        tables, args.out, years=range(synthetic.DEMO_FIRST_YEAR, synthetic.DEMO_LAST_YEAR + 1)
    )
    size = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} files ({size / 1e6:.1f} MB) to {args.out}")
    table = calibration_table(args.out, targets)
    _write_table_into_readme(args.out / "README.md", table)
    if args.print_table:
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
